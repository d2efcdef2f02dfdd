/**
 * plan.ts: Spec → InitPlan, pure. The planner never touches the disk: what
 * it needs to know of the host arrives as HostFacts. The plan is what
 * src/native/wire.ts encodes for native/ (C) to carry out after clone().
 */
import path from "node:path";
import type { ConsoleSize, Hook, HookName, Process, Spec } from "../spec/types.js";
import { planDevices, type DeviceOp } from "./devices.js";
import { planCgroup, type CgroupFacts, type CgroupPlan } from "./cgroups.js";
import { planMounts, PlanError } from "./mounts.js";
import { planSeccomp, type SeccompPlan } from "./seccomp.js";
import {
  planCaps, planCpuAffinity, planIoPriority, planLsm, planPaths, planPersonality, planRlimits, planScheduler, planSysctls,
  planTimeOffsets, type CapSets, type Rlimit, type SchedAttr, type SecurityFacts, type Sysctl,
} from "./security.js";
import { CLONE_FLAGS, PROPAGATION } from "./tables.js";

export interface MountOp {
  kind: "fs" | "bind" | "symlink" | "remount";
  source: string;
  destination: string;
  type: string;
  flags: number;
  propagation: number;
  data: string;
  /** index in config.json's mounts, for messages; undefined for ours */
  origin?: number;
}

/** a hook C runs (native/hooks.c); runts runs the other kinds (src/runtime/hooks.ts) */
export interface PlannedHook { kind: "createContainer" | "startContainer"; hook: Hook }

export interface Join { type: string; flag: number; path: string }
export interface IdMap { containerID: number; hostID: number; size: number }

export interface InitPlan {
  rootfs: string;
  stateDir: string;
  cloneFlags: number;
  joins: Join[];
  mounts: MountOp[];
  rootPropagation: number;
  rootReadonly: boolean;
  noPivot: boolean;
  hostname?: string;
  domainname?: string;
  cwd: string;
  uid: number;
  gid: number;
  groups: number[];
  umask?: number;
  args: string[];
  env: string[];
  flags: number;
  /** written by runts into /proc/PID/{uid,gid}_map; not sent to C */
  uidMappings: IdMap[];
  gidMappings: IdMap[];
  devices: DeviceOp[];
  /** undefined: the config leaves capabilities as they are (runc does the same) */
  caps?: CapSets;
  noNewPrivileges: boolean;
  rlimits: Rlimit[];
  oomScoreAdj?: number;
  sysctls: Sysctl[];
  maskedPaths: string[];
  readonlyPaths: string[];
  /** the profile to compile; `program` is filled in by create (src/host/seccomp.ts) before encoding */
  seccomp?: SeccompPlan & { program?: Buffer };
  apparmor?: string;
  selinux?: string;
  /** SELinux context of the container's own filesystems (tmpfs, devpts, mqueue): added to their data */
  mountLabel?: string;
  personality?: number;
  scheduler?: SchedAttr;
  ioPriority?: number;
  cpuAffinity?: Buffer;
  timeOffsets?: string;
  /** undefined on a host without cgroups; create fills in `owned` once the directories exist */
  cgroup?: CgroupPlan & { owned?: string[] };
  /** process.terminal: the host path the pty master goes to; none = to runts-init, which relays it (FLAG_WAIT) */
  consoleSocket?: string;
  consoleSize?: ConsoleSize;
  /** the session keyring the process joins; undefined with --no-new-keyring */
  keyring?: string;
  /** what the config asks and cannot be had here, left out: said as warnings (capabilities) */
  warnings: string[];
  /** createContainer then startContainer hooks, each kind in the config's order */
  hooks: PlannedHook[];
  /** tests only: where runts-init fails or stops (TAG_FAULT); set by src/runtime/fault.ts, never by the planner */
  fault?: { step: number; mode: number };
}

export interface HostFacts { cgroups?: CgroupFacts; security: SecurityFacts }


export interface PlanInput {
  spec: Spec;
  id: string;
  /** --systemd-cgroup: cgroupsPath is slice:prefix:name */
  systemdCgroup?: boolean;
  bundle: string;
  stateDir: string;
  noPivot: boolean;
  /** run in the foreground: P waits for the container (FLAG_WAIT) */
  foreground: boolean;
  /** --console-socket, for process.terminal */
  consoleSocket?: string;
  /** --no-new-keyring: stay in the caller's session keyring */
  noNewKeyring?: boolean;
  host: HostFacts;
}

/** runc's umask when the config gives none */
const DEFAULT_UMASK = 0o022;
export const FLAG_WAIT = 1;
/** C waits for runts to put it into its cgroup before anything else */
export const FLAG_CGROUP = 4;
/** runts exec: C joins, sets up the process and execs at once */
export const FLAG_EXEC = 8;
/** C opens a pty in the container (protocol.h "terminal") */
export const FLAG_TERMINAL = 16;
/** C asks runts to run its hooks before pivot_root, and for the state its own hooks read */
const FLAG_HOOKS = 64;
/** the kinds that need it: runts runs the first two then; C's own read the state that comes back */
const INIT_HOOKS: HookName[] = ["prestart", "createRuntime", "createContainer", "startContainer"];

/** linux fields runts does not apply (features.ts says so): refused, since a container without them is
 * not the one asked for (config.md "Valid values": an unsupported value MUST be an error) */
const UNSUPPORTED_LINUX = ["intelRdt", "memoryPolicy", "netDevices"] as const;

function refuseUnsupported(spec: Spec): void {
  const key = UNSUPPORTED_LINUX.find((k) => spec.linux?.[k] !== undefined);
  if (key) throw new PlanError(`/linux/${key}`, "is not supported by runts");
}

