import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { validateId } from "../../src/host/state.js";
import { formatState, state } from "../../src/runtime/state.js";
import { stateJson, statusOf } from "../../src/runtime/status.js";
import { addContainer, fakeHost, record, statLine } from "./fake-host.js";

test("reserve makes <root>/<id> 0711 under a 0700 root; twice is `container with id exists`", (t) => {
  const host = fakeHost();
  t.after(host.cleanup);
  const { dir } = host.store.reserve("c1");
  assert.equal(dir, join(host.store.root, "c1"));
  assert.equal(statSync(dir).mode & 0o777, 0o711);
  assert.equal(statSync(host.store.root).mode & 0o777, 0o700);
  assert.throws(() => host.store.reserve("c1"), { message: "container with id exists: `c1`" });
});

test("write is atomic: state.json holds the record and no temp file is left", (t) => {
  const host = fakeHost();
  t.after(host.cleanup);
  host.store.reserve("c1");
  host.store.write(record("c1", { pid: 1 }));
  host.store.write(record("c1", { pid: 2 }));
  const dir = host.store.dir("c1");
  assert.deepEqual(readdirSync(dir), ["state.json"]);
  assert.equal(JSON.parse(readFileSync(join(dir, "state.json"), "utf8")).pid, 2);
  assert.equal(statSync(join(dir, "state.json")).mode & 0o777, 0o600);
  assert.deepEqual(host.store.read("c1"), record("c1", { pid: 2 }));
});

test("write to a removed container fails with a sentence, not a node error", (t) => {
  const host = fakeHost();
  t.after(host.cleanup);
  assert.throws(() => host.store.write(record("gone")), { message: /^write state of `gone`: open `.*state\.json\.tmp-\d+`: no such file or directory$/ });
});

test("read: unknown id is `container does not exist`; a reserved dir without state is null (creating)", (t) => {
  const host = fakeHost();
  t.after(host.cleanup);
  assert.throws(() => host.store.read("nope"), { message: "container does not exist: `nope`" });
  host.store.reserve("half");
  assert.equal(host.store.read("half"), null);
});

test("a reserved dir whose creator died is stopped, not creating forever (runts killed before state.json)", async (t) => {
  const host = fakeHost();
  t.after(host.cleanup);
  const dir = host.store.reserve("orphan").dir;
  assert.match(readFileSync(join(dir, "creator"), "utf8"), /^\d+ \d+$/, "the reserving runts: pid and start time");
  writeFileSync(join(dir, "creator"), "999999999 1"); // no such process
  const s = await state(host, "orphan");
  assert.deepEqual([s.status, s.pid], ["stopped", 0]);
});

test("remove is rm -rf and fine when missing; list shows sorted valid dirs only", (t) => {
  const host = fakeHost();
  t.after(host.cleanup);
  assert.deepEqual(host.store.list(), []); // root not created yet
  for (const id of ["b", "a", "c"]) host.store.reserve(id);
  writeFileSync(join(host.store.root, "stray-file"), "");
  mkdirSync(join(host.store.root, "bad id"));
  host.store.remove("c");
  host.store.remove("c");
  assert.deepEqual(host.store.list(), ["a", "b"]);
});

test("ids: runc's rule, errors say `invalid container ID format`", () => {
  for (const ok of ["a", "abc-123", "a.b_c+d", "..a", "A"]) assert.doesNotThrow(() => validateId(ok), ok);
  for (const bad of ["", ".", "..", "a/b", "../x", "a b", "é", "a\n"]) {
    assert.throws(() => validateId(bad), { message: `invalid container ID format: \`${bad}\`` }, JSON.stringify(bad));
  }
});

test("status: gone pid → stopped, exec socket → created, otherwise running, null → creating", (t) => {
  const host = fakeHost();
  t.after(host.cleanup);
  const r = record("c1", { pid: 10, pidStartTime: "500", execSocket: "/run/x/exec.sock" });
  assert.equal(statusOf(null, host), "creating");
  assert.equal(statusOf(r, host), "stopped");
  host.stats.set(10, statLine(10, "S", "500"));
  assert.equal(statusOf(r, host), "running");
  host.files.add("/run/x/exec.sock");
  assert.equal(statusOf(r, host), "created");
  host.stats.set(10, statLine(10, "Z", "500"));
  assert.equal(statusOf(r, host), "stopped");
  host.stats.set(10, statLine(10, "S", "501")); // pid reused by another process
  assert.equal(statusOf(r, host), "stopped");
});

test("state JSON: runc's key order and indentation, pid 0 when stopped, annotations omitted when empty", (t) => {
  const host = fakeHost();
  t.after(host.cleanup);
  addContainer(host, "c1", "stopped");
  const text = formatState(stateJson(record("c1"), "stopped"));
  assert.equal(
    text,
    '{\n  "ociVersion": "1.3.0",\n  "id": "c1",\n  "pid": 0,\n  "status": "stopped",\n  "bundle": "/bundles/c1",\n' +
      '  "rootfs": "/bundles/c1/rootfs",\n  "created": "2026-12-03T20:11:05.123456789Z",\n  "owner": "root"\n}',
  );
  const withNotes = stateJson(record("c1", { annotations: { "a.b": "c" } }), "running");
  assert.deepEqual(Object.keys(withNotes), ["ociVersion", "id", "pid", "status", "bundle", "rootfs", "created", "annotations", "owner"]);
  assert.equal(withNotes.pid, 4242);
});

test("state() of a running and of a creating container", async (t) => {
  const host = fakeHost();
  t.after(host.cleanup);
  addContainer(host, "run1", "running");
  assert.equal((await state(host, "run1")).status, "running");
  host.store.reserve("new1");
  assert.deepEqual(await state(host, "new1"), {
    ociVersion: "", id: "new1", pid: 0, status: "creating", bundle: "", rootfs: "", created: "", owner: "",
  });
  await assert.rejects(state(host, "../etc"), { message: "invalid container ID format: `../etc`" });
});
