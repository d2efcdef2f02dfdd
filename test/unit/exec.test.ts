// runts exec, before anything runs: the plan, the process from flags or a
// file, runc's refusals of terminals and sub-cgroups.
import { test } from "node:test";
import assert from "node:assert/strict";
import { checkExecProcess, execCgroupDirs, planExec, type ExecInput } from "../../src/plan/exec.js";
import { FLAG_CGROUP, FLAG_EXEC, FLAG_TERMINAL, FLAG_WAIT } from "../../src/plan/plan.js";
import { encodePlan, Tag } from "../../src/native/wire.js";
import { parseProcess, processFromFlags, type ProcessFlags } from "../../src/runtime/exec.js";
import { checkTerminal } from "../../src/runtime/terminal.js";
import type { Spec } from "../../src/spec/types.js";
import { fixtureConfig, ROOT_FACTS } from "./fixtures.js";

const spec = (): Spec => fixtureConfig("runc-spec.json") as Spec;

function input(more: Partial<ExecInput> = {}): ExecInput {
  const s = spec();
  return { spec: s, process: { ...s.process!, terminal: false, args: ["ps"] }, id: "c1", initPid: 4242, foreground: false, joinCgroup: true, host: { ...ROOT_FACTS }, ...more };
}

const flags = (more: Partial<ProcessFlags> = {}): ProcessFlags => ({ args: ["ls"], env: [], additionalGids: [], caps: [], ...more });

test("exec joins every namespace the container has through its init's /proc/PID/ns, and makes none", () => {
  const s = spec();
  s.linux!.namespaces = [{ type: "pid" }, { type: "network", path: "/var/run/netns/x" }, { type: "mount" }, { type: "user" }, { type: "time" }];
  const plan = planExec(input({ spec: s }));
  assert.equal(plan.cloneFlags, 0);
  assert.deepEqual(plan.joins.map((j) => j.path), ["/proc/4242/ns/pid", "/proc/4242/ns/net", "/proc/4242/ns/mnt", "/proc/4242/ns/user", "/proc/4242/ns/time"]);
  assert.deepEqual([plan.mounts, plan.devices, plan.sysctls, plan.maskedPaths, plan.uidMappings], [[], [], [], [], []]);
  assert.equal(plan.hostname, undefined, "the container's hostname is not set again");
});

test("an exec plan has no rootfs or state dir on the wire, and says FLAG_EXEC", () => {
  const plan = planExec(input({ foreground: true }));
  assert.equal(plan.flags, FLAG_EXEC | FLAG_WAIT | FLAG_CGROUP);
  const tags = new Set<number>();
  const buf = encodePlan(plan);
  for (let off = 8; off < buf.length; off += 8 + buf.readUInt32LE(off + 4)) tags.add(buf.readUInt16LE(off));
  assert.ok(!tags.has(Tag.ROOTFS) && !tags.has(Tag.STATE_DIR));
  assert.ok(tags.has(Tag.ARG) && tags.has(Tag.CWD) && tags.has(Tag.KEYRING));
  assert.equal(planExec(input({ joinCgroup: false })).flags, FLAG_EXEC);
});

