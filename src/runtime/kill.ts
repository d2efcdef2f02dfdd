import type { Host } from "../host/host.js";
import { validateId, type ContainerRecord } from "../host/state.js";
import { parseSignal } from "../plan/signals.js";
import { signalAll } from "./cgroup.js";
import { withLock } from "./locked.js";
import { RuntimeError, describe, errnoCode, notRunning } from "./errors.js";

export interface KillOptions {
  /** A number (`9`), a name (`KILL`, `SIGKILL`, `RTMIN+1`); SIGTERM when absent. */
  signal?: string;
  /** Signal every process in the container's cgroup, the init or not. */
  all?: boolean;
}

/**
 * `kill [--all] ID [SIGNAL]`. A stopped container is `container not running`,
 * except with --all: CRI sends `kill --all ID 9` after every exit and must
 * succeed, and processes may outlive the init when it has no pid namespace.
 */
export async function kill(host: Host, id: string, options: KillOptions = {}): Promise<void> {
  validateId(id);
  // locked: a delete must not remove the cgroup while --all signals it, nor a start run between our check and our signal
  await withLock(host, id, "exclusive", () => killLocked(host, id, options));
}

async function killLocked(host: Host, id: string, options: KillOptions): Promise<void> {
  const record = host.store.read(id); // first, as runc: an unknown id wins over a bad signal
  const signal = signalNumber(options.signal ?? "SIGTERM");
  if (options.all && record?.cgroup) {
    await signalAll(host, record.cgroup, signal);
    return;
  }
  if (record === null || !signalIfAlive(host, record, signal)) {
    if (!options.all) throw notRunning(id);
  }
}

export function signalNumber(raw: string): number {
  const n = parseSignal(raw);
  if (n === undefined) throw new RuntimeError(`unknown signal \`${raw}\``);
  return n;
}

/**
 * Send the signal only if the recorded init is still the same process. The
 * start time is re-checked right before kill(2) to keep the pid-reuse window
 * small; a pidfd would close it (TODO once the native addon offers pidfd_open).
 * Returns false when the init is gone.
 */
export function signalIfAlive(host: Host, record: ContainerRecord, signal: number): boolean {
  if (host.proc.liveness(record.pid, record.pidStartTime) === "gone") return false;
  try {
    host.kill(record.pid, signal);
    return true;
  } catch (err) {
    if (errnoCode(err) === "ESRCH") return false; // exited between the check and the kill
    throw new RuntimeError(`kill container \`${record.id}\`: ${describe(err)}`, { cause: err });
  }
}
