// The cgroup v2 device program: run by a small eBPF interpreter on device
// requests, so the tests check what the program decides, not how it is
// written. The interpreter knows only the instructions the generator
// emits and throws on anything else; the bytes of one small program are
// also checked against hand-computed ones, so the interpreter and the
// generator cannot share a mistake.
import { test } from "node:test";
import assert from "node:assert/strict";
import { deviceProgram, MAX_DEVICE_RULES, type DeviceRule } from "../../src/plan/bpf-devices.js";
import { RuntimeError } from "../../src/runtime/errors.js";

// ---- the interpreter -------------------------------------------------------

// linux/bpf.h, written out here rather than taken from the generator
const BPF_LDX = 0x01, BPF_ALU = 0x04, BPF_JMP = 0x05;
const BPF_W = 0x00, BPF_MEM = 0x60, BPF_K = 0x00, BPF_X = 0x08;
const BPF_MOV = 0xb0, BPF_AND = 0x50, BPF_RSH = 0x70;
const BPF_JEQ = 0x10, BPF_JNE = 0x50, BPF_JA = 0x00, BPF_EXIT = 0x90;

type Reg = bigint | "ctx" | undefined;
const U32 = 0xffffffffn;

interface Insn { code: number; dst: number; src: number; off: number; imm: number }
interface Machine { regs: Reg[]; ctx: bigint[]; result?: bigint }

const decode = (prog: Buffer, pc: number): Insn => ({
  code: prog[pc * 8], dst: prog[pc * 8 + 1] & 0xf, src: prog[pc * 8 + 1] >> 4,
  off: prog.readInt16LE(pc * 8 + 2), imm: prog.readInt32LE(pc * 8 + 4),
});

function read(m: Machine, r: number): bigint {
  const v = m.regs[r];
  if (typeof v !== "bigint") throw new Error(`r${r} is read before it holds a number (${String(v)})`);
  return v;
}

function write(m: Machine, r: number, v: bigint): void {
  if (r > 9) throw new Error(`write to r${r}`);
  m.regs[r] = v;
}

/** a 32-bit ALU operation with an imm: on the low halves, the result zero-extended */
const alu32 = (f: (a: bigint, b: bigint) => bigint) => (m: Machine, i: Insn): number => {
  write(m, i.dst, f(read(m, i.dst) & U32, BigInt.asUintN(32, BigInt(i.imm))) & U32);
  return 0;
};

/** a 64-bit compare with the imm sign-extended, as BPF_JMP does */
const jmpImm = (taken: (a: bigint, b: bigint) => boolean) => (m: Machine, i: Insn): number =>
  taken(read(m, i.dst), BigInt.asUintN(64, BigInt(i.imm))) ? i.off : 0;

/** the verifier's rules for struct bpf_cgroup_dev_ctx: aligned u32 loads of its three fields */
function loadCtx(m: Machine, i: Insn): number {
  if (m.regs[i.src] !== "ctx") throw new Error(`ldx from r${i.src}, which is not the context`);
  if (i.off % 4 !== 0 || i.off < 0 || i.off > 8) throw new Error(`ldx at context offset ${i.off}`);
  write(m, i.dst, m.ctx[i.off / 4]);
  return 0;
}

function exit(m: Machine): number {
  const r0 = read(m, 0);
  if (r0 !== 0n && r0 !== 1n) throw new Error(`a device program returns 0 or 1, not ${r0}`);
  m.result = r0;
  return 0;
}

