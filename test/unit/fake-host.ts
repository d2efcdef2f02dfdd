// A recording fake Host for unit tests: a real StateStore in a temp dir (so
// the files are observable), a /proc made of crafted stat lines, and kill(2)
// that only records the call and, for SIGKILL, lets the process die.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Host } from "../../src/host/host.js";
import { procView } from "../../src/host/proc.js";
import { StateStore, type ContainerRecord } from "../../src/host/state.js";
import { fakeCgroupFs, type FakeCgroupFs } from "./fake-cgroupfs.js";

export interface FakeHost extends Host {
  store: StateStore;
  /** pid → /proc/PID/stat line; delete an entry to make the process vanish. */
  stats: Map<number, string>;
  /** Paths host.exists() reports as present. */
  files: Set<string>;
  kills: Array<[pid: number, signal: number]>;
  /** What kill() does to the fake process after recording: die (default), ignore, or ESRCH. */
  onKill: "die" | "ignore" | "esrch";
  cgroups: FakeCgroupFs;
  cleanup(): void;
}

/** A stat line as the kernel prints it; comm in parentheses, start time in field 22. */
export function statLine(pid: number, state: string, startTime: string, comm = "sleep"): string {
  const fields3to21 = [state, ...Array.from({ length: 18 }, (_, i) => String(i + 1))];
  return `${pid} (${comm}) ${fields3to21.join(" ")} ${startTime} 4096 100 0\n`;
}

export function fakeHost(): FakeHost {
  const root = mkdtempSync(join(tmpdir(), "runts-test-"));
  const host: FakeHost = {
    store: new StateStore(join(root, "state")),
    stats: new Map(),
    files: new Set(),
    kills: [],
    onKill: "die",
    proc: procView((pid) => host.stats.get(pid) ?? null),
    kill(pid, signal) {
      if (host.onKill === "esrch" || !host.stats.has(pid)) throw Object.assign(new Error("kill ESRCH"), { code: "ESRCH" });
      host.kills.push([pid, signal]);
      if (signal === 9 && host.onKill === "die") host.stats.delete(pid);
    },
    exists: (path) => host.files.has(path),
    cgroups: fakeCgroupFs(),
    sleep: async () => {},
    now: () => new Date("2026-12-03T20:11:05.123Z"),
    cleanup: () => {
      rmSync(root, { recursive: true, force: true });
      host.cgroups.cleanup();
    },
  };
  return host;
}

export function record(id: string, fields: Partial<ContainerRecord> = {}): ContainerRecord {
  return {
    ociVersion: "1.3.0", id, pid: 4242, pidStartTime: "777", bundle: `/bundles/${id}`,
    rootfs: `/bundles/${id}/rootfs`, created: "2026-12-03T20:11:05.123456789Z", owner: "root",
    annotations: {}, execSocket: "", ...fields,
  };
}

/** A container in the given state: record written, /proc and the exec socket arranged to match. */
export function addContainer(host: FakeHost, id: string, status: "created" | "running" | "stopped", fields: Partial<ContainerRecord> = {}): ContainerRecord {
  const r = record(id, { execSocket: join(host.store.root, id, "exec.sock"), ...fields });
  host.store.reserve(id).release();
  host.store.write(r);
  if (status !== "stopped") host.stats.set(r.pid, statLine(r.pid, "S", r.pidStartTime));
  if (status === "created") host.files.add(r.execSocket);
  return r;
}
