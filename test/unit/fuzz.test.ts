// The hostile-config fuzzer's pure tier (issue 6): a few hundred mutated
// configs through the validator, the planner and the wire encoder. Each is
// accepted, or refused with one clean line naming a JSON path that is in
// the config; nothing else (a TypeError, a RangeError, a stack) may escape.
// Replay a failure with FUZZ_SEED=<the seed in the test's name> and
// FUZZ_PATH=<fast-check's path>. The fixed cases below are what it found.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { baseConfig, buildCase, caseArb, checkCase, seedFrom, type HostName, type Outcome } from "../fuzz/hostile.js";

const seed = seedFrom(process.env.FUZZ_SEED);

test(`hostile configs: accepted and planned, or refused naming a JSON path (FUZZ_SEED=${seed})`, () => {
  const seen = { accepted: 0, validator: 0, planner: 0 };
  fc.assert(
    fc.property(caseArb, (c) => {
      seen[checkCase(buildCase(c).text, c.host).stage]++;
    }),
    { seed, numRuns: 300, path: process.env.FUZZ_PATH },
  );
  // a fuzzer whose cases all die in the schema tests nothing past it
  assert.ok(seen.accepted > 0 && seen.planner > 0 && seen.validator > 0, JSON.stringify(seen));
});

/** examples/hello changed by `edit`, as the text runts reads, through the same property */
function hello(edit: (c: Record<string, any>) => void, host: HostName = "v2"): Outcome {
  const c = baseConfig("hello") as Record<string, any>;
  edit(c);
  return checkCase(JSON.stringify(c), host);
}

function refused(o: Outcome, stage: "validator" | "planner", message: string): void {
  assert.deepEqual([o.stage, o.stage === "accepted" ? "" : o.message], [stage, message]);
}

test("found: a config nested 100,000 deep is refused by the validator, not a stack overflow", () => {
  const deep = "[".repeat(100_000) + "]".repeat(100_000);
  const o = checkCase(JSON.stringify(baseConfig("hello")).replace(/^\{/, `{"x-ext": ${deep}, `), "v2");
  assert.equal(o.stage, "validator");
  assert.match(o.stage === "validator" ? o.message : "", /^config\.json: \/x-ext(\/0){63}: is nested more than 64 levels deep$/);
  // one deep enough for any extension still passes
  assert.equal(hello((c) => { c["x-ext"] = [[[[[[[[{ a: [1] }]]]]]]]]; }).stage, "accepted");
});

test("found: a device number outside 32 bits is refused by the planner, not a RangeError in the wire encoder", () => {
  refused(hello((c) => { c.linux.devices = [{ path: "/dev/big", type: "c", major: 4294967296, minor: 1 }]; }), "planner",
    "config.json: /linux/devices/0/major: 4294967296 is not a device number: it must be from 0 to 4294967295");
  refused(hello((c) => { c.linux.devices = [{ path: "/dev/neg", type: "b", major: 1, minor: -1 }]; }), "planner",
    "config.json: /linux/devices/0/minor: -1 is not a device number: it must be from 0 to 4294967295");
});

test("found: a negative scheduler priority is refused by the planner, not a RangeError in the wire encoder", () => {
  refused(hello((c) => { c.process.scheduler = { policy: "SCHED_FIFO", priority: -1 }; }), "planner",
    "config.json: /process/scheduler/priority: -1 is not a priority: it must not be negative");
});

test("found: a cgroupsPath that cleans to the hierarchy's root or runts' own cgroup is refused", () => {
  for (const host of ["v1", "v2", "hybrid"] as const) {
    refused(hello((c) => { c.linux.cgroupsPath = "/"; }, host), "planner",
      "config.json: /linux/cgroupsPath: `/` leads to the root of the cgroup hierarchy, not a cgroup of the container's own");
    refused(hello((c) => { c.linux.cgroupsPath = "/a/../.."; }, host), "planner",
      "config.json: /linux/cgroupsPath: `/a/../..` leads to the root of the cgroup hierarchy, not a cgroup of the container's own");
    // on v2 `..` would be the parent of runts' cgroup: limits on everything runts' callers run
    refused(hello((c) => { c.linux.cgroupsPath = ".."; }, host), "planner",
      "config.json: /linux/cgroupsPath: `..` leads to runts' own cgroup, not a cgroup of the container's own");
  }
  assert.equal(hello((c) => { c.linux.cgroupsPath = "../../box"; }).stage, "accepted", "`..` that stays below is still taken");
});

test("found: a /linux that is not an object gets one problem, not one about a /linux/namespaces that cannot be there", () => {
  refused(hello((c) => { c.linux = "x"; delete c.hostname; }), "validator", "config.json: /linux: must be an object");
});
