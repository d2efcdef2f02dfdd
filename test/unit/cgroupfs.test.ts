// cgroupfs against a fake tree: what runts writes where, on v2 (which these
// hybrid machines cannot exercise for real) and v1, and the runtime's
// cgroup commands (pause, update, kill --all, delete) through a fake host.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { applyWrites, cgroupPids, createCgroup, isFrozenNow, removeCgroup, setFrozen, type CgroupRecord } from "../../src/host/cgroupfs.js";
import { planCgroup, type CgroupFacts } from "../../src/plan/cgroups.js";
import type { Spec } from "../../src/spec/types.js";
import { deleteContainer } from "../../src/runtime/delete.js";
import { parseDuration } from "../../src/runtime/events.js";
import { kill } from "../../src/runtime/kill.js";
import { pause, resume } from "../../src/runtime/pause.js";
import { statusOf } from "../../src/runtime/status.js";
import { mergeResources, update } from "../../src/runtime/update.js";
import { fakeCgroupFs, sysError, type FakeCgroupFs } from "./fake-cgroupfs.js";
import { addContainer, fakeHost } from "./fake-host.js";

function spec(linux: Spec["linux"]): Spec {
  return { ociVersion: "1.3.0", root: { path: "rootfs" }, process: { cwd: "/", args: ["sh"] }, linux } as Spec;
}

function DEVICES(cfs: FakeCgroupFs) {
  cfs.put("devices/devices.list", "a *:* rwm\n");
  return { version: 1 as const, mountpoint: cfs.at("devices"), path: "/", controllers: ["devices"] };
}

/** a v2 root as the kernel shows it: controllers offered, none enabled yet */
function v2Tree(t: { after(fn: () => void): void }): { cfs: FakeCgroupFs; facts: CgroupFacts } {
  const cfs = fakeCgroupFs();
  t.after(() => cfs.cleanup());
  cfs.put("cgroup.controllers", "cpuset cpu io memory pids\n");
  cfs.put("cgroup.subtree_control", "");
  // a new v2 cgroup offers what its parent enabled, with the files of those controllers
  cfs.onMkdir = (dir) => {
    const parent = readFileSync(cfs.at(path.join(path.dirname(dir), "cgroup.subtree_control")), "utf8");
    cfs.put(path.join(dir, "cgroup.controllers"), parent);
    cfs.put(path.join(dir, "cgroup.subtree_control"), "");
    cfs.put(path.join(dir, "cgroup.procs"), "");
    for (const f of ["memory.max", "memory.swap.max", "pids.max", "cpu.max", "cpu.weight", "io.weight", "cgroup.freeze", "cgroup.events"])
      if (parent.includes(f.split(".")[0]) || f.startsWith("cgroup.")) cfs.put(path.join(dir, f), "");
  };
  // the kernel keeps one line per enabled controller; our fake keeps the words
  cfs.onWrite = (file, value) => {
    if (!file.endsWith("cgroup.subtree_control")) return;
    const had = readFileSync(cfs.at(file), "utf8").split(/\s+/).filter(Boolean);
    cfs.put(file, [...had, value.slice(1)].join(" "));
    throw Object.assign(new Error("handled"), { code: "HANDLED" });
  };
  return { cfs, facts: { hierarchies: [{ version: 2, mountpoint: cfs.root, path: "/", controllers: [] }], v2Controllers: ["cpuset", "cpu", "io", "memory", "pids"] } };
}

test("v2: each level delegates every offered controller to the next before the container's cgroup is made", (t) => {
  const { cfs, facts } = v2Tree(t);
  const p = planCgroup({ spec: spec({ cgroupsPath: "/pods/c1", resources: { memory: { limit: 1 << 20 }, pids: { limit: 5 } } }), id: "c1", systemd: false, facts })!;
  assert.deepEqual(createCgroup(p, cfs), [cfs.at("pods"), cfs.at("pods/c1")], "what it made, parents first");
  assert.equal(readFileSync(cfs.at("cgroup.subtree_control"), "utf8"), "cpuset cpu io memory pids");
  assert.equal(readFileSync(cfs.at("pods/cgroup.subtree_control"), "utf8"), "cpuset cpu io memory pids");
  cfs.onWrite = undefined;
  applyWrites(p.mode, p.dirs, p.writes, cfs);
  assert.equal(readFileSync(cfs.at("pods/c1/memory.max"), "utf8"), "1048576");
  assert.equal(readFileSync(cfs.at("pods/c1/pids.max"), "utf8"), "5");
});

