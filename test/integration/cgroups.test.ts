// Cgroups for real on this hybrid host (v1 controllers, cgroup2 at
// .../unified): the container's cgroup in every hierarchy, limits visible
// and enforced, pause/resume, update, ps, kill --all, and nothing left
// behind by delete or by a create that fails (issue 4).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { closeSync, existsSync, openSync, readFileSync, readdirSync, rmdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import {
  bundle, busyboxMissing, createFails, defaultConfig, missing, newId, newRootfs, Runts, waitFor, work,
} from "./harness.js";

const V1_MEMORY = "/sys/fs/cgroup/memory/memory.limit_in_bytes";
const skip = missing() ?? (existsSync(V1_MEMORY) ? undefined : "needs cgroup v1 controllers (a v1 or hybrid host)");
const bbSkip = skip ?? busyboxMissing() ?? undefined;
const runts = skip ? undefined! : new Runts();
/** every container here lives under this parent, removed at the end */
const PARENT = `runts-it-cg-${process.pid}`;
after(() => {
  runts?.cleanup();
  for (const h of existsSync("/sys/fs/cgroup") ? readdirSync("/sys/fs/cgroup") : []) {
    try { rmdirSync(path.join("/sys/fs/cgroup", h, PARENT)); } catch { /* none made there */ }
  }
});

const cg = (controller: string, id: string, file = "") => path.join("/sys/fs/cgroup", controller, PARENT, id, file);
const read = (file: string) => readFileSync(file, "utf8").trim();

/** a busybox container in the cgroup /PARENT/ID with these resources; detached, running */
function runDetached(id: string, script: string, resources: Record<string, any> = {}, edit: (c: Record<string, any>) => void = () => undefined) {
  const c = defaultConfig(["/bin/sh", "-c", script], newRootfs("busybox"));
  c.linux.cgroupsPath = `/${PARENT}/${id}`;
  c.linux.resources = { ...c.linux.resources, ...resources };
  edit(c);
  runts.ok(["run", "--detach", "--bundle", bundle(c), id], { stdio: ["ignore", "ignore", "ignore"] });
  return runts.state(id).pid as number;
}

/** run a probe tool in the foreground under these resources */
function probeRun(args: string[], resources: Record<string, any>) {
  const id = newId("cg");
  const c = defaultConfig(["/bin/probe", ...args]);
  c.linux.cgroupsPath = `/${PARENT}/${id}`;
  c.linux.resources = { ...c.linux.resources, ...resources };
  return { id, r: runts.run(["run", "--bundle", bundle(c), id]) };
}

function removeAndCheckGone(id: string): void {
  runts.ok(["delete", "--force", id]);
  for (const c of ["memory", "pids", "cpu", "freezer", "devices", "systemd", "unified"])
    assert.ok(!existsSync(cg(c, id)), `no ${c} cgroup left for ${id}`);
}

/** utime+stime of a process, in clock ticks */
function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

test("the init is in the container's cgroup in every hierarchy, unified included, with the limits written", { skip: bbSkip }, () => {
  const id = newId("cg");
  const pid = runDetached(id, "exec sleep 100", {
    memory: { limit: 64 << 20, swap: 128 << 20, reservation: 32 << 20 },
    pids: { limit: 42 }, cpu: { shares: 512, quota: 50000, period: 100000, cpus: "0" },
  });
  try {
    const lines = read(`/proc/${pid}/cgroup`).split("\n");
    assert.equal(lines.length, 10, lines.join("\n"));
    for (const line of lines) assert.ok(line.endsWith(`:/${PARENT}/${id}`), `${line}: the container's cgroup`);
    assert.ok(lines.includes(`0::/${PARENT}/${id}`), "the cgroup2 line too (containerd reads it)");
    assert.equal(read(cg("memory", id, "memory.limit_in_bytes")), String(64 << 20));
    assert.equal(read(cg("memory", id, "memory.memsw.limit_in_bytes")), String(128 << 20));
    assert.equal(read(cg("memory", id, "memory.soft_limit_in_bytes")), String(32 << 20));
    assert.equal(read(cg("pids", id, "pids.max")), "42");
    assert.equal(read(cg("cpu", id, "cpu.shares")), "512");
    assert.equal(read(cg("cpu", id, "cpu.cfs_quota_us")), "50000");
    assert.equal(read(cg("cpuset", id, "cpuset.cpus")), "0");
    assert.equal(read(`/proc/${pid}/status`).match(/Cpus_allowed_list:\s*(\S+)/)?.[1], "0", "the cpuset applies to the process");
    const devices = read(cg("devices", id, "devices.list")).split("\n");
    assert.ok(devices.includes("c 1:3 rwm") && !devices.includes("a *:* rwm"), `runc's device list: ${devices.join(", ")}`);
  } finally {
    removeAndCheckGone(id);
  }
});

