/**
 * cgroupfs.ts: the container's cgroup on the host — create, limit, join,
 * list, freeze, remove — carrying out what src/plan/cgroups.ts planned.
 * Every file access goes through a CgroupFs, so the v2 logic (which these
 * hybrid machines cannot exercise) is tested against a fake tree.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { delay } from "./builtins.js";
import type { CgroupFacts, CgroupMode, CgroupPlan, CgroupWrite } from "../plan/cgroups.js";
import type { LinuxResources } from "../spec/types.js";
import { RuntimeError, describe, errnoCode } from "../runtime/errors.js";
import { addon } from "./addon.js";

/** the file operations cgroupfs needs; the real one, or a temporary tree in tests */
export interface CgroupFs {
  /** the file's text, or null when it does not exist */
  read(file: string): string | null;
  write(file: string, value: string): void;
  exists(p: string): boolean;
  /** false when the directory was already there */
  mkdir(dir: string): boolean;
  rmdir(dir: string): void;
  subdirs(dir: string): string[];
}

export const realCgroupFs: CgroupFs = {
  read(file) {
    try {
      return readFileSync(file, "utf8");
    } catch (err) {
      if (errnoCode(err) === "ENOENT") return null;
      throw err;
    }
  },
  // one write(2) of the whole value: cgroupfs takes a line per write
  write: (file, value) => writeFileSync(file, value),
  exists: (p) => existsSync(p),
  mkdir(dir) {
    try {
      mkdirSync(dir, { mode: 0o755 });
      return true;
    } catch (err) {
      if (errnoCode(err) === "EEXIST") return false;
      throw err;
    }
  },
  rmdir: (dir) => rmdirSync(dir),
  subdirs: (dir) => readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => path.join(dir, e.name)),
};

/** what state.json keeps of a container's cgroup */
export interface CgroupRecord {
  mode: CgroupMode;
  /** the container's directory per v1 controller; "" is its cgroup2 directory */
  dirs: Record<string, string>;
  /** the directories runts created, which delete removes (and only those) */
  owned: string[];
  /** linux.resources as last applied: `update` merges into it */
  resources: LinuxResources;
}

// ---- create ----

/**
 * Make the container's directory in every hierarchy. Returns every
 * directory it made, parents first (the leaves among them are the
 * container's to remove); on failure removes them and throws. A leaf that
 * already holds processes belongs to someone else: refused.
 */
export function createCgroup(plan: CgroupPlan, cfs: CgroupFs = realCgroupFs): string[] {
  const made: string[] = [];
  try {
    for (const h of plan.hierarchies) {
      const leaf = makeLeaf(h.mountpoint, h.path, plan.mode === "v2", h.controllers.includes("cpuset"), made, cfs);
      if (!made.includes(leaf) && (cfs.read(path.join(leaf, "cgroup.procs")) ?? "").trim() !== "")
        throw new RuntimeError(`cgroup \`${leaf}\` already has processes in it; choose another linux.cgroupsPath`);
    }
    return made;
  } catch (err) {
    removeNow(made.reverse(), cfs);
    throw err instanceof RuntimeError ? err : new RuntimeError(`create the container's cgroup: ${describe(err)}`, { cause: err });
  }
}

/** mkdir -p from the mountpoint down, preparing each new level as the kernel wants it */
function makeLeaf(mountpoint: string, inner: string, v2: boolean, cpuset: boolean, made: string[], cfs: CgroupFs): string {
  let dir = mountpoint;
  for (const part of inner.split("/").filter(Boolean)) {
    if (v2) enableControllers(dir, cfs);
    const child = path.join(dir, part);
    if (cfs.mkdir(child)) {
      made.push(child);
      if (cpuset) inheritCpuset(dir, child, cfs);
    }
    dir = child;
  }
  return dir;
}

/** a new v1 cpuset starts with no cpus and no memory nodes, and takes no
 * task until given some: copy the parent's (runc does the same) */
function inheritCpuset(parent: string, child: string, cfs: CgroupFs): void {
  for (const file of ["cpuset.cpus", "cpuset.mems"]) {
    const own = cfs.read(path.join(child, file));
    if (own !== null && own.trim() === "") cfs.write(path.join(child, file), (cfs.read(path.join(parent, file)) ?? "").trim());
  }
}

/** v2: a child gets a controller only if its parent's subtree_control has it;
 * enable what the parent offers, one by one, since some may be refused (runc ignores those too) */
function enableControllers(dir: string, cfs: CgroupFs): void {
  const offered = (cfs.read(path.join(dir, "cgroup.controllers")) ?? "").split(/\s+/).filter(Boolean);
  const enabled = new Set((cfs.read(path.join(dir, "cgroup.subtree_control")) ?? "").split(/\s+/));
  for (const c of offered) {
    if (enabled.has(c)) continue;
    try {
      cfs.write(path.join(dir, "cgroup.subtree_control"), `+${c}`);
    } catch { /* e.g. a threaded or busy parent: the limit that needs it says so later */ }
  }
}

