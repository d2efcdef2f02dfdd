/**
 * bpf.ts: load a cgroup v2 device program (src/plan/bpf-devices.ts) with
 * bpf(2) and attach it to a cgroup directory. Node has no bpf(2) and glibc
 * no wrapper for it, so this calls syscall(2) through koffi.
 */
import { closeSync, constants, openSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { errnoText } from "../native/messages.js";
import { RuntimeError, describe } from "../runtime/errors.js";
import { packageRoot } from "../runtime/launch.js";

/** __NR_bpf: numbers differ per architecture */
const SYS_BPF: Record<string, number> = { x64: 321, arm64: 280 };

/** linux/bpf.h */
const BPF_PROG_LOAD = 5;
const BPF_PROG_ATTACH = 8;
const BPF_PROG_TYPE_CGROUP_DEVICE = 15;
const BPF_CGROUP_DEVICE = 6;
/** more programs on the cgroup and on its children, all of which must allow:
 * systemd's or a parent's programs stay, and a runtime nested in the
 * container can attach its own below */
const BPF_F_ALLOW_MULTI = 1 << 1;

/** the program calls no helper, so the license gates nothing; it only has to be there */
const LICENSE = "Apache-2.0";
/** shown by `bpftool prog` (at most 15 of [A-Za-z0-9_.]) */
const PROG_NAME = "runts_devices";
/** the verifier's log on a refusal, and how much of its end the message keeps */
const LOG_SIZE = 64 * 1024;
const LOG_LINES = 20;

const EPERM = 1;
const EBADF = 9;
/** what an errno means here, when it alone misleads */
const LOAD_HINTS: Record<number, string> = {
  [EPERM]: " (loading a device program needs CAP_SYS_ADMIN, or CAP_BPF with CAP_NET_ADMIN)",
};
const ATTACH_HINTS: Record<number, string> = {
  [EBADF]: " (not a cgroup v2 directory)", // the fd is fine, but not of cgroup2
  [EPERM]: " (a program attached to this cgroup or above without BPF_F_ALLOW_MULTI forbids more)",
};
interface Bpf {
  call(cmd: number, attrType: string, attr: object): number;
  errno(): number;
}

/** koffi from our node_modules: a dynamic import() is not available inside the code-cached bundle */
function loadKoffi(): typeof import("koffi") {
  return createRequire(path.join(packageRoot(), "package.json"))("koffi");
}

let bound: Bpf | undefined;

/** syscall(2) and the two bpf_attr layouts runts uses, bound once per process */
function bind(nr: number): Bpf {
  if (bound) return bound;
  const koffi = loadKoffi();
  // union bpf_attr's __aligned_u64 pointers are plain pointers on 64-bit arches
  const loadAttr = koffi.struct("bpf_prog_load_attr", {
    prog_type: "uint32", insn_cnt: "uint32", insns: "const void *", license: "const char *",
    log_level: "uint32", log_size: "uint32", log_buf: "void *", kern_version: "uint32", prog_flags: "uint32",
    prog_name: koffi.array("char", 16),
  });
  const attachAttr = koffi.struct("bpf_prog_attach_attr", {
    target_fd: "uint32", attach_bpf_fd: "uint32", attach_type: "uint32", attach_flags: "uint32",
  });
  const syscall = koffi.load("libc.so.6").func("long syscall(long number, ...)");
  const sizes: Record<string, number> = { "bpf_prog_load_attr *": koffi.sizeof(loadAttr), "bpf_prog_attach_attr *": koffi.sizeof(attachAttr) };
  bound = {
    call: (cmd, attrType, attr) => Number(syscall(nr, "int", cmd, attrType, attr, "uint", sizes[attrType])),
    errno: () => koffi.errno(),
  };
  return bound;
}

/** load the program, attach it to the cgroup v2 directory, and let go of it:
 * the attachment keeps the program alive until the cgroup is removed */
export function attachDeviceProgram(cgroupDir: string, program: Buffer): void {
  const fd = loadProgram(program);
  try {
    attach(cgroupDir, fd);
  } finally {
    closeSync(fd);
  }
}

function syscalls(): Bpf {
  const nr = SYS_BPF[process.arch];
  if (nr === undefined) throw new RuntimeError(`load the device program: runts does not know bpf(2)'s number on \`${process.arch}\``);
  return bind(nr);
}

function loadProgram(program: Buffer): number {
  if (program.length === 0 || program.length % 8 !== 0)
    throw new RuntimeError(`load the device program: \`${program.length}\` bytes are not whole instructions`);
  const bpf = syscalls();
  const fd = bpf.call(BPF_PROG_LOAD, "bpf_prog_load_attr *", loadAttr(program));
  if (fd >= 0) return fd;
  const errno = bpf.errno();
  throw new RuntimeError(`load the device program: ${errnoText(errno)}${LOAD_HINTS[errno] ?? verifierSays(bpf, program)}`);
}

/** the first load runs without a log (a small log buffer fails a valid
 * program with ENOSPC); after a refusal, load again to read the verifier's words */
function verifierSays(bpf: Bpf, program: Buffer): string {
  const log = Buffer.alloc(LOG_SIZE);
  const fd = bpf.call(BPF_PROG_LOAD, "bpf_prog_load_attr *", loadAttr(program, log));
  if (fd >= 0) closeSync(fd);
  const end = log.indexOf(0);
  const lines = log.toString("utf8", 0, end < 0 ? log.length : end).trim().split("\n").filter(Boolean);
  return lines.length ? `; the verifier says:\n${lines.slice(-LOG_LINES).join("\n")}` : "";
}

function loadAttr(program: Buffer, log?: Buffer): object {
  return {
    prog_type: BPF_PROG_TYPE_CGROUP_DEVICE, insn_cnt: program.length / 8, insns: program, license: LICENSE,
    log_level: log ? 1 : 0, log_size: log?.length ?? 0, log_buf: log ?? null, kern_version: 0, prog_flags: 0,
    prog_name: PROG_NAME,
  };
}

function attach(cgroupDir: string, progFd: number): void {
  const where = `attach the device program to \`${cgroupDir}\``;
  let dirFd: number;
  try {
    dirFd = openSync(cgroupDir, constants.O_RDONLY | constants.O_DIRECTORY);
  } catch (err) {
    throw new RuntimeError(`${where}: ${describe(err)}`, { cause: err });
  }
  try {
    const bpf = syscalls();
    const attr = { target_fd: dirFd, attach_bpf_fd: progFd, attach_type: BPF_CGROUP_DEVICE, attach_flags: BPF_F_ALLOW_MULTI };
    if (bpf.call(BPF_PROG_ATTACH, "bpf_prog_attach_attr *", attr) < 0) {
      const errno = bpf.errno();
      throw new RuntimeError(`${where}: ${errnoText(errno)}${ATTACH_HINTS[errno] ?? ""}`);
    }
  } finally {
    closeSync(dirFd);
  }
}