test("without cgroupsPath the cgroup is the id, under runts' own cgroup, as runc does", { skip: bbSkip }, () => {
  const id = newId("cg");
  const c = defaultConfig(["/bin/sh", "-c", "exec sleep 100"], newRootfs("busybox"));
  runts.ok(["run", "--detach", "--bundle", bundle(c), id], { stdio: ["ignore", "ignore", "ignore"] });
  const pid = runts.state(id).pid as number;
  try {
    const own = read("/proc/self/cgroup").split("\n").find((l) => l.includes(":memory:"))!.split(":")[2];
    const theirs = read(`/proc/${pid}/cgroup`).split("\n").find((l) => l.includes(":memory:"))!.split(":")[2];
    assert.equal(theirs, path.posix.join(own, id));
  } finally {
    runts.ok(["delete", "--force", id]);
    assert.ok(!cgroupNamed(id), "no cgroup left");
  }
});

function cgroupNamed(id: string): boolean {
  return read("/proc/self/cgroup").split("\n").some((l) => {
    const [, ctrl, p] = l.split(":");
    const dir = ctrl === "" ? "unified" : ctrl.replace("name=", "");
    return existsSync(path.join("/sys/fs/cgroup", dir, p, id));
  });
}

test("a cgroup namespace is rooted at the container's cgroup", { skip }, () => {
  const id = newId("cg");
  const c = defaultConfig(["/bin/probe", "cat", "/proc/self/cgroup"]);
  c.linux.cgroupsPath = `/${PARENT}/${id}`;
  c.linux.namespaces.push({ type: "cgroup" });
  const out = runts.run(["run", "--bundle", bundle(c), id]);
  assert.equal(out.status, 0, out.stderr);
  for (const line of out.stdout.trim().split("\n")) assert.match(line, /:\/$/, `${line}: the namespace's root`);
});

test("a memory hog is OOM-killed under a small limit; under a big one it lives", { skip }, () => {
  const small = probeRun(["hog", "200"], { memory: { limit: 32 << 20, swap: 32 << 20 } });
  assert.equal(small.r.status, 137, `killed by SIGKILL: ${small.r.stdout}${small.r.stderr}`);
  assert.ok(!existsSync(cg("memory", small.id)), "run removed its cgroup");
  const big = probeRun(["hog", "20"], { memory: { limit: 256 << 20 } });
  assert.equal(big.r.status, 0, big.r.stderr);
  assert.equal(big.r.stdout.trim(), "survived 20");
});

test("a fork bomb stops at the pids limit", { skip }, () => {
  const { r } = probeRun(["forks", "100"], { pids: { limit: 10 } });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), "forked 9 EAGAIN", "the init and 9 children make 10");
  const free = probeRun(["forks", "20"], { pids: { limit: 100 } });
  assert.equal(free.r.stdout.trim(), "forked 20 none");
});

test("pause freezes every process (no cpu time passes), state says paused, resume thaws", { skip: bbSkip }, async () => {
  const id = newId("cg");
  const pid = runDetached(id, "while :; do :; done");
  try {
    runts.ok(["pause", id]);
    assert.equal(runts.state(id).status, "paused");
    assert.equal(read(cg("freezer", id, "freezer.state")), "FROZEN");
    const frozen = cpuTicks(pid);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(cpuTicks(pid), frozen, "a frozen busy loop gets no cpu time");
    assert.match(runts.run(["pause", id]).stderr, /container not running/);
    runts.ok(["resume", id]);
    assert.equal(runts.state(id).status, "running");
    assert.ok(await waitFor(() => cpuTicks(pid) > frozen, 3000), "it runs again");
    assert.match(runts.run(["resume", id]).stderr, /container not paused/);
    runts.ok(["pause", id]);
  } finally {
    removeAndCheckGone(id); // delete --force of a paused container: killed frozen, then thawed
  }
});

