/**
 * cgroup-stats.ts: what `runts events --stats` reports, read from cgroupfs
 * (v1, hybrid and v2) and written as runc 1.1's one-line event, key for key.
 *
 * The kernel's counters are uint64 and common ones pass 2^53 (an unlimited v1
 * limit reads 9223372036854771712), so every counter is a bigint and the JSON
 * text is written here rather than by JSON.stringify, which cannot print one.
 *
 * Where runc 1.1 fails the whole command on a missing or malformed file, we
 * leave that value at zero: a file that is not there is a number we do not know.
 * A file that is there but cannot be read (EACCES, EIO) is an error naming it.
 */
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { RuntimeError, describe, errnoCode } from "../runtime/errors.js";

const MAX_U64 = (1n << 64n) - 1n;

/** a cgroup file's text, or null when it is not there; a directory reads as its entry names, one a line */
export type Read = (file: string) => string | null;

export interface MemoryEntry { limit: bigint; usage: bigint; max: bigint; failcnt: bigint }
export interface BlkioEntry { major: bigint; minor: bigint; op: string; value: bigint }
export interface Hugetlb { usage: bigint; max: bigint; failcnt: bigint }

/** runc's blkio tables, in its key order (`ioQueueRecursive` is runc's spelling) */
export const BLKIO_TABLES = [
  "ioServiceBytesRecursive", "ioServicedRecursive", "ioQueueRecursive", "ioServiceTimeRecursive",
  "ioWaitTimeRecursive", "ioMergedRecursive", "ioTimeRecursive", "sectorsRecursive",
] as const;
export type BlkioTable = (typeof BLKIO_TABLES)[number];

/** the cpuset files after `cpuset.`, which are also runc's keys, in runc's order */
export const CPUSET_FLAGS = [
  "cpu_exclusive", "mem_hardwall", "mem_exclusive", "memory_migrate", "memory_spread_page",
  "memory_spread_slab", "memory_pressure", "sched_load_balance", "sched_relax_domain_level",
] as const;
export type CpusetFlag = (typeof CPUSET_FLAGS)[number];

export interface Stats {
  cpu: {
    total: bigint; percpu: bigint[]; percpuKernel: bigint[]; percpuUser: bigint[]; kernel: bigint; user: bigint;
    periods: bigint; throttledPeriods: bigint; throttledTime: bigint;
  };
  cpuset: { cpus: number[]; mems: number[]; flags: Record<CpusetFlag, bigint> };
  memory: {
    cache: bigint; usage: MemoryEntry; swap: MemoryEntry; kernel: MemoryEntry; kernelTCP: MemoryEntry;
    raw: Map<string, bigint>;
  };
  pids: { current: bigint; limit: bigint };
  blkio: Partial<Record<BlkioTable, BlkioEntry[]>>;
  hugetlb: Map<string, Hugetlb>;
}

/**
 * dirs: for v1/hybrid, controller name → that controller's cgroup directory of the
 * container (`""`, the cgroup2 of a hybrid host, holds no stats and is ignored);
 * for v2, `{ "": dir }`. A controller not in dirs leaves its section empty.
 */
export function readStats(version: 1 | 2, dirs: Record<string, string>, read: Read = readCgroupFile): Stats {
  const at = (controller: string): At => {
    const dir = dirs[controller];
    return (name) => (dir === undefined ? null : read(join(dir, name)));
  };
  return version === 1 ? readV1(at) : readV2(at(""));
}

/** how many processes the kernel's OOM killer took from the cgroup (0 when unknown) */
export function oomKillCount(version: 1 | 2, dirs: Record<string, string>, read: Read = readCgroupFile): number {
  // the same line, `oom_kill N`, lives in memory.oom_control on v1 and memory.events on v2
  const [dir, file] = version === 1 ? [dirs.memory, "memory.oom_control"] : [dirs[""], "memory.events"];
  if (dir === undefined) return 0;
  return Number(keyValues(read(join(dir, file))).get("oom_kill") ?? 0n);
}

/** the real cgroupfs; a directory lists its entries so that one seam serves tests and hugetlb's page sizes */
export function readCgroupFile(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    if (errnoCode(err) === "EISDIR") return readCgroupDir(path);
    if (NOT_THERE.has(errnoCode(err) ?? "")) return null;
    throw new RuntimeError(`read cgroup stats: ${describe(err)}`, { cause: err });
  }
}

