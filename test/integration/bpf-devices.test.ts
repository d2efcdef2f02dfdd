// cgroup v2 device programs attached for real: a process moved into a
// cgroup whose program refuses a device cannot open it, and still opens
// the others. Each test makes its own cgroup under ours in the cgroup2
// hierarchy (hybrid hosts have it at /sys/fs/cgroup/unified; device
// programs need no controllers) and removes it afterwards.
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { attachDeviceProgram } from "../../src/host/bpf.js";
import { readCgroupFacts } from "../../src/host/cgroups.js";
import { deviceProgram, type DeviceRule } from "../../src/plan/bpf-devices.js";

/** our cgroup in the cgroup2 hierarchy, or why there is none */
function cgroup2(): { dir: string } | { why: string } {
  if (process.getuid?.() !== 0) return { why: "attaching device programs needs root" };
  const v2 = readCgroupFacts().hierarchies.find((h) => h.version === 2);
  if (!v2) return { why: "this host has no cgroup2 mount" };
  return { dir: path.join(v2.mountpoint, v2.path) };
}

const found = cgroup2();
const skip = "why" in found ? found.why : probeAttach(found.dir);
let made = 0;

/** attach one allow-all program to a scratch cgroup: only a refusal of
 * privilege (a container without CAP_BPF) skips; any other failure is ours */
function probeAttach(parent: string): string | undefined {
  const dir = path.join(parent, `runts-bpf-probe-${process.pid}`);
  try {
    mkdirSync(dir);
  } catch (err) {
    return `cannot make a cgroup under \`${parent}\`: ${(err as Error).message}`;
  }
  try {
    attachDeviceProgram(dir, deviceProgram([rule("allow a *:* rwm")]));
    return undefined;
  } catch (err) {
    if (/: operation not permitted/.test((err as Error).message)) return `bpf(2) refused here: ${(err as Error).message}`;
    throw err;
  } finally {
    rmdirSync(dir);
  }
}

/** "allow c 1:3 rwm", "deny a *:* rwm" */
function rule(text: string): DeviceRule {
  const [verb, type, dev, access = ""] = text.split(" ");
  const [major, minor] = dev.split(":").map((n) => (n === "*" ? undefined : Number(n)));
  return { allow: verb === "allow", type: type as DeviceRule["type"], major, minor, access };
}

/** a new cgroup with the program of these rules, removed when the test ends */
function cgroupWith(t: TestContext, rules: string[]): string {
  const dir = path.join((found as { dir: string }).dir, `runts-bpf-test-${process.pid}-${++made}`);
  mkdirSync(dir);
  // the shells below have exited by then (spawnSync reaps them), so the cgroup is empty
  t.after(() => rmdirSync(dir));
  attachDeviceProgram(dir, deviceProgram(rules.map(rule)));
  return dir;
}

/** a shell that moves itself into the cgroup (when given), then runs script */
function shell(cgroup: string | undefined, script: string) {
  const join = cgroup ? `echo $$ > ${cgroup}/cgroup.procs && ` : "";
  const r = spawnSync("sh", ["-c", join + script], { encoding: "utf8", timeout: 10_000 });
  return { status: r.status, stderr: r.stderr };
}

/** open a device for reading (<) or writing (>) from a shell in the cgroup */
function opens(cgroup: string | undefined, dev: string, how: "<" | ">"): boolean {
  const r = shell(cgroup, `exec 3${how}${dev}`);
  if (r.status === 0) return true;
  assert.match(r.stderr, /Operation not permitted/, `open ${dev}: ${r.stderr}`);
  return false;
}

test("a refused device cannot be opened from the cgroup; the others can, and outside it all can", { skip }, (t) => {
  const cg = cgroupWith(t, ["allow a *:* rwm", "deny c 1:3 rwm"]);
  assert.deepEqual([opens(cg, "/dev/null", "<"), opens(cg, "/dev/null", ">"), opens(cg, "/dev/zero", "<")], [false, false, true]);
  assert.deepEqual([opens(undefined, "/dev/null", "<"), opens(undefined, "/dev/zero", "<")], [true, true]);
  const r = shell(cg, "exec head -c 4 /dev/null");
  assert.equal(r.status, 1);
  assert.match(r.stderr, /\/dev\/null.*Operation not permitted/);
});

