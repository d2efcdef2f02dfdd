// runts exec, observed from inside the container by the probe: the new
// process shares every namespace and the cgroup of the container's init,
// gets its own user, capabilities and environment, the container's seccomp
// filter, and its status comes back; refusals use runc's words and exit 255.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { closeSync, openSync, readFileSync, readlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { bundle, defaultConfig, leftovers, missing, newId, Runts, waitFor, work } from "./harness.js";

const skip = missing() ?? undefined;
const runts = skip ? undefined! : new Runts();
after(() => runts?.cleanup());

const status = (report: any, field: string): string => report.status[field];

/** a started container running `probe sleep 60`, with what the test adds to its config */
function running(change: (c: Record<string, any>) => void = () => undefined): { id: string; pid: number } {
  const id = newId("exec");
  const config = defaultConfig(["/bin/probe", "sleep", "60"]);
  change(config);
  runts.ok(["run", "--detach", "--bundle", bundle(config), id]);
  return { id, pid: runts.state(id).pid };
}

function execReport(id: string, args: string[] = []): any {
  const r = runts.run(["exec", ...args, id, "/bin/probe", "report"]);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

test("exec joins every namespace and the cgroup of the container's init", { skip }, () => {
  const { id, pid } = running((c) => c.linux.namespaces.push({ type: "cgroup" }));
  const report = execReport(id);
  for (const ns of ["pid", "mnt", "uts", "ipc", "net", "cgroup"]) assert.equal(report.ns[ns], readlinkSync(`/proc/${pid}/ns/${ns}`), ns);
  assert.ok(report.pid > 1, "a new pid in the container's pid namespace");
  assert.equal(report.hostname, "runc", "the container's hostname");
  assert.deepEqual(report.mounts.map((m: any) => m.destination ?? m), execReport(id).mounts.map((m: any) => m.destination ?? m));
  assert.deepEqual(JSON.parse(runts.ok(["ps", "--format", "json", id]).stdout), [pid], "the exec'd process is gone once it exited");
  runts.ok(["delete", "--force", id]);
});

test("the exec'd process is in the container's cgroup while it runs", { skip }, async () => {
  const { id, pid } = running();
  const r = runts.run(["exec", "--detach", "--pid-file", path.join(work, `${id}.pid`), id, "/bin/probe", "sleep", "30"]);
  assert.equal(r.status, 0, r.stderr);
  const text = readFileSync(path.join(work, `${id}.pid`), "utf8");
  assert.match(text, /^\d+$/, "the bare pid, no newline");
  const execPid = Number(text);
  assert.equal(readFileSync(`/proc/${execPid}/cgroup`, "utf8"), readFileSync(`/proc/${pid}/cgroup`, "utf8"));
  assert.equal(readlinkSync(`/proc/${execPid}/ns/pid`), readlinkSync(`/proc/${pid}/ns/pid`));
  const pids: number[] = JSON.parse(runts.ok(["ps", "--format", "json", id]).stdout);
  assert.deepEqual(pids.sort(), [pid, execPid].sort(), "ps lists it");
  runts.ok(["delete", "--force", id]);
  assert.ok(await waitFor(() => !isAlive(execPid)), "delete --force killed it too");
});

function isAlive(pid: number): boolean {
  try {
    return !readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].startsWith("Z");
  } catch {
    return false;
  }
}

test("exec's flags: user, groups, cwd, env, capabilities, no_new_privs; the container's seccomp filter", { skip }, () => {
  const { id } = running((c) => {
    c.process.capabilities = { bounding: ["CAP_KILL"], effective: ["CAP_KILL"], permitted: ["CAP_KILL"] };
    c.linux.seccomp = { defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["mkdirat", "mkdir"], action: "SCMP_ACT_ERRNO", errnoRet: 1 }] };
  });
  const report = execReport(id, ["--user", "1000:1001", "--additional-gids", "7", "--cwd", "/tmp", "--env", "HELLO=exec", "--cap", "CAP_NET_RAW", "--no-new-privs"]);
  assert.deepEqual([report.uid, report.gid, report.groups], [1000, 1001, [7]]);
  assert.equal(report.cwd, "/tmp");
  assert.ok(report.env.includes("HELLO=exec"));
  assert.ok(report.env.some((e: string) => e.startsWith("PATH=")), "the container's env too");
  assert.equal(BigInt(`0x${status(report, "CapBnd")}`), (1n << 5n) | (1n << 13n), "CAP_KILL from the config, CAP_NET_RAW from --cap");
  assert.equal(status(report, "NoNewPrivs"), "1");
  assert.equal(status(report, "Seccomp"), "2", "the container's filter");
  const mk = runts.run(["exec", id, "/bin/probe", "mkdir", "/tmp/x"]);
  assert.equal(mk.stdout.trim(), "EPERM 1", "mkdir is refused by the container's filter");
  runts.ok(["delete", "--force", id]);
});

test("exec with process.oomScoreAdj (every Kubernetes container has one): the exec'd process gets it", { skip }, () => {
  // the exec joins the container's mount and pid namespaces before it writes
  // oom_score_adj, and is not in the container's /proc: runts wrote
  // /proc/self/oom_score_adj there and failed with ENOENT
  const { id } = running((c) => (c.process.oomScoreAdj = 500));
  const report = execReport(id);
  assert.equal(report.oomScoreAdj, 500);
  runts.ok(["delete", "--force", id]);
});

