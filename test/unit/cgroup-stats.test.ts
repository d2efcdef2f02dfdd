// cgroup stats on fake cgroupfs trees: real files in a temporary directory,
// with contents copied from a hybrid host (v1) and from the kernel's
// cgroup-v2 documentation (v2), checked against the JSON runc prints.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { oomKillCount, readCgroupFile, readStats, statsJson } from "../../src/host/cgroup-stats.js";

/** files under a fresh temporary root, removed after the test */
function tree(t: TestContext, files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "runts-cgstats-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), text);
  }
  return root;
}

const V1_CONTROLLERS = ["cpu", "cpuacct", "cpuset", "memory", "pids", "blkio", "hugetlb"];

/** dirs as a hybrid host gives them: one per v1 controller, and the cgroup2 at unified */
function v1Dirs(root: string, controllers = V1_CONTROLLERS): Record<string, string> {
  const dirs: Record<string, string> = { "": join(root, "unified") };
  for (const c of controllers) dirs[c] = join(root, c);
  return dirs;
}

/** the data object of an event line, parsed (numbers past 2^53 lose digits: check those in the text) */
function data(line: string): any {
  return JSON.parse(line).data;
}

// A busybox `sleep` run by runc 1.1.5 on a hybrid host (cgroupsPath /stats-ref/x,
// memory limit 100000000, pids limit 50, cpu quota 50000/100000), frozen, its
// files read before and after `runc events --stats` to be sure they held still.
const HYBRID_HOST: Record<string, string> = {
  "cpu/cpu.stat": "nr_periods 2\nnr_throttled 0\nthrottled_time 0\nnr_bursts 0\nburst_time 0\n",
  "cpu/cpu.cfs_quota_us": "50000\n",
  "cpuacct/cpuacct.stat": "user 0\nsystem 0\n",
  "cpuacct/cpuacct.usage": "9424499\n",
  "cpuacct/cpuacct.usage_all": "cpu user system\n0 0 8000000\n1 0 4000000\n",
  "cpuacct/cpuacct.usage_percpu": "6072394 3352105 \n",
  "cpuset/cpuset.cpu_exclusive": "0\n",
  "cpuset/cpuset.cpus": "0-1\n",
  "cpuset/cpuset.effective_cpus": "0-1\n",
  "cpuset/cpuset.mem_exclusive": "0\n",
  "cpuset/cpuset.mem_hardwall": "0\n",
  "cpuset/cpuset.memory_migrate": "0\n",
  "cpuset/cpuset.memory_pressure": "0\n",
  "cpuset/cpuset.memory_spread_page": "0\n",
  "cpuset/cpuset.memory_spread_slab": "0\n",
  "cpuset/cpuset.mems": "0\n",
  "cpuset/cpuset.sched_load_balance": "1\n",
  "cpuset/cpuset.sched_relax_domain_level": "-1\n",
  "memory/memory.failcnt": "0\n",
  "memory/memory.kmem.failcnt": "0\n",
  "memory/memory.kmem.limit_in_bytes": "9223372036854771712\n",
  "memory/memory.kmem.max_usage_in_bytes": "593920\n",
  "memory/memory.kmem.tcp.failcnt": "0\n",
  "memory/memory.kmem.tcp.limit_in_bytes": "9223372036854771712\n",
  "memory/memory.kmem.tcp.max_usage_in_bytes": "0\n",
  "memory/memory.kmem.tcp.usage_in_bytes": "0\n",
  "memory/memory.kmem.usage_in_bytes": "237568\n",
  "memory/memory.limit_in_bytes": "99999744\n",
  "memory/memory.max_usage_in_bytes": "2404352\n",
  "memory/memory.memsw.failcnt": "0\n",
  "memory/memory.memsw.limit_in_bytes": "9223372036854771712\n",
  "memory/memory.memsw.max_usage_in_bytes": "2404352\n",
  "memory/memory.memsw.usage_in_bytes": "2134016\n",
  "memory/memory.oom_control": "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n",
  "memory/memory.stat": "cache 1679360\nrss 53248\nrss_huge 0\nshmem 0\nmapped_file 1220608\ndirty 0\nwriteback 0\nworkingset_refault_anon 0\nworkingset_refault_file 410\nswap 0\nswapcached 0\npgpgin 796\npgpgout 373\npgfault 661\npgmajfault 1\ninactive_anon 49152\nactive_anon 4096\ninactive_file 1085440\nactive_file 593920\nunevictable 0\nhierarchical_memory_limit 99999744\nhierarchical_memsw_limit 9223372036854771712\ntotal_cache 1679360\ntotal_rss 53248\ntotal_rss_huge 0\ntotal_shmem 0\ntotal_mapped_file 1220608\ntotal_dirty 0\ntotal_writeback 0\ntotal_workingset_refault_anon 0\ntotal_workingset_refault_file 410\ntotal_swap 0\ntotal_swapcached 0\ntotal_pgpgin 796\ntotal_pgpgout 373\ntotal_pgfault 661\ntotal_pgmajfault 1\ntotal_inactive_anon 49152\ntotal_active_anon 4096\ntotal_inactive_file 1085440\ntotal_active_file 593920\ntotal_unevictable 0\n",
  "memory/memory.usage_in_bytes": "2134016\n",
  "memory/memory.use_hierarchy": "1\n",
  "pids/pids.current": "1\n",
  "pids/pids.max": "50\n",
  "blkio/blkio.throttle.io_service_bytes": "Total 0\n",
  "blkio/blkio.throttle.io_service_bytes_recursive": "Total 0\n",
  "blkio/blkio.throttle.io_serviced": "Total 0\n",
  "blkio/blkio.throttle.io_serviced_recursive": "Total 0\n",
  // the hybrid host's cgroup2 has cpu.stat even with no controller: not ours to report on v1
  "unified/cpu.stat": "usage_usec 99999\nuser_usec 5\nsystem_usec 99994\n",
  "unified/cgroup.procs": "25232\n",
};