test("access bit by bit in the kernel: a denied write leaves reading open", { skip }, (t) => {
  const cg = cgroupWith(t, ["allow a *:* rwm", "deny c 1:3 w"]);
  assert.deepEqual([opens(cg, "/dev/null", "<"), opens(cg, "/dev/null", ">"), opens(cg, "/dev/zero", ">")], [true, false, true]);
});

test("runc's usual set: its default devices open, /dev/kmsg does not; any node can be made, not opened", { skip }, (t) => {
  const cg = cgroupWith(t, [
    "deny a *:* rwm",
    "allow c 1:3 rwm", "allow c 1:5 rwm", "allow c 1:7 rwm", "allow c 1:8 rwm", "allow c 1:9 rwm",
    "allow c 5:0 rwm", "allow c 5:2 rwm", "allow c 10:200 rwm", "allow c 136:* rwm",
    "allow c *:* m", "allow b *:* m",
  ]);
  for (const dev of ["/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom"]) assert.equal(opens(cg, dev, "<"), true, dev);
  assert.deepEqual([opens(undefined, "/dev/kmsg", "<"), opens(cg, "/dev/kmsg", "<")], [true, false]);
  const tmp = mkdtempSync(path.join(tmpdir(), "runts-bpf-"));
  t.after(() => rmSync(tmp, { recursive: true, force: true }));
  assert.equal(shell(cg, `mknod ${tmp}/null c 1 3 && mknod ${tmp}/loop b 7 0`).status, 0);
  // the program runs before the driver: refused even where loop0 has no driver
  assert.deepEqual([opens(cg, `${tmp}/null`, "<"), opens(cg, `${tmp}/loop`, "<")], [true, false]);
});

test("mknod of a device the rules do not name with m is refused", { skip }, (t) => {
  const cg = cgroupWith(t, ["deny a *:* rwm", "allow c 1:3 rw"]);
  const tmp = mkdtempSync(path.join(tmpdir(), "runts-bpf-"));
  t.after(() => rmSync(tmp, { recursive: true, force: true }));
  const r = shell(cg, `exec mknod ${tmp}/null c 1 3`);
  assert.notEqual(r.status, 0);
  assert.match(r.stderr, /Operation not permitted/);
  assert.equal(opens(cg, "/dev/null", "<"), true);
});

test("the kernel's verifier accepts the programs of many rule lists", { skip }, (t) => {
  const cg = cgroupWith(t, ["allow a *:* rwm"]);
  let seed = 7;
  const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % n);
  const pick = <T>(xs: readonly T[]) => xs[rand(xs.length)];
  const lists: DeviceRule[][] = [[], [rule("deny a *:* rwm")], [rule("allow c 1:3 r"), rule("deny b *:* w")]];
  for (let i = 0; i < 40; i++) {
    lists.push(Array.from({ length: rand(12) }, (): DeviceRule => ({
      allow: rand(2) === 0, type: pick(["a", "b", "c"] as const), major: pick([undefined, 1, 136]), minor: pick([undefined, 3, 0]),
      access: pick(["", "r", "w", "m", "rw", "rwm"]),
    })));
  }
  // BPF_F_ALLOW_MULTI: they all stay attached to the one cgroup (at most 64)
  for (const rules of lists) assert.doesNotThrow(() => attachDeviceProgram(cg, deviceProgram(rules)), JSON.stringify(rules));
});

test("failures name the step, the directory and the kernel's reason, with the verifier's log", { skip }, () => {
  const program = deviceProgram([]);
  assert.throws(() => attachDeviceProgram("/nonexistent-runts", program),
    { message: "attach the device program to `/nonexistent-runts`: open `/nonexistent-runts`: no such file or directory" });
  assert.throws(() => attachDeviceProgram(tmpdir(), program),
    { message: `attach the device program to \`${tmpdir()}\`: bad file descriptor (not a cgroup v2 directory)` });
  // r0 = 2; exit: a device program may only return 0 or 1
  const bad = Buffer.from("b700000002000000" + "9500000000000000", "hex");
  assert.throws(() => attachDeviceProgram(tmpdir(), bad),
    (e: unknown) => /^load the device program: invalid argument; the verifier says:\n(.+\n)*.*R0/.test((e as Error).message));
  assert.throws(() => attachDeviceProgram(tmpdir(), Buffer.alloc(12)), { message: "load the device program: `12` bytes are not whole instructions" });
});