function readCgroupDir(path: string): string | null {
  try {
    return readdirSync(path).join("\n");
  } catch (err) {
    if (NOT_THERE.has(errnoCode(err) ?? "")) return null;
    throw new RuntimeError(`read cgroup stats: ${describe(err)}`, { cause: err });
  }
}

// ENODEV: the cgroup was removed while we read it (the container exited);
// EOPNOTSUPP: cgroup.procs of a threaded cgroup
const NOT_THERE = new Set(["ENOENT", "ENOTDIR", "ENODEV", "EOPNOTSUPP"]);

/** one controller's files, by name */
type At = (name: string) => string | null;

// ---- cgroup v1: one directory per controller ----

function readV1(at: (controller: string) => At): Stats {
  const stats = emptyStats();
  Object.assign(stats.cpu, v1CpuUsage(at("cpuacct")), cpuStat(at("cpu"), V1_CPU_STAT));
  stats.cpuset = v1Cpuset(at("cpuset"));
  stats.memory = v1Memory(at("memory"));
  stats.pids = pids(at("pids"));
  stats.blkio = v1Blkio(at("blkio"));
  stats.hugetlb = v1Hugetlb(at("hugetlb"));
  return stats;
}

// cpuacct.stat counts USER_HZ ticks, which Linux fixes at 100 a second
const NS_PER_TICK = 10_000_000n;

function v1CpuUsage(f: At): Partial<Stats["cpu"]> {
  const ticks = keyValues(f("cpuacct.stat"));
  // cpuacct.usage_all: a `cpu user system` header, then one line per cpu
  const perCpu = lines(f("cpuacct.usage_all")).slice(1).map((l) => l.split(" ")).filter((c) => c.length === 3);
  return {
    total: num(f("cpuacct.usage")),
    percpu: words(f("cpuacct.usage_percpu")).map(num),
    percpuKernel: perCpu.map((c) => num(c[2])),
    percpuUser: perCpu.map((c) => num(c[1])),
    kernel: (ticks.get("system") ?? 0n) * NS_PER_TICK,
    user: (ticks.get("user") ?? 0n) * NS_PER_TICK,
  };
}

/** cpu.stat key → our field and the factor to nanoseconds (v1 counts ns, v2 µs) */
type CpuStatKeys = Record<string, [keyof Stats["cpu"], bigint]>;
const V1_CPU_STAT: CpuStatKeys = {
  nr_periods: ["periods", 1n], nr_throttled: ["throttledPeriods", 1n], throttled_time: ["throttledTime", 1n],
};
const V2_CPU_STAT: CpuStatKeys = {
  usage_usec: ["total", 1000n], user_usec: ["user", 1000n], system_usec: ["kernel", 1000n],
  nr_periods: ["periods", 1n], nr_throttled: ["throttledPeriods", 1n], throttled_usec: ["throttledTime", 1000n],
};

function cpuStat(f: At, keys: CpuStatKeys): Partial<Record<keyof Stats["cpu"], bigint>> {
  const out: Partial<Record<keyof Stats["cpu"], bigint>> = {};
  for (const [key, value] of keyValues(f("cpu.stat"))) {
    if (Object.hasOwn(keys, key)) out[keys[key][0]] = value * keys[key][1];
  }
  return out;
}

function v1Cpuset(f: At): Stats["cpuset"] {
  const flags = emptyStats().cpuset.flags;
  for (const flag of CPUSET_FLAGS) {
    const text = f(`cpuset.${flag}`);
    // the one signed value: -1 means "the system default"
    flags[flag] = (flag === "sched_relax_domain_level" ? int(text) : uint(text)) ?? 0n;
  }
  return { cpus: cpuList(f("cpuset.cpus")), mems: cpuList(f("cpuset.mems")), flags };
}

/** `0-3,8,10-11` → [0, 1, 2, 3, 8, 10, 11] */
function cpuList(text: string | null): number[] {
  const out: number[] = [];
  for (const part of (text ?? "").trim().split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) continue;
    for (let i = Number(m[1]); i <= Number(m[2] ?? m[1]); i++) out.push(i);
  }
  return out;
}

/** our field → the file prefix of its four v1 counters; memsw counts memory plus swap */
const V1_MEMORY_ENTRIES = [["usage", "memory"], ["swap", "memory.memsw"], ["kernel", "memory.kmem"], ["kernelTCP", "memory.kmem.tcp"]] as const;

