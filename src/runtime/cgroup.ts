/**
 * cgroup.ts: the container's cgroup across its life — made and limited at
 * create, joined by the init before it runs anything, frozen by pause,
 * changed by update, emptied by kill --all, removed by delete.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { CgroupFs, CgroupRecord } from "../host/cgroupfs.js";
import { applyWrites, cgroupPids, createCgroup, hasFreezer, isFrozenNow, procsDir, removeCgroup, setFrozen } from "../host/cgroupfs.js";
import { attachDeviceProgram } from "../host/bpf.js";
import type { Host } from "../host/host.js";
import type { ContainerRecord } from "../host/state.js";
import { deviceProgram } from "../plan/bpf-devices.js";
import type { CgroupPlan } from "../plan/cgroups.js";
import type { LinuxResources } from "../spec/types.js";
import { RuntimeError, errnoCode } from "./errors.js";

/** the container's cgroup, for a command that needs one (`purpose`: "to freeze") */
export function cgroupOf(record: ContainerRecord, purpose: string): CgroupRecord {
  if (!record.cgroup) throw new RuntimeError(`container \`${record.id}\` has no cgroup ${purpose} (created on a host without cgroups)`);
  return record.cgroup;
}

/** make the directories, write the limits and device rules; undone on failure */
export async function setUpCgroup(plan: CgroupPlan, resources: LinuxResources, cfs: CgroupFs): Promise<CgroupRecord> {
  const made = createCgroup(plan, cfs);
  const owned = made.filter((d) => plan.leaves.includes(d));
  try {
    applyWrites(plan.mode, plan.dirs, plan.writes, cfs);
    if (plan.mode === "v2") attachDeviceProgram(plan.dirs[""], deviceProgram(plan.devices));
  } catch (err) {
    await removeCgroup([...made].reverse(), cfs); // parents it made too: nothing of this create stays
    throw err;
  }
  return { mode: plan.mode, dirs: plan.dirs, owned, resources };
}

/** in the state dir until state.json exists: the cgroup a create is making,
 * so that delete --force can remove it if runts dies before then */
const PENDING = "cgroup.json";

/** record the leaves not there yet: those this create will make, and delete --force may remove */
export function notePendingCgroup(stateDir: string, plan: CgroupPlan): void {
  const pending: CgroupRecord = { mode: plan.mode, dirs: plan.dirs, owned: plan.leaves.filter((d) => !existsSync(d)), resources: {} };
  writeFileSync(path.join(stateDir, PENDING), JSON.stringify(pending));
}

/** state.json now says it */
export function clearPendingCgroup(stateDir: string): void {
  rmSync(path.join(stateDir, PENDING), { force: true });
}

/** what a create cut short left word of */
export function pendingCgroup(stateDir: string): CgroupRecord | undefined {
  try {
    return JSON.parse(readFileSync(path.join(stateDir, PENDING), "utf8")) as CgroupRecord;
  } catch {
    return undefined; // none, or cut short while writing it: nothing was made yet
  }
}

/** the directories delete removes: the leaves runts made, never a cgroup it found */
export async function tearDownCgroup(rec: CgroupRecord | undefined, cfs: CgroupFs): Promise<void> {
  if (rec) await removeCgroup(rec.owned, cfs);
}

/** every process in the container's cgroup */
export function containerPids(rec: CgroupRecord | undefined, cfs: CgroupFs): number[] {
  const dir = rec && procsDir(rec);
  return dir ? cgroupPids(dir, cfs) : [];
}

export function isPaused(rec: CgroupRecord | undefined, cfs: CgroupFs): boolean {
  return rec !== undefined && hasFreezer(rec) && isFrozenNow(rec, cfs);
}

/**
 * Signal every process in the cgroup. Frozen first where a freezer exists,
 * so none can fork a child that escapes the list, and thawed after, even if
 * it was paused, so the signals are delivered (runc's signalAllProcesses).
 */
export async function signalAll(host: Host, rec: CgroupRecord, signal: number): Promise<void> {
  const freezer = hasFreezer(rec);
  try {
    if (freezer) await setFrozen(rec, true, host.cgroups);
    for (const pid of containerPids(rec, host.cgroups)) {
      try {
        host.kill(pid, signal);
      } catch (err) {
        if (errnoCode(err) !== "ESRCH") throw err;
      }
    }
  } finally {
    if (freezer) await setFrozen(rec, false, host.cgroups);
  }
}
