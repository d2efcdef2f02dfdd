// The one seam between the runtime and the machine. Everything in src/runtime/
// reaches the outside world through a Host, so unit tests can pass a fake
// (youki's Syscall trait; DESIGN.md principle 3). To add an effect: add a
// member to Host, implement it in realHost, and give the test fake a version.
import { existsSync } from "node:fs";
import { delay } from "./builtins.js";
import { realCgroupFs, type CgroupFs } from "./cgroupfs.js";
import type { Lock, LockMode } from "./lock.js";
import { realProc, type Liveness } from "./proc.js";
import { StateStore, type ContainerRecord } from "./state.js";

/** The state store under --root (see StateStore for the on-disk layout). */
export interface Store {
  readonly root: string;
  /** Create the container's dir, locked (lock.ts); throws `container with id exists` when taken. */
  reserve(id: string): Lock;
  /** Wait for the container's lock (lock.ts); throws `container does not exist`. */
  lock(id: string, mode?: LockMode): Lock;
  dir(id: string): string;
  /** Atomically replace the container's state.json. */
  write(record: ContainerRecord): void;
  /** Throws `container does not exist`; null while being created (dir without state.json). */
  read(id: string): ContainerRecord | null;
  /** Remove the container's dir, renamed away first, so readers see it whole or not at all; fine when already gone.
   * With the lock, only the dir it locked. */
  remove(id: string, lock?: Lock): void;
  /** Ids with a state dir, sorted. */
  list(): string[];
}

/** What /proc says about a pid; null when there is no such process. */
export interface ProcView {
  startTime(pid: number): string | null;
  processState(pid: number): string | null;
  /** "gone" when missing, a zombie, or a different process (start time differs). */
  liveness(pid: number, startTime: string): Liveness;
  /** the pid as its own (innermost) pid namespace sees it, from NSpid in /proc/PID/status */
  nsPid(pid: number): number | null;
}

export interface Host {
  store: Store;
  proc: ProcView;
  /** kill(2); throws the Node system error (code ESRCH when the pid is gone). */
  kill(pid: number, signal: number): void;
  exists(path: string): boolean;
  /** cgroupfs: the container's cgroup files (src/host/cgroupfs.ts) */
  cgroups: CgroupFs;
  sleep(ms: number): Promise<void>;
  now(): Date;
}

export function realHost(root: string): Host {
  return {
    store: new StateStore(root),
    proc: realProc,
    kill: (pid, signal) => killPid(pid, signal),
    exists: (path) => existsSync(path),
    cgroups: realCgroupFs,
    sleep: (ms) => delay(ms),
    now: () => new Date(),
  };
}

function killPid(pid: number, signal: number): void {
  // kill(2) with pid <= 0 signals process groups or everything: never let a bad record do that.
  if (!Number.isSafeInteger(pid) || pid <= 0) throw new RangeError(`refusing to signal pid ${pid}`);
  process.kill(pid, signal);
}
