// The fuzzer's real tier: a hostile case through `runts create` (then
// `delete --force` if it was created), against a probe rootfs whose entries
// may be symlinks out of it. Checks what a user and the host see: exit 0 or
// 1, one line on stderr, nothing left behind, and no host path a symlink
// points at changed. Shared by test/integration/fuzz.test.ts and scripts/fuzz.mjs.
import { execFileSync } from "node:child_process";
import { lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import fc from "fast-check";
import { parseConfig } from "../../src/spec/validate.js";
import { bundle, cgroupDirs, initPids, newId, openFdsUnder, probeRootfs, work, type Runts } from "../integration/harness.js";
import { buildCase, caseArb, type Case } from "./hostile.js";

/** rootfs entries replaced by a symlink out of the rootfs; SENTINEL stands for a host dir we watch */
export const TRICKS: Array<[entry: string, target: string]> = [
  ["dev", "/"], ["proc", "../../etc"], ["sys", "SENTINEL"], ["tmp", "../../../../.."], ["etc", "/etc"], ["run", "SENTINEL/sub"],
];

export interface RealCase extends Case { tricks: number[] }

export const realCaseArb: fc.Arbitrary<RealCase> = fc.record({
  c: caseArb,
  tricks: fc.oneof(fc.constant<number[]>([]), fc.subarray(TRICKS.map((_, i) => i), { minLength: 1 })),
}).map(({ c, tricks }) => ({ ...c, tricks }));

export type RealStage = "accepted" | "validator" | "planner" | "create";
export interface RealOutcome { stage: RealStage; stderr: string }

const sentinel = path.join(work, "sentinel");
mkdirSync(path.join(sentinel, "sub"), { recursive: true });
writeFileSync(path.join(sentinel, "file"), "host");

/**
 * What the container may not touch: the host dirs the tricks point at, as
 * names, types and sizes; mounts of the host's namespace.
 */
function hostSnapshot(): string {
  const list = (dir: string, deep: boolean): string[] =>
    readdirSync(dir).sort().flatMap((name) => {
      const p = path.join(dir, name);
      const st = lstatSync(p);
      const here = `${p} ${st.mode.toString(8)} ${st.isFile() ? st.size : ""} ${st.rdev}`;
      return deep && st.isDirectory() ? [here, ...list(p, true)] : [here];
    });
  return [...list(sentinel, true), ...list("/", false), ...list("/etc", false)].join("\n");
}

/** the host's mounts, but those other test runs make in their own work dirs (tests run side by side here) */
function hostMounts(): string[] {
  const others = (point: string) => /^\/tmp\/runts-it-/.test(point) && !point.startsWith(`${work}/`);
  return readFileSync("/proc/self/mountinfo", "utf8").split("\n").map((l) => l.split(" ").slice(3, 5)).filter(([, point]) => point && !others(point)).map((f) => f.join(" ")).sort();
}

/** the rootfs of one case: a copy of the probe rootfs with the tricks' symlinks */
function rootfsFor(tricks: number[], id: string): string {
  const dir = path.join(work, `fuzz-rootfs-${id}`);
  execFileSync("cp", ["-a", probeRootfs(), dir]);
  for (const i of tricks) {
    const [entry, target] = TRICKS[i];
    rmSync(path.join(dir, entry), { recursive: true, force: true });
    symlinkSync(target.replace("SENTINEL", sentinel), path.join(dir, entry));
  }
  return dir;
}

/**
 * The config as the real tier runs it: the case's mutations on a base whose
 * process is the probe, then three things pinned for the sake of this
 * shared machine (the pure tier covers them): the root is our rootfs (a
 * config may name `/`), no namespace is joined by path (`/proc/1/ns/mnt`
 * would put every mount on the host, as it does with runc), and the cgroup
 * is named by the id (a cgroupsPath leaves its parents behind, as runc's).
 */
export function realText(c: RealCase, rootfs: string): string {
  return buildCase(c, { prepare: (d) => runnable(d as Record<string, any>), pin: (d) => {
    const doc = d as Record<string, any>;
    if (!isObj(doc.root)) doc.root = { path: rootfs };
    else doc.root.path = rootfs;
    if (!isObj(doc.linux)) return;
    delete doc.linux.cgroupsPath;
    for (const n of Array.isArray(doc.linux.namespaces) ? doc.linux.namespaces : []) if (isObj(n)) delete n.path;
  } }).text;
}

/**
 * A base that runs in the probe rootfs, so mutations start from a config
 * that gets created: the probe as the process, no terminal, no hooks or
 * bind sources of the host the fixtures were written on, no LSM labels.
 */
function runnable(doc: Record<string, any>): void {
  Object.assign(doc.process, { terminal: false, args: ["/bin/probe", "exit", "0"], env: ["PATH=/bin"], cwd: "/" });
  delete doc.process.user;
  delete doc.process.apparmorProfile;
  delete doc.process.selinuxLabel;
  delete doc.hooks;
  if (Array.isArray(doc.mounts)) doc.mounts = doc.mounts.filter((m: any) => !String(m.source).startsWith("/"));
  if (isObj(doc.linux)) delete doc.linux.mountLabel;
}

function isObj(v: unknown): v is Record<string, any> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** runs one case for real; throws (an assertion's Error) when the property breaks */
export function runRealCase(runts: Runts, c: RealCase): RealOutcome {
  const id = newId("fuzz");
  const rootfs = rootfsFor(c.tricks, id);
  const text = realText(c, rootfs);
  const dir = bundle({});
  writeFileSync(path.join(dir, "config.json"), text);
  const before = { host: hostSnapshot(), mounts: hostMounts(), inits: initPids() };
  try {
    const r = runts.run(["create", "--bundle", dir, id], { timeout: 60_000 });
    if (r.status === 0) {
      const d = runts.run(["delete", "--force", id], { timeout: 60_000 });
      expect(d.status === 0, `delete --force exited ${d.status}: ${d.stderr}`);
    }
    expect(r.status === 0 || r.status === 1, `create exited ${r.status} (signal ${r.signal}): a hang or a crash`);
    expect(r.stdout === "", `create printed on stdout: ${r.stdout}`);
    if (r.status === 1) {
      // a failing poststop hook is a warning record before the error (README "Hooks"), not a second error
      const errors = r.stderr.trim().split("\n").filter((l) => !/^time=\S+ level=warning /.test(l));
      expect(r.stderr.endsWith("\n") && errors.length === 1, `not one error line on stderr: ${r.stderr}`);
      expect(!/internal error|\n\s+at /.test(r.stderr), `a crash: ${r.stderr}`);
    }
    checkNothingLeft(runts, id, before);
    const error = r.stderr.trim().split("\n").pop() ?? "";
    return { stage: r.status === 0 ? "accepted" : stageOf(text, error), stderr: error };
  } finally {
    runts.run(["delete", "--force", id]);
    rmSync(rootfs, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
}

function stageOf(text: string, stderr: string): RealStage {
  if (!stderr.startsWith("config.json: ")) return "create";
  try {
    parseConfig(text);
    return "planner";
  } catch {
    return "validator";
  }
}

function checkNothingLeft(runts: Runts, id: string, before: { host: string; mounts: string[]; inits: number[] }): void {
  const ours = (pid: number) => {
    try {
      return readFileSync(`/proc/${pid}/cgroup`, "utf8").includes(id);
    } catch {
      return false;
    }
  };
  expect(!readdirSync(runts.root).includes(id), "a state dir is left");
  const inits = initPids().filter((p) => !before.inits.includes(p) && ours(p));
  expect(inits.length === 0, `init processes are left: ${inits.join(" ")}`);
  const cgroups = cgroupDirs().filter((d) => d.includes(id));
  expect(cgroups.length === 0, `cgroups are left: ${cgroups.join(" ")}`);
  const fds = openFdsUnder(runts.root);
  expect(fds.length === 0, `fds are left open under the state root: ${fds.join(" ")}`);
  const added = hostMounts().filter((m, i, all) => all.filter((x) => x === m).length > before.mounts.filter((x) => x === m).length);
  expect(added.length === 0, `mounts appeared on the host: ${[...new Set(added)].join(", ")}`);
  expect(hostSnapshot() === before.host, "a host path a symlink points at changed");
}

function expect(ok: boolean, what: string): void {
  if (!ok) throw new Error(what);
}
