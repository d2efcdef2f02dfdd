// Integration harness: real containers, as root, on a private --root.
// Every helper cleans up even when a test fails, and leak checks compare
// what the host looks like before and after (state dirs, processes, mounts).
import { spawnSync, spawn, type SpawnSyncReturns, type StdioOptions } from "node:child_process";
import { chmodSync, closeSync, existsSync, openSync, mkdtempSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { TestContext } from "node:test";
import assert from "node:assert/strict";

export const ROOT_DIR = findRoot();
export const RUNTS = path.join(ROOT_DIR, "dist", "runts");
export const PROBE = path.join(ROOT_DIR, "build", "Release", "probe");
const INIT = path.join(ROOT_DIR, "build", "Release", "runts-init");

function findRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, "package.json"))) dir = path.dirname(dir);
  return dir;
}

/** why these tests cannot run here, or null when they can */
export function missing(): string | null {
  if (process.getuid?.() !== 0) return "integration tests need root (they create namespaces and mounts)";
  for (const f of [RUNTS, PROBE, INIT]) if (!existsSync(f)) return `\`${f}\` is not built: run \`npm ci && npm run build\``;
  return null;
}

// 0755: a container whose root is mapped to an unprivileged host uid must be
// able to reach its rootfs under here (mkdtemp makes 0700 dirs)
const work = mkdtempSync(path.join(tmpdir(), "runts-it-"));
chmodSync(work, 0o755);
process.on("exit", () => rmSync(work, { recursive: true, force: true }));

let fresh = 0;
/** a rootfs of its own, for a test that changes it: our static probe, or busybox with the probe */
export function newRootfs(kind: "probe" | "busybox" = "probe"): string {
  const dir = path.join(work, `rootfs-${kind}-${++fresh}`);
  sh("bash", [path.join(ROOT_DIR, "scripts/make-rootfs.sh"), kind, dir, PROBE]);
  return dir;
}

const shared: Partial<Record<"probe" | "busybox", string>> = {};
/** a rootfs holding only our static probe, made once per test file */
export function probeRootfs(): string {
  return (shared.probe ??= newRootfs("probe"));
}

export function busyboxMissing(): string | null {
  return existsSync("/bin/busybox") ? null : "needs Debian's busybox-static (`apt-get install -y busybox-static`)";
}
export function busyboxRootfs(): string {
  return (shared.busybox ??= newRootfs("busybox"));
}

let captures = 0;
/** a file to capture one stream of one call in */
function captureFile(): { fd: number; read(): string; close(): void } {
  const file = path.join(work, `out-${process.pid}-${++captures}`);
  const fd = openSync(file, "w+");
  return {
    fd,
    read: () => readFileSync(file, "utf8"),
    close: () => { closeSync(fd); rmSync(file, { force: true }); },
  };
}

function sh(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${r.stderr}`);
}

let seq = 0;
/** a unique container id for this run */
export function newId(tag: string): string {
  return `it-${tag}-${process.pid}-${++seq}`;
}

/** runc spec's defaults (runc 1.1), without a terminal, as a plain object */
export function defaultConfig(args: string[], rootfs = probeRootfs()): Record<string, any> {
  const c = JSON.parse(readFileSync(path.join(ROOT_DIR, "test/fixtures/configs/runc-spec.json"), "utf8"));
  c.process.terminal = false;
  c.process.args = args;
  c.root = { path: rootfs, readonly: false };
  return c;
}

/** a bundle dir holding config.json; removed at exit */
export function bundle(config: object): string {
  const dir = mkdtempSync(path.join(work, "bundle-"));
  writeFileSync(path.join(dir, "config.json"), JSON.stringify(config, null, 2));
  return dir;
}

export interface Run { status: number | null; stdout: string; stderr: string; signal: NodeJS.Signals | null }

/** one runts call with a private --root (or none for the default root) */
export class Runts {
  readonly root: string;
  private ids = new Set<string>();
  /** root: a private one by default; `passRoot: false` calls runts without --root, as podman does */
  constructor(root?: string, private opts: { passRoot: boolean } = { passRoot: true }) {
    this.root = root ?? mkdtempSync(path.join(work, "root-"));
  }
  private argv(args: string[]): string[] {
    return this.opts.passRoot ? ["--root", this.root, ...args] : args;
  }
  /**
   * stdout and stderr go to files, not pipes: a created or detached container
   * keeps the stdio it was given, and a pipe would hold the call open until
   * the container exits (runc behaves the same). "pipe" in opts.stdio means
   * "capture into a file"; other entries are passed through.
   */
  run(args: string[], opts: { cwd?: string; stdio?: StdioOptions; env?: NodeJS.ProcessEnv; timeout?: number } = {}): Run {
    this.track(args);
    const given = (opts.stdio ?? ["ignore", "pipe", "pipe"]) as any[];
    const out = captureFile(), err = captureFile();
    const stdio = given.map((s, i) => (s === "pipe" && i === 1 ? out.fd : s === "pipe" && i === 2 ? err.fd : s));
    try {
      const r: SpawnSyncReturns<string> = spawnSync(RUNTS, this.argv(args), {
        encoding: "utf8", cwd: opts.cwd, env: opts.env ?? process.env, timeout: opts.timeout ?? 30_000, stdio,
      });
      if (r.error) throw r.error;
      return { status: r.status, stdout: out.read(), stderr: err.read(), signal: r.signal };
    } finally {
      out.close();
      err.close();
    }
  }
  /** the same, asynchronously, for calls a test must interrupt */
  spawn(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
    this.track(args);
    return spawn(RUNTS, this.argv(args), { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
  }
  /**
   * run(), but without blocking the test's event loop, so that many calls can
   * be in flight at once (load tests). Output goes to files, as run()'s does,
   * and is read once the call has exited: a file holds every byte written
   * before the exit, a pipe would wait for the container too.
   */
  async runAsync(args: string[], opts: { timeout?: number } = {}): Promise<Run> {
    this.track(args);
    const out = captureFile(), err = captureFile();
    try {
      const child = spawn(RUNTS, this.argv(args), { stdio: ["ignore", out.fd, err.fd], timeout: opts.timeout ?? 60_000 });
      const [status, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
        child.on("error", reject);
        child.on("exit", (code, sig) => resolve([code, sig]));
      });
      return { status, stdout: out.read(), stderr: err.read(), signal };
    } finally {
      out.close();
      err.close();
    }
  }
  ok(args: string[], opts: Parameters<Runts["run"]>[1] = {}): Run {
    const r = this.run(args, opts);
    if (r.status !== 0) throw new Error(`runts ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
    return r;
  }
  state(id: string): any {
    return JSON.parse(this.ok(["state", id]).stdout);
  }
  /** delete --force of everything this instance made, then the root */
  cleanup(): void {
    for (const id of this.ids) this.run(["delete", "--force", id]);
    if (this.opts.passRoot) rmSync(this.root, { recursive: true, force: true });
  }
  private track(args: string[]): void {
    const cmd = args.findIndex((a) => ["create", "run"].includes(a));
    if (cmd >= 0) this.ids.add(args[args.length - 1]);
  }
}

