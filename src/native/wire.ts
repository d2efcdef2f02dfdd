/**
 * wire.ts: the TypeScript half of the TypeScript <-> C boundary.
 *
 * The C half is native/protocol.h: the same numbers, the fd layout and the
 * create/start sequence are written there. Change both together and bump
 * ABI. Frames are u32 type, u32 length, payload; integers little-endian.
 *
 * Hooks in that sequence: with FLAG_HOOKS, C sends HOOKS_REQ right before
 * pivot_root; runts (src/runtime/launch.ts) runs the prestart and
 * createRuntime hooks and answers HOOKS_ACK(state "creating", state
 * "created"), or closes sync when one fails. C then runs the createContainer
 * hooks, and at start, before execve, the startContainer ones (TAG_HOOK);
 * one of those failing is an ERROR with STEP_HOOK_CREATE_CONTAINER or
 * STEP_HOOK_START_CONTAINER. poststart and poststop never reach C.
 */
import type { InitPlan, MountOp, PlannedHook } from "../plan/plan.js";
import { RuntimeError } from "../runtime/errors.js";

export const ABI = 5;
export const MAGIC = 0x53544e52; // "RNTS"

export const Msg = {
  PLAN: 1,
  COMMIT: 2,
  PID: 3,
  IDMAP_REQ: 10,
  IDMAP_ACK: 11,
  READY: 12,
  ERROR: 13,
  SECCOMP_STATE_REQ: 14,
  SECCOMP_STATE: 15,
  CGROUP_REQ: 16,
  CGROUP_ACK: 17,
  HOOKS_REQ: 20,
  HOOKS_ACK: 21,
  FAULT: 60,
} as const;

export const Tag = {
  ROOTFS: 1,
  STATE_DIR: 2,
  CLONE_FLAGS: 3,
  JOIN_NS: 4,
  MOUNT: 5,
  ROOT_PROPAGATION: 6,
  ROOT_READONLY: 7,
  NO_PIVOT: 8,
  HOSTNAME: 9,
  DOMAINNAME: 10,
  CWD: 11,
  UID: 12,
  GID: 13,
  GROUP: 14,
  UMASK: 15,
  ARG: 16,
  ENV: 17,
  FLAGS: 18,
  CAPS: 19,
  NO_NEW_PRIVS: 20,
  RLIMIT: 21,
  OOM_SCORE_ADJ: 22,
  SYSCTL: 23,
  MASKED: 24,
  READONLY: 25,
  DEVICE: 26,
  SECCOMP: 27,
  SECCOMP_LISTENER: 28,
  APPARMOR: 29,
  SELINUX: 30,
  PERSONALITY: 31,
  SCHEDULER: 32,
  IOPRIO: 33,
  CPU_AFFINITY: 34,
  TIME_OFFSETS: 35,
  CGROUP_DIR: 36,
  CONSOLE_SOCKET: 37,
  CONSOLE_SIZE: 38,
  KEYRING: 39,
  HOOK: 44,
  FAULT: 60,
} as const;

/** protocol.h `enum fault_mode`: TAG_FAULT's (tests only, src/runtime/fault.ts) */
export const FaultMode = { FAIL: 1, REPORT: 2 } as const;

export const MountKind = { fs: 1, bind: 2, symlink: 3, remount: 4 } as const;

export const PlanFlag = { WAIT: 1, NO_SETSID: 2, CGROUP: 4, EXEC: 8, TERMINAL: 16, HOOKS: 64 } as const;

/** protocol.h `enum hook_kind`: the hooks C runs; runts runs the others (src/runtime/hooks.ts) */
export const HookKind = { createContainer: 1, startContainer: 2 } as const;

/** protocol.h `enum step`, with the words messages.ts builds sentences from */
export const Step: Record<number, string> = {
  1: "decode the plan",
  2: "join namespace",
  3: "create the exec socket in",
  4: "clone the container's init",
  5: "wait for the id mappings",
  6: "setsid",
  7: "set the propagation of",
  8: "bind the rootfs",
  9: "create the mount point",
  10: "mount",
  11: "remount",
  12: "set the propagation of",
  13: "create the symlink",
  14: "pivot_root into",
  15: "chroot into",
  16: "make the root read-only",
  17: "sethostname",
  18: "setdomainname",
  19: "setgroups",
  20: "setgid",
  21: "setuid",
  22: "chdir to the cwd",
  23: "look up the executable",
  24: "sync with runts",
  25: "wait for start",
  26: "exec",
  27: "close inherited fds",
  28: "drop from the bounding set",
  29: "set the capabilities",
  30: "raise the ambient capability",
  31: "setrlimit",
  32: "write oom_score_adj",
  33: "write the sysctl",
  34: "make the path read-only",
  35: "mask the path",
  36: "create the device",
  37: "set no_new_privs",
  38: "load the seccomp filter",
  39: "send the seccomp notify fd to",
  40: "set the AppArmor profile",
  41: "set the SELinux label",
  42: "set the personality",
  43: "set the scheduler",
  44: "set the I/O priority",
  45: "set the cpu affinity",
  46: "write the time namespace offsets",
  47: "check the cwd is inside the container",
  48: "create the cgroup namespace",
  49: "connect to the console socket",
  50: "open the container's terminal",
  51: "send the terminal's master to",
  52: "join the session keyring",
  53: "run the createContainer hook",
  54: "run the startContainer hook",
  55: "set HOME from the container's /etc/passwd",
  // tests only (TAG_FAULT): the names RUNTS_FAULT gives them (src/runtime/fault.ts)
  70: "init.decoded",
  71: "init.exec-socket",
  72: "init.cloned",
  73: "init.cgroup-joined",
  74: "init.idmapped",
  75: "init.mounted",
  76: "init.before-ready",
  77: "init.committed",
  78: "init.accepted",
  79: "init.before-exec",
};

