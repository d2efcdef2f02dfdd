// `runts spec` makes a bundle runts runs: the starter config.json, with a
// busybox rootfs, terminal off and args that say something, observed from
// outside (output and exit status). Rootless too: as root, its user
// namespace maps root to root.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { busyboxMissing, busyboxRootfs, missing, newId, Runts, work } from "./harness.js";

const skip = missing() ?? busyboxMissing() ?? undefined;
const runts = skip ? undefined! : new Runts();
after(() => runts?.cleanup());

/** a bundle made by `runts spec`, its rootfs busybox, its process `sh -c script` */
function specBundle(args: string[], script: string): string {
  const dir = mkdtempSync(path.join(work, "spec-"));
  runts.ok(["spec", "--bundle", dir, ...args]);
  symlinkSync(busyboxRootfs(), path.join(dir, "rootfs")); // root.path stays "rootfs", as the starter says
  const file = path.join(dir, "config.json");
  const config = JSON.parse(readFileSync(file, "utf8"));
  config.process.terminal = false;
  config.process.args = ["/bin/sh", "-c", script];
  writeFileSync(file, JSON.stringify(config));
  return dir;
}

test("runts spec, then runts run: the starter bundle runs as written", { skip }, () => {
  const b = specBundle([], "echo $(hostname) $(id -u) $(cat /proc/self/status | grep -c NoNewPrivs:.1); touch /x 2>/dev/null || echo read-only; exit 3");
  const r = runts.run(["run", "--bundle", b, newId("spec")]);
  assert.equal(r.stderr, "");
  assert.equal(r.stdout, "runts 0 1\nread-only\n");
  assert.equal(r.status, 3);
});

test("runts spec --rootless runs too, in its own user namespace", { skip }, () => {
  const b = specBundle(["--rootless"], "cat /proc/self/uid_map; readlink /proc/self/ns/user");
  const r = runts.run(["run", "--bundle", b, newId("spec")]);
  assert.equal(r.stderr, "");
  assert.equal(r.status, 0);
  const [map, ns] = r.stdout.trim().split("\n");
  assert.deepEqual(map.trim().split(/\s+/), ["0", String(process.geteuid!()), "1"]);
  assert.match(ns, /^user:\[\d+\]$/);
  assert.notEqual(ns, readlinkSync("/proc/self/ns/user"), "a user namespace of its own");
});