/** what a failed or finished container may have left on the host */
export interface Leftovers { stateDirs: string[]; inits: number[]; mounts: number; openUnderRoot: string[]; cgroups: string[] }

export function leftovers(runts: Runts): Leftovers {
  return {
    stateDirs: existsSync(runts.root) ? readdirSync(runts.root).sort() : [],
    inits: initPids(),
    mounts: readFileSync("/proc/self/mountinfo", "utf8").split("\n").length,
    openUnderRoot: openFdsUnder(runts.root),
    cgroups: cgroupDirs(),
  };
}

/** the cgroup directories tests make: containers (it-...), their parents (runts-it...), the device-program and stats tests' (runts-bpf..., runts-stats...); the
 * host's own come and go on their own (a session manager's, another tool's) and are not ours to count */
export function cgroupDirs(): string[] {
  return allCgroupDirs().filter((d) => /^(it-|runts-it|runts-bpf|runts-stats)/.test(path.basename(d)));
}

function allCgroupDirs(dir = "/sys/fs/cgroup", depth = 0): string[] {
  let entries: string[] = [];
  try {
    entries = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch { /* gone meanwhile */ }
  return entries.flatMap((name) => {
    const sub = path.join(dir, name);
    return depth === 0 ? allCgroupDirs(sub, 1) : [sub, ...allCgroupDirs(sub, depth + 1)];
  });
}

/** "pid/fd -> path" for every fd of any process that points under dir */
export function openFdsUnder(dir: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
    let fds: string[] = [];
    try { fds = readdirSync(`/proc/${pid}/fd`); } catch { continue; }
    for (const fd of fds) {
      try {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        if (target === dir || target.startsWith(`${dir}/`)) found.push(`${pid}/${fd} -> ${target}`);
      } catch { /* closed meanwhile */ }
    }
  }
  return found;
}

/** processes running our init (sealed memfd copy or the built binary) */
export function initPids(): number[] {
  const pids: number[] = [];
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const exe = readlinkSync(`/proc/${e}/exe`);
      if (exe.includes("memfd:runts-init") || exe.startsWith(INIT)) pids.push(Number(e));
    } catch { /* gone or a kernel thread */ }
  }
  return pids;
}

/** run the probe's report in a container made from config; the facts it reports */
export function probeReport(runts: Runts, config: Record<string, any>, extra: string[] = [], stdio?: StdioOptions): any {
  const r = runts.run(["run", ...extra, "--bundle", bundle(config), newId("probe")], stdio ? { stdio } : {});
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

/** create with config must fail with one line on stderr and leave nothing behind; returns that line */
export function createFails(runts: Runts, config: object, args: string[] = []): string {
  const before = leftovers(runts);
  const id = newId("fail");
  const r = runts.run([...args, "create", "--bundle", bundle(config), id]);
  assert.equal(r.status, 1, `create should fail: ${r.stdout}`);
  assert.equal(r.stdout, "");
  assert.equal(r.stderr.trim().split("\n").length, 1, `one line on stderr: ${r.stderr}`);
  assertNothingLeft(runts, before, id);
  return r.stderr.trim();
}

export function assertNothingLeft(runts: Runts, before: Leftovers, id: string): void {
  const now = leftovers(runts);
  assert.deepEqual(now.stateDirs, before.stateDirs.filter((d) => d !== id), "no state dir");
  assert.deepEqual(now.inits, before.inits, "no init process");
  assert.equal(now.mounts, before.mounts, "no mount on the host");
  assert.deepEqual(now.openUnderRoot, [], "no fd open under the state root");
  assert.deepEqual(now.cgroups, before.cgroups, "no cgroup");
  assert.match(runts.run(["state", id]).stderr, /container does not exist/);
}

export function rss(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) * 1024 : NaN;
}

/** skip the whole file with the reason, out loud */
export function requireIntegration(t: TestContext): boolean {
  const why = missing();
  if (why) t.skip(why);
  return why === null;
}

export async function waitFor(cond: () => boolean, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return cond();
}

export { mkdirSync, writeFileSync, readFileSync, existsSync, work };