/** the first of the tests' fault steps (protocol.h STEP_FAULT_*) */
export const FIRST_FAULT_STEP = 70;

export const StepId = {
  MOUNT_TARGET: 9,
  MOUNT: 10,
  MOUNT_REMOUNT: 11,
  MOUNT_PROPAGATION: 12,
  SYMLINK: 13,
  CWD: 22,
  LOOKUP: 23,
  EXEC: 26,
  CAP_BOUNDING: 28,
  CAPS: 29,
  CAP_AMBIENT: 30,
  RLIMIT: 31,
  OOM_SCORE_ADJ: 32,
  SYSCTL: 33,
  READONLY: 34,
  MASKED: 35,
  DEVICE: 36,
  SECCOMP: 38,
  SECCOMP_NOTIFY: 39,
  TIME_OFFSETS: 46,
  CWD_ESCAPE: 47,
  HOOK_CREATE_CONTAINER: 53,
  HOOK_START_CONTAINER: 54,
} as const;

/** a plan as bytes, in the record format protocol.h describes */
export function encodePlan(plan: InitPlan): Buffer {
  const parts: Buffer[] = [u32pair(MAGIC, ABI)];
  const rec = (tag: number, payload: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt16LE(tag, 0);
    head.writeUInt32LE(payload.length, 4);
    parts.push(head, payload);
  };
  // exec has neither: it works in the container's root (protocol.h FLAG_EXEC)
  if (plan.rootfs) rec(Tag.ROOTFS, str(plan.rootfs));
  if (plan.stateDir) rec(Tag.STATE_DIR, str(plan.stateDir));
  rec(Tag.CLONE_FLAGS, u64(plan.cloneFlags));
  for (const j of plan.joins) rec(Tag.JOIN_NS, Buffer.concat([u64(j.flag), str(j.path)]));
  for (const m of plan.mounts) rec(Tag.MOUNT, mountRecord(m));
  if (plan.rootPropagation) rec(Tag.ROOT_PROPAGATION, u64(plan.rootPropagation));
  if (plan.rootReadonly) rec(Tag.ROOT_READONLY, u64(1));
  if (plan.noPivot) rec(Tag.NO_PIVOT, u64(1));
  if (plan.hostname !== undefined) rec(Tag.HOSTNAME, str(plan.hostname));
  if (plan.domainname !== undefined) rec(Tag.DOMAINNAME, str(plan.domainname));
  rec(Tag.CWD, str(plan.cwd));
  rec(Tag.UID, u64(plan.uid));
  rec(Tag.GID, u64(plan.gid));
  for (const g of plan.groups) rec(Tag.GROUP, u64(g));
  if (plan.umask !== undefined) rec(Tag.UMASK, u64(plan.umask));
  for (const a of plan.args) rec(Tag.ARG, str(a));
  for (const e of plan.env) rec(Tag.ENV, str(e));
  rec(Tag.FLAGS, u64(plan.flags));
  encodeSecurity(plan, rec);
  for (const h of plan.hooks) rec(Tag.HOOK, hookRecord(h));
  return Buffer.concat(parts);
}

type Rec = (tag: number, payload: Buffer) => void;

