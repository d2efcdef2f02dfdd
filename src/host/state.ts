// The state store: one directory per container under --root (default /run/runts).
//
//   <root>/               0700, created on first use
//   <root>/<id>/          0711 (others may traverse to reach the exec socket, as runc's exec.fifo)
//   <root>/<id>/state.json   the ContainerRecord, replaced atomically
//   <root>/<id>/creator      "<pid> <start time>" of the runts that reserved the dir, until state.json
//   <root>/.deleted~...      a removed container's dir, for the moment between
//                            its rename and its rm; not an id, so never listed
//
// A dir without state.json is a container being created: read() returns null
// for it, which the runtime reports as status "creating", as long as its
// creator lives. A creator killed before it recorded the state (and before
// runts-init, which would remove the dir, was started) leaves a dir nothing
// will finish: read() gives an empty record for it, whose status is
// "stopped", so that `state` tells the truth and `delete` removes it.
//
// Readers (state, list) take no lock and never see half a record: state.json
// is written to a temp file, fsynced and renamed over, and remove() renames
// the whole dir away before emptying it. Writers hold the container's lock
// (lock.ts).
import { chmodSync, closeSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync, type Dirent } from "node:fs";
import { join } from "node:path";
import { lockDir, lockNewDir, type Lock, type LockMode } from "./lock.js";
import type { CgroupRecord } from "./cgroupfs.js";
import type { Spec } from "../spec/types.js";
import type { Store } from "./host.js";
import { liveness, readStat, parseStat } from "./proc.js";
import { RuntimeError, describe, errnoCode, exists, invalidId, notExist } from "../runtime/errors.js";

export interface ContainerRecord {
  ociVersion: string;
  id: string;
  /** Host pid of the container's init. */
  pid: number;
  /** Field 22 of /proc/<pid>/stat when recorded: tells a reused pid apart. */
  pidStartTime: string;
  bundle: string;
  rootfs: string;
  /** RFC3339 with nanoseconds, like runc: 2026-12-03T20:14:15.725614231Z */
  created: string;
  owner: string;
  annotations: Record<string, string>;
  /** The socket the waiting init listens on; present on disk while "created". */
  execSocket: string;
  /** The container's cgroup and its resources as last set (create, update); absent on a host without cgroups. */
  cgroup?: CgroupRecord;
  /** The config as created (the bundle may change or go): exec joins its namespaces and applies its seccomp; start and delete run its poststart and poststop hooks. */
  spec?: Spec;
  /** Created with --no-new-keyring: exec stays out of the container's keyring too. */
  noNewKeyring?: boolean;
}

const STATE_FILE = "state.json";
const CREATOR_FILE = "creator";

/** runc's id rule: word characters, `+`, `-`, `.`; and not a path of its own (`.`, `..`). */
export function validateId(id: string): void {
  if (!/^[\w+\-.]+$/.test(id) || id === "." || id === "..") throw invalidId(id);
}

export class StateStore implements Store {
  constructor(readonly root: string) {}

  dir(id: string): string {
    validateId(id);
    return join(this.root, id);
  }

  /** mkdir is the one atomic step that decides which of many creates of an id wins */
  reserve(id: string): Lock {
    const dir = this.dir(id);
    makeRoot(this.root);
    try {
      mkdirSync(dir, { mode: 0o711 });
    } catch (err) {
      if (errnoCode(err) === "EEXIST") throw exists(id);
      throw new RuntimeError(`reserve state dir: ${describe(err)}`, { cause: err });
    }
    try {
      chmodSync(dir, 0o711); // the umask may have taken bits away
      writeFileSync(join(dir, CREATOR_FILE), creator());
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw new RuntimeError(`reserve state dir \`${dir}\`: ${describe(err)}`, { cause: err });
    }
    // Another runts may lock the new dir before we do (it sees "creating"),
    // and a `delete` may remove it: then this create did not happen.
    const lock = lockNewDir(dir);
    if (lock === null) throw new RuntimeError(`create container \`${id}\`: it was deleted while being created`);
    return lock;
  }

  lock(id: string, mode: LockMode = "exclusive"): Lock {
    const lock = lockDir(this.dir(id), mode);
    if (lock === null) throw notExist(id);
    return lock;
  }

