/**
 * cgroups.ts: `linux.cgroupsPath` and `linux.resources` → the container's
 * cgroup directory in each hierarchy and the files to write there. Pure:
 * what it knows of the host arrives as CgroupFacts (src/host/cgroups.ts).
 *
 * Three kinds of host: v1 (one hierarchy per controller), v2 (one unified
 * hierarchy) and hybrid (v1 controllers plus an empty cgroup2 mount at
 * .../unified). On hybrid the controllers are v1's, and the container also
 * gets a directory in the unified hierarchy, as runc does, so that
 * `/proc/PID/cgroup` names it on every line.
 *
 * Paths follow runc's cgroupfs driver: an absolute cgroupsPath is taken from
 * each hierarchy's root; a relative one, or the default (the container's id),
 * from runts' own cgroup (on v2 from its parent, which holds no process).
 * The v1 → v2 conversions are runc 1.1's (the version these machines carry).
 */
import path from "node:path";
import type { LinuxDeviceCgroup, LinuxResources, Spec } from "../spec/types.js";
import { escapePointer } from "../spec/validate.js";
import type { DeviceRule as BpfDeviceRule } from "./bpf-devices.js";
import { PlanError } from "./mounts.js";

export type CgroupMode = "v1" | "v2" | "hybrid";

/** one cgroup hierarchy of the host, and a cgroup's place in it */
export interface CgroupHierarchy {
  version: 1 | 2;
  /** where the hierarchy is mounted on the host, e.g. /sys/fs/cgroup/memory */
  mountpoint: string;
  /** a cgroup inside it relative to its root: runts' own in the host's facts, the container's once planned */
  path: string;
  /** v1: the controllers of this hierarchy ("cpu", "cpuacct", "name=systemd"); v2: none */
  controllers: string[];
}

export interface CgroupFacts {
  hierarchies: CgroupHierarchy[];
  /** v2: what the unified root offers (its cgroup.controllers) */
  v2Controllers?: string[];
  /** /run/systemd/system exists: systemd is the init */
  systemd?: boolean;
}

export interface CgroupWrite {
  /** the controller whose directory holds the file ("memory"); "" for core cgroup2 files */
  controller: string;
  file: string;
  value: string;
  /** the config.json entry it comes from, as a JSON pointer, for messages */
  field: string;
  /** written instead when `file` does not exist (BFQ hosts name the weight differently) */
  fallback?: { file: string; value: string };
  /** skipped, not refused, when the file does not exist */
  optional?: boolean;
  /** the kernel may refuse this until the next write is done (memory ≤ memsw, rt runtime ≤ period):
   *  on EINVAL the next one goes first */
  pairedWithNext?: boolean;
}

/** a device cgroup rule with its defaults filled in (bpf-devices.ts compiles it for v2) */
export interface DeviceRule extends BpfDeviceRule {
  /** the config.json entry it comes from; none for runts' defaults */
  field?: string;
}

export interface CgroupPlan {
  mode: CgroupMode;
  /** the container's cgroup as the config names it after cleaning, e.g. /default/c1 */
  path: string;
  /** the container's directory per v1 controller ("memory", "name=systemd"); "" is its cgroup2 directory */
  dirs: Record<string, string>;
  /** one directory per hierarchy: what runts creates, joins and removes */
  leaves: string[];
  /** the hierarchies as the container sees them: its own cgroup in each (for the cgroup mount) */
  hierarchies: CgroupHierarchy[];
  writes: CgroupWrite[];
  /** the device rules in order, the last match deciding; v1 writes them, v2 compiles them to eBPF */
  devices: DeviceRule[];
}

export interface CgroupInput {
  spec: Spec;
  id: string;
  /** --systemd-cgroup */
  systemd: boolean;
  facts: CgroupFacts;
}

export function cgroupMode(facts: CgroupFacts): CgroupMode | undefined {
  const v1 = facts.hierarchies.some((h) => h.version === 1);
  const v2 = facts.hierarchies.some((h) => h.version === 2);
  if (v1) return v2 ? "hybrid" : "v1";
  return v2 ? "v2" : undefined;
}

