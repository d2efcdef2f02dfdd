// The lifecycle as a client drives it: create → state → start → kill →
// delete, and run; what clients rely on (CONTRACT.md) observed from outside.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readlinkSync, openSync, closeSync } from "node:fs";
import { bundle, busyboxMissing, busyboxRootfs, defaultConfig, initPids, missing, newId, rss, Runts, waitFor } from "./harness.js";

const skip = missing() ?? undefined;
const runts = skip ? undefined! : new Runts();
after(() => runts?.cleanup());

test("create, state, start, kill, delete: the states a client sees", { skip }, async () => {
  const id = newId("life");
  const b = bundle(defaultConfig(["/bin/probe", "sleep", "30"]));
  const pidFile = `${b}/init.pid`;
  const created = runts.run(["create", "--bundle", b, "--pid-file", pidFile, id]);
  assert.equal(created.status, 0, created.stderr);
  assert.equal(created.stdout, "", "create prints nothing on stdout");
  const pidText = readFileSync(pidFile, "utf8");
  assert.match(pidText, /^\d+$/, "pid file: the bare pid, no newline");
  let st = runts.state(id);
  assert.deepEqual([st.status, st.pid, st.id, st.bundle], ["created", Number(pidText), id, b]);
  assert.equal(st.ociVersion, "1.0.2-dev");
  assert.ok(st.created.endsWith("Z"));
  assert.equal(runts.ok(["start", id]).stdout, "", "start prints nothing");
  st = runts.state(id);
  assert.equal(st.status, "running");
  assert.equal(runts.ok(["kill", id, "KILL"]).stdout, "", "kill prints nothing");
  assert.ok(await waitFor(() => runts.state(id).status === "stopped"), "stopped after SIGKILL");
  assert.equal(runts.state(id).pid, 0, "pid is 0 once stopped");
  assert.equal(runts.ok(["delete", id]).stdout, "", "delete prints nothing");
  const gone = runts.run(["state", id]);
  assert.equal(gone.status, 1);
  assert.match(gone.stderr, /container does not exist/);
});

test("the waiting init is small and runs from a sealed copy (CVE-2019-5736)", { skip }, () => {
  const id = newId("lean");
  const b = bundle(defaultConfig(["/bin/probe", "exit", "0"]));
  runts.ok(["create", "--bundle", b, id]);
  const { pid } = runts.state(id);
  assert.ok(rss(pid) <= 1024 * 1024, `waiting init RSS ${rss(pid)} bytes > 1 MiB`);
  assert.match(readlinkSync(`/proc/${pid}/exe`), /^\/memfd:runts-init/);
  assert.throws(() => closeSync(openSync(`/proc/${pid}/exe`, "r+")), /EPERM|EACCES|ETXTBSY/);
  runts.ok(["delete", id]);
  assert.ok(!initPids().includes(pid), "delete of a created container kills its init");
});

test("run in the foreground exits with the process's status, 128+signal when killed", { skip }, async () => {
  assert.equal(runts.run(["run", "--bundle", bundle(defaultConfig(["/bin/probe", "exit", "7"])), newId("exit")]).status, 7);
  const id = newId("sig");
  const child = runts.spawn(["run", "--bundle", bundle(defaultConfig(["/bin/probe", "sleep", "30"])), id]);
  const code = new Promise<number | null>((r) => child.on("exit", (c) => r(c)));
  assert.ok(await waitFor(() => runts.run(["state", id]).stdout.includes('"running"')), "container running");
  runts.ok(["kill", id, "9"]);
  assert.equal(await code, 137);
  assert.match(runts.run(["state", id]).stderr, /container does not exist/, "run deletes the container afterwards");
});

test("errors clients match on, with exit status 1", { skip }, async () => {
  const id = newId("errs");
  const b = bundle(defaultConfig(["/bin/probe", "sleep", "30"]));
  runts.ok(["create", "--bundle", b, id]);
  const again = runts.run(["create", "--bundle", b, id]);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /container with id exists/);
  runts.ok(["start", id]);
  const del = runts.run(["delete", id]);
  assert.equal(del.status, 1);
  assert.match(del.stderr, /cannot delete container .* that is not stopped: running/);
  assert.equal(runts.state(id).status, "running", "a refused delete changes nothing");
  runts.ok(["delete", "--force", id]);
  assert.match(runts.run(["state", id]).stderr, /container does not exist/);
  assert.equal(runts.run(["delete", "--force", id]).status, 0, "delete --force of a missing id succeeds");
  assert.match(runts.run(["kill", "nosuch", "9"]).stderr, /container does not exist/);
  const start2 = runts.run(["start", "nosuch"]);
  assert.equal(start2.status, 1);
  assert.match(start2.stderr, /container does not exist/);
});

test("kill on a stopped container: `container not running`, but `kill --all` succeeds", { skip }, async () => {
  const id = newId("stopped");
  runts.ok(["run", "--detach", "--bundle", bundle(defaultConfig(["/bin/probe", "exit", "0"])), id]);
  assert.ok(await waitFor(() => runts.state(id).status === "stopped"));
  const k = runts.run(["kill", id, "15"]);
  assert.equal(k.status, 1);
  assert.match(k.stderr, /container not running/);
  assert.equal(runts.run(["kill", "--all", id, "9"]).status, 0);
  runts.ok(["delete", id]);
});

test("start twice: the second is refused with runc's words", { skip }, () => {
  const id = newId("twice");
  runts.ok(["run", "--detach", "--bundle", bundle(defaultConfig(["/bin/probe", "sleep", "30"])), id]);
  const again = runts.run(["start", id]);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /cannot start an already running container/);
  runts.ok(["delete", "--force", id]);
});

test("the default state dir is /run/runts (podman passes no --root)", { skip }, () => {
  const id = newId("defroot");
  const podman = new Runts("/run/runts", { passRoot: false });
  try {
    podman.ok(["create", "--bundle", bundle(defaultConfig(["/bin/probe", "exit", "0"])), id]);
    assert.equal(podman.state(id).status, "created");
    assert.ok(existsSync(`/run/runts/${id}/state.json`), "state under /run/runts");
  } finally {
    podman.cleanup();
  }
  assert.ok(!existsSync(`/run/runts/${id}`), "delete --force removed it");
});

/** config.json as the real `runc spec` writes it, when runc is installed; our copy of it otherwise */
function runcSpecConfig(args: string[]): Record<string, any> {
  const dir = bundle({});
  const r = spawnSync("runc", ["spec", "--bundle", dir], { encoding: "utf8" });
  const c = r.status === 0 ? JSON.parse(readFileSync(`${dir}/config.json`, "utf8")) : defaultConfig([]);
  c.process.terminal = false;
  c.process.args = args;
  c.root = { path: busyboxRootfs(), readonly: true };
  return c;
}

test("a busybox bundle from `runc spec`: create → created → start → running → stopped → delete", { skip: skip ?? busyboxMissing() ?? undefined }, async () => {
  const id = newId("runcspec");
  // pid 1 ignores a SIGTERM it has no handler for: the trap is the handler
  runts.ok(["create", "--bundle", bundle(runcSpecConfig(["sh", "-c", "trap 'exit 0' TERM; while :; do sleep 0.1; done"])), id]);
  assert.equal(runts.state(id).status, "created");
  runts.ok(["start", id]);
  assert.equal(runts.state(id).status, "running");
  runts.ok(["kill", id, "TERM"]);
  assert.ok(await waitFor(() => runts.state(id).status === "stopped"));
  runts.ok(["delete", id]);
  assert.match(runts.run(["state", id]).stderr, /container does not exist/);
});
