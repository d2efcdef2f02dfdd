// Conformance with runtime-spec v1.3.0 config.md, config-linux.md and
// runtime-linux.md: each field observed from inside the container by the
// probe, or the error the spec asks for. LEDGER.md names each test; what
// integration tests already prove is not repeated here.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, readlinkSync, statSync, symlinkSync } from "node:fs";
import path from "node:path";
import {
  bundle, createFails, defaultConfig, missing, newId, probeReport, probeRootfs, readFileSync, Runts, waitFor, writeFileSync,
} from "../integration/harness.js";

const skip = missing() ?? undefined;
const runts = skip ? undefined! : new Runts();
after(() => runts?.cleanup());

const report = (c: Record<string, any>) => probeReport(runts, c);
const reportConfig = () => defaultConfig(["/bin/probe", "report"]);
const mountAt = (f: any, at: string) => f.mounts.findLast((m: any) => m.mountpoint === at);
const words = (s: string) => s.split(",");

test("a relative mount destination is mounted relative to /", { skip }, () => {
  const c = reportConfig();
  c.mounts.push({ destination: "reltmp", type: "tmpfs", source: "tmpfs", options: ["nodev"] });
  assert.equal(mountAt(report(c), "/reltmp")?.fstype, "tmpfs");
});

/** [options, what mountinfo shows]: the spec's MUST options, each with its opposite */
const FLAG_OPTIONS: Array<[string[], (m: any) => boolean]> = [
  [["ro"], (m) => words(m.options).includes("ro")],
  [["rw"], (m) => words(m.options).includes("rw")],
  [["nosuid"], (m) => words(m.options).includes("nosuid")],
  [["nosuid", "suid"], (m) => !words(m.options).includes("nosuid")],
  [["nodev"], (m) => words(m.options).includes("nodev")],
  [["nodev", "dev"], (m) => !words(m.options).includes("nodev")],
  [["noexec"], (m) => words(m.options).includes("noexec")],
  [["noexec", "exec"], (m) => !words(m.options).includes("noexec")],
  [["noatime"], (m) => words(m.options).includes("noatime")],
  [["noatime", "atime"], (m) => !words(m.options).includes("noatime")],
  [["nodiratime"], (m) => words(m.options).includes("nodiratime")],
  [["nodiratime", "diratime"], (m) => !words(m.options).includes("nodiratime")],
  [["relatime"], (m) => words(m.options).includes("relatime")],
  [["strictatime"], (m) => !words(m.options).some((o) => o === "relatime" || o === "noatime")],
  [["strictatime", "nostrictatime"], (m) => words(m.options).includes("relatime")],
  [["noatime", "norelatime"], (m) => words(m.options).includes("noatime")],
  [["sync"], (m) => words(m.superOptions).includes("sync")],
  [["sync", "async"], (m) => !words(m.superOptions).includes("sync")],
  [["dirsync"], (m) => words(m.superOptions).includes("dirsync")],
  [["lazytime"], (m) => words(m.superOptions).includes("lazytime")],
  [["lazytime", "nolazytime"], (m) => !words(m.superOptions).includes("lazytime")],
  [["iversion", "noiversion", "silent", "loud", "defaults"], (m) => m.fstype === "tmpfs"],
  [["shared"], (m) => /shared:\d+/.test(m.optional)],
  [["rshared"], (m) => /shared:\d+/.test(m.optional)],
  [["unbindable"], (m) => /unbindable/.test(m.optional)],
  [["runbindable"], (m) => /unbindable/.test(m.optional)],
  [["private"], (m) => m.optional === ""],
  [["shared", "private"], (m) => m.optional === ""],
  [["unbindable", "shared"], (m) => /shared:\d+/.test(m.optional) && !/unbindable/.test(m.optional)],
  [["rprivate"], (m) => m.optional === ""],
  // a new tmpfs has no master to follow: slave leaves it private, what matters is that it is taken
  [["slave"], (m) => m.optional === ""],
  [["rslave"], (m) => m.optional === ""],
];

test("the mount options the spec requires: each one is applied, and its opposite undoes it", { skip }, () => {
  const c = reportConfig();
  FLAG_OPTIONS.forEach(([options], i) => c.mounts.push({ destination: `/opt${i}`, type: "tmpfs", source: "tmpfs", options }));
  const f = report(c);
  FLAG_OPTIONS.forEach(([options, seen], i) => {
    const m = mountAt(f, `/opt${i}`);
    assert.ok(m && seen(m), `${options.join(",")}: ${JSON.stringify(m)}`);
  });
});

