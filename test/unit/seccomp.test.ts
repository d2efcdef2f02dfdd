// linux.seccomp: the planner's rules (pure), and the real libseccomp
// compiling every action, operator and flag through koffi, with the cache
// that lets a repeated create skip it. No root needed: compiling is not
// loading.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { compileSeccomp } from "../../src/host/seccomp.js";
import { PlanError } from "../../src/plan/mounts.js";
import { planSeccomp } from "../../src/plan/seccomp.js";
import { SECCOMP_ACTIONS, SECCOMP_FLAGS, SECCOMP_OPERATORS } from "../../src/plan/tables.js";
import type { Seccomp } from "../../src/spec/types.js";

const cache = mkdtempSync(path.join(tmpdir(), "runts-seccomp-"));
after(() => rmSync(cache, { recursive: true, force: true }));

const profile = (syscalls: Seccomp["syscalls"], more: Partial<Seccomp> = {}): Seccomp => ({ defaultAction: "SCMP_ACT_ALLOW", syscalls, ...more });
const refused = (fn: () => unknown, where: string, words: RegExp) =>
  assert.throws(fn, (e: unknown) => e instanceof PlanError && e.message.startsWith(`config.json: ${where}: `) && words.test(e.message));

test("actions as libseccomp numbers them; ERRNO and TRACE carry errnoRet, EPERM when not given", () => {
  const p = planSeccomp(profile([
    { names: ["mkdir"], action: "SCMP_ACT_ERRNO" },
    { names: ["rmdir"], action: "SCMP_ACT_ERRNO", errnoRet: 18 },
    { names: ["chown"], action: "SCMP_ACT_TRACE", errnoRet: 7 },
    { names: ["reboot"], action: "SCMP_ACT_KILL_PROCESS" },
    { names: ["getpid"], action: "SCMP_ACT_ALLOW" },
  ], { defaultAction: "SCMP_ACT_ERRNO", defaultErrnoRet: 38 }))!;
  assert.equal(p.profile.defaultAction, 0x00050000 + 38);
  assert.deepEqual(p.profile.rules.map((r) => [r.names[0], r.action, r.origin]), [
    ["mkdir", 0x00050001, 0], ["rmdir", 0x00050012, 1], ["chown", 0x7ff00007, 2], ["reboot", 0x80000000, 3], ["getpid", 0x7fff0000, 4],
  ]);
});

test("a rule whose action is the default is left out, as runc does", () => {
  const p = planSeccomp(profile([{ names: ["getpid"], action: "SCMP_ACT_ALLOW" }, { names: ["mkdir"], action: "SCMP_ACT_LOG" }]))!;
  assert.deepEqual(p.profile.rules.map((r) => r.names[0]), ["mkdir"]);
});

test("conditions: all in one rule (AND), but one rule each when an argument repeats (libseccomp's limit)", () => {
  const p = planSeccomp(profile([
    { names: ["a"], action: "SCMP_ACT_ERRNO", args: [{ index: 0, value: 1, op: "SCMP_CMP_EQ" }, { index: 1, value: 2, valueTwo: 3, op: "SCMP_CMP_MASKED_EQ" }] },
    { names: ["b"], action: "SCMP_ACT_ERRNO", args: [{ index: 0, value: 1, op: "SCMP_CMP_GE" }, { index: 0, value: 9, op: "SCMP_CMP_LE" }] },
  ]))!;
  assert.deepEqual(p.profile.rules[0].conditions, [[{ index: 0, op: 4, a: "1", b: "0" }, { index: 1, op: 7, a: "2", b: "3" }]]);
  assert.deepEqual(p.profile.rules[1].conditions, [[{ index: 0, op: 5, a: "1", b: "0" }], [{ index: 0, op: 3, a: "9", b: "0" }]]);
});

