/**
 * fault.ts: a test-only switch that makes one named step of create, start,
 * exec or delete fail, or kills runts right there, so that tests can check
 * that a failure or a crash at that moment leaves nothing behind
 * (test/integration/faults.test.ts; README "Reliability").
 *
 *   RUNTS_TEST_FAULTS=1 RUNTS_FAULT=create.reserved       the step fails
 *   RUNTS_TEST_FAULTS=1 RUNTS_FAULT=kill:create.reserved  runts SIGKILLs itself there
 *
 * The `init.*` steps are runts-init's (native/main.c, child.c): runts puts
 * them in the plan (TAG_FAULT) and, for `kill:`, kills itself when the init
 * says it has reached the step (MSG_FAULT), so the init is held right there.
 *
 * Why two variables: a production binary keeps the switch (the tests drive
 * the real dist/runts, not a special build), but a stray RUNTS_FAULT in a
 * supervisor's environment alone must never break containers; only the
 * explicit, test-named RUNTS_TEST_FAULTS=1 turns it on. Anyone who can set
 * a root process's environment can already do worse than fail it.
 */
import { FaultMode, FIRST_FAULT_STEP, Step } from "../native/wire.js";
import { RuntimeError } from "./errors.js";

/** where each command can be made to fail: the name, and what has happened by then */
export const FAULT_STEPS: Record<string, string> = {
  "create.validated": "the config is valid and planned; nothing on the host yet",
  "create.reserved": "the state dir exists",
  "create.cgroup": "the cgroup is made and limited",
  "create.pid": "runts-init has cloned the container's init and sent its pid",
  "create.cgroup-ack": "runts moved the init into its cgroup and said so",
  "create.idmap-ack": "runts wrote the id maps and said so (user namespace only)",
  "create.seccomp-state": "runts sent the seccomp listener's state (listenerPath only)",
  "create.hooks-ack": "the prestart and createRuntime hooks ran (hooks only)",
  "create.state-written": "state.json is written",
  "create.before-pid-file": "state.json is written; the pid file is not",
  "create.after-pid-file": "the pid file is written",
  "create.before-commit": "all is recorded; runts-init has not been told",
  "create.committed": "runts-init was told; runts has not returned",
  "start.before-connect": "the container is created; start has not connected",
  "start.connected": "start connected and removed the exec socket",
  "exec.before-launch": "the exec is planned; no process yet",
  "exec.pid": "runts-init has cloned the process and sent its pid",
  "exec.cgroup-ack": "runts moved the process into the cgroup and said so",
  "exec.before-pid-file": "the process has exec'd; its pid file is not written",
  "delete.killed": "the init is dead; its cgroup and state dir remain",
  "delete.cgroup-removed": "the cgroup is gone; the state dir remains",
  "delete.before-state-removal": "all but the state dir is gone",
  // runts-init's (create puts them in the plan; exec too, for those marked)
  "init.decoded": "runts-init decoded the plan (create and exec)",
  "init.exec-socket": "runts-init bound <state>/exec.sock",
  "init.cloned": "runts-init cloned the init; its pid is not sent (create and exec)",
  "init.cgroup-joined": "the init is in its cgroup (create and exec)",
  "init.idmapped": "the init's id maps are written (user namespace only)",
  "init.mounted": "the init's mounts are made and it has pivoted",
  "init.before-ready": "the init is set up; READY is not sent (create and exec)",
  "init.committed": "runts-init got COMMIT and has not exited",
  "init.accepted": "at start: the init accepted start's connection",
  "init.before-exec": "the process is about to execve (start, and exec)",
};

/** the steps runts-init knows (protocol.h STEP_FAULT_*): their number by name */
export const INIT_FAULTS: Record<string, number> = Object.fromEntries(
  Object.entries(Step).filter(([n]) => Number(n) >= FIRST_FAULT_STEP).map(([n, name]) => [name, Number(n)]),
);

export interface Fault { step: string; kill: boolean }

/** the fault asked for, or undefined when the switch is off */
export function requestedFault(env: NodeJS.ProcessEnv = process.env): Fault | undefined {
  if (env.RUNTS_TEST_FAULTS !== "1" || !env.RUNTS_FAULT) return undefined;
  const kill = env.RUNTS_FAULT.startsWith("kill:");
  const step = kill ? env.RUNTS_FAULT.slice("kill:".length) : env.RUNTS_FAULT;
  // a misspelt step would make a test pass without testing anything
  if (!(step in FAULT_STEPS)) throw new RuntimeError(`\`RUNTS_FAULT=${env.RUNTS_FAULT}\`: no such step (src/runtime/fault.ts lists them)`);
  return { step, kill };
}

/** at a named step: fail, or die, when the switch names it */
export function fault(step: string): void {
  const f = requestedFault();
  if (f?.step !== step) return;
  if (f.kill) killSelf();
  throw new RuntimeError(`injected fault at \`${step}\` (RUNTS_FAULT)`);
}

/** the plan's TAG_FAULT: the init step and what to do there, when one is asked for */
export function initFault(): { step: number; mode: number } | undefined {
  const f = requestedFault();
  const step = f && INIT_FAULTS[f.step];
  return step === undefined ? undefined : { step, mode: f!.kill ? FaultMode.REPORT : FaultMode.FAIL };
}

/** the init reached the step of a `kill:` fault (MSG_FAULT): die now, as a crash would */
export function killSelf(): never {
  process.kill(process.pid, "SIGKILL");
  throw new Error("unreachable: SIGKILL returned");
}
