/**
 * exec.ts: start a process in a container that is created or running. It
 * joins every namespace of the container (pid included: runts-init's
 * clone3 after setns puts it there), its cgroup, and gets its own process
 * object's user, capabilities, rlimits, LSM labels and the container's
 * seccomp filter (src/plan/exec.ts). Detached, runts returns once the
 * process has exec'd and its pid is in --pid-file; in the foreground it
 * exits with the process's status, as `runc exec` does.
 */
import type { Host } from "../host/host.js";
import type { ContainerRecord } from "../host/state.js";
import { joinCgroup, keepCgroupJoinFast } from "../host/cgroupfs.js";
import { readCgroupFacts } from "../host/cgroups.js";
import { readSecurityFacts } from "../host/facts.js";
import { compileSeccomp } from "../host/seccomp.js";
import { encodePlan } from "../native/wire.js";
import { checkExecProcess, execCgroupDirs, planExec } from "../plan/exec.js";
import { PlanError } from "../plan/mounts.js";
import type { Process, Spec } from "../spec/types.js";
import { formatProblems, validateConfig } from "../spec/validate.js";
import { loadSpec } from "./bundle.js";
import { inheritedFds, listenerMessage, writePidFile } from "./create.js";
import { RuntimeError } from "./errors.js";
import { launch, type Launched } from "./launch.js";
import { fault, initFault } from "./fault.js";
import { withLock } from "./locked.js";
import { forwardSignals } from "./run.js";
import { statusOf } from "./status.js";
import { checkTerminal } from "./terminal.js";

export interface ExecOptions {
  id: string;
  /** the process to start, given the container's config (runc's getProcess starts from its process) */
  process: (spec: Spec) => Process;
  /** where the process came from, for messages: `--process FILE` or "the command line" */
  source: string;
  detach: boolean;
  pidFile?: string;
  consoleSocket?: string;
  preserveFds: number;
  /** --cgroup: sub-cgroups to run in */
  cgroups: string[];
  ignorePaused: boolean;
  /** where what cannot be had (a capability) is said */
  warn?: (msg: string) => void;
}

export async function exec(host: Host, opts: ExecOptions): Promise<number> {
  // shared: execs may start side by side, but a delete, kill or pause waits
  // until the process has joined the container (it joins through the init's
  // /proc/PID/ns, which must stay that init's); not held while it runs
  const { launched, process } = await withLock(host, opts.id, "shared", () => launchLocked(host, opts));
  if (opts.detach) return (await launched.exited) === 0 ? 0 : 1;
  return forwardSignals(host, launched, process.terminal === true);
}

async function launchLocked(host: Host, opts: ExecOptions): Promise<{ launched: Launched; process: Process }> {
  const record = runnable(host, opts);
  // now: the keeper's first write waits out a grace period while the rest runs
  const stopKeeping = record.cgroup ? keepCgroupJoinFast(readCgroupFacts()) : () => undefined;
  try {
    return await launchKeepingJoinFast(host, opts, record);
  } finally {
    stopKeeping();
  }
}

async function launchKeepingJoinFast(host: Host, opts: ExecOptions, record: ContainerRecord): Promise<{ launched: Launched; process: Process }> {
  const spec = record.spec ?? loadSpec(record.bundle);
  const process = opts.process(spec);
  checkTerminal(process.terminal === true, opts.detach, opts.consoleSocket);
  checkExecProcess(process, opts.source);
  const dirs = record.cgroup ? execCgroupDirs(record.cgroup.dirs, opts.cgroups) : [];
  const extraFds = inheritedFds(opts.preserveFds);
  const plan = inSource(opts.source, () => planExec({
    spec, process, id: opts.id, initPid: record.pid, foreground: !opts.detach,
    consoleSocket: opts.consoleSocket, noNewKeyring: record.noNewKeyring, joinCgroup: dirs.length > 0,
    host: readSecurityFacts(),
  }));
  for (const w of plan.warnings) opts.warn?.(w);
  if (plan.seccomp) plan.seccomp.program = compileSeccomp(plan.seccomp.profile);
  encodePlan(plan);
  plan.fault = initFault();
  fault("exec.before-launch");
  const launched = await launch(plan, {
    preserveFds: extraFds.total,
    joinCgroup: (pid) => joinCgroup(dirs, pid, host.cgroups),
    seccompState: (pid) => listenerMessage(spec, plan, pid, { id: opts.id, status: statusOf(record, host), pid: record.pid, bundle: record.bundle }),
  });
  try {
    fault("exec.before-pid-file");
    if (opts.pidFile) writePidFile(opts.pidFile, launched.pid);
  } catch (err) {
    await launched.abort(); // the process is killed: nobody would know its pid
    throw err;
  }
  launched.commit();
  return { launched, process };
}

