// The security controls, observed from inside the container: capability
// masks, no_new_privs, rlimits, oom_score_adj, sysctls, masked and
// read-only paths, device nodes, seccomp, process attributes; every refusal
// names its JSON path and leaves nothing behind (issue 3).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { readSecurityFacts } from "../../src/host/facts.js";
import {
  bundle, busyboxMissing, createFails, defaultConfig, missing, newId, newRootfs, PROBE, probeReport, ROOT_DIR, Runts, waitFor, work,
} from "./harness.js";

const skip = missing() ?? undefined;
const bbSkip = skip ?? busyboxMissing() ?? undefined;
const runts = skip ? undefined! : new Runts();
after(() => runts?.cleanup());

const report = (config: Record<string, any>) => probeReport(runts, config);
const probe = (...args: string[]) => defaultConfig(["/bin/probe", ...args]);

/** run config in the foreground: status and output */
function run(config: Record<string, any>) {
  return runts.run(["run", "--bundle", bundle(config), newId("sec")]);
}

/** a busybox shell script in a container; its stdout, after checking it exited 0 */
function sh(script: string, edit: (c: Record<string, any>) => void = () => undefined): string {
  const c = defaultConfig(["/bin/sh", "-c", script], newRootfs("busybox"));
  edit(c);
  const r = run(c);
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

/** the mask /proc/self/status prints for these capability numbers */
function mask(...bits: number[]): string {
  return bits.reduce((m, b) => m | (1n << BigInt(b)), 0n).toString(16).padStart(16, "0");
}
const CHOWN = 0, KILL = 5, NET_BIND = 10;

test("capabilities: the five sets in /proc/self/status are the config's (root)", { skip }, () => {
  const c = probe("report");
  const three = ["CAP_CHOWN", "CAP_KILL", "CAP_NET_BIND_SERVICE"];
  c.process.capabilities = { bounding: three, effective: three, permitted: three, inheritable: [], ambient: [] };
  const s = report(c).status;
  assert.deepEqual([s.CapBnd, s.CapEff, s.CapPrm, s.CapInh, s.CapAmb], [mask(CHOWN, KILL, NET_BIND), mask(CHOWN, KILL, NET_BIND), mask(CHOWN, KILL, NET_BIND), mask(), mask()]);
});

test("capabilities for a non-root user: ambient ones survive exec in effective and permitted", { skip }, () => {
  const c = probe("report");
  c.process.user = { uid: 1000, gid: 1000 };
  const two = ["CAP_KILL", "CAP_NET_BIND_SERVICE"];
  c.process.capabilities = { bounding: ["CAP_CHOWN", ...two], effective: two, permitted: two, inheritable: two, ambient: two };
  const f = report(c);
  assert.equal(f.uid, 1000);
  const s = f.status;
  assert.deepEqual([s.CapBnd, s.CapEff, s.CapPrm, s.CapInh, s.CapAmb], [mask(CHOWN, KILL, NET_BIND), mask(KILL, NET_BIND), mask(KILL, NET_BIND), mask(KILL, NET_BIND), mask(KILL, NET_BIND)]);
});

test("no capabilities in the config: a non-root process has none, bounding is left as it is", { skip }, () => {
  const c = probe("report");
  delete c.process.capabilities;
  c.process.user = { uid: 1000, gid: 1000 };
  const s = report(c).status;
  assert.deepEqual([s.CapEff, s.CapPrm, s.CapAmb], [mask(), mask(), mask()]);
  assert.equal(s.CapBnd, readFileSync("/proc/self/status", "utf8").match(/CapBnd:\s*(\w+)/)![1]);
});

test("a capability that cannot be granted is left out with a warning naming its JSON path; the container runs", { skip }, () => {
  const c = probe("report");
  c.process.capabilities = { bounding: ["CAP_KILL", "CAP_NOPE"], effective: ["CAP_KILL"], permitted: ["CAP_KILL", "CAP_NOPE"] };
  const r = runts.run(["run", "--bundle", bundle(c), newId("caps")]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /level=warning msg="config\.json: \/process\/capabilities\/bounding\/1: `CAP_NOPE` is not a capability runts knows: left out"/);
  const s = JSON.parse(r.stdout).status;
  assert.deepEqual([s.CapBnd, s.CapPrm, s.CapEff], ["0000000000000020", "0000000000000020", "0000000000000020"]);
});

test("noNewPrivileges: NoNewPrivs 1 when asked, 0 otherwise", { skip }, () => {
  const c = probe("report");
  c.process.noNewPrivileges = true;
  assert.equal(report(c).status.NoNewPrivs, "1");
  c.process.noNewPrivileges = false;
  assert.equal(report(c).status.NoNewPrivs, "0");
});

/** runts' own hard limit of open files, and whether it may raise hard limits */
const hostNofile = () => Number(/^Max open files\s+\d+\s+(\d+)/m.exec(readFileSync("/proc/self/limits", "utf8"))![1]);
const hasSysResource = () => (readSecurityFacts().capAvailable & (1n << 24n)) !== 0n;

test("rlimits: soft and hard as configured; soft above hard is refused", { skip }, () => {
  const c = probe("report");
  const hard = Math.min(hostNofile(), 8192);
  c.process.rlimits = [
    { type: "RLIMIT_NOFILE", soft: 1024, hard },
    { type: "RLIMIT_CORE", soft: 0, hard: 0 },
    { type: "RLIMIT_NPROC", soft: 300, hard: 400 },
  ];
  const r = report(c).rlimits;
  assert.deepEqual([r.RLIMIT_NOFILE, r.RLIMIT_CORE, r.RLIMIT_NPROC], [[1024, hard], [0, 0], [300, 400]]);
  c.process.rlimits = [{ type: "RLIMIT_NOFILE", soft: 10, hard: 5 }];
  assert.match(createFails(runts, c), /config\.json: \/process\/rlimits\/0: soft limit 10 is above the hard limit 5/);
});

test("rlimits above runts' own hard limit: raised with CAP_SYS_RESOURCE, else a clear error", { skip }, () => {
  const c = probe("report");
  const hard = hostNofile() + 1000;
  c.process.rlimits = [{ type: "RLIMIT_NOFILE", soft: 1024, hard }];
  if (hasSysResource()) assert.deepEqual(report(c).rlimits.RLIMIT_NOFILE, [1024, hard]);
  else assert.match(createFails(runts, c), /setrlimit `RLIMIT_NOFILE` \(config\.json \/process\/rlimits\/0\): operation not permitted \(raising a hard limit needs CAP_SYS_RESOURCE, which runts does not hold here\)/);
});

test("oomScoreAdj is the process's oom_score_adj; lowering it needs CAP_SYS_RESOURCE, else a clear error", { skip }, () => {
  const c = probe("report");
  c.process.oomScoreAdj = 500;
  assert.equal(report(c).oomScoreAdj, 500);
  c.process.oomScoreAdj = -500;
  if (hasSysResource()) assert.equal(report(c).oomScoreAdj, -500);
  else assert.match(createFails(runts, c), /write oom_score_adj `-500` \(config\.json \/process\/oomScoreAdj\): permission denied \(lowering it needs CAP_SYS_RESOURCE/);
});

test("sysctls of the container's own namespaces are set there, not on the host", { skip }, () => {
  const hostForward = readFileSync("/proc/sys/net/ipv4/ip_forward", "utf8");
  const hostShm = readFileSync("/proc/sys/kernel/shmmni", "utf8");
  const c = probe("cat", "/proc/sys/net/ipv4/ip_forward");
  c.linux.sysctl = { "net.ipv4.ip_forward": hostForward.trim() === "1" ? "0" : "1", "kernel.shmmni": "1234" };
  const r = run(c);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), c.linux.sysctl["net.ipv4.ip_forward"]);
  c.process.args = ["/bin/probe", "cat", "/proc/sys/kernel/shmmni"];
  assert.equal(run(c).stdout.trim(), "1234");
  assert.equal(readFileSync("/proc/sys/net/ipv4/ip_forward", "utf8"), hostForward, "the host's is unchanged");
  assert.equal(readFileSync("/proc/sys/kernel/shmmni", "utf8"), hostShm, "the host's is unchanged");
});

