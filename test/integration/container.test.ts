// What the container gets, observed from inside by the probe: pid 1, names,
// credentials, cwd, env, mounts, user-namespace maps, joined namespaces,
// fds and signal state.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, symlinkSync } from "node:fs";
import path from "node:path";
import { bundle, busyboxMissing, busyboxRootfs, defaultConfig, missing, newId, probeReport, Runts, work } from "./harness.js";

const skip = missing() ?? undefined;
const runts = skip ? undefined! : new Runts();
after(() => runts?.cleanup());

const report = (config: Record<string, any>, extra: string[] = [], stdio?: any) => probeReport(runts, config, extra, stdio);

const mountAt = (facts: any, dest: string) => facts.mounts.find((m: any) => m.mountpoint === dest);

test("pid 1, hostname, domainname, user, groups, umask, cwd and env", { skip }, () => {
  const c = defaultConfig(["/bin/probe", "report"]);
  c.hostname = "box";
  c.domainname = "example.org";
  c.process.user = { uid: 1000, gid: 1001, additionalGids: [5, 7], umask: 0o027 };
  c.process.cwd = "/tmp";
  c.process.env = ["PATH=/bin", "A=b c"];
  const f = report(c);
  assert.equal(f.pid, 1);
  assert.deepEqual([f.hostname, f.domainname], ["box", "example.org"]);
  assert.deepEqual([f.uid, f.euid, f.gid, f.egid], [1000, 1000, 1001, 1001]);
  assert.deepEqual([...f.groups].sort(), [5, 7]);
  assert.equal(f.umask, 0o027);
  assert.equal(f.cwd, "/tmp");
  assert.deepEqual(f.env, ["PATH=/bin", "A=b c", "HOME=/"], "uid 1000 is not in /etc/passwd: HOME=/, as runc sets it");
  assert.deepEqual(f.argv, ["/bin/probe", "report"]);
});

test("namespaces are new: none of them is the host's", { skip }, () => {
  const c = defaultConfig(["/bin/probe", "report"]);
  c.linux.namespaces.push({ type: "cgroup" }, { type: "time" });
  const f = report(c);
  for (const ns of ["pid", "mnt", "uts", "ipc", "net", "cgroup", "time"])
    assert.notEqual(f.ns[ns], readlinkNs(ns), `${ns} namespace is new`);
  assert.equal(f.ns.user, readlinkNs("user"), "no user namespace asked for: the host's");
});

function readlinkNs(ns: string): string {
  return readlinkSync(`/proc/self/ns/${ns}`);
}

test("a user namespace with the maps written by the parent", { skip }, () => {
  const c = defaultConfig(["/bin/probe", "report"]);
  c.linux.namespaces.push({ type: "user" });
  c.linux.uidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
  c.linux.gidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
  // sysfs cannot be mounted from a user namespace without its own network ns
  // owner; keep the default namespaces (network is new), so it can
  const f = report(c);
  assert.match(f.uid_map, /^\s*0\s+200000\s+65536\s*$/);
  assert.match(f.gid_map, /^\s*0\s+200000\s+65536\s*$/);
  assert.equal(f.uid, 0);
  assert.notEqual(f.ns.user, readlinkNs("user"));
});

test("joining another container's namespaces by path", { skip }, () => {
  const first = newId("host");
  runts.ok(["run", "--detach", "--bundle", bundle(defaultConfig(["/bin/probe", "sleep", "30"])), first]);
  try {
    const pid = runts.state(first).pid;
    const c = defaultConfig(["/bin/probe", "report"]);
    c.linux.namespaces = c.linux.namespaces.map((n: any) =>
      ["network", "ipc", "uts"].includes(n.type) ? { type: n.type, path: `/proc/${pid}/ns/${n.type === "network" ? "net" : n.type}` } : n);
    delete c.hostname;
    const f = report(c);
    const them = (ns: string) => readlinkSync(`/proc/${pid}/ns/${ns}`);
    assert.equal(f.ns.net, them("net"));
    assert.equal(f.ns.ipc, them("ipc"));
    assert.equal(f.ns.uts, them("uts"));
    assert.notEqual(f.ns.pid, them("pid"), "pid is still new");
    assert.equal(f.hostname, "runc", "the joined uts namespace's hostname");
  } finally {
    runts.run(["delete", "--force", first]);
  }
});