function v1Memory(f: At): Stats["memory"] {
  const memory = emptyStats().memory;
  const stat = f("memory.stat");
  if (stat === null) return memory; // runc reports no memory at all without memory.stat
  memory.raw = keyValues(stat);
  memory.cache = memory.raw.get("cache") ?? 0n;
  for (const [field, prefix] of V1_MEMORY_ENTRIES) {
    memory[field] = {
      limit: num(f(`${prefix}.limit_in_bytes`)), usage: num(f(`${prefix}.usage_in_bytes`)),
      max: num(f(`${prefix}.max_usage_in_bytes`)), failcnt: num(f(`${prefix}.failcnt`)),
    };
  }
  return memory;
}

/** v1 and v2 alike; a v2 cgroup without the pids controller counts cgroup.procs, as runc does */
function pids(f: At): Stats["pids"] {
  const current = uint(f("pids.current"));
  const limit = uint(f("pids.max")) ?? 0n;
  // `max` (no limit) is reported as 0, runc's historic "unlimited"
  if (current !== null) return { current, limit: limit === MAX_U64 ? 0n : limit };
  return { current: BigInt(lines(f("cgroup.procs")).length), limit: 0n };
}

/** blkio counters and their tables, in the order runc reads them */
const BLKIO_ALL: [string, BlkioTable][] = [
  ["sectors", "sectorsRecursive"], ["io_service_time", "ioServiceTimeRecursive"],
  ["io_wait_time", "ioWaitTimeRecursive"], ["io_merged", "ioMergedRecursive"], ["io_queued", "ioQueueRecursive"],
  ["time", "ioTimeRecursive"], ["io_serviced", "ioServicedRecursive"], ["io_service_bytes", "ioServiceBytesRecursive"],
];
const BLKIO_SERVICED = BLKIO_ALL.slice(-2);
const blkioFiles = (prefix: string, suffix: string, set: [string, BlkioTable][]): [string, BlkioTable][] =>
  set.map(([name, table]) => [`${prefix}${name}${suffix}`, table]);
// the first set whose first file has entries wins: bfq with its debug files,
// bfq, cfq, then the throttle files that every kernel with blkio has
const V1_BLKIO = [
  blkioFiles("blkio.bfq.", "_recursive", BLKIO_ALL), blkioFiles("blkio.bfq.", "_recursive", BLKIO_SERVICED),
  blkioFiles("blkio.", "_recursive", BLKIO_ALL), blkioFiles("blkio.throttle.", "_recursive", BLKIO_SERVICED),
  blkioFiles("blkio.throttle.", "", BLKIO_SERVICED),
];

function v1Blkio(f: At): Stats["blkio"] {
  for (const set of V1_BLKIO) {
    const tables: Stats["blkio"] = {};
    for (const [file, table] of set) {
      const entries = lines(f(file)).map(blkioEntry).filter((e) => e !== null);
      if (entries.length === 0) break; // runc stops at the first empty file of a set
      tables[table] = entries;
    }
    if (Object.keys(tables).length > 0) return tables;
  }
  return {};
}

/** `8:0 Read 1282048` or `8:0 6792`; the `Total N` line is not a device */
function blkioEntry(line: string): BlkioEntry | null {
  const m = /^(\d+):(\d+)\s+(?:(\S+)\s+)?(\d+)$/.exec(line.trim());
  if (!m) return null;
  return { major: BigInt(m[1]), minor: BigInt(m[2]), op: m[3] ?? "", value: BigInt(m[4]) };
}

function v1Hugetlb(f: At): Map<string, Hugetlb> {
  return new Map(pageSizes(f, "usage_in_bytes").map((size) => [size, {
    usage: num(f(`hugetlb.${size}.usage_in_bytes`)),
    max: num(f(`hugetlb.${size}.max_usage_in_bytes`)),
    failcnt: num(f(`hugetlb.${size}.failcnt`)),
  }]));
}

/** the page sizes the kernel made files for (`hugetlb.2MB.current`); `hugetlb.2MB.rsvd.*` are not sizes */
function pageSizes(f: At, counter: string): string[] {
  const names = lines(f(".")).map((name) => name.split("."));
  return names.filter((n) => n.length === 3 && n[0] === "hugetlb" && n[2] === counter).map((n) => n[1]);
}

// ---- cgroup v2: one directory, runc's v1-shaped report ----

function readV2(f: At): Stats {
  const stats = emptyStats();
  Object.assign(stats.cpu, cpuStat(f, V2_CPU_STAT));
  stats.memory = v2Memory(f);
  stats.pids = pids(f);
  stats.blkio = v2Blkio(f);
  stats.hugetlb = v2Hugetlb(f);
  return stats; // runc 1.1 reports no cpuset on v2: it stays zero
}

