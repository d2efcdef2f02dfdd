// Conformance with runtime-spec v1.3.0 runtime.md ("State", "Lifecycle",
// "Errors", "Operations"), one test per requirement or close group of them;
// LEDGER.md names each. What integration tests already prove is not repeated
// here: the ledger points at them.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readlinkSync } from "node:fs";
import path from "node:path";
import {
  assertNothingLeft, bundle, busyboxMissing, busyboxRootfs, defaultConfig, existsSync, leftovers, missing, newId,
  readFileSync, Runts, waitFor, work, writeFileSync,
} from "../integration/harness.js";

const skip = missing() ?? undefined;
const runts = skip ? undefined! : new Runts();
after(() => runts?.cleanup());

const id = (tag: string) => newId(`conf-${tag}`);

/** a host dir the container writes to at /out */
function outDir(): string {
  const dir = mkdtempSync(path.join(work, "out-"));
  chmodSync(dir, 0o777);
  return dir;
}

/** a probe config whose process writes `text` to /out/<name> */
function writer(out: string, name: string, text = "ran"): Record<string, any> {
  const c = defaultConfig(["/bin/probe", "write", `/out/${name}`, text]);
  c.mounts.push({ destination: "/out", type: "bind", source: out, options: ["rbind"] });
  return c;
}

const STATUSES = ["creating", "created", "running", "stopped"];

/** runtime.md "State": the required properties with their types (schema/state-schema.json) */
function assertStateShape(st: any): void {
  for (const key of ["ociVersion", "id", "status", "bundle"]) assert.equal(typeof st[key], "string", `state.${key} is a string`);
  assert.ok(STATUSES.includes(st.status), `status ${st.status}`);
  assert.ok(Number.isInteger(st.pid), "pid is an integer");
  assert.ok(path.isAbsolute(st.bundle), "bundle is absolute");
}

test("state: ociVersion, id, status, pid, bundle and annotations when created, running and stopped", { skip }, async () => {
  const c = defaultConfig(["/bin/probe", "sleep", "30"]);
  c.annotations = { "com.example.key": "value" };
  const b = bundle(c);
  const cid = id("state");
  runts.ok(["create", "--bundle", b, cid]);
  let st = runts.state(cid);
  assertStateShape(st);
  assert.deepEqual([st.id, st.status, st.bundle, st.annotations], [cid, "created", b, c.annotations]);
  assert.ok(st.pid > 0 && existsSync(`/proc/${st.pid}`), "pid: the container process as the host sees it");
  assert.notEqual(readlinkSync(`/proc/${st.pid}/ns/pid`), readlinkSync("/proc/self/ns/pid"), "the host's pid of a process in its own pid namespace");
  runts.ok(["start", cid]);
  st = runts.state(cid);
  assertStateShape(st);
  assert.equal(st.status, "running");
  runts.ok(["kill", cid, "KILL"]);
  assert.ok(await waitFor(() => runts.state(cid).status === "stopped"), "stopped once the process exits");
  assertStateShape(runts.state(cid));
  runts.ok(["delete", cid]);
});

test("create applies the config but does not run the program; start runs it", { skip }, async () => {
  const out = outDir();
  const c = writer(out, "ran");
  c.hostname = "conf-host";
  c.mounts.push({ destination: "/made-at-create", type: "tmpfs", source: "tmpfs", options: [] });
  const cid = id("create");
  runts.ok(["create", "--bundle", bundle(c), cid]);
  const { pid, status } = runts.state(cid);
  assert.equal(status, "created");
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(existsSync(path.join(out, "ran")), false, "process.args not run at create");
  for (const ns of ["mnt", "uts", "ipc", "net", "pid"]) assert.notEqual(readlinkSync(`/proc/${pid}/ns/${ns}`), readlinkSync(`/proc/self/ns/${ns}`), `${ns} namespace made at create`);
  assert.match(readFileSync(`/proc/${pid}/mountinfo`, "utf8"), / \/made-at-create /, "mounts made at create");
  runts.ok(["start", cid]);
  assert.ok(await waitFor(() => existsSync(path.join(out, "ran"))), "start runs the program");
  runts.ok(["delete", "--force", cid]);
});

test("changes to config.json after create do not affect the container", { skip }, async () => {
  const out = outDir();
  const b = bundle(writer(out, "first"));
  const cid = id("frozen");
  runts.ok(["create", "--bundle", b, cid]);
  const changed = writer(out, "second");
  changed.hooks = { poststart: [{ path: "/bin/sh", args: ["sh", "-c", `echo hook > ${out}/hook`] }] };
  writeFileSync(path.join(b, "config.json"), JSON.stringify(changed));
  runts.ok(["start", cid]);
  assert.ok(await waitFor(() => runts.state(cid).status === "stopped"));
  assert.deepEqual([existsSync(path.join(out, "first")), existsSync(path.join(out, "second")), existsSync(path.join(out, "hook"))], [true, false, false]);
  runts.ok(["delete", cid]);
});

test("create with an id in use fails and leaves the existing container as it was", { skip }, () => {
  const cid = id("dup");
  const b = bundle(defaultConfig(["/bin/probe", "sleep", "30"]));
  runts.ok(["create", "--bundle", b, cid]);
  const before = runts.state(cid);
  const again = runts.run(["create", "--bundle", bundle(defaultConfig(["/bin/probe", "exit", "0"])), cid]);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /exists/);
  assert.deepEqual(runts.state(cid), before, "same pid, bundle, status");
  runts.ok(["delete", "--force", cid]);
});