test("the exec process's own user, capabilities and terminal; the container's seccomp and keyring", () => {
  const s = spec();
  s.linux!.seccomp = { defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_ERRNO" }] };
  const proc = { ...s.process!, terminal: true, user: { uid: 1000, gid: 1000, additionalGids: [5] }, capabilities: { bounding: ["CAP_KILL"] }, consoleSize: { height: 40, width: 120 } };
  const plan = planExec(input({ spec: s, process: proc, consoleSocket: "/tmp/tty.sock" }));
  assert.deepEqual([plan.uid, plan.gid, plan.groups], [1000, 1000, [5]]);
  assert.equal(plan.caps?.bounding, 1n << 5n);
  assert.equal(plan.caps?.effective, 0n);
  assert.ok(plan.seccomp, "the container's filter applies to exec'd processes too");
  assert.ok(plan.flags & FLAG_TERMINAL);
  assert.equal(plan.consoleSocket, "/tmp/tty.sock");
  assert.deepEqual(plan.consoleSize, { height: 40, width: 120 });
  assert.equal(plan.keyring, "_ses.c1", "the keyring the container joined");
  assert.equal(planExec(input({ noNewKeyring: true })).keyring, undefined);
});

test("without --process: the container's process, changed by the flags as runc's getProcess changes it", () => {
  const s = spec();
  const p = processFromFlags(s, flags({ args: ["top", "-b"], cwd: "/tmp", env: ["A=1"], user: "1000:1001", additionalGids: ["7"], caps: ["CAP_NET_RAW"], noNewPrivs: true }));
  assert.deepEqual(p.args, ["top", "-b"]);
  assert.equal(p.cwd, "/tmp");
  assert.deepEqual(p.env, [...s.process!.env!, "A=1"]);
  assert.deepEqual(p.user, { uid: 1000, gid: 1001, additionalGids: [7] });
  for (const set of ["bounding", "effective", "permitted", "ambient"] as const)
    assert.deepEqual(p.capabilities![set], [...(s.process!.capabilities![set] ?? []), "CAP_NET_RAW"], set);
  assert.deepEqual(p.capabilities!.inheritable, s.process!.capabilities!.inheritable, "--cap never adds to the inheritable set (CVE-2022-29162)");
  assert.equal(p.noNewPrivileges, true);
  assert.equal(p.terminal, false, "no --tty: no terminal, whatever the config said");
  assert.equal(processFromFlags(s, flags({ tty: true })).terminal, true);
  assert.equal(processFromFlags(s, flags({ user: "5" })).user?.gid, s.process!.user!.gid, "--user uid keeps the gid");
  assert.equal(s.process!.env!.length, 2, "the stored config is not changed");
  assert.throws(() => processFromFlags(s, flags({ user: "bob" })), /`--user`: `bob` is not a numeric id/);
});

test("--process: an OCI process object, checked against the schema with paths of its own", () => {
  const p = parseProcess(JSON.stringify({ cwd: "/", args: ["sh"], user: { uid: 0, gid: 0 }, terminal: true }), "`--process p.json`");
  assert.deepEqual(p.args, ["sh"]);
  assert.throws(() => parseProcess(JSON.stringify({ cwd: 5, args: ["sh"], user: { uid: 0, gid: 0 } }), "`--process p.json`"), /`--process p.json`: \/cwd: /);
  assert.throws(() => parseProcess("{", "`--process p.json`"), /`--process p.json`: invalid JSON/);
  assert.throws(() => checkExecProcess({ cwd: "/", args: [] }, "`--process p.json`"), /\/args: must not be empty/);
  assert.throws(() => checkExecProcess({ cwd: "tmp", args: ["ls"] }, "the command line"), /\/cwd: `tmp` must be an absolute path/);
});

test("runc's two terminal refusals, and what is allowed", () => {
  assert.throws(() => checkTerminal(true, true, undefined), /^Error: cannot allocate tty if runts will detach without setting console socket$|cannot allocate tty if runts will detach without setting console socket/);
  assert.throws(() => checkTerminal(false, true, "/s"), /cannot use console socket if runts will not detach or allocate tty/);
  assert.throws(() => checkTerminal(true, false, "/s"), /cannot use console socket if runts will not detach or allocate tty/);
  checkTerminal(true, true, "/s");
  checkTerminal(true, false, undefined); // the foreground: runts relays it
  checkTerminal(false, false, undefined);
});

test("--cgroup: a sub-cgroup of every controller, or of those named; never outside the container's", () => {
  const dirs = { memory: "/sys/fs/cgroup/memory/c1", pids: "/sys/fs/cgroup/pids/c1" };
  assert.deepEqual(execCgroupDirs(dirs, []), ["/sys/fs/cgroup/memory/c1", "/sys/fs/cgroup/pids/c1"]);
  assert.deepEqual(execCgroupDirs(dirs, ["sub"]), ["/sys/fs/cgroup/memory/c1/sub", "/sys/fs/cgroup/pids/c1/sub"]);
  assert.deepEqual(execCgroupDirs(dirs, ["pids:a/b"]), ["/sys/fs/cgroup/memory/c1", "/sys/fs/cgroup/pids/c1/a/b"]);
  assert.throws(() => execCgroupDirs(dirs, ["../x"]), /relative path inside the container's cgroup/);
  assert.throws(() => execCgroupDirs(dirs, ["/x"]), /relative path inside the container's cgroup/);
  assert.throws(() => execCgroupDirs(dirs, ["cpu:x"]), /has no `cpu` cgroup/);
});
