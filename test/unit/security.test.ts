// The security half of the planner, pure: capabilities, rlimits, sysctls,
// paths, devices, LSMs, process attributes and time offsets become plan
// entries, or errors naming their JSON path, from the config and the host's
// facts alone.
import { test } from "node:test";
import assert from "node:assert/strict";
import { securityFacts } from "../../src/host/facts.js";
import { planDevices } from "../../src/plan/devices.js";
import { PlanError } from "../../src/plan/mounts.js";
import {
  cpuMask, planCaps, planIoPriority, planLsm, planPaths, planPersonality, planRlimits, planScheduler, planSysctls, planTimeOffsets, U64_MAX,
} from "../../src/plan/security.js";
import { CLONE_FLAGS } from "../../src/plan/tables.js";
import type { Spec } from "../../src/spec/types.js";
import { ROOT_FACTS } from "./fixtures.js";

function spec(process: object = {}, linux: object = {}, more: object = {}): Spec {
  return { ociVersion: "1.3.0", root: { path: "rootfs" }, process: { cwd: "/", args: ["sh"], ...process }, linux, ...more } as Spec;
}
const bit = (n: number) => 1n << BigInt(n);
const refused = (fn: () => unknown, path: string, words: RegExp) =>
  assert.throws(fn, (e: unknown) => e instanceof PlanError && e.message.startsWith(`config.json: ${path}: `) && words.test(e.message));

test("capabilities: names become masks per set; none given leaves them alone", () => {
  const caps = planCaps(spec({ capabilities: { bounding: ["CAP_CHOWN", "CAP_KILL"], effective: ["CAP_KILL"], permitted: ["CAP_KILL"], inheritable: ["CAP_KILL"], ambient: ["CAP_KILL"] } }), ROOT_FACTS)!;
  assert.deepEqual(caps, { bounding: bit(0) | bit(5), effective: bit(5), permitted: bit(5), inheritable: bit(5), ambient: bit(5) });
  assert.equal(planCaps(spec(), ROOT_FACTS), undefined);
});

test("capabilities: ambient ones not also inheritable and permitted are left out, as runc does", () => {
  const caps = planCaps(spec({ capabilities: { permitted: ["CAP_KILL", "CAP_CHOWN"], inheritable: ["CAP_KILL"], ambient: ["CAP_KILL", "CAP_CHOWN"] } }), ROOT_FACTS)!;
  assert.equal(caps.ambient, bit(5));
});

test("capabilities that cannot be granted (unknown, not in this kernel, not held by runts) are left out with a warning naming their path", () => {
  const warnings: string[] = [];
  const old = { ...ROOT_FACTS, capLastCap: 37 };
  assert.equal(planCaps(spec({ capabilities: { bounding: ["CAP_KILL", "CAP_BPF", "CAP_FOO"] } }), old, warnings)!.bounding, bit(5));
  const lacking = { ...ROOT_FACTS, capAvailable: ROOT_FACTS.capAvailable & ~bit(24) };
  assert.equal(planCaps(spec({ capabilities: { permitted: ["CAP_SYS_RESOURCE", "CAP_KILL"] } }), lacking, warnings)!.permitted, bit(5));
  assert.deepEqual(warnings, [
    "config.json: /process/capabilities/bounding/1: `CAP_BPF` is not known to this kernel (its cap_last_cap is 37): left out",
    "config.json: /process/capabilities/bounding/2: `CAP_FOO` is not a capability runts knows: left out",
    "config.json: /process/capabilities/permitted/0: `CAP_SYS_RESOURCE` is not held by runts on this host (not in its bounding and permitted sets): left out",
  ]);
});

test("host facts from /proc/self/status, cap_last_cap and the LSMs' files", () => {
  const status = "Name:\tx\nCapPrm:\t000001fffeffffff\nCapBnd:\t000001ffffffffff\n";
  const f = securityFacts(status, "40\n", "N\n", false);
  assert.deepEqual(f, { capLastCap: 40, capAvailable: 0x1fffeffffffn, apparmor: false, selinux: false });
  assert.equal(securityFacts(status, "40", "Y\n", true).apparmor, true);
});

test("rlimits: their numbers; 2^64-1 and beyond are RLIM_INFINITY; soft above hard refused", () => {
  const r = planRlimits(spec({ rlimits: [{ type: "RLIMIT_NOFILE", soft: 1024, hard: 4096 }, { type: "RLIMIT_CORE", soft: 2 ** 64, hard: 2 ** 64 }] }));
  assert.deepEqual(r, [{ resource: 7, soft: 1024n, hard: 4096n }, { resource: 4, soft: U64_MAX, hard: U64_MAX }]);
  refused(() => planRlimits(spec({ rlimits: [{ type: "RLIMIT_NPROC", soft: 5, hard: 4 }] })), "/process/rlimits/0", /soft limit 5 is above the hard limit 4/);
});

