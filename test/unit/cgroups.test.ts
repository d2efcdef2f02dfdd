// The cgroup planner, pure: cgroupsPath and resources → directories and
// files, on v1, hybrid and v2 hosts (v2 only here: these machines have no
// v2 controllers).
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  blkioWeightToIoWeight, cgroupMode, deviceLine, expandSlice, planCgroup, resourceWrites, sharesToWeight,
  type CgroupFacts, type CgroupWrite,
} from "../../src/plan/cgroups.js";
import { PlanError } from "../../src/plan/mounts.js";
import type { LinuxResources, Spec } from "../../src/spec/types.js";

const V1_CONTROLLERS = ["cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids"];

/** this machine: v1 controllers, name=systemd, cgroup2 at unified; runts' memory cgroup is nested */
const HYBRID: CgroupFacts = {
  hierarchies: [
    ...V1_CONTROLLERS.map((c) => ({ version: 1 as const, mountpoint: `/sys/fs/cgroup/${c}`, path: c === "memory" ? "/jobs/me" : "/", controllers: [c] })),
    { version: 1, mountpoint: "/sys/fs/cgroup/systemd", path: "/", controllers: ["name=systemd"] },
    { version: 2, mountpoint: "/sys/fs/cgroup/unified", path: "/", controllers: [] },
  ],
  v2Controllers: ["hugetlb"],
};

const V2: CgroupFacts = {
  hierarchies: [{ version: 2, mountpoint: "/sys/fs/cgroup", path: "/user.slice/session-1.scope", controllers: [] }],
  v2Controllers: ["cpuset", "cpu", "io", "memory", "hugetlb", "pids", "rdma"],
};

const V1: CgroupFacts = { hierarchies: HYBRID.hierarchies.filter((h) => h.version === 1) };

function spec(linux: Spec["linux"] = {}): Spec {
  return { ociVersion: "1.3.0", root: { path: "rootfs" }, process: { cwd: "/", args: ["sh"] }, linux } as Spec;
}

const plan = (s: Spec, facts: CgroupFacts, systemd = false) => planCgroup({ spec: s, id: "c1", systemd, facts })!;
const brief = (ws: CgroupWrite[]) => ws.map((w) => `${w.file}=${w.value}`);
const refused = (field: string, words: RegExp) => (err: unknown) =>
  err instanceof PlanError && err.jsonPath === field && words.test(err.message);

test("the host's mode comes from which cgroup filesystems are mounted", () => {
  assert.equal(cgroupMode(HYBRID), "hybrid");
  assert.equal(cgroupMode(V1), "v1");
  assert.equal(cgroupMode(V2), "v2");
  assert.equal(cgroupMode({ hierarchies: [] }), undefined);
  assert.equal(planCgroup({ spec: spec(), id: "c1", systemd: false, facts: { hierarchies: [] } }), undefined, "no cgroupfs: no cgroup");
});

test("an absolute cgroupsPath is taken from each hierarchy's root, in every hierarchy including name=systemd and unified", () => {
  const p = plan(spec({ cgroupsPath: "/default/c1" }), HYBRID);
  assert.equal(p.dirs.memory, "/sys/fs/cgroup/memory/default/c1");
  assert.equal(p.dirs["name=systemd"], "/sys/fs/cgroup/systemd/default/c1");
  assert.equal(p.dirs[""], "/sys/fs/cgroup/unified/default/c1", "hybrid: a directory in the unified hierarchy too, as runc");
  assert.equal(p.leaves.length, 10);
});

test("no cgroupsPath: the id, under runts' own cgroup in each hierarchy (runc's default)", () => {
  const p = plan(spec(), HYBRID);
  assert.equal(p.dirs.memory, "/sys/fs/cgroup/memory/jobs/me/c1");
  assert.equal(p.dirs.pids, "/sys/fs/cgroup/pids/c1");
  assert.equal(p.path, "c1");
});