// what `runc events --stats rt1` printed for those same files
const RUNC_SAID =
  '{"type":"stats","id":"rt1","data":{"cpu":{"usage":{"total":9424499,"percpu":[6072394,3352105],"percpu_kernel":[8000000,4000000],"percpu_user":[0,0],"kernel":0,"user":0},"throttling":{"periods":2}},' +
  '"cpuset":{"cpus":[0,1],"cpu_exclusive":0,"mems":[0],"mem_hardwall":0,"mem_exclusive":0,"memory_migrate":0,"memory_spread_page":0,"memory_spread_slab":0,"memory_pressure":0,"sched_load_balance":1,"sched_relax_domain_level":-1},' +
  '"memory":{"cache":1679360,"usage":{"limit":99999744,"usage":2134016,"max":2404352,"failcnt":0},"swap":{"limit":9223372036854771712,"usage":2134016,"max":2404352,"failcnt":0},"kernel":{"limit":9223372036854771712,"usage":237568,"max":593920,"failcnt":0},"kernelTCP":{"limit":9223372036854771712,"failcnt":0},' +
  '"raw":{"active_anon":4096,"active_file":593920,"cache":1679360,"dirty":0,"hierarchical_memory_limit":99999744,"hierarchical_memsw_limit":9223372036854771712,"inactive_anon":49152,"inactive_file":1085440,"mapped_file":1220608,"pgfault":661,"pgmajfault":1,"pgpgin":796,"pgpgout":373,"rss":53248,"rss_huge":0,"shmem":0,"swap":0,"swapcached":0,"total_active_anon":4096,"total_active_file":593920,"total_cache":1679360,"total_dirty":0,"total_inactive_anon":49152,"total_inactive_file":1085440,"total_mapped_file":1220608,"total_pgfault":661,"total_pgmajfault":1,"total_pgpgin":796,"total_pgpgout":373,"total_rss":53248,"total_rss_huge":0,"total_shmem":0,"total_swap":0,"total_swapcached":0,"total_unevictable":0,"total_workingset_refault_anon":0,"total_workingset_refault_file":410,"total_writeback":0,"unevictable":0,"workingset_refault_anon":0,"workingset_refault_file":410,"writeback":0}},' +
  '"pids":{"current":1,"limit":50},"blkio":{},"hugetlb":{},"intel_rdt":{},"network_interfaces":null}}\n';

test("v1 (hybrid host): the same bytes runc 1.1.5 printed for the same cgroup files", (t) => {
  const root = tree(t, HYBRID_HOST);
  assert.equal(statsJson("rt1", readStats(1, v1Dirs(root))), RUNC_SAID);
});