function v2Memory(f: At): Stats["memory"] {
  const memory = emptyStats().memory;
  const stat = f("memory.stat");
  if (stat === null) return memory;
  memory.raw = keyValues(stat);
  memory.cache = memory.raw.get("file") ?? 0n;
  const usage = uint(f("memory.current"));
  if (usage === null) return memory; // runc stops here too
  memory.usage = { ...zeroEntry(), usage, limit: num(f("memory.max")) };
  // v1 counts swap as memory plus swap; runc reports v2 the same way, in uint64
  // arithmetic (a swap limit under an unlimited memory.max wraps round), and
  // without swap accounting (no memory.swap.current) it adds memory to zeros
  const swapUsage = uint(f("memory.swap.current"));
  const swapLimit = swapUsage === null ? 0n : num(f("memory.swap.max"));
  memory.swap = {
    ...zeroEntry(),
    usage: ((swapUsage ?? 0n) + usage) & MAX_U64,
    limit: swapLimit === MAX_U64 ? swapLimit : (swapLimit + memory.usage.limit) & MAX_U64,
  };
  return memory;
}

function v2Hugetlb(f: At): Map<string, Hugetlb> {
  return new Map(pageSizes(f, "current").map((size) => [size, {
    usage: num(f(`hugetlb.${size}.current`)),
    max: 0n, // v2 keeps no peak
    failcnt: keyValues(f(`hugetlb.${size}.events`)).get("max") ?? 0n,
  }]));
}

/** io.stat key → runc's v1 table and operation; the rest (discards) have no v1 table */
const IO_STAT: Record<string, [BlkioTable, string]> = {
  rbytes: ["ioServiceBytesRecursive", "Read"], wbytes: ["ioServiceBytesRecursive", "Write"],
  rios: ["ioServicedRecursive", "Read"], wios: ["ioServicedRecursive", "Write"],
};

/** `8:16 rbytes=1459200 wbytes=314773504 rios=192 wios=353 dbytes=0 dios=0` */
function v2Blkio(f: At): Stats["blkio"] {
  const tables: Stats["blkio"] = {};
  for (const [device, ...pairs] of lines(f("io.stat")).map(words)) {
    const dev = /^(\d+):(\d+)$/.exec(device);
    for (const [key, value] of pairs.map((p) => p.split("="))) {
      if (!dev || !Object.hasOwn(IO_STAT, key) || !/^\d+$/.test(value ?? "")) continue;
      const [table, op] = IO_STAT[key];
      (tables[table] ??= []).push({ major: BigInt(dev[1]), minor: BigInt(dev[2]), op, value: BigInt(value) });
    }
  }
  return tables;
}

// ---- parsing, as runc's fscommon does ----

/** a file holding one number; `max` (no limit) is 2^64-1 */
function uint(text: string | null): bigint | null {
  const s = text?.trim();
  return s === "max" ? MAX_U64 : decimal(s);
}

/** a uint64; a negative value (some memory counters dip below zero on kernel bugs) is 0 */
function decimal(s: string | undefined): bigint | null {
  if (s === undefined || !/^-?\d+$/.test(s)) return null;
  const n = BigInt(s);
  if (n < 0n) return 0n;
  return n <= MAX_U64 ? n : null;
}

function num(text: string | null): bigint {
  return uint(text) ?? 0n;
}

/** a signed number; `max` is 2^63-1 */
function int(text: string | null): bigint | null {
  const s = text?.trim();
  if (s === "max") return (1n << 63n) - 1n;
  return s !== undefined && /^[-+]?\d+$/.test(s) ? BigInt(s) : null;
}

/** `key value` lines (memory.stat, cpu.stat, memory.events...); other lines are skipped */
function keyValues(text: string | null): Map<string, bigint> {
  const out = new Map<string, bigint>();
  for (const line of lines(text)) {
    const parts = line.split(" ");
    const value = parts.length === 2 ? decimal(parts[1]) : null;
    if (value !== null) out.set(parts[0], value);
  }
  return out;
}

function lines(text: string | null): string[] {
  return (text ?? "").split("\n").filter((l) => l.trim() !== "");
}

function words(text: string | null): string[] {
  return (text ?? "").split(/\s+/).filter((w) => w !== "");
}

function zeroEntry(): MemoryEntry {
  return { limit: 0n, usage: 0n, max: 0n, failcnt: 0n };
}

