// Hostile config.json files for the fuzzer (issue 6): structural mutations of
// valid configs, and the property every one of them must keep, checked on
// the pure half of create (validator, planner, wire encoder). Shared by
// test/unit/fuzz.test.ts, test/integration/fuzz.test.ts and scripts/fuzz.mjs.
//
// A case is data (a base config, a list of mutations, the host it plans for),
// so fast-check can shrink it and a failure prints something replayable.
import { readFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { encodePlan } from "../../src/native/wire.js";
import type { CgroupFacts } from "../../src/plan/cgroups.js";
import { PlanError } from "../../src/plan/mounts.js";
import { planInit, type InitPlan } from "../../src/plan/plan.js";
import { RuntimeError } from "../../src/runtime/errors.js";
import { ConfigError, parseConfig } from "../../src/spec/validate.js";
import { repoRoot, ROOT_FACTS } from "../unit/fixtures.js";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

// ---------------------------------------------------------------- the valid configs we start from

/** the fixtures, and the example every user copies first */
export const BASE_FILES: Record<string, string> = {
  "runc-spec": "test/fixtures/configs/runc-spec.json",
  containerd: "test/fixtures/configs/containerd.json",
  podman: "test/fixtures/configs/podman.json",
  docker: "test/fixtures/configs/docker.json",
  "full-v1.3": "test/fixtures/configs/full-v1.3.json",
  hello: "examples/hello/config.json",
};
export const BASES = Object.keys(BASE_FILES);

const cache = new Map<string, Obj>();
export function baseConfig(name: string): Obj {
  if (!cache.has(name)) cache.set(name, JSON.parse(readFileSync(path.join(repoRoot(), BASE_FILES[name]), "utf8")));
  return structuredClone(cache.get(name)!);
}

// ---------------------------------------------------------------- hostile values

/** numbers as JSON text: what JSON.parse makes of them is part of the test (1e400 is Infinity) */
export const HOSTILE_NUMBERS = [
  "-1", "0", "-0", "0.5", "-2147483649", "2147483648", "4294967295", "4294967296", "9007199254740993",
  "9223372036854775807", "9223372036854775808", "18446744073709551615", "18446744073709551616",
  "1e308", "-1e308", "1e400", "-1e400", "1e-400", "123456789012345678901234567890", "1E3",
];

export const HOSTILE_STRINGS = [
  "", ".", "..", "/", "//", "../../etc", "/../../../../etc/passwd", "/proc/self/root/etc", "/dev/../../etc",
  "a\u0000b", "\u0000", "/tmp/\u0000x", "x\ny", " ", "~", "-", "\u00e9\u4e2d", "\ud800", "$(reboot)", "*",
  "CAP_SYS_ADMIN", "SCMP_ACT_KILL", "/proc/sys/kernel/core_pattern", "a=b", "=", "rbind", "shared", "idmap",
];

/** a value that is large to hold: what a hostile client sends to make runts slow or crash */
export type Big = { big: "string" | "array" | "object" | "nest"; size: number };

/** what a mutation writes: a JSON value, a number literal kept as text, or something big */
export type Hostile = { json: Json } | { literal: string } | Big;

const hostileValue: fc.Arbitrary<Hostile> = fc.oneof(
  fc.constantFrom(...HOSTILE_NUMBERS).map((literal) => ({ literal })),
  fc.constantFrom(...HOSTILE_STRINGS).map((s): Hostile => ({ json: s })),
  fc.string({ maxLength: 12, unit: "binary" }).map((s): Hostile => ({ json: s })),
  fc.constantFrom<Json>(null, true, false, [], {}, [null], { "": "" }, ["/"], [["a"]]).map((json) => ({ json })),
  fc.record({ big: fc.constantFrom("string", "array", "object"), size: fc.constantFrom(1000, 100_000) }) as fc.Arbitrary<Big>,
  fc.record({ big: fc.constant("nest"), size: fc.constantFrom(100, 5000, 100_000) }) as fc.Arbitrary<Big>,
);

// ---------------------------------------------------------------- mutations

/**
 * `pick` chooses among the places that fit, counted in the config as it is
 * when the mutation applies (so a case stays valid data while it shrinks).
 */
export type Mutation =
  | { op: "set"; pick: number; value: Hostile } // any value becomes a hostile one
  | { op: "number"; pick: number; literal: string } // a number stays a number, an absurd one
  | { op: "string"; pick: number; value: string } // a string stays a string, a hostile one
  | { op: "delete"; pick: number } // a key or an entry goes
  | { op: "duplicate"; pick: number } // an array entry twice (mounts, namespaces, devices...)
  | { op: "unknown"; pick: number; key: string; value: Hostile } // a key no schema knows
  | { op: "graft"; pick: number } // a field of the full v1.3 config, valid, where it belongs
  | { op: "splice"; pick: number; snippet: number }; // a valid but sharp entry from SNIPPETS

/** entries that pass the schema and test the planner and the host: traversal, symlinks, absurd but typed numbers */
export const SNIPPETS: Array<[pointer: string, value: Json]> = [
  ["/mounts/-", { destination: "/../../../tmp/escape", type: "tmpfs", source: "tmpfs" }],
  ["/mounts/-", { destination: "/dev/x/../../..", type: "tmpfs", source: "tmpfs", options: ["mode=777"] }],
  ["/mounts/-", { destination: "/proc", type: "bind", source: "/", options: ["rbind", "rw"] }],
  ["/mounts/-", { destination: "/etc", type: "bind", source: "/etc", options: ["bind", "rshared"] }],
  ["/mounts/-", { destination: "/tmp", type: "tmpfs", source: "tmpfs", options: ["size=1e400", "nr_inodes=-1"] }],
  ["/mounts/-", { destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options: ["ro"] }],
  ["/mounts/-", { destination: "/x", type: "none", source: "/nonexistent\n", options: ["bind", "idmap"] }],
  ["/linux/maskedPaths/-", "/../../etc/passwd"],
  ["/linux/maskedPaths/-", "relative/path"],
  ["/linux/readonlyPaths/-", "/proc/../../../etc"],
  ["/linux/devices/-", { path: "/dev/../../tmp/dev-escape", type: "c", major: 1, minor: 3 }],
  ["/linux/devices/-", { path: "/dev/big", type: "c", major: 4294967296, minor: 1 }],
  ["/linux/devices/-", { path: "/dev/neg", type: "b", major: -1, minor: -1 }],
  ["/linux/devices/-", { path: "/dev/fifo", type: "p", fileMode: 4294967295 }],
  ["/linux/devices/-", { path: "dev/rel", type: "u", major: 1, minor: 1 }],
  ["/linux/sysctl", { "net.ipv4.ip_forward": "1", "kernel.core_pattern": "|/bin/sh", "../../x": "1" }],
  ["/linux/sysctl", { "net/../../../kernel/core_pattern": "1" }],
  ["/linux/cgroupsPath", "/../../.."],
  ["/linux/cgroupsPath", ".."],
  ["/linux/cgroupsPath", "/"],
  ["/linux/cgroupsPath", "a:b:c"],
  ["/linux/resources", { memory: { limit: 9223372036854775807, swap: -1 }, cpu: { shares: 18446744073709551615, quota: -1, period: 0 }, pids: { limit: -9223372036854775808 } }],
  ["/linux/resources", { unified: { "../../../etc/x": "1", "memory.max": "max\nmin" } }],
  ["/linux/resources", { devices: [{ allow: true, type: "c", major: -5, minor: 4294967296, access: "rwm" }] }],
  ["/linux/resources", { hugepageLimits: [{ pageSize: "2MB", limit: 18446744073709551615 }], blockIO: { weightDevice: [{ major: -1, minor: -1, weight: 10 }] } }],
  ["/linux/resources", { cpu: { cpus: "0-1000000000", mems: "-1", realtimeRuntime: -1 } }],
  ["/linux/namespaces/-", { type: "network", path: "/proc/self/ns/net" }],
  ["/linux/namespaces/-", { type: "user" }],
  ["/linux/namespaces/-", { type: "time" }],
  ["/linux/uidMappings", [{ containerID: 0, hostID: 4294967295, size: 4294967295 }]],
  ["/linux/timeOffsets", { monotonic: { secs: 9223372036854775807, nanosecs: 4294967295 } }],
  ["/linux/seccomp", { defaultAction: "SCMP_ACT_ERRNO", defaultErrnoRet: 4294967295, syscalls: [{ names: ["read"], action: "SCMP_ACT_ALLOW", args: [{ index: 4294967295, value: 18446744073709551615, op: "SCMP_CMP_EQ" }] }] }],
  ["/linux/seccomp", { defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_X86", "SCMP_ARCH_X86"], syscalls: [{ names: [], action: "SCMP_ACT_KILL" }] }],
  ["/linux/personality", { domain: "LINUX32", flags: ["x"] }],
  ["/linux/rootfsPropagation", "shared"],
  ["/process/rlimits/-", { type: "RLIMIT_NOFILE", soft: 18446744073709551616, hard: 1 }],
  ["/process/rlimits/-", { type: "RLIMIT_CPU", soft: 0, hard: 0 }],
  ["/process/scheduler", { policy: "SCHED_FIFO", priority: -1, nice: -2147483648 }],
  ["/process/scheduler", { policy: "SCHED_DEADLINE", runtime: 18446744073709551615, deadline: 1, period: 1 }],
  ["/process/ioPriority", { class: "IOPRIO_CLASS_RT", priority: 7 }],
  ["/process/execCPUAffinity", { initial: "0", final: "0-1023,1024" }],
  ["/process/oomScoreAdj", 2147483647],
  ["/process/user", { uid: 4294967295, gid: 4294967295, umask: 4294967295, additionalGids: [4294967295, 0] }],
  ["/process/consoleSize", { height: 4294967295, width: 0 }],
  ["/process/cwd", "/../../../../"],
  ["/process/args", ["/../../../bin/probe", "exit", "0"]],
  ["/process/capabilities", { bounding: ["CAP_SYS_ADMIN"], ambient: ["CAP_SYS_ADMIN"], effective: ["CAP_BLOCK_SUSPEND"] }],
  ["/hooks", { createRuntime: [{ path: "relative/hook", timeout: 0 }], poststop: [{ path: "/../../bin/true", args: [] }] }],
  ["/hooks", { prestart: [{ path: "/bin/false", env: ["=x"] }] }],
  ["/root", { path: "/" }],
  ["/root", { path: "../../../../" }],
  ["/hostname", "a".repeat(100)],
  ["/annotations", { "": "", "\u0000": "x" }],
];

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant("set" as const), pick: fc.nat(), value: hostileValue }),
  fc.record({ op: fc.constant("number" as const), pick: fc.nat(), literal: fc.constantFrom(...HOSTILE_NUMBERS) }),
  fc.record({ op: fc.constant("string" as const), pick: fc.nat(), value: fc.oneof(fc.constantFrom(...HOSTILE_STRINGS), fc.string({ maxLength: 8 })) }),
  fc.record({ op: fc.constant("delete" as const), pick: fc.nat() }),
  fc.record({ op: fc.constant("duplicate" as const), pick: fc.nat() }),
  fc.record({ op: fc.constant("unknown" as const), pick: fc.nat(), key: fc.constantFrom("x", "", "__proto__", "constructor", "a/b", "~0"), value: hostileValue }),
  fc.record({ op: fc.constant("graft" as const), pick: fc.nat() }),
  fc.record({ op: fc.constant("splice" as const), pick: fc.nat(), snippet: fc.nat({ max: SNIPPETS.length - 1 }) }),
);