const OPS: Record<number, (m: Machine, i: Insn) => number> = {
  [BPF_LDX | BPF_MEM | BPF_W]: loadCtx,
  [BPF_ALU | BPF_MOV | BPF_K]: (m, i) => { write(m, i.dst, BigInt.asUintN(32, BigInt(i.imm))); return 0; },
  [BPF_ALU | BPF_MOV | BPF_X]: (m, i) => { write(m, i.dst, read(m, i.src) & U32); return 0; },
  [BPF_ALU | BPF_AND | BPF_K]: alu32((a, b) => a & b),
  [BPF_ALU | BPF_RSH | BPF_K]: (m, i) => {
    if (i.imm < 0 || i.imm > 31) throw new Error(`rsh32 by ${i.imm}`);
    return alu32((a, b) => a >> b)(m, i);
  },
  [BPF_JMP | BPF_JEQ | BPF_K]: jmpImm((a, b) => a === b),
  [BPF_JMP | BPF_JNE | BPF_K]: jmpImm((a, b) => a !== b),
  [BPF_JMP | BPF_JA]: (_m, i) => i.off,
  [BPF_JMP | BPF_EXIT]: exit,
};

const isJump = (code: number) => (code & 0x07) === BPF_JMP && code !== (BPF_JMP | BPF_EXIT);

/** the verifier's first pass: every jump lands inside the program, and
 * every instruction can be reached (it refuses dead code) */
function checkFlow(prog: Buffer, n: number): void {
  const reached = new Set([0]);
  for (let pc = 0; pc < n; pc++) {
    if (!reached.has(pc)) throw new Error(`unreachable instruction ${pc}`);
    const i = decode(prog, pc);
    if (isJump(i.code) && (pc + 1 + i.off < 0 || pc + 1 + i.off >= n)) throw new Error(`jump out of the program at ${pc}`);
    if (isJump(i.code)) reached.add(pc + 1 + i.off);
    if (i.code !== (BPF_JMP | BPF_EXIT) && i.code !== (BPF_JMP | BPF_JA)) reached.add(pc + 1);
  }
}

/** run the program on one context; forward jumps only, as the generator promises */
function execute(prog: Buffer, ctx: bigint[]): boolean {
  assert.equal(prog.length % 8, 0, "whole instructions");
  const n = prog.length / 8;
  assert.ok(n <= 4096, `${n} instructions, more than BPF_MAXINSNS`);
  checkFlow(prog, n);
  const m: Machine = { regs: [undefined, "ctx"], ctx };
  for (let pc = 0; m.result === undefined; pc++) {
    if (pc >= n) throw new Error(`fell off the end at ${pc}`);
    const i = decode(prog, pc);
    const op = OPS[i.code];
    if (!op) throw new Error(`unknown opcode 0x${i.code.toString(16)} at ${pc}`);
    const off = op(m, i);
    if (off < 0) throw new Error(`backward jump at ${pc}`);
    pc += off;
  }
  return m.result === 1n;
}

// ---- requests and rules as one-line strings ---------------------------------

const TYPES = { b: 1n, c: 2n } as const;
const BITS: Record<string, bigint> = { m: 1n, r: 2n, w: 4n };

/** "c 1:3 rw" (no access: "c 1:3") */
function request(req: string): bigint[] {
  const [type, dev, access = ""] = req.split(" ");
  const [major, minor] = dev.split(":").map(BigInt);
  const bits = [...access].reduce((acc, c) => acc | BITS[c], 0n);
  return [(bits << 16n) | TYPES[type as "b" | "c"], major, minor];
}

/** "allow c 1:3 rwm", "deny a *:* rwm" */
function rule(text: string): DeviceRule {
  const [verb, type, dev, access = ""] = text.split(" ");
  const [major, minor] = dev.split(":").map((n) => (n === "*" ? undefined : Number(n)));
  return { allow: verb === "allow", type: type as DeviceRule["type"], major, minor, access };
}

const allowed = (rules: string[], req: string): boolean => execute(deviceProgram(rules.map(rule)), request(req));
function expect(rules: string[], cases: Record<string, boolean>): void {
  const prog = deviceProgram(rules.map(rule));
  const got = Object.fromEntries(Object.keys(cases).map((req) => [req, execute(prog, request(req))]));
  assert.deepEqual(got, cases);
}

// ---- the program's logic ----------------------------------------------------

test("no rules: everything is refused", () => {
  expect([], { "c 1:3 r": false, "b 8:0 rw": false, "c 1:3 m": false, "c 1:3": false });
});

