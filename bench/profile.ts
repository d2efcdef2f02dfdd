// Where a runts call spends its time, for the README's explanation of each
// target missed: every call here runs under `node --cpu-prof` (V8's sampling
// profiler, 0.1 ms interval) N times, and the samples are summed by where
// they fall: Node's own start, our loader and code cache, our code, the
// schema validator, Node's child_process and streams (the init's spawn and
// its sockets), the garbage collector, and time the main thread sat idle
// (waiting for the kernel or for the init). The profiler itself slows every
// call: read the shares, not the absolute numbers.
//
//   npm run bench:profile -- [--iterations N]
//
// It writes bench/results/profile.md. `node -e 0` is profiled the same way,
// as the floor.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { env, removeAll, TOP, withStderr } from "./common.js";
import { median } from "./report.js";

const DIST = path.join(TOP, "dist");

const { values: flags } = parseArgs({ options: { iterations: { type: "string", short: "n", default: "10" } } });
const N = Number(flags.iterations);

interface CallFrame { functionName: string; url: string; lineNumber: number }
interface Profile { nodes: Array<{ id: number; callFrame: CallFrame }>; samples: number[]; timeDeltas: number[] }

/** where a sample falls: the first rule whose test matches its script */
const BUCKETS: Array<[string, (url: string, fn: string) => boolean]> = [
  ["idle (kernel, the init)", (_u, fn) => fn === "(idle)"],
  ["garbage collector", (_u, fn) => fn === "(garbage collector)"],
  ["runts code", (u) => u.endsWith("/dist/runts.cjs")],
  ["schema validator", (u) => u.endsWith("/dist/validator.cjs")],
  ["loader and code cache", (u) => u.endsWith("/dist/main.cjs") || u === "node:vm"],
  ["child_process, net, streams", (u) => /^node:(internal\/)?(child_process|net|stream|internal\/streams)/.test(u)],
  ["argv (util.parseArgs)", (u) => u.includes("parse_args")],
  ["Node's start and runtime", (u) => u.startsWith("node:")],
  ["native (V8, Node's C++)", () => true],
];

/** one call; a failure stops the profile with its stderr */
function call(cmd: string, args: string[], errFile: string): void {
  const { value: r, stderr } = withStderr(errFile, (fd) => spawnSync(cmd, args, { env, stdio: ["ignore", "ignore", fd] }));
  if (r.status !== 0) throw new Error(`profile: \`${cmd} ${args.join(" ")}\` failed (exit ${r.status}): ${stderr}`);
}

interface Summary { totalMs: number; buckets: Map<string, number>; top: Array<[string, number]> }

