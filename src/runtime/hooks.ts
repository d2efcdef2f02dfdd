/**
 * hooks.ts: the OCI hooks runts runs itself, in the runtime namespace
 * (runtime-spec v1.3.0: config.md "POSIX-platform Hooks", runtime.md
 * "Lifecycle"). The lifecycle's steps, and what a failure does there:
 *
 *   3-4  prestart, createRuntime  during create, when the init asks
 *        (HOOKS_REQ, launch.ts): namespaces and mounts exist, pivot_root
 *        has not happened; a failure fails create and leaves nothing
 *   5    createContainer          C, in the container (native/hooks.c)
 *   7    startContainer           C, at start, before execve
 *   9    poststart                here, once execve succeeded; a failure
 *        fails start, which stops and destroys the container
 *   13   poststop                 after the container is destroyed (delete,
 *        run); a failure is only a warning and the rest still run
 *
 * Every hook gets the state JSON on stdin, exactly its args and env, and
 * its timeout. Its stdout is dropped (create and start print nothing on
 * stdout, CONTRACT.md); the start of its stderr goes into the error.
 */
import { childProcess } from "../host/builtins.js";
import { constants } from "node:os";
import type { ContainerRecord } from "../host/state.js";
import { hookFailure, type HookOutcome } from "../native/messages.js";
import { hooksAck } from "../native/wire.js";
import type { Hook, HookName, Spec } from "../spec/types.js";
import { RuntimeError, messageOf } from "./errors.js";

export type Warn = (msg: string) => void;

/** the spec's state (runtime.md "State"), what a hook reads on stdin */
export interface HookState {
  ociVersion: string;
  id: string;
  status: "creating" | "created" | "running" | "stopped";
  pid: number;
  bundle: string;
  annotations?: Record<string, string>;
}

/** what the state is made of, from the config during create or from state.json later */
export type StateBase = Pick<ContainerRecord, "ociVersion" | "id" | "bundle" | "annotations">;

/** the start of a hook's stderr kept for the message */
const STDERR_KEEP = 1024;
/** once the hook has exited, how long a child it left holding its stdio may keep us */
const LINGER_MS = 100;

/** the spec's key order; annotations left out when empty, as runc does */
export function hookState(base: StateBase, status: HookState["status"], pid: number): HookState {
  const annotations = base.annotations ?? {};
  return {
    ociVersion: base.ociVersion, id: base.id, status, pid, bundle: base.bundle,
    ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
  };
}

/** the hooks of one kind, in order; the first failure is thrown */
export async function runHooks(kind: HookName, hooks: readonly Hook[] | undefined, state: HookState): Promise<void> {
  const json = JSON.stringify(state);
  for (const [i, hook] of (hooks ?? []).entries()) await runHook(kind, i, hook, json);
}

/** poststop: a failure is a warning and the next hook still runs (runtime.md lifecycle step 13) */
export async function runHooksWarning(kind: HookName, hooks: readonly Hook[] | undefined, state: HookState, warn: Warn): Promise<void> {
  const json = JSON.stringify(state);
  for (const [i, hook] of (hooks ?? []).entries()) {
    try {
      await runHook(kind, i, hook, json);
    } catch (err) {
      warn(messageOf(err));
    }
  }
}

/**
 * HOOKS_REQ: prestart, then createRuntime, both with the state "creating"
 * and the init's host pid. The answer (HOOKS_ACK) carries the state C gives
 * its own hooks: "creating" for createContainer, "created" for startContainer,
 * with the pid as the container sees it (runtime.md "State": hooks in the
 * container namespace get the pid as seen there; 1 in a pid namespace of its own).
 */
export async function createHooks(spec: Spec, base: StateBase, pid: number, containerPid = pid): Promise<Buffer> {
  const creating = hookState(base, "creating", pid);
  await runHooks("prestart", spec.hooks?.prestart, creating);
  await runHooks("createRuntime", spec.hooks?.createRuntime, creating);
  return hooksAck(JSON.stringify(hookState(base, "creating", containerPid)), JSON.stringify(hookState(base, "created", containerPid)));
}

/** poststop once the container is gone: status "stopped", pid 0 (as `state` says then) */
export function poststop(base: StateBase, hooks: readonly Hook[] | undefined, warn: Warn): Promise<void> {
  return runHooksWarning("poststop", hooks, hookState(base, "stopped", 0), warn);
}

/** one hook; rejects with a RuntimeError of kind "hook" naming the kind, index, path, cause and stderr */
export function runHook(kind: string, index: number, hook: Hook, state: string): Promise<void> {
  return new Promise((resolve, reject) => {
    // execv's argv: args[0] is argv[0]; without args, the path alone (as Go's exec.Cmd)
    const argv = hook.args?.length ? hook.args : [hook.path];
    const child = childProcess().spawn(hook.path, argv.slice(1), { argv0: argv[0], env: envOf(hook.env), stdio: ["pipe", "ignore", "pipe"] });
    let stderr = "";
    let timedOut = false;
    let linger: NodeJS.Timeout | undefined;
    const fail = (o: HookOutcome) => reject(new RuntimeError(hookFailure(kind, index, hook.path, o, stderr), { kind: "hook" }));
    const timer = hook.timeout ? setTimeout(() => { timedOut = true; child.kill("SIGKILL"); }, hook.timeout * 1000) : undefined;
    child.stderr.on("data", (b: Buffer) => { stderr = (stderr + b.toString()).slice(0, STDERR_KEEP); });
    // a hook need not read its state: EPIPE is neither its failure nor ours (runc ignores it too)
    child.stdin.on("error", () => undefined);
    child.stdin.end(state);
    child.on("error", (err: NodeJS.ErrnoException) => { clearTimeout(timer); fail({ errno: -(err.errno ?? 0) }); });
    // a child the hook left behind may hold its stdio open: "close" would wait for it
    child.on("exit", () => { linger = setTimeout(() => { child.stdin.destroy(); child.stderr.destroy(); }, LINGER_MS); });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      clearTimeout(linger);
      if (timedOut) fail({ timeout: hook.timeout! });
      else if (signal) fail({ signal: constants.signals[signal] });
      else if (code !== 0) fail({ exit: code ?? 0 });
      else resolve();
    });
  });
}

/** the hook's environment, exactly the config's: nothing of ours is inherited */
function envOf(env: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of env ?? []) {
    const eq = e.indexOf("=");
    out[e.slice(0, eq)] = e.slice(eq + 1);
  }
  return out;
}
