// containerd drives runts, for real: a private containerd (its own config,
// root, state and socket under a temp dir) and `ctr run --rootfs DIR
// --runc-binary runts`, which goes through the runc v2 shim exactly as a
// containerd with runts configured as its runtime would. The shim keeps
// runts' state under our temp dir too (`--runc-root`).
//
// Each test asserts what a user of ctr sees, then that nothing is left:
// no shim of our containerd, no process in the containers' cgroups, no
// cgroup, no mount, no state dir under the shim's root, no container in
// containerd.
//
// To check the tests themselves against the real runc:
//   CTR_TEST_RUNTIME=/usr/sbin/runc node --test build/ts/test/integration/containerd.test.js
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { busyboxMissing, busyboxRootfs, cgroupDirs, missing, RUNTS, waitFor, work } from "./harness.js";

const RUNTIME = process.env.CTR_TEST_RUNTIME ?? RUNTS;
/** containerd namespace, also the containers' cgroup parent (`/NS/ID`): ours alone on this machine */
const NS = `runts-it-${process.pid}`;
const SCRIPT = "/usr/bin/script";

function containerdMissing(): string | null {
  for (const bin of ["/usr/bin/containerd", "/usr/bin/ctr", "/usr/bin/containerd-shim-runc-v2"])
    if (!existsSync(bin)) return `needs Debian's containerd (\`apt-get install -y containerd\`): \`${bin}\` is missing`;
  return null;
}

/** ctr -t wants its stdin to be a terminal: util-linux's `script` runs it on a pty */
const noPty = existsSync(SCRIPT) ? null : `needs util-linux's \`script\` (\`apt-get install -y bsdutils\`) to give ctr a terminal: \`${SCRIPT}\` is missing`;

const skip = missing() ?? busyboxMissing() ?? containerdMissing() ?? undefined;
let daemon: ChildProcess | undefined;
let dir = "";
/** where the shim keeps runts' state: --root <runc-root>/<namespace> */
let shimRoot = "";
let hadRunContainerd = true;
let mountsAtStart: string[] = [];

before(async () => {
  if (skip) return;
  hadRunContainerd = existsSync("/run/containerd");
  mountsAtStart = mounts();
  dir = mkdtempSync(path.join(work, "containerd-"));
  shimRoot = path.join(dir, "runc", NS);
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
  await removeContainers();
  daemon.kill("SIGTERM");
  const stopped = new Promise((r) => (daemon!.exitCode !== null || daemon!.signalCode !== null ? r(null) : daemon!.on("exit", r)));
  const timer = setTimeout(() => daemon!.kill("SIGKILL"), 10_000);
  await stopped;
  clearTimeout(timer);
  // a shim outlives containerd; ours exit when their tasks are deleted. What
  // is still here is a failure, and is removed: only shims whose -address is
  // our containerd's socket, processes and cgroups under our namespace's
  // cgroup, and the sockets of our shims
  const shims = await shimsGone();
  const procs = containerProcesses();
  for (const pid of [...shims, ...procs]) try { process.kill(pid, "SIGKILL"); } catch { /* gone */ }
  await waitFor(() => containerProcesses().length === 0);
  const cgroups = containerCgroups();
  for (const d of [...cgroups].reverse()) try { rmdirSync(d); } catch { /* still busy: reported below */ }
  const sockets = shimSockets();
  for (const f of sockets) rmSync(f, { force: true });
  rmSync(dir, { recursive: true, force: true });
  // the shims' sockets and ctr's fifos live under /run/containerd whatever the config says
  if (!hadRunContainerd) for (const d of ["s", "fifo", ""]) try { rmdirSync(path.join("/run/containerd", d)); } catch { /* in use by another containerd */ }
  // ctr puts containers under /NS/ID; runts removes the ID level it made, the NS level is containerd's (runc leaves it too)
  for (const d of cgroupDirs().filter((d) => path.basename(d) === NS)) try { rmdirSync(d); } catch { /* checked below */ }
  assert.deepEqual(shims, [], "no shim of our containerd left after containerd stopped");
  assert.deepEqual(procs, [], "no container process left");
  assert.deepEqual(cgroups, [], "no container cgroup left");
  assert.deepEqual(sockets, [], "no shim socket left");
  assert.deepEqual(cgroupDirs().filter((d) => d.includes(`/${NS}`)), [], "no cgroup left");
  assert.deepEqual(newMounts(mountsAtStart), [], "no mount left");
  assert.deepEqual(processesWith(path.join(dir, "config.toml")), [], "no containerd left");
});