test("a request no rule matches is refused", () => {
  expect(["allow c 1:3 rwm"], { "c 1:5 r": false, "b 1:3 r": false, "c 2:3 r": false, "c 1:3 r": true });
});

test("a *:* rwm allows everything", () => {
  expect(["allow a *:* rwm"], { "c 1:3 rwm": true, "b 8:0 rw": true, "c 4095:1048575 m": true, "b 259:1": true });
});

test("runc's usual set: deny all, then the default devices, pts and mknod of anything", () => {
  const rules = [
    "deny a *:* rwm",
    "allow c 1:3 rwm", "allow c 1:5 rwm", "allow c 1:7 rwm", "allow c 1:8 rwm", "allow c 1:9 rwm",
    "allow c 5:0 rwm", "allow c 5:2 rwm", "allow c 10:200 rwm", "allow c 136:* rwm",
    "allow c *:* m", "allow b *:* m",
  ];
  expect(rules, {
    "c 1:3 rw": true, "c 1:9 r": true, "c 5:2 rw": true, "c 10:200 rw": true, "c 136:0 rw": true, "c 136:7 rwm": true,
    "c 1:4 r": false /* /dev/port */, "c 1:1 r": false /* /dev/mem */, "c 10:229 rw": false, "c 5:1 rw": false,
    "b 8:0 r": false, "b 8:0 m": true, "c 4:1 m": true, "c 4:1 rm": false,
    // no access asked: `c *:* m` is the last rule for any char device, as in runc's program
    "c 7:0": true, "b 7:0": true,
  });
});

test("a later deny overrides an earlier allow, and a later allow an earlier deny", () => {
  expect(["allow a *:* rwm", "deny c 1:3 rwm"], { "c 1:3 r": false, "c 1:3 m": false, "c 1:5 r": true, "b 1:3 r": true });
  expect(["deny c 1:3 rwm", "allow a *:* rwm"], { "c 1:3 r": true });
  expect(["allow c 1:3 rwm", "deny c *:* rwm", "allow c 1:* r"], { "c 1:3 r": true, "c 1:3 w": false, "c 1:4 r": true });
});

test("a rule that decides everything ends the program: the rules before it never decide", () => {
  const prog = deviceProgram(["deny c 1:3 rwm", "allow b 8:0 r", "allow a *:* rwm"].map(rule));
  assert.equal(prog.length / 8, 8 + 2, "the prologue, then return 1");
  expect(["deny c 1:3 rwm", "allow a *:* rwm"], { "c 1:3 rw": true });
  expect(["allow c 1:3 rwm", "deny a *:* rwm"], { "c 1:3 r": false });
  expect(["allow a *:* rwm", "deny a *:* w"], { "c 1:3 r": true, "c 1:3 rw": false });
});

test("wildcard major or minor, written as * (undefined) or -1", () => {
  expect(["allow c 136:* rw"], { "c 136:0 rw": true, "c 136:1048575 r": true, "c 137:0 r": false });
  expect(["allow c *:3 rw"], { "c 7:3 r": true, "c 7:4 r": false, "b 7:3 r": false });
  const prog = deviceProgram([{ allow: true, type: "c", major: -1, minor: 3, access: "r" }]);
  assert.deepEqual([execute(prog, request("c 9:3 r")), execute(prog, request("c 9:4 r"))], [true, false]);
});

test("access: a rule allows a request only for bits it names", () => {
  expect(["allow c 1:3 r"], { "c 1:3 r": true, "c 1:3 rw": false, "c 1:3 w": false, "c 1:3 m": false });
  expect(["allow c 1:3 rw"], { "c 1:3 w": true, "c 1:3 r": true, "c 1:3 rw": true, "c 1:3 rwm": false, "c 1:3 m": false });
});

