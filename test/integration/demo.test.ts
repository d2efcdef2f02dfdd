// The README's demo: scripts/demo.sh makes the example bundle's rootfs from
// our probe and runs it. Run here on a copy of examples/hello.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync } from "node:fs";
import path from "node:path";
import { missing, ROOT_DIR, work } from "./harness.js";

const skip = missing() ?? undefined;

test("the demo prints what its container got: pid 1, hostname demo, root, three capabilities, no_new_privs, seccomp, its own mounts", { skip }, () => {
  const bundle = mkdtempSync(path.join(work, "demo-"));
  copyFileSync(path.join(ROOT_DIR, "examples/hello/config.json"), path.join(bundle, "config.json"));
  const r = spawnSync("bash", [path.join(ROOT_DIR, "scripts/demo.sh"), bundle], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split("\n");
  assert.equal(lines[0], "hello from a runts container");
  assert.match(r.stdout, /^ {2}pid {6}1 \(its own pid namespace\)$/m);
  assert.match(r.stdout, /^ {2}hostname demo$/m);
  assert.match(r.stdout, /^ {2}user {5}uid 0, gid 0$/m);
  assert.match(r.stdout, /^ {2}caps {5}0000000020000420, no_new_privs 1, seccomp filter$/m, "the example's safe defaults");
  assert.match(r.stdout, /^ {2}mounts {2}.* \/proc .*\/dev .*\/tmp .*\/sys/m);
});
