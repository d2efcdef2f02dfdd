import type { Host } from "../host/host.js";
import type { Lock } from "../host/lock.js";
import { validateId, type ContainerRecord } from "../host/state.js";
import { containerPids, isPaused, pendingCgroup, signalAll, tearDownCgroup } from "./cgroup.js";
import { RuntimeError, isKind, notExist, notStopped } from "./errors.js";
import { fault } from "./fault.js";
import { poststop, type Warn } from "./hooks.js";
import { signalIfAlive } from "./kill.js";
import { withLockIfAny } from "./locked.js";
import { statusOf } from "./status.js";

export interface DeleteOptions {
  /** Kill a running container first (SIGKILL); an unknown id is then not an error. */
  force?: boolean;
  /** where a failing poststop hook is reported */
  warn?: Warn;
}

const SIGKILL = 9;
const POLL_MS = 10;
const WAIT_MS = 5000;

/** `delete [--force] ID`, following runc's delete.go case by case; under the container's lock. */
export async function deleteContainer(host: Host, id: string, options: DeleteOptions = {}): Promise<void> {
  validateId(id);
  const found = await withLockIfAny(host, id, async (lock) => {
    await deleteLocked(host, id, lock, options);
    return true;
  }, false);
  // --force of an unknown id: nothing to do, and no error (containerd's second delete)
  if (!found && !options.force) throw notExist(id);
}

/** delete, by a caller that holds the container's lock */
export async function deleteLocked(host: Host, id: string, lock: Lock, options: DeleteOptions = {}): Promise<void> {
  const record = readOrNull(host, id, options.force === true);
  if (record === undefined) return;
  const status = statusOf(record, host);
  // A created container has not run user code yet, so runc kills it without --force.
  if (status !== "stopped" && status !== "created" && !options.force) throw notStopped(id, status);
  if (record !== null) await killAndWait(host, record);
  fault("delete.killed");
  await destroy(host, id, record, lock, options.warn);
}

/**
 * What is left once the init is gone: processes still in the cgroup (a
 * container without its own pid namespace leaves them), the cgroup runts
 * made, the state dir; then the poststop hooks, kept in state.json (the
 * bundle may be gone), after the container is destroyed as runtime.md's
 * lifecycle orders it (steps 12, 13). `run` in the foreground ends the same way.
 */
export async function destroy(host: Host, id: string, record: ContainerRecord | null, lock: Lock, warn: Warn = () => undefined): Promise<void> {
  // an empty record (a create killed before state.json) has only the pending word
  const cgroup = record?.cgroup ?? pendingCgroup(host.store.dir(id));
  if (cgroup && containerPids(cgroup, host.cgroups).length > 0) await signalAll(host, cgroup, SIGKILL);
  await tearDownCgroup(cgroup, host.cgroups);
  fault("delete.cgroup-removed");
  fault("delete.before-state-removal");
  host.store.remove(id, lock);
  if (record) await poststop(record, record.spec?.hooks?.poststop, warn);
}

/** The record, null while creating, or undefined when missing and --force forgives it. */
function readOrNull(host: Host, id: string, force: boolean): ContainerRecord | null | undefined {
  try {
    return host.store.read(id);
  } catch (err) {
    if (force && isKind(err, "not-exist")) return undefined;
    throw err;
  }
}

/** SIGKILL the init and wait until /proc shows it gone (a zombie counts as gone).
 * A paused container is killed through its cgroup, which thaws it: a frozen task dies only when it runs. */
async function killAndWait(host: Host, record: ContainerRecord): Promise<void> {
  if (record.cgroup && isPaused(record.cgroup, host.cgroups)) await signalAll(host, record.cgroup, SIGKILL);
  else if (!signalIfAlive(host, record, SIGKILL)) return;
  for (let waited = 0; waited < WAIT_MS; waited += POLL_MS) {
    await host.sleep(POLL_MS);
    if (host.proc.liveness(record.pid, record.pidStartTime) === "gone") return;
  }
  throw new RuntimeError(`delete container \`${record.id}\`: init \`${record.pid}\` still alive ${WAIT_MS / 1000}s after SIGKILL`);
}
