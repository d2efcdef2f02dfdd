/**
 * mounts.ts: config.json `mounts` → the plan's mount operations. Pure.
 * Options become flags, propagation and data through the tables in
 * tables.ts; a `cgroup` mount on a v1 or hybrid host becomes a tmpfs with a
 * bind of each hierarchy, as runc does; a tmpfs /dev gets the usual links.
 */
import path from "node:path";
import { RuntimeError } from "../runtime/errors.js";
import type { Mount, Spec } from "../spec/types.js";
import { under, type CgroupHierarchy } from "./cgroups.js";
import type { MountOp } from "./plan.js";
import { CLONE_FLAGS, IGNORED_OPTIONS, MOUNT_FLAGS, MS, PROPAGATION, UNSUPPORTED_OPTIONS } from "./tables.js";

/** config.json asks for what runts cannot plan: a user error, with its JSON path */
export class PlanError extends RuntimeError {
  constructor(readonly jsonPath: string, readonly detail: string) {
    super(`config.json: ${jsonPath}: ${detail}`);
  }
}

/** `cgroups`: the container's own cgroup in each hierarchy (CgroupPlan.hierarchies) */
export function planMounts(spec: Spec, cgroups: CgroupHierarchy[], cloneFlags: number, bundle = ""): MountOp[] {
  const ops: MountOp[] = [];
  (spec.mounts ?? []).forEach((m, i) => {
    const op = mountOp(m, i, bundle);
    if (m.type === "cgroup" || m.type === "cgroup2") ops.push(...cgroupMount(op, cgroups, cloneFlags));
    else ops.push(op);
  });
  return [...ops, ...devLinks(spec)];
}

/** options → flags, propagation and the data string, left to right as mount(8): a later propagation
 * option replaces an earlier one; a relative bind source is taken from the bundle (config.md "Mounts") */
export function mountOp(m: Mount, index: number, bundle = ""): MountOp {
  let flags = 0;
  let propagation = 0;
  const data: string[] = [];
  (m.options ?? []).forEach((opt, k) => {
    const known = MOUNT_FLAGS[opt];
    if (known) flags = known.clear ? flags & ~known.flag : flags | known.flag;
    else if (PROPAGATION[opt] !== undefined) propagation = PROPAGATION[opt];
    else if (UNSUPPORTED_OPTIONS.has(opt))
      throw new PlanError(`/mounts/${index}/options/${k}`, `mount option \`${opt}\` is not supported yet`);
    else if (!IGNORED_OPTIONS.has(opt)) data.push(opt);
  });
  // a mount made without the mapping it asks for would show the host's ids: refuse (after
  // the options, so `idmap` itself is named first)
  for (const key of ["uidMappings", "gidMappings"] as const)
    if (m[key]) throw new PlanError(`/mounts/${index}/${key}`, "id-mapped mounts are not supported yet");
  const bind = m.type === "bind" || (flags & MS.BIND) !== 0;
  // `remount` changes the mount already at the destination: C reopens it to reach that mount (do_remount)
  if ((flags & MS.REMOUNT) !== 0 && !bind)
    return { kind: "remount", source: "", destination: path.posix.resolve("/", m.destination), type: "", flags: flags & ~MS.REMOUNT, propagation, data: data.join(","), origin: index };
  return {
    kind: bind ? "bind" : "fs",
    source: bind ? bindSource(m.source ?? "", bundle) : m.source ?? m.type ?? "none",
    destination: path.posix.resolve("/", m.destination),
    type: m.type ?? "",
    flags: bind ? flags | MS.BIND : flags,
    propagation,
    data: data.join(","),
    origin: index,
  };
}

function bindSource(source: string, bundle: string): string {
  return bundle && source && !path.isAbsolute(source) ? path.resolve(bundle, source) : source;
}

/**
 * v1 and hybrid hosts: a tmpfs holding one read-only (or as asked) bind of
 * our cgroup in each hierarchy, then the tmpfs itself remounted with the
 * mount's flags (runc's mountCgroupV1). v2 with a cgroup namespace: cgroup2
 * itself; without one, a bind of the container's cgroup so the host's tree
 * stays hidden.
 */
function cgroupMount(op: MountOp, all: CgroupHierarchy[], cloneFlags: number): MountOp[] {
  const v1 = all.filter((h) => h.version === 1);
  const base = { propagation: 0, data: "", origin: op.origin, type: "" };
  if (v1.length === 0) {
    const v2 = all.find((h) => h.version === 2);
    if ((cloneFlags & CLONE_FLAGS.cgroup) !== 0 || !v2)
      return [{ ...op, kind: "fs", type: "cgroup2", source: "cgroup2", data: "" }];
    return [{ ...base, kind: "bind", source: under(v2), destination: op.destination, flags: MS.BIND | MS.REC | op.flags }];
  }
  const tmpfsFlags = MS.NOSUID | MS.NODEV | MS.NOEXEC;
  const ops: MountOp[] = [{ ...base, kind: "fs", type: "tmpfs", source: "tmpfs", destination: op.destination, flags: tmpfsFlags, data: "mode=755", propagation: op.propagation }];
  for (const h of all) {
    const destination = path.posix.join(op.destination, path.posix.basename(h.mountpoint));
    ops.push({ ...base, kind: "bind", source: under(h), destination, flags: MS.BIND | MS.REC | (op.flags & ~MS.BIND) });
  }
  if (op.flags & MS.RDONLY)
    ops.push({ ...base, kind: "remount", source: "", destination: op.destination, flags: tmpfsFlags | MS.RDONLY });
  return ops;
}

/** runc's links for a tmpfs /dev (libcontainer/specconv); the devices themselves are devices.ts's */
const LINKS: Array<[string, string]> = [
  ["/proc/self/fd", "/dev/fd"],
  ["/proc/self/fd/0", "/dev/stdin"],
  ["/proc/self/fd/1", "/dev/stdout"],
  ["/proc/self/fd/2", "/dev/stderr"],
];

function devLinks(spec: Spec): MountOp[] {
  const mounts = spec.mounts ?? [];
  const dests = new Set(mounts.map((m) => path.posix.resolve("/", m.destination)));
  if (!dests.has("/dev")) return [];
  const base = { type: "", propagation: 0, data: "", flags: 0 };
  const links = dests.has("/dev/pts") ? [...LINKS, ["pts/ptmx", "/dev/ptmx"] as [string, string]] : LINKS;
  return links.map(([target, link]) => ({ ...base, kind: "symlink" as const, source: target, destination: link }));
}