/** every ctr call goes to our containerd, in our namespace */
function ctr(args: string[], timeout = 30_000) {
  return spawnSync("/usr/bin/ctr", ctrArgv(args), { encoding: "utf8", timeout, stdio: ["ignore", "pipe", "pipe"] });
}
function ctrArgv(args: string[]): string[] {
  return ["--address", path.join(dir, "sock"), "-n", NS, ...args];
}

/**
 * ctr on a pty of its own, as a user at a terminal runs it; the pty's output
 * without CRs. script's stdin stays open and empty until ctr exits: at its
 * end script would type an EOF into the pty, which the pty echoes.
 */
async function ctrOnPty(args: string[], timeout = 30_000) {
  const quoted = ["/usr/bin/ctr", ...ctrArgv(args)].map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(" ");
  const child = spawn(SCRIPT, ["-qec", quoted, "/dev/null"], { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, SHELL: "/bin/sh" } });
  let stdout = "", stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d) => (stderr += d));
  const timer = setTimeout(() => child.kill("SIGKILL"), timeout);
  const status = await new Promise<number | null>((r) => child.on("close", (code) => r(code)));
  clearTimeout(timer);
  child.stdin.end();
  return { status, stdout: stdout.replaceAll("\r", ""), stderr };
}

/** the containers the running test made; removed after it, pass or fail */
const mine = new Set<string>();
/** every container id this file used */
const used: string[] = [];
let seq = 0;
function newId(): string {
  const id = `it-ctr-${process.pid}-${++seq}`;
  mine.add(id);
  used.push(id);
  return id;
}

/** `ctr run` with runts as the runtime, on the busybox rootfs; opts go before the runtime's flags */
function ctrRun(opts: string[], command: string[], id = newId()) {
  return { id, ...ctr(runArgs(opts, command, id)) };
}
function runArgs(opts: string[], command: string[], id: string): string[] {
  return ["run", ...opts, "--runc-binary", RUNTIME, "--runc-root", path.join(dir, "runc"), "--rootfs", busyboxRootfs(), id, ...command];
}

/** a detached container whose stdout and stderr the shim writes to a file, and that file's text */
function detached(command: string[]) {
  const id = newId();
  const logFile = path.join(dir, `${id}.log`);
  const r = ctrRun(["-d", "--log-uri", `file://${logFile}`], command, id);
  assert.equal(r.status, 0, r.stderr);
  return { id: r.id, log: () => (existsSync(logFile) ? readFileSync(logFile, "utf8") : "") };
}

/** the task's STATUS and PID as `ctr task ls` shows them */
function task(id: string): { status: string; pid: number } | undefined {
  const row = ctr(["task", "ls"]).stdout.split("\n").map((l) => l.trim().split(/\s+/)).find((f) => f[0] === id);
  return row && { pid: Number(row[1]), status: row[2] };
}

async function removeContainers(): Promise<void> {
  for (const id of mine) {
    ctr(["task", "delete", "--force", id]);
    ctr(["container", "delete", id]);
  }
  mine.clear();
}

/** one test: fn, then its containers removed even if it failed, then nothing of it may be left */
function ctrTest(name: string, fn: () => Promise<void> | void, needs: string | null = null) {
  test(name, { skip: skip ?? needs ?? undefined }, async () => {
    const mountsBefore = mounts();
    try {
      await fn();
    } finally {
      await removeContainers();
    }
    assert.deepEqual(await shimsGone(), [], "every shim exited once its task was deleted");
    assert.deepEqual(containerProcesses(), [], "no container process left");
    assert.deepEqual(containerCgroups(), [], "no container cgroup left");
    assert.deepEqual(shimSockets(), [], "no shim socket left");
    assert.deepEqual(newMounts(mountsBefore), [], "no mount left");
    assert.deepEqual(existsSync(shimRoot) ? readdirSync(shimRoot) : [], [], "no runts state dir under the shim's --root");
    const bundles = path.join(dir, "state", "io.containerd.runtime.v2.task", NS);
    assert.deepEqual(existsSync(bundles) ? readdirSync(bundles) : [], [], "no bundle left in containerd's state");
    assert.equal(ctr(["container", "ls", "-q"]).stdout.trim(), "", "containerd lists no container");
  });
}

