import { test } from "node:test";
import assert from "node:assert/strict";
import { liveness, livenessOf, parseStat, processState, startTime } from "../../src/host/proc.js";
import { statLine } from "./fake-host.js";

test("startTime of this process is a decimal string, stable across reads", () => {
  const t = startTime(process.pid);
  assert.match(t ?? "", /^\d+$/);
  assert.equal(startTime(process.pid), t);
  assert.equal(liveness(process.pid, t as string), "alive");
});

test("processState of this process is running or sleeping", () => {
  assert.match(processState(process.pid) ?? "", /^[RS]$/);
});

test("a missing pid, pid 0 and negatives have no stat", () => {
  assert.equal(startTime(0), null);
  assert.equal(startTime(-1), null);
  assert.equal(startTime(2 ** 22 + 1), null); // above pid_max's hard limit
  assert.equal(liveness(0, "1"), "gone");
});

test("a different start time means the pid was reused", () => {
  assert.equal(liveness(process.pid, "1"), "gone");
});

test("comm with spaces and parentheses is split after the LAST ')'", () => {
  const line = statLine(123, "S", "98765", "evil) (Z 1 2 ) (x");
  assert.deepEqual(parseStat(line), { state: "S", startTime: "98765" });
});

test("a real-looking stat line", () => {
  const line = "4242 (sleep) S 1 4242 4242 0 -1 4194560 105 0 0 0 0 0 0 0 20 0 1 0 1234567 2314240 224 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 3 0 0 0 0 0";
  assert.deepEqual(parseStat(line), { state: "S", startTime: "1234567" });
});

test("malformed lines parse to null", () => {
  assert.equal(parseStat(""), null);
  assert.equal(parseStat("12 (x S 1 2"), null);
  assert.equal(parseStat("12 (x) S 1 2 3"), null);
});

test("zombies and dead processes are gone; a match is alive", () => {
  assert.equal(livenessOf({ state: "Z", startTime: "5" }, "5"), "gone");
  assert.equal(livenessOf({ state: "X", startTime: "5" }, "5"), "gone");
  assert.equal(livenessOf({ state: "D", startTime: "5" }, "5"), "alive");
  assert.equal(livenessOf({ state: "S", startTime: "6" }, "5"), "gone");
  assert.equal(livenessOf(null, "5"), "gone");
});
