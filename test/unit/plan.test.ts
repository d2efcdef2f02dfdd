// The planner, pure: config.json → the InitPlan the C init carries out.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cgroupFacts } from "../../src/host/cgroups.js";
import { planCgroup, type CgroupFacts } from "../../src/plan/cgroups.js";
import { mountOp, PlanError, planMounts } from "../../src/plan/mounts.js";
import { FLAG_TERMINAL, FLAG_WAIT, planInit, type MountOp, type PlanInput } from "../../src/plan/plan.js";
import { CLONE_FLAGS, MS } from "../../src/plan/tables.js";
import { parseConfig } from "../../src/spec/validate.js";
import type { Spec } from "../../src/spec/types.js";
import { fixtureConfig, ROOT_FACTS } from "./fixtures.js";

function input(spec: Spec, more: Partial<PlanInput> = {}): PlanInput {
  return { spec, id: "c1", bundle: "/bundles/b", stateDir: "/run/runts/c1", noPivot: false, foreground: false, host: { security: ROOT_FACTS }, ...more };
}

const runcSpec = (): Spec => fixtureConfig("runc-spec.json") as Spec;

test("runc spec's defaults: new namespaces, rootfs under the bundle, root user, runc's umask", () => {
  const plan = planInit(input(runcSpec()));
  const want = ["pid", "network", "ipc", "uts", "mount"].reduce((f, t) => f | CLONE_FLAGS[t], 0);
  assert.equal(plan.cloneFlags, want);
  assert.deepEqual(plan.joins, []);
  assert.equal(plan.rootfs, "/bundles/b/rootfs");
  assert.equal(plan.hostname, "runc");
  assert.equal(plan.domainname, undefined);
  assert.deepEqual([plan.uid, plan.gid, plan.groups, plan.umask], [0, 0, [], 0o022]);
  assert.deepEqual(plan.args, ["sh"]);
  assert.deepEqual(plan.env, ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"]);
  assert.equal(plan.cwd, "/");
  assert.equal(plan.flags, FLAG_TERMINAL, "runc spec asks for a terminal");
  assert.equal(planInit(input(runcSpec(), { foreground: true })).flags, FLAG_WAIT | FLAG_TERMINAL, "run in the foreground: FLAG_WAIT");
  assert.equal(plan.keyring, "_ses.c1", "a session keyring named as runc names it");
  assert.equal(planInit(input(runcSpec(), { noNewKeyring: true })).keyring, undefined, "--no-new-keyring");
});

test("a namespace with a path is joined, not created", () => {
  const spec = runcSpec();
  spec.linux!.namespaces = [{ type: "mount" }, { type: "network", path: "/proc/42/ns/net" }, { type: "user", path: "/proc/42/ns/user" }];
  const plan = planInit(input(spec));
  assert.equal(plan.cloneFlags, CLONE_FLAGS.mount);
  assert.deepEqual(plan.joins, [
    { type: "network", flag: CLONE_FLAGS.network, path: "/proc/42/ns/net" },
    { type: "user", flag: CLONE_FLAGS.user, path: "/proc/42/ns/user" },
  ]);
});

test("user, gid, groups and umask come from process.user; an absolute root.path stays", () => {
  const spec = runcSpec();
  spec.root = { path: "/srv/rootfs", readonly: true };
  spec.process!.user = { uid: 1000, gid: 1001, additionalGids: [5, 7], umask: 0o077 };
  const plan = planInit(input(spec, { noPivot: true }));
  assert.deepEqual([plan.rootfs, plan.rootReadonly, plan.noPivot], ["/srv/rootfs", true, true]);
  assert.deepEqual([plan.uid, plan.gid, plan.groups, plan.umask], [1000, 1001, [5, 7], 0o077]);
});

test("rootfsPropagation becomes MS_* flags", () => {
  const spec = runcSpec();
  spec.linux!.rootfsPropagation = "rslave";
  assert.equal(planInit(input(spec)).rootPropagation, MS.SLAVE | MS.REC);
  delete spec.linux!.rootfsPropagation;
  assert.equal(planInit(input(spec)).rootPropagation, 0, "none given: the init's default (rslave) applies");
});

test("mount options: flags set and cleared left to right, propagation apart, the rest as data", () => {
  const op = mountOp({ destination: "/data", type: "tmpfs", source: "tmpfs", options: ["ro", "nosuid", "rw", "noexec", "rprivate", "mode=700", "size=1m"] }, 3);
  assert.equal(op.kind, "fs");
  assert.equal(op.flags, MS.NOSUID | MS.NOEXEC, "rw clears the ro before it");
  assert.equal(op.propagation, MS.PRIVATE | MS.REC);
  assert.equal(op.data, "mode=700,size=1m");
  assert.equal(op.origin, 3);
});

test("bind and rbind: a bind of the source, recursive for rbind, with its flags to remount", () => {
  const bind = mountOp({ destination: "/etc/x", type: "bind", source: "/etc/hostname", options: ["bind", "ro"] }, 0);
  assert.deepEqual([bind.kind, bind.source, bind.flags], ["bind", "/etc/hostname", MS.BIND | MS.RDONLY]);
  const rbind = mountOp({ destination: "/h", source: "/home", options: ["rbind", "nodev"] }, 1);
  assert.deepEqual([rbind.kind, rbind.flags], ["bind", MS.BIND | MS.REC | MS.NODEV], "rbind without a type is a bind too");
});

test("a relative or dotted destination is resolved against /", () => {
  assert.equal(mountOp({ destination: "/a/../b/./c/", type: "tmpfs" }, 0).destination, "/b/c");
});

test("an option runts cannot apply yet is refused with its JSON path", () => {
  assert.throws(
    () => mountOp({ destination: "/x", type: "bind", source: "/y", options: ["rbind", "rro"] }, 4),
    (err: unknown) => err instanceof PlanError && err.message === "config.json: /mounts/4/options/1: mount option `rro` is not supported yet",
  );
});

const HYBRID_MOUNTINFO = [
  "30 24 0:26 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755",
  "31 30 0:27 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw",
  "33 30 0:29 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:12 - cgroup cgroup rw,memory",
  "34 30 0:30 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:13 - cgroup cgroup rw,cpu,cpuacct",
  "35 30 0:31 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,xattr,name=systemd",
  "37 30 0:33 / /sys/fs/cgroup/devices rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,devices",
  "38 30 0:34 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:16 - cgroup cgroup rw,pids",
  "36 24 0:32 / /mnt/my\\040dir rw - ext4 /dev/vda rw",
].join("\n");
const HYBRID_SELF = "6:pids:/\n5:devices:/\n4:memory:/jobs/a\n3:cpu,cpuacct:/\n1:name=systemd:/user.slice\n0::/init.scope\n";

test("cgroup facts from mountinfo and /proc/self/cgroup: every hierarchy with our path in it", () => {
  assert.deepEqual(cgroupFacts(HYBRID_MOUNTINFO, HYBRID_SELF).hierarchies, [
    { version: 2, mountpoint: "/sys/fs/cgroup/unified", path: "/init.scope", controllers: [] },
    { version: 1, mountpoint: "/sys/fs/cgroup/memory", path: "/jobs/a", controllers: ["memory"] },
    { version: 1, mountpoint: "/sys/fs/cgroup/cpu,cpuacct", path: "/", controllers: ["cpu", "cpuacct"] },
    { version: 1, mountpoint: "/sys/fs/cgroup/systemd", path: "/user.slice", controllers: ["name=systemd"] },
    { version: 1, mountpoint: "/sys/fs/cgroup/devices", path: "/", controllers: ["devices"] },
    { version: 1, mountpoint: "/sys/fs/cgroup/pids", path: "/", controllers: ["pids"] },
  ]);
});

test("a hierarchy mounted from a sub-cgroup shows our path relative to its root", () => {
  const facts = cgroupFacts("40 1 0:40 /jobs /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory", "4:memory:/jobs/a\n");
  assert.deepEqual(facts.hierarchies, [{ version: 1, mountpoint: "/sys/fs/cgroup/memory", path: "/a", controllers: ["memory"] }]);
});

const cgroupSpec = (options: string[]): Spec => ({
  ...runcSpec(), mounts: [{ destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup", options }],
});

/** the container's own cgroups, as the planner hands them to planMounts */
function containerHierarchies(facts: CgroupFacts, spec: Spec = runcSpec()) {
  return planCgroup({ spec, id: "c1", systemd: false, facts })!.hierarchies;
}

test("a cgroup mount on a v1 or hybrid host: a tmpfs with a bind of the container's cgroup per hierarchy, then made read-only", () => {
  const ops = planMounts(cgroupSpec(["nosuid", "noexec", "nodev", "ro"]), containerHierarchies(cgroupFacts(HYBRID_MOUNTINFO, HYBRID_SELF)), CLONE_FLAGS.mount);
  const brief = ops.map((o: MountOp) => [o.kind, o.source, o.destination]);
  assert.deepEqual(brief, [
    ["fs", "tmpfs", "/sys/fs/cgroup"],
    ["bind", "/sys/fs/cgroup/unified/init.scope/c1", "/sys/fs/cgroup/unified"],
    ["bind", "/sys/fs/cgroup/memory/jobs/a/c1", "/sys/fs/cgroup/memory"],
    ["bind", "/sys/fs/cgroup/cpu,cpuacct/c1", "/sys/fs/cgroup/cpu,cpuacct"],
    ["bind", "/sys/fs/cgroup/systemd/user.slice/c1", "/sys/fs/cgroup/systemd"],
    ["bind", "/sys/fs/cgroup/devices/c1", "/sys/fs/cgroup/devices"],
    ["bind", "/sys/fs/cgroup/pids/c1", "/sys/fs/cgroup/pids"],
    ["remount", "", "/sys/fs/cgroup"],
  ]);
  assert.ok(ops.slice(1, 7).every((o) => (o.flags & MS.RDONLY) !== 0 && (o.flags & MS.REC) !== 0), "each bind read-only, recursive");
  assert.equal(ops[7].flags, MS.NOSUID | MS.NODEV | MS.NOEXEC | MS.RDONLY);
  assert.ok(ops.every((o) => o.origin === 0), "errors point at /mounts/0");
});

test("a cgroup mount on a v2 host: cgroup2 itself in a cgroup namespace, else a bind of the container's cgroup", () => {
  const facts = cgroupFacts("31 24 0:27 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw", "0::/box/runts\n");
  const own = planMounts(cgroupSpec(["ro"]), containerHierarchies(facts), CLONE_FLAGS.mount | CLONE_FLAGS.cgroup);
  assert.deepEqual(own.map((o) => [o.kind, o.type, o.source, o.flags]), [["fs", "cgroup2", "cgroup2", MS.RDONLY]]);
  const shared = planMounts(cgroupSpec(["ro"]), containerHierarchies(facts), CLONE_FLAGS.mount);
  assert.deepEqual(shared.map((o) => [o.kind, o.source, o.destination]), [["bind", "/sys/fs/cgroup/box/c1", "/sys/fs/cgroup"]], "v2: beside runts' own cgroup, as runc");
});

test("a tmpfs /dev gets the usual links; its devices are planDevices'", () => {
  const ops = planMounts(runcSpec(), [], CLONE_FLAGS.mount);
  assert.equal(ops.filter((o) => o.destination.startsWith("/dev/") && o.kind === "bind").length, 0, "no device is a mount");
  const links = ops.filter((o) => o.kind === "symlink").map((o) => [o.destination, o.source]);
  assert.deepEqual(links, [
    ["/dev/fd", "/proc/self/fd"], ["/dev/stdin", "/proc/self/fd/0"], ["/dev/stdout", "/proc/self/fd/1"],
    ["/dev/stderr", "/proc/self/fd/2"], ["/dev/ptmx", "pts/ptmx"],
  ]);
});

for (const name of ["containerd.json", "podman.json", "docker.json", "runc-spec.json"]) {
  test(`the ${name} config plans without error`, () => {
    const spec = parseConfig(JSON.stringify(fixtureConfig(name)));
    const plan = planInit(input(spec, { host: { cgroups: cgroupFacts(HYBRID_MOUNTINFO, HYBRID_SELF), security: ROOT_FACTS } }));
    assert.ok(plan.mounts.length >= (spec.mounts?.length ?? 0));
    assert.deepEqual(plan.args, spec.process!.args);
  });
}

test("the full-v1.3.json config: intelRdt, memoryPolicy, netDevices and its idmap mount are refused by name, not ignored or misread", () => {
  const spec = parseConfig(JSON.stringify(fixtureConfig("full-v1.3.json")));
  const withLsm = { ...ROOT_FACTS, apparmor: true, selinux: true };
  for (const key of ["intelRdt", "memoryPolicy", "netDevices"] as const) {
    assert.throws(() => planInit(input(spec, { host: { security: withLsm } })), { message: `config.json: /linux/${key}: is not supported by runts` });
    delete spec.linux![key];
  }
  assert.throws(() => planInit(input(spec, { host: { security: withLsm } })), { message: "config.json: /mounts/1/options/2: mount option `idmap` is not supported yet" });
});

test("hooks: C gets createContainer then startContainer hooks, each kind in order; FLAG_HOOKS only when a hook runs before start returns", () => {
  const FLAG_HOOKS = 64;
  const spec = runcSpec();
  spec.hooks = { startContainer: [{ path: "/s" }], createContainer: [{ path: "/c1" }, { path: "/c2" }], poststart: [{ path: "/p" }] };
  const plan = planInit(input(spec));
  assert.deepEqual(plan.hooks.map((h) => [h.kind, h.hook.path]), [["createContainer", "/c1"], ["createContainer", "/c2"], ["startContainer", "/s"]]);
  assert.equal(plan.flags & FLAG_HOOKS, FLAG_HOOKS);
  for (const kind of ["prestart", "createRuntime", "createContainer", "startContainer"] as const) {
    const s = runcSpec();
    s.hooks = { [kind]: [{ path: "/h" }] };
    assert.equal(planInit(input(s)).flags & FLAG_HOOKS, FLAG_HOOKS, kind);
  }
  const after = runcSpec();
  after.hooks = { poststart: [{ path: "/p" }], poststop: [{ path: "/q" }], prestart: [] };
  assert.equal(planInit(input(after)).flags & FLAG_HOOKS, 0, "poststart and poststop run in runts, after create");
  assert.deepEqual(planInit(input(after)).hooks, []);
});