test("--process FILE: the whole process object, flags left alone", { skip }, () => {
  const { id } = running();
  const file = path.join(work, `${id}-process.json`);
  writeFileSync(file, JSON.stringify({ cwd: "/proc", args: ["/bin/probe", "report"], env: ["ONLY=this"], user: { uid: 5, gid: 6 }, capabilities: { bounding: [] } }));
  const r = runts.run(["exec", "--process", file, id]);
  assert.equal(r.status, 0, r.stderr);
  const report = JSON.parse(r.stdout);
  assert.deepEqual([report.uid, report.gid, report.cwd, report.env], [5, 6, "/proc", ["ONLY=this", "HOME=/"]], "HOME=/ as runc sets it: uid 5 is not in /etc/passwd");
  assert.equal(status(report, "CapBnd"), "0000000000000000");
  writeFileSync(file, JSON.stringify({ cwd: 5, args: ["/bin/probe"] }));
  const bad = runts.run(["exec", "--process", file, id]);
  assert.equal(bad.status, 255);
  assert.match(bad.stderr, /exec failed: `--process [^`]+`: \/cwd: /);
  runts.ok(["delete", "--force", id]);
});

test("foreground exec exits with the process's status, 128+signal when killed; failing to exec is 255", { skip }, () => {
  const { id } = running();
  assert.equal(runts.run(["exec", id, "/bin/probe", "exit", "7"]).status, 7);
  assert.equal(runts.run(["exec", id, "/bin/probe", "kill-self", "9"]).status, 137);
  const missingExe = runts.run(["exec", id, "/bin/nope"]);
  assert.equal(missingExe.status, 255);
  assert.match(missingExe.stderr, /exec failed: .*exec: "\/bin\/nope": stat \/bin\/nope: no such file or directory/);
  const notInPath = runts.run(["exec", id, "nope"]);
  assert.match(notInPath.stderr, /executable file not found in \$PATH/);
  runts.ok(["delete", "--force", id]);
});

test("exec into a created container works; into a paused or stopped one is refused with runc's words", { skip }, async () => {
  const id = newId("exec");
  runts.ok(["create", "--bundle", bundle(defaultConfig(["/bin/probe", "sleep", "60"])), id]);
  assert.equal(runts.run(["exec", id, "/bin/probe", "exit", "0"]).status, 0, "created: allowed, as runc");
  runts.ok(["start", id]);
  runts.ok(["pause", id]);
  const paused = runts.run(["exec", id, "/bin/probe", "exit", "0"]);
  assert.equal(paused.status, 255);
  assert.match(paused.stderr, /exec failed: cannot exec in a paused container \(use --ignore-paused to override\)/);
  runts.ok(["resume", id]);
  runts.ok(["kill", id, "KILL"]);
  assert.ok(await waitFor(() => runts.state(id).status === "stopped"));
  const stopped = runts.run(["exec", id, "/bin/probe", "exit", "0"]);
  assert.equal(stopped.status, 255);
  assert.match(stopped.stderr, /exec failed: cannot exec in a stopped container/);
  const unknown = runts.run(["exec", "it-no-such-container", "/bin/probe"]);
  assert.equal(unknown.status, 255);
  assert.match(unknown.stderr, /container does not exist/);
  runts.ok(["delete", id]);
});

test("an exec that fails leaves no process, no fd and nothing in the container", { skip }, () => {
  const { id, pid } = running();
  const before = leftovers(runts);
  for (const args of [["/bin/nope"], ["--cwd", "/nonexistent", "/bin/probe"], ["--user", "0", "--cgroup", "no-such-sub", "/bin/probe"]]) {
    const r = runts.run(["exec", id, ...args]);
    assert.equal(r.status, 255, `${args.join(" ")}: ${r.stderr}`);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
  }
  const now = leftovers(runts);
  assert.deepEqual(now.inits, before.inits, "no runts-init left");
  assert.deepEqual(now.openUnderRoot, []);
  assert.equal(now.mounts, before.mounts);
  assert.deepEqual(JSON.parse(runts.ok(["ps", "--format", "json", id]).stdout), [pid], "only the init in the container");
  runts.ok(["delete", "--force", id]);
});

test("exec passes stdio through and closes every other fd; --preserve-fds passes more", { skip }, () => {
  const { id } = running();
  const leak = openSync(path.join(work, `${id}-leak`), "w");
  // fd 3 open in runts, as a shim's socket would be: the process must not get it
  const run = (extra: string[]) => {
    const r = runts.run(["exec", ...extra, id, "/bin/probe", "report"], { stdio: ["ignore", "pipe", "pipe", leak] });
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout);
  };
  const plain = run([]);
  assert.deepEqual(plain.fds, [0, 1, 2]);
  assert.equal(plain.stdin, "/dev/null");
  assert.match(plain.stdout, /\/out-\d+-\d+$/, "stdout is the very file runts was given");
  assert.deepEqual(run(["--preserve-fds", "1"]).fds, [0, 1, 2, 3]);
  closeSync(leak);
  runts.ok(["delete", "--force", id]);
});

test("a session keyring named after the container, joined by exec; none of its own with --no-new-keyring", { skip }, () => {
  const { id } = running();
  const own = runts.ok(["exec", id, "/bin/probe", "keyring"]).stdout.trim();
  assert.match(own, new RegExp(`^keyring;0;0;[0-9a-f]+;_ses\\.${id.replace(/[.+]/g, "\\$&")}$`));
  runts.ok(["delete", "--force", id]);
  const id2 = newId("exec");
  const r = runts.run(["run", "--no-new-keyring", "--bundle", bundle(defaultConfig(["/bin/probe", "keyring"])), id2]);
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stdout, /_ses\.it-/, "the caller's keyring, not one of the container's");
  const r3 = runts.run(["run", "--bundle", bundle(defaultConfig(["/bin/probe", "keyring"])), newId("exec")]);
  assert.match(r3.stdout, /;_ses\.it-exec-/, "run makes one by default");
});