/** undefined when the host has no cgroup hierarchy at all (runts then creates none) */
export function planCgroup(input: CgroupInput): CgroupPlan | undefined {
  const mode = cgroupMode(input.facts);
  if (!mode) return undefined;
  const inner = cgroupPath(input);
  const hierarchies = usedHierarchies(input.facts).map((h) => ({ ...h, path: containerPath(h, inner, mode) }));
  const dirs: Record<string, string> = {};
  for (const h of hierarchies) for (const c of h.version === 2 ? [""] : h.controllers) dirs[c] ??= under(h);
  const resources = input.spec.linux?.resources ?? {};
  const devices = deviceRules(input.spec);
  return {
    mode, path: inner.path, dirs, hierarchies,
    leaves: hierarchies.map(under),
    writes: checkAvailable(resourceWrites(resources, mode, devices), mode, dirs, input.facts),
    devices,
  };
}

// ---- where ----

interface Inner { path: string; absolute: boolean }

/** the cleaned cgroupsPath; empty means the id, relative to our own cgroup (runc's default) */
function cgroupPath(input: CgroupInput): Inner {
  const raw = input.spec.linux?.cgroupsPath ?? "";
  if (input.systemd) return { path: systemdPath(raw, input.id, input.facts), absolute: true };
  if (raw === "") return { path: input.id, absolute: false };
  const absolute = raw.startsWith("/");
  // resolved against "/" first, so no `..` climbs above where the path starts (runc's CleanPath)
  const clean = path.posix.resolve("/", raw);
  // "/" is the hierarchy's root and ".." runts' own cgroup (on v2 its parent): cgroups that are
  // not the container's, whose limits would bind the whole host or runts' callers
  if (clean === "/")
    throw new PlanError("/linux/cgroupsPath", `\`${raw}\` leads to ${absolute ? "the root of the cgroup hierarchy" : "runts' own cgroup"}, not a cgroup of the container's own`);
  return { path: absolute ? clean : clean.slice(1), absolute };
}

/** `slice:prefix:name` → the directory systemd gives that scope: /a.slice/a-b.slice/prefix-name.scope */
function systemdPath(raw: string, id: string, facts: CgroupFacts): string {
  if (!facts.systemd)
    throw new PlanError("/linux/cgroupsPath", "`--systemd-cgroup`: systemd is not running on this host (no /run/systemd/system); leave the flag out to use cgroupfs");
  const parts = raw === "" ? ["system.slice", "runts", id] : raw.split(":");
  if (parts.length !== 3)
    throw new PlanError("/linux/cgroupsPath", `expected cgroupsPath to be of format "slice:prefix:name" for systemd cgroups, got "${raw}" instead`);
  const [slice, prefix, name] = parts;
  const unit = name.endsWith(".slice") ? name : `${prefix}-${name}.scope`;
  if (unit.includes("/")) throw new PlanError("/linux/cgroupsPath", `systemd unit name \`${unit}\` must not contain "/"`);
  return path.posix.join(expandSlice(slice || "system.slice"), unit);
}

/** systemd's slice nesting: `a-b.slice` lives in `a.slice`; `-.slice` is the root */
export function expandSlice(slice: string): string {
  if (slice === "-.slice") return "/";
  if (!slice.endsWith(".slice") || slice.includes("/") || slice.startsWith("-") || slice.includes("--"))
    throw new PlanError("/linux/cgroupsPath", `invalid systemd slice name \`${slice}\``);
  const words = slice.slice(0, -".slice".length).split("-");
  return "/" + words.map((_, i) => `${words.slice(0, i + 1).join("-")}.slice`).join("/");
}

