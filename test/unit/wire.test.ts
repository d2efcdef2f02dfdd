// The TypeScript half of the TS <-> C boundary against the C half: the
// numbers in src/native/wire.ts must be those of native/protocol.h, and a
// plan must encode to the record layout protocol.h describes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describeFailure } from "../../src/native/messages.js";
import { ABI, decodeFailure, encodePlan, FaultMode, frame, FrameReader, HookKind, hooksAck, MAGIC, MountKind, Msg, PlanFlag, Step, StepId, Tag } from "../../src/native/wire.js";
import { FAULT_STEPS, INIT_FAULTS } from "../../src/runtime/fault.js";
import { planInit, type InitPlan } from "../../src/plan/plan.js";
import { RuntimeError } from "../../src/runtime/errors.js";
import type { Spec } from "../../src/spec/types.js";
import { fixtureConfig, repoRoot, ROOT_FACTS } from "./fixtures.js";

const header = readFileSync(join(repoRoot(), "native", "protocol.h"), "utf8");

/** NAME → value of every `PREFIX_NAME = N` in protocol.h */
function cEnum(prefix: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of header.matchAll(new RegExp(`\\b${prefix}_([A-Z_]+) = (\\d+)`, "g"))) out[m[1]] = Number(m[2]);
  return out;
}

