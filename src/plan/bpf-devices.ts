/**
 * bpf-devices.ts: the device rules (linux.resources.devices) as a cgroup v2
 * device program, BPF_PROG_TYPE_CGROUP_DEVICE, pure: the bytes of its
 * struct bpf_insn[]. cgroup v2 has no devices.allow; the kernel runs this
 * program on every open and mknod of a device node by a process of the
 * cgroup, with r1 pointing to a struct bpf_cgroup_dev_ctx
 * {u32 access_type = access << 16 | type; u32 major; u32 minor}.
 * Returning 1 allows, 0 refuses (EPERM).
 *
 * The program's shape:
 *   prologue  r2 = type, r3 = requested access bits, r4 = major, r5 = minor
 *   blocks    one per rule, the LAST rule first; a block whose rule does not
 *             match jumps to the next block, a block that decides exits
 *   epilogue  return 0: nothing matched, default deny
 * A rule that decides every request (a *:* rwm) ends the program: the rules
 * before it can never decide, and the verifier refuses unreachable code.
 * The last matching rule decides (OCI, runc), so walking the rules last
 * first lets the first deciding block exit at once. Every jump goes forward
 * to the end of its own block: no loops for the verifier to refuse, and
 * offsets stay small.
 *
 * Access is decided bit by bit, as the kernel's cgroup v1 lists did: r3
 * holds the requested bits no rule has decided yet. An allow rule takes its
 * bits off r3 and allows when none is left; a deny rule refuses when it
 * names one of them. For a rule that names every requested bit that is
 * "the last matching rule decides". It also keeps a partial deny ("c 1:3 w"
 * after "a *:* rwm") from being skipped by a request for "rw", and lets
 * "c 1:3 r" then "c 1:3 w" allow "rw". A request for no access at all
 * (access(2) with F_OK, exec of a node) is turned into a request for a
 * bit of its own that every rule names, so the last rule for the device
 * decides it.
 */
import { RuntimeError } from "../runtime/errors.js";

export interface DeviceRule {
  allow: boolean;
  type: "a" | "b" | "c";
  /** undefined or -1: any */
  major?: number;
  minor?: number;
  /** a subset of "rwm" */
  access: string;
}

/** the opcodes the program uses (linux/bpf.h: class | operation | source) */
const OP = {
  LDX_W: 0x61, // BPF_LDX | BPF_MEM | BPF_W: dst = *(u32 *)(src + off)
  MOV32_IMM: 0xb4, // BPF_ALU | BPF_MOV | BPF_K
  MOV32_REG: 0xbc, // BPF_ALU | BPF_MOV | BPF_X
  AND32_IMM: 0x54, // BPF_ALU | BPF_AND | BPF_K
  RSH32_IMM: 0x74, // BPF_ALU | BPF_RSH | BPF_K
  JEQ_IMM: 0x15, // BPF_JMP | BPF_JEQ | BPF_K: 64-bit compare, imm sign-extended
  JNE_IMM: 0x55, // BPF_JMP | BPF_JNE | BPF_K
  EXIT: 0x95, // BPF_JMP | BPF_EXIT
} as const;

/** r0 is the result and r1 the context; the rest are scratch */
const [R0, R1, R2, R3, R4, R5] = [0, 1, 2, 3, 4, 5];
const TYPE = R2;
const PENDING = R3;
const MAJOR = R4;
const MINOR = R5;

/** BPF_DEVCG_DEV_* and BPF_DEVCG_ACC_* */
const DEV_TYPES: Record<string, number> = { b: 1, c: 2 };
const ACCESS_BITS: Record<string, number> = { m: 1, r: 2, w: 4 };
const ALL_ACCESS = 7;
/** stands for a request of no access bits, named by every rule */
const NO_ACCESS = 8;

/** each rule costs at most 8 instructions: this keeps the program within
 * BPF_MAXINSNS (4096); no real config comes near it */
export const MAX_DEVICE_RULES = 500;
/** a device number must fit a positive imm: JNE compares it sign-extended */
const MAX_NUMBER = 0x7fffffff;

interface Insn {
  code: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
  /** a jump to the end of its block, resolved once the block is complete */
  toNext?: boolean;
}

const insn = (code: number, dst: number, src: number, off: number, imm: number): Insn => ({ code, dst, src, off, imm });
const jumpToNext = (code: number, dst: number, imm: number): Insn => ({ ...insn(code, dst, 0, 0, imm), toNext: true });
const ret = (value: 0 | 1): Insn[] => [insn(OP.MOV32_IMM, R0, 0, 0, value), insn(OP.EXIT, 0, 0, 0, 0)];