/** v1 hierarchies we sit in (the first mount of each), plus cgroup2 */
function usedHierarchies(facts: CgroupFacts): CgroupHierarchy[] {
  const seen = new Set<string>();
  return facts.hierarchies.filter((h) => {
    const key = h.version === 2 ? "" : h.controllers.join(",");
    if (seen.has(key) || (h.version === 1 && h.controllers.length === 0)) return false;
    seen.add(key);
    return true;
  });
}

function containerPath(h: CgroupHierarchy, inner: Inner, mode: CgroupMode): string {
  if (inner.absolute) return inner.path;
  // pure v2: a cgroup with processes cannot enable controllers for its children, so runc goes one up
  const own = mode === "v2" && h.path !== "/" ? path.posix.dirname(h.path) : h.path;
  return path.posix.join(own, inner.path);
}

/** a cgroup's directory on the host: its path inside the hierarchy's mount */
export function under(h: Pick<CgroupHierarchy, "mountpoint" | "path">): string {
  return h.path === "/" ? h.mountpoint : path.posix.join(h.mountpoint, h.path);
}

// ---- what ----

const R = "/linux/resources";

/** Docker writes zeros for "not set" (cpu.shares 0, blockIO.weight 0): a zero is no value */
const nz = (v: number | undefined): string | undefined => (v === undefined || v === 0 ? undefined : String(v));
const given = (v: number | undefined): string | undefined => (v === undefined ? undefined : String(v));
const text = (v: string | undefined): string | undefined => (v ? v : undefined);
/** 0 unset, negative unlimited: pids.limit (runc 1.1) and v2's memory files */
interface Scalar {
  field: string;
  controller: string;
  file: string;
  value(r: LinuxResources): string | undefined;
  fallback?: { file: string; value(r: LinuxResources): string };
  optional?: boolean;
  pairedWithNext?: boolean;
}

/** cgroup v1: one file per field */
const V1_SCALARS: Scalar[] = [
  // the kernel keeps memory ≤ memory+swap, so which goes first depends on the current values
  { field: "memory/limit", controller: "memory", file: "memory.limit_in_bytes", value: (r) => nz(r.memory?.limit), pairedWithNext: true },
  { field: "memory/swap", controller: "memory", file: "memory.memsw.limit_in_bytes", value: (r) => nz(r.memory?.swap) },
  // an unlimited memory with no word on swap makes swap unlimited too, where swap is accounted (runc)
  { field: "memory/limit", controller: "memory", file: "memory.memsw.limit_in_bytes", optional: true,
    value: (r) => (r.memory?.limit === -1 && !r.memory.swap ? "-1" : undefined) },
  { field: "memory/reservation", controller: "memory", file: "memory.soft_limit_in_bytes", value: (r) => nz(r.memory?.reservation) },
  { field: "memory/kernelTCP", controller: "memory", file: "memory.kmem.tcp.limit_in_bytes", value: (r) => nz(r.memory?.kernelTCP) },
  { field: "memory/swappiness", controller: "memory", file: "memory.swappiness", value: (r) => given(r.memory?.swappiness) },
  { field: "memory/disableOOMKiller", controller: "memory", file: "memory.oom_control", value: (r) => (r.memory?.disableOOMKiller ? "1" : undefined) },
  { field: "memory/useHierarchy", controller: "memory", file: "memory.use_hierarchy", value: (r) => bool(r.memory?.useHierarchy) },
  { field: "cpu/shares", controller: "cpu", file: "cpu.shares", value: (r) => nz(r.cpu?.shares) },
  // a quota larger than the old period's share is refused until the period changes: period first
  { field: "cpu/period", controller: "cpu", file: "cpu.cfs_period_us", value: (r) => nz(r.cpu?.period), pairedWithNext: true },
  { field: "cpu/quota", controller: "cpu", file: "cpu.cfs_quota_us", value: (r) => nz(r.cpu?.quota) },
  { field: "cpu/burst", controller: "cpu", file: "cpu.cfs_burst_us", value: (r) => given(r.cpu?.burst) },
  { field: "cpu/realtimePeriod", controller: "cpu", file: "cpu.rt_period_us", value: (r) => nz(r.cpu?.realtimePeriod), pairedWithNext: true },
  { field: "cpu/realtimeRuntime", controller: "cpu", file: "cpu.rt_runtime_us", value: (r) => nz(r.cpu?.realtimeRuntime) },
  { field: "cpu/idle", controller: "cpu", file: "cpu.idle", value: (r) => given(r.cpu?.idle) },
  { field: "cpu/cpus", controller: "cpuset", file: "cpuset.cpus", value: (r) => text(r.cpu?.cpus) },
  { field: "cpu/mems", controller: "cpuset", file: "cpuset.mems", value: (r) => text(r.cpu?.mems) },
  { field: "pids/limit", controller: "pids", file: "pids.max", value: (r) => maxOf(r.pids?.limit) },
  { field: "blockIO/weight", controller: "blkio", file: "blkio.weight", value: (r) => nz(r.blockIO?.weight),
    fallback: { file: "blkio.bfq.weight", value: (r) => String(r.blockIO?.weight) } },
  { field: "blockIO/leafWeight", controller: "blkio", file: "blkio.leaf_weight", value: (r) => nz(r.blockIO?.leafWeight) },
  { field: "network/classID", controller: "net_cls", file: "net_cls.classid", value: (r) => nz(r.network?.classID) },
];