test("the event and its data keep runc's key order", (t) => {
  const line = statsJson("rt1", readStats(1, v1Dirs(tree(t, HYBRID_HOST))));
  assert.deepEqual(Object.keys(JSON.parse(line)), ["type", "id", "data"]);
  assert.deepEqual(Object.keys(data(line)), ["cpu", "cpuset", "memory", "pids", "blkio", "hugetlb", "intel_rdt", "network_interfaces"]);
  assert.deepEqual(Object.keys(data(line).memory), ["cache", "usage", "swap", "kernel", "kernelTCP", "raw"]);
  assert.deepEqual(Object.keys(data(line).cpu.usage), ["total", "percpu", "percpu_kernel", "percpu_user", "kernel", "user"]);
});

test("numbers past 2^53 keep every digit, in the stats and in the text", (t) => {
  const root = tree(t, {
    ...HYBRID_HOST,
    "memory/memory.memsw.limit_in_bytes": "9223372036854771712\n",
    "memory/memory.kmem.limit_in_bytes": "18446744073709551615\n", // the largest uint64
  });
  const stats = readStats(1, v1Dirs(root));
  assert.equal(stats.memory.swap.limit, 9223372036854771712n);
  assert.equal(stats.memory.kernel.limit, 18446744073709551615n);
  assert.equal(stats.memory.raw.get("hierarchical_memsw_limit"), 9223372036854771712n);
  const line = statsJson("rt1", stats);
  assert.ok(line.includes('"swap":{"limit":9223372036854771712,'), line);
  assert.ok(line.includes('"kernel":{"limit":18446744073709551615,'), line);
  // what a float would have printed instead
  assert.equal(String(Number("9223372036854771712")), "9223372036854772000");
  assert.ok(!line.includes("9223372036854772000"));
});

// Every section empty, as runc prints it when nothing could be read: Go's
// omitempty drops zero counters and empty lists, never a struct.
const NOTHING =
  '{"type":"stats","id":"c1","data":{"cpu":{"usage":{"kernel":0,"user":0},"throttling":{}},' +
  '"cpuset":{"cpu_exclusive":0,"mem_hardwall":0,"mem_exclusive":0,"memory_migrate":0,"memory_spread_page":0,"memory_spread_slab":0,"memory_pressure":0,"sched_load_balance":0,"sched_relax_domain_level":0},' +
  '"memory":{"usage":{"limit":0,"failcnt":0},"swap":{"limit":0,"failcnt":0},"kernel":{"limit":0,"failcnt":0},"kernelTCP":{"limit":0,"failcnt":0}},' +
  '"pids":{},"blkio":{},"hugetlb":{},"intel_rdt":{},"network_interfaces":null}}\n';

test("no controllers, or directories that are gone, leave every section empty without an error", (t) => {
  assert.equal(statsJson("c1", readStats(1, {})), NOTHING);
  assert.equal(statsJson("c1", readStats(2, {})), NOTHING);
  const gone = join(tree(t, {}), "removed");
  assert.equal(statsJson("c1", readStats(1, v1Dirs(gone))), NOTHING);
  assert.equal(statsJson("c1", readStats(2, { "": gone })), NOTHING);
});

test("v1: a missing controller empties its own section only", (t) => {
  const root = tree(t, HYBRID_HOST);
  const got = data(statsJson("rt1", readStats(1, v1Dirs(root, ["memory", "cpuacct"]))));
  assert.deepEqual(got.pids, {});
  assert.deepEqual(got.cpu.throttling, {}); // cpu.stat lives in the cpu controller
  assert.equal(got.cpu.usage.total, 9424499); // cpuacct is still there
  assert.equal(got.cpuset.sched_load_balance, 0);
  assert.equal(got.memory.usage.limit, 99999744);
});

test("v1: without memory.stat runc reports no memory at all; without memsw, a zero swap", (t) => {
  const { ["memory/memory.stat"]: _, ...noStat } = HYBRID_HOST;
  assert.deepEqual(data(statsJson("x", readStats(1, v1Dirs(tree(t, noStat))))).memory, data(NOTHING).memory);
  const noSwap = Object.fromEntries(Object.entries(HYBRID_HOST).filter(([name]) => !name.includes("memsw")));
  const got = data(statsJson("x", readStats(1, v1Dirs(tree(t, noSwap))))).memory;
  assert.deepEqual(got.swap, { limit: 0, failcnt: 0 });
  assert.equal(got.usage.usage, 2134016);
});

