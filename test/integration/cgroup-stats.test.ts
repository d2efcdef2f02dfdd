// cgroup stats read from real v1 cgroups, as root: cgroups this test makes for
// a child of its own, and a container the real runc made, whose stats must be
// the bytes `runc events --stats` prints for it.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { oomKillCount, readStats, statsJson } from "../../src/host/cgroup-stats.js";
import { parseStat, readStat } from "../../src/host/proc.js";
import { defaultConfig, waitFor } from "./harness.js";

/** controller → where its hierarchy is mounted (`""`: the cgroup2 of a hybrid host) */
function cgroupMounts(): Map<string, string> {
  const mounts = new Map<string, string>();
  for (const line of readFileSync("/proc/self/mountinfo", "utf8").split("\n")) {
    const [left, right] = line.split(" - ");
    const [fstype, , options] = right?.split(" ") ?? [];
    const mountpoint = left.split(" ")[4];
    if (fstype === "cgroup2") mounts.set("", mountpoint);
    if (fstype === "cgroup") for (const option of options.split(",")) mounts.set(option, mountpoint);
  }
  return mounts;
}

function v1Missing(): string | null {
  if (process.getuid?.() !== 0) return "needs root (it makes cgroups)";
  return cgroupMounts().has("memory") ? null : "needs the cgroup v1 memory controller (a v1 or hybrid host)";
}

function runcMissing(): string | null {
  if (!spawnSync("runc", ["--version"]).stdout?.length) return "needs the real runc (`apt-get install -y runc`)";
  return existsSync("/bin/busybox") ? null : "needs Debian's busybox-static (`apt-get install -y busybox-static`)";
}

const skipV1 = v1Missing() ?? undefined;
const CONTROLLERS = ["memory", "pids", "cpu", "cpuacct"];

test("a child in cgroups made here: the limits set, one pid, some cpu and memory", { skip: skipV1 }, async (t) => {
  const mounts = cgroupMounts();
  const dirs = Object.fromEntries(CONTROLLERS.map((c) => [c, join(mounts.get(c)!, `runts-stats-test-${process.pid}`)]));
  // the child runs nothing until it is in the cgroups, then execs: that much cpu and memory is charged to them
  const child = spawn("sh", ["-c", "read go; exec sleep 1000"], { stdio: ["pipe", "ignore", "ignore"] });
  const made = [...new Set(Object.values(dirs))]; // cpu and cpuacct may share a hierarchy
  t.after(() => removeAll(child, made));
  for (const dir of made) mkdirSync(dir, { recursive: true });
  writeFileSync(join(dirs.memory, "memory.limit_in_bytes"), "67108864");
  writeFileSync(join(dirs.pids, "pids.max"), "7");
  for (const dir of made) writeFileSync(join(dir, "cgroup.procs"), String(child.pid));
  child.stdin!.end("go\n");
  // asleep in sleep: the scheduler charges cpuacct when a task stops running, not while it runs
  assert.ok(await waitFor(() => comm(child.pid!) === "sleep" && parseStat(readStat(child.pid!) ?? "")?.state === "S"), "the child sleeps in sleep");

  const stats = readStats(1, { ...dirs, "": join(mounts.get("") ?? "/nowhere", "unused") });
  assert.equal(stats.memory.usage.limit, 67108864n);
  assert.deepEqual(stats.pids, { current: 1n, limit: 7n });
  assert.ok(stats.cpu.total > 0n, `cpuacct.usage ${stats.cpu.total}`);
  assert.ok(stats.memory.usage.usage > 0n, `memory.usage_in_bytes ${stats.memory.usage.usage}`);
  assert.equal(oomKillCount(1, dirs), 0);
  const data = JSON.parse(statsJson("c1", stats)).data;
  assert.deepEqual(data.pids, { current: 1, limit: 7 });
  assert.equal(data.memory.usage.limit, 67108864);
});

test("a container runc made: the same bytes as `runc events --stats`", { skip: skipV1 ?? runcMissing() ?? undefined }, async (t) => {
  const { runc, id, bundleDir } = runcContainer(t);
  // the container keeps the stdio it is given: a pipe would hold this call open until it exits
  assert.equal(runc(["run", "-d", "--bundle", bundleDir, id], "ignore").status, 0, "runc run");
  assert.equal(runc(["pause", id]).status, 0, "runc pause"); // frozen, so its counters hold still
  const pid = JSON.parse(runc(["state", id]).stdout).pid as number;
  const dirs = cgroupDirs(pid);
  // the kernel still moves pages between LRU lists of a frozen cgroup: accept
  // the first of a few tries where runc said the same before and after our read
  let said = "", ours = "";
  for (let i = 0; i < 10; i++) {
    said = runc(["events", "--stats", id]).stdout;
    ours = statsJson(id, readStats(1, dirs));
    if (runc(["events", "--stats", id]).stdout === said) break;
  }
  assert.match(said, /^\{"type":"stats"/);
  assert.equal(ours, said);
});

/** a busybox `sleep` bundle with limits, and runc on a root of its own; all removed after the test */
function runcContainer(t: TestContext) {
  const dir = mkdtempSync(join(tmpdir(), "runts-stats-runc-"));
  const id = `runts-stats-${process.pid}`;
  const runc = (args: string[], out: "pipe" | "ignore" = "pipe") =>
    spawnSync("runc", ["--root", join(dir, "state"), ...args], { encoding: "utf8", stdio: ["ignore", out, out], timeout: 30_000 });
  t.after(() => {
    runc(["resume", id]);
    runc(["delete", "--force", id]);
    rmSync(dir, { recursive: true, force: true });
  });
  mkdirSync(join(dir, "rootfs", "bin"), { recursive: true });
  copyFileSync("/bin/busybox", join(dir, "rootfs", "bin", "busybox"));
  symlinkSync("busybox", join(dir, "rootfs", "bin", "sleep"));
  const config = defaultConfig(["sleep", "1000"], join(dir, "rootfs"));
  config.linux.cgroupsPath = `/runts-stats-runc-${process.pid}`;
  config.linux.resources = { ...config.linux.resources, memory: { limit: 100000000 }, pids: { limit: 50 } };
  writeFileSync(join(dir, "config.json"), JSON.stringify(config));
  return { runc, id, bundleDir: dir };
}

/** controller → the process's cgroup directory, from /proc/PID/cgroup */
function cgroupDirs(pid: number): Record<string, string> {
  const mounts = cgroupMounts();
  const dirs: Record<string, string> = {};
  for (const line of readFileSync(`/proc/${pid}/cgroup`, "utf8").trim().split("\n")) {
    const [, controllers, path] = /^\d+:([^:]*):(.*)$/.exec(line) ?? [];
    for (const c of controllers?.split(",") ?? []) if (mounts.has(c)) dirs[c] = join(mounts.get(c)!, path);
  }
  return dirs;
}

function comm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "";
  }
}

/** kill and reap the child, then remove its cgroups (the kernel empties them a moment after the exit) */
async function removeAll(child: ChildProcess, dirs: string[]): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
  }
  for (const dir of dirs) await waitFor(() => tryRmdir(dir), 5000);
}

function tryRmdir(dir: string): boolean {
  try {
    rmdirSync(dir);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ENOENT";
  }
}