export function emptyStats(): Stats {
  const flags = Object.fromEntries(CPUSET_FLAGS.map((f) => [f, 0n])) as Record<CpusetFlag, bigint>;
  return {
    cpu: { total: 0n, percpu: [], percpuKernel: [], percpuUser: [], kernel: 0n, user: 0n, periods: 0n, throttledPeriods: 0n, throttledTime: 0n },
    cpuset: { cpus: [], mems: [], flags },
    memory: { cache: 0n, usage: zeroEntry(), swap: zeroEntry(), kernel: zeroEntry(), kernelTCP: zeroEntry(), raw: new Map() },
    pids: { current: 0n, limit: 0n },
    blkio: {},
    hugetlb: new Map(),
  };
}

// ---- the event, as runc's types/events.go encodes it ----

/**
 * A JSON value. Objects keep their key order; a key ending in `?` is Go's
 * `omitempty` (left out when zero, "" or empty). Maps are Go maps: sorted keys.
 */
type Json = bigint | number | string | null | readonly Json[] | ReadonlyMap<string, Json> | { readonly [key: string]: Json };

/** `{"type":"stats","id":ID,"data":STATS}` and the newline Go's json.Encoder ends it with */
export function statsJson(id: string, stats: Stats): string {
  return encode({ type: "stats", id, data: dataJson(stats) }) + "\n";
}

function dataJson(s: Stats): Json {
  return {
    cpu: cpuJson(s.cpu),
    cpuset: cpusetJson(s.cpuset),
    memory: memoryJson(s.memory),
    pids: { "current?": s.pids.current, "limit?": s.pids.limit },
    blkio: Object.fromEntries(BLKIO_TABLES.map((t) => [`${t}?`, (s.blkio[t] ?? []).map(blkioJson)])),
    hugetlb: new Map([...s.hugetlb].map(([size, h]) => [size, { "usage?": h.usage, "max?": h.max, failcnt: h.failcnt }])),
    intel_rdt: {}, // runts manages no Intel RDT group
    network_interfaces: null,
  };
}

function cpuJson(c: Stats["cpu"]): Json {
  return {
    usage: {
      "total?": c.total, "percpu?": c.percpu, "percpu_kernel?": c.percpuKernel, "percpu_user?": c.percpuUser,
      kernel: c.kernel, user: c.user,
    },
    throttling: { "periods?": c.periods, "throttledPeriods?": c.throttledPeriods, "throttledTime?": c.throttledTime },
  };
}

function cpusetJson(c: Stats["cpuset"]): Json {
  const [exclusive, ...rest] = CPUSET_FLAGS; // runc puts cpu_exclusive between the two lists
  return {
    "cpus?": c.cpus, [exclusive]: c.flags[exclusive], "mems?": c.mems,
    ...Object.fromEntries(rest.map((flag) => [flag, c.flags[flag]])),
  };
}

function memoryJson(m: Stats["memory"]): Json {
  return {
    "cache?": m.cache, usage: entryJson(m.usage), swap: entryJson(m.swap),
    kernel: entryJson(m.kernel), kernelTCP: entryJson(m.kernelTCP), "raw?": m.raw,
  };
}

function entryJson(e: MemoryEntry): Json {
  return { limit: e.limit, "usage?": e.usage, "max?": e.max, failcnt: e.failcnt };
}

function blkioJson(e: BlkioEntry): Json {
  return { "major?": e.major, "minor?": e.minor, "op?": e.op, "value?": e.value };
}

function encode(v: Json): string {
  if (typeof v === "bigint" || typeof v === "number") return String(v);
  if (typeof v === "string") return goString(v);
  if (v === null) return "null";
  if (Array.isArray(v)) return `[${v.map(encode).join(",")}]`;
  if (v instanceof Map) return encodeFields([...v].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return encodeFields(Object.entries(v));
}

function encodeFields(fields: [string, Json][]): string {
  const parts: string[] = [];
  for (const [tagged, value] of fields) {
    const key = tagged.replace(/\?$/, "");
    if (key !== tagged && isEmpty(value)) continue;
    parts.push(`${goString(key)}:${encode(value)}`);
  }
  return `{${parts.join(",")}}`;
}

/** Go's omitempty: structs are never empty, so objects never are */
function isEmpty(v: Json): boolean {
  if (Array.isArray(v)) return v.length === 0;
  if (v instanceof Map) return v.size === 0;
  return v === 0n || v === 0 || v === "" || v === null;
}

/** Go escapes <, > and & (and U+2028/9) so its JSON is safe inside HTML; so do we, to match byte for byte */
function goString(s: string): string {
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