test("update changes the live limits, by flags or by JSON on stdin, and remembers them", { skip: bbSkip }, () => {
  const id = newId("cg");
  runDetached(id, "exec sleep 100", { memory: { limit: 64 << 20 }, pids: { limit: 20 }, cpu: { shares: 256 } });
  try {
    runts.ok(["update", "--memory", "96m", "--pids-limit", "30", id]);
    assert.equal(read(cg("memory", id, "memory.limit_in_bytes")), String(96 << 20));
    assert.equal(read(cg("pids", id, "pids.max")), "30");
    const json = path.join(work, `${id}.json`);
    writeFileSync(json, '{"cpu":{"shares":0,"quota":25000},"pids":{"limit":0}}');
    const stdin = openSync(json, "r");
    try {
      runts.ok(["update", "--resources", "-", id], { stdio: [stdin, "pipe", "pipe"] });
    } finally {
      closeSync(stdin);
    }
    assert.equal(read(cg("cpu", id, "cpu.cfs_quota_us")), "25000");
    assert.equal(read(cg("cpu", id, "cpu.shares")), "256", "a zero leaves it as it was");
    assert.equal(read(cg("pids", id, "pids.max")), "30");
    const bad = runts.run(["update", "--memory", "1", id]);
    assert.match(bad.stderr, /`--resources`: \/memory\/limit: write `1` to `.*memory.limit_in_bytes`: resource busy or locked/, "below usage: the kernel's refusal, named");
    assert.match(runts.run(["update", "--cpuset-cpus", "0-999", id]).stderr, /`--resources`: \/cpu\/cpus: write `0-999`/);
  } finally {
    removeAndCheckGone(id);
  }
});

test("ps lists the container's processes: json is the pid array, the table is ps -ef's lines", { skip: bbSkip }, async () => {
  const id = newId("cg");
  const pid = runDetached(id, "sleep 100 & sleep 101 & wait");
  try {
    assert.ok(await waitFor(() => JSON.parse(runts.ok(["ps", "--format", "json", id]).stdout).length === 3), "sh and two sleeps");
    const pids: number[] = JSON.parse(runts.ok(["ps", "--format", "json", id]).stdout);
    assert.ok(pids.includes(pid));
    const table = runts.ok(["ps", id]).stdout.trim().split("\n");
    assert.match(table[0], /^UID\s+PID\s+PPID/);
    assert.equal(table.length, 4);
    assert.ok(table.some((l) => l.includes("sleep 101")));
    const custom = runts.ok(["ps", id, "-o", "pid,comm"]).stdout.trim().split("\n");
    assert.deepEqual(custom.slice(1).map((l) => l.trim().split(/\s+/)[1]).sort(), ["sh", "sleep", "sleep"]);
  } finally {
    removeAndCheckGone(id);
  }
});

test("kill --all reaches processes outside the init's reach (no pid namespace); delete removes the cgroup", { skip: bbSkip }, async () => {
  const id = newId("cg");
  runDetached(id, "sleep 100 & exec sleep 102", {}, (c) => {
    c.linux.namespaces = c.linux.namespaces.filter((n: any) => n.type !== "pid");
  });
  let pids: number[] = [];
  try {
    assert.ok(await waitFor(() => (pids = JSON.parse(runts.ok(["ps", "--format", "json", id]).stdout)).length === 2));
    runts.ok(["kill", "--all", id, "KILL"]);
    assert.ok(await waitFor(() => pids.every((p) => !existsSync(`/proc/${p}`) || /State:\s+Z/.test(read(`/proc/${p}/status`)))), "every process is gone");
    assert.equal(runts.state(id).status, "stopped");
    runts.ok(["kill", "--all", id, "9"]); // CRI's kill after exit: still fine
  } finally {
    runts.ok(["delete", id]);
    assert.ok(!existsSync(cg("pids", id)), "delete removed the cgroup");
    assert.ok(existsSync(path.join("/sys/fs/cgroup/pids", PARENT)), "and only that: the parent it found stays");
  }
});