test("v2: the weight goes to io.weight, converted, where BFQ's file is missing", (t) => {
  const { cfs, facts } = v2Tree(t);
  const p = planCgroup({ spec: spec({ cgroupsPath: "/c1", resources: { blockIO: { weight: 1000 } } }), id: "c1", systemd: false, facts })!;
  createCgroup(p, cfs);
  cfs.onWrite = undefined;
  applyWrites(p.mode, p.dirs, p.writes, cfs);
  assert.equal(readFileSync(cfs.at("c1/io.weight"), "utf8"), "default 10000");
});

test("a file the host lacks names the field; an optional one is skipped", (t) => {
  const cfs = fakeCgroupFs();
  t.after(() => cfs.cleanup());
  cfs.put("memory/c1/memory.limit_in_bytes", "");
  const dirs = { memory: cfs.at("memory/c1") };
  applyWrites("v1", dirs, [{ controller: "memory", file: "memory.memsw.limit_in_bytes", value: "-1", field: "/f", optional: true }], cfs);
  assert.throws(
    () => applyWrites("v1", dirs, [{ controller: "memory", file: "memory.swappiness", value: "1", field: "/linux/resources/memory/swappiness" }], cfs),
    { message: `config.json: /linux/resources/memory/swappiness: this host's kernel has no \`memory.swappiness\` in \`${dirs.memory}\`` },
  );
  cfs.onWrite = () => { throw sysError("EBUSY"); };
  assert.throws(
    () => applyWrites("v1", dirs, [{ controller: "memory", file: "memory.limit_in_bytes", value: "1", field: "/m" }], cfs),
    { message: `config.json: /m: write \`1\` to \`${dirs.memory}/memory.limit_in_bytes\`: refused` },
  );
});

test("v1: memory above the current memsw is written after memsw, as the kernel insists", (t) => {
  const cfs = fakeCgroupFs();
  t.after(() => cfs.cleanup());
  cfs.put("memory/c1/memory.limit_in_bytes", "100");
  cfs.put("memory/c1/memory.memsw.limit_in_bytes", "200");
  cfs.onWrite = (file, value) => {
    const memsw = Number(readFileSync(cfs.at("memory/c1/memory.memsw.limit_in_bytes"), "utf8"));
    if (file.endsWith("memory.limit_in_bytes") && Number(value) > memsw) throw sysError("EINVAL");
  };
  const writes = [
    { controller: "memory", file: "memory.limit_in_bytes", value: "300", field: "/l", pairedWithNext: true },
    { controller: "memory", file: "memory.memsw.limit_in_bytes", value: "400", field: "/s" },
  ];
  applyWrites("v1", { memory: cfs.at("memory/c1") }, writes, cfs);
  assert.deepEqual(cfs.writes.map(([f, v]) => `${path.basename(f)}=${v}`), ["memory.memsw.limit_in_bytes=400", "memory.limit_in_bytes=300"]);
});

test("v1: a new cpuset takes its parent's cpus and mems, or it could hold no task", (t) => {
  const cfs = fakeCgroupFs();
  t.after(() => cfs.cleanup());
  cfs.put("cpuset/cpuset.cpus", "0-3\n");
  cfs.put("cpuset/cpuset.mems", "0\n");
  cfs.onMkdir = (dir) => { cfs.put(path.join(dir, "cpuset.cpus"), "\n"); cfs.put(path.join(dir, "cpuset.mems"), "\n"); };
  const facts: CgroupFacts = { hierarchies: [{ version: 1, mountpoint: cfs.at("cpuset"), path: "/", controllers: ["cpuset"] }, DEVICES(cfs)] };
  const p = planCgroup({ spec: spec({ cgroupsPath: "/a/c1" }), id: "c1", systemd: false, facts })!;
  createCgroup(p, cfs);
  assert.equal(readFileSync(cfs.at("cpuset/a/cpuset.cpus"), "utf8"), "0-3");
  assert.equal(readFileSync(cfs.at("cpuset/a/c1/cpuset.mems"), "utf8"), "0");
});

