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
  ro: { flag: MS.RDONLY },
  rw: { flag: MS.RDONLY, clear: true },
  silent: { flag: MS.SILENT },
  strictatime: { flag: MS.STRICTATIME },
  suid: { flag: MS.NOSUID, clear: true },
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