test("a limit the host refuses fails create with the field named, and leaves no cgroup", { skip }, () => {
  const c = defaultConfig(["/bin/probe", "exit", "0"]);
  c.linux.cgroupsPath = `/${PARENT}/${newId("fail")}`;
  c.linux.resources.cpu = { cpus: "0-999" };
  assert.match(createFails(runts, c), /^config\.json: \/linux\/resources\/cpu\/cpus: write `0-999` to `.*cpuset.cpus`: (invalid argument|result too large)/);
  c.linux.resources.cpu = {};
  c.linux.resources.hugepageLimits = [{ pageSize: "2MB", limit: 1 << 21 }];
  assert.equal(createFails(runts, c), "config.json: /linux/resources/hugepageLimits/0: the `hugetlb` cgroup controller is not mounted on this host");
  c.linux.resources.hugepageLimits = [];
  c.linux.resources.unified = { "memory.high": "1" };
  assert.match(createFails(runts, c), /\/linux\/resources\/unified: cgroup v2 files cannot be set on a hybrid host/);
});

test("a create that fails after the cgroup is made (a missing program) removes it", { skip }, () => {
  const c = defaultConfig(["/bin/nothing-here"]);
  c.linux.cgroupsPath = `/${PARENT}/${newId("fail")}`;
  c.linux.resources.pids = { limit: 5 };
  assert.match(createFails(runts, c), /no such file or directory/);
});

test("--systemd-cgroup without systemd is a clear error, not a silent fallback", { skip }, () => {
  const c = defaultConfig(["/bin/probe", "exit", "0"]);
  c.linux.cgroupsPath = "system.slice:runts:x";
  assert.match(createFails(runts, c, ["--systemd-cgroup"]), /`--systemd-cgroup`: systemd is not running on this host/);
});

test("events: --stats prints runc's stats line with the limits; the watch reports an OOM kill", { skip: bbSkip }, async () => {
  const id = newId("cg");
  runDetached(id, "sleep 1; /bin/probe hog 200; exec sleep 100", { memory: { limit: 32 << 20, swap: 32 << 20 }, pids: { limit: 33 } });
  const watch = runts.spawn(["events", "--interval", "30s", id]);
  let out = "";
  watch.stdout.on("data", (d: Buffer) => (out += d.toString()));
  try {
    const line = runts.ok(["events", "--stats", id]).stdout;
    assert.ok(line.endsWith("}\n") && line.split("\n").length === 2, "one JSON line");
    const e = JSON.parse(line);
    assert.deepEqual([e.type, e.id], ["stats", id]);
    assert.equal(e.data.memory.usage.limit, 32 << 20);
    assert.equal(e.data.pids.limit, 33);
    assert.ok(e.data.pids.current >= 1);
    assert.ok(await waitFor(() => out.includes(`{"type":"oom","id":"${id}"}`), 10_000), `an oom event: ${out.slice(0, 200)}`);
    assert.ok(out.startsWith(`{"type":"stats","id":"${id}"`), "a stats line first");
  } finally {
    watch.kill();
    removeAndCheckGone(id);
  }
  assert.match(runts.run(["events", "--stats", id]).stderr, /container does not exist/);
});

test("no device rules in the config: only runc's defaults, not every device; kill --all of a paused container ends it", { skip: bbSkip }, async () => {
  const id = newId("cg");
  const pid = runDetached(id, "exec sleep 100", {}, (c) => { c.linux.resources = {}; });
  try {
    const devices = read(cg("devices", id, "devices.list")).split("\n");
    assert.ok(!devices.includes("a *:* rwm") && devices.includes("c 1:3 rwm"), devices.join(", "));
    runts.ok(["pause", id]);
    runts.ok(["kill", "--all", id, "KILL"]);
    assert.ok(await waitFor(() => !existsSync(`/proc/${pid}`) || /State:\s+Z/.test(read(`/proc/${pid}/status`))), "killed, not left frozen");
    assert.equal(read(cg("freezer", id, "freezer.state")), "THAWED");
    assert.equal(runts.state(id).status, "stopped");
  } finally {
    removeAndCheckGone(id);
  }
});