test("a relative cgroupsPath goes under runts' own cgroup; `..` cannot climb out of it", () => {
  assert.equal(plan(spec({ cgroupsPath: "box/c1" }), HYBRID).dirs.memory, "/sys/fs/cgroup/memory/jobs/me/box/c1");
  assert.equal(plan(spec({ cgroupsPath: "../../../etc" }), HYBRID).dirs.memory, "/sys/fs/cgroup/memory/jobs/me/etc");
  assert.equal(plan(spec({ cgroupsPath: "/../../etc" }), HYBRID).dirs.memory, "/sys/fs/cgroup/memory/etc");
});

test("v2: a relative path sits beside runts' own cgroup, whose parent can delegate controllers", () => {
  const p = plan(spec({ cgroupsPath: "c1" }), V2);
  assert.deepEqual(p.dirs, { "": "/sys/fs/cgroup/user.slice/c1" });
  assert.deepEqual(p.leaves, ["/sys/fs/cgroup/user.slice/c1"]);
});

test("--systemd-cgroup: slice:prefix:name becomes systemd's scope path; without systemd, a clear error", () => {
  const withSystemd = { ...V2, systemd: true };
  assert.equal(plan(spec({ cgroupsPath: "system.slice:docker:abc" }), withSystemd, true).dirs[""], "/sys/fs/cgroup/system.slice/docker-abc.scope");
  assert.equal(plan(spec({ cgroupsPath: "a-b.slice:cri:x" }), withSystemd, true).dirs[""], "/sys/fs/cgroup/a.slice/a-b.slice/cri-x.scope");
  assert.equal(plan(spec(), withSystemd, true).dirs[""], "/sys/fs/cgroup/system.slice/runts-c1.scope");
  assert.equal(expandSlice("-.slice"), "/");
  assert.throws(() => plan(spec({ cgroupsPath: "/default/c1" }), withSystemd, true),
    { message: 'config.json: /linux/cgroupsPath: expected cgroupsPath to be of format "slice:prefix:name" for systemd cgroups, got "/default/c1" instead' });
  assert.throws(() => plan(spec({ cgroupsPath: "system.slice:docker:abc" }), HYBRID, true), /systemd is not running on this host/);
});

const FULL_V1: LinuxResources = {
  memory: { limit: 1 << 26, reservation: 1 << 25, swap: 1 << 27, kernel: 1 << 20, kernelTCP: 1 << 21, swappiness: 10, disableOOMKiller: true, useHierarchy: true },
  cpu: { shares: 512, quota: 50000, period: 100000, burst: 1000, realtimeRuntime: 900, realtimePeriod: 1000, cpus: "0-1", mems: "0", idle: 1 },
  pids: { limit: 64 },
  blockIO: {
    weight: 300, leafWeight: 200, weightDevice: [{ major: 8, minor: 0, weight: 400, leafWeight: 100 }],
    throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1048576 }], throttleWriteIOPSDevice: [{ major: 8, minor: 0, rate: 50 }],
  },
  hugepageLimits: [{ pageSize: "2MB", limit: 1 << 22 }],
  network: { classID: 0x100001, priorities: [{ name: "eth0", priority: 5 }] },
  rdma: { mlx5_1: { hcaHandles: 3, hcaObjects: 10000 } },
};

