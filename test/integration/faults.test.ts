// A failure or a crash at any step of create, start, exec and delete leaves
// nothing behind. The test-only switch (src/runtime/fault.ts) makes a named
// step fail (the command fails, saying where), or kills runts right there
// with SIGKILL; then `state` tells the truth, `delete --force` succeeds, and
// no state dir, cgroup, mount, runts-init, container process or open fd is
// left. failures.test.ts has the SIGKILL at a random moment of create and
// the real failures of each step.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:net";
import path from "node:path";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readlinkSync, rmSync } from "node:fs";
import {
  bundle, defaultConfig, existsSync, initPids, leftovers, missing, newId, openFdsUnder, readFileSync, Runts, waitFor, work,
  type Run,
} from "./harness.js";

const skip = missing() ?? undefined;
const runts = skip ? undefined! : new Runts();
const servers: Server[] = [];
after(() => {
  runts?.cleanup();
  for (const s of servers) s.close();
});

function faultEnv(fault: string): NodeJS.ProcessEnv {
  return { ...process.env, RUNTS_TEST_FAULTS: "1", RUNTS_FAULT: fault };
}

/** a container that waits: its process sleeps once started */
function sleeper(): Record<string, any> {
  return defaultConfig(["/bin/probe", "sleep", "600"]);
}

/** a seccomp listener that accepts and holds the connection (runts-init connects before it clones) */
function listenerPath(): string {
  const sock = path.join(work, `listener-${process.pid}-${servers.length}.sock`);
  const server = createServer(() => undefined).listen(sock);
  servers.push(server);
  return sock;
}

/** what a step needs in the config to be reached at all */
const NEEDS: Record<string, (c: Record<string, any>) => void> = {
  "create.idmap-ack": userns,
  "init.idmapped": userns,
  "create.hooks-ack": (c) => { c.hooks = { createRuntime: [{ path: "/bin/true" }] }; },
  "create.seccomp-state": (c) => {
    c.linux.seccomp = { defaultAction: "SCMP_ACT_ALLOW", listenerPath: listenerPath(), syscalls: [{ names: ["mkdirat"], action: "SCMP_ACT_NOTIFY" }] };
  },
};

function userns(c: Record<string, any>): void {
  c.linux.namespaces.push({ type: "user" });
  c.linux.uidMappings = [{ containerID: 0, hostID: 500000, size: 65536 }];
  c.linux.gidMappings = [{ containerID: 0, hostID: 500000, size: 65536 }];
}

function configFor(step: string): Record<string, any> {
  const c = sleeper();
  NEEDS[step]?.(c);
  return c;
}

type After = "gone" | "stopped" | "created";

/** create's steps, in order, and what `state` says once runts was killed there and runts-init is done */
const CREATE_STEPS: Record<string, After> = {
  "create.validated": "gone",
  "create.reserved": "stopped", // nothing creates it any more: no process, a dir to delete
  "create.cgroup": "stopped",
  "init.decoded": "gone", // from here runts-init sees runts gone and removes it all
  "init.exec-socket": "gone",
  "init.cloned": "gone",
  "create.pid": "gone",
  "create.cgroup-ack": "gone",
  "init.cgroup-joined": "gone",
  "create.idmap-ack": "gone",
  "init.idmapped": "gone",
  "create.seccomp-state": "gone",
  "create.hooks-ack": "gone",
  "init.mounted": "gone",
  "init.before-ready": "gone",
  "create.state-written": "gone",
  "create.before-pid-file": "gone",
  "create.after-pid-file": "gone",
  "create.before-commit": "gone",
  "create.committed": "created", // runts-init was told: the container is there
  "init.committed": "created",
};

/** this file's ids all hold `-PID-` (harness newId): other people's containers on the host are not ours to count */
const MINE = `-${process.pid}-`;

/** a runts-init of ours: in one of our containers' cgroups, or holding a fd under our --root (P, and C until READY) */
function isOurs(pid: number, underRoot: string[]): boolean {
  try {
    if (readFileSync(`/proc/${pid}/cgroup`, "utf8").includes(MINE)) return true;
  } catch {
    return false;
  }
  return underRoot.some((fd) => fd.startsWith(`${pid}/`));
}