/** the host a case plans for: its cgroup layout and whether --systemd-cgroup is given */
export const HOSTS = ["none", "v1", "v2", "hybrid", "systemd"] as const;
export type HostName = (typeof HOSTS)[number];

/** text tricks on the JSON itself, after the mutations */
export const TEXT_TRICKS = ["none", "bom", "truncate", "trailing", "duplicate-key"] as const;

export interface Case {
  base: string;
  mutations: Mutation[];
  host: HostName;
  text: (typeof TEXT_TRICKS)[number];
}

export const caseArb: fc.Arbitrary<Case> = fc.record({
  base: fc.constantFrom(...BASES),
  mutations: fc.array(mutation, { minLength: 1, maxLength: 4 }),
  host: fc.constantFrom(...HOSTS),
  text: fc.oneof({ weight: 12, arbitrary: fc.constant("none" as const) }, { weight: 1, arbitrary: fc.constantFrom(...TEXT_TRICKS) }),
});

// ---------------------------------------------------------------- applying a case

/** a mutated config as the text runts reads, and the JSON pointers each mutation touched */
export interface Built { text: string; touched: string[]; doc: Obj }

/** a tier's changes to the base before the mutations (`prepare`) and after them (`pin`) */
export interface Tier { prepare?: (doc: Obj) => void; pin?: (doc: Obj) => void }