test("remount: a later entry changes the flags of the mount at its destination", { skip }, () => {
  const c = reportConfig();
  c.mounts.push(
    { destination: "/re", type: "tmpfs", source: "tmpfs", options: ["nosuid"] },
    { destination: "/re", type: "tmpfs", source: "tmpfs", options: ["remount", "ro", "nosuid"] },
  );
  const r = runts.run(["run", "--bundle", bundle(c), newId("conf-remount")]);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(words(mountAt(JSON.parse(r.stdout), "/re").options).includes("ro"));
});

test("root.path and a bind mount's source may be relative to the bundle", { skip }, () => {
  const c = defaultConfig(["/bin/probe", "cat", "/data/file"]);
  c.root.path = "rootfs";
  c.mounts.push({ destination: "/data", type: "bind", source: "data", options: ["bind"] });
  const b = bundle(c);
  symlinkSync(probeRootfs(), path.join(b, "rootfs"));
  mkdirSync(path.join(b, "data"));
  writeFileSync(path.join(b, "data", "file"), "from the bundle");
  const r = runts.run(["run", "--bundle", b, newId("conf-relbundle")]);
  assert.equal(r.status, 0, r.stderr + r.stdout);
  assert.equal(r.stdout, "from the bundle");
});

test("unknown properties are ignored, not errors", { skip }, () => {
  const c = reportConfig();
  Object.assign(c, { "com.example.future": { a: 1 } });
  Object.assign(c.process, { futureField: true });
  Object.assign(c.linux, { futureField: [1, 2] });
  c.mounts.push({ destination: "/fut", type: "tmpfs", source: "tmpfs", futureField: "x" });
  assert.equal(report(c).pid, 1);
});

test("consoleSize is ignored without a terminal", { skip }, () => {
  const c = defaultConfig(["/bin/probe", "term"]);
  c.process.consoleSize = { height: 10, width: 20 };
  const r = runts.run(["run", "--bundle", bundle(c), newId("conf-console")]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout).isatty, [0, 0, 0]);
});

test("a namespace type left out is the runtime's own; a path to a namespace of another type is an error", { skip }, () => {
  const c = reportConfig();
  c.linux.namespaces = c.linux.namespaces.filter((n: any) => n.type !== "network" && n.type !== "ipc");
  const f = report(c);
  assert.equal(f.ns.net, readlinkSync("/proc/self/ns/net"));
  assert.equal(f.ns.ipc, readlinkSync("/proc/self/ns/ipc"));
  const wrong = reportConfig();
  wrong.linux.namespaces = wrong.linux.namespaces.map((n: any) => (n.type === "network" ? { type: "network", path: "/proc/self/ns/uts" } : n));
  assert.match(createFails(runts, wrong), /join namespace `\/proc\/self\/ns\/uts`: invalid argument/);
});

test("oomScoreAdj unset: the container keeps the runtime's oom_score_adj", { skip }, () => {
  // raising our own score needs no privilege; the container inherits it from runts, which inherits it from us
  const mine = Math.min(Number(readFileSync("/proc/self/oom_score_adj", "utf8")) + 7, 1000);
  writeFileSync("/proc/self/oom_score_adj", String(mine));
  const c = reportConfig();
  delete c.process.oomScoreAdj;
  assert.equal(report(c).oomScoreAdj, mine);
});