function ourInits(inits = initPids()): number[] {
  const underRoot = openFdsUnder(runts.root);
  return inits.filter((pid) => isOurs(pid, underRoot));
}

/** once a test has deleted its container: nothing of ours on the host, and no mount more than before */
function assertClean(mountsBefore: number, id: string): void {
  const now = leftovers(runts);
  assert.deepEqual(now.stateDirs, [], "no state dir");
  assert.deepEqual(ourInits(now.inits), [], "no runts-init");
  assert.deepEqual(now.cgroups.filter((d) => d.includes(MINE)), [], "no cgroup");
  assert.equal(now.mounts, mountsBefore, "no mount on the host");
  assert.deepEqual(now.openUnderRoot, [], "no fd open under the state root");
  assert.match(runts.run(["state", id]).stderr, /container does not exist/);
}

function oneLine(r: Run): string {
  assert.equal(r.stdout, "");
  assert.equal(r.stderr.trim().split("\n").length, 1, `one line on stderr: ${r.stderr}`);
  return r.stderr.trim();
}

/** wait until no runts-init of this create is left, or the container is created */
async function settled(id: string): Promise<void> {
  await waitFor(() => ourInits().length === 0 || runts.run(["state", id]).stdout.includes('"created"'), 5000);
}

/** what `state` says: a status, or "gone" for `container does not exist` */
function stateOf(id: string): string {
  const r = runts.run(["state", id]);
  if (r.status === 0) return JSON.parse(r.stdout).status;
  assert.match(r.stderr, /container does not exist/);
  return "gone";
}

function createArgs(step: string, id: string): string[] {
  const b = bundle(configFor(step));
  return ["create", "--pid-file", path.join(b, "init.pid"), "--bundle", b, id];
}

for (const [step, afterKill] of Object.entries(CREATE_STEPS)) {
  test(`create fails at \`${step}\`: the error says where, nothing is left`, { skip }, () => {
    const mounts = leftovers(runts).mounts;
    const id = newId("fault-c");
    const args = createArgs(step, id);
    const msg = oneLine(runts.run(args, { env: faultEnv(step) }));
    assert.match(msg, new RegExp(`injected fault at \`${step.replace(".", "\\.")}\` \\(RUNTS_FAULT\\)`));
    assertClean(mounts, id);
    assert.equal(existsSync(args[2]), false, "no pid file of a container that is not there");
  });

  test(`runts SIGKILLed at \`${step}\` of create: state says ${afterKill}, delete --force leaves nothing`, { skip }, async () => {
    const mounts = leftovers(runts).mounts;
    const id = newId("fault-ck");
    const r = runts.run(createArgs(step, id), { env: faultEnv(`kill:${step}`) });
    assert.equal(r.signal, "SIGKILL", `runts was killed there: ${r.stderr}`);
    await settled(id);
    assert.equal(stateOf(id), afterKill);
    runts.ok(["delete", "--force", id]);
    assertClean(mounts, id);
  });
}

/** a created container with a sleeping process; its id */
function created(env?: NodeJS.ProcessEnv): string {
  const id = newId("fault-s");
  runts.ok(["create", "--bundle", bundle(sleeper()), id], env ? { env } : {});
  return id;
}

/** start's steps: whose environment names the fault (runts-init's are in the plan create sends), and the state after */
const START_STEPS: Record<string, { at: "create" | "start"; failed: string; killed: string }> = {
  "start.before-connect": { at: "start", failed: "created", killed: "created" },
  "start.connected": { at: "start", failed: "stopped", killed: "running" },
  "init.accepted": { at: "create", failed: "stopped", killed: "running" },
  "init.before-exec": { at: "create", failed: "stopped", killed: "running" },
};