// ---- limits ----

/** the directory holding a controller's files: v2 has one for all */
function dirFor(mode: CgroupMode, dirs: Record<string, string>, controller: string): string | undefined {
  return mode === "v2" || controller === "" ? dirs[""] : dirs[controller];
}

/**
 * Write the planned files in order. A write the kernel refuses only until
 * its partner is done (pairedWithNext) is retried after the partner.
 * `source` names where the values came from in messages.
 */
export function applyWrites(mode: CgroupMode, dirs: Record<string, string>, writes: CgroupWrite[], cfs: CgroupFs = realCgroupFs, source = "config.json"): void {
  const explain = (w: CgroupWrite, err: unknown) => writeError(w, mode, dirs, err, source);
  for (let i = 0; i < writes.length; i++) {
    const w = writes[i];
    try {
      writeOne(mode, dirs, w, cfs);
    } catch (err) {
      if (!w.pairedWithNext || errnoCode(err) !== "EINVAL") throw explain(w, err);
      for (const retry of [writes[i + 1], w]) {
        try {
          writeOne(mode, dirs, retry, cfs);
        } catch (again) {
          throw explain(retry, again);
        }
      }
      i++;
    }
  }
}

function writeOne(mode: CgroupMode, dirs: Record<string, string>, w: CgroupWrite, cfs: CgroupFs): void {
  const dir = dirFor(mode, dirs, w.controller);
  if (dir === undefined) throw new MissingFile(`the \`${w.controller}\` cgroup controller is not mounted on this host`);
  const file = path.join(dir, w.file);
  if (cfs.exists(file)) return cfs.write(file, w.value);
  if (w.fallback && cfs.exists(path.join(dir, w.fallback.file))) return cfs.write(path.join(dir, w.fallback.file), w.fallback.value);
  if (w.optional) return;
  const names = [w.file, ...(w.fallback ? [w.fallback.file] : [])].map((f) => `\`${f}\``).join(" or ");
  throw new MissingFile(`this host's kernel has no ${names} in \`${dir}\``);
}

class MissingFile extends Error {}

function writeError(w: CgroupWrite, mode: CgroupMode, dirs: Record<string, string>, err: unknown, source: string): RuntimeError {
  if (err instanceof MissingFile) return new RuntimeError(`${source}: ${w.field}: ${err.message}`);
  const file = path.join(dirFor(mode, dirs, w.controller) ?? "", w.file);
  return new RuntimeError(`${source}: ${w.field}: write \`${w.value}\` to \`${file}\`: ${reason(err)}`, { cause: err });
}

/** "invalid argument", without Node's code prefix and syscall */
function reason(err: unknown): string {
  return describe(err).replace(/^\w+(?: `[^`]*`)?: /, "");
}

// ---- processes ----

/** move a process into the container's cgroup in every hierarchy */
export function joinCgroup(leaves: string[], pid: number, cfs: CgroupFs = realCgroupFs): void {
  for (const leaf of leaves) {
    try {
      cfs.write(path.join(leaf, "cgroup.procs"), String(pid));
    } catch (err) {
      throw new RuntimeError(`join cgroup \`${leaf}\`: ${reason(err)}`, { cause: err });
    }
  }
}

/**
 * Keeps the first join from waiting, until the returned function is called.
 * Why: every move into a cgroup takes the kernel's cgroup_threadgroup_rwsem
 * for writing, and the first writer after a quiet spell waits for an RCU
 * grace period (6-20 ms here; runc 1.1.5 pays it too: strace shows its
 * first cgroup.procs write taking 9.8 ms, the next ones 0.02 ms). After a
 * writer, the kernel lets the next ones pass at once for about one more
 * grace period. So a thread of ours (native/host.c) moves runts into the
 * cgroup it is already in (which changes nothing) every 2 ms, from the
 * start of create or exec: its first write pays the wait while we
 * validate, plan and start the init, and the next ones keep the way open
 * until the init joins. Measured with such a writer running: `run` 10 ms
 * faster, for runc as for runts. Any failure only means no time is saved.
 */
export function keepCgroupJoinFast(facts: CgroupFacts): () => void {
  const own = facts.hierarchies[0];
  if (!own) return () => undefined;
  try {
    if (addon().keepJoinFast(path.join(own.mountpoint, own.path, "cgroup.procs")) !== 0) return () => undefined;
  } catch {
    return () => undefined; // no addon built: slower, not broken
  }
  return () => addon().stopJoinFast();
}

/** the one directory that lists the container's processes: every hierarchy
 * holds the same ones; the freezer's is the one kill --all freezes */
