/**
 * default.ts: the config.json `runts spec` writes, pure. The same starter
 * bundle as `runc spec` (its process, mounts, masked and read-only paths,
 * namespaces and three capabilities), with our spec version and hostname;
 * keys in the order runc writes them, so the two files diff cleanly.
 * Rootless, as `runc spec --rootless`: a user namespace mapping root to the
 * caller, the host's network, /sys bound from the host instead of a new
 * sysfs, no gid= options (the group may not be mapped) and no device rules.
 */
import { SPEC_VERSION } from "../cli/version.js";
import type { Mount, Spec } from "./types.js";

const CAPS = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"];

/** the mounts every starter bundle gets; runc's list, in runc's order */
const MOUNTS: Mount[] = [
  { destination: "/proc", type: "proc", source: "proc" },
  { destination: "/dev", type: "tmpfs", source: "tmpfs", options: ["nosuid", "strictatime", "mode=755", "size=65536k"] },
  { destination: "/dev/pts", type: "devpts", source: "devpts", options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"] },
  { destination: "/dev/shm", type: "tmpfs", source: "shm", options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"] },
  { destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"] },
  { destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"] },
  { destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: ["nosuid", "noexec", "nodev", "relatime", "ro"] },
];

/** a new sysfs needs a network namespace of our own: rootless binds the host's */
const ROOTLESS_SYS: Mount = { destination: "/sys", type: "none", source: "/sys", options: ["rbind", "nosuid", "noexec", "nodev", "ro"] };

const MASKED = [
  "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
  "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi",
];
const READONLY = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"];

/** who runs the rootless container: root inside is this user outside */
export interface Caller { uid: number; gid: number }

export function defaultSpec(rootless?: Caller): Spec {
  return {
    ociVersion: SPEC_VERSION,
    process: {
      terminal: true,
      user: { uid: 0, gid: 0 },
      args: ["sh"],
      env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
      cwd: "/",
      capabilities: { bounding: [...CAPS], effective: [...CAPS], permitted: [...CAPS], ambient: [...CAPS] },
      rlimits: [{ type: "RLIMIT_NOFILE", hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: "rootfs", readonly: true },
    hostname: "runts",
    mounts: rootless ? MOUNTS.map(rootlessMount) : MOUNTS.map((m) => ({ ...m })),
    linux: {
      ...(rootless
        ? { uidMappings: [{ containerID: 0, hostID: rootless.uid, size: 1 }], gidMappings: [{ containerID: 0, hostID: rootless.gid, size: 1 }] }
        : { resources: { devices: [{ allow: false, access: "rwm" }] } }),
      namespaces: rootless
        ? [{ type: "pid" }, { type: "ipc" }, { type: "uts" }, { type: "mount" }, { type: "user" }]
        : [{ type: "pid" }, { type: "network" }, { type: "ipc" }, { type: "uts" }, { type: "mount" }],
      maskedPaths: [...MASKED],
      readonlyPaths: [...READONLY],
    },
  };
}

function rootlessMount(m: Mount): Mount {
  if (m.type === "sysfs") return { ...ROOTLESS_SYS };
  return m.options ? { ...m, options: m.options.filter((o) => !/^[ug]id=/.test(o)) } : { ...m };
}

/** as runc writes it: tab-indented, no newline at the end */
export function formatSpec(spec: Spec): string {
  return JSON.stringify(spec, null, "\t");
}