test("a cgroup that already holds processes is someone else's: refused, and what runts made is removed", (t) => {
  const cfs = fakeCgroupFs();
  t.after(() => cfs.cleanup());
  cfs.put("pids/busy/cgroup.procs", "77\n");
  cfs.put("memory/cgroup.procs", "1\n");
  const facts: CgroupFacts = { hierarchies: [
    { version: 1, mountpoint: cfs.at("memory"), path: "/", controllers: ["memory"] },
    { version: 1, mountpoint: cfs.at("pids"), path: "/", controllers: ["pids"] },
    DEVICES(cfs),
  ] };
  const p = planCgroup({ spec: spec({ cgroupsPath: "/busy" }), id: "c1", systemd: false, facts })!;
  assert.throws(() => createCgroup(p, cfs), /cgroup `.*pids\/busy` already has processes in it/);
  assert.ok(!cfs.exists(cfs.at("memory/busy")), "the memory cgroup made for it is gone");
  assert.ok(cfs.exists(cfs.at("pids/busy")), "the one it found is left alone");
});

test("pids come from the cgroup and every cgroup below it; removal goes deepest first", async (t) => {
  const cfs = fakeCgroupFs();
  t.after(() => cfs.cleanup());
  cfs.put("c1/cgroup.procs", "10\n11\n");
  cfs.put("c1/sub/cgroup.procs", "12\n");
  assert.deepEqual(cgroupPids(cfs.at("c1"), cfs), [10, 11, 12]);
  await removeCgroup([cfs.at("c1"), cfs.at("gone")], cfs);
  assert.ok(!cfs.exists(cfs.at("c1")));
});

test("freezing waits for the kernel to say frozen: FROZEN on v1, `frozen 1` in cgroup.events on v2", async (t) => {
  const cfs = fakeCgroupFs();
  t.after(() => cfs.cleanup());
  cfs.put("v2/cgroup.freeze", "0");
  cfs.put("v2/cgroup.events", "populated 1\nfrozen 0\n");
  let polls = 0;
  cfs.onWrite = () => undefined;
  const rec = { mode: "v2" as const, dirs: { "": cfs.at("v2") } };
  const realRead = cfs.read;
  cfs.read = (file) => {
    if (file.endsWith("cgroup.events") && ++polls === 3) cfs.put("v2/cgroup.events", "populated 1\nfrozen 1\n");
    return realRead(file);
  };
  await setFrozen(rec, true, cfs);
  assert.ok(polls >= 3, "polled until the kernel was done");
  assert.equal(readFileSync(cfs.at("v2/cgroup.freeze"), "utf8"), "1");
  cfs.put("v1/freezer.state", "THAWED\n");
  const v1 = { mode: "hybrid" as const, dirs: { freezer: cfs.at("v1") } };
  await setFrozen(v1, true, cfs);
  assert.equal(isFrozenNow(v1, cfs), true);
});

/** a v1 container in the fake host: freezer and pids dirs with these processes */
function withCgroup(host: ReturnType<typeof fakeHost>, pids: number[], resources = {}): CgroupRecord {
  const cfs = host.cgroups;
  cfs.put("freezer/c1/freezer.state", "THAWED\n");
  cfs.put("freezer/c1/cgroup.procs", pids.map((p) => `${p}\n`).join(""));
  cfs.put("pids/c1/pids.max", "max\n");
  cfs.put("cpu/c1/cpu.shares", "1024\n");
  const dirs = { freezer: cfs.at("freezer/c1"), pids: cfs.at("pids/c1"), cpu: cfs.at("cpu/c1") };
  return { mode: "hybrid", dirs, owned: Object.values(dirs), resources };
}

test("kill --all signals every process in the cgroup, frozen meanwhile, even after the init is gone", async (t) => {
  const host = fakeHost();
  t.after(() => host.cleanup());
  const cgroup = withCgroup(host, [4242, 5000, 5001]);
  addContainer(host, "c1", "stopped", { cgroup });
  for (const pid of [5000, 5001]) host.stats.set(pid, `${pid} (sh) S`);
  await kill(host, "c1", { signal: "9", all: true });
  assert.deepEqual(host.kills, [[5000, 9], [5001, 9]], "the init (gone: ESRCH) is skipped, the others signalled");
  assert.deepEqual(host.cgroups.writes.filter(([f]) => f.endsWith("freezer.state")).map(([, v]) => v), ["FROZEN", "THAWED"]);
});

test("pause and resume: status follows the freezer; resume of a running container is refused", async (t) => {
  const host = fakeHost();
  t.after(() => host.cleanup());
  const r = addContainer(host, "c1", "running", { cgroup: withCgroup(host, [4242]) });
  await pause(host, "c1");
  assert.equal(statusOf(host.store.read("c1"), host), "paused");
  await assert.rejects(pause(host, "c1"), { message: "container not running: `c1`" });
  await resume(host, "c1");
  assert.equal(statusOf(r, host), "running");
  await assert.rejects(resume(host, "c1"), { message: "container not paused: `c1`" });
});