test("v1: unreadable values count as zero, negative counters as zero (runc's ParseUint)", (t) => {
  const root = tree(t, { ...HYBRID_HOST, "memory/memory.limit_in_bytes": "garbage\n", "memory/memory.stat": "cache -4096\nrss 8192\nbad line here\n" });
  const stats = readStats(1, v1Dirs(root));
  assert.equal(stats.memory.usage.limit, 0n);
  assert.deepEqual([...stats.memory.raw], [["cache", 0n], ["rss", 8192n]]);
});

test("v1: cpuset lists with ranges, pids.max `max` as 0 (no limit), cpuacct ticks in ns", (t) => {
  const root = tree(t, {
    ...HYBRID_HOST,
    "cpuset/cpuset.cpus": "0-2,5,8-9\n",
    "pids/pids.max": "max\n",
    "cpuacct/cpuacct.stat": "user 12\nsystem 3\n",
  });
  const got = data(statsJson("x", readStats(1, v1Dirs(root))));
  assert.deepEqual(got.cpuset.cpus, [0, 1, 2, 5, 8, 9]);
  assert.deepEqual(got.pids, { current: 1 });
  assert.equal(got.cpu.usage.user, 120_000_000);
  assert.equal(got.cpu.usage.kernel, 30_000_000);
});

test("v1: blkio from the throttle files, the `Total` line dropped", (t) => {
  const root = tree(t, {
    "blkio/blkio.throttle.io_service_bytes_recursive": "8:0 Read 1282048\n8:0 Write 2195456\n8:0 Sync 2195456\n8:0 Async 1282048\n8:0 Discard 0\n8:0 Total 3477504\nTotal 3477504\n",
    "blkio/blkio.throttle.io_serviced_recursive": "8:0 Read 124\n8:0 Write 104\nTotal 228\n",
    "blkio/blkio.throttle.io_serviced": "8:0 Read 1\nTotal 1\n", // not the recursive file: not read
  });
  const line = statsJson("x", readStats(1, v1Dirs(root)));
  assert.ok(line.includes(
    '"blkio":{"ioServiceBytesRecursive":[{"major":8,"op":"Read","value":1282048},{"major":8,"op":"Write","value":2195456},' +
    '{"major":8,"op":"Sync","value":2195456},{"major":8,"op":"Async","value":1282048},{"major":8,"op":"Discard"},{"major":8,"op":"Total","value":3477504}],' +
    '"ioServicedRecursive":[{"major":8,"op":"Read","value":124},{"major":8,"op":"Write","value":104}]}'), line);
});

test("v1: the cfq files win over the throttle ones; an empty file ends the set", (t) => {
  const root = tree(t, {
    "blkio/blkio.sectors_recursive": "8:16 6792\nTotal 6792\n",
    "blkio/blkio.io_service_time_recursive": "8:16 Read 5\n",
    "blkio/blkio.io_wait_time_recursive": "Total 0\n",
    "blkio/blkio.io_merged_recursive": "8:16 Read 9\n",
    "blkio/blkio.throttle.io_service_bytes_recursive": "8:0 Read 1\n",
    "blkio/blkio.throttle.io_serviced_recursive": "8:0 Read 1\n",
  });
  assert.deepEqual(data(statsJson("x", readStats(1, v1Dirs(root)))).blkio, {
    ioServiceTimeRecursive: [{ major: 8, minor: 16, op: "Read", value: 5 }],
    sectorsRecursive: [{ major: 8, minor: 16, value: 6792 }],
  });
});

test("v1: hugetlb per page size, sizes sorted as Go sorts map keys, reservations not taken for sizes", (t) => {
  const root = tree(t, {
    ...HYBRID_HOST,
    "hugetlb/hugetlb.2MB.usage_in_bytes": "2097152\n",
    "hugetlb/hugetlb.2MB.max_usage_in_bytes": "4194304\n",
    "hugetlb/hugetlb.2MB.failcnt": "3\n",
    "hugetlb/hugetlb.2MB.limit_in_bytes": "9223372036854771712\n",
    "hugetlb/hugetlb.2MB.rsvd.usage_in_bytes": "0\n",
    "hugetlb/hugetlb.1GB.usage_in_bytes": "0\n",
    "hugetlb/hugetlb.1GB.max_usage_in_bytes": "0\n",
    "hugetlb/hugetlb.1GB.failcnt": "0\n",
  });
  const line = statsJson("x", readStats(1, v1Dirs(root)));
  assert.ok(line.includes('"hugetlb":{"1GB":{"failcnt":0},"2MB":{"usage":2097152,"max":4194304,"failcnt":3}}'), line);
});