test("invalid values are errors that leave nothing: rlimit type unknown or twice, hook path relative or timeout 0, empty annotation key", { skip }, () => {
  const cases: Array<[(c: any) => void, RegExp]> = [
    [(c) => (c.process.rlimits = [{ type: "RLIMIT_BANANA", soft: 1, hard: 1 }]), /\/process\/rlimits\/0\/type: must be one of/],
    [(c) => (c.process.rlimits = [{ type: "RLIMIT_NOFILE", soft: 9, hard: 9 }, { type: "RLIMIT_NOFILE", soft: 8, hard: 8 }]), /duplicate rlimit/],
    [(c) => (c.hooks = { poststop: [{ path: "bin/true" }] }), /\/hooks\/poststop\/0\/path: must be an absolute path/],
    [(c) => (c.hooks = { createRuntime: [{ path: "/bin/true", timeout: 0 }] }), /\/hooks\/createRuntime\/0\/timeout/],
    [(c) => (c.annotations = { "": "x" }), /\/annotations: keys must not be empty/],
    [(c) => c.linux.namespaces.push({ type: "uts" }), /duplicate namespace "uts"/],
    [(c) => (c.linux.namespaces[0].path = "proc/1/ns/pid"), /\/linux\/namespaces\/0\/path: must be an absolute path/],
    [(c) => (c.process.cwd = "tmp"), /\/process\/cwd: must be an absolute path/],
    [(c) => (c.ociVersion = "one"), /\/ociVersion: must be a semver/],
    [(c) => delete c.root, /\/root: is required/],
    [(c) => (c.root.path = "/no/such/rootfs"), /no such file or directory/],
    [(c) => (c.linux.seccomp = { defaultAction: "SCMP_ACT_ALLOW", listenerMetadata: "m" }), /listenerMetadata: must not be set without listenerPath/],
    [(c) => (c.linux.seccomp = { defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_KILL", errnoRet: 1 }] }), /errnoRet/],
    [(c) => (c.linux.seccomp = { defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: [], action: "SCMP_ACT_ERRNO" }] }), /\/linux\/seccomp\/syscalls\/0\/names/],
  ];
  for (const [change, want] of cases) {
    const c = reportConfig();
    change(c);
    assert.match(createFails(runts, c), want);
  }
});

test("intelRdt, memoryPolicy and netDevices, which runts does not apply, are errors rather than ignored", { skip }, () => {
  const fields: Record<string, unknown> = {
    intelRdt: { closID: "conf" },
    memoryPolicy: { mode: "MPOL_BIND", nodes: "0" },
    netDevices: { "conf-none0": {} },
  };
  for (const [key, value] of Object.entries(fields)) {
    const c = reportConfig();
    c.linux[key] = value;
    assert.equal(createFails(runts, c), `config.json: /linux/${key}: is not supported by runts`);
  }
});

test("a device whose path holds another file is an error, and nothing is left", { skip }, () => {
  const c = reportConfig();
  c.linux.devices = [{ path: "/bin/probe", type: "c", major: 1, minor: 3 }];
  assert.match(createFails(runts, c), /create the device `\/bin\/probe` \(config\.json \/linux\/devices\/0\): file already exists/);
  const same = reportConfig();
  same.linux.devices = [{ path: "/dev/null", type: "c", major: 1, minor: 3 }];
  assert.equal(report(same).pid, 1, "a node that is already the device asked for is kept");
});

test("the default filesystems: /proc, /sys, /dev/pts and /dev/shm", { skip }, () => {
  const f = report(reportConfig());
  assert.deepEqual(["/proc", "/sys", "/dev/pts", "/dev/shm"].map((at) => mountAt(f, at)?.fstype), ["proc", "sysfs", "devpts", "tmpfs"]);
});

test("a user namespace's mapping does not change the ownership of the rootfs", { skip }, () => {
  const rootfs = probeRootfs();
  const owners = () => [rootfs, path.join(rootfs, "bin/probe")].map((p) => `${statSync(p).uid}:${statSync(p).gid}`);
  const before = owners();
  const c = reportConfig();
  c.linux.namespaces.push({ type: "user" });
  c.linux.uidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
  c.linux.gidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
  const f = report(c);
  assert.match(f.uid_map, /0\s+200000\s+65536/);
  assert.deepEqual(owners(), before);
});

test("the same cgroupsPath puts containers in the same cgroup", { skip }, async () => {
  const where: string[] = [];
  for (let i = 0; i < 2; i++) {
    const c = defaultConfig(["/bin/probe", "sleep", "30"]);
    c.linux.cgroupsPath = `/runts-it-conf-${process.pid}`;
    const cid = newId("conf-cgpath");
    runts.ok(["run", "--detach", "--bundle", bundle(c), cid]);
    const { pid } = runts.state(cid);
    assert.ok(await waitFor(() => readFileSync(`/proc/${pid}/cgroup`, "utf8").includes(c.linux.cgroupsPath)));
    where.push(readFileSync(`/proc/${pid}/cgroup`, "utf8"));
    runts.ok(["delete", "--force", cid]);
  }
  assert.equal(where[0], where[1]);
});