test("joining another container's user and mount namespaces by path (as a pod's containers do)", { skip }, () => {
  const first = newId("userns");
  const a = defaultConfig(["/bin/probe", "sleep", "30"]);
  a.linux.namespaces.push({ type: "user" });
  a.linux.uidMappings = [{ containerID: 0, hostID: 300000, size: 65536 }];
  a.linux.gidMappings = [{ containerID: 0, hostID: 300000, size: 65536 }];
  runts.ok(["run", "--detach", "--bundle", bundle(a), first]);
  try {
    const pid = runts.state(first).pid;
    const b = defaultConfig(["/bin/probe", "report"]);
    b.linux.namespaces.push({ type: "user", path: `/proc/${pid}/ns/user` });
    const f = report(b);
    assert.equal(f.ns.user, readlinkSync(`/proc/${pid}/ns/user`));
    assert.match(f.uid_map, /^\s*0\s+300000\s+65536\s*$/, "the joined namespace's maps");
    assert.equal(f.uid, 0, "root of the joined user namespace");
    assert.notEqual(f.ns.mnt, readlinkSync(`/proc/${pid}/ns/mnt`), "its own mount namespace, owned by the joined user ns");
  } finally {
    runts.run(["delete", "--force", first]);
  }
});

test("linux.rootfsPropagation: the new / is shared or private as asked", { skip }, () => {
  for (const [prop, want] of [["rshared", /shared:\d+/], ["private", /^$/]] as const) {
    const c = defaultConfig(["/bin/probe", "report"]);
    c.linux.rootfsPropagation = prop;
    assert.match(mountAt(report(c), "/").optional, want, prop);
  }
});

