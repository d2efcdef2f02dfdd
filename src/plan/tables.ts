/** Kernel vocabulary as tables, not branches (crun's gperf tables). */

/** linux.namespaces[].type → CLONE_NEW* (include/uapi/linux/sched.h) */
export const CLONE_FLAGS: Record<string, number> = {
  mount: 0x00020000,
  cgroup: 0x02000000,
  uts: 0x04000000,
  ipc: 0x08000000,
  user: 0x10000000,
  pid: 0x20000000,
  network: 0x40000000,
  time: 0x00000080,
};

/** linux.namespaces[].type → its file in /proc/PID/ns/ */
export const NS_FILES: Record<string, string> = {
  mount: "mnt",
  cgroup: "cgroup",
  uts: "uts",
  ipc: "ipc",
  user: "user",
  pid: "pid",
  network: "net",
  time: "time",
};

/** MS_* (include/uapi/linux/mount.h) */
export const MS = {
  RDONLY: 1, NOSUID: 2, NODEV: 4, NOEXEC: 8, SYNCHRONOUS: 16, REMOUNT: 32,
  MANDLOCK: 64, DIRSYNC: 128, NOSYMFOLLOW: 256, NOATIME: 1024, NODIRATIME: 2048,
  BIND: 4096, MOVE: 8192, REC: 16384, SILENT: 32768, UNBINDABLE: 1 << 17,
  PRIVATE: 1 << 18, SLAVE: 1 << 19, SHARED: 1 << 20, RELATIME: 1 << 21,
  I_VERSION: 1 << 23, STRICTATIME: 1 << 24, LAZYTIME: 1 << 25,
} as const;

/** mount options that set (clear: false) or clear a flag, as mount(8) and runc read them */
export const MOUNT_FLAGS: Record<string, { flag: number; clear?: true }> = {
  async: { flag: MS.SYNCHRONOUS, clear: true },
  atime: { flag: MS.NOATIME, clear: true },
  bind: { flag: MS.BIND },
  defaults: { flag: 0 },
  dev: { flag: MS.NODEV, clear: true },
  diratime: { flag: MS.NODIRATIME, clear: true },
  dirsync: { flag: MS.DIRSYNC },
  exec: { flag: MS.NOEXEC, clear: true },
  iversion: { flag: MS.I_VERSION },
  lazytime: { flag: MS.LAZYTIME },
  loud: { flag: MS.SILENT, clear: true },
  mand: { flag: MS.MANDLOCK },
  noatime: { flag: MS.NOATIME },
  nodev: { flag: MS.NODEV },
  nodiratime: { flag: MS.NODIRATIME },
  noexec: { flag: MS.NOEXEC },
  noiversion: { flag: MS.I_VERSION, clear: true },
  nolazytime: { flag: MS.LAZYTIME, clear: true },
  nomand: { flag: MS.MANDLOCK, clear: true },
  norelatime: { flag: MS.RELATIME, clear: true },
  nostrictatime: { flag: MS.STRICTATIME, clear: true },
  nosuid: { flag: MS.NOSUID },
  nosymfollow: { flag: MS.NOSYMFOLLOW },
  rbind: { flag: MS.BIND | MS.REC },
  relatime: { flag: MS.RELATIME },
  remount: { flag: MS.REMOUNT },
  ro: { flag: MS.RDONLY },
  rw: { flag: MS.RDONLY, clear: true },
  silent: { flag: MS.SILENT },
  strictatime: { flag: MS.STRICTATIME },
  suid: { flag: MS.NOSUID, clear: true },
  symfollow: { flag: MS.NOSYMFOLLOW, clear: true },
  sync: { flag: MS.SYNCHRONOUS },
};

/** propagation options, in mounts[].options and linux.rootfsPropagation */
export const PROPAGATION: Record<string, number> = {
  private: MS.PRIVATE,
  rprivate: MS.PRIVATE | MS.REC,
  shared: MS.SHARED,
  rshared: MS.SHARED | MS.REC,
  slave: MS.SLAVE,
  rslave: MS.SLAVE | MS.REC,
  unbindable: MS.UNBINDABLE,
  runbindable: MS.UNBINDABLE | MS.REC,
};

/** options runc knows that need mount_setattr or id-mapped mounts: refused
 * by name rather than passed to the kernel as data it would misread */
export const UNSUPPORTED_OPTIONS = new Set([
  "rro", "rrw", "rnosuid", "rsuid", "rnodev", "rdev", "rnoexec", "rexec",
  "rnodiratime", "rdiratime", "rrelatime", "rnorelatime", "rnoatime", "ratime",
  "rstrictatime", "rnostrictatime", "rnosymfollow", "rsymfollow", "idmap", "ridmap",
]);

/** runc's extension for tmpfs; it copies the image's files up: not yet */
export const IGNORED_OPTIONS = new Set(["tmpcopyup"]);

/** Linux capability names, indexed by capability number (include/uapi/linux/capability.h) */
export const CAPABILITIES: readonly string[] = [
  "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
  "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
  "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE",
  "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
  "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
  "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
  "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
];

