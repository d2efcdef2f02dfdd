import { test } from "node:test";
import assert from "node:assert/strict";
import { SIGNALS, parseSignal, signalName } from "../../src/plan/signals.js";

test("numbers pass through, including 0 (existence probe) up to 64", () => {
  assert.equal(parseSignal("9"), 9);
  assert.equal(parseSignal("15"), 15);
  assert.equal(parseSignal("0"), 0);
  assert.equal(parseSignal("64"), 64);
  assert.equal(parseSignal("65"), undefined);
  assert.equal(parseSignal("-9"), undefined);
});

test("names with or without SIG, any case", () => {
  for (const raw of ["KILL", "SIGKILL", "kill", "sigkill", "SigKill"]) assert.equal(parseSignal(raw), 9, raw);
  assert.equal(parseSignal("TERM"), 15);
  assert.equal(parseSignal("SIGHUP"), 1);
  assert.equal(parseSignal("usr1"), 10);
  assert.equal(parseSignal("SIGUSR2"), 12);
  assert.equal(parseSignal("CHLD"), 17);
  assert.equal(parseSignal("WINCH"), 28);
  assert.equal(parseSignal("SIGSYS"), 31);
});

test("the table covers every x86_64 signal 1-31 exactly", () => {
  const numbers = new Set(SIGNALS.values());
  for (let n = 1; n <= 31; n++) assert.ok(numbers.has(n), `signal ${n} missing`);
  assert.equal(Math.max(...numbers), 31);
  assert.equal(SIGNALS.get("STOP"), 19);
  assert.equal(SIGNALS.get("CONT"), 18);
});

test("real-time signals: RTMIN=34 (glibc), RTMIN+n, RTMAX-n", () => {
  assert.equal(parseSignal("RTMIN"), 34);
  assert.equal(parseSignal("SIGRTMIN"), 34);
  assert.equal(parseSignal("rtmin+1"), 35);
  assert.equal(parseSignal("SIGRTMIN+30"), 64);
  assert.equal(parseSignal("RTMIN+31"), undefined);
  assert.equal(parseSignal("RTMAX"), 64);
  assert.equal(parseSignal("SIGRTMAX-2"), 62);
  assert.equal(parseSignal("RTMAX+1"), undefined);
  assert.equal(parseSignal("RTMIN-1"), undefined);
});

test("unknown names are undefined", () => {
  for (const raw of ["", "SIG", "BOGUS", "SIGKILLL", "9x", "KILL "]) assert.equal(parseSignal(raw), undefined, raw);
});

test("signalName is the inverse for messages", () => {
  assert.equal(signalName(9), "SIGKILL");
  assert.equal(signalName(34), "SIGRTMIN");
  assert.equal(signalName(36), "SIGRTMIN+2");
  assert.equal(signalName(0), "0");
});
