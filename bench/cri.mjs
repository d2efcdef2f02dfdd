#!/usr/bin/env node
// Kubernetes' path to the runtime, timed: a private containerd with CRI
// (the CRI tests' node, from build/ts), runtime handler `runts` against
// handler `runc`, the same pod and container for both, interleaved.
//
//   node bench/cri.mjs [N]      (as root, after `npm run build`; N = 10)
//
// Each iteration, for each handler (the order alternating): RunPodSandbox
// (pod start: the sandbox's create and start), CreateContainer +
// StartContainer, ExecSync of `true` (a probe), StopPodSandbox +
// RemovePodSandbox. One untimed round first. Prints a Markdown table and
// writes it to bench/results/cri.md.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const built = path.join(root, "build/ts/test/integration/cri/node.js");
if (process.getuid() !== 0) fail("needs root (containerd, namespaces, cgroups)");
if (!existsSync(built)) fail("`build/ts` is not built: run `npm run build`");
const { startCriNode, criMissing, IMAGE, RUNC } = await import(built);
const { RUNTS, busyboxMissing } = await import(path.join(root, "build/ts/test/integration/harness.js"));
const why = criMissing() ?? busyboxMissing();
if (why) fail(why);

const N = Number(process.argv[2] ?? 10);
const HANDLERS = ["runts", "runc"];
const STEPS = [
  ["pod start (RunPodSandbox)", "pod"],
  ["container create + start", "container"],
  ["ExecSync `true`", "exec"],
  ["pod stop + remove", "remove"],
];

const node = await startCriNode(RUNTS, `bench-${process.pid}`);
/** samples[handler][step]: milliseconds */
const samples = Object.fromEntries(HANDLERS.map((h) => [h, Object.fromEntries(STEPS.map(([, k]) => [k, []]))]));
let left;
try {
  let seq = 0;
  for (let i = -1; i < N; i++) {
    const order = i % 2 === 0 ? HANDLERS : [...HANDLERS].reverse();
    for (const handler of order) {
      const t = await podRound(handler, ++seq);
      if (i >= 0) for (const [k, ms] of Object.entries(t)) samples[handler][k].push(ms);
    }
  }
} finally {
  left = await node.stop();
}
const leaks = Object.entries(left).filter(([, v]) => v.length);
if (leaks.length) console.error(`cri bench: left behind (and removed): ${JSON.stringify(Object.fromEntries(leaks))}`);

const report = render();
console.log(report);
mkdirSync(path.join(root, "bench/results"), { recursive: true });
writeFileSync(path.join(root, "bench/results/cri.md"), report);

/** one pod through its life on handler; the time of each step */
async function podRound(handler, n) {
  const c = node.client;
  const config = {
    metadata: { name: `bench-${n}`, uid: `bench-${process.pid}-${n}`, namespace: "default", attempt: 0 },
    log_directory: path.join(node.dir, "pods", `bench-${n}`),
    linux: { cgroup_parent: `${node.cgroupRoot}/bench-${n}`, security_context: { namespace_options: { network: "NODE", pid: "CONTAINER", ipc: "POD" } } },
  };
  const container = {
    metadata: { name: "app", attempt: 0 }, image: { image: IMAGE }, command: ["/bin/sleep", "600"], log_path: "app/0.log",
    linux: {
      resources: { cpu_shares: 2, cpu_period: 100_000, oom_score_adj: 1000 },
      security_context: { namespace_options: config.linux.security_context.namespace_options },
    },
  };
  const t = {};
  let start = performance.now();
  const { pod_sandbox_id } = await c.RunPodSandbox({ config, runtime_handler: handler });
  t.pod = performance.now() - start;
  start = performance.now();
  const { container_id } = await c.CreateContainer({ pod_sandbox_id, config: container, sandbox_config: config });
  await c.StartContainer({ container_id });
  t.container = performance.now() - start;
  start = performance.now();
  const r = await c.ExecSync({ container_id, cmd: ["/bin/true"], timeout: 10 });
  t.exec = performance.now() - start;
  if (r.exit_code !== 0) throw new Error(`ExecSync on ${handler}: exit code ${r.exit_code}: ${r.stderr}`);
  start = performance.now();
  await c.StopPodSandbox({ pod_sandbox_id });
  await c.RemovePodSandbox({ pod_sandbox_id });
  t.remove = performance.now() - start;
  return t;
}

function render() {
  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  const ms = (x) => `${x.toFixed(0)} ms`;
  const cell = (xs) => `${ms(median(xs))} (${ms(Math.min(...xs))}–${ms(Math.max(...xs))})`;
  const rows = STEPS.map(([label, k]) => {
    const [a, b] = HANDLERS.map((h) => samples[h][k]);
    return `| ${label} | ${cell(a)} | ${cell(b)} | ${(median(a) / median(b)).toFixed(2)} |`;
  });
  const version = (cmd, args) => execFileSync(cmd, args, { encoding: "utf8" }).split("\n")[0].trim();
  return [
    "# CRI timings: runtime handler runts against runc",
    "",
    `\`node bench/cri.mjs ${N}\`: containerd ${version("/usr/bin/containerd", ["--version"]).split(" ")[2]} with its CRI plugin, ` +
      `called over gRPC as a kubelet calls it; a host-network pod with one container (\`sleep 600\`, a BestEffort pod's resources). ` +
      `${N} rounds per handler, interleaved, after one untimed round; median (min–max) of the wall time of the CRI calls.`,
    "",
    `Machine: ${os.cpus().length} cores, Linux ${os.release()}; ${version(RUNC, ["--version"])}; ` +
      `runts ${version("git", ["-C", root, "rev-parse", "--short", "HEAD"])}; ${new Date().toISOString().slice(0, 10)}.`,
    "",
    "| step | runts | runc | runts / runc |",
    "| --- | --- | --- | --- |",
    ...rows,
    "",
  ].join("\n");
}

function fail(message) {
  console.error(`cri bench: ${message}`);
  process.exit(1);
}