test("access bit by bit: a partial deny is not skipped by a wider request; allows add up", () => {
  expect(["allow a *:* rwm", "deny c 1:3 w"], { "c 1:3 rw": false, "c 1:3 w": false, "c 1:3 r": true, "c 1:3 rm": true });
  expect(["allow c 1:3 r", "allow c 1:3 w"], { "c 1:3 rw": true, "c 1:3 rwm": false });
  expect(["allow c 1:3 w", "deny c 1:3 rw", "allow c 1:3 r"], { "c 1:3 r": true, "c 1:3 w": false, "c 1:3 rw": false });
});

test("block and char are told apart; type a is both", () => {
  expect(["allow b 8:0 rwm"], { "b 8:0 rw": true, "c 8:0 rw": false });
  expect(["allow a 1:3 rw"], { "c 1:3 rw": true, "b 1:3 rw": true, "c 1:5 r": false });
  expect(["allow a *:* rwm", "deny a 1:3 rwm"], { "c 1:3 r": false, "b 1:3 r": false, "c 1:5 r": true });
});

test("a request for no access (access(2) F_OK): the last rule for the device decides", () => {
  expect(["allow c 1:3 r"], { "c 1:3": true, "c 1:5": false });
  expect(["allow a *:* rwm", "deny c 1:3 w"], { "c 1:3": false, "c 1:5": true });
  expect(["deny c 1:3 w", "allow c 1:3 m"], { "c 1:3": true });
});

/** the semantics in plain words: each requested bit is decided by the last rule naming it */
function reference(rules: DeviceRule[], req: string): boolean {
  const [type, dev, access = ""] = req.split(" ");
  const [major, minor] = dev.split(":").map(Number);
  const any = (n: number | undefined, v: number) => n === undefined || n === -1 || n === v;
  const device = rules.filter((r) => (r.type === "a" || r.type === type) && any(r.major, major) && any(r.minor, minor));
  const bits = access ? [...access] : [""];
  return bits.every((b) => [...device].reverse().find((r) => r.access.includes(b))?.allow ?? false);
}

test("random rule lists decide as the plain-words reference does", () => {
  let seed = 42;
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
  const pick = <T>(xs: readonly T[]) => xs[rand(xs.length)];
  const accesses = ["", "r", "w", "m", "rw", "rm", "wm", "rwm"];
  for (let round = 0; round < 300; round++) {
    const rules = Array.from({ length: rand(8) }, (): DeviceRule => ({
      allow: rand(2) === 0, type: pick(["a", "b", "c"] as const), major: pick([undefined, -1, 1, 2]), minor: pick([undefined, 3, 5]), access: pick(accesses),
    }));
    const prog = deviceProgram(rules);
    for (const req of ["c 1:3", "c 1:3 r", "b 2:5 rw", "c 2:3 wm", "b 1:5 rwm", "c 7:7 r"]) {
      assert.equal(execute(prog, request(req)), reference(rules, req), `${JSON.stringify(rules)} on ${req}`);
    }
  }
});

// ---- the encoding, by hand --------------------------------------------------

test("the bytes of a two-rule program, instruction by instruction", () => {
  const prog = deviceProgram([rule("deny b *:* w"), rule("allow c 1:3 r")]);
  const expected = [
    // prologue: r2 = type, r3 = access, r4 = major, r5 = minor; no access -> 8
    "61 12 0000 00000000", // ldxw r2, [r1+0]
    "bc 23 0000 00000000", // mov32 r3, r2
    "74 03 0000 10000000", // rsh32 r3, 16
    "54 02 0000 ffff0000", // and32 r2, 0xffff
    "61 14 0400 00000000", // ldxw r4, [r1+4]
    "61 15 0800 00000000", // ldxw r5, [r1+8]
    "55 03 0100 00000000", // jne r3, 0, +1
    "b4 03 0000 08000000", // mov32 r3, 8
    // the last rule first: allow c 1:3 r
    "55 02 0600 02000000", // jne r2, 2 (char), +6
    "55 04 0500 01000000", // jne r4, 1, +5
    "55 05 0400 03000000", // jne r5, 3, +4
    "54 03 0000 f5ffffff", // and32 r3, ~(2|8)
    "55 03 0200 00000000", // jne r3, 0, +2
    "b4 00 0000 01000000", // mov32 r0, 1
    "95 00 0000 00000000", // exit
    // deny b *:* w
    "55 02 0500 01000000", // jne r2, 1 (block), +5
    "bc 30 0000 00000000", // mov32 r0, r3
    "54 00 0000 0c000000", // and32 r0, 4|8
    "15 00 0200 00000000", // jeq r0, 0, +2
    "b4 00 0000 00000000", // mov32 r0, 0
    "95 00 0000 00000000", // exit
    // nothing matched
    "b4 00 0000 00000000", // mov32 r0, 0
    "95 00 0000 00000000", // exit
  ];
  const got = Array.from({ length: prog.length / 8 }, (_, i) => prog.subarray(i * 8, i * 8 + 8).toString("hex"));
  assert.deepEqual(got, expected.map((s) => s.replaceAll(" ", "")));
});