/** runc's refusals (exec.go), with the status a client reads in `state` */
function runnable(host: Host, opts: ExecOptions): ContainerRecord {
  const record = host.store.read(opts.id);
  const status = statusOf(record, host);
  if (record === null) throw new RuntimeError(`cannot exec in a container that is still being created: \`${opts.id}\``);
  if (status === "stopped") throw new RuntimeError("cannot exec in a stopped container");
  if (status === "paused" && !opts.ignorePaused) throw new RuntimeError("cannot exec in a paused container (use --ignore-paused to override)");
  return record;
}

/** the planner names config.json paths; a --process file's are its own */
function inSource<T>(source: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (!(err instanceof PlanError) || !err.jsonPath.startsWith("/process")) throw err;
    throw new RuntimeError(`${source}: ${err.jsonPath.replace(/^\/process/, "")}: ${err.detail}`);
  }
}

/** `--process FILE`: an OCI process object, checked against the schema */
export function parseProcess(text: string, source: string): Process {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new RuntimeError(`${source}: invalid JSON: ${(err as Error).message}`);
  }
  // the schema knows a process only inside a config: check one, keep what it says of the process
  const result = validateConfig({ ociVersion: "1.3.0", process: raw });
  const problems = result.ok ? [] : result.problems.filter((p) => p.path.startsWith("/process")).map((p) => ({ ...p, path: p.path.replace(/^\/process/, "") || "/" }));
  if (problems.length > 0) throw new RuntimeError(formatProblems(source, problems));
  return raw as Process;
}

export interface ProcessFlags {
  args: string[];
  cwd?: string;
  env: string[];
  tty?: boolean;
  user?: string;
  additionalGids: string[];
  caps: string[];
  noNewPrivs?: boolean;
  apparmor?: string;
  processLabel?: string;
}

/** no --process: the container's own process with the flags' changes (runc's getProcess) */
export function processFromFlags(spec: Spec, f: ProcessFlags): Process {
  const base = structuredClone(spec.process ?? { cwd: "/" });
  const p: Process = { ...base, args: f.args, terminal: f.tty === true };
  if (f.cwd) p.cwd = f.cwd;
  if (f.apparmor) p.apparmorProfile = f.apparmor;
  if (f.processLabel) p.selinuxLabel = f.processLabel;
  if (f.caps.length > 0) {
    // never the inheritable set (CVE-2022-29162): ambient ones are then
    // raised only if the config already made them inheritable (the planner
    // keeps ambient & inheritable), so a non-root user gets none across execve
    const caps = { ...(p.capabilities ?? {}) };
    for (const set of ["bounding", "effective", "permitted", "ambient"] as const) caps[set] = [...(caps[set] ?? []), ...f.caps];
    p.capabilities = caps;
  }
  p.env = [...(p.env ?? []), ...f.env];
  if (f.noNewPrivs !== undefined) p.noNewPrivileges = f.noNewPrivs;
  p.user = { ...(p.user ?? { uid: 0, gid: 0 }), ...parseUser(f.user) };
  if (f.additionalGids.length > 0) p.user.additionalGids = [...(p.user.additionalGids ?? []), ...f.additionalGids.map((g) => id(g, "--additional-gids"))];
  return p;
}

/** `--user uid[:gid]`, numbers only, as runc takes them */
function parseUser(user: string | undefined): { uid?: number; gid?: number } {
  if (!user) return {};
  const [uid, gid] = user.split(":", 2);
  return { uid: id(uid, "--user"), ...(gid !== undefined ? { gid: id(gid, "--user") } : {}) };
}

function id(text: string, flag: string): number {
  if (!/^\d+$/.test(text) || Number(text) > 0xffffffff) throw new RuntimeError(`\`${flag}\`: \`${text}\` is not a numeric id`);
  return Number(text);
}
