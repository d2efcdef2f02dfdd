/**
 * cgroup.ts: the container's cgroup across its life — made and limited at
 * create, joined by the init before it runs anything, frozen by pause,
 * changed by update, emptied by kill --all, removed by delete.
 */
import type { CgroupFs, CgroupRecord } from "../host/cgroupfs.js";
import { applyWrites, cgroupPids, createCgroup, hasFreezer, isFrozenNow, procsDir, removeCgroup, setFrozen } from "../host/cgroupfs.js";
import { attachDeviceProgram } from "../host/bpf.js";
import type { Host } from "../host/host.js";
import { deviceProgram } from "../plan/bpf-devices.js";
import type { CgroupPlan, DeviceRule } from "../plan/cgroups.js";
import type { LinuxResources } from "../spec/types.js";
import { errnoCode } from "./errors.js";

/** a fresh v2 cgroup lets every device through, as a fresh v1 one does: the
 * config's rules (usually "deny all" first) are read on top of that */
const START_ALLOWED: DeviceRule = { allow: true, type: "a", access: "rwm" };

/** make the directories, write the limits and device rules; undone on failure */
export async function setUpCgroup(plan: CgroupPlan, resources: LinuxResources, cfs: CgroupFs): Promise<CgroupRecord> {
  const owned = createCgroup(plan, cfs);
  try {
    applyWrites(plan.mode, plan.dirs, plan.writes, cfs);
    if (plan.mode === "v2") attachDeviceProgram(plan.dirs[""], deviceProgram([START_ALLOWED, ...plan.devices]));
  } catch (err) {
    await removeCgroup([...owned].reverse(), cfs);
    throw err;
  }
  return { mode: plan.mode, dirs: plan.dirs, owned, resources };
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
 * so none can fork a child that escapes the list (runc's
 * signalAllProcesses); thawed after, so the signals are delivered.
 * Returns how many processes were signalled.
 */
export async function signalAll(host: Host, rec: CgroupRecord, signal: number): Promise<number> {
  const freeze = hasFreezer(rec) && !isFrozenNow(rec, host.cgroups);
  if (freeze) await setFrozen(rec, true, host.cgroups);
  let sent = 0;
  try {
    for (const pid of containerPids(rec, host.cgroups)) {
      try {
        host.kill(pid, signal);
        sent++;
      } catch (err) {
        if (errnoCode(err) !== "ESRCH") throw err;
      }
    }
  } finally {
    if (freeze) await setFrozen(rec, false, host.cgroups);
  }
  return sent;
}
