/**
 * seccomp.ts: compile a planned profile (src/plan/seccomp.ts) to BPF with
 * libseccomp, the library every runtime uses, through koffi. Only the bytes
 * reach the C child, which loads them last before execve.
 *
 * Compiled filters are cached by a hash of the profile, the architecture
 * and the identity of the libseccomp file (a newer libseccomp knows more
 * syscall names), so a repeated create loads neither koffi nor libseccomp.
 * The cache is an optimisation only: when it cannot be read or written,
 * runts compiles.
 */
import { crypto } from "./builtins.js";
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { archName, type SeccompProfile, type SeccompRule } from "../plan/seccomp.js";
import { SECCOMP_ACTIONS, SECCOMP_ARCHS, SECCOMP_FILTER_FLAG_NEW_LISTENER, SECCOMP_FLAGS } from "../plan/tables.js";
import { errnoText } from "../native/messages.js";
import { RuntimeError, describe } from "../runtime/errors.js";
import { packageRoot } from "../runtime/launch.js";

export const CACHE_DIR = "/var/cache/runts/seccomp";

/** where Debian and others keep libseccomp.so.2 for this architecture */
const LIBDIRS: Record<string, string[]> = {
  x64: ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/lib64"],
  arm64: ["/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/lib64"],
};

/** the BPF program (struct sock_filter[]) for the profile, from the cache or libseccomp */
export function compileSeccomp(profile: SeccompProfile, cacheDir = CACHE_DIR): Buffer {
  const key = cacheKey(profile);
  const file = key && path.join(cacheDir, `${key}.bpf`);
  if (file) {
    try {
      return readFileSync(file);
    } catch { /* not cached yet */ }
  }
  const program = compile(profile);
  if (file) store(file, program);
  return program;
}

function cacheKey(profile: SeccompProfile): string | undefined {
  const lib = libseccompIdentity();
  if (!lib) return undefined;
  return crypto().createHash("sha256").update(JSON.stringify({ format: 1, arch: process.arch, lib, profile })).digest("hex");
}

function libseccompIdentity(): string | undefined {
  for (const dir of LIBDIRS[process.arch] ?? []) {
    const st = statSync(path.join(dir, "libseccomp.so.2"), { throwIfNoEntry: false });
    if (st) return `${st.ino}:${st.size}:${st.mtimeMs}`;
  }
  return undefined;
}

/** a cache that cannot be written (a read-only /var) only costs a compile next time */
function store(file: string, program: Buffer): void {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(tmp, program, { mode: 0o600 });
    renameSync(tmp, file);
  } catch {
    try { rmSync(tmp, { force: true }); } catch { /* its dir cannot even be reached */ }
  }
}

/** the libseccomp functions runts uses, bound once per process */
interface Libseccomp {
  init(defaultAction: number): unknown;
  archAdd(ctx: unknown, arch: number): number;
  archResolve(name: string): number;
  syscallResolve(name: string): number;
  ruleAdd(ctx: unknown, action: number, syscall: number, count: number, args: object[] | null): number;
  exportBpf(ctx: unknown, fd: number): number;
  release(ctx: unknown): void;
  version(): { major: number; minor: number; micro: number };
}

/** koffi from our node_modules: a dynamic import() is not available inside the code-cached bundle */
function loadKoffi(): typeof import("koffi") {
  return createRequire(path.join(packageRoot(), "package.json"))("koffi");
}

let bound: Libseccomp | undefined;

function bind(): Libseccomp {
  bound ??= bindNow();
  return bound;
}

function bindNow(): Libseccomp {
  const koffi = loadKoffi();
  let lib;
  try {
    lib = koffi.load("libseccomp.so.2");
  } catch (err) {
    throw new RuntimeError(`load libseccomp.so.2 to compile /linux/seccomp: ${describe(err)} (apt-get install -y libseccomp2)`, { cause: err });
  }
  koffi.struct("scmp_arg_cmp", { arg: "uint", op: "int", datum_a: "uint64", datum_b: "uint64" });
  koffi.struct("scmp_version", { major: "uint", minor: "uint", micro: "uint" });
  const version = lib.func("const scmp_version *seccomp_version(void)");
  return {
    version: () => koffi.decode(version(), "scmp_version"),
    init: lib.func("void *seccomp_init(uint32_t def_action)"),
    archAdd: lib.func("int seccomp_arch_add(void *ctx, uint32_t arch)"),
    archResolve: lib.func("uint32_t seccomp_arch_resolve_name(const char *name)"),
    syscallResolve: lib.func("int seccomp_syscall_resolve_name(const char *name)"),
    ruleAdd: lib.func("int seccomp_rule_add_array(void *ctx, uint32_t action, int syscall, unsigned int arg_cnt, const scmp_arg_cmp *arg_array)"),
    exportBpf: lib.func("int seccomp_export_bpf(void *ctx, int fd)"),
    release: lib.func("void seccomp_release(void *ctx)"),
  };
}

const EEXIST = 17;
/** __NR_SCMP_ERROR: a name this libseccomp does not know */
const NR_SCMP_ERROR = -1;

