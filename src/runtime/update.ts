/**
 * update.ts: change a live container's limits. Only what the update names
 * is written (a zero or absent value means "unchanged", as Docker sends
 * them); the result is merged into the container's resources in
 * state.json for the next update. Device rules are not updatable, as with runc.
 */
import path from "node:path";
import type { Host } from "../host/host.js";
import { applyWrites, type CgroupRecord } from "../host/cgroupfs.js";
import { validateId } from "../host/state.js";
import { resourceWrites, type CgroupWrite } from "../plan/cgroups.js";
import { PlanError } from "../plan/mounts.js";
import type { LinuxResources } from "../spec/types.js";
import { formatProblems, validateConfig } from "../spec/validate.js";
import { RuntimeError, notRunning } from "./errors.js";
import { cgroupOf } from "./cgroup.js";
import { withLock } from "./locked.js";
import { statusOf } from "./status.js";

export async function update(host: Host, id: string, changes: LinuxResources): Promise<void> {
  validateId(id);
  // locked: two updates merge into state.json one after the other, none lost
  await withLock(host, id, "exclusive", async () => updateLocked(host, id, changes));
}

function updateLocked(host: Host, id: string, changes: LinuxResources): void {
  const record = host.store.read(id);
  const status = statusOf(record, host);
  if (record === null || status === "stopped") throw notRunning(id);
  const cgroup = cgroupOf(record, "to update");
  if (changes.devices?.length) throw new RuntimeError("`--resources`: /devices: device rules cannot be changed on a running container");
  const merged = mergeResources(cgroup.resources, unlimitedSwap(changes));
  checkBeforeUpdate(host, cgroup, merged, changes);
  applyWrites(cgroup.mode, cgroup.dirs, writesFor(named(changes, merged), cgroup), host.cgroups, SOURCE);
  host.store.write({ ...record, cgroup: { ...cgroup, resources: merged } });
}

const SOURCE = "`--resources`";
const PREFIX = /^\/linux\/resources(?=\/|$)/;

/** an unlimited memory with no word on swap makes swap unlimited too (the planner writes it so; runc) */
function unlimitedSwap(changes: LinuxResources): LinuxResources {
  const m = changes.memory;
  return m?.limit === -1 && !m.swap ? { ...changes, memory: { ...m, swap: -1 } } : changes;
}

/**
 * The fields to write: those named, plus the partners their files need
 * from the merged values: cpu.max holds quota and period together, and
 * v2's swap is counted from the memory limit. A limit named alone is
 * written alone (runc), so an old swap cannot make a new limit fail.
 */
function named(changes: LinuxResources, merged: LinuxResources): LinuxResources {
  const out: LinuxResources = { ...changes, devices: undefined };
  if (changes.cpu?.quota || changes.cpu?.period) out.cpu = { ...changes.cpu, quota: merged.cpu?.quota, period: merged.cpu?.period };
  if (changes.memory?.swap) out.memory = { ...changes.memory, limit: merged.memory?.limit };
  return out;
}

/** the planner's writes, with messages that say `--resources: /memory/limit`, not config.json's path */
function writesFor(resources: LinuxResources, cgroup: CgroupRecord): CgroupWrite[] {
  try {
    return resourceWrites(resources, cgroup.mode).map((w) => ({ ...w, field: w.field.replace(PREFIX, "") }));
  } catch (err) {
    if (!(err instanceof PlanError)) throw err;
    throw new RuntimeError(`${SOURCE}: ${err.jsonPath.replace(PREFIX, "")}: ${err.detail}`);
  }
}

/** `--resources` JSON: a LinuxResources object, checked against the schema */
export function parseResources(text: string, source: string): LinuxResources {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new RuntimeError(`\`--resources\` ${source}: invalid JSON: ${(err as Error).message}`);
  }
  // the schema knows LinuxResources only inside a config: check one, keep what it says of the resources
  const result = validateConfig({ ociVersion: "1.3.0", linux: { resources: raw } });
  const problems = result.ok ? [] : result.problems.filter((p) => PREFIX.test(p.path)).map((p) => ({ ...p, path: p.path.replace(PREFIX, "") }));
  if (problems.length > 0) throw new RuntimeError(formatProblems(`\`--resources\` ${source}`, problems));
  return raw as LinuxResources;
}

/** field by field; a zero, empty or absent value leaves the old one */
export function mergeResources(old: LinuxResources, changes: LinuxResources): LinuxResources {
  const out: Record<string, unknown> = { ...old };
  for (const [key, value] of Object.entries(changes)) {
    if (isGroup(value)) {
      const group = mergeGroup((old as Record<string, unknown>)[key], value);
      if (Object.keys(group).length > 0) out[key] = group;
    } else if (Array.isArray(value) ? value.length > 0 : value !== undefined && value !== null) out[key] = value;
  }
  return out as LinuxResources;
}

/** memory, cpu, blockIO, pids, network: objects of scalars; rdma and unified are maps, replaced per key */
function mergeGroup(old: unknown, changes: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...(isGroup(old) ? old : {}) };
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined || value === null || value === 0 || value === "") continue;
    if (Array.isArray(value) && value.length === 0) continue;
    out[key] = value;
  }
  return out;
}

function isGroup(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** memory.checkBeforeUpdate: on v2 a limit below the usage would OOM-kill
 * instead of failing as v1 does; the spec has the runtime refuse it */
function checkBeforeUpdate(host: Host, cgroup: CgroupRecord, merged: LinuxResources, changes: LinuxResources): void {
  const limit = changes.memory?.limit;
  if (cgroup.mode !== "v2" || !merged.memory?.checkBeforeUpdate || !limit || limit < 0) return;
  const usage = Number(host.cgroups.read(path.join(cgroup.dirs[""], "memory.current")) ?? "0");
  if (limit < usage)
    throw new RuntimeError(`${SOURCE}: /memory/limit: the new limit (${limit}) is below the current usage (${usage}) and checkBeforeUpdate is set`);
}
