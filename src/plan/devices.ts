/**
 * devices.ts: the device nodes of the container's /dev, pure. runc's
 * default devices when /dev is a tmpfs of the config's, then
 * linux.devices. Each is made with mknod; in a user namespace mknod is
 * not allowed, so the host's node at the same path is bound instead (runc
 * does the same).
 */
import path from "node:path";
import type { Spec } from "../spec/types.js";
import { PlanError } from "./mounts.js";

export interface DeviceOp {
  /** S_IFCHR, S_IFBLK or S_IFIFO with the permission bits */
  mode: number;
  major: number;
  minor: number;
  uid: number;
  gid: number;
  path: string;
  /** bind the host's node at `path` instead of mknod */
  bind: boolean;
  /** index in linux.devices, for messages; undefined for the defaults */
  origin?: number;
}

const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;
const S_IFIFO = 0o010000;
const TYPES: Record<string, number> = { c: S_IFCHR, u: S_IFCHR, b: S_IFBLK, p: S_IFIFO };

/** runc's default devices (libcontainer/specconv AllowedDevices): all 0666, root's */
const DEFAULTS: ReadonlyArray<readonly [string, number, number]> = [
  ["/dev/null", 1, 3], ["/dev/zero", 1, 5], ["/dev/full", 1, 7],
  ["/dev/random", 1, 8], ["/dev/urandom", 1, 9], ["/dev/tty", 5, 0],
];

/** the schema says int64; makedev(3) and the wire take 32 bits each, and no device number is negative */
function checkDeviceNumber(n: number | undefined, where: string): void {
  if (n !== undefined && (n < 0 || n > 0xffffffff)) throw new PlanError(where, `${n} is not a device number: it must be from 0 to 4294967295`);
}

export function planDevices(spec: Spec): DeviceOp[] {
  // a user namespace, new or joined, refuses mknod
  const bind = (spec.linux?.namespaces ?? []).some((n) => n.type === "user");
  const mounted = new Set((spec.mounts ?? []).map((m) => path.posix.resolve("/", m.destination)));
  const configured = (spec.linux?.devices ?? []).map((d, i) => {
    const where = `/linux/devices/${i}`;
    if (!d.path.startsWith("/")) throw new PlanError(`${where}/path`, "must be an absolute path");
    if (d.type !== "p" && (d.major === undefined || d.minor === undefined))
      throw new PlanError(where, `a device of type \`${d.type}\` needs major and minor`);
    for (const key of ["major", "minor"] as const) checkDeviceNumber(d[key], `${where}/${key}`);
    return {
      mode: TYPES[d.type] | ((d.fileMode ?? 0o666) & 0o7777), major: d.major ?? 0, minor: d.minor ?? 0,
      uid: d.uid ?? 0, gid: d.gid ?? 0, path: path.posix.resolve(d.path), bind: bind && d.type !== "p", origin: i,
    };
  });
  if (!mounted.has("/dev")) return configured;
  const taken = new Set([...configured.map((d) => d.path), ...mounted]);
  const defaults = DEFAULTS.filter(([p]) => !taken.has(p)).map(([p, major, minor]) => ({
    mode: S_IFCHR | 0o666, major, minor, uid: 0, gid: 0, path: p, bind,
  }));
  return [...defaults, ...configured];
}