for (const [step, want] of Object.entries(START_STEPS)) {
  for (const kill of [false, true]) {
    const name = kill ? `runts SIGKILLed at \`${step}\` of start: state says ${want.killed}` : `start fails at \`${step}\`: the error says where, state says ${want.failed}`;
    test(`${name}; delete --force leaves nothing`, { skip }, async () => {
      const mounts = leftovers(runts).mounts;
      const env = faultEnv(kill ? `kill:${step}` : step);
      const id = created(want.at === "create" ? env : undefined);
      const r = runts.run(["start", id], { env });
      if (kill) assert.equal(r.signal, "SIGKILL", `runts was killed there: ${r.stderr}`);
      else assert.match(oneLine(r), new RegExp(`injected fault at \`${step.replace(".", "\\.")}\``));
      const status = kill ? want.killed : want.failed;
      assert.ok(await waitFor(() => stateOf(id) === status), `state says ${status}, not ${stateOf(id)}`);
      runts.ok(["delete", "--force", id]);
      assertClean(mounts, id);
    });
  }
}

/** exec's steps, runts' and runts-init's */
const EXEC_STEPS = [
  "exec.before-launch", "init.decoded", "init.cloned", "exec.pid", "exec.cgroup-ack", "init.cgroup-joined",
  "init.before-ready", "init.before-exec", "exec.before-pid-file",
];

/** runts-init processes in the container's mount namespace (exec's join it):
 * not all of the host's, which other people's containers change meanwhile */
function initsInside(init: number): number[] {
  const ns = readlinkSync(`/proc/${init}/ns/mnt`);
  return initPids().filter((pid) => {
    try { return readlinkSync(`/proc/${pid}/ns/mnt`) === ns; } catch { return false; }
  });
}

/** the container's processes, by `runts ps` */
function pids(id: string): number[] {
  return JSON.parse(runts.ok(["ps", "--format", "json", id]).stdout);
}

for (const step of EXEC_STEPS) {
  for (const kill of [false, true]) {
    const name = kill ? `runts SIGKILLed at \`${step}\` of exec` : `exec fails at \`${step}\`: the error says where`;
    test(`${name}: the container runs on alone, no process or pid file is left`, { skip }, async () => {
      const mounts = leftovers(runts).mounts;
      const id = created();
      runts.ok(["start", id]);
      const pidFile = path.join(work, `${id}-exec.pid`);
      const r = runts.run(["exec", "--detach", "--pid-file", pidFile, id, "/bin/probe", "sleep", "600"], { env: faultEnv(kill ? `kill:${step}` : step) });
      if (kill) assert.equal(r.signal, "SIGKILL", `runts was killed there: ${r.stderr}`);
      else {
        assert.equal(r.status, 255);
        assert.match(oneLine(r), new RegExp(`^exec failed: .*injected fault at \`${step.replace(".", "\\.")}\``));
      }
      const init = runts.state(id).pid;
      assert.ok(await waitFor(() => pids(id).length === 1), `only the init is left: ${pids(id)}`);
      assert.deepEqual(pids(id), [init]);
      assert.equal(stateOf(id), "running");
      assert.equal(existsSync(pidFile), false, "no pid file of a process that is not there");
      assert.ok(await waitFor(() => initsInside(init).length === 0), `no runts-init: ${initsInside(init)}`);
      runts.ok(["delete", "--force", id]);
      assertClean(mounts, id);
    });
  }
}

const DELETE_STEPS = ["delete.killed", "delete.cgroup-removed", "delete.before-state-removal"];

for (const step of DELETE_STEPS) {
  for (const kill of [false, true]) {
    const name = kill ? `runts SIGKILLed at \`${step}\` of delete` : `delete fails at \`${step}\`: the error says where`;
    test(`${name}: state says stopped, delete --force then leaves nothing`, { skip }, () => {
      const mounts = leftovers(runts).mounts;
      const id = created();
      runts.ok(["start", id]);
      const r = runts.run(["delete", "--force", id], { env: faultEnv(kill ? `kill:${step}` : step) });
      if (kill) assert.equal(r.signal, "SIGKILL", `runts was killed there: ${r.stderr}`);
      else assert.match(oneLine(r), new RegExp(`injected fault at \`${step.replace(".", "\\.")}\``));
      assert.equal(stateOf(id), "stopped");
      runts.ok(["delete", id]);
      assertClean(mounts, id);
    });
  }
}