export function buildCase(c: Case, { prepare, pin }: Tier = {}): Built {
  const raw = new Map<string, string>();
  const doc = baseConfig(c.base);
  prepare?.(doc);
  const touched = c.mutations.map((m) => applyMutation(doc, m, raw));
  pin?.(doc);
  let text = JSON.stringify(doc);
  for (const [marker, literal] of raw) text = text.replace(JSON.stringify(marker), literal);
  return { text: textTrick(text, c.text), touched: touched.filter((t): t is string => t !== undefined), doc };
}

function textTrick(text: string, trick: Case["text"]): string {
  switch (trick) {
    case "bom": return `\ufeff${text}`;
    case "truncate": return text.slice(0, Math.floor(text.length / 2));
    case "trailing": return `${text} {}`;
    // JSON.parse keeps the last one: the validator sees one value, a human reading the file the other
    case "duplicate-key": return text.replace(/^\{/, '{"ociVersion": 7, ');
    default: return text;
  }
}

/** every place in the document: [JSON pointer, value, parent, key] */
type Place = { pointer: string; value: Json; parent: Obj | Json[] | null; key: string | number };

function places(doc: Json): Place[] {
  const out: Place[] = [];
  const walk = (value: Json, pointer: string, parent: Place["parent"], key: Place["key"]) => {
    out.push({ pointer, value, parent, key });
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${pointer}/${i}`, value, i));
    else if (value && typeof value === "object") for (const [k, v] of Object.entries(value)) walk(v, `${pointer}/${escape(k)}`, value, k);
  };
  walk(doc, "", null, "");
  return out;
}

function escape(key: string): string {
  return key.replace(/~/g, "~0").replace(/\//g, "~1");
}

function choose<T>(list: T[], pick: number): T | undefined {
  return list.length === 0 ? undefined : list[pick % list.length];
}

function put(p: Place, value: Json): void {
  if (p.parent === null) return;
  if (Array.isArray(p.parent)) p.parent[p.key as number] = value;
  else Object.defineProperty(p.parent, p.key, { value, enumerable: true, writable: true, configurable: true });
}

let markers = 0;
/** a hostile value as JSON; a number literal becomes a marker string replaced in the text */
function materialize(h: Hostile, raw: Map<string, string>): Json {
  if ("json" in h) return structuredClone(h.json);
  if ("literal" in h) return literal(h.literal, raw);
  // deep nesting as text: JSON.stringify itself would run out of stack
  if (h.big === "nest") return literal("[".repeat(h.size) + "]".repeat(h.size), raw);
  return big(h);
}

function literal(text: string, raw: Map<string, string>): Json {
  const marker = `\u0001literal${++markers}\u0001`;
  raw.set(marker, text);
  return marker;
}

function big(b: Big): Json {
  switch (b.big) {
    case "string": return "x".repeat(b.size);
    case "array": return Array.from({ length: b.size }, () => "/");
    default: return Object.fromEntries(Array.from({ length: b.size }, (_, i) => [`k${i}`, i]));
  }
}

/** applies one mutation in place; the JSON pointer it touched, if it found a place */
function applyMutation(doc: Obj, m: Mutation, raw: Map<string, string>): string | undefined {
  const all = places(doc).filter((p) => p.parent !== null);
  const of = (keep: (p: Place) => boolean) => choose(all.filter(keep), m.pick);
  switch (m.op) {
    case "set": return touch(of(() => true), (p) => put(p, materialize(m.value, raw)));
    case "number": return touch(of((p) => typeof p.value === "number"), (p) => put(p, literal(m.literal, raw)));
    case "string": return touch(of((p) => typeof p.value === "string"), (p) => put(p, m.value));
    case "delete": return touch(of(() => true), remove);
    case "duplicate": return touch(of((p) => Array.isArray(p.parent)), (p) => (p.parent as Json[]).push(structuredClone(p.value)));
    case "unknown": return touch(of((p) => isObj(p.value)), (p) => put({ parent: p.value as Obj, key: m.key, value: null, pointer: "" }, materialize(m.value, raw)), m.key);
    case "graft": return graft(doc, m.pick);
    case "splice": return splice(doc, SNIPPETS[m.snippet]);
  }
}

function touch(p: Place | undefined, change: (p: Place) => void, child?: string): string | undefined {
  if (!p) return undefined;
  change(p);
  return child === undefined ? p.pointer : `${p.pointer}/${escape(child)}`;
}

function remove(p: Place): void {
  if (Array.isArray(p.parent)) p.parent.splice(p.key as number, 1);
  else if (p.parent) delete (p.parent as Obj)[p.key as string];
}

/** a field of the full v1.3 config copied to the same place: reaches what the real configs never set */
function graft(doc: Obj, pick: number): string | undefined {
  const full = places(baseConfig("full-v1.3")).filter((p) => p.parent !== null && !Array.isArray(p.parent));
  const p = choose(full, pick);
  if (!p) return undefined;
  return setPointer(doc, p.pointer, structuredClone(p.value));
}

function splice(doc: Obj, [pointer, value]: [string, Json]): string | undefined {
  return setPointer(doc, pointer, structuredClone(value));
}

/** sets doc at pointer, making the containers on the way; a last token "-" appends to an array */
function setPointer(doc: Obj, pointer: string, value: Json): string | undefined {
  const tokens = pointer.split("/").slice(1);
  let at: Json = doc;
  const done: string[] = [];
  for (const [i, t] of tokens.entries()) {
    const next = tokens[i + 1];
    const fresh = (): Json => (next === "-" || /^\d+$/.test(next ?? "") ? [] : {});
    if (Array.isArray(at)) {
      const index: number = t === "-" ? at.length : Number(t);
      done.push(String(index));
      if (next === undefined) at[index] = value;
      else at = at[index] ??= fresh();
    } else if (isObj(at)) {
      done.push(t);
      if (next === undefined) at[t] = value;
      else at = at[t] = isObj(at[t]) || Array.isArray(at[t]) ? at[t] : fresh();
    } else return undefined;
  }
  return `/${done.join("/")}`;
}

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

// ---------------------------------------------------------------- the hosts

const V1_CONTROLLERS = ["cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids", "hugetlb", "net_cls", "net_prio", "rdma"];
const V1_HIERARCHIES = V1_CONTROLLERS.map((c) => ({ version: 1 as const, mountpoint: `/sys/fs/cgroup/${c}`, path: "/user.slice/me", controllers: [c] }));

export const CGROUP_FACTS: Record<HostName, CgroupFacts | undefined> = {
  none: undefined,
  v1: { hierarchies: V1_HIERARCHIES },
  hybrid: {
    hierarchies: [...V1_HIERARCHIES, { version: 2, mountpoint: "/sys/fs/cgroup/unified", path: "/user.slice/me", controllers: [] }],
    v2Controllers: [],
  },
  v2: {
    hierarchies: [{ version: 2, mountpoint: "/sys/fs/cgroup", path: "/user.slice/me/runts.scope", controllers: [] }],
    v2Controllers: ["cpuset", "cpu", "io", "memory", "hugetlb", "pids", "rdma", "misc"],
  },
  systemd: { hierarchies: V1_HIERARCHIES, systemd: true },
};

// ---------------------------------------------------------------- the property

export type Outcome =
  | { stage: "accepted"; plan: InitPlan }
  | { stage: "validator" | "planner"; message: string; paths: string[] };

/** what create's pure half (bundle.ts, plan.ts, wire.ts) makes of the text; throws a Finding when the property breaks */
export function checkCase(text: string, host: HostName, id = "fuzz1"): Outcome {
  let spec;
  try {
    spec = parseConfig(text);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw finding("validator", "threw something other than a ConfigError", err);
    checkMessage("validator", err);
    const doc = tryParse(text);
    for (const p of err.problems) if (p.path !== "" && !nameable(doc, p.path)) throw finding("validator", `names \`${p.path}\`, which is not in the config`, err);
    return { stage: "validator", message: err.message, paths: err.problems.map((p) => p.path) };
  }
  try {
    const plan = planInit({
      spec, id, bundle: "/bundles/fuzz", stateDir: `/run/runts/${id}`, noPivot: false, foreground: false,
      systemdCgroup: host === "systemd", host: { security: ROOT_FACTS, cgroups: CGROUP_FACTS[host] },
    });
    checkCgroup(plan, CGROUP_FACTS[host]);
    // what create compiles with libseccomp before encoding: any program will do here
    if (plan.seccomp) plan.seccomp.program = Buffer.alloc(8);
    encodePlan(plan);
    return { stage: "accepted", plan };
  } catch (err) {
    if (err instanceof Finding) throw err;
    if (!(err instanceof RuntimeError)) throw finding("planner", "threw something other than a RuntimeError", err);
    checkMessage("planner", err);
    if (!(err instanceof PlanError)) throw finding("planner", "refused without naming a JSON path (not a PlanError)", err);
    if (!nameable(tryParse(text), err.jsonPath)) throw finding("planner", `names \`${err.jsonPath}\`, which is not in the config`, err);
    return { stage: "planner", message: err.message, paths: [err.jsonPath] };
  }
}

