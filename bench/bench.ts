// runts against runc, side by side: both run the same busybox bundle,
// interleaved call by call (the order flips every iteration), so that the
// machine's noise falls on both alike and only the ratios are read.
//
//   npm run bench -- [--iterations N] [--runc PATH] [--readme]
//
// It writes bench/results/latest.md (the tables, with the date and the
// machine) and bench/results/latest.svg (the ratios as a chart); --readme
// also puts the table into README.md between the bench markers. Any call
// that fails stops the run with its stderr: numbers from a runtime that
// errored are not numbers.
//
// What is timed is one command from fork to wait4, by bench/measure.c,
// which also reports the command's peak RSS (ru_maxrss). Setup that is not
// the subject of a row (the sleeper a kill is sent to, say) is done without
// timing. NODE_EXTRA_CA_CERTS is unset for every command: these machines
// set it, and it adds 50-90 ms to every Node start.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { env, removeAll, TOP, withStderr } from "./common.js";
import { renderMarkdown, renderSvg, type Report, type Row } from "./report.js";

const MEASURE = path.join(TOP, "build", "bench", "measure");

const { values: flags } = parseArgs({
  options: {
    iterations: { type: "string", short: "n", default: "20" },
    runc: { type: "string", default: "/usr/sbin/runc" },
    readme: { type: "boolean", default: false },
  },
});
const N = Number(flags.iterations);
if (!Number.isInteger(N) || N < 3) throw new Error(`bench: \`--iterations ${flags.iterations}\` must be an integer of at least 3`);

interface Runtime { name: "runts" | "runc"; bin: string; root: string }
interface Sample { ns: number; rssKiB: number }
/** samples by row name, then by runtime (or "floor") */
const samples = new Map<string, Map<string, Sample[]>>();
const work = mkdtempSync(path.join(tmpdir(), "runts-bench-"));
const initRss = new Map<string, number[]>();

function record(row: string, who: string, s: Sample): void {
  const byWho = samples.get(row) ?? new Map<string, Sample[]>();
  samples.set(row, byWho);
  byWho.set(who, [...(byWho.get(who) ?? []), s]);
}

/** run one command under measure; a failure stops the benchmark with its stderr */
function measure(cmd: string[]): Sample {
  const { value: r, stderr } = withStderr(path.join(work, "stderr"), (fd) => spawnSync(MEASURE, ["-q", ...cmd], { env, encoding: "utf8", stdio: ["ignore", "pipe", fd] }));
  const [ns, rssKiB, code] = (r.stdout ?? "").trim().split(" ").map(Number);
  if (r.status !== 0 || code !== 0 || !Number.isFinite(ns))
    throw new Error(`bench: \`${cmd.join(" ")}\` failed (exit ${code ?? r.status}): ${stderr}`);
  return { ns, rssKiB };
}

/** an untimed call, for setup and cleanup; failing stops the benchmark too */
function call(rt: Runtime, args: string[]): void {
  const { value: r, stderr } = withStderr(path.join(work, "stderr"), (fd) => spawnSync(rt.bin, ["--root", rt.root, ...args], { env, stdio: ["ignore", "ignore", fd] }));
  if (r.status !== 0) throw new Error(`bench: \`${rt.name} ${args.join(" ")}\` failed (exit ${r.status}): ${stderr}`);
}

function timed(rt: Runtime, row: string, args: string[]): Sample {
  const s = measure([rt.bin, "--root", rt.root, ...args]);
  record(row, rt.name, s);
  return s;
}

function pidOf(pidFile: string): number {
  return Number(readFileSync(pidFile, "utf8"));
}

/** wait until the container's process has exited (reaped, or a zombie) */
function waitExited(pid: number): void {
  const deadline = Date.now() + 10_000;
  for (;;) {
    let stat: string;
    try { stat = readFileSync(`/proc/${pid}/stat`, "utf8"); } catch { return; }
    if (/\) [ZX] /.test(stat)) return;
    if (Date.now() > deadline) throw new Error(`bench: process ${pid} did not exit within 10 s`);
    execFileSync("sleep", ["0.005"]);
  }
}

function vmRssKiB(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!m) throw new Error(`bench: no VmRSS for process ${pid}`);
  return Number(m[1]);
}

// ---- the bundle ----------------------------------------------------------

