/**
 * security.ts: the security-relevant fields of config.json → plan entries.
 * Pure: what the host has (its capabilities, its LSMs) arrives as facts.
 * Everything that can be refused is refused here, with its JSON path,
 * before the host is touched.
 */
import path from "node:path";
import type { Spec } from "../spec/types.js";
import { escapePointer } from "../spec/validate.js";
import { PlanError } from "./mounts.js";
import {
  CAPABILITIES, CLONE_FLAGS, IOPRIO_CLASSES, PERSONALITY_DOMAINS, RLIMITS, SCHED_FLAGS, SCHED_POLICIES, SYSCTL_NAMESPACES,
} from "./tables.js";

/** What the host offers that the plan depends on (read by src/host/facts.ts). */
export interface SecurityFacts {
  /** /proc/sys/kernel/cap_last_cap */
  capLastCap: number;
  /** the capabilities runts itself holds (CapBnd ∩ CapPrm): no container can get more */
  capAvailable: bigint;
  apparmor: boolean;
  selinux: boolean;
  /** namespace types the config joins by a path that is runts' own, i.e. the host's (src/host/facts.ts hostJoins) */
  hostNamespaces?: string[];
}

export const CAP_SETS = ["bounding", "effective", "inheritable", "permitted", "ambient"] as const;
export type CapSets = Record<(typeof CAP_SETS)[number], bigint>;

export interface Rlimit { resource: number; soft: bigint; hard: bigint }
export interface Sysctl { key: string; path: string; value: string }
export interface SchedAttr { policy: number; flags: bigint; nice: number; priority: number; runtime: bigint; deadline: bigint; period: bigint }

/** RLIM_INFINITY, and the largest value a u64 holds */
export const U64_MAX = (1n << 64n) - 1n;

/**
 * The five capability sets as masks; undefined when the config leaves
 * capabilities alone (runc: untouched). A capability that cannot be granted
 * (a name runts or this kernel does not know, one runts does not hold) is
 * left out and said in `warnings`: config.md "MUST be logged as a warning"
 * and "SHOULD NOT fail"; runc 1.1 does the same.
 */
export function planCaps(spec: Spec, host: SecurityFacts, warnings: string[] = []): CapSets | undefined {
  const caps = spec.process?.capabilities;
  if (!caps) return undefined;
  const sets = {} as CapSets;
  for (const set of CAP_SETS) {
    sets[set] = 0n;
    (caps[set] ?? []).forEach((name, i) => {
      const why = ungrantable(name, host);
      if (why) warnings.push(`config.json: /process/capabilities/${set}/${i}: \`${name}\` ${why}: left out`);
      else sets[set] |= 1n << BigInt(CAPABILITIES.indexOf(name));
    });
  }
  // the kernel raises an ambient capability only when it is also
  // inheritable and permitted; runc skips the others rather than fail, and
  // `runc spec` writes ambient capabilities with no inheritable set
  sets.ambient &= sets.inheritable & sets.permitted;
  return sets;
}

/** why a capability cannot be granted here, or undefined */
function ungrantable(name: string, host: SecurityFacts): string | undefined {
  const bit = CAPABILITIES.indexOf(name);
  if (bit < 0) return "is not a capability runts knows";
  if (bit > host.capLastCap) return `is not known to this kernel (its cap_last_cap is ${host.capLastCap})`;
  if ((host.capAvailable & (1n << BigInt(bit))) === 0n) return "is not held by runts on this host (not in its bounding and permitted sets)";
  return undefined;
}

/** numbers as JSON gives them: anything at or past 2^64-1 is RLIM_INFINITY */
export function toU64(n: number): bigint {
  return n >= 2 ** 64 - 1 ? U64_MAX : BigInt(Math.trunc(n));
}

export function planRlimits(spec: Spec): Rlimit[] {
  return (spec.process?.rlimits ?? []).map((r, i) => {
    const soft = toU64(r.soft);
    const hard = toU64(r.hard);
    if (soft > hard) throw new PlanError(`/process/rlimits/${i}`, `soft limit ${r.soft} is above the hard limit ${r.hard}`);
    return { resource: RLIMITS[r.type], soft, hard };
  });
}

/**
 * Only sysctls of a namespace the container has to itself (runc's rules):
 * a new one, or one joined by path (then it is another container's, not
 * the host's; runc checks the same). kernel.hostname would fight the
 * config's own hostname field, so it is refused, as runc does.
 */