// cgroup v2: file formats and example values from Documentation/admin-guide/cgroup-v2.rst
const V2_HOST: Record<string, string> = {
  "cgroup.controllers": "cpuset cpu io memory hugetlb pids\n",
  "cgroup.procs": "4242\n4250\n4251\n",
  "cpu.stat": "usage_usec 1543210\nuser_usec 1000000\nsystem_usec 543210\nnr_periods 120\nnr_throttled 7\nthrottled_usec 35000\nnr_bursts 0\nburst_usec 0\n",
  "cpuset.cpus.effective": "0-3\n",
  "memory.current": "8388608\n",
  "memory.max": "268435456\n",
  "memory.swap.current": "1048576\n",
  "memory.swap.max": "max\n",
  "memory.events": "low 0\nhigh 0\nmax 12\noom 2\noom_kill 1\noom_group_kill 0\n",
  "memory.stat": "anon 4194304\nfile 3145728\nkernel 786432\nkernel_stack 65536\npagetables 131072\nsock 0\nshmem 0\nfile_mapped 1048576\nfile_dirty 0\nfile_writeback 0\nanon_thp 0\ninactive_anon 4096000\nactive_anon 98304\ninactive_file 2097152\nactive_file 1048576\nunevictable 0\nslab 458752\npgfault 5120\npgmajfault 3\n",
  "pids.current": "3\n",
  "pids.max": "128\n",
  "io.stat": "8:16 rbytes=1459200 wbytes=314773504 rios=192 wios=353 dbytes=0 dios=0\n8:0 rbytes=90430464 wbytes=299008000 rios=8950 wios=1252 dbytes=50331648 dios=3021\n",
  "hugetlb.2MB.current": "4194304\n",
  "hugetlb.2MB.max": "max\n",
  "hugetlb.2MB.events": "max 2\n",
  "hugetlb.2MB.events.local": "max 2\n",
  "hugetlb.2MB.rsvd.current": "0\n",
  "hugetlb.2MB.rsvd.max": "max\n",
  "hugetlb.1GB.current": "0\n",
  "hugetlb.1GB.max": "max\n",
  "hugetlb.1GB.events": "max 0\n",
};

// worked out from runc 1.1.5's fs2 readers: µs ×1000, swap reported as memory
// plus swap, io.stat mapped onto the v1 tables, no cpuset, no peaks
const V2_EXPECTED =
  '{"type":"stats","id":"c2","data":{"cpu":{"usage":{"total":1543210000,"kernel":543210000,"user":1000000000},"throttling":{"periods":120,"throttledPeriods":7,"throttledTime":35000000}},' +
  '"cpuset":{"cpu_exclusive":0,"mem_hardwall":0,"mem_exclusive":0,"memory_migrate":0,"memory_spread_page":0,"memory_spread_slab":0,"memory_pressure":0,"sched_load_balance":0,"sched_relax_domain_level":0},' +
  '"memory":{"cache":3145728,"usage":{"limit":268435456,"usage":8388608,"failcnt":0},"swap":{"limit":18446744073709551615,"usage":9437184,"failcnt":0},"kernel":{"limit":0,"failcnt":0},"kernelTCP":{"limit":0,"failcnt":0},' +
  '"raw":{"active_anon":98304,"active_file":1048576,"anon":4194304,"anon_thp":0,"file":3145728,"file_dirty":0,"file_mapped":1048576,"file_writeback":0,"inactive_anon":4096000,"inactive_file":2097152,"kernel":786432,"kernel_stack":65536,"pagetables":131072,"pgfault":5120,"pgmajfault":3,"shmem":0,"slab":458752,"sock":0,"unevictable":0}},' +
  '"pids":{"current":3,"limit":128},' +
  '"blkio":{"ioServiceBytesRecursive":[{"major":8,"minor":16,"op":"Read","value":1459200},{"major":8,"minor":16,"op":"Write","value":314773504},{"major":8,"op":"Read","value":90430464},{"major":8,"op":"Write","value":299008000}],' +
  '"ioServicedRecursive":[{"major":8,"minor":16,"op":"Read","value":192},{"major":8,"minor":16,"op":"Write","value":353},{"major":8,"op":"Read","value":8950},{"major":8,"op":"Write","value":1252}]},' +
  '"hugetlb":{"1GB":{"failcnt":0},"2MB":{"usage":4194304,"failcnt":2}},"intel_rdt":{},"network_interfaces":null}}\n';