export function planInit(input: PlanInput): InitPlan {
  const { spec } = input;
  refuseUnsupported(spec);
  const proc = spec.process!;
  const ns = namespaces(spec);
  const lsm = planLsm(spec, input.host.security);
  const cgroup = input.host.cgroups && planCgroup({ spec, id: input.id, systemd: input.systemdCgroup === true, facts: input.host.cgroups });
  const warnings: string[] = [];
  return {
    rootfs: path.resolve(input.bundle, spec.root!.path),
    stateDir: input.stateDir,
    cloneFlags: ns.cloneFlags,
    joins: ns.joins,
    mounts: labelled(planMounts(spec, cgroup?.hierarchies ?? [], ns.cloneFlags, input.bundle), lsm.mountLabel),
    rootPropagation: PROPAGATION[spec.linux?.rootfsPropagation ?? ""] ?? 0,
    rootReadonly: spec.root!.readonly === true,
    noPivot: input.noPivot,
    hostname: uts(spec, "hostname", input.host.security),
    domainname: uts(spec, "domainname", input.host.security),
    ...processFields(proc),
    flags: (input.foreground ? FLAG_WAIT : 0) | (cgroup ? FLAG_CGROUP : 0) | (proc.terminal ? FLAG_TERMINAL : 0) | (hasHooks(spec, INIT_HOOKS) ? FLAG_HOOKS : 0),
    uidMappings: spec.linux?.uidMappings ?? [],
    gidMappings: spec.linux?.gidMappings ?? [],
    devices: planDevices(spec),
    caps: planCaps(spec, input.host.security, warnings),
    noNewPrivileges: proc.noNewPrivileges === true,
    rlimits: planRlimits(spec),
    oomScoreAdj: proc.oomScoreAdj,
    sysctls: planSysctls(spec, input.host.security.hostNamespaces),
    maskedPaths: planPaths(spec, "maskedPaths"),
    readonlyPaths: planPaths(spec, "readonlyPaths"),
    seccomp: planSeccomp(spec.linux?.seccomp),
    ...lsm,
    personality: planPersonality(spec),
    scheduler: planScheduler(spec),
    ioPriority: planIoPriority(spec),
    cpuAffinity: planCpuAffinity(spec),
    timeOffsets: planTimeOffsets(spec, ns.cloneFlags),
    ...(cgroup ? { cgroup } : {}),
    ...terminal(spec, input.consoleSocket),
    keyring: keyringName(input.id, input.noNewKeyring),
    hooks: planHooks(spec),
    warnings,
  };
}

/** what the process runs as and with: cwd, ids, umask (runc's when none), argv, environ */
export function processFields(proc: Process): Pick<InitPlan, "cwd" | "uid" | "gid" | "groups" | "umask" | "args" | "env"> {
  const user = proc.user ?? { uid: 0, gid: 0 };
  return {
    cwd: proc.cwd, uid: user.uid, gid: user.gid, groups: user.additionalGids ?? [],
    umask: user.umask ?? DEFAULT_UMASK, args: proc.args ?? [], env: proc.env ?? [],
  };
}

/** hostname and domainname, which a uts namespace joined by a path that is the host's own would give the host */
function uts(spec: Spec, field: "hostname" | "domainname", host: SecurityFacts): string | undefined {
  const value = spec[field];
  if (!value) return undefined;
  if (host.hostNamespaces?.includes("uts")) throw new PlanError(`/${field}`, "would change the host's: the uts namespace the config joins is the host's own");
  return value;
}

/** the terminal's fields, only when the process asks for one */
export function terminal(spec: Spec, consoleSocket: string | undefined): Pick<InitPlan, "consoleSocket" | "consoleSize"> {
  if (!spec.process?.terminal) return {};
  const size = spec.process.consoleSize;
  return { ...(consoleSocket ? { consoleSocket } : {}), ...(size ? { consoleSize: size } : {}) };
}

/** runc's name, so that exec joins the keyring its container made */
export function keyringName(id: string, noNewKeyring: boolean | undefined): string | undefined {
  return noNewKeyring ? undefined : `_ses.${id}`;
}

/** the hooks C runs, in the order it runs them */
function planHooks(spec: Spec): PlannedHook[] {
  return (["createContainer", "startContainer"] as const).flatMap((kind) => (spec.hooks?.[kind] ?? []).map((hook) => ({ kind, hook })));
}

export function hasHooks(spec: Spec, kinds: readonly HookName[]): boolean {
  return kinds.some((k) => (spec.hooks?.[k]?.length ?? 0) > 0);
}

/** filesystems that take an SELinux context= option (runc labels the same) */
const LABELLED = new Set(["tmpfs", "devpts", "mqueue"]);

function labelled(mounts: MountOp[], label: string | undefined): MountOp[] {
  if (!label) return mounts;
  return mounts.map((m) => (m.kind === "fs" && LABELLED.has(m.type) ? { ...m, data: [m.data, `context="${label}"`].filter(Boolean).join(",") } : m));
}

/** new namespaces become clone flags; ones with a path are joined */
function namespaces(spec: Spec): { cloneFlags: number; joins: Join[] } {
  let cloneFlags = 0;
  const joins: Join[] = [];
  for (const n of spec.linux?.namespaces ?? []) {
    const flag = CLONE_FLAGS[n.type];
    if (n.path) joins.push({ type: n.type, flag, path: n.path });
    else cloneFlags |= flag;
  }
  return { cloneFlags, joins };
}

/** a new user namespace needs its maps written by us, the parent */
export function needsIdMaps(plan: InitPlan): boolean {
  return (plan.cloneFlags & CLONE_FLAGS.user) !== 0;
}