/** cgroup v2: the same knobs under their v2 names, converted as runc 1.1 does */
const V2_SCALARS: Scalar[] = [
  { field: "memory/limit", controller: "memory", file: "memory.max", value: (r) => maxOf(r.memory?.limit) },
  { field: "memory/swap", controller: "memory", file: "memory.swap.max", value: (r) => swapV2(r) },
  { field: "memory/reservation", controller: "memory", file: "memory.low", value: (r) => maxOf(r.memory?.reservation) },
  { field: "cpu/shares", controller: "cpu", file: "cpu.weight", value: (r) => (r.cpu?.shares ? String(sharesToWeight(r.cpu.shares)) : undefined) },
  { field: "cpu/quota", controller: "cpu", file: "cpu.max", value: (r) => cpuMax(r) },
  { field: "cpu/burst", controller: "cpu", file: "cpu.max.burst", value: (r) => given(r.cpu?.burst) },
  { field: "cpu/idle", controller: "cpu", file: "cpu.idle", value: (r) => given(r.cpu?.idle) },
  { field: "cpu/cpus", controller: "cpuset", file: "cpuset.cpus", value: (r) => text(r.cpu?.cpus) },
  { field: "cpu/mems", controller: "cpuset", file: "cpuset.mems", value: (r) => text(r.cpu?.mems) },
  { field: "pids/limit", controller: "pids", file: "pids.max", value: (r) => maxOf(r.pids?.limit) },
  // BFQ takes the v1 range as is; io.weight has its own (1..10000) and needs converting
  { field: "blockIO/weight", controller: "io", file: "io.bfq.weight", value: (r) => nz(r.blockIO?.weight),
    fallback: { file: "io.weight", value: (r) => `default ${blkioWeightToIoWeight(r.blockIO!.weight!)}` } },
];

/** fields cgroup v2 has no file for; the spec does not let a runtime drop them silently */
const V2_MISSING: Array<[field: string, set: (r: LinuxResources) => boolean]> = [
  ["memory/kernelTCP", (r) => !!r.memory?.kernelTCP],
  ["memory/swappiness", (r) => r.memory?.swappiness !== undefined],
  ["memory/disableOOMKiller", (r) => r.memory?.disableOOMKiller === true],
  ["memory/useHierarchy", (r) => r.memory?.useHierarchy === false],
  ["cpu/realtimePeriod", (r) => !!r.cpu?.realtimePeriod],
  ["cpu/realtimeRuntime", (r) => !!r.cpu?.realtimeRuntime],
  ["blockIO/leafWeight", (r) => !!r.blockIO?.leafWeight],
  ["network/classID", (r) => !!r.network?.classID],
  ["network/priorities", (r) => (r.network?.priorities?.length ?? 0) > 0],
];