test("create with an invalid id, a missing id or a missing bundle fails and makes nothing", { skip }, () => {
  const before = leftovers(runts);
  const b = bundle(defaultConfig(["/bin/probe", "exit", "0"]));
  for (const bad of ["../x", "a/b", "", "."]) {
    const r = runts.run(["create", "--bundle", b, bad]);
    assert.equal(r.status, 1, `id ${JSON.stringify(bad)}`);
    assert.match(r.stderr, /invalid container ID/);
  }
  assert.equal(runts.run(["create", "--bundle", b]).status, 1, "no id");
  const cid = id("nobundle");
  const r = runts.run(["create", "--bundle", path.join(work, "no-such-bundle"), cid]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /config\.json not found/);
  assertNothingLeft(runts, before, cid);
});

test("state, start, kill and delete without an id, or of a container that does not exist, fail", { skip }, () => {
  for (const op of [["state"], ["start"], ["kill"], ["delete"]]) assert.equal(runts.run(op).status, 1, `${op[0]} without an id`);
  const nosuch = id("nosuch");
  for (const op of [["state", nosuch], ["start", nosuch], ["kill", nosuch, "KILL"], ["delete", nosuch]]) {
    const r = runts.run(op);
    assert.equal(r.status, 1, op.join(" "));
    assert.match(r.stderr, /container does not exist/);
  }
});

test("start of a running or a stopped container fails and changes nothing", { skip }, async () => {
  const cid = id("restart");
  runts.ok(["run", "--detach", "--bundle", bundle(defaultConfig(["/bin/probe", "sleep", "30"])), cid]);
  const running = runts.state(cid);
  assert.equal(runts.run(["start", cid]).status, 1);
  assert.deepEqual(runts.state(cid), running);
  runts.ok(["kill", cid, "KILL"]);
  assert.ok(await waitFor(() => runts.state(cid).status === "stopped"));
  const stopped = runts.state(cid);
  assert.equal(runts.run(["start", cid]).status, 1);
  assert.deepEqual(runts.state(cid), stopped);
  runts.ok(["delete", cid]);
});

test("a config without process cannot be started: refused before anything runs", { skip }, () => {
  const c = defaultConfig(["/bin/probe", "exit", "0"]);
  delete c.process;
  const before = leftovers(runts);
  const cid = id("noproc");
  const r = runts.run(["create", "--bundle", bundle(c), cid]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /\/process: is required/);
  assertNothingLeft(runts, before, cid);
});

test("kill of a created container signals its process; kill of a stopped one fails and changes nothing", { skip }, async () => {
  const cid = id("killcreated");
  runts.ok(["create", "--bundle", bundle(defaultConfig(["/bin/probe", "sleep", "30"])), cid]);
  runts.ok(["kill", cid, "KILL"]);
  assert.ok(await waitFor(() => runts.state(cid).status === "stopped"), "the created container's process got SIGKILL");
  const stopped = runts.state(cid);
  const r = runts.run(["kill", cid, "TERM"]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /container not running/);
  assert.deepEqual(runts.state(cid), stopped);
  runts.ok(["delete", cid]);
});

test("kill sends the named signal to the container process", { skip: skip ?? busyboxMissing() ?? undefined }, async () => {
  const out = outDir();
  const c = defaultConfig(["sh", "-c", "trap 'echo USR1 > /out/got; exit 0' USR1; echo ready > /out/ready; while :; do sleep 0.1; done"], busyboxRootfs());
  c.mounts.push({ destination: "/out", type: "bind", source: out, options: ["rbind"] });
  const cid = id("signal");
  runts.ok(["run", "--detach", "--bundle", bundle(c), cid]);
  assert.ok(await waitFor(() => existsSync(path.join(out, "ready"))), "trap set");
  runts.ok(["kill", cid, "USR1"]);
  assert.ok(await waitFor(() => existsSync(path.join(out, "got"))), "the trap ran");
  assert.equal(readFileSync(path.join(out, "got"), "utf8"), "USR1\n");
  assert.ok(await waitFor(() => runts.state(cid).status === "stopped"));
  runts.ok(["delete", cid]);
});

test("delete of a running container fails and changes nothing", { skip }, () => {
  const cid = id("delrunning");
  runts.ok(["run", "--detach", "--bundle", bundle(defaultConfig(["/bin/probe", "sleep", "30"])), cid]);
  const running = runts.state(cid);
  const r = runts.run(["delete", cid]);
  assert.equal(r.status, 1);
  assert.deepEqual(runts.state(cid), running);
  assert.ok(existsSync(`/proc/${running.pid}`), "its process lives on");
  runts.ok(["delete", "--force", cid]);
});

test("delete removes what create made, and not what it did not: a bind source and a joined namespace stay", { skip }, async () => {
  const holder = id("holder");
  runts.ok(["run", "--detach", "--bundle", bundle(defaultConfig(["/bin/probe", "sleep", "30"])), holder]);
  const holderPid = runts.state(holder).pid;
  const netns = readlinkSync(`/proc/${holderPid}/ns/net`);
  const out = outDir();
  writeFileSync(path.join(out, "kept"), "host file");
  const c = writer(out, "ran");
  c.linux.namespaces = c.linux.namespaces.map((n: any) => (n.type === "network" ? { type: "network", path: `/proc/${holderPid}/ns/net` } : n));
  const before = leftovers(runts);
  const cid = id("joiner");
  runts.ok(["run", "--detach", "--bundle", bundle(c), cid]);
  assert.ok(await waitFor(() => runts.state(cid).status === "stopped"));
  runts.ok(["delete", cid]);
  assertNothingLeft(runts, before, cid);
  assert.equal(readFileSync(path.join(out, "kept"), "utf8"), "host file", "the bind mount's source is untouched");
  assert.equal(readlinkSync(`/proc/${holderPid}/ns/net`), netns, "the joined namespace's holder lives on");
  runts.ok(["delete", "--force", holder]);
});