/** pids of the shims our containerd started (their -address is our socket), once they had 10 s to exit */
async function shimsGone(): Promise<number[]> {
  const ours = () => pidsWhere((argv) => path.basename(argv[0] ?? "") === "containerd-shim-runc-v2" &&
    (argv[argv.indexOf("-address") + 1] ?? "").startsWith(`${dir}/`));
  await waitFor(() => ours().length === 0, 10_000);
  return ours();
}

/** the sockets of our shims left in /run/containerd/s: containerd 1.6 names each by sha256("<address>/<namespace>/<id>") */
function shimSockets(): string[] {
  return used.map((id) => path.join("/run/containerd/s", createHash("sha256").update(path.join(dir, "sock", NS, id)).digest("hex")))
    .filter((f) => existsSync(f));
}

/** the containers' cgroup directories (under /NS/), parents first */
function containerCgroups(): string[] {
  return cgroupDirs().filter((d) => d.includes(`/${NS}/`));
}

/** live processes whose command line names file */
function processesWith(file: string): number[] {
  return pidsWhere((argv) => argv.includes(file));
}

function pidsWhere(match: (argv: string[]) => boolean): number[] {
  const found: number[] = [];
  for (const e of readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
    try {
      const argv = readFileSync(`/proc/${e}/cmdline`, "utf8").split("\0");
      if (match(argv)) found.push(Number(e));
    } catch { /* gone */ }
  }
  return found;
}

/** processes in a cgroup under /NS/: the containers' and their exec'd processes */
function containerProcesses(): number[] {
  const found: number[] = [];
  for (const e of readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
    try {
      if (readFileSync(`/proc/${e}/cgroup`, "utf8").includes(`:/${NS}/`)) found.push(Number(e));
    } catch { /* gone */ }
  }
  return found;
}

function mounts(): string[] {
  return readFileSync("/proc/self/mountinfo", "utf8").split("\n").map((l) => l.split(" ").slice(3, 5).join(" ")).filter(Boolean);
}
function newMounts(before: string[]): string[] {
  return mounts().filter((m) => !before.includes(m));
}

function cmdline(pid: number): string {
  return readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0$/, "").replaceAll("\0", " ");
}

ctrTest("ctr run --rm: the process runs in the container, its output comes back and ctr exits 0", () => {
  const r = ctrRun(["--rm"], ["/bin/probe", "report"]);
  assert.equal(r.status, 0, r.stderr);
  const facts = JSON.parse(r.stdout);
  assert.equal(facts.pid, 1);
  assert.equal(facts.cwd, "/");
  assert.equal(facts.argv[0], "/bin/probe");
});

ctrTest("ctr run: a process that exits 7 makes ctr exit 7", () => {
  const r = ctrRun(["--rm"], ["/bin/sh", "-c", "echo bye; exit 7"]);
  assert.equal(r.stdout, "bye\n");
  assert.equal(r.status, 7, r.stderr);
});

ctrTest("ctr run -d, task kill, task delete: the shim's create, start, kill and delete calls", async () => {
  const { id } = detached(["/bin/sleep", "30"]);
  assert.equal(task(id)?.status, "RUNNING");
  const state = spawnSync(RUNTIME, ["--root", shimRoot, "state", id], { encoding: "utf8" });
  assert.equal(JSON.parse(state.stdout).status, "running", "the runtime sees the container the shim made");
  assert.equal(ctr(["task", "kill", "-s", "SIGKILL", id]).status, 0);
  assert.ok(await waitFor(() => task(id)?.status === "STOPPED"), "the task stopped");
  const del = ctr(["task", "delete", id]);
  assert.equal(del.status, 0, del.stderr);
  assert.match(del.stderr, /exit code 137\b/, "ctr reports the SIGKILLed process's status");
  assert.equal(ctr(["container", "delete", id]).status, 0);
  assert.ok(!existsSync(path.join(shimRoot, id)), "the runtime's state dir removed by the shim's delete");
});

ctrTest("ctr task kill -s SIGUSR1: the signal reaches the process, whose trap's output and exit status ctr reports", async () => {
  const c = detached(["/bin/sh", "-c", 'trap "echo got USR1; exit 3" USR1; echo ready; while :; do sleep 0.1; done']);
  assert.ok(await waitFor(() => c.log().includes("ready")), `the trap is set: ${c.log()}`);
  const kill = ctr(["task", "kill", "-s", "SIGUSR1", c.id]);
  assert.equal(kill.status, 0, kill.stderr);
  assert.ok(await waitFor(() => task(c.id)?.status === "STOPPED"), "the process exited");
  assert.equal(c.log(), "ready\ngot USR1\n");
  const del = ctr(["task", "delete", c.id]);
  assert.equal(del.status, 0, del.stderr);
  assert.match(del.stderr, /exit code 3\b/, "ctr reports the trap's exit status");
  assert.equal(task(c.id), undefined, "the task is gone");
});