function summarize(dir: string): Summary {
  const totals: number[] = [];
  const buckets = new Map<string, number[]>();
  const fns = new Map<string, number>();
  const files = readdirSync(dir).filter((f) => f.endsWith(".cpuprofile"));
  for (const f of files) {
    const p = JSON.parse(readFileSync(path.join(dir, f), "utf8")) as Profile;
    const byId = new Map(p.nodes.map((n) => [n.id, n.callFrame]));
    const mine = new Map<string, number>();
    let total = 0;
    p.samples.forEach((id, i) => {
      const cf = byId.get(id)!;
      const ms = (p.timeDeltas[i] ?? 0) / 1000;
      total += ms;
      const bucket = BUCKETS.find(([, test]) => test(cf.url, cf.functionName))![0];
      mine.set(bucket, (mine.get(bucket) ?? 0) + ms);
      const fn = `${cf.functionName || "(anonymous)"} ${cf.url ? `${cf.url.replace(/^.*\/dist\//, "dist/")}:${cf.lineNumber + 1}` : ""}`.trim();
      fns.set(fn, (fns.get(fn) ?? 0) + ms / files.length);
    });
    totals.push(total);
    for (const [name] of BUCKETS) buckets.set(name, [...(buckets.get(name) ?? []), mine.get(name) ?? 0]);
  }
  return {
    totalMs: median(totals),
    buckets: new Map([...buckets].map(([k, v]) => [k, median(v)])),
    top: [...fns].sort((a, b) => b[1] - a[1]).slice(0, 12),
  };
}

function main(): void {
  if (process.getuid?.() !== 0) throw new Error("profile: run as root (containers need namespaces and mounts)");
  if (!existsSync(path.join(DIST, "main.cjs"))) throw new Error("profile: build first: `npm ci && npm run build`");
  const work = mkdtempSync(path.join(tmpdir(), "runts-profile-"));
  const root = path.join(work, "root");
  const errFile = path.join(work, "stderr");
  const runts = (...args: string[]) => call(path.join(DIST, "runts"), ["--root", root, ...args], errFile);
  try {
    const bundle = path.join(work, "bundle");
    mkdirSync(bundle);
    execFileSync("bash", [path.join(TOP, "scripts", "make-rootfs.sh"), "busybox", path.join(bundle, "rootfs")], { stdio: "ignore" });
    execFileSync(path.join(DIST, "runts"), ["spec", "--bundle", bundle], { env });
    const config = JSON.parse(readFileSync(path.join(bundle, "config.json"), "utf8"));
    config.process = { ...config.process, terminal: false, args: ["/bin/sleep", "100000"] };
    writeFileSync(path.join(bundle, "config.json"), JSON.stringify(config));
    runts("run", "--detach", "--bundle", bundle, "target");
    const main = path.join(DIST, "main.cjs");
    const calls: Array<[string, (i: number) => string[], (i: number) => void]> = [
      ["node -e 0", () => ["-e", "0"], () => undefined],
      ["state", () => [main, "--root", root, "state", "target"], () => undefined],
      ["create", (i) => [main, "--root", root, "create", "--bundle", bundle, `p${i}`], (i) => runts("delete", "--force", `p${i}`)],
      ["exec", () => [main, "--root", root, "exec", "target", "/bin/true"], () => undefined],
      ["delete --force", (i) => [main, "--root", root, "delete", "--force", `d${i}`], () => undefined],
    ];
    const out = [
      `Profiled ${new Date().toISOString().slice(0, 10)} with \`node --cpu-prof\` (0.1 ms samples), ${N} calls each; median ms per call by where the main thread was.`,
      "The profiler slows every call: read the shares, not the totals (bench/results/latest.md has the real times).",
      "",
    ];
    const summaries = new Map<string, Summary>();
    for (const [name, args, after] of calls) {
      const dir = path.join(work, `prof-${summaries.size}`);
      mkdirSync(dir);
      for (let i = 0; i < N; i++) {
        if (name === "delete --force") runts("run", "--detach", "--bundle", bundle, `d${i}`);
        call(process.execPath, ["--cpu-prof", "--cpu-prof-interval", "100", "--cpu-prof-dir", dir, ...args(i)], errFile);
        after(i);
      }
      summaries.set(name, summarize(dir));
      process.stderr.write(`\rprofile: ${name}                `);
    }
    process.stderr.write("\n");
    const names = [...summaries.keys()];
    out.push(`| where | ${names.map((n) => `\`${n}\``).join(" | ")} |`, `|---|${names.map(() => "---").join("|")}|`);
    for (const [bucket] of BUCKETS) out.push(`| ${bucket} | ${names.map((n) => summaries.get(n)!.buckets.get(bucket)!.toFixed(1)).join(" | ")} |`);
    out.push(`| **total** | ${names.map((n) => `**${summaries.get(n)!.totalMs.toFixed(1)}**`).join(" | ")} |`);
    for (const [name, s] of summaries) {
      if (name === "node -e 0") continue;
      out.push("", `Top functions (self time, mean ms) in \`${name}\`:`, "", "```");
      for (const [fn, ms] of s.top) out.push(`${ms.toFixed(2).padStart(6)}  ${fn}`);
      out.push("```");
    }
    const file = path.join(TOP, "bench", "results", "profile.md");
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, out.join("\n") + "\n");
    process.stdout.write(out.join("\n") + "\n");
  } finally {
    removeAll(path.join(DIST, "runts"), root);
    rmSync(work, { recursive: true, force: true });
  }
}

try {
  main();
} catch (err) {
  process.stderr.write(`\n${(err as Error).message}\n`);
  process.exit(1);
}