test("protocol.h and wire.ts agree on the ABI, the magic and every number", () => {
  assert.equal(Number(/#define RUNTS_ABI (\d+)/.exec(header)?.[1]), ABI);
  assert.equal(Number(/#define RUNTS_MAGIC (0x[0-9a-f]+)u/.exec(header)?.[1]), MAGIC);
  assert.deepEqual(cEnum("MSG"), { ...Msg });
  assert.deepEqual(cEnum("TAG"), { ...Tag });
  assert.deepEqual(cEnum("FLAG"), { ...PlanFlag });
  const kinds = cEnum("MOUNT");
  assert.deepEqual(Object.fromEntries(Object.entries(kinds).map(([k, v]) => [k.toLowerCase(), v])), { ...MountKind });
  const hooks = cEnum("HOOK");
  assert.deepEqual(Object.fromEntries(Object.entries(hooks).map(([k, v]) => [k.toLowerCase().replace(/_(.)/g, (_, c: string) => c.toUpperCase()), v])), { ...HookKind });
  const steps = cEnum("STEP");
  assert.deepEqual(Object.values(steps).sort((a, b) => a - b), Object.keys(Step).map(Number), "every C step has its words");
  for (const [name, n] of Object.entries(StepId)) assert.equal(steps[name], n, `STEP_${name}`);
  assert.deepEqual(cEnum("FAULT"), { ...FaultMode });
});

test("every fault step of runts-init has a name in src/runtime/fault.ts, and the plan carries it", () => {
  const faultSteps = Object.entries(cEnum("STEP")).filter(([name]) => name.startsWith("FAULT_")).map(([, n]) => n);
  assert.deepEqual(Object.values(INIT_FAULTS).sort((a, b) => a - b), faultSteps.sort((a, b) => a - b));
  for (const name of Object.keys(INIT_FAULTS)) assert.ok(name in FAULT_STEPS, `${name} is documented in FAULT_STEPS`);
  const p = plan();
  assert.equal(records(encodePlan(p)).some((r) => r.tag === Tag.FAULT), false, "no fault unless asked for");
  p.fault = { step: INIT_FAULTS["init.mounted"], mode: FaultMode.REPORT };
  const rec = records(encodePlan(p)).find((r) => r.tag === Tag.FAULT)!.payload;
  assert.deepEqual([rec.readUInt32LE(0), rec.readUInt32LE(4)], [75, 2]);
});

interface Rec { tag: number; payload: Buffer }

/** the record layout of protocol.h, read back */
function records(buf: Buffer): Rec[] {
  assert.equal(buf.readUInt32LE(0), MAGIC);
  assert.equal(buf.readUInt32LE(4), ABI);
  const out: Rec[] = [];
  for (let off = 8; off < buf.length;) {
    assert.equal(buf.readUInt16LE(off + 2), 0, "the u16 after the tag is zero");
    const len = buf.readUInt32LE(off + 4);
    out.push({ tag: buf.readUInt16LE(off), payload: buf.subarray(off + 8, off + 8 + len) });
    off += 8 + len;
  }
  return out;
}

function plan(): InitPlan {
  const spec = fixtureConfig("runc-spec.json") as Spec;
  spec.linux!.namespaces!.push({ type: "user", path: "/proc/9/ns/user" });
  return planInit({ spec, id: "x", bundle: "/b", stateDir: "/run/runts/x", noPivot: false, foreground: true, host: { security: ROOT_FACTS } });
}

test("a plan encodes as magic, ABI, then tagged records; strings NUL-terminated, numbers u64", () => {
  const p = plan();
  const recs = records(encodePlan(p));
  const strs = (tag: number) => recs.filter((r) => r.tag === tag).map((r) => r.payload.toString());
  assert.deepEqual(strs(Tag.ROOTFS), ["/b/rootfs\0"]);
  assert.deepEqual(strs(Tag.ARG), ["sh\0"]);
  assert.equal(strs(Tag.ENV).length, 2);
  const clone = recs.find((r) => r.tag === Tag.CLONE_FLAGS)!.payload;
  assert.equal(clone.length, 8);
  assert.equal(Number(clone.readBigUInt64LE(0)), p.cloneFlags);
  const join = recs.find((r) => r.tag === Tag.JOIN_NS)!.payload;
  assert.equal(Number(join.readBigUInt64LE(0)), 0x10000000);
  assert.equal(join.subarray(8).toString(), "/proc/9/ns/user\0");
  const mounts = recs.filter((r) => r.tag === Tag.MOUNT);
  assert.equal(mounts.length, p.mounts.length);
  const first = mounts[0].payload;
  assert.equal(first.readUInt32LE(0), MountKind.fs);
  assert.deepEqual(first.subarray(24).toString().split("\0"), ["proc", "/proc", "proc", "", ""]);
  assert.equal(Number(recs.find((r) => r.tag === Tag.FLAGS)!.payload.readBigUInt64LE(0)), PlanFlag.WAIT | PlanFlag.TERMINAL);
  assert.deepEqual(strs(Tag.KEYRING), ["_ses.x\0"]);
});

test("a NUL byte in any string is refused before anything is sent", () => {
  const p = plan();
  p.args = ["sh", "a\0b"];
  // a user's error, said in one printable line (the NUL escaped), never runts' internal error
  assert.throws(() => encodePlan(p), (err) => err instanceof RuntimeError && err.message === "`a\\u0000b`: contains a NUL byte, which C would take for its end");
});

test("frames: split across chunks and joined in one, read back whole", () => {
  const bytes = Buffer.concat([frame(Msg.PID, Buffer.from([1, 0, 0, 0])), frame(Msg.READY)]);
  const reader = new FrameReader();
  const got = [...reader.push(bytes.subarray(0, 5)), ...reader.push(bytes.subarray(5, 13)), ...reader.push(bytes.subarray(13))];
  assert.deepEqual(got.map((f) => [f.type, f.payload.length]), [[Msg.PID, 4], [Msg.READY, 0]]);
});

function failure(step: number, errno: number, index: number, detail: string): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt32LE(step, 0);
  b.writeInt32LE(errno, 4);
  b.writeUInt32LE(index, 8);
  return Buffer.concat([b, Buffer.from(detail)]);
}

/** the sentence runts writes for one ERROR frame of the child's, about plan p */
function sayFor(p: InitPlan) {
  return (step: number, errno: number, index: number, detail: string) => describeFailure(decodeFailure(failure(step, errno, index, detail)), p);
}

test("the child's facts become sentences: step, syscall, path, config entry and errno", () => {
  const p = plan();
  const say = sayFor(p);
  assert.equal(say(StepId.MOUNT, 1, 0, "/proc"), "mount `proc` on `/proc` (proc) (config.json /mounts/0): operation not permitted");
  assert.equal(say(StepId.MOUNT_TARGET, 20, 1, "/dev"), "create mount point `/dev` in the rootfs (config.json /mounts/1): not a directory");
  assert.equal(say(StepId.CWD, 2, 0, "/work"), "chdir to the cwd `/work`: no such file or directory");
  assert.equal(say(StepId.LOOKUP, 2, 0, "/bin/x"), 'exec: "/bin/x": stat /bin/x: no such file or directory');
  assert.equal(say(StepId.LOOKUP, 2, 1, "x"), 'exec: "x": executable file not found in $PATH');
  assert.equal(say(StepId.LOOKUP, 13, 1, "x"), 'exec: "x": permission denied');
  assert.equal(say(2, 2, 0, "/proc/9/ns/user"), "join namespace `/proc/9/ns/user`: no such file or directory");
  assert.equal(say(21, 1, 0, ""), "setuid: operation not permitted");
});

/** runc spec's defaults plus an rlimit, a sysctl and a device */
function securityPlan(): { spec: Spec; p: InitPlan } {
  const spec = fixtureConfig("runc-spec.json") as Spec;
  spec.process!.rlimits = [{ type: "RLIMIT_NOFILE", soft: 1024, hard: 2 ** 64 }];
  spec.process!.noNewPrivileges = true;
  spec.process!.oomScoreAdj = -5;
  spec.linux!.sysctl = { "net.core.somaxconn": "128" };
  spec.linux!.devices = [{ path: "/dev/fuse", type: "c", major: 10, minor: 229, fileMode: 0o600, uid: 7, gid: 8 }];
  return { spec, p: planInit({ spec, id: "x", bundle: "/b", stateDir: "/run/runts/x", noPivot: false, foreground: false, host: { security: ROOT_FACTS } }) };
}

test("the security records: capability sets, rlimits, sysctls, paths, devices and seccomp as protocol.h lays them out", () => {
  const { spec, p } = securityPlan();
  p.seccomp = { profile: { defaultAction: 0, architectures: [], rules: [] }, flags: 2, program: Buffer.alloc(16, 1) };
  const recs = records(encodePlan(p));
  const one = (tag: number) => { const r = recs.filter((x) => x.tag === tag); assert.equal(r.length, 1, `one record ${tag}`); return r[0].payload; };
  const caps = one(Tag.CAPS);
  assert.equal(caps.length, 40);
  const kill = 1n << 5n, audit = 1n << 29n, bind = 1n << 10n;
  assert.deepEqual([0, 8, 16, 24, 32].map((o) => caps.readBigUInt64LE(o)), [audit | kill | bind, audit | kill | bind, 0n, audit | kill | bind, 0n], "bounding, effective, inheritable, permitted, ambient");
  const rl = one(Tag.RLIMIT);
  assert.deepEqual([rl.readUInt32LE(0), rl.readBigUInt64LE(8), rl.readBigUInt64LE(16)], [7, 1024n, (1n << 64n) - 1n]);
  assert.equal(one(Tag.NO_NEW_PRIVS).readBigUInt64LE(0), 1n);
  assert.equal(one(Tag.OOM_SCORE_ADJ).readBigInt64LE(0), -5n);
  assert.deepEqual(one(Tag.SYSCTL).toString().split("\0"), ["/proc/sys/net/core/somaxconn", "128", ""]);
  assert.deepEqual(recs.filter((r) => r.tag === Tag.MASKED).map((r) => r.payload.toString()), spec.linux!.maskedPaths!.map((m) => `${m}\0`));
  const devices = recs.filter((r) => r.tag === Tag.DEVICE).map((r) => r.payload);
  const fuse = devices.find((d) => d.subarray(32).toString() === "/dev/fuse\0")!;
  assert.deepEqual([fuse.readBigUInt64LE(0), fuse.readUInt32LE(8), fuse.readUInt32LE(12), fuse.readUInt32LE(16), fuse.readUInt32LE(20), fuse.readBigUInt64LE(24)],
    [0o020600n, 10, 229, 7, 8, 0n]);
  const sc = one(Tag.SECCOMP);
  assert.equal(sc.readBigUInt64LE(0), 2n);
  assert.deepEqual(sc.subarray(8), Buffer.alloc(16, 1));
});

test("a plan with a seccomp profile not yet compiled is refused, never sent without its filter", () => {
  const p = plan();
  p.seccomp = { profile: { defaultAction: 0, architectures: [], rules: [] }, flags: 0 };
  assert.throws(() => encodePlan(p), /not compiled/);
});

test("the security steps' facts become sentences naming the config entry", () => {
  const { p } = securityPlan();
  const say = sayFor(p);
  assert.equal(say(StepId.RLIMIT, 1, 0, ""), "setrlimit `RLIMIT_NOFILE` (config.json /process/rlimits/0): operation not permitted (raising a hard limit needs CAP_SYS_RESOURCE, which runts does not hold here)");
  assert.equal(say(StepId.SYSCTL, 2, 0, "/proc/sys/net/core/somaxconn"), "write the sysctl `net.core.somaxconn` = `128` (config.json /linux/sysctl/net.core.somaxconn): no such file or directory");
  const fuse = p.devices.findIndex((d) => d.path === "/dev/fuse");
  assert.equal(say(StepId.DEVICE, 1, fuse, "/dev/fuse"), "create the device `/dev/fuse` (config.json /linux/devices/0): operation not permitted");
  assert.equal(say(StepId.DEVICE, 17, 0, "/dev/null"), "create the device `/dev/null` (one of the default devices): file already exists");
  assert.equal(say(StepId.CAP_BOUNDING, 1, 21, ""), "drop `CAP_SYS_ADMIN` from the bounding set (config.json /process/capabilities/bounding): operation not permitted");
  assert.equal(say(StepId.CAP_AMBIENT, 1, 5, ""), "raise the ambient capability `CAP_KILL` (config.json /process/capabilities/ambient): operation not permitted");
  assert.equal(say(StepId.MASKED, 22, 1, "/proc/acpi"), "mask `/proc/acpi` (config.json /linux/maskedPaths/1): invalid argument");
  assert.equal(say(StepId.READONLY, 30, 0, "/proc/bus"), "make `/proc/bus` read-only (config.json /linux/readonlyPaths/0): read-only file system");
  assert.equal(say(StepId.SECCOMP, 22, 0, ""), "load the seccomp filter (config.json /linux/seccomp): invalid argument");
  assert.equal(say(StepId.SECCOMP_NOTIFY, 111, 0, "/run/agent.sock"), "send the seccomp notify fd to the listener `/run/agent.sock` (config.json /linux/seccomp/listenerPath): connection refused");
  assert.equal(say(StepId.CWD_ESCAPE, 1, 0, "/proc/self/fd/5"), "the cwd `/proc/self/fd/5` leads outside the container's root (through an inherited fd?): refused (CVE-2024-21626)");
  assert.equal(say(StepId.OOM_SCORE_ADJ, 13, 0, "/proc/self/oom_score_adj"), "write oom_score_adj `-5` (config.json /process/oomScoreAdj): permission denied (lowering it needs CAP_SYS_RESOURCE, which runts does not hold here)");
});

test("hooks C runs: one record each, kind, timeout, counts, then path, args and env as strings; the others stay in runts", () => {
  const spec = fixtureConfig("runc-spec.json") as Spec;
  spec.hooks = {
    prestart: [{ path: "/bin/net" }],
    startContainer: [{ path: "/s", timeout: 7 }],
    createContainer: [{ path: "/c", args: ["c0", "-x"], env: ["A=1"] }],
    poststop: [{ path: "/bin/clean" }],
  };
  const p = planInit({ spec, id: "x", bundle: "/b", stateDir: "/run/runts/x", noPivot: false, foreground: false, host: { security: ROOT_FACTS } });
  const hooks = records(encodePlan(p)).filter((r) => r.tag === Tag.HOOK).map((r) => r.payload);
  assert.equal(hooks.length, 2, "createContainer and startContainer only");
  const [c, st] = hooks;
  assert.deepEqual([c.readUInt32LE(0), c.readUInt32LE(4), c.readUInt32LE(8), c.readUInt32LE(12)], [HookKind.createContainer, 0, 2, 1]);
  assert.deepEqual(c.subarray(16).toString().split("\0"), ["/c", "c0", "-x", "A=1", ""]);
  assert.deepEqual([st.readUInt32LE(0), st.readUInt32LE(4), st.readUInt32LE(8), st.readUInt32LE(12)], [HookKind.startContainer, 7, 0, 0]);
  assert.deepEqual(st.subarray(16).toString().split("\0"), ["/s", ""]);
  assert.equal(Number(records(encodePlan(p)).find((r) => r.tag === Tag.FLAGS)!.payload.readBigUInt64LE(0)) & PlanFlag.HOOKS, PlanFlag.HOOKS);
});

test("HOOKS_ACK: the two states, each NUL-terminated", () => {
  assert.deepEqual(hooksAck('{"status":"creating"}', '{"status":"created"}').toString().split("\0"), ['{"status":"creating"}', '{"status":"created"}', ""]);
});

test("a hook C ran that failed becomes runc's sentence with the kind, index, path, cause and stderr", () => {
  const say = sayFor(plan());
  assert.equal(say(StepId.HOOK_CREATE_CONTAINER, 0, 1, "/bin/mount-hook\nexit 3\nno such volume\n"),
    "error running createContainer hook #1 `/bin/mount-hook`: exit status 3, stderr: no such volume");
  assert.equal(say(StepId.HOOK_START_CONTAINER, 0, 0, "/hook\nsignal 9\n"), "error running startContainer hook #0 `/hook`: killed by SIGKILL");
  assert.equal(say(StepId.HOOK_START_CONTAINER, 0, 0, "/hook\ntimeout 5\n"), "error running startContainer hook #0 `/hook`: still running after its timeout of 5s: killed");
  assert.equal(say(StepId.HOOK_CREATE_CONTAINER, 2, 0, "/nope\n\n"), "error running createContainer hook #0 `/nope`: exec: no such file or directory");
});
