// containerd drives runts, for real: a private containerd (its own config,
// root, state and socket under a temp dir) and `ctr run --rootfs DIR
// --runc-binary runts`, which goes through the runc v2 shim exactly as a
// containerd with runts configured as its runtime would.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { busyboxMissing, busyboxRootfs, initPids, missing, RUNTS, waitFor, work } from "./harness.js";

const NS = "runts-it";
/** where the shim keeps runc's (here runts') state: --root /run/containerd/runc/<namespace> */
const SHIM_ROOT = `/run/containerd/runc/${NS}`;

function containerdMissing(): string | null {
  for (const bin of ["/usr/bin/containerd", "/usr/bin/ctr", "/usr/bin/containerd-shim-runc-v2"])
    if (!existsSync(bin)) return `needs Debian's containerd (\`apt-get install -y containerd\`): \`${bin}\` is missing`;
  return null;
}

const skip = missing() ?? busyboxMissing() ?? containerdMissing() ?? undefined;
let daemon: ChildProcess | undefined;
let dir = "";
let hadRunContainerd = true;

before(async () => {
  if (skip) return;
  hadRunContainerd = existsSync("/run/containerd");
  dir = mkdtempSync(path.join(work, "containerd-"));
  writeFileSync(path.join(dir, "config.toml"), [
    "version = 2",
    `root = "${dir}/root"`,
    `state = "${dir}/state"`,
    // no CRI: these tests drive containerd through ctr only
    'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
    "[grpc]", `  address = "${dir}/sock"`,
    "[ttrpc]", `  address = "${dir}/sock.ttrpc"`,
  ].join("\n"));
  daemon = spawn("/usr/bin/containerd", ["--config", path.join(dir, "config.toml")], { stdio: "ignore" });
  const up = await waitFor(() => ctr(["version"]).status === 0, 10_000);
  assert.ok(up, "containerd answers on its socket");
});

after(async () => {
  if (!daemon) return;
  for (const id of started) {
    ctr(["task", "kill", "-s", "SIGKILL", id]);
    ctr(["task", "delete", id]);
    ctr(["container", "delete", id]);
  }
  daemon.kill("SIGTERM");
  await new Promise((r) => (daemon!.exitCode !== null ? r(null) : daemon!.on("exit", r)));
  rmSync(dir, { recursive: true, force: true });
  if (!hadRunContainerd) rmSync("/run/containerd", { recursive: true, force: true });
  else rmSync(SHIM_ROOT, { recursive: true, force: true });
  // ctr puts containers under /NS/ID; runts removes the ID level it made, the NS level is containerd's (runc leaves it too)
  for (const h of readdirSync("/sys/fs/cgroup")) {
    try { rmdirSync(path.join("/sys/fs/cgroup", h, NS)); } catch { /* not there, or not ours to judge */ }
  }
});

const started = new Set<string>();

function ctr(args: string[], timeout = 30_000) {
  return spawnSync("/usr/bin/ctr", ["--address", path.join(dir, "sock"), "-n", NS, ...args], { encoding: "utf8", timeout });
}

let seq = 0;
function ctrRun(args: string[], command: string[]) {
  const id = `it-ctr-${process.pid}-${++seq}`;
  started.add(id);
  const r = ctr(["run", ...args, "--runc-binary", RUNTS, "--rootfs", busyboxRootfs(), id, ...command]);
  return { id, ...r };
}

test("ctr run --rm: the process runs in the container and its exit status comes back", { skip }, () => {
  const before = initPids();
  const r = ctrRun(["--rm"], ["/bin/probe", "report"]);
  assert.equal(r.status, 0, r.stderr);
  const facts = JSON.parse(r.stdout);
  assert.equal(facts.pid, 1);
  assert.equal(facts.cwd, "/");
  assert.equal(facts.argv[0], "/bin/probe");
  assert.equal(ctrRun(["--rm"], ["sh", "-c", "exit 3"]).status, 3);
  assert.deepEqual(existsSync(SHIM_ROOT) ? readdirSync(SHIM_ROOT) : [], [], "runts' state under the shim's --root is gone");
  assert.deepEqual(initPids(), before, "no init left");
});

test("ctr run -d, task kill, task delete: the shim's create, start, kill and delete calls", { skip }, async () => {
  const r = ctrRun(["-d"], ["sleep", "30"]);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(await waitFor(() => /RUNNING/.test(ctr(["task", "ls"]).stdout)), "the task is running");
  const state = spawnSync(RUNTS, ["--root", SHIM_ROOT, "state", r.id], { encoding: "utf8" });
  assert.equal(JSON.parse(state.stdout).status, "running", "runts sees the container the shim made");
  assert.equal(ctr(["task", "kill", "-s", "SIGKILL", r.id]).status, 0);
  assert.ok(await waitFor(() => /STOPPED/.test(ctr(["task", "ls"]).stdout)), "the task stopped");
  const del = ctr(["task", "delete", r.id]);
  assert.equal(del.status, 0, del.stderr);
  assert.equal(ctr(["container", "delete", r.id]).status, 0);
  started.delete(r.id);
  assert.ok(!existsSync(path.join(SHIM_ROOT, r.id)), "runts' state dir removed by the shim's delete");
});