function compile(profile: SeccompProfile): Buffer {
  const lib = bind();
  const ctx = lib.init(profile.defaultAction);
  if (!ctx) throw new RuntimeError("config.json: /linux/seccomp/defaultAction: seccomp_init refuses it");
  try {
    profile.architectures.forEach((name, i) => addArch(lib, ctx, name, i));
    profile.rules.forEach((rule) => addRule(lib, ctx, rule));
    return exportBpf(lib, ctx);
  } finally {
    lib.release(ctx);
  }
}

function addArch(lib: Libseccomp, ctx: unknown, name: string, i: number): void {
  const where = `config.json: /linux/seccomp/architectures/${i}`;
  const arch = lib.archResolve(name);
  if (arch === 0) throw new RuntimeError(`${where}: libseccomp does not know the architecture \`SCMP_ARCH_${name.toUpperCase()}\` (a newer libseccomp may)`);
  const rc = lib.archAdd(ctx, arch);
  if (rc < 0 && rc !== -EEXIST) throw new RuntimeError(`${where}: seccomp_arch_add \`SCMP_ARCH_${name.toUpperCase()}\`: ${errnoText(-rc)}`);
}

/** a name libseccomp does not know is skipped, as runc does: profiles list syscalls of newer kernels */
function addRule(lib: Libseccomp, ctx: unknown, rule: SeccompRule): void {
  for (const name of rule.names) {
    const nr = lib.syscallResolve(name);
    if (nr === NR_SCMP_ERROR) continue;
    for (const conds of rule.conditions) {
      const args = conds.map((c) => ({ arg: c.index, op: c.op, datum_a: BigInt(c.a), datum_b: BigInt(c.b) }));
      const rc = lib.ruleAdd(ctx, rule.action, nr, args.length, args.length ? args : null);
      if (rc < 0) throw new RuntimeError(`config.json: /linux/seccomp/syscalls/${rule.origin}: libseccomp refuses the rule for \`${name}\`: ${errnoText(-rc)}`);
    }
  }
}

/** libseccomp 2.5 exports only to an fd: a new private file in the temp dir
 * ("wx": O_EXCL, so a planted name or symlink makes it fail, not follow) */
function exportBpf(lib: Libseccomp, ctx: unknown): Buffer {
  const tmp = path.join(tmpdir(), `runts-bpf-${process.pid}-${crypto().randomBytes(6).toString("hex")}`);
  const fd = openSync(tmp, "wx+", 0o600);
  try {
    const rc = lib.exportBpf(ctx, fd);
    if (rc < 0) throw new RuntimeError(`config.json: /linux/seccomp: seccomp_export_bpf: ${errnoText(-rc)}`);
    return readFileSync(tmp);
  } finally {
    closeSync(fd);
    rmSync(tmp, { force: true });
  }
}

/** for `runts features`: libseccomp's version and the spec's architectures a
 * filter can take here; undefined when it cannot be loaded */
export function libseccompFacts(): { version: string; archs: string[] } | undefined {
  let lib: Libseccomp;
  try {
    lib = bind();
  } catch {
    return undefined;
  }
  const v = lib.version();
  return {
    version: `${v.major}.${v.minor}.${v.micro}`,
    archs: SECCOMP_ARCHS.filter((name) => archAccepted(lib, name)),
  };
}

/** known to libseccomp is not enough: it refuses to mix byte orders in one
 * filter (SCMP_ARCH_MIPS on x86_64: EDOM), so ask it to add each one */
function archAccepted(lib: Libseccomp, name: string): boolean {
  const arch = lib.archResolve(archName(name));
  if (arch === 0) return false;
  const ctx = lib.init(SECCOMP_ACTIONS.SCMP_ACT_ALLOW);
  if (!ctx) return false;
  try {
    const rc = lib.archAdd(ctx, arch);
    return rc === 0 || rc === -EEXIST;
  } finally {
    lib.release(ctx);
  }
}

/** seccomp(2) by number: libc has no wrapper */
const SYS_SECCOMP: Record<string, number> = { x64: 317, arm64: 277 };
const SECCOMP_SET_MODE_FILTER = 1;
const EFAULT = 14;

/**
 * The SECCOMP_FILTER_FLAG_* names this kernel takes. The C init loads the
 * filter with seccomp(2) itself, so the kernel decides, not libseccomp. Asked
 * with a NULL program: the kernel checks the flags first (EINVAL) and then
 * fails to read the program (EFAULT), so nothing is ever installed.
 */
export function kernelSeccompFlags(): string[] {
  const nr = SYS_SECCOMP[process.arch];
  if (nr === undefined) return [];
  try {
    const koffi = loadKoffi();
    const syscall = koffi.load("libc.so.6").func("long syscall(long nr, ...)");
    return Object.entries(SECCOMP_FLAGS).filter(([, flag]) => {
      // the kernel takes WAIT_KILLABLE_RECV only with a listener
      const flags = flag === SECCOMP_FLAGS.SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV ? flag | SECCOMP_FILTER_FLAG_NEW_LISTENER : flag;
      return syscall(nr, "int", SECCOMP_SET_MODE_FILTER, "uint", flags, "void *", null) === -1 && koffi.errno() === EFAULT;
    }).map(([name]) => name);
  } catch {
    return [];
  }
}