/** process.rlimits[].type → RLIMIT_* (include/uapi/asm-generic/resource.h) */
export const RLIMITS: Record<string, number> = {
  RLIMIT_CPU: 0, RLIMIT_FSIZE: 1, RLIMIT_DATA: 2, RLIMIT_STACK: 3, RLIMIT_CORE: 4, RLIMIT_RSS: 5,
  RLIMIT_NPROC: 6, RLIMIT_NOFILE: 7, RLIMIT_MEMLOCK: 8, RLIMIT_AS: 9, RLIMIT_LOCKS: 10,
  RLIMIT_SIGPENDING: 11, RLIMIT_MSGQUEUE: 12, RLIMIT_NICE: 13, RLIMIT_RTPRIO: 14, RLIMIT_RTTIME: 15,
};

/** linux.personality.domain → PER_* (include/uapi/linux/personality.h) */
export const PERSONALITY_DOMAINS: Record<string, number> = { LINUX: 0x0000, LINUX32: 0x0008 };

/** process.scheduler.policy → SCHED_* (include/uapi/linux/sched.h); SCHED_ISO is reserved, never merged */
export const SCHED_POLICIES: Record<string, number> = {
  SCHED_OTHER: 0, SCHED_FIFO: 1, SCHED_RR: 2, SCHED_BATCH: 3, SCHED_IDLE: 5, SCHED_DEADLINE: 6,
};

/** process.scheduler.flags → SCHED_FLAG_* */
export const SCHED_FLAGS: Record<string, number> = {
  SCHED_FLAG_RESET_ON_FORK: 0x01, SCHED_FLAG_RECLAIM: 0x02, SCHED_FLAG_DL_OVERRUN: 0x04,
  SCHED_FLAG_KEEP_POLICY: 0x08, SCHED_FLAG_KEEP_PARAMS: 0x10, SCHED_FLAG_UTIL_CLAMP_MIN: 0x20,
  SCHED_FLAG_UTIL_CLAMP_MAX: 0x40,
};

/** process.ioPriority.class → IOPRIO_CLASS_* (include/uapi/linux/ioprio.h) */
export const IOPRIO_CLASSES: Record<string, number> = { IOPRIO_CLASS_RT: 1, IOPRIO_CLASS_BE: 2, IOPRIO_CLASS_IDLE: 3 };

/** linux.seccomp.flags → SECCOMP_FILTER_FLAG_* (include/uapi/linux/seccomp.h) */
export const SECCOMP_FLAGS: Record<string, number> = {
  SECCOMP_FILTER_FLAG_TSYNC: 1, SECCOMP_FILTER_FLAG_LOG: 2, SECCOMP_FILTER_FLAG_SPEC_ALLOW: 4,
  SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: 32,
};
export const SECCOMP_FILTER_FLAG_NEW_LISTENER = 8;
export const SECCOMP_FILTER_FLAG_TSYNC_ESRCH = 16;

/** seccomp actions as libseccomp numbers them (seccomp.h); ERRNO and TRACE carry a value in the low 16 bits */
export const SECCOMP_ACTIONS: Record<string, number> = {
  SCMP_ACT_KILL: 0x00000000, SCMP_ACT_KILL_THREAD: 0x00000000, SCMP_ACT_KILL_PROCESS: 0x80000000,
  SCMP_ACT_TRAP: 0x00030000, SCMP_ACT_ERRNO: 0x00050000, SCMP_ACT_TRACE: 0x7ff00000,
  SCMP_ACT_LOG: 0x7ffc0000, SCMP_ACT_ALLOW: 0x7fff0000, SCMP_ACT_NOTIFY: 0x7fc00000,
};

/** linux.seccomp.architectures as the runtime-spec names them; which of them
 * work depends on the libseccomp of the host (2.5 has no sh, m68k, loongarch64) */
export const SECCOMP_ARCHS: readonly string[] = [
  "SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS",
  "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32",
  "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_PARISC",
  "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64", "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K", "SCMP_ARCH_SH", "SCMP_ARCH_SHEB",
];

/** linux.seccomp.syscalls[].args[].op → enum scmp_compare */
export const SECCOMP_OPERATORS: Record<string, number> = {
  SCMP_CMP_NE: 1, SCMP_CMP_LT: 2, SCMP_CMP_LE: 3, SCMP_CMP_EQ: 4, SCMP_CMP_GE: 5, SCMP_CMP_GT: 6,
  SCMP_CMP_MASKED_EQ: 7,
};

/**
 * Which namespace makes a sysctl the container's own (runc's validator,
 * from the kernel's per-namespace tables): ipc for System V IPC and mqueue,
 * net for net.*, uts for the names. Anything else is the host's.
 */
export const SYSCTL_NAMESPACES: ReadonlyArray<readonly [prefixOrKey: string, namespace: string]> = [
  ["kernel.msgmax", "ipc"], ["kernel.msgmnb", "ipc"], ["kernel.msgmni", "ipc"], ["kernel.sem", "ipc"],
  ["kernel.shmall", "ipc"], ["kernel.shmmax", "ipc"], ["kernel.shmmni", "ipc"], ["kernel.shm_rmid_forced", "ipc"],
  ["fs.mqueue.", "ipc"], ["net.", "network"], ["kernel.domainname", "uts"], ["kernel.hostname", "uts"],
];
