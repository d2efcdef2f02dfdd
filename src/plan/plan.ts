/**
 * plan.ts: Spec → InitPlan, pure. The planner never touches the disk: what
 * it needs to know of the host arrives as HostFacts. The plan is what
 * src/native/wire.ts encodes for native/ (C) to carry out after clone().
 */
import path from "node:path";
import type { Spec } from "../spec/types.js";
import { planMounts, type CgroupFacts } from "./mounts.js";
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
}

export interface HostFacts { cgroups?: CgroupFacts }

export interface PlanInput {
  spec: Spec;
  bundle: string;
  stateDir: string;
  noPivot: boolean;
  /** run in the foreground: P waits for the container (FLAG_WAIT) */
  foreground: boolean;
  host: HostFacts;
}

/** runc's umask when the config gives none */
const DEFAULT_UMASK = 0o022;
const FLAG_WAIT = 1;

export function planInit(input: PlanInput): InitPlan {
  const { spec } = input;
  const proc = spec.process!;
  const user = proc.user ?? { uid: 0, gid: 0 };
  const ns = namespaces(spec);
  return {
    rootfs: path.resolve(input.bundle, spec.root!.path),
    stateDir: input.stateDir,
    cloneFlags: ns.cloneFlags,
    joins: ns.joins,
    mounts: planMounts(spec, input.host, ns.cloneFlags),
    rootPropagation: PROPAGATION[spec.linux?.rootfsPropagation ?? ""] ?? 0,
    rootReadonly: spec.root!.readonly === true,
    noPivot: input.noPivot,
    hostname: spec.hostname ? spec.hostname : undefined,
    domainname: spec.domainname ? spec.domainname : undefined,
    cwd: proc.cwd,
    uid: user.uid,
    gid: user.gid,
    groups: user.additionalGids ?? [],
    umask: user.umask ?? DEFAULT_UMASK,
    args: proc.args ?? [],
    env: proc.env ?? [],
    flags: input.foreground ? FLAG_WAIT : 0,
    uidMappings: spec.linux?.uidMappings ?? [],
    gidMappings: spec.linux?.gidMappings ?? [],
  };
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