/** a tmpfs of this test's own under its temp dir, unmounted after */
function tmpfs(t: import("node:test").TestContext, options: string): string {
  const dir = mkdtempSync(path.join(work, "fs-"));
  execFileSync("mount", ["-t", "tmpfs", "-o", options, "runts-fault-test", dir]);
  t.after(() => {
    spawnSync("umount", ["-l", dir]);
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

test("the bundle gone after create: state, start, exec and delete still work from state.json", { skip }, () => {
  const mounts = leftovers(runts).mounts;
  const b = bundle(sleeper());
  const id = newId("fault-b");
  runts.ok(["create", "--bundle", b, id]);
  rmSync(b, { recursive: true, force: true });
  assert.equal(runts.state(id).status, "created");
  runts.ok(["start", id]);
  assert.equal(runts.state(id).status, "running");
  assert.equal(runts.ok(["exec", id, "/bin/probe", "echo", "still here"]).stdout, "still here\n");
  runts.ok(["delete", "--force", id]);
  assertClean(mounts, id);
});

test("a read-only --root: state and exec work, what must write says so, nothing is half-done", { skip }, (t) => {
  const root = tmpfs(t, "size=1m");
  const ro = new Runts(root);
  const id = newId("fault-ro");
  ro.ok(["create", "--bundle", bundle(sleeper()), id]);
  execFileSync("mount", ["-o", "remount,ro", root]);
  assert.equal(ro.state(id).status, "created");
  const start = ro.run(["start", id]);
  assert.equal(start.status, 1);
  assert.match(start.stderr, /cannot start container `.*`: its state dir is not writable: .*read-only file system/);
  assert.equal(ro.state(id).status, "created", "refused before the init was released");
  const create = ro.run(["create", "--bundle", bundle(sleeper()), newId("fault-ro")]);
  assert.equal(create.status, 1);
  assert.match(oneLine(create), /^reserve state dir: mkdir `.*`: read-only file system$/);
  assert.equal(ro.ok(["exec", id, "/bin/probe", "echo", "exec needs no state"]).stdout, "exec needs no state\n");
  const del = ro.run(["delete", "--force", id]);
  assert.equal(del.status, 1);
  assert.match(oneLine(del), /^remove the state dir `.*`: .*read-only file system$/);
  assert.equal(ro.state(id).status, "stopped", "the init is gone; its state remains to say so");
  execFileSync("mount", ["-o", "remount,rw", root]);
  ro.ok(["delete", id]);
  assert.deepEqual(readdirSync(root), []);
  assert.deepEqual(ourInits(), []);
});

test("a full --root: create fails naming ENOSPC, and the containers already there are intact", { skip }, (t) => {
  const root = tmpfs(t, "size=64k");
  const full = new Runts(root);
  const first = newId("fault-full");
  full.ok(["create", "--bundle", bundle(sleeper()), first]);
  const before = full.state(first);
  // fill what is left: a file as large as the filesystem takes
  spawnSync("dd", ["if=/dev/zero", `of=${path.join(root, "filler")}`, "bs=4k"], { stdio: "ignore" });
  const id = newId("fault-full");
  const r = full.run(["create", "--bundle", bundle(sleeper()), id]);
  assert.equal(r.status, 1);
  assert.match(oneLine(r), /no space left on device/);
  assert.match(full.run(["state", id]).stderr, /container does not exist/);
  assert.deepEqual(full.state(first), before);
  const update = full.run(["update", "--pids-limit", "50", first]);
  assert.equal(update.status, 1);
  assert.match(update.stderr, /no space left on device/);
  assert.deepEqual(full.state(first), before, "a failed update leaves the state as it was");
  rmSync(path.join(root, "filler"));
  full.ok(["start", first]);
  full.ok(["delete", "--force", first]);
  assert.deepEqual(readdirSync(root), []);
  assert.deepEqual(ourInits(), []);
});