test("flags; NOTIFY adds NEW_LISTENER (and TSYNC_ESRCH with TSYNC) and needs a listenerPath", () => {
  const p = planSeccomp(profile([{ names: ["mkdir"], action: "SCMP_ACT_NOTIFY" }], {
    flags: ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG"], listenerPath: "/run/agent.sock", listenerMetadata: "m",
  }))!;
  assert.equal(p.flags, 1 | 2 | 8 | 16);
  assert.deepEqual([p.listenerPath, p.listenerMetadata], ["/run/agent.sock", "m"]);
  refused(() => planSeccomp(profile([{ names: ["mkdir"], action: "SCMP_ACT_NOTIFY" }])), "/linux/seccomp/listenerPath", /required when a rule uses SCMP_ACT_NOTIFY/);
  refused(() => planSeccomp(profile([], { defaultAction: "SCMP_ACT_NOTIFY" })), "/linux/seccomp/defaultAction", /cannot be the default action/);
  refused(() => planSeccomp(profile([{ names: ["x"], action: "SCMP_ACT_KILL", errnoRet: 1 }])), "/linux/seccomp/syscalls/0/errnoRet", /only meaningful with SCMP_ACT_ERRNO or SCMP_ACT_TRACE/);
  refused(() => planSeccomp(profile([], { defaultErrnoRet: 1 })), "/linux/seccomp/defaultErrnoRet", /not SCMP_ACT_ALLOW/);
  refused(() => planSeccomp(profile([], { flags: ["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"] })), "/linux/seccomp/flags/0", /only with a rule using SCMP_ACT_NOTIFY/);
  assert.deepEqual(planSeccomp(profile([], { architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"] }))!.profile.architectures, ["x86_64", "x86"]);
});

/** a BPF program is struct sock_filter[]: 8 bytes each; ends in a return */
function assertProgram(bpf: Buffer): void {
  assert.ok(bpf.length >= 16 && bpf.length % 8 === 0, `program of ${bpf.length} bytes`);
  assert.equal(bpf.readUInt16LE(bpf.length - 8) & 0x07, 0x06, "the last instruction is a BPF_RET");
}

test("libseccomp compiles every action, operator and flag the spec names", () => {
  for (const action of Object.keys(SECCOMP_ACTIONS)) {
    const extra = action === "SCMP_ACT_NOTIFY" ? { listenerPath: "/run/a.sock" } : {};
    assertProgram(compileSeccomp(planSeccomp(profile([{ names: ["mkdir"], action: action as any }], extra))!.profile, cache));
  }
  for (const op of Object.keys(SECCOMP_OPERATORS)) {
    const rule = { names: ["mkdir"], action: "SCMP_ACT_ERRNO" as const, args: [{ index: 1, value: 0o700, valueTwo: 0o700, op: op as any }] };
    assertProgram(compileSeccomp(planSeccomp(profile([rule]))!.profile, cache));
  }
  for (const flag of Object.keys(SECCOMP_FLAGS)) {
    const notify = flag === "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV";
    const p = planSeccomp(profile([{ names: ["mkdir"], action: notify ? "SCMP_ACT_NOTIFY" : "SCMP_ACT_ERRNO" }], { flags: [flag as any], ...(notify ? { listenerPath: "/a" } : {}) }))!;
    assert.ok((p.flags & SECCOMP_FLAGS[flag]) !== 0);
  }
});

test("an unknown syscall name is skipped, as runc does: the filter is the same as without it", () => {
  const plain = compileSeccomp(planSeccomp(profile([{ names: ["mkdir"], action: "SCMP_ACT_ERRNO" }]))!.profile, cache);
  const extra = compileSeccomp(planSeccomp(profile([{ names: ["mkdir", "not_a_syscall_at_all"], action: "SCMP_ACT_ERRNO" }]))!.profile, cache);
  assert.deepEqual(extra, plain);
});

test("compiled filters are cached by the profile's hash: a repeated create reads the cache", () => {
  const dir = mkdtempSync(path.join(cache, "c-"));
  const prof = planSeccomp(profile([{ names: ["rmdir"], action: "SCMP_ACT_ERRNO" }]))!.profile;
  const first = compileSeccomp(prof, dir);
  const files = readdirSync(dir).filter((f) => f.endsWith(".bpf"));
  assert.equal(files.length, 1);
  assert.deepEqual(readFileSync(path.join(dir, files[0])), first);
  // what the cache holds is what is used: proof the second call did not compile
  const marked = Buffer.concat([first, Buffer.alloc(8, 0xee)]);
  writeFileSync(path.join(dir, files[0]), marked);
  assert.deepEqual(compileSeccomp(prof, dir), marked);
  assert.notDeepEqual(compileSeccomp(planSeccomp(profile([{ names: ["mkdir"], action: "SCMP_ACT_ERRNO" }]))!.profile, dir), marked, "another profile, another entry");
});

test("an unwritable cache only costs a compile", () => {
  const prof = planSeccomp(profile([{ names: ["rmdir"], action: "SCMP_ACT_ERRNO" }]))!.profile;
  const file = path.join(cache, "a-file");
  writeFileSync(file, "");
  assertProgram(compileSeccomp(prof, path.join(file, "cache")));
});
