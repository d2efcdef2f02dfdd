import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { deleteContainer } from "../../src/runtime/delete.js";
import { kill } from "../../src/runtime/kill.js";
import { addContainer, fakeHost, statLine, type FakeHost } from "./fake-host.js";

function setup(t: { after(fn: () => void): void }): FakeHost {
  const host = fakeHost();
  t.after(host.cleanup);
  return host;
}

test("kill sends SIGTERM by default, names and numbers otherwise", async (t) => {
  const host = setup(t);
  host.onKill = "ignore";
  const r = addContainer(host, "c1", "running");
  await kill(host, "c1");
  await kill(host, "c1", { signal: "KILL" });
  await kill(host, "c1", { signal: "sigusr1" });
  await kill(host, "c1", { signal: "2" });
  assert.deepEqual(host.kills, [[r.pid, 15], [r.pid, 9], [r.pid, 10], [r.pid, 2]]);
});

test("kill of a stopped container: `container not running`", async (t) => {
  const host = setup(t);
  addContainer(host, "c1", "stopped");
  await assert.rejects(kill(host, "c1", { signal: "9" }), { message: "container not running: `c1`" });
  assert.deepEqual(host.kills, []);
});

test("kill --all of a stopped container succeeds silently (CRI after every exit)", async (t) => {
  const host = setup(t);
  addContainer(host, "c1", "stopped");
  await kill(host, "c1", { signal: "9", all: true });
  assert.deepEqual(host.kills, []);
});

test("a reused pid (start time differs) counts as stopped: nothing is signalled", async (t) => {
  const host = setup(t);
  const r = addContainer(host, "c1", "running");
  host.stats.set(r.pid, statLine(r.pid, "S", "999999")); // someone else now has the pid
  await assert.rejects(kill(host, "c1", { signal: "9" }), { message: "container not running: `c1`" });
  await deleteContainer(host, "c1");
  assert.deepEqual(host.kills, []);
  assert.equal(existsSync(host.store.dir("c1")), false);
});

test("the init exiting between the check and kill(2) (ESRCH) is `container not running`", async (t) => {
  const host = setup(t);
  addContainer(host, "c1", "running");
  host.onKill = "esrch";
  await assert.rejects(kill(host, "c1", { signal: "15" }), { message: "container not running: `c1`" });
  await kill(host, "c1", { signal: "15", all: true });
});

test("kill errors: unknown id first, then unknown signal", async (t) => {
  const host = setup(t);
  await assert.rejects(kill(host, "nope", { signal: "BOGUS" }), { message: "container does not exist: `nope`" });
  addContainer(host, "c1", "running");
  await assert.rejects(kill(host, "c1", { signal: "BOGUS" }), { message: "unknown signal `BOGUS`" });
  assert.deepEqual(host.kills, []);
});

test("delete of a running container without --force is refused with runc's text", async (t) => {
  const host = setup(t);
  addContainer(host, "c1", "running");
  await assert.rejects(deleteContainer(host, "c1"), { message: "cannot delete container c1 that is not stopped: running" });
  assert.equal(existsSync(host.store.dir("c1")), true);
  assert.deepEqual(host.kills, []);
});

test("delete --force of a running container: SIGKILL, wait, remove", async (t) => {
  const host = setup(t);
  const r = addContainer(host, "c1", "running");
  await deleteContainer(host, "c1", { force: true });
  assert.deepEqual(host.kills, [[r.pid, 9]]);
  assert.equal(existsSync(host.store.dir("c1")), false);
});

test("delete of a created container kills the waiting init even without --force", async (t) => {
  const host = setup(t);
  const r = addContainer(host, "c1", "created");
  await deleteContainer(host, "c1");
  assert.deepEqual(host.kills, [[r.pid, 9]]);
  assert.equal(existsSync(host.store.dir("c1")), false);
});

test("delete of a stopped container removes its state without signalling", async (t) => {
  const host = setup(t);
  addContainer(host, "c1", "stopped");
  await deleteContainer(host, "c1");
  assert.deepEqual(host.kills, []);
  assert.deepEqual(host.store.list(), []);
});

test("delete --force of a missing id is a silent success; without --force `container does not exist`", async (t) => {
  const host = setup(t);
  await deleteContainer(host, "ghost", { force: true });
  await assert.rejects(deleteContainer(host, "ghost"), { message: "container does not exist: `ghost`" });
  await assert.rejects(deleteContainer(host, "../x", { force: true }), { message: "invalid container ID format: `../x`" });
});

test("delete of a container still being created: refused, --force removes it", async (t) => {
  const host = setup(t);
  host.store.reserve("c1").release();
  await assert.rejects(deleteContainer(host, "c1"), { message: "cannot delete container c1 that is not stopped: creating" });
  await deleteContainer(host, "c1", { force: true });
  assert.deepEqual(host.store.list(), []);
});

test("delete --force gives up when SIGKILL does not take within 5s", async (t) => {
  const host = setup(t);
  host.onKill = "ignore";
  let slept = 0;
  host.sleep = async (ms) => void (slept += ms);
  addContainer(host, "c1", "running");
  await assert.rejects(deleteContainer(host, "c1", { force: true }), {
    message: "delete container `c1`: init `4242` still alive 5s after SIGKILL",
  });
  assert.equal(slept, 5000);
  assert.equal(existsSync(host.store.dir("c1")), true);
});

test("delete runs the poststop hooks kept in state.json once the state is gone; a failing one is a warning", async (t) => {
  const host = setup(t);
  const out = join(host.store.root, "..", `poststop-${process.pid}`);
  t.after(() => rmSync(out, { force: true }));
  const dir = host.store.dir("c1");
  const hooks = { poststop: [
    { path: "/bin/sh", args: ["sh", "-c", "exit 4"] },
    { path: "/bin/sh", args: ["sh", "-c", `{ test -e "${dir}" && echo dir-left || echo dir-gone; cat; } > "${out}"`] },
  ] };
  addContainer(host, "c1", "stopped", { spec: { ociVersion: "1.3.0", hooks }, annotations: { k: "v" } });
  const warnings: string[] = [];
  await deleteContainer(host, "c1", { warn: (m) => warnings.push(m) });
  const [where, state] = readFileSync(out, "utf8").split("\n");
  assert.equal(where, "dir-gone");
  assert.deepEqual(JSON.parse(state), { ociVersion: "1.3.0", id: "c1", status: "stopped", pid: 0, bundle: "/bundles/c1", annotations: { k: "v" } });
  assert.deepEqual(warnings, ["error running poststop hook #0 `/bin/sh`: exit status 4"]);
});