test("a sysctl of the host, or of a namespace the container does not have, is refused", { skip }, () => {
  const c = probe("exit", "0");
  c.linux.sysctl = { "kernel.panic": "1" };
  assert.match(createFails(runts, c), /config\.json: \/linux\/sysctl\/kernel\.panic: `kernel\.panic` is not in a namespace of the container's own/);
  c.linux.sysctl = { "net.ipv4.ip_forward": "1" };
  c.linux.namespaces = c.linux.namespaces.filter((n: any) => n.type !== "network");
  assert.match(createFails(runts, c), /\/linux\/sysctl\/net\.ipv4\.ip_forward: .*needs a network namespace/);
});

test("a namespace joined by a path that is the host's own: its sysctls and the hostname are refused, the host unchanged", { skip }, () => {
  const forward = readFileSync("/proc/sys/net/ipv4/ip_forward", "utf8");
  const hostname = readFileSync("/proc/sys/kernel/hostname", "utf8");
  const c = probe("exit", "0");
  c.linux.namespaces = c.linux.namespaces.filter((n: any) => n.type !== "network");
  c.linux.namespaces.push({ type: "network", path: `/proc/${process.pid}/ns/net` });
  c.linux.sysctl = { "net.ipv4.ip_forward": forward.trim() === "1" ? "0" : "1" };
  assert.match(createFails(runts, c), /\/linux\/sysctl\/net\.ipv4\.ip_forward: .*would change the host: the network namespace the config joins is the host's own/);
  delete c.linux.sysctl;
  c.linux.namespaces = c.linux.namespaces.filter((n: any) => n.type !== "uts");
  c.linux.namespaces.push({ type: "uts", path: `/proc/${process.pid}/ns/uts` });
  c.hostname = "not-the-host";
  assert.match(createFails(runts, c), /config\.json: \/hostname: would change the host's: the uts namespace the config joins is the host's own/);
  assert.equal(readFileSync("/proc/sys/net/ipv4/ip_forward", "utf8"), forward);
  assert.equal(readFileSync("/proc/sys/kernel/hostname", "utf8"), hostname);
});

test("maskedPaths: a file reads empty, a directory is an empty read-only tmpfs, a missing path is skipped", { skip: bbSkip }, () => {
  const out = sh("cat /etc/secret.txt; echo \"[$(ls /secret)]\"; touch /secret/x 2>&1; wc -c < /proc/timer_list", (c) => {
    writeFileSync(path.join(c.root.path, "etc/secret.txt"), "the host's secret\n");
    mkdirSync(path.join(c.root.path, "secret"));
    writeFileSync(path.join(c.root.path, "secret/key"), "k");
    c.linux.maskedPaths = [...c.linux.maskedPaths, "/etc/secret.txt", "/secret", "/not/there"];
  });
  assert.deepEqual(out.trim().split("\n"), ["[]", "touch: /secret/x: Read-only file system", "0"]);
});

test("readonlyPaths refuse writes; the rest of the rootfs stays writable", { skip: bbSkip }, () => {
  const out = sh("touch /ro/x 2>&1; echo 1 > /proc/sys/kernel/ns_last_pid 2>&1 || echo refused; touch /rw/x && echo rw ok", (c) => {
    mkdirSync(path.join(c.root.path, "ro"));
    mkdirSync(path.join(c.root.path, "rw"));
    c.linux.readonlyPaths = ["/proc/sys", "/ro"];
  });
  const lines = out.trim().split("\n");
  assert.equal(lines[0], "touch: /ro/x: Read-only file system");
  assert.match(lines[1], /Read-only file system|refused/);
  assert.equal(lines.at(-1), "rw ok");
});

test("/dev: runc's default devices and links on the config's tmpfs /dev", { skip: bbSkip }, () => {
  const out = sh("for d in null zero full random urandom tty; do stat -c '%n %F %t:%T %a %u:%g' /dev/$d; done; for l in ptmx fd stdin stdout stderr; do readlink /dev/$l; done; stat -c '%n %F' /dev/pts /dev/shm");
  assert.deepEqual(out.trim().split("\n"), [
    "/dev/null character special file 1:3 666 0:0",
    "/dev/zero character special file 1:5 666 0:0",
    "/dev/full character special file 1:7 666 0:0",
    "/dev/random character special file 1:8 666 0:0",
    "/dev/urandom character special file 1:9 666 0:0",
    "/dev/tty character special file 5:0 666 0:0",
    "pts/ptmx", "/proc/self/fd", "/proc/self/fd/0", "/proc/self/fd/1", "/proc/self/fd/2",
    "/dev/pts directory", "/dev/shm directory",
  ]);
});

test("linux.devices: made with their type, numbers, mode and owner", { skip }, () => {
  const c = probe("stat", "/dev/mine");
  c.linux.devices = [{ path: "/dev/mine", type: "c", major: 1, minor: 3, fileMode: 0o640, uid: 1000, gid: 1001 }];
  const r = run(c);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), { mode: "0640", uid: 1000, gid: 1001, type: "chr" });
  c.linux.devices = [{ path: "/dev/pipe", type: "p", fileMode: 0o600 }];
  c.process.args = ["/bin/probe", "stat", "/dev/pipe"];
  assert.deepEqual(JSON.parse(run(c).stdout), { mode: "0600", uid: 0, gid: 0, type: "fifo" });
});