test("v1: every resource field lands in its file, in an order the kernel accepts", () => {
  assert.deepEqual(brief(resourceWrites(FULL_V1, "v1")), [
    "memory.limit_in_bytes=67108864", "memory.memsw.limit_in_bytes=134217728", "memory.soft_limit_in_bytes=33554432",
    "memory.kmem.tcp.limit_in_bytes=2097152", "memory.swappiness=10", "memory.oom_control=1", "memory.use_hierarchy=1",
    "cpu.shares=512", "cpu.cfs_period_us=100000", "cpu.cfs_quota_us=50000", "cpu.cfs_burst_us=1000",
    "cpu.rt_period_us=1000", "cpu.rt_runtime_us=900", "cpu.idle=1", "cpuset.cpus=0-1", "cpuset.mems=0",
    "pids.max=64", "blkio.weight=300", "blkio.leaf_weight=200", "net_cls.classid=1048577",
    "blkio.weight_device=8:0 400", "blkio.leaf_weight_device=8:0 100",
    "blkio.throttle.read_bps_device=8:0 1048576", "blkio.throttle.write_iops_device=8:0 50",
    "hugetlb.2MB.limit_in_bytes=4194304", "net_prio.ifpriomap=eth0 5", "rdma.max=mlx5_1 hca_handle=3 hca_object=10000",
  ]);
  const writes = resourceWrites(FULL_V1, "v1");
  assert.equal(writes[0].field, "/linux/resources/memory/limit");
  assert.equal(writes[0].pairedWithNext, true, "memory may need memsw raised first");
  assert.equal(writes.find((w) => w.file === "blkio.weight")?.fallback?.file, "blkio.bfq.weight");
  assert.equal(writes.find((w) => w.file.startsWith("hugetlb"))?.field, "/linux/resources/hugepageLimits/0");
  assert.ok(!writes.some((w) => w.file.startsWith("memory.kmem.limit")), "memory.kernel is deprecated: ignored, as the spec allows");
});

test("Docker's zeros mean not set; -1 means unlimited", () => {
  assert.deepEqual(resourceWrites({ cpu: { shares: 0, quota: 0 }, blockIO: { weight: 0 }, memory: { limit: 0 }, pids: { limit: 0 } }, "v1"), []);
  assert.deepEqual(brief(resourceWrites({ memory: { limit: -1 }, pids: { limit: -1 } }, "v1")),
    ["memory.limit_in_bytes=-1", "memory.memsw.limit_in_bytes=-1", "pids.max=max"]);
  assert.equal(resourceWrites({ memory: { limit: -1 } }, "v1")[1].optional, true, "memsw only where swap is accounted");
  assert.deepEqual(brief(resourceWrites({ memory: { limit: -1 }, pids: { limit: -1 } }, "v2")), ["memory.max=max", "memory.swap.max=max", "pids.max=max"]);
});

test("v2: v1-style values converted as runc 1.1 does (shares → weight, memsw → swap, blkio → io)", () => {
  const r: LinuxResources = {
    memory: { limit: 100_000_000, swap: 300_000_000, reservation: 50_000_000 },
    cpu: { shares: 1024, quota: 50000, period: 100000, burst: 1000, cpus: "1", idle: 0 },
    pids: { limit: 10 },
    blockIO: { weight: 500, weightDevice: [{ major: 8, minor: 0, weight: 200 }], throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 4096 }], throttleWriteIOPSDevice: [{ major: 8, minor: 16, rate: 0 }] },
    hugepageLimits: [{ pageSize: "1GB", limit: 1 << 30 }],
    rdma: { mlx4_0: { hcaHandles: 2 } },
    unified: { "memory.high": "90000000", "cgroup.max.depth": "4" },
  };
  assert.deepEqual(brief(resourceWrites(r, "v2")), [
    "memory.max=100000000", "memory.swap.max=200000000", "memory.low=50000000",
    "cpu.weight=39", "cpu.max=50000 100000", "cpu.max.burst=1000", "cpu.idle=0", "cpuset.cpus=1", "pids.max=10",
    "io.bfq.weight=500", "io.bfq.weight=8:0 200", "io.max=8:0 rbps=4096", "io.max=8:16 wiops=max",
    "hugetlb.1GB.max=1073741824", "rdma.max=mlx4_0 hca_handle=2", "memory.high=90000000", "cgroup.max.depth=4",
  ]);
  const weight = resourceWrites(r, "v2").find((w) => w.file === "io.bfq.weight");
  assert.deepEqual(weight?.fallback, { file: "io.weight", value: "default 4950" }, "no BFQ: io.weight in its own range");
  assert.deepEqual([sharesToWeight(2), sharesToWeight(1024), sharesToWeight(262144)], [1, 39, 10000]);
  assert.deepEqual([blkioWeightToIoWeight(10), blkioWeightToIoWeight(1000)], [1, 10000]);
  assert.deepEqual(brief(resourceWrites({ cpu: { period: 50000 } }, "v2")), ["cpu.max=max 50000"]);
  assert.equal(resourceWrites({ cpu: { period: 50000 } }, "v2")[0].field, "/linux/resources/cpu/period");
});

