// `runts spec`: the starter config.json is runc's, with our version and
// hostname, key for key; it passes our own validator and planner; rootless
// maps root to the caller; an existing config.json is never replaced.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { planInit } from "../../src/plan/plan.js";
import { defaultSpec, formatSpec } from "../../src/spec/default.js";
import type { Spec } from "../../src/spec/types.js";
import { validateConfig } from "../../src/spec/validate.js";
import { writeSpec } from "../../src/runtime/spec.js";
import { main } from "../../src/cli/main.js";
import { fixture, ROOT_FACTS } from "./fixtures.js";

const dir = mkdtempSync(path.join(tmpdir(), "runts-spec-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const freshDir = () => {
  const d = path.join(dir, `b${++n}`);
  mkdirSync(d);
  return d;
};

/** runc's output with our two differences: the spec version and the hostname */
const asRuncWrites = (text: string) => text.replace('"ociVersion": "1.3.0"', '"ociVersion": "1.0.2-dev"').replace('"hostname": "runts"', '"hostname": "runc"');

function planned(spec: Spec): void {
  const v = validateConfig(spec, { requireProcess: true });
  assert.ok(v.ok, JSON.stringify(!v.ok && v.problems));
  planInit({ spec, id: "c1", bundle: "/b", stateDir: "/run/runts/c1", noPivot: false, foreground: false, host: { security: ROOT_FACTS } });
}

test("the default is runc 1.1's `runc spec`, byte for byte but for ociVersion and hostname", () => {
  const text = formatSpec(defaultSpec());
  assert.equal(JSON.parse(text).ociVersion, "1.3.0");
  assert.equal(JSON.parse(text).hostname, "runts");
  // the fixture is runc's file re-indented: compare the documents, keys in order
  assert.equal(JSON.stringify(JSON.parse(asRuncWrites(text))), JSON.stringify(JSON.parse(fixture("runc-spec.json"))));
  assert.ok(text.startsWith('{\n\t"ociVersion"') && text.endsWith("\n}"), "tabs, no newline at the end, as runc writes it");
});

test("default and rootless configs pass our validator and planner", () => {
  planned(defaultSpec());
  planned(defaultSpec({ uid: 1000, gid: 1000 }));
});

test("rootless: a user namespace mapping root to the caller, the host's network and /sys, no gid= or device rules", () => {
  const s = defaultSpec({ uid: 1234, gid: 567 });
  const l = s.linux!;
  assert.deepEqual(l.uidMappings, [{ containerID: 0, hostID: 1234, size: 1 }]);
  assert.deepEqual(l.gidMappings, [{ containerID: 0, hostID: 567, size: 1 }]);
  assert.deepEqual(l.namespaces!.map((ns) => ns.type), ["pid", "ipc", "uts", "mount", "user"]);
  assert.equal(l.resources, undefined);
  assert.deepEqual(s.mounts!.find((m) => m.destination === "/sys"), { destination: "/sys", type: "none", source: "/sys", options: ["rbind", "nosuid", "noexec", "nodev", "ro"] });
  assert.ok(s.mounts!.every((m) => !(m.options ?? []).some((o) => /^[ug]id=/.test(o))));
  assert.ok(defaultSpec().mounts!.some((m) => m.options?.includes("gid=5")), "the builder does not change the shared default");
});

test("the same as the real `runc spec` and `runc spec --rootless` of this machine", (t) => {
  if (spawnSync("runc", ["--version"]).status !== 0) return t.skip("runc is not installed (apt-get install -y runc)");
  for (const args of [[], ["--rootless"]]) {
    const d = freshDir();
    assert.equal(spawnSync("runc", ["spec", "--bundle", d, ...args]).status, 0);
    const caller = { uid: process.geteuid!(), gid: process.getegid!() };
    assert.equal(asRuncWrites(formatSpec(defaultSpec(args.length ? caller : undefined))), readFileSync(path.join(d, "config.json"), "utf8"), args.join(" "));
  }
});

test("writeSpec writes config.json into the bundle, and never over one", () => {
  const d = freshDir();
  writeSpec(d);
  const file = path.join(d, "config.json");
  assert.equal(readFileSync(file, "utf8"), formatSpec(defaultSpec()));
  writeFileSync(file, "mine");
  assert.throws(() => writeSpec(d), { message: "File config.json exists. Remove it first" });
  assert.equal(readFileSync(file, "utf8"), "mine");
  assert.throws(() => writeSpec(path.join(dir, "nope")), { message: `open \`${path.join(dir, "nope", "config.json")}\`: no such file or directory` });
});

test("the command: --bundle/-b, --rootless, no arguments, runc's refusal on stderr", async () => {
  const run = async (argv: string[]) => {
    let stdout = "", stderr = "";
    const status = await main(argv, { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
    return { status, stdout, stderr };
  };
  const d = freshDir();
  assert.deepEqual(await run(["spec", "-b", d, "--rootless"]), { status: 0, stdout: "", stderr: "" });
  assert.equal(JSON.parse(readFileSync(path.join(d, "config.json"), "utf8")).linux.uidMappings[0].hostID, process.geteuid!());
  const again = await run(["spec", "--bundle", d]);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /File config.json exists. Remove it first/);
  const extra = await run(["spec", "x"]);
  assert.equal(extra.status, 1);
  assert.match(extra.stderr, /"spec" requires exactly 0 argument/);
  assert.ok(!existsSync(path.join(process.cwd(), "x")));
});