function buildMeasure(): void {
  const src = path.join(TOP, "bench", "measure.c");
  if (existsSync(MEASURE) && statSync(MEASURE).mtimeMs >= statSync(src).mtimeMs) return;
  mkdirSync(path.dirname(MEASURE), { recursive: true });
  execFileSync("cc", ["-O2", "-Wall", "-o", MEASURE, src], { stdio: "inherit" });
}

/** one busybox rootfs; bundles differ only in what the process runs */
function makeBundles(work: string, runc: string): { trueBundle: string; sleepBundle: string } {
  const rootfs = path.join(work, "rootfs");
  execFileSync("bash", [path.join(TOP, "scripts", "make-rootfs.sh"), "busybox", rootfs], { stdio: "inherit" });
  // runc's own default config (`runc spec`), so neither runtime is on home ground
  const spec = specFromRunc(runc, work);
  const bundle = (name: string, args: string[]): string => {
    const dir = path.join(work, name);
    mkdirSync(dir);
    writeFileSync(path.join(dir, "config.json"), JSON.stringify({
      ...spec, root: { path: rootfs, readonly: true }, process: { ...spec.process, terminal: false, args },
    }, null, 2));
    return dir;
  };
  return { trueBundle: bundle("true", ["/bin/true"]), sleepBundle: bundle("sleep", ["/bin/sleep", "100000"]) };
}

function specFromRunc(runc: string, work: string): { process: Record<string, unknown> } {
  const dir = path.join(work, "spec");
  mkdirSync(dir);
  execFileSync(runc, ["spec", "--bundle", dir], { env });
  return JSON.parse(readFileSync(path.join(dir, "config.json"), "utf8"));
}

// ---- one iteration per runtime --------------------------------------------

function lifecycle(rt: Runtime, bundle: string, i: number): void {
  const id = `bench-life-${i}`;
  const pidFile = path.join(rt.root, `${id}.pid`);
  const c = timed(rt, "create", ["create", "--bundle", bundle, "--pid-file", pidFile, id]);
  const pid = pidOf(pidFile);
  initRss.set(rt.name, [...(initRss.get(rt.name) ?? []), vmRssKiB(pid)]);
  timed(rt, "state", ["state", id]);
  const s = timed(rt, "start", ["start", id]);
  waitExited(pid);
  const d = timed(rt, "delete", ["delete", id]);
  record("create + start + delete", rt.name, { ns: c.ns + s.ns + d.ns, rssKiB: Math.max(c.rssKiB, s.rssKiB, d.rssKiB) });
  rmSync(pidFile, { force: true });
}

/** a running sleeper, made without timing */
function sleeper(rt: Runtime, bundle: string, id: string): number {
  const pidFile = path.join(rt.root, `${id}.pid`);
  call(rt, ["create", "--bundle", bundle, "--pid-file", pidFile, id]);
  call(rt, ["start", id]);
  const pid = pidOf(pidFile);
  rmSync(pidFile, { force: true });
  return pid;
}

function killAndDelete(rt: Runtime, bundle: string, i: number): void {
  const killed = `bench-kill-${i}`;
  const pid = sleeper(rt, bundle, killed);
  timed(rt, "kill", ["kill", killed, "KILL"]);
  waitExited(pid);
  call(rt, ["delete", killed]);
  const forced = `bench-force-${i}`;
  sleeper(rt, bundle, forced);
  timed(rt, "delete --force", ["delete", "--force", forced]);
}

/** ten `run -d` at once: containers per second, then removed untimed */
async function burst(rt: Runtime, bundle: string, round: number): Promise<number> {
  const ids = Array.from({ length: 10 }, (_, k) => `bench-burst-${round}-${k}`);
  const start = process.hrtime.bigint();
  await Promise.all(ids.map((id) => new Promise<void>((resolve, reject) => {
    const errFile = path.join(work, `${id}.err`);
    const fd = openSync(errFile, "w+");
    const child = spawn(rt.bin, ["--root", rt.root, "run", "--detach", "--bundle", bundle, id], { env, stdio: ["ignore", "ignore", fd] });
    closeSync(fd);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`bench: \`${rt.name} run -d ${id}\` failed (exit ${code}): ${readFileSync(errFile, "utf8").trim()}`))));
  })));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  for (const id of ids) call(rt, ["delete", "--force", id]);
  return ids.length / seconds;
}

// ---- the run --------------------------------------------------------------

