#!/usr/bin/env node
// The whole test suite (`npm test` builds first, then runs this): Node's test
// runner on explicit file lists per tier (a directory argument would find no
// .ts and pass vacuously).
//   node scripts/test.mjs [unit|integration|conformance ...]
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, readlinkSync, rmdirSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const tiers = process.argv.slice(2).length ? process.argv.slice(2) : ["unit", "integration", "conformance"];

const files = [];
for (const tier of tiers) {
  const dir = path.join(root, "build/ts/test", tier);
  const found = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".test.js")).sort() : [];
  if (found.length === 0) {
    console.error(`test: no compiled tests in build/ts/test/${tier}`);
    process.exit(1);
  }
  files.push(...found.map((f) => path.join(dir, f)));
}
// one file at a time: integration tests share /run/runts and the machine;
// a test that hangs fails after two minutes instead of holding the run
const before = hostFacts();
const r = spawnSync(process.execPath, ["--test", "--test-concurrency=1", "--test-timeout=120000", ...files], { cwd: root, stdio: "inherit" });
process.exit(checkNothingLeft(before) ? r.status ?? 1 : 1);

/** what the tests could leave behind: container inits, test state dirs, mounts, cgroups */
function hostFacts() {
  const inits = [];
  for (const pid of readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
    try {
      if (readlinkSync(`/proc/${pid}/exe`).includes("runts-init")) inits.push(pid);
    } catch { /* gone, or a kernel thread */ }
  }
  const stateDirs = existsSync("/run/runts") ? readdirSync("/run/runts").filter((d) => d.startsWith("it-")) : [];
  const mounts = readFileSync("/proc/self/mountinfo", "utf8").split("\n").length;
  // only the cgroups tests make (it-<id>, runts-it*, runts-bpf*, runts-stats*): the host's own come and go on their own
  const cgroups = cgroupDirs("/sys/fs/cgroup").filter((d) => /^(it-|runts-it|runts-bpf|runts-stats)/.test(path.basename(d)));
  return { inits, stateDirs, mounts, cgroups };
}

/** every cgroup directory on the host, parents before children */
function cgroupDirs(dir, depth = 0) {
  let entries = [];
  try {
    entries = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory());
  } catch { /* no cgroupfs, or gone meanwhile */ }
  return entries.flatMap((e) => {
    const sub = path.join(dir, e.name);
    return depth === 0 ? cgroupDirs(sub, 1) : [sub, ...cgroupDirs(sub, depth + 1)];
  });
}

/** a leak fails the run even when every test passed, and is cleaned up so the next run starts clean */
function checkNothingLeft(before) {
  const after = hostFacts();
  const inits = after.inits.filter((p) => !before.inits.includes(p));
  const problems = [
    ...inits.map((p) => `container init ${p} still running`),
    ...after.stateDirs.filter((d) => !before.stateDirs.includes(d)).map((d) => `state dir /run/runts/${d} left`),
    ...(after.mounts > before.mounts ? [`${after.mounts - before.mounts} more mounts on the host than before`] : []),
    ...after.cgroups.filter((d) => !before.cgroups.includes(d)).map((d) => `cgroup ${d} left`),
  ];
  for (const d of after.cgroups.filter((d) => !before.cgroups.includes(d)).reverse()) try { rmdirSync(d); } catch { /* busy */ }
  for (const p of inits) try { process.kill(Number(p), "SIGKILL"); } catch { /* gone */ }
  for (const d of after.stateDirs) rmSync(`/run/runts/${d}`, { recursive: true, force: true });
  for (const p of problems) console.error(`test: leak: ${p}`);
  return problems.length === 0;
}