test("v2: what has no v2 file is refused by name, not dropped", () => {
  for (const [r, field] of [
    [{ memory: { swappiness: 60 } }, "/linux/resources/memory/swappiness"],
    [{ memory: { kernelTCP: 1 << 20 } }, "/linux/resources/memory/kernelTCP"],
    [{ cpu: { realtimeRuntime: 1000 } }, "/linux/resources/cpu/realtimeRuntime"],
    [{ network: { classID: 1 } }, "/linux/resources/network/classID"],
    [{ blockIO: { leafWeight: 10 } }, "/linux/resources/blockIO/leafWeight"],
  ] as Array<[LinuxResources, string]>)
    assert.throws(() => resourceWrites(r, "v2"), refused(field, /cgroup v2 has no equivalent/));
  assert.throws(() => resourceWrites({ memory: { swap: 10 } }, "v2"), refused("/linux/resources/memory/swap", /needs a memory limit/));
  assert.throws(() => resourceWrites({ memory: { limit: 10, swap: 5 } }, "v2"), refused("/linux/resources/memory/swap", /must not be below/));
});

test("v1 and hybrid: `unified` is refused, as are controllers the host has not mounted", () => {
  assert.throws(() => resourceWrites({ unified: { "memory.high": "1" } }, "hybrid"), refused("/linux/resources/unified", /controllers are v1/));
  assert.throws(() => plan(spec({ resources: { hugepageLimits: [{ pageSize: "2MB", limit: 4096 }] } }), HYBRID),
    refused("/linux/resources/hugepageLimits/0", /the `hugetlb` cgroup controller is not mounted on this host/));
  assert.throws(() => plan(spec({ resources: { rdma: { "mlx/0": { hcaHandles: 1 } } } }), { ...V2, v2Controllers: ["memory"] }),
    refused("/linux/resources/rdma/mlx~10", /the `rdma` cgroup controller is not available on this host/));
  assert.throws(() => plan(spec({ resources: { unified: { "../x": "1" } } }), V2), refused("/linux/resources/unified/..~1x", /not a cgroup file name/));
});

test("device rules: deny all, the config's, then runc's defaults and the devices the config creates, allowed", () => {
  const p = plan(spec({
    resources: { devices: [{ allow: false, access: "rwm" }, { allow: true, type: "c", major: 10, minor: -1, access: "r" }] },
    devices: [{ path: "/dev/fuse", type: "c", major: 10, minor: 229 }],
  }), HYBRID);
  assert.deepEqual(p.devices.slice(0, 3), [
    { allow: false, type: "a", access: "rwm" },
    { allow: false, type: "a", major: undefined, minor: undefined, access: "rwm", field: "/linux/resources/devices/0" },
    { allow: true, type: "c", major: 10, minor: undefined, access: "r", field: "/linux/resources/devices/1" },
  ]);
  const lines = p.writes.filter((w) => w.controller === "devices").map((w) => `${w.file} ${w.value}`);
  assert.deepEqual(lines.slice(0, 5), ["devices.deny a", "devices.deny a", "devices.allow c 10:* r", "devices.allow c *:* m", "devices.allow b *:* m"]);
  const bare = plan(spec(), HYBRID).writes.filter((w) => w.controller === "devices").map((w) => w.value);
  assert.equal(bare[0], "a", "no rules in the config: still deny all first, as runc's emulator starts from deny");
  assert.ok(!bare.includes("a *:* rwm"));
  assert.ok(lines.includes("devices.allow c 136:* rwm"), "terminals");
  assert.equal(lines.at(-1), "devices.allow c 10:229 rwm", "the device the config creates");
  assert.equal(deviceLine({ allow: true, type: "b", major: 8, minor: 0, access: "rw" }), "b 8:0 rw");
  assert.ok(!plan(spec(), V2).writes.some((w) => w.file.startsWith("devices.")), "v2: an eBPF program, not files");
});