test("update merges into the recorded resources, zeros meaning unchanged, and keeps the result", async (t) => {
  const host = fakeHost();
  t.after(() => host.cleanup());
  addContainer(host, "c1", "running", { cgroup: withCgroup(host, [4242], { pids: { limit: 10 }, cpu: { shares: 512 } }) });
  await update(host, "c1", { pids: { limit: 20 }, cpu: { shares: 0 } });
  assert.equal(readFileSync(host.cgroups.at("pids/c1/pids.max"), "utf8"), "20");
  assert.deepEqual(host.store.read("c1")?.cgroup?.resources, { pids: { limit: 20 }, cpu: { shares: 512 } });
  await assert.rejects(update(host, "c1", { hugepageLimits: [{ pageSize: "2MB", limit: 1 }] }),
    { message: "`--resources`: /hugepageLimits/0: the `hugetlb` cgroup controller is not mounted on this host" });
  assert.deepEqual(mergeResources({ memory: { limit: 5, swap: 9 } }, { memory: { limit: 7 }, unified: {} }), { memory: { limit: 7, swap: 9 } });
});

test("update writes only what it names: a new limit is not checked against an old swap, cpu.max keeps its other half", async (t) => {
  const host = fakeHost();
  t.after(() => host.cleanup());
  host.cgroups.put("v2/c1/memory.max", "268435456");
  host.cgroups.put("v2/c1/memory.swap.max", "268435456");
  host.cgroups.put("v2/c1/cpu.max", "50000 100000");
  host.cgroups.put("v2/c1/cgroup.events", "frozen 0\n");
  const cgroup: CgroupRecord = { mode: "v2", dirs: { "": host.cgroups.at("v2/c1") }, owned: [], resources: { memory: { limit: 256 << 20, swap: 512 << 20 }, cpu: { quota: 50000, period: 100000 } } };
  addContainer(host, "c1", "running", { cgroup });
  await update(host, "c1", { memory: { limit: 1 << 30 } });
  assert.deepEqual(host.cgroups.writes.map(([f, v]) => `${path.basename(f)}=${v}`), ["memory.max=1073741824"]);
  host.cgroups.writes.length = 0;
  await update(host, "c1", { memory: { limit: -1 } });
  assert.deepEqual(host.cgroups.writes.map(([f, v]) => `${path.basename(f)}=${v}`), ["memory.max=max", "memory.swap.max=max"], "unlimited memory, unlimited swap");
  assert.equal(host.store.read("c1")?.cgroup?.resources.memory?.swap, -1);
  host.cgroups.writes.length = 0;
  await update(host, "c1", { cpu: { period: 200000 } });
  assert.deepEqual(host.cgroups.writes.map(([f, v]) => `${path.basename(f)}=${v}`), ["cpu.max=50000 200000"]);
});

test("kill --all of a paused container thaws it, so the signal is delivered (runc)", async (t) => {
  const host = fakeHost();
  t.after(() => host.cleanup());
  const cgroup = withCgroup(host, [4242]);
  addContainer(host, "c1", "running", { cgroup });
  await pause(host, "c1");
  await kill(host, "c1", { signal: "9", all: true });
  assert.equal(readFileSync(host.cgroups.at("freezer/c1/freezer.state"), "utf8"), "THAWED");
});

test("delete removes the cgroup runts made, after killing what is left in it", async (t) => {
  const host = fakeHost();
  t.after(() => host.cleanup());
  const cgroup = withCgroup(host, [6000]);
  addContainer(host, "c1", "stopped", { cgroup });
  host.stats.set(6000, "6000 (sh) S");
  await deleteContainer(host, "c1");
  assert.deepEqual(host.kills, [[6000, 9]], "a process that outlived the init (no pid namespace) is killed");
  assert.ok(!host.cgroups.exists(cgroup.dirs.freezer) && !host.cgroups.exists(cgroup.dirs.pids), "no cgroup directory left");
  assert.throws(() => host.store.read("c1"), /container does not exist/);
});

test("events --interval reads Go durations, as runc's flag does", () => {
  assert.deepEqual(["5s", "1m30s", "250ms", "1.5s"].map(parseDuration), [5000, 90000, 250, 1500]);
  assert.throws(() => parseDuration("5"), { message: "invalid duration `5`" });
  assert.throws(() => parseDuration("5s junk"), /invalid duration/);
});
