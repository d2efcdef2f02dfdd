// keepCgroupJoinFast (src/host/cgroupfs.ts), as root on the real cgroups:
// it moves this process into the cgroup it is already in, again and again,
// so it must change nothing and, once stopped, hold nothing. How much time it
// saves is measured by bench/bench.ts, never here.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { setTimeout as delay } from "node:timers/promises";
import { keepCgroupJoinFast } from "../../src/host/cgroupfs.js";
import { readCgroupFacts } from "../../src/host/cgroups.js";

const skip = process.getuid?.() !== 0 ? "needs root (it writes cgroup.procs)" : undefined;

/** our fds open on some cgroup.procs */
function procsFds(): string[] {
  const out: string[] = [];
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target.endsWith("/cgroup.procs")) out.push(target);
    } catch { /* the fd readdir itself used */ }
  }
  return out;
}

test("keeping the join fast moves nothing, and once stopped leaves no fd open", { skip }, async () => {
  const before = readFileSync("/proc/self/cgroup", "utf8");
  assert.deepEqual(procsFds(), []);
  const stop = keepCgroupJoinFast(readCgroupFacts());
  try {
    await delay(40); // the first write waits a grace period; then it writes every few ms
    assert.equal(procsFds().length, 1, "it writes through one fd on its own cgroup.procs");
    assert.equal(readFileSync("/proc/self/cgroup", "utf8"), before);
  } finally {
    stop();
  }
  // a write in flight when stopped closes the fd when it returns
  for (let i = 0; i < 100 && procsFds().length > 0; i++) await delay(10);
  assert.deepEqual(procsFds(), []);
  assert.equal(readFileSync("/proc/self/cgroup", "utf8"), before);
});
