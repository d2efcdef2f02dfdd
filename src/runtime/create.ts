/**
 * create.ts: config.json → validated spec → plan → a container whose init is
 * set up and blocked until `start`. Order matters: everything that can be
 * refused is refused before the state dir exists; from the state dir on,
 * any failure removes all of it: the state dir and the cgroup (the init
 * itself does so if runts dies), then runs the poststop hooks, as a
 * destroyed container does (runtime.md: a failing create hook "stop[s] the
 * container, and continue[s] the lifecycle at step 12").
 */
import { renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Host } from "../host/host.js";
import type { CgroupRecord } from "../host/cgroupfs.js";
import { joinCgroup, keepCgroupJoinFast } from "../host/cgroupfs.js";
import type { ContainerRecord } from "../host/state.js";
import { readCgroupFacts } from "../host/cgroups.js";
import { hostJoins, readSecurityFacts } from "../host/facts.js";
import { compileSeccomp } from "../host/seccomp.js";
import { isCallerFd } from "../host/proc.js";
import { encodePlan } from "../native/wire.js";
import { planInit, type HostFacts, type InitPlan } from "../plan/plan.js";
import type { CgroupFacts } from "../plan/cgroups.js";
import type { Spec } from "../spec/types.js";
import { loadSpec } from "./bundle.js";
import { clearPendingCgroup, notePendingCgroup, setUpCgroup, tearDownCgroup } from "./cgroup.js";
import { RuntimeError, describe } from "./errors.js";
import { checkTerminal } from "./terminal.js";
import { createHooks, poststop, type StateBase, type Warn } from "./hooks.js";
import { launch, type Launched } from "./launch.js";
import { fault, initFault } from "./fault.js";

export interface CreateOptions {
  id: string;
  bundle: string;
  pidFile?: string;
  consoleSocket?: string;
  noPivot: boolean;
  preserveFds: number;
  /** `run` without --detach: the init's parent waits for the container */
  foreground?: boolean;
  /** --systemd-cgroup: cgroupsPath is slice:prefix:name */
  systemdCgroup?: boolean;
  /** --no-new-keyring: the container stays in the caller's session keyring */
  noNewKeyring?: boolean;
  /** where a failing poststop hook is reported */
  warn?: Warn;
}

export interface Created { record: ContainerRecord; launched: Launched }

export async function create(host: Host, opts: CreateOptions): Promise<Created> {
  // first: the keeper's first write waits out a grace period while the rest runs
  const cgroups = readCgroupFacts();
  const stopKeeping = keepCgroupJoinFast(cgroups);
  try {
    return await createKeepingJoinFast(host, opts, cgroups);
  } finally {
    stopKeeping();
  }
}

async function createKeepingJoinFast(host: Host, opts: CreateOptions, cgroups: CgroupFacts): Promise<Created> {
  const bundle = path.resolve(opts.bundle);
  const spec = loadSpec(bundle);
  checkTerminal(spec.process?.terminal === true, opts.foreground !== true, opts.consoleSocket);
  const extraFds = inheritedFds(opts.preserveFds);
  const plan = planInit({
    spec, id: opts.id, bundle, stateDir: host.store.dir(opts.id), noPivot: opts.noPivot,
    foreground: opts.foreground === true, systemdCgroup: opts.systemdCgroup, host: hostFacts(spec, cgroups),
    consoleSocket: opts.consoleSocket, noNewKeyring: opts.noNewKeyring,
  });
  addListenFds(plan, extraFds.listen);
  for (const w of plan.warnings) opts.warn?.(w);
  // libseccomp refuses what the schema cannot know (an architecture, a rule): before the host changes
  if (plan.seccomp) plan.seccomp.program = compileSeccomp(plan.seccomp.profile);
  encodePlan(plan); // refuses NUL bytes now, before the host changes
  plan.fault = initFault();
  const base: StateBase = { ociVersion: spec.ociVersion, id: opts.id, bundle, annotations: spec.annotations ?? {} };
  fault("create.validated");
  // the id's lock, from mkdir until the state is recorded (or removed)
  const lock = host.store.reserve(opts.id);
  const dir = lock.dir;
  let launched: Launched | undefined;
  let cgroup: CgroupRecord | undefined;
  let pidFile: string | undefined;
  try {
    fault("create.reserved");
    // limits are written before the init joins, so they hold from its first instruction
    if (plan.cgroup) {
      notePendingCgroup(dir, plan.cgroup);
      cgroup = await setUpCgroup(plan.cgroup, spec.linux?.resources ?? {}, host.cgroups);
      plan.cgroup.owned = cgroup.owned; // runts-init removes these if runts dies
    }
    fault("create.cgroup");
    const seccompState = (pid: number) => listenerState(spec, opts.id, bundle, plan, pid);
    const leaves = plan.cgroup?.leaves ?? [];
    const join = (pid: number) => joinCgroup(leaves, pid, host.cgroups);
    const hooks = (pid: number) => createHooks(spec, base, pid, host.proc.nsPid(pid) ?? pid);
    launched = await launch(plan, { preserveFds: extraFds.total, seccompState, joinCgroup: join, hooks });
    const record = { ...recordOf(host, opts.id, bundle, plan, spec, launched.pid, dir, cgroup), ...(opts.noNewKeyring ? { noNewKeyring: true } : {}) };
    host.store.write(record);
    clearPendingCgroup(dir);
    fault("create.state-written");
    fault("create.before-pid-file");
    if (opts.pidFile) writePidFile((pidFile = opts.pidFile), launched.pid);
    fault("create.after-pid-file");
    fault("create.before-commit");
    launched.commit();
    fault("create.committed");
    if (!opts.foreground && (await launched.exited) !== 0) {
      const why = launched.failure();
      throw new RuntimeError(`unable to start container process: runts-init did not confirm the state${why ? `: ${why}` : ""}`);
    }
    return { record, launched };
  } catch (err) {
    await launched?.abort();
    await tearDownCgroup(cgroup, host.cgroups).catch(() => undefined); // the first error is the one to tell
    try { host.store.remove(opts.id, lock); } catch { /* the first error is the one to tell */ }
    if (pidFile) rmSync(pidFile, { force: true }); // it names a process that is gone
    await poststop(base, spec.hooks?.poststop, opts.warn ?? (() => undefined));
    throw err;
  } finally {
    lock.release();
  }
}