test("linux.devices in a user namespace: the host's node is bound, since mknod is refused there", { skip }, () => {
  const c = probe("cat", "/dev/kmsg-copy");
  c.linux.namespaces.push({ type: "user" });
  c.linux.uidMappings = [{ containerID: 0, hostID: 400000, size: 65536 }];
  c.linux.gidMappings = [{ containerID: 0, hostID: 400000, size: 65536 }];
  c.linux.devices = [{ path: "/dev/zero", type: "c", major: 1, minor: 5 }];
  c.process.args = ["/bin/probe", "stat", "/dev/zero"];
  const r = run(c);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).type, "chr");
});

/** a seccomp profile allowing everything but these rules */
function seccomp(rules: object[], more: object = {}): object {
  return { defaultAction: "SCMP_ACT_ALLOW", syscalls: rules, ...more };
}

test("seccomp ERRNO: the refused call fails with EPERM (or errnoRet), and the process is in filter mode", { skip }, () => {
  const c = probe("mkdir", "/tmp/d");
  c.linux.seccomp = seccomp([{ names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO" }]);
  assert.equal(run(c).stdout.trim(), "EPERM 1");
  c.linux.seccomp = seccomp([{ names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: 18 }]);
  assert.equal(run(c).stdout.trim(), "EXDEV 18");
  c.process.args = ["/bin/probe", "report"];
  const s = report(c).status;
  assert.deepEqual([s.Seccomp, s.Seccomp_filters], ["2", "1"]);
});

test("seccomp defaultErrnoRet: a call no rule allows fails with that errno", { skip }, () => {
  const c = probe("mkdir", "/tmp/d");
  const allowed = [
    "execve", "brk", "arch_prctl", "set_tid_address", "set_robust_list", "rseq", "prlimit64", "mprotect", "mmap", "munmap",
    "readlink", "readlinkat", "getrandom", "uname", "newfstatat", "fstat", "write", "writev", "exit", "exit_group",
    "ioctl", "rt_sigaction", "rt_sigprocmask", "getpid", "gettid", "futex", "close", "openat", "read", "lseek",
  ];
  c.linux.seccomp = { defaultAction: "SCMP_ACT_ERRNO", defaultErrnoRet: 18, syscalls: [{ names: allowed, action: "SCMP_ACT_ALLOW" }] };
  const r = run(c);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), "EXDEV 18");
});

test("seccomp KILL, KILL_PROCESS, KILL_THREAD and TRAP: the process dies by SIGSYS (exit 159)", { skip }, () => {
  for (const action of ["SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP"]) {
    const c = probe("mkdir", "/tmp/d");
    c.linux.seccomp = seccomp([{ names: ["mkdir", "mkdirat"], action }]);
    const r = run(c);
    assert.equal(r.status, 128 + 31, `${action}: ${r.stdout}${r.stderr}`);
  }
});

test("seccomp TRACE with no tracer fails the call with ENOSYS; LOG and ALLOW let it through", { skip }, () => {
  const c = probe("mkdir", "/tmp/d");
  c.linux.seccomp = seccomp([{ names: ["mkdir", "mkdirat"], action: "SCMP_ACT_TRACE" }]);
  assert.equal(run(c).stdout.trim(), "ENOSYS 38");
  c.linux.seccomp = seccomp([{ names: ["mkdir", "mkdirat"], action: "SCMP_ACT_LOG" }]);
  c.process.args = ["/bin/probe", "mkdir", `/tmp/log-${process.pid}`];
  assert.equal(run(c).stdout.trim(), "ok");
  c.process.args = ["/bin/probe", "mkdir", `/tmp/allow-${process.pid}`];
  c.linux.seccomp = seccomp([{ names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ALLOW" }, { names: ["rmdir"], action: "SCMP_ACT_ERRNO" }], { defaultAction: "SCMP_ACT_LOG" });
  assert.equal(run(c).stdout.trim(), "ok");
});

test("seccomp argument conditions: only the calls that match are refused", { skip: bbSkip }, () => {
  const script = "/bin/probe mkdir /tmp/a 700; /bin/probe mkdir /tmp/b 755";
  const eq = sh(script, (c) => {
    c.linux.seccomp = seccomp([{ names: ["mkdir"], action: "SCMP_ACT_ERRNO", args: [{ index: 1, value: 0o700, op: "SCMP_CMP_EQ" }] }]);
  });
  assert.deepEqual(eq.trim().split("\n"), ["EPERM 1", "ok"]);
  const masked = sh(script, (c) => {
    c.linux.seccomp = seccomp([{ names: ["mkdir"], action: "SCMP_ACT_ERRNO", args: [{ index: 1, value: 0o077, valueTwo: 0, op: "SCMP_CMP_MASKED_EQ" }] }]);
  });
  assert.deepEqual(masked.trim().split("\n"), ["EPERM 1", "ok"]);
});

test("seccomp: unknown syscall names are skipped as runc does; flags TSYNC, LOG, SPEC_ALLOW are taken", { skip }, () => {
  const c = probe("mkdir", "/tmp/d");
  c.linux.seccomp = seccomp([{ names: ["no_such_syscall_anywhere", "mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO" }], {
    flags: ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"],
  });
  const r = run(c);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), "EPERM 1");
});

test("seccomp: what libseccomp refuses is a create error naming the JSON path; nothing is left", { skip }, () => {
  const c = probe("exit", "0");
  // in the spec's list, but newer than the libseccomp 2.5 of Debian 12
  c.linux.seccomp = seccomp([], { architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_SHEB"] });
  assert.match(createFails(runts, c), /config\.json: \/linux\/seccomp\/architectures\/1: libseccomp does not know the architecture `SCMP_ARCH_SHEB`/);
  c.linux.seccomp = seccomp([{ names: ["mkdir"], action: "SCMP_ACT_KILL", errnoRet: 5 }]);
  assert.match(createFails(runts, c), /config\.json: \/linux\/seccomp\/syscalls\/0\/errnoRet: errnoRet is only meaningful with SCMP_ACT_ERRNO or SCMP_ACT_TRACE/);
});

test("seccomp NOTIFY: the listener gets the notify fd and the container state, and answers the call", { skip }, async () => {
  const sock = path.join(work, `agent-${process.pid}.sock`);
  const agent = spawn(PROBE, ["seccomp-listen", sock, "18"], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let ready = false;
  agent.stdout.on("data", (d) => { out += d; });
  agent.stderr.on("data", () => { ready = true; });
  const done = new Promise((resolve) => agent.on("close", resolve));
  try {
    assert.ok(await waitFor(() => ready), "the agent listens");
    const c = probe("mkdir", "/tmp/n");
    c.annotations = { "org.example/agent": "yes" };
    c.linux.seccomp = seccomp([{ names: ["mkdir", "mkdirat"], action: "SCMP_ACT_NOTIFY" }], {
      listenerPath: sock, listenerMetadata: "hello agent", flags: ["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"],
    });
    const id = newId("notify");
    const b = bundle(c);
    const r = runts.run(["run", "--bundle", b, id]);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), "EXDEV 18", "the agent's answer reached the container");
    await done;
    const got = JSON.parse(out);
    assert.equal(got.fds, 1, "exactly one fd: the notify fd");
    assert.deepEqual(got.notified.length, 1);
    assert.equal(got.state.ociVersion, c.ociVersion);
    assert.deepEqual(got.state.fds, ["seccompFd"]);
    assert.equal(got.state.metadata, "hello agent");
    assert.equal(got.state.state.id, id);
    assert.equal(got.state.state.status, "creating");
    assert.equal(got.state.state.bundle, b);
    assert.equal(got.state.state.pid, got.state.pid);
    assert.deepEqual(got.state.state.annotations, { "org.example/agent": "yes" });
  } finally {
    agent.kill("SIGKILL");
  }
});

test("seccomp NOTIFY without a listener to connect to: create fails naming the path; nothing is left", { skip }, () => {
  const c = probe("exit", "0");
  const sock = path.join(work, "nobody-listens.sock");
  c.linux.seccomp = seccomp([{ names: ["mkdir"], action: "SCMP_ACT_NOTIFY" }], { listenerPath: sock });
  assert.match(createFails(runts, c), new RegExp(`listener \`${sock}\` \\(config\\.json /linux/seccomp/listenerPath\\): no such file or directory`));
});

test("personality, scheduler, I/O priority and cpu affinity are the process's", { skip }, () => {
  const c = probe("report");
  c.linux.personality = { domain: "LINUX32" };
  c.process.scheduler = { policy: "SCHED_BATCH", nice: 5 };
  c.process.ioPriority = { class: "IOPRIO_CLASS_BE", priority: 4 };
  c.process.execCPUAffinity = { final: "0" };
  const f = report(c);
  assert.equal(f.personality, 8, "PER_LINUX32");
  assert.deepEqual([f.sched.policy, f.sched.nice], [3, 5]);
  assert.equal(f.ioprio, (2 << 13) | 4);
  assert.equal(f.status.Cpus_allowed_list, "0");
});

test("linux.timeOffsets: the time namespace's clocks are offset; without a time namespace it is refused", { skip }, () => {
  const c = probe("cat", "/proc/self/timens_offsets");
  c.linux.namespaces.push({ type: "time" });
  c.linux.timeOffsets = { monotonic: { secs: 86400, nanosecs: 5 }, boottime: { secs: 3600 } };
  const r = run(c);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split("\n").map((l) => l.trim().split(/\s+/)), [["monotonic", "86400", "5"], ["boottime", "3600", "0"]]);
  c.linux.namespaces = c.linux.namespaces.filter((n: any) => n.type !== "time");
  assert.match(createFails(runts, c), /config\.json: \/linux\/timeOffsets: needs a new time namespace/);
});

test("AppArmor and SELinux asked for on a host without them: a clear refusal, nothing left", { skip }, (t) => {
  if (existsSync("/sys/fs/selinux/enforce")) return t.skip("this host has SELinux");
  if (existsSync("/sys/module/apparmor/parameters/enabled") && readFileSync("/sys/module/apparmor/parameters/enabled", "utf8").trim() === "Y")
    return t.skip("this host has AppArmor");
  const c = probe("exit", "0");
  c.process.apparmorProfile = "docker-default";
  assert.match(createFails(runts, c), /config\.json: \/process\/apparmorProfile: AppArmor profile `docker-default` asked for, but AppArmor is not enabled on this host/);
  delete c.process.apparmorProfile;
  c.process.selinuxLabel = "system_u:system_r:container_t:s0";
  assert.match(createFails(runts, c), /config\.json: \/process\/selinuxLabel: SELinux label .* but SELinux is not enabled on this host/);
  delete c.process.selinuxLabel;
  c.linux.mountLabel = "system_u:object_r:container_file_t:s0";
  assert.match(createFails(runts, c), /config\.json: \/linux\/mountLabel: .*SELinux is not enabled/);
});

// ---- escapes ----

test("symlinks in the rootfs (/dev -> /, ../ chains) cannot send a device node or a mask outside it", { skip }, () => {
  const rootfs = newRootfs();
  const marker = `/runts-escape-${process.pid}`;
  const hostPasswd = createHash("sha256").update(readFileSync("/etc/passwd")).digest("hex");
  // /dev is the rootfs's root; /up leads "out" through a chain of ..
  const c = probe("cat", "/etc/passwd");
  c.root.path = rootfs;
  c.mounts = c.mounts.filter((m: any) => !m.destination.startsWith("/dev"));
  symlinkSync("/", path.join(rootfs, "devlink"));
  symlinkSync("../../../../../../etc", path.join(rootfs, "up"));
  c.linux.devices = [{ path: `/devlink${marker}`, type: "c", major: 1, minor: 3 }];
  c.linux.maskedPaths = ["/up/passwd"];
  const r = run(c);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, "", "the rootfs's own /etc/passwd is masked");
  assert.ok(!existsSync(marker), `no ${marker} on the host`);
  assert.ok(existsSync(path.join(rootfs, marker)), "the node is inside the rootfs");
  assert.equal(createHash("sha256").update(readFileSync("/etc/passwd")).digest("hex"), hostPasswd, "the host's /etc/passwd is untouched");
});

test("a cwd reached through an inherited fd (CVE-2024-21626) is refused; none leads out of the root", { skip }, () => {
  const outcomes: string[] = [];
  for (let fd = 3; fd <= 9; fd++) {
    const c = probe("report");
    c.process.cwd = `/proc/self/fd/${fd}`;
    const r = run(c);
    if (r.status === 0) {
      const cwd = JSON.parse(r.stdout).cwd;
      assert.ok(cwd === null || cwd.startsWith("/"), `fd ${fd}: cwd ${cwd} is inside the container`);
      assert.ok(!existsSync(path.join(cwd ?? "/nonexistent", "state.json")), `fd ${fd}: not the state dir`);
    }
    outcomes.push(r.stderr.trim());
  }
  assert.ok(outcomes.some((e) => /leads outside the container's root .*CVE-2024-21626/.test(e)), `one fd was the state dir: ${outcomes.join(" | ")}`);
});

test("a container sharing the pid namespace cannot write /proc/1/exe of a waiting init (CVE-2019-5736)", { skip }, () => {
  const init = path.join(ROOT_DIR, "build/Release/runts-init");
  const before = createHash("sha256").update(readFileSync(init)).digest("hex");
  const waiting = newId("waiting");
  runts.ok(["create", "--bundle", bundle(probe("exit", "0")), waiting]);
  try {
    const pid = runts.state(waiting).pid;
    const c = probe("write", "/proc/1/exe", "#!/bin/sh\necho pwned\n");
    c.linux.namespaces = c.linux.namespaces.map((n: any) => (n.type === "pid" ? { type: "pid", path: `/proc/${pid}/ns/pid` } : n));
    delete c.process.capabilities; // all runts has: the strongest attacker
    const r = run(c);
    assert.notEqual(r.status, 0, "the write must fail");
    assert.match(r.stderr, /probe: write \/proc\/1\/exe: (Text file busy|Operation not permitted|Permission denied)/);
    assert.equal(createHash("sha256").update(readFileSync(init)).digest("hex"), before, "the host's runts-init is unchanged");
  } finally {
    runts.run(["delete", "--force", waiting]);
  }
});