/** every write `resources` asks for, in order; `memory.kernel` is deprecated and the spec lets runtimes ignore it */
export function resourceWrites(r: LinuxResources, mode: CgroupMode, devices: DeviceRule[] = []): CgroupWrite[] {
  if (mode === "v2") {
    for (const [field, set] of V2_MISSING)
      if (set(r)) throw new PlanError(`${R}/${field}`, "cgroup v2 has no equivalent; leave it out on this host");
    return [...scalars(V2_SCALARS, r), ...blkioDevicesV2(r), ...hugepages(r, "max"), ...rdma(r), ...unified(r)];
  }
  if (r.unified && Object.keys(r.unified).length > 0)
    throw new PlanError(`${R}/unified`, `cgroup v2 files cannot be set on a ${mode} host (its controllers are v1)`);
  return [...scalars(V1_SCALARS, r), ...blkioDevicesV1(r), ...hugepages(r, "limit_in_bytes"), ...priorities(r), ...rdma(r), ...deviceWrites(devices)];
}

function scalars(table: Scalar[], r: LinuxResources): CgroupWrite[] {
  const out: CgroupWrite[] = [];
  for (const s of table) {
    const value = s.value(r);
    if (value === undefined) continue;
    const field = s.file === "cpu.max" && !r.cpu?.quota ? `${R}/cpu/period` : `${R}/${s.field}`;
    out.push({
      controller: s.controller, file: s.file, value, field,
      ...(s.fallback ? { fallback: { file: s.fallback.file, value: s.fallback.value(r) } } : {}),
      ...(s.optional ? { optional: true } : {}),
      ...(s.pairedWithNext ? { pairedWithNext: true } : {}),
    });
  }
  // a pair whose second half is not written has nothing to wait for
  for (let i = 0; i < out.length; i++)
    if (out[i].pairedWithNext && out[i + 1]?.controller !== out[i].controller) delete out[i].pairedWithNext;
  return out;
}

const bool = (v: boolean | undefined): string | undefined => (v === undefined ? undefined : v ? "1" : "0");
const maxOf = (v: number | undefined): string | undefined => (!v ? undefined : v < 0 ? "max" : String(v));

/** runc 1.1: cpu.shares [2, 262144] onto cpu.weight [1, 10000] */
export function sharesToWeight(shares: number): number {
  return 1 + Math.floor(((shares - 2) * 9999) / 262142);
}

/** runc 1.1: blkio.weight [10, 1000] onto io.weight [1, 10000] */
export function blkioWeightToIoWeight(weight: number): number {
  return 1 + Math.floor(((weight - 10) * 9999) / 990);
}

/** cpu.max is "QUOTA PERIOD"; a period alone keeps no quota ("max"), as runc writes it */
function cpuMax(r: LinuxResources): string | undefined {
  const quota = r.cpu?.quota ?? 0;
  const period = r.cpu?.period ?? 0;
  if (quota === 0 && period === 0) return undefined;
  const q = quota > 0 ? String(quota) : "max";
  return period ? `${q} ${period}` : q;
}

/** v1's swap is memory+swap; v2's memory.swap.max is the swap alone */
function swapV2(r: LinuxResources): string | undefined {
  const swap = r.memory?.swap ?? 0;
  const limit = r.memory?.limit ?? 0;
  if (limit === -1 && swap === 0) return "max";
  if (swap === 0) return undefined;
  if (swap === -1) return "max";
  if (limit <= 0) throw new PlanError(`${R}/memory/swap`, "a swap limit needs a memory limit (`memory.limit`) on cgroup v2");
  if (swap < limit) throw new PlanError(`${R}/memory/swap`, `memory+swap (${swap}) must not be below the memory limit (${limit})`);
  return String(swap - limit);
}