// ---- limits and refusals ----------------------------------------------------

test(`${MAX_DEVICE_RULES} rules are accepted and fit; one more is refused`, () => {
  const many = Array.from({ length: MAX_DEVICE_RULES }, (_, i) => rule(`${i % 2 ? "allow" : "deny"} c ${i}:${i} r`));
  const prog = deviceProgram(many);
  assert.ok(prog.length / 8 <= 4096);
  assert.equal(execute(prog, request("c 499:499 r")), true);
  assert.equal(execute(prog, request("c 498:498 r")), false);
  assert.throws(() => deviceProgram([...many, rule("allow a *:* rwm")]), /^RuntimeError: device rules: `501` rules, more than the 500/);
});

test("bad rules are refused, naming the rule", () => {
  const refused = (r: Partial<DeviceRule>, words: RegExp) =>
    assert.throws(() => deviceProgram([rule("allow a *:* rwm"), { ...rule("allow c 1:3 rwm"), ...r }]),
      (e: unknown) => e instanceof RuntimeError && e.message.startsWith("device rule 1: ") && words.test(e.message));
  refused({ type: "u" as DeviceRule["type"] }, /unknown type `u`/);
  refused({ type: "constructor" as DeviceRule["type"] }, /unknown type `constructor`/);
  refused({ access: "rx" }, /unknown access `x` in `rx`/);
  refused({ major: -2 }, /major `-2` is neither a device number/);
  refused({ minor: 1.5 }, /minor `1.5`/);
  refused({ major: 2 ** 31 }, /major `2147483648`/);
});

// ---- the interpreter is strict ----------------------------------------------

test("the interpreter refuses what it does not know, rather than passing it", () => {
  const prog = (...hex: string[]) => Buffer.from(hex.join("").replaceAll(" ", ""), "hex");
  const ctx = request("c 1:3 r");
  assert.throws(() => execute(prog("07 00 0000 01000000", "95 00 0000 00000000"), ctx), /unknown opcode 0x7/);
  assert.throws(() => execute(prog("95 00 0000 00000000"), ctx), /r0 is read before/);
  assert.throws(() => execute(prog("61 02 0c00 00000000"), ctx), /ldx from r0/);
  assert.throws(() => execute(prog("61 12 0c00 00000000"), ctx), /context offset 12/);
  assert.throws(() => execute(prog("b4 00 0000 01000000"), ctx), /unreachable instruction 1|fell off the end/);
  assert.throws(() => execute(prog("b4 00 0000 01000000", "95 00 0000 00000000", "95 00 0000 00000000"), ctx), /unreachable instruction 2/);
  assert.throws(() => execute(prog("b4 00 0000 01000000", "05 00 0500 00000000", "95 00 0000 00000000"), ctx), /jump out of the program at 1/);
  assert.throws(() => execute(prog("b4 00 0000 02000000", "95 00 0000 00000000"), ctx), /returns 0 or 1/);
  assert.equal(allowed(["allow a *:* rwm"], "c 1:3 r"), true);
});