test("mounts in order, with their types and options", { skip }, () => {
  const c = defaultConfig(["/bin/probe", "report"]);
  c.mounts.push(
    { destination: "/data", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", "noexec", "mode=700", "size=1m"] },
    { destination: "/data/inner", type: "tmpfs", source: "tmpfs", options: ["ro"] },
    { destination: "/host-etc", type: "bind", source: "/etc", options: ["rbind", "ro", "rprivate"] },
    { destination: "/etc/hostname-copy", type: "bind", source: "/etc/hostname", options: ["bind", "ro"] },
  );
  const f = report(c);
  const data = mountAt(f, "/data");
  assert.equal(data.fstype, "tmpfs");
  assert.match(data.options, /nosuid/);
  assert.match(data.options, /nodev/);
  assert.match(data.options, /noexec/);
  assert.match(data.superOptions, /size=1024k/);
  assert.match(data.superOptions, /mode=700/);
  assert.match(mountAt(f, "/data/inner").options, /^ro/);
  const dests = f.mounts.map((m: any) => m.mountpoint);
  assert.ok(dests.indexOf("/data") < dests.indexOf("/data/inner"), "in config order");
  const etc = mountAt(f, "/host-etc");
  assert.match(etc.options, /^ro/);
  assert.equal(etc.optional, "", "rprivate: no propagation peers");
  assert.match(mountAt(f, "/etc/hostname-copy").options, /^ro/);
  assert.equal(mountAt(f, "/proc").fstype, "proc");
  assert.match(mountAt(f, "/sys").options, /^ro/);
  assert.ok(mountAt(f, "/dev/pts") && mountAt(f, "/dev/mqueue") && mountAt(f, "/dev/shm"));
  assert.equal(mountAt(f, "/sys/fs/cgroup").fstype, "tmpfs");
  assert.equal(mountAt(f, "/sys/fs/cgroup/memory")?.fstype, "cgroup", "v1 hierarchies bound under the cgroup mount");
});

test("a read-only root and a read-only bind refuse writes", { skip }, () => {
  const c = defaultConfig(["/bin/probe", "write", "/etc/x", "hello"]);
  c.root.readonly = true;
  const r = runts.run(["run", "--bundle", bundle(c), newId("ro")]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /read-only file system/i);
  const f = report({ ...c, process: { ...c.process, args: ["/bin/probe", "report"] } });
  assert.equal(f.rootIsReadonly, true);
});

test("a symlink in the rootfs cannot make a mount land outside it", { skip }, () => {
  const rootfs = path.join(work, `rootfs-evil-${process.pid}`);
  execFileSync("cp", ["-a", defaultConfig([]).root.path, rootfs]);
  const outside = path.join(work, `outside-${process.pid}`);
  mkdirSync(outside);
  symlinkSync(outside, path.join(rootfs, "evil")); // absolute: the host's dir, if followed from the host
  symlinkSync("../../../../../..", path.join(rootfs, "up"));
  const c = defaultConfig(["/bin/probe", "report"], rootfs);
  c.mounts.push(
    { destination: "/evil/x", type: "tmpfs", source: "tmpfs", options: [] },
    { destination: "/up/y", type: "tmpfs", source: "tmpfs", options: [] },
  );
  const f = report(c);
  assert.deepEqual(readdirSync(outside), [], "nothing made in the host's directory");
  assert.ok(existsSync(path.join(rootfs, "x")) || existsSync(path.join(rootfs, work, `outside-${process.pid}`, "x")), "made inside the rootfs");
  assert.ok(mountAt(f, path.join(work, `outside-${process.pid}`, "x")) || mountAt(f, "/x"));
  assert.ok(mountAt(f, "/y"), "`..` stops at the rootfs");
});

test("--no-pivot uses chroot and still isolates", { skip }, () => {
  const f = report(defaultConfig(["/bin/probe", "report"]), ["--no-pivot"]);
  assert.equal(f.pid, 1);
  assert.equal(f.cwd, "/");
});

test("fds 0-2 pass through untouched; every other inherited fd is closed", { skip }, () => {
  const logFd = openSync(path.join(work, "leak"), "w");
  // fd 3 open in runts (as a shim's socket would be): the container must not get it
  const f = report(defaultConfig(["/bin/probe", "report"]), [], ["ignore", "pipe", "pipe", logFd]);
  assert.deepEqual(f.fds, [0, 1, 2]);
  assert.equal(f.stdin, "/dev/null");
  assert.match(f.stdout, /\/out-\d+-\d+$/, "stdout is the very file runts was given");
  const kept = report(defaultConfig(["/bin/probe", "report"]), ["--preserve-fds", "1"], ["ignore", "pipe", "pipe", logFd]);
  assert.deepEqual(kept.fds, [0, 1, 2, 3]);
  closeSync(logFd);
});

test("LISTEN_FDS (socket activation): those fds pass, with LISTEN_FDS and LISTEN_PID=1 in the env", { skip }, () => {
  const fd = openSync(path.join(work, "listen"), "w");
  const c = defaultConfig(["/bin/probe", "report"]);
  const r = runts.run(["run", "--bundle", bundle(c), newId("listen")], {
    stdio: ["ignore", "pipe", "pipe", fd], env: { ...process.env, LISTEN_FDS: "1" },
  });
  closeSync(fd);
  assert.equal(r.status, 0, r.stderr);
  const f = JSON.parse(r.stdout);
  assert.deepEqual(f.fds, [0, 1, 2, 3]);
  assert.ok(f.env.includes("LISTEN_FDS=1") && f.env.includes("LISTEN_PID=1"), f.env.join(" "));
});

test("--preserve-fds naming an fd runts was not given (Node's own are close-on-exec) is refused before anything is made", { skip }, () => {
  const r = runts.run(["run", "--preserve-fds", "2", "--bundle", bundle(defaultConfig(["/bin/probe", "exit", "0"])), newId("pfd")]);
  assert.equal(r.status, 1);
  assert.equal(r.stderr, "`--preserve-fds`: fd 3 was not passed to runts (LISTEN_FDS=0, --preserve-fds 2)\n");
});

test("signals reset: SIGPIPE not ignored, nothing blocked (Node ignores SIGPIPE)", { skip }, () => {
  const f = report(defaultConfig(["/bin/probe", "report"]));
  assert.equal(f.sigpipe, "default");
  assert.equal(f.status.SigIgn, "0000000000000000");
  assert.equal(f.status.SigBlk, "0000000000000000");
});

test("a ctr-style config: no process.env, a bare command name found on the default PATH", { skip }, () => {
  const c = defaultConfig(["probe", "report"]);
  delete c.process.env;
  const f = report(c);
  assert.deepEqual(f.env, ["HOME=/root"], "runc's HOME, from the container's /etc/passwd");
  assert.equal(f.argv[0], "probe");
});

test("HOME, when the env has none or an empty one, is the user's home in the container's /etc/passwd", { skip }, () => {
  const c = defaultConfig(["/bin/probe", "report"]);
  c.process.env = ["HOME=", "A=1"];
  assert.deepEqual(report(c).env, ["HOME=/root", "A=1"], "an empty HOME is replaced in place");
  c.process.user = { uid: 65534, gid: 65534 };
  c.process.env = ["A=1"];
  assert.deepEqual(report(c).env, ["A=1", "HOME=/nonexistent"]);
  c.process.env = ["HOME=/mine"];
  assert.deepEqual(report(c).env, ["HOME=/mine"], "a HOME the config gives is kept");
});

test("a busybox bundle with runc spec's defaults", { skip: skip ?? busyboxMissing() ?? undefined }, () => {
  const c = defaultConfig(["sh", "-c", "echo hello from $(hostname); ls /proc/self >/dev/null && echo ok"], busyboxRootfs());
  const r = runts.run(["run", "--bundle", bundle(c), newId("bb")]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, "hello from runc\nok\n");
  assert.ok(readFileSync("/proc/self/mountinfo", "utf8").length > 0);
});