export function planSysctls(spec: Spec, hostNamespaces: readonly string[] = []): Sysctl[] {
  return Object.entries(spec.linux?.sysctl ?? {}).map(([key, value]) => {
    const where = `/linux/sysctl/${escapePointer(key)}`;
    if (!/^[a-z0-9_]+(?:[./][a-zA-Z0-9_-]+)+$/.test(key)) throw new PlanError(where, `\`${key}\` is not a sysctl name`);
    if (key === "kernel.hostname") throw new PlanError(where, "`kernel.hostname` is set by the `hostname` field: use that");
    const ns = SYSCTL_NAMESPACES.find(([k]) => (k.endsWith(".") ? key.startsWith(k) : key === k))?.[1];
    if (!ns) throw new PlanError(where, `\`${key}\` is not in a namespace of the container's own: it would change the host`);
    if (!(spec.linux?.namespaces ?? []).some((n) => n.type === ns))
      throw new PlanError(where, `\`${key}\` needs a ${ns} namespace of the container's own (add {"type": "${ns}"} to /linux/namespaces)`);
    // a path may name the host's own namespace (/proc/1/ns/net): writing there changes the host (runc checks the same)
    if (hostNamespaces.includes(ns)) throw new PlanError(where, `\`${key}\` would change the host: the ${ns} namespace the config joins is the host's own`);
    // "net.ipv4.conf.eth0/1.rp_filter": a slash stands for a dot inside one name (sysctl(8))
    const file = key.split(".").map((part) => part.replace(/\//g, ".")).join("/");
    return { key, path: path.posix.join("/proc/sys", file), value };
  });
}

/** maskedPaths and readonlyPaths, normalized; a path must be absolute */
export function planPaths(spec: Spec, field: "maskedPaths" | "readonlyPaths"): string[] {
  return (spec.linux?.[field] ?? []).map((p, i) => {
    if (!p.startsWith("/")) throw new PlanError(`/linux/${field}/${i}`, "must be an absolute path");
    return path.posix.resolve(p);
  });
}

/** AppArmor and SELinux: applied when the host has the LSM, refused clearly when not */
export function planLsm(spec: Spec, host: SecurityFacts): { apparmor?: string; selinux?: string; mountLabel?: string } {
  const apparmor = spec.process?.apparmorProfile || undefined;
  const selinux = spec.process?.selinuxLabel || undefined;
  const mountLabel = spec.linux?.mountLabel || undefined;
  if (apparmor && !host.apparmor)
    throw new PlanError("/process/apparmorProfile", `AppArmor profile \`${apparmor}\` asked for, but AppArmor is not enabled on this host (no /sys/module/apparmor/parameters/enabled = Y)`);
  if (selinux && !host.selinux)
    throw new PlanError("/process/selinuxLabel", `SELinux label \`${selinux}\` asked for, but SELinux is not enabled on this host (no selinuxfs at /sys/fs/selinux)`);
  if (mountLabel && !host.selinux)
    throw new PlanError("/linux/mountLabel", `mount label \`${mountLabel}\` asked for, but SELinux is not enabled on this host (no selinuxfs at /sys/fs/selinux)`);
  return { apparmor, selinux, mountLabel };
}

export function planPersonality(spec: Spec): number | undefined {
  const p = spec.linux?.personality;
  if (!p) return undefined;
  if ((p.flags ?? []).length > 0) throw new PlanError("/linux/personality/flags", "no personality flags are defined by the runtime-spec");
  return PERSONALITY_DOMAINS[p.domain];
}

export function planScheduler(spec: Spec): SchedAttr | undefined {
  const s = spec.process?.scheduler;
  if (!s) return undefined;
  const policy = SCHED_POLICIES[s.policy];
  if (policy === undefined) throw new PlanError("/process/scheduler/policy", `\`${s.policy}\` is not a scheduling policy Linux has`);
  // sched_attr's priority is unsigned: a negative one would reach the kernel as 4294967295
  if ((s.priority ?? 0) < 0) throw new PlanError("/process/scheduler/priority", `${s.priority} is not a priority: it must not be negative`);
  const flags = (s.flags ?? []).reduce((f, name) => f | BigInt(SCHED_FLAGS[name]), 0n);
  return {
    policy, flags, nice: s.nice ?? 0, priority: s.priority ?? 0,
    runtime: toU64(s.runtime ?? 0), deadline: toU64(s.deadline ?? 0), period: toU64(s.period ?? 0),
  };
}

/** ioprio_set's value: class in bits 13-15, level below */
export function planIoPriority(spec: Spec): number | undefined {
  const io = spec.process?.ioPriority;
  return io ? (IOPRIO_CLASSES[io.class] << 13) | io.priority : undefined;
}

/** a cpu list ("0-3,7") as the bytes of a cpu_set_t of 1024 cpus */
export function cpuMask(list: string, where: string): Buffer {
  const mask = Buffer.alloc(128);
  for (const part of list.split(",")) {
    const m = /^\s*(\d+)(?:-(\d+))?\s*$/.exec(part);
    const lo = m ? Number(m[1]) : NaN;
    const hi = m?.[2] !== undefined ? Number(m[2]) : lo;
    if (!m || hi < lo || hi >= 1024) throw new PlanError(where, `\`${list}\` is not a list of cpus such as 0-3,7 (below 1024)`);
    for (let cpu = lo; cpu <= hi; cpu++) mask[cpu >> 3] |= 1 << (cpu & 7);
  }
  return mask;
}

/** the affinity the process runs with after it is in its cgroup: `final` (`initial` is the runtime's, before) */
export function planCpuAffinity(spec: Spec): Buffer | undefined {
  const final = spec.process?.execCPUAffinity?.final;
  return final ? cpuMask(final, "/process/execCPUAffinity/final") : undefined;
}

/** linux.timeOffsets → the text /proc/self/timens_offsets takes, for a new time namespace only */
export function planTimeOffsets(spec: Spec, cloneFlags: number): string | undefined {
  const offsets = Object.entries(spec.linux?.timeOffsets ?? {});
  if (offsets.length === 0) return undefined;
  if ((cloneFlags & CLONE_FLAGS.time) === 0)
    throw new PlanError("/linux/timeOffsets", 'needs a new time namespace: add {"type": "time"} to /linux/namespaces');
  return offsets.map(([clock, o]) => {
    if (clock !== "monotonic" && clock !== "boottime") throw new PlanError(`/linux/timeOffsets/${clock}`, "only monotonic and boottime clocks have offsets");
    return `${clock} ${o.secs ?? 0} ${o.nanosecs ?? 0}\n`;
  }).join("");
}