/** the property broken, with what broke it */
export class Finding extends Error {
  constructor(readonly stage: string, what: string, readonly cause: unknown) {
    super(`${stage} ${what}: ${cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)}`.slice(0, 2000));
  }
}

function finding(stage: string, what: string, cause: unknown): Finding {
  return new Finding(stage, what, cause);
}

/** one line, lowercase after the file name, no stack, no "internal error" */
function checkMessage(stage: string, err: Error): void {
  const m = err.message;
  if (!m.startsWith("config.json: ")) throw finding(stage, "message does not start with `config.json: `", err);
  if (/\n|\bat .+:\d+:\d+\)?$|internal error/m.test(m)) throw finding(stage, "message is not one clean line", err);
}

/** the container's cgroups stay below their hierarchy's root and are never runts' own cgroup or one above it */
function checkCgroup(plan: InitPlan, facts: CgroupFacts | undefined): void {
  for (const [i, leaf] of (plan.cgroup?.leaves ?? []).entries()) {
    const { mountpoint } = plan.cgroup!.hierarchies[i];
    const own = facts?.hierarchies.find((h) => h.mountpoint === mountpoint)?.path ?? "/";
    const ownDir = path.posix.join(mountpoint, own);
    const above = ownDir === leaf || ownDir.startsWith(`${leaf}/`);
    if (!leaf.startsWith(`${mountpoint}/`) || above)
      throw finding("planner", `put the container's cgroup at \`${leaf}\`: runts' own is \`${ownDir}\``, new Error("a cgroup not of the container's own"));
  }
}

function tryParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * Whether a problem's JSON pointer names something a user can find: the
 * value is there, or (for "is required" and rules about a missing field)
 * its parent object is, or the missing value's parents are all objects.
 */
export function nameable(doc: unknown, pointer: string): boolean {
  if (!pointer.startsWith("/")) return false;
  let at = doc;
  const tokens = pointer.split("/").slice(1).map((t) => t.replace(/~1/g, "/").replace(/~0/g, "~"));
  for (const [i, t] of tokens.entries()) {
    if (Array.isArray(at)) {
      if (!/^(0|[1-9]\d*)$/.test(t) || Number(t) >= at.length) return false;
      at = at[Number(t)];
    } else if (isObj(at)) {
      if (!Object.hasOwn(at, t)) return tokens.slice(i + 1).every((k) => !/^\d+$/.test(k)); // a missing field, named by where it goes
      at = at[t];
    } else return false;
  }
  return true;
}

// ---------------------------------------------------------------- replay

/** the fast-check parameters every tier prints, so a failure can be replayed */
export function seedFrom(env: string | undefined): number {
  const n = Number(env);
  return Number.isInteger(n) && env !== undefined && env !== "" ? n : Date.now() % 2 ** 31;
}
