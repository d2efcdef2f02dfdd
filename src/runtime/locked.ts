/**
 * locked.ts: the commands that change a container run holding its lock
 * (src/host/lock.ts says why, who takes which kind and why `state` takes none).
 * Each public command locks once, at its top; what it calls on the way
 * (start's destroy after a failed hook) runs under that same lock, because
 * a second flock from the same runts would wait for itself.
 */
import type { Host } from "../host/host.js";
import type { Lock, LockMode } from "../host/lock.js";
import { isKind } from "./errors.js";

/** fn under the container's lock; `container does not exist` when there is none */
export async function withLock<T>(host: Host, id: string, mode: LockMode, fn: (lock: Lock) => Promise<T>): Promise<T> {
  const lock = host.store.lock(id, mode);
  try {
    return await fn(lock);
  } finally {
    lock.release();
  }
}

/** the same, but a missing container is `missing`, not an error */
export async function withLockIfAny<T>(host: Host, id: string, fn: (lock: Lock) => Promise<T>, missing: T): Promise<T> {
  let lock: Lock;
  try {
    lock = host.store.lock(id, "exclusive");
  } catch (err) {
    if (isKind(err, "not-exist")) return missing;
    throw err;
  }
  try {
    return await fn(lock);
  } finally {
    lock.release();
  }
}