test("v2: cpu.stat, memory, pids, io.stat and hugetlb as runc reports them", (t) => {
  const root = tree(t, V2_HOST);
  assert.equal(statsJson("c2", readStats(2, { "": root })), V2_EXPECTED);
});

test("v2: only the unified directory counts", (t) => {
  const root = tree(t, V2_HOST);
  const elsewhere = tree(t, { "memory.current": "1\n", "pids.current": "99\n" });
  assert.equal(statsJson("c2", readStats(2, { "": root, memory: elsewhere, pids: elsewhere })), V2_EXPECTED);
});

test("v2: swap limits add up in uint64 arithmetic, as runc's do", (t) => {
  const root = tree(t, { ...V2_HOST, "memory.max": "max\n", "memory.swap.max": "104857600\n" });
  const { swap, usage } = readStats(2, { "": root }).memory;
  assert.equal(usage.limit, 18446744073709551615n);
  assert.equal(swap.limit, 104857599n); // 104857600 + (2^64 - 1), wrapped
});

test("v2: no swap accounting still reports swap as the memory figures", (t) => {
  const { ["memory.swap.current"]: _, ["memory.swap.max"]: __, ...noSwap } = V2_HOST;
  const got = data(statsJson("c2", readStats(2, { "": tree(t, noSwap) }))).memory;
  assert.deepEqual(got.swap, { limit: 268435456, usage: 8388608, failcnt: 0 });
});

test("v2: without the pids controller, cgroup.procs is counted and no limit is reported", (t) => {
  const { ["pids.current"]: _, ["pids.max"]: __, ...noPids } = V2_HOST;
  assert.deepEqual(data(statsJson("c2", readStats(2, { "": tree(t, noPids) }))).pids, { current: 3 });
});

test("v2: without memory.current (the root cgroup) runc stops after memory.stat", (t) => {
  const { ["memory.current"]: _, ...noCurrent } = V2_HOST;
  const got = data(statsJson("c2", readStats(2, { "": tree(t, noCurrent) }))).memory;
  assert.equal(got.cache, 3145728);
  assert.deepEqual(got.usage, { limit: 0, failcnt: 0 });
  assert.deepEqual(got.swap, { limit: 0, failcnt: 0 });
});

test("oom kills: memory.oom_control on v1, memory.events on v2, 0 when unknown", (t) => {
  const v1 = tree(t, { "memory/memory.oom_control": "oom_kill_disable 0\nunder_oom 0\noom_kill 4\n" });
  assert.equal(oomKillCount(1, { memory: join(v1, "memory") }), 4);
  assert.equal(oomKillCount(2, { "": tree(t, V2_HOST) }), 1);
  assert.equal(oomKillCount(1, {}), 0);
  assert.equal(oomKillCount(2, { "": join(v1, "nowhere") }), 0);
  assert.equal(oomKillCount(1, v1Dirs(tree(t, HYBRID_HOST))), 0);
});

test("a fake read is asked only for the container's own files; hybrid's cgroup2 is never read on v1", () => {
  const asked: string[] = [];
  const files = new Map(Object.entries(HYBRID_HOST).map(([name, text]) => [`/cg/${name}`, text]));
  const read = (file: string): string | null => {
    asked.push(file);
    return files.get(file) ?? null;
  };
  assert.equal(statsJson("rt1", readStats(1, v1Dirs("/cg"), read)), RUNC_SAID);
  assert.ok(asked.length > 0 && asked.every((f) => f.startsWith("/cg/") && !f.startsWith("/cg/unified")), asked.join(" "));
});

test("the real reader: a file's text, a directory's names, null for what is not there", (t) => {
  const root = tree(t, { "hugetlb.2MB.current": "0\n", "cpu.stat": "usage_usec 1\n" });
  assert.equal(readCgroupFile(join(root, "cpu.stat")), "usage_usec 1\n");
  assert.deepEqual(readCgroupFile(root)?.split("\n").sort(), ["cpu.stat", "hugetlb.2MB.current"]);
  assert.equal(readCgroupFile(join(root, "missing")), null);
  assert.equal(readCgroupFile(join(root, "cpu.stat", "below-a-file")), null);
});

test("an id is written as Go writes strings: <, > and & escaped", () => {
  const line = statsJson("a<b>&c", readStats(1, {}));
  assert.ok(line.startsWith('{"type":"stats","id":"a\\u003cb\\u003e\\u0026c","data":'), line);
});
