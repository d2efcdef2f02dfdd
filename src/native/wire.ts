/**
 * wire.ts: the TypeScript half of the TypeScript <-> C boundary.
 *
 * The C half is native/protocol.h: the same numbers, the fd layout and the
 * create/start sequence are written there. Change both together and bump
 * ABI. Frames are u32 type, u32 length, payload; integers little-endian.
 */
import type { InitPlan, MountOp } from "../plan/plan.js";

export const ABI = 1;
export const MAGIC = 0x53544e52; // "RNTS"

export const Msg = {
  PLAN: 1,
  COMMIT: 2,
  PID: 3,
  IDMAP_REQ: 10,
  IDMAP_ACK: 11,
  READY: 12,
  ERROR: 13,
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
} as const;

export const MountKind = { fs: 1, bind: 2, symlink: 3, remount: 4 } as const;

export const PlanFlag = { WAIT: 1, NO_SETSID: 2 } as const;

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
};

export const StepId = {
  MOUNT_TARGET: 9,
  MOUNT: 10,
  MOUNT_REMOUNT: 11,
  MOUNT_PROPAGATION: 12,
  SYMLINK: 13,
  CWD: 22,
  LOOKUP: 23,
  EXEC: 26,
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
  rec(Tag.ROOTFS, str(plan.rootfs));
  rec(Tag.STATE_DIR, str(plan.stateDir));
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
  return Buffer.concat(parts);
}

function mountRecord(m: MountOp): Buffer {
  return Buffer.concat([
    u32pair(MountKind[m.kind], 0), u64(m.flags), u64(m.propagation),
    str(m.source), str(m.destination), str(m.type), str(m.data),
  ]);
}

function str(s: string): Buffer {
  if (s.includes("\0")) throw new Error(`\`${s}\`: contains a NUL byte`);
  return Buffer.from(s + "\0");
}

function u64(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
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