test("sysctls: only those of a namespace the container has; files under /proc/sys", () => {
  const ns = (...types: string[]) => ({ namespaces: types.map((type) => ({ type })) });
  const s = planSysctls(spec({}, { ...ns("network", "ipc"), sysctl: { "net.ipv4.conf.eth0/1.rp_filter": "1", "kernel.shmmax": "9", "fs.mqueue.msg_max": "5" } }));
  assert.deepEqual(s.map((x) => x.path), ["/proc/sys/net/ipv4/conf/eth0.1/rp_filter", "/proc/sys/kernel/shmmax", "/proc/sys/fs/mqueue/msg_max"]);
  refused(() => planSysctls(spec({}, { ...ns("network"), sysctl: { "vm.swappiness": "1" } })), "/linux/sysctl/vm.swappiness", /would change the host/);
  refused(() => planSysctls(spec({}, { ...ns("ipc"), sysctl: { "net.core.somaxconn": "1" } })), "/linux/sysctl/net.core.somaxconn", /needs a network namespace/);
  refused(() => planSysctls(spec({}, { ...ns("uts"), sysctl: { "kernel.hostname": "x" } })), "/linux/sysctl/kernel.hostname", /`hostname` field/);
  refused(() => planSysctls(spec({}, { ...ns("network"), sysctl: { "net/../../x": "1" } })), "/linux/sysctl/net~1..~1..~1x", /not a sysctl name/);
  const joined = spec({}, { namespaces: [{ type: "network", path: "/proc/1/ns/net" }], sysctl: { "net.ipv4.ip_forward": "1" } });
  assert.equal(planSysctls(joined).length, 1, "another container's network namespace: its sysctls are the container's");
  refused(() => planSysctls(joined, ["network"]), "/linux/sysctl/net.ipv4.ip_forward", /would change the host: the network namespace the config joins is the host's own/);
});

test("masked and read-only paths must be absolute; they are normalized", () => {
  assert.deepEqual(planPaths(spec({}, { maskedPaths: ["/proc//kcore", "/a/../b"] }), "maskedPaths"), ["/proc/kcore", "/b"]);
  refused(() => planPaths(spec({}, { readonlyPaths: ["proc/sys"] }), "readonlyPaths"), "/linux/readonlyPaths/0", /must be an absolute path/);
});

test("devices: runc's defaults on a tmpfs /dev, then the config's; bound from the host in a user namespace", () => {
  const withDev = { mounts: [{ destination: "/dev", type: "tmpfs", source: "tmpfs" }, { destination: "/dev/tty", type: "bind", source: "/dev/tty" }] };
  const devs = planDevices(spec({}, { devices: [{ path: "/dev/fuse", type: "c", major: 10, minor: 229, fileMode: 0o600, uid: 1, gid: 2 }, { path: "/dev/null", type: "c", major: 1, minor: 3 }] }, withDev));
  assert.deepEqual(devs.map((d) => d.path), ["/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/fuse", "/dev/null"], "the config's /dev/null and the mounted /dev/tty replace the defaults");
  assert.deepEqual(devs[4], { mode: 0o020600, major: 10, minor: 229, uid: 1, gid: 2, path: "/dev/fuse", bind: false, origin: 0 });
  assert.equal(devs[0].mode, 0o020666);
  assert.deepEqual(planDevices(spec({}, { devices: [{ path: "/dev/p", type: "p" }] })).map((d) => [d.mode, d.bind]), [[0o010666, false]], "no /dev mount: no defaults");
  const userns = planDevices(spec({}, { namespaces: [{ type: "user", path: "/proc/1/ns/user" }], devices: [{ path: "/dev/b", type: "b", major: 8, minor: 0 }] }));
  assert.deepEqual(userns.map((d) => [d.mode, d.bind]), [[0o060666, true]], "a joined user namespace refuses mknod too");
  refused(() => planDevices(spec({}, { devices: [{ path: "/dev/x", type: "c" }] })), "/linux/devices/0", /needs major and minor/);
});

test("AppArmor and SELinux: taken when the host has them, refused with the reason when not", () => {
  const lsm = spec({ apparmorProfile: "p", selinuxLabel: "l" }, { mountLabel: "m" });
  assert.deepEqual(planLsm(lsm, { ...ROOT_FACTS, apparmor: true, selinux: true }), { apparmor: "p", selinux: "l", mountLabel: "m" });
  refused(() => planLsm(lsm, ROOT_FACTS), "/process/apparmorProfile", /AppArmor is not enabled on this host/);
  refused(() => planLsm(lsm, { ...ROOT_FACTS, apparmor: true }), "/process/selinuxLabel", /SELinux is not enabled on this host/);
  assert.deepEqual(planLsm(spec({ apparmorProfile: "" }), ROOT_FACTS), { apparmor: undefined, selinux: undefined, mountLabel: undefined });
});

test("personality, scheduler, I/O priority and cpu affinity as the kernel takes them", () => {
  assert.equal(planPersonality(spec({}, { personality: { domain: "LINUX32" } })), 8);
  refused(() => planPersonality(spec({}, { personality: { domain: "LINUX", flags: ["X"] } })), "/linux/personality/flags", /no personality flags/);
  assert.deepEqual(planScheduler(spec({ scheduler: { policy: "SCHED_DEADLINE", flags: ["SCHED_FLAG_RESET_ON_FORK", "SCHED_FLAG_RECLAIM"], runtime: 10, deadline: 20, period: 30 } })),
    { policy: 6, flags: 3n, nice: 0, priority: 0, runtime: 10n, deadline: 20n, period: 30n });
  assert.equal(planIoPriority(spec({ ioPriority: { class: "IOPRIO_CLASS_IDLE", priority: 7 } })), (3 << 13) | 7);
  assert.deepEqual([...cpuMask("0-3,9", "/x").subarray(0, 2)], [0x0f, 0x02]);
  refused(() => cpuMask("3-1", "/process/execCPUAffinity/final"), "/process/execCPUAffinity/final", /not a list of cpus/);
});

test("time offsets: the text timens_offsets takes, only for a new time namespace", () => {
  const s = spec({}, { timeOffsets: { monotonic: { secs: 5, nanosecs: 6 }, boottime: { secs: -1 } } });
  assert.equal(planTimeOffsets(s, CLONE_FLAGS.time), "monotonic 5 6\nboottime -1 0\n");
  refused(() => planTimeOffsets(s, 0), "/linux/timeOffsets", /needs a new time namespace/);
});
