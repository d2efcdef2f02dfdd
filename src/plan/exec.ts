/**
 * exec.ts: the plan of a process started in a running container (`runts
 * exec`), pure. The container's config decides the namespaces, seccomp and
 * personality; the process object (`--process`, or the config's process
 * changed by the flags, as runc's exec.go getProcess) decides the rest.
 * Nothing of the container's filesystem is set up again: joining its mount
 * namespace puts the process in its root (protocol.h FLAG_EXEC).
 */
import path from "node:path";
import type { Process, Spec } from "../spec/types.js";
import { RuntimeError } from "../runtime/errors.js";
import { FLAG_CGROUP, FLAG_EXEC, FLAG_TERMINAL, FLAG_WAIT, keyringName, processFields, terminal, type InitPlan, type Join } from "./plan.js";
import { planSeccomp } from "./seccomp.js";
import { planCaps, planCpuAffinity, planIoPriority, planLsm, planPersonality, planRlimits, planScheduler, type SecurityFacts } from "./security.js";
import { CLONE_FLAGS, NS_FILES } from "./tables.js";

export interface ExecInput {
  /** the container's config as it was created */
  spec: Spec;
  process: Process;
  id: string;
  /** the container's init, whose /proc/PID/ns/* are joined */
  initPid: number;
  foreground: boolean;
  consoleSocket?: string;
  /** the container was created with --no-new-keyring */
  noNewKeyring?: boolean;
  /** runts moves the process into the container's cgroup (CGROUP_REQ) */
  joinCgroup: boolean;
  host: SecurityFacts;
}

export function planExec(input: ExecInput): InitPlan {
  const proc = input.process;
  const spec: Spec = { ...input.spec, process: proc };
  const { mountLabel: _unused, ...lsm } = planLsm(spec, input.host);
  const warnings: string[] = [];
  return {
    rootfs: "",
    stateDir: "",
    cloneFlags: 0,
    joins: containerNamespaces(input.spec, input.initPid),
    mounts: [],
    rootPropagation: 0,
    rootReadonly: false,
    noPivot: false,
    ...processFields(proc),
    flags: FLAG_EXEC | (input.foreground ? FLAG_WAIT : 0) | (input.joinCgroup ? FLAG_CGROUP : 0) | (proc.terminal ? FLAG_TERMINAL : 0),
    uidMappings: [],
    gidMappings: [],
    devices: [],
    caps: planCaps(spec, input.host, warnings),
    noNewPrivileges: proc.noNewPrivileges === true,
    rlimits: planRlimits(spec),
    oomScoreAdj: proc.oomScoreAdj,
    sysctls: [],
    maskedPaths: [],
    readonlyPaths: [],
    seccomp: planSeccomp(spec.linux?.seccomp),
    ...lsm,
    personality: planPersonality(spec),
    scheduler: planScheduler(spec),
    ioPriority: planIoPriority(spec),
    cpuAffinity: planCpuAffinity(spec),
    ...terminal(spec, input.consoleSocket),
    keyring: keyringName(input.id, input.noNewKeyring),
    hooks: [], // hooks are the container's lifecycle, not an exec's (runc runs none for exec)
    warnings,
  };
}

/**
 * Every namespace the container has, new or joined, through its init: the
 * init's /proc/PID/ns/<name> is the namespace whatever path made it. A type
 * the config does not list is the host's, which runts is in already.
 */
function containerNamespaces(spec: Spec, pid: number): Join[] {
  return (spec.linux?.namespaces ?? []).map((n) => ({ type: n.type, flag: CLONE_FLAGS[n.type], path: `/proc/${pid}/ns/${NS_FILES[n.type]}` }));
}

/** runc's validateProcessSpec, with JSON paths of the process object */
export function checkExecProcess(proc: Process, source: string): void {
  if (!proc.args?.length) throw new RuntimeError(`${source}/args: must not be empty: say what to run`);
  if (!proc.cwd) throw new RuntimeError(`${source}/cwd: must not be empty`);
  if (!path.isAbsolute(proc.cwd)) throw new RuntimeError(`${source}/cwd: \`${proc.cwd}\` must be an absolute path`);
}

/**
 * `--cgroup PATH` or `--cgroup CONTROLLER[,CONTROLLER]:PATH` (runc exec): a
 * sub-cgroup of the container's that must exist already. Returns the
 * directories to join: the container's own, with the named ones replaced.
 */
export function execCgroupDirs(dirs: Record<string, string>, specs: string[]): string[] {
  const chosen = { ...dirs };
  for (const s of specs) {
    const colon = s.indexOf(":");
    const sub = colon < 0 ? s : s.slice(colon + 1);
    const controllers = colon < 0 ? Object.keys(dirs) : s.slice(0, colon).split(",");
    if (sub === "" || path.isAbsolute(sub) || sub.split("/").includes(".."))
      throw new RuntimeError(`\`--cgroup ${s}\`: the sub-cgroup must be a relative path inside the container's cgroup`);
    for (const c of controllers) {
      if (!(c in dirs)) throw new RuntimeError(`\`--cgroup ${s}\`: the container has no \`${c}\` cgroup`);
      chosen[c] = path.join(dirs[c], sub);
    }
  }
  return [...new Set(Object.values(chosen))];
}