export function deviceProgram(rules: readonly DeviceRule[]): Buffer {
  if (rules.length > MAX_DEVICE_RULES)
    throw new RuntimeError(`device rules: \`${rules.length}\` rules, more than the ${MAX_DEVICE_RULES} runts accepts`);
  rules.forEach(checkRule);
  const body: Insn[] = [];
  for (const rule of [...rules].reverse()) {
    const block = ruleBlock(rule);
    body.push(...resolveJumps(block));
    // a rule that decides every request hides the rules before it, and the
    // verifier refuses a program with unreachable instructions
    if (!block.some((ins) => ins.toNext)) return encode([...prologue(), ...body]);
  }
  return encode([...prologue(), ...body, ...ret(0)]);
}

/** unpack the context into registers; no access requested becomes NO_ACCESS */
function prologue(): Insn[] {
  return [
    insn(OP.LDX_W, TYPE, R1, 0, 0),
    insn(OP.MOV32_REG, PENDING, TYPE, 0, 0),
    insn(OP.RSH32_IMM, PENDING, 0, 0, 16),
    insn(OP.AND32_IMM, TYPE, 0, 0, 0xffff),
    insn(OP.LDX_W, MAJOR, R1, 4, 0),
    insn(OP.LDX_W, MINOR, R1, 8, 0),
    insn(OP.JNE_IMM, PENDING, 0, 1, 0),
    insn(OP.MOV32_IMM, PENDING, 0, 0, NO_ACCESS),
  ];
}

/** the rule's instructions, its jumps to the next block not yet resolved */
function ruleBlock(rule: DeviceRule): Insn[] {
  const bits = accessBits(rule.access) | NO_ACCESS;
  return [...deviceChecks(rule), ...(rule.allow ? allow(bits) : deny(bits))];
}

/** a rule's type and numbers; a wildcard needs no check */
function deviceChecks(rule: DeviceRule): Insn[] {
  const checks: Insn[] = [];
  if (rule.type !== "a") checks.push(jumpToNext(OP.JNE_IMM, TYPE, DEV_TYPES[rule.type]));
  if (!isWildcard(rule.major)) checks.push(jumpToNext(OP.JNE_IMM, MAJOR, rule.major!));
  if (!isWildcard(rule.minor)) checks.push(jumpToNext(OP.JNE_IMM, MINOR, rule.minor!));
  return checks;
}

/** grant the rule's bits; allow once nothing requested is left */
function allow(bits: number): Insn[] {
  if ((bits & ALL_ACCESS) === ALL_ACCESS) return ret(1);
  return [insn(OP.AND32_IMM, PENDING, 0, 0, ~bits), jumpToNext(OP.JNE_IMM, PENDING, 0), ...ret(1)];
}

/** refuse when one of the rule's bits is still requested */
function deny(bits: number): Insn[] {
  // every request still undecided has a bit in ALL_ACCESS | NO_ACCESS
  if ((bits & ALL_ACCESS) === ALL_ACCESS) return ret(0);
  return [insn(OP.MOV32_REG, R0, PENDING, 0, 0), insn(OP.AND32_IMM, R0, 0, 0, bits), jumpToNext(OP.JEQ_IMM, R0, 0), ...ret(0)];
}

function resolveJumps(block: Insn[]): Insn[] {
  return block.map((ins, i) => {
    if (!ins.toNext) return ins;
    const off = block.length - i - 1;
    if (off > 0x7fff) throw new RuntimeError(`device rules: a jump of \`${off}\` instructions does not fit the 16-bit offset`);
    return { ...ins, off, toNext: undefined };
  });
}

function encode(program: Insn[]): Buffer {
  const out = Buffer.alloc(program.length * 8);
  program.forEach((ins, i) => {
    out.writeUInt8(ins.code, i * 8);
    out.writeUInt8((ins.src << 4) | ins.dst, i * 8 + 1);
    out.writeInt16LE(ins.off, i * 8 + 2);
    out.writeInt32LE(ins.imm, i * 8 + 4);
  });
  return out;
}

function accessBits(access: string): number {
  return [...access].reduce((bits, c) => bits | ACCESS_BITS[c], 0);
}

function isWildcard(n: number | undefined): boolean {
  return n === undefined || n === -1;
}

function checkRule(rule: DeviceRule, i: number): void {
  const where = `device rule ${i}`;
  if (rule.type !== "a" && !Object.hasOwn(DEV_TYPES, rule.type))
    throw new RuntimeError(`${where}: unknown type \`${rule.type}\` (a, b or c)`);
  const bad = [...rule.access].find((c) => !Object.hasOwn(ACCESS_BITS, c));
  if (bad !== undefined) throw new RuntimeError(`${where}: unknown access \`${bad}\` in \`${rule.access}\` (r, w and m)`);
  for (const [name, n] of [["major", rule.major], ["minor", rule.minor]] as const) {
    if (!isWildcard(n) && !(Number.isInteger(n) && n! >= 0 && n! <= MAX_NUMBER))
      throw new RuntimeError(`${where}: ${name} \`${n}\` is neither a device number (0 to ${MAX_NUMBER}) nor -1 (any)`);
  }
}