export function procsDir(rec: Pick<CgroupRecord, "mode" | "dirs">): string | undefined {
  if (rec.mode === "v2") return rec.dirs[""];
  return rec.dirs.freezer ?? rec.dirs.pids ?? rec.dirs.memory ?? Object.values(rec.dirs)[0];
}

/** every pid in the cgroup and the cgroups below it; none once it is gone */
export function cgroupPids(dir: string, cfs: CgroupFs = realCgroupFs): number[] {
  const own = (cfs.read(path.join(dir, "cgroup.procs")) ?? "").split("\n").filter(Boolean).map(Number);
  let below: string[] = [];
  try {
    below = cfs.subdirs(dir);
  } catch { /* removed meanwhile */ }
  return [...own, ...below.flatMap((d) => cgroupPids(d, cfs))];
}

// ---- freezer ----

const FREEZE_POLL_MS = 2;
const FREEZE_WAIT_MS = 5000;

/** freeze (true) or thaw (false) and wait until the kernel says it is done */
export async function setFrozen(rec: Pick<CgroupRecord, "mode" | "dirs">, frozen: boolean, cfs: CgroupFs = realCgroupFs): Promise<void> {
  const f = freezerFiles(rec);
  cfs.write(f.control, frozen ? f.frozenValue : f.thawedValue);
  for (let waited = 0; waited < FREEZE_WAIT_MS; waited += FREEZE_POLL_MS) {
    if (isFrozenNow(rec, cfs) === frozen) return;
    // v1 can stay FREEZING while a task sleeps uninterruptibly: asking again nudges it (runc does)
    if (frozen && rec.mode !== "v2") cfs.write(f.control, f.frozenValue);
    await delay(FREEZE_POLL_MS);
  }
  // a freeze that never completes must not leave the container half-frozen (runc thaws too)
  if (frozen) cfs.write(f.control, f.thawedValue);
  throw new RuntimeError(`${frozen ? "freeze" : "thaw"} cgroup \`${path.dirname(f.control)}\`: still not done after ${FREEZE_WAIT_MS / 1000}s`);
}

/** paused: the freezer says FROZEN (v1), or cgroup.events says frozen 1 (v2) */
export function isFrozenNow(rec: Pick<CgroupRecord, "mode" | "dirs">, cfs: CgroupFs = realCgroupFs): boolean {
  const f = freezerFiles(rec);
  const text = cfs.read(f.state) ?? "";
  return rec.mode === "v2" ? /^frozen 1$/m.test(text) : text.trim() === "FROZEN";
}

function freezerFiles(rec: Pick<CgroupRecord, "mode" | "dirs">): { control: string; state: string; frozenValue: string; thawedValue: string } {
  if (rec.mode === "v2") {
    const dir = rec.dirs[""];
    return { control: path.join(dir, "cgroup.freeze"), state: path.join(dir, "cgroup.events"), frozenValue: "1", thawedValue: "0" };
  }
  const dir = rec.dirs.freezer;
  if (!dir) throw new RuntimeError("the `freezer` cgroup controller is not mounted on this host");
  const file = path.join(dir, "freezer.state");
  return { control: file, state: file, frozenValue: "FROZEN", thawedValue: "THAWED" };
}

/** whether this container's cgroup can be frozen at all */
export function hasFreezer(rec: Pick<CgroupRecord, "mode" | "dirs">): boolean {
  return rec.mode === "v2" ? rec.dirs[""] !== undefined : rec.dirs.freezer !== undefined;
}

// ---- remove ----

const REMOVE_POLL_MS = 10;
const REMOVE_WAIT_MS = 5000;

/** rmdir the container's cgroups, deepest first; a cgroup whose last task is
 * still exiting is busy for a moment, so EBUSY is retried for a while */
export async function removeCgroup(dirs: string[], cfs: CgroupFs = realCgroupFs): Promise<void> {
  for (let waited = 0; ; waited += REMOVE_POLL_MS) {
    try {
      return removeNow(dirs, cfs);
    } catch (err) {
      if (errnoCode(err) !== "EBUSY" || waited >= REMOVE_WAIT_MS)
        throw new RuntimeError(`remove the container's cgroup: ${describe(err)}`, { cause: err });
      await delay(REMOVE_POLL_MS);
    }
  }
}

function removeNow(dirs: string[], cfs: CgroupFs): void {
  for (const dir of dirs) removeTree(dir, cfs);
}

function removeTree(dir: string, cfs: CgroupFs): void {
  let below: string[];
  try {
    below = cfs.subdirs(dir);
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return;
    throw err;
  }
  for (const d of below) removeTree(d, cfs);
  try {
    cfs.rmdir(dir);
  } catch (err) {
    if (errnoCode(err) !== "ENOENT") throw err;
  }
}
