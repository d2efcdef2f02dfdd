// The TypeScript half of the TS <-> C boundary against the C half: the
// numbers in src/native/wire.ts must be those of native/protocol.h, and a
// plan must encode to the record layout protocol.h describes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describeFailure } from "../../src/native/messages.js";
import { ABI, decodeFailure, encodePlan, frame, FrameReader, MAGIC, MountKind, Msg, PlanFlag, Step, StepId, Tag } from "../../src/native/wire.js";
import { planInit, type InitPlan } from "../../src/plan/plan.js";
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
  const steps = cEnum("STEP");
  assert.deepEqual(Object.values(steps).sort((a, b) => a - b), Object.keys(Step).map(Number), "every C step has its words");
  for (const [name, n] of Object.entries(StepId)) assert.equal(steps[name], n, `STEP_${name}`);
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
  return planInit({ spec, bundle: "/b", stateDir: "/run/runts/x", noPivot: false, foreground: true, host: { security: ROOT_FACTS } });
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
  assert.equal(Number(recs.find((r) => r.tag === Tag.FLAGS)!.payload.readBigUInt64LE(0)), PlanFlag.WAIT);
});

test("a NUL byte in any string is refused before anything is sent", () => {
  const p = plan();
  p.args = ["sh", "a\0b"];
  assert.throws(() => encodePlan(p), /contains a NUL byte/);
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

test("the child's facts become sentences: step, syscall, path, config entry and errno", () => {
  const p = plan();
  const say = (step: number, errno: number, index: number, detail: string) => describeFailure(decodeFailure(failure(step, errno, index, detail)), p);
  assert.equal(say(StepId.MOUNT, 1, 0, "/proc"), "mount `proc` on `/proc` (proc) (config.json /mounts/0): operation not permitted");
  assert.equal(say(StepId.MOUNT_TARGET, 20, 1, "/dev"), "create mount point `/dev` in the rootfs (config.json /mounts/1): not a directory");
  assert.equal(say(StepId.CWD, 2, 0, "/work"), "chdir to the cwd `/work`: no such file or directory");
  assert.equal(say(StepId.LOOKUP, 2, 0, "/bin/x"), 'exec: "/bin/x": stat /bin/x: no such file or directory');
  assert.equal(say(StepId.LOOKUP, 2, 1, "x"), 'exec: "x": executable file not found in $PATH');
  assert.equal(say(StepId.LOOKUP, 13, 1, "x"), 'exec: "x": permission denied');
  assert.equal(say(2, 2, 0, "/proc/9/ns/user"), "join namespace `/proc/9/ns/user`: no such file or directory");
  assert.equal(say(21, 1, 0, ""), "setuid: operation not permitted");
});