/** LISTEN_FDS (socket activation) come first, then --preserve-fds, as runc */
export function inheritedFds(preserve: number): { listen: number; total: number } {
  const listen = Number.parseInt(process.env.LISTEN_FDS ?? "", 10) || 0;
  const total = listen + preserve;
  for (let fd = 3; fd < 3 + total; fd++)
    if (!isCallerFd(fd)) throw new RuntimeError(`\`--preserve-fds\`: fd ${fd} was not passed to runts (LISTEN_FDS=${listen}, --preserve-fds ${preserve})`);
  return { listen, total };
}

function addListenFds(plan: InitPlan, listen: number): void {
  if (listen > 0) plan.env.push(`LISTEN_FDS=${listen}`, "LISTEN_PID=1");
}

function hostFacts(spec: Spec, cgroups: CgroupFacts): HostFacts {
  return { cgroups, security: { ...readSecurityFacts(), hostNamespaces: hostJoins(spec) } };
}

/** what the seccomp listener receives with the notify fd: the spec's
 * ContainerProcessState, the container still "creating" (runc sends the same) */
function listenerState(spec: Spec, id: string, bundle: string, plan: InitPlan, pid: number): Buffer {
  return listenerMessage(spec, plan, pid, { id, status: "creating", pid, bundle });
}

/** the ContainerProcessState the seccomp listener gets for the process `pid`, in a container whose state is `state` */
export function listenerMessage(spec: Spec, plan: InitPlan, pid: number, state: { id: string; status: string; pid: number; bundle: string }): Buffer {
  const full = { ociVersion: spec.ociVersion, ...state, annotations: spec.annotations ?? {} };
  return Buffer.from(JSON.stringify({
    ociVersion: spec.ociVersion, fds: ["seccompFd"], pid, metadata: plan.seccomp?.listenerMetadata ?? "", state: full,
  }));
}

function recordOf(host: Host, id: string, bundle: string, plan: InitPlan, spec: Spec, pid: number, dir: string, cgroup?: CgroupRecord): ContainerRecord {
  const pidStartTime = host.proc.startTime(pid);
  if (pidStartTime === null) throw new RuntimeError("unable to start container process: container init exited during setup");
  return {
    ociVersion: spec.ociVersion, id, pid, pidStartTime, bundle, rootfs: plan.rootfs,
    created: host.now().toISOString(), owner: "", annotations: spec.annotations ?? {},
    execSocket: path.join(dir, "exec.sock"),
    ...(cgroup ? { cgroup } : {}),
    // the bundle may have changed or be gone later: exec joins what this config
    // made and starts processes as it says; start and delete run its hooks
    spec,
  };
}

/** the bare pid, no newline (containerd parses it untrimmed), renamed into place */
export function writePidFile(file: string, pid: number): void {
  const target = path.resolve(file);
  const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, String(pid), { mode: 0o644 });
    renameSync(tmp, target);
  } catch (err) {
    throw new RuntimeError(`write pid file: ${describe(err)}`, { cause: err });
  }
}