function machine(runc: string): Report["machine"] {
  const uname = execFileSync("uname", ["-sr"], { encoding: "utf8" }).trim();
  const cg = existsSync("/sys/fs/cgroup/cgroup.controllers") ? "cgroup v2" : existsSync("/sys/fs/cgroup/unified") ? "cgroups hybrid (v1 + v2)" : "cgroup v1";
  const runcVersion = execFileSync(runc, ["--version"], { encoding: "utf8" }).split("\n")[0];
  let commit = "unknown";
  try { commit = execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: TOP, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim(); } catch { /* not a checkout */ }
  return {
    date: new Date().toISOString().slice(0, 10),
    cpu: `${cpus()[0]?.model.trim() ?? "unknown cpu"}, ${cpus().length} cores`,
    kernel: `${uname}, ${cg}`,
    node: process.version,
    runc: runcVersion,
    runts: `runts ${commit}`,
  };
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error("bench: run as root (containers need namespaces and mounts)");
  const runtsBin = path.join(TOP, "dist", "runts");
  if (!existsSync(runtsBin)) throw new Error("bench: build first: `npm ci && npm run build`");
  buildMeasure();
  const runtimes: Runtime[] = [
    { name: "runts", bin: runtsBin, root: path.join(work, "root-runts") },
    { name: "runc", bin: flags.runc!, root: path.join(work, "root-runc") },
  ];
  const cleanup = () => {
    for (const rt of runtimes) removeAll(rt.bin, rt.root);
    rmSync(work, { recursive: true, force: true });
  };
  for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, () => { cleanup(); process.exit(130); });
  try {
    const { trueBundle, sleepBundle } = makeBundles(work, flags.runc!);
    for (const rt of runtimes) {
      mkdirSync(rt.root);
      sleeper(rt, sleepBundle, "bench-exec");
    }
    const bursts = new Map<string, number[]>();
    for (let i = 0; i < N; i++) {
      const order = i % 2 === 0 ? runtimes : [...runtimes].reverse();
      record("node -e 0", "floor", measure([process.execPath, "-e", "0"]));
      record("unshare (namespaces alone)", "floor", measure(["unshare", "--mount", "--uts", "--ipc", "--net", "--pid", "--fork", "true"]));
      for (const rt of order) timed(rt, "run", ["run", "--bundle", trueBundle, `bench-run-${i}`]);
      for (const rt of order) lifecycle(rt, trueBundle, i);
      for (const rt of order) killAndDelete(rt, sleepBundle, i);
      for (const rt of order) timed(rt, "exec", ["exec", "bench-exec", "/bin/true"]);
      if (i % 4 === 0) for (const rt of order) bursts.set(rt.name, [...(bursts.get(rt.name) ?? []), await burst(rt, sleepBundle, i)]);
      process.stderr.write(`\rbench: iteration ${i + 1}/${N}`);
    }
    process.stderr.write("\n");
    const report: Report = { machine: machine(flags.runc!), iterations: N, rows: rows(), initRssKiB: Object.fromEntries(initRss), burst: Object.fromEntries(bursts) };
    const out = path.join(TOP, "bench", "results");
    mkdirSync(out, { recursive: true });
    const md = renderMarkdown(report);
    writeFileSync(path.join(out, "latest.md"), md);
    writeFileSync(path.join(out, "latest.svg"), renderSvg(report));
    writeFileSync(path.join(out, "latest.json"), JSON.stringify(report, null, 2) + "\n");
    if (flags.readme) updateReadme(md);
    process.stdout.write(md);
  } finally {
    cleanup();
  }
}

function rows(): Row[] {
  const out: Row[] = [];
  for (const [name, byWho] of samples) {
    const get = (who: string) => byWho.get(who)?.map((s) => ({ ms: s.ns / 1e6, rssKiB: s.rssKiB }));
    out.push({ name, runts: get("runts"), runc: get("runc"), floor: get("floor") });
  }
  return out;
}

/** README.md carries the latest table between these markers */
function updateReadme(md: string): void {
  const file = path.join(TOP, "README.md");
  const text = readFileSync(file, "utf8");
  const re = /(<!-- bench:start -->\n)[\s\S]*?(<!-- bench:end -->)/;
  if (!re.test(text)) throw new Error("bench: README.md has no `<!-- bench:start -->` ... `<!-- bench:end -->` markers");
  writeFileSync(file, text.replace(re, (_m, a: string, b: string) => `${a}${md}${b}`));
}

main().catch((err: Error) => {
  process.stderr.write(`\n${err.message}\n`);
  process.exit(1);
});
