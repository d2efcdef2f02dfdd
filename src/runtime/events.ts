/**
 * events.ts: `events --stats ID` prints one stats event; `events ID` prints
 * one every interval and an `oom` event whenever the kernel's OOM killer
 * takes a process, until the container stops. runc 1.1's lines and keys
 * (src/host/cgroup-stats.ts). OOM kills are noticed by watching the
 * cgroup's `oom_kill` counter, not by an eventfd, which Node has no call for.
 */
import type { Host } from "../host/host.js";
import { oomKillCount, readStats, statsJson } from "../host/cgroup-stats.js";
import type { CgroupRecord } from "../host/cgroupfs.js";
import { validateId } from "../host/state.js";
import { RuntimeError, notRunning } from "./errors.js";
import { cgroupOf } from "./cgroup.js";
import { statusOf } from "./status.js";

export interface EventsOptions {
  stats: boolean;
  intervalMs: number;
}

/** how often the OOM counter and the container's life are looked at */
const WATCH_MS = 100;

export async function events(host: Host, id: string, opts: EventsOptions, out: (line: string) => void): Promise<void> {
  const cgroup = liveCgroup(host, id);
  const version = cgroup.mode === "v2" ? 2 : 1;
  // cgroup-stats reads the real files itself: hugetlb's page sizes come from listing a directory
  const stats = () => out(statsJson(id, readStats(version, cgroup.dirs)));
  if (opts.stats) return stats();
  let ooms = oomKillCount(version, cgroup.dirs);
  let next = 0;
  for (let now = 0; ; now += WATCH_MS) {
    // the OOM kill that ends the container is still reported
    const alive = statusOf(host.store.read(id), host) !== "stopped";
    for (const seen = oomKillCount(version, cgroup.dirs); ooms < seen; ooms++) out(`${JSON.stringify({ type: "oom", id })}\n`);
    if (!alive) return;
    if (now >= next) {
      stats();
      next = now + opts.intervalMs;
    }
    await host.sleep(WATCH_MS);
  }
}

function liveCgroup(host: Host, id: string): CgroupRecord {
  validateId(id);
  const record = host.store.read(id);
  if (record === null || statusOf(record, host) === "stopped") throw notRunning(id);
  return cgroupOf(record, "to watch");
}

const UNITS_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, "µs": 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Go's time.ParseDuration, as runc's --interval reads it: `5s`, `1m30s`, `250ms` */
export function parseDuration(text: string): number {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join("") !== text) throw new RuntimeError(`invalid duration \`${text}\``, { kind: "usage" });
  return parts.reduce((ms, [, n, unit]) => ms + Number(n) * UNITS_MS[unit], 0);
}
