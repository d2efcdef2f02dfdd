#!/usr/bin/env node
// N sequential create/start/delete cycles of one probe bundle (default
// 1000), to find what a long-lived host would accumulate: every 100 cycles
// it counts the fds any process holds under the state root, the host's
// mounts, the cgroup dirs of these containers, the entries in the state
// root and the live processes in these containers' cgroups, and it fails
// (exit 1) if any count ends above where it started. Not a timed test: the
// time it prints is a figure for the README, never a pass mark.
//
//   sudo node scripts/cycles.mjs [N] [--root DIR]      (after npm run build)
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const RUNTS = path.join(repo, "dist/runts");
const PROBE = path.join(repo, "build/Release/probe");
const EVERY = 100;

const args = process.argv.slice(2);
const rootAt = args.indexOf("--root");
const root = rootAt >= 0 ? args.splice(rootAt, 2)[1] : `/run/runts-cycles-${process.pid}`;
const cycles = Number(args[0] ?? 1000);
const prefix = `it-load-cycles-${process.pid}-`;

if (process.getuid() !== 0) fail("cycles.mjs makes containers: run it as root");
for (const f of [RUNTS, PROBE]) if (!existsSync(f)) fail(`\`${f}\` is not built: run \`npm ci && npm run build\``);
if (!Number.isSafeInteger(cycles) || cycles < 1) fail(`cycles: \`${args[0]}\` is not a positive count`);

const work = mkdtempSync(path.join(tmpdir(), "runts-cycles-"));
const bundle = makeBundle(work);
mkdirSync(root, { recursive: true, mode: 0o700 });
let current;
process.on("exit", () => {
  if (current) runts(["delete", "--force", current]);
  rmSync(work, { recursive: true, force: true });
  if (rootAt < 0) rmSync(root, { recursive: true, force: true });
});

const samples = [sample(0, 0)];
const start = process.hrtime.bigint();
for (let n = 1; n <= cycles; n++) {
  current = `${prefix}${n}`;
  for (const a of [["create", "--bundle", bundle, current], ["start", current], ["delete", "--force", current]]) {
    const r = runts(a);
    if (r.status !== 0) fail(`cycle ${n}: runts ${a.join(" ")} exited ${r.status}: ${r.stderr.trim()}`);
  }
  current = undefined;
  if (n % EVERY === 0 || n === cycles) samples.push(sample(n, Number(process.hrtime.bigint() - start) / 1e9));
}

const [first, last] = [samples[0], samples[samples.length - 1]];
const KEYS = ["fds", "mounts", "cgroups", "rootEntries", "procs"];
const grew = KEYS.filter((k) => last[k] > first[k]);
console.log(`${cycles} cycles in ${last.seconds.toFixed(1)} s (${((last.seconds * 1000) / cycles).toFixed(1)} ms per create+start+delete)`);
console.log(`start: ${KEYS.map((k) => `${k} ${first[k]}`).join(", ")}`);
console.log(`end:   ${KEYS.map((k) => `${k} ${last[k]}`).join(", ")}`);
if (grew.length) fail(`grew over ${cycles} cycles: ${grew.join(", ")}`);
console.log("nothing grew");

function sample(n, seconds) {
  const s = {
    cycle: n, seconds,
    fds: fdsUnder(root), mounts: readFileSync("/proc/self/mountinfo", "utf8").split("\n").length - 1,
    cgroups: cgroupDirs().length, rootEntries: readdirSync(root).length, procs: procsOfOurs(),
  };
  console.log(`cycle ${String(n).padStart(5)}  ${seconds.toFixed(1).padStart(6)} s  fds ${s.fds}  mounts ${s.mounts}  cgroups ${s.cgroups}  root entries ${s.rootEntries}  procs ${s.procs}`);
  return s;
}

/** stderr goes to a file, not a pipe: the container keeps the stdio create gave it, and a pipe would hold the call open until the container exits */
function runts(a) {
  const errFile = path.join(work, "stderr");
  const fd = openSync(errFile, "w");
  try {
    const r = spawnSync(RUNTS, ["--root", root, ...a], { stdio: ["ignore", "ignore", fd], timeout: 60_000 });
    return { status: r.status, stderr: readFileSync(errFile, "utf8") };
  } finally {
    closeSync(fd);
  }
}

/** fds of any process that point under the state root */
function fdsUnder(dir) {
  let found = 0;
  for (const pid of pids()) {
    let fds = [];
    try { fds = readdirSync(`/proc/${pid}/fd`); } catch { continue; }
    for (const fd of fds) {
      try {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        if (target === dir || target.startsWith(`${dir}/`)) found++;
      } catch { /* closed meanwhile */ }
    }
  }
  return found;
}

/** these containers' cgroup dirs, in every hierarchy */
function cgroupDirs(dir = "/sys/fs/cgroup", depth = 0) {
  let entries = [];
  try { entries = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()); } catch { return []; }
  return entries.flatMap((e) => {
    const sub = path.join(dir, e.name);
    return [...(e.name.startsWith(prefix) ? [sub] : []), ...cgroupDirs(sub, depth + 1)];
  });
}

/** live (not zombie: the host's pid 1 reaps those) processes in these containers' cgroups */
function procsOfOurs() {
  let found = 0;
  for (const pid of pids()) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      if (stat[stat.lastIndexOf(")") + 2] !== "Z" && readFileSync(`/proc/${pid}/cgroup`, "utf8").includes(`/${prefix}`)) found++;
    } catch { /* gone meanwhile */ }
  }
  return found;
}

function pids() {
  return readdirSync("/proc").filter((e) => /^\d+$/.test(e));
}

/** runc spec's config with our probe sleeping, on a rootfs holding only the probe */
function makeBundle(dir) {
  const rootfs = path.join(dir, "rootfs");
  const made = spawnSync("bash", [path.join(repo, "scripts/make-rootfs.sh"), "probe", rootfs, PROBE], { encoding: "utf8" });
  if (made.status !== 0) fail(`make-rootfs.sh: ${made.stderr.trim()}`);
  const config = JSON.parse(readFileSync(path.join(repo, "test/fixtures/configs/runc-spec.json"), "utf8"));
  config.process.terminal = false;
  config.process.args = ["/bin/probe", "sleep", "600"];
  config.root = { path: rootfs, readonly: false };
  writeFileSync(path.join(dir, "config.json"), JSON.stringify(config));
  return dir;
}

function fail(msg) {
  console.error(`cycles: ${msg}`);
  process.exit(1);
}