const THROTTLES = [
  ["throttleReadBpsDevice", "read_bps_device", "rbps"],
  ["throttleWriteBpsDevice", "write_bps_device", "wbps"],
  ["throttleReadIOPSDevice", "read_iops_device", "riops"],
  ["throttleWriteIOPSDevice", "write_iops_device", "wiops"],
] as const;

function blkioDevicesV1(r: LinuxResources): CgroupWrite[] {
  const out: CgroupWrite[] = [];
  (r.blockIO?.weightDevice ?? []).forEach((d, i) => {
    const at = `${R}/blockIO/weightDevice/${i}`;
    if (d.weight) out.push({ controller: "blkio", file: "blkio.weight_device", value: `${d.major}:${d.minor} ${d.weight}`, field: `${at}/weight`,
      fallback: { file: "blkio.bfq.weight_device", value: `${d.major}:${d.minor} ${d.weight}` } });
    if (d.leafWeight) out.push({ controller: "blkio", file: "blkio.leaf_weight_device", value: `${d.major}:${d.minor} ${d.leafWeight}`, field: `${at}/leafWeight` });
  });
  for (const [key, file] of THROTTLES)
    (r.blockIO?.[key] ?? []).forEach((d, i) =>
      out.push({ controller: "blkio", file: `blkio.throttle.${file}`, value: `${d.major}:${d.minor} ${d.rate}`, field: `${R}/blockIO/${key}/${i}` }));
  return out;
}

function blkioDevicesV2(r: LinuxResources): CgroupWrite[] {
  const out: CgroupWrite[] = [];
  (r.blockIO?.weightDevice ?? []).forEach((d, i) => {
    const at = `${R}/blockIO/weightDevice/${i}`;
    if (d.leafWeight) throw new PlanError(`${at}/leafWeight`, "cgroup v2 has no equivalent; leave it out on this host");
    if (d.weight) out.push({ controller: "io", file: "io.bfq.weight", value: `${d.major}:${d.minor} ${d.weight}`, field: `${at}/weight` });
  });
  for (const [key, , name] of THROTTLES)
    (r.blockIO?.[key] ?? []).forEach((d, i) =>
      out.push({ controller: "io", file: "io.max", value: `${d.major}:${d.minor} ${name}=${d.rate === 0 ? "max" : d.rate}`, field: `${R}/blockIO/${key}/${i}` }));
  return out;
}

/** pageSize as the kernel names it in file names: 2MB, 1GB, 64KB */
function hugepages(r: LinuxResources, suffix: string): CgroupWrite[] {
  return (r.hugepageLimits ?? []).map((h, i) => {
    if (!/^\d+[KMG]B$/.test(h.pageSize)) throw new PlanError(`${R}/hugepageLimits/${i}/pageSize`, `\`${h.pageSize}\` is not a page size like 2MB or 1GB`);
    return { controller: "hugetlb", file: `hugetlb.${h.pageSize}.${suffix}`, value: String(h.limit), field: `${R}/hugepageLimits/${i}` };
  });
}

function priorities(r: LinuxResources): CgroupWrite[] {
  return (r.network?.priorities ?? []).map((p, i) => ({
    controller: "net_prio", file: "net_prio.ifpriomap", value: `${p.name} ${p.priority}`, field: `${R}/network/priorities/${i}`,
  }));
}

function rdma(r: LinuxResources): CgroupWrite[] {
  return Object.entries(r.rdma ?? {}).flatMap(([dev, l]) => {
    const parts = [l.hcaHandles !== undefined ? `hca_handle=${l.hcaHandles}` : "", l.hcaObjects !== undefined ? `hca_object=${l.hcaObjects}` : ""].filter(Boolean);
    return parts.length ? [{ controller: "rdma", file: "rdma.max", value: `${dev} ${parts.join(" ")}`, field: `${R}/rdma/${escapePointer(dev)}` }] : [];
  });
}