ctrTest("ctr task ps: lists the host pids of the container's processes", async () => {
  const { id } = detached(["/bin/sh", "-c", "/bin/sleep 60 & /bin/sleep 61 & wait"]);
  const pids = () => ctr(["task", "ps", id]).stdout.split("\n").slice(1).map((l) => Number(l.split(/\s+/)[0])).filter(Boolean);
  assert.ok(await waitFor(() => pids().length === 3), `three processes: ${ctr(["task", "ps", id]).stdout}`);
  assert.ok(pids().includes(task(id)!.pid), "the task's own pid is listed");
  assert.deepEqual(pids().map(cmdline).sort(), ["/bin/sh -c /bin/sleep 60 & /bin/sleep 61 & wait", "/bin/sleep 60", "/bin/sleep 61"]);
});

ctrTest("ctr task pause and resume: the task is PAUSED and writes nothing, then RUNNING and writes again", async () => {
  const c = detached(["/bin/sh", "-c", "while :; do echo tick; sleep 0.05; done"]);
  assert.ok(await waitFor(() => c.log().length > 0), "the loop writes");
  const pause = ctr(["task", "pause", c.id]);
  assert.equal(pause.status, 0, pause.stderr);
  assert.equal(task(c.id)?.status, "PAUSED");
  await new Promise((r) => setTimeout(r, 300)); // what the shim still had in its pipe reaches the file
  const paused = c.log().length;
  await new Promise((r) => setTimeout(r, 700));
  assert.equal(c.log().length, paused, "a frozen loop writes nothing");
  const resume = ctr(["task", "resume", c.id]);
  assert.equal(resume.status, 0, resume.stderr);
  assert.equal(task(c.id)?.status, "RUNNING");
  assert.ok(await waitFor(() => c.log().length > paused), "the loop writes again");
});

ctrTest("ctr task exec: a second process in the running container, with its output and exit status", () => {
  const { id } = detached(["/bin/sleep", "60"]);
  const r = ctr(["task", "exec", "--exec-id", "probe1", id, "/bin/sh", "-c", "cat /proc/1/cmdline; echo; echo to-stderr >&2; exit 5"]);
  assert.equal(r.stdout, "/bin/sleep\x0060\x00\n", `it sees the container's pid 1: ${r.stderr}`);
  assert.match(r.stderr, /to-stderr/);
  assert.equal(r.status, 5);
  const ok = ctr(["task", "exec", "--exec-id", "probe2", id, "/bin/true"]);
  assert.equal(ok.status, 0, ok.stderr);
  assert.equal(task(id)?.status, "RUNNING", "the container runs on");
});

ctrTest("ctr task exec -t: the exec'd process has the pty as its terminal", async () => {
  const { id } = detached(["/bin/sleep", "60"]);
  const r = await ctrOnPty(["task", "exec", "-t", "--exec-id", "tty1", id, "/bin/sh", "-c", "tty; : </dev/tty && echo has-ctty; exit 6"]);
  assert.match(r.stdout, /^\/dev\/pts\/\d+$/m, `tty names a pty: ${r.stdout}`);
  assert.match(r.stdout, /^has-ctty$/m, "/dev/tty opens: the pty is its controlling terminal");
  assert.equal(r.status, 6, r.stdout);
}, noPty);

ctrTest("ctr run -t: the container's process has the pty as its terminal", async () => {
  const r = await ctrOnPty(runArgs(["-t", "--rm"], ["/bin/sh", "-c", "tty; : </dev/tty && echo has-ctty; exit 4"], newId()));
  assert.match(r.stdout, /^\/dev\/pts\/\d+$/m, `tty names a pty: ${r.stdout}`);
  assert.match(r.stdout, /^has-ctty$/m, "/dev/tty opens: the pty is its controlling terminal");
  assert.equal(r.status, 4, r.stdout);
}, noPty);

ctrTest("ctr run of a missing executable: the runtime's error, naming the path, reaches ctr through the shim", () => {
  const r = ctrRun(["--rm"], ["/bin/nope"]);
  assert.equal(r.status, 1);
  assert.equal(r.stdout, "");
  assert.match(r.stderr, /OCI runtime create failed: .*\/bin\/nope.*(no such file or directory|executable file not found in \$PATH)/);
});
