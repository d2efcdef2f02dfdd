/**
 * run.ts: create + start; in the foreground, wait for the container and
 * exit with its status (128+signal when killed), forwarding our signals to
 * it and deleting it afterwards, as `runc run` does.
 */
import type { Host } from "../host/host.js";
import type { ContainerRecord } from "../host/state.js";
import { create, type CreateOptions } from "./create.js";
import { destroy } from "./delete.js";
import type { Launched } from "./launch.js";
import { isKind } from "./errors.js";
import { signalIfAlive } from "./kill.js";
import { withLockIfAny } from "./locked.js";
import type { Warn } from "./hooks.js";
import { start } from "./start.js";
import { constants } from "node:os";

export interface RunOptions extends Omit<CreateOptions, "foreground"> { detach: boolean }

/** what a terminal or a supervisor sends runts, passed on to the container */
const FORWARDED = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGWINCH"] as const;

export async function run(host: Host, opts: RunOptions): Promise<number> {
  const { launched, record } = await create(host, { ...opts, foreground: !opts.detach });
  try {
    await start(host, opts.id, opts.warn);
  } catch (err) {
    // a failing hook: start has already stopped and destroyed the container
    if (!opts.detach && !isKind(err, "hook")) await cleanup(host, opts.id, record, opts.warn);
    throw err;
  }
  if (opts.detach) return 0;
  const code = await forwardSignals(host, launched, record.spec?.process?.terminal === true);
  await destroyOurs(host, opts.id, record, opts.warn);
  return code;
}

/**
 * Destroy the container this run made, under its lock, unless another runts
 * got there first: a `delete` of it (after it stopped, or --force) has
 * destroyed it and run its poststop hooks, which must not run twice; and
 * the id may since name a newer container, which is not ours to destroy.
 */
async function destroyOurs(host: Host, id: string, record: ContainerRecord, warn?: Warn): Promise<void> {
  await withLockIfAny(host, id, async (lock) => {
    const now = host.store.read(id);
    if (now?.pid === record.pid && now.created === record.created) await destroy(host, id, record, lock, warn);
  }, undefined);
}

/**
 * In the foreground: pass our signals on to the process until it exits, and
 * return its status. With a relayed terminal the window size is runts-init's
 * business (it copies the host terminal's size to the pty), so SIGWINCH goes there.
 */
export async function forwardSignals(host: Host, launched: Launched, terminal: boolean): Promise<number> {
  const forward = (sig: NodeJS.Signals) => {
    const target = sig === "SIGWINCH" && terminal ? launched.initPid : launched.pid;
    try { host.kill(target, constants.signals[sig]); } catch { /* gone */ }
  };
  for (const sig of FORWARDED) process.on(sig, forward);
  const code = await launched.exited;
  for (const sig of FORWARDED) process.off(sig, forward);
  return code;
}

async function cleanup(host: Host, id: string, record: ContainerRecord, warn?: Warn): Promise<void> {
  signalIfAlive(host, record, 9); // its pid may be another process's by now
  await destroyOurs(host, id, record, warn);
}