/** the records of issue 3's fields, each only when the plan has it */
function encodeSecurity(plan: InitPlan, rec: Rec): void {
  const c = plan.caps;
  if (c) rec(Tag.CAPS, Buffer.concat([c.bounding, c.effective, c.inheritable, c.permitted, c.ambient].map(u64)));
  if (plan.noNewPrivileges) rec(Tag.NO_NEW_PRIVS, u64(1));
  for (const r of plan.rlimits) rec(Tag.RLIMIT, Buffer.concat([u32pair(r.resource, 0), u64(r.soft), u64(r.hard)]));
  if (plan.oomScoreAdj !== undefined) rec(Tag.OOM_SCORE_ADJ, i64(plan.oomScoreAdj));
  for (const s of plan.sysctls) rec(Tag.SYSCTL, Buffer.concat([str(s.path), str(s.value)]));
  for (const p of plan.maskedPaths) rec(Tag.MASKED, str(p));
  for (const p of plan.readonlyPaths) rec(Tag.READONLY, str(p));
  for (const d of plan.devices)
    rec(Tag.DEVICE, Buffer.concat([u64(d.mode), u32pair(d.major, d.minor), u32pair(d.uid, d.gid), u64(d.bind ? 1 : 0), str(d.path)]));
  const sc = plan.seccomp;
  if (sc) {
    if (!sc.program) throw new Error("seccomp profile not compiled before encoding the plan");
    rec(Tag.SECCOMP, Buffer.concat([u64(sc.flags), sc.program]));
    if (sc.listenerPath !== undefined) rec(Tag.SECCOMP_LISTENER, str(sc.listenerPath));
  }
  if (plan.apparmor !== undefined) rec(Tag.APPARMOR, str(plan.apparmor));
  if (plan.selinux !== undefined) rec(Tag.SELINUX, str(plan.selinux));
  if (plan.personality !== undefined) rec(Tag.PERSONALITY, u64(plan.personality));
  const s = plan.scheduler;
  if (s) rec(Tag.SCHEDULER, Buffer.concat([u64(s.policy), u64(s.flags), i64(s.nice), u64(s.priority), u64(s.runtime), u64(s.deadline), u64(s.period)]));
  if (plan.ioPriority !== undefined) rec(Tag.IOPRIO, u64(plan.ioPriority));
  if (plan.cpuAffinity) rec(Tag.CPU_AFFINITY, plan.cpuAffinity);
  if (plan.timeOffsets !== undefined) rec(Tag.TIME_OFFSETS, str(plan.timeOffsets));
  for (const dir of plan.cgroup?.owned ?? []) rec(Tag.CGROUP_DIR, str(dir));
  if (plan.consoleSocket !== undefined) rec(Tag.CONSOLE_SOCKET, str(plan.consoleSocket));
  if (plan.consoleSize) rec(Tag.CONSOLE_SIZE, Buffer.concat([u64(plan.consoleSize.height), u64(plan.consoleSize.width)]));
  if (plan.keyring !== undefined) rec(Tag.KEYRING, str(plan.keyring));
  if (plan.fault) rec(Tag.FAULT, u32pair(plan.fault.step, plan.fault.mode));
}

function mountRecord(m: MountOp): Buffer {
  return Buffer.concat([
    u32pair(MountKind[m.kind], 0), u64(m.flags), u64(m.propagation),
    str(m.source), str(m.destination), str(m.type), str(m.data),
  ]);
}

/** u32 kind, u32 timeout, u32 nargs, u32 nenv, path, args, env */
function hookRecord(h: PlannedHook): Buffer {
  const args = h.hook.args ?? [];
  const env = h.hook.env ?? [];
  return Buffer.concat([
    u32pair(HookKind[h.kind], h.hook.timeout ?? 0), u32pair(args.length, env.length),
    str(h.hook.path), ...args.map(str), ...env.map(str),
  ]);
}

/** C reads NUL-terminated strings: a NUL inside would cut one short, so it is refused (printed escaped) */
function str(s: string): Buffer {
  if (s.includes("\0")) throw new RuntimeError(`\`${JSON.stringify(s).slice(1, -1)}\`: contains a NUL byte, which C would take for its end`);
  return Buffer.from(s + "\0");
}

function u64(n: number | bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
}

function i64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigInt64LE(BigInt(n));
  return b;
}

function u32pair(a: number, b: number): Buffer {
  const buf = Buffer.alloc(8);
  buf.writeUInt32LE(a, 0);
  buf.writeUInt32LE(b, 4);
  return buf;
}

export function frame(type: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  return Buffer.concat([u32pair(type, payload.length), payload]);
}

export interface Frame { type: number; payload: Buffer }

/** splits a byte stream into frames; feed it chunks as they arrive */
export class FrameReader {
  private buf = Buffer.alloc(0);
  push(chunk: Buffer): Frame[] {
    this.buf = Buffer.concat([this.buf, chunk]);
    const out: Frame[] = [];
    while (this.buf.length >= 8) {
      const len = this.buf.readUInt32LE(4);
      if (this.buf.length < 8 + len) break;
      out.push({ type: this.buf.readUInt32LE(0), payload: this.buf.subarray(8, 8 + len) });
      this.buf = this.buf.subarray(8 + len);
    }
    return out;
  }
}

/** HOOKS_ACK's payload: the state C's createContainer and startContainer hooks read */
export function hooksAck(creating: string, created: string): Buffer {
  return Buffer.concat([str(creating), str(created)]);
}

/** the ERROR frame's payload: u32 step, i32 errno, u32 index, detail */
export interface InitFailure { step: number; errno: number; index: number; detail: string }

export function decodeFailure(payload: Buffer): InitFailure {
  return {
    step: payload.readUInt32LE(0),
    errno: payload.readInt32LE(4),
    index: payload.readUInt32LE(8),
    detail: payload.subarray(12).toString(),
  };
}