/** `unified`: file name → value, written last so it has the final word; the controller is the name's prefix */
function unified(r: LinuxResources): CgroupWrite[] {
  return Object.entries(r.unified ?? {}).map(([file, value]) => {
    const field = `${R}/unified/${escapePointer(file)}`;
    if (file.includes("/") || !/^[a-z_]+\.[\w.]+$/.test(file)) throw new PlanError(field, `\`${file}\` is not a cgroup file name`);
    const controller = file.split(".")[0];
    return { controller: controller === "cgroup" ? "" : controller, file, value, field };
  });
}

// ---- devices ----

/** runc's default allowances, after the config's rules: mknod of anything, the
 * nodes every container gets, the terminals and /dev/net/tun (specconv's AllowedDevices) */
const DEFAULT_ALLOWED: ReadonlyArray<Omit<DeviceRule, "allow">> = [
  { type: "c", access: "m" },
  { type: "b", access: "m" },
  { type: "c", major: 1, minor: 3, access: "rwm" },
  { type: "c", major: 1, minor: 8, access: "rwm" },
  { type: "c", major: 1, minor: 7, access: "rwm" },
  { type: "c", major: 5, minor: 0, access: "rwm" },
  { type: "c", major: 1, minor: 5, access: "rwm" },
  { type: "c", major: 1, minor: 9, access: "rwm" },
  { type: "c", major: 136, access: "rwm" },
  { type: "c", major: 5, minor: 2, access: "rwm" },
  { type: "c", major: 10, minor: 200, access: "rwm" },
];

/** runc's device emulator starts from "deny everything", whatever the kernel's
 * default for a new cgroup: a config without rules gets only the defaults */
const DENY_ALL: DeviceRule = { allow: false, type: "a", access: "rwm" };

/** deny all, the config's rules, then the defaults and every device the config creates, allowed */
export function deviceRules(spec: Spec): DeviceRule[] {
  const own = (spec.linux?.resources?.devices ?? []).map((d, i) => ({ ...normalizeRule(d), field: `${R}/devices/${i}` }));
  const created = (spec.linux?.devices ?? [])
    .filter((d) => d.type === "c" || d.type === "b" || d.type === "u")
    .map((d) => ({ type: d.type === "b" ? "b" as const : "c" as const, major: d.major, minor: d.minor, access: "rwm" }));
  return [DENY_ALL, ...own, ...[...DEFAULT_ALLOWED, ...created].map((d) => ({ allow: true, ...d }))];
}

function normalizeRule(d: LinuxDeviceCgroup): DeviceRule {
  const wild = (n: number | undefined) => (n === undefined || n < 0 ? undefined : n);
  return { allow: d.allow, type: d.type ?? "a", major: wild(d.major), minor: wild(d.minor), access: d.access || "rwm" };
}

/** v1: devices.deny / devices.allow lines, in order; the kernel applies each as it comes */
function deviceWrites(rules: DeviceRule[]): CgroupWrite[] {
  return rules.map((d) => ({
    controller: "devices", file: d.allow ? "devices.allow" : "devices.deny", value: deviceLine(d), field: d.field ?? `${R}/devices`,
  }));
}

export function deviceLine(d: DeviceRule): string {
  if (d.type === "a" && d.major === undefined && d.minor === undefined) return "a";
  return `${d.type} ${d.major ?? "*"}:${d.minor ?? "*"} ${d.access}`;
}

// ---- can the host do it ----

/** a write to a controller the host lacks names the field that asked for it */
function checkAvailable(writes: CgroupWrite[], mode: CgroupMode, dirs: Record<string, string>, facts: CgroupFacts): CgroupWrite[] {
  for (const w of writes) {
    if (w.controller === "" || w.optional) continue;
    const missing = mode === "v2" ? !(facts.v2Controllers ?? []).includes(w.controller) : dirs[w.controller] === undefined;
    if (missing) throw new PlanError(w.field, `the \`${w.controller}\` cgroup controller is not ${mode === "v2" ? "available" : "mounted"} on this host`);
  }
  return writes;
}