  write(record: ContainerRecord): void {
    const file = join(this.dir(record.id), STATE_FILE);
    const tmp = `${file}.tmp-${process.pid}`;
    // write + fsync + rename: a reader sees the old record or the new one, never half.
    try {
      writeSynced(tmp, JSON.stringify(record));
      renameSync(tmp, file);
      rmSync(join(this.dir(record.id), CREATOR_FILE), { force: true }); // state.json says it all now
    } catch (err) {
      rmSync(tmp, { force: true });
      throw new RuntimeError(`write state of \`${record.id}\`: ${describe(err)}`, { cause: err });
    }
  }

  read(id: string): ContainerRecord | null {
    const dir = this.dir(id);
    let text: string;
    try {
      text = readFileSync(join(dir, STATE_FILE), "utf8");
    } catch (err) {
      if (errnoCode(err) !== "ENOENT") throw new RuntimeError(`read state: ${describe(err)}`, { cause: err });
      if (!isDir(dir)) throw notExist(id);
      return creatorGone(dir) ? emptyRecord(id) : null; // reserved, state not written yet: "creating"
    }
    return parseRecord(id, text);
  }

  remove(id: string, lock?: Lock): void {
    // a dir of this id that is not the one locked belongs to a newer create
    if (lock && !lock.stillHere()) return;
    // renamed first, so a reader never finds the dir without its state.json
    // (which would read as "creating"), then emptied at leisure
    const dir = this.dir(id);
    // unique without node:crypto, which would cost every delete ~2.6 ms and
    // ~2 MiB to load (measured) for a name that needs no secrecy
    const trash = join(this.root, `.deleted~${process.pid}~${Math.random().toString(36).slice(2, 10)}`);
    try {
      renameSync(dir, trash);
      rmSync(trash, { recursive: true, force: true });
    } catch (err) {
      if (errnoCode(err) === "ENOENT") return;
      throw new RuntimeError(`remove the state dir \`${dir}\`: ${describe(err)}`, { cause: err });
    }
  }

  list(): string[] {
    let names: Dirent[];
    try {
      names = readdirSync(this.root, { withFileTypes: true });
    } catch (err) {
      if (errnoCode(err) === "ENOENT") return []; // nothing was ever created here
      throw new RuntimeError(`list \`${this.root}\`: ${describe(err)}`, { cause: err });
    }
    return names.filter((d) => d.isDirectory() && isValidId(d.name)).map((d) => d.name).sort();
  }
}

/** what a record says before there is one: only the id; its pid 0 is never alive */
export function emptyRecord(id: string): ContainerRecord {
  return { ociVersion: "", id, pid: 0, pidStartTime: "", bundle: "", rootfs: "", created: "", owner: "", annotations: {}, execSocket: "" };
}

function creator(): string {
  const stat = parseStat(readStat(process.pid) ?? "");
  return `${process.pid} ${stat?.startTime ?? ""}`;
}

/** the reserving runts is known and dead; an unreadable file is taken as alive (cut short while writing it) */
function creatorGone(dir: string): boolean {
  let text: string;
  try {
    text = readFileSync(join(dir, CREATOR_FILE), "utf8");
  } catch {
    return false;
  }
  const [pid, start] = text.split(" ");
  return /^\d+$/.test(pid ?? "") && /^\d+$/.test(start ?? "") && liveness(Number(pid), start) === "gone";
}

function writeSynced(path: string, text: string): void {
  const fd = openSync(path, "w", 0o600);
  try {
    writeFileSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function makeRoot(root: string): void {
  // Only the new directories get 0700; an existing root keeps the mode its owner chose.
  mkdirSync(root, { recursive: true, mode: 0o700 });
}

function isDir(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

function isValidId(id: string): boolean {
  try {
    validateId(id);
    return true;
  } catch {
    return false;
  }
}

function parseRecord(id: string, text: string): ContainerRecord {
  try {
    const record = JSON.parse(text) as ContainerRecord;
    if (typeof record !== "object" || record === null || record.id !== id) throw new Error("not a record of this container");
    return record;
  } catch (err) {
    throw new RuntimeError(`read state of \`${id}\`: ${(err as Error).message}`, { cause: err });
  }
}
