/**
 * lock.ts: one lock per container, so that runts calls on the same id take
 * turns. Without it two `start`s both found "created" and both connected to
 * the init's socket, a `delete` racing a `start` removed the dir under it,
 * and a foreground `run` destroyed (and ran the poststop hooks of) a
 * container another runts had already deleted.
 *
 * The lock is flock(2) on the container's state dir itself:
 *  - the kernel drops it when its holder dies (a runts SIGKILLed halfway), so
 *    there is never a stale lock to detect and break; an O_EXCL lock file
 *    would need its owner's pid and start time and a race-free way for two
 *    waiters to break it, which plain files do not give;
 *  - nothing to create or to leak: the lock lives and dies with the dir;
 *  - a waiter whose container was deleted meanwhile learns it on waking:
 *    the path no longer leads to the directory it locked.
 * Node has no flock; native/host.c is a small addon for it (it says why not koffi).
 *
 * Who takes it (src/runtime/): create, start, kill, delete, pause, resume
 * and update exclusively, for as long as they read, decide and act; exec
 * shared, until its process has started (execs may run side by side, but
 * not beside a delete or a pause). `state`, `list`, `ps` and `events` take
 * none and never wait: state.json is replaced by rename and a deleted
 * container's dir is renamed away whole (src/host/state.ts), so a reader
 * sees the whole record or none.
 *
 * A waiter polls with LOCK_NB and sleeps in between, without a deadline,
 * as flock(1) does: the holder is a live runts and its death frees the lock.
 * So a hook must not run a command that changes its own container: it would
 * wait for the runts that waits for it (until the hook's timeout, if any).
 * The fd is close-on-exec (Node opens every fd so), so neither runts-init nor
 * a hook can inherit the lock and hold it past runts.
 */
import { closeSync, constants as fsConstants, fstatSync, openSync, statSync } from "node:fs";
import { constants } from "node:os";
import { getSystemErrorMap } from "node:util";
import { addon } from "./addon.js";
import { RuntimeError } from "../runtime/errors.js";

export type LockMode = "shared" | "exclusive";

export interface Lock {
  /** the container's state dir */
  readonly dir: string;
  /** whether `dir` still names the directory locked (only runts-init, dying with a create, removes one behind its lock) */
  stillHere(): boolean;
  /** unlock; a second call does nothing */
  release(): void;
}

/** flock(2)'s operations (<sys/file.h>) */
const OP: Record<LockMode, number> = { shared: 1, exclusive: 2 };
const LOCK_NB = 4;
/** sleeps between tries grow from the first to the last, in ms */
const WAIT_MS = { first: 1, last: 25 };

/** build/Release/host.node, loaded on the first lock (state and list never load it) */
function flock(fd: number, op: number): number {
  return addon().flock(fd, op);
}

/** Lock the dir at `dir`; null when there is none (or it went while we waited). */
export function lockDir(dir: string, mode: LockMode): Lock | null {
  for (;;) {
    const fd = openDir(dir);
    if (fd === null) return null;
    const lock = hold(fd, dir, mode);
    if (lock) return lock;
    // removed, or removed and made again by a new create, while we waited:
    // the id now names that one (or none), so try again with what is there
  }
}

/** Lock a dir this process has just made, through its own fd; null if it was removed before we got the lock. */
export function lockNewDir(dir: string): Lock | null {
  const fd = openDir(dir);
  return fd === null ? null : hold(fd, dir, "exclusive");
}

/** wait for the lock on fd; the Lock if fd is still the dir at `dir`, else null (fd closed) */
function hold(fd: number, dir: string, mode: LockMode): Lock | null {
  try {
    wait(fd, mode, dir);
  } catch (err) {
    closeSync(fd);
    throw err;
  }
  if (!sameFile(fd, dir)) {
    closeSync(fd);
    return null;
  }
  let held = true;
  return {
    dir,
    stillHere: () => sameFile(fd, dir),
    // closing the only fd of the open file description unlocks it
    release: () => {
      if (held) closeSync(fd);
      held = false;
    },
  };
}

function wait(fd: number, mode: LockMode, dir: string): void {
  for (let ms = WAIT_MS.first; ; ms = Math.min(ms * 2, WAIT_MS.last)) {
    const r = flock(fd, OP[mode] | LOCK_NB);
    if (r === 0) return;
    if (r === -constants.errno.EINTR) continue;
    if (r !== -constants.errno.EWOULDBLOCK) throw new RuntimeError(`lock \`${dir}\`: flock: ${errnoText(r)}`);
    sleepSync(ms);
  }
}

/**
 * A synchronous sleep: the commands that lock have nothing else to do while
 * they wait, and a synchronous lock keeps the Store's methods synchronous.
 */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function openDir(dir: string): number | null {
  try {
    return openSync(dir, fsConstants.O_RDONLY | fsConstants.O_DIRECTORY);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
}

function sameFile(fd: number, dir: string): boolean {
  const now = statSync(dir, { throwIfNoEntry: false });
  const held = fstatSync(fd);
  return now !== undefined && now.ino === held.ino && now.dev === held.dev;
}

/** libuv's sentence for a negative errno: "bad file descriptor" */
function errnoText(negErrno: number): string {
  return getSystemErrorMap().get(negErrno)?.[1] ?? `errno ${-negErrno}`;
}
