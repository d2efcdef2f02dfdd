// The test-only fault switch (src/runtime/fault.ts): off unless both
// variables say so, and a step it does not know is an error, not a no-op.
import { test } from "node:test";
import assert from "node:assert/strict";
import { FAULT_STEPS, requestedFault } from "../../src/runtime/fault.js";

test("RUNTS_FAULT alone does nothing: a production environment cannot trip it by accident", () => {
  assert.equal(requestedFault({ RUNTS_FAULT: "create.reserved" }), undefined);
  assert.equal(requestedFault({ RUNTS_FAULT: "create.reserved", RUNTS_TEST_FAULTS: "true" }), undefined);
});

test("with RUNTS_TEST_FAULTS=1: the step, and kill: to die there", () => {
  assert.deepEqual(requestedFault({ RUNTS_TEST_FAULTS: "1", RUNTS_FAULT: "create.reserved" }), { step: "create.reserved", kill: false });
  assert.deepEqual(requestedFault({ RUNTS_TEST_FAULTS: "1", RUNTS_FAULT: "kill:init.mounted" }), { step: "init.mounted", kill: true });
});

test("a step that does not exist is refused, naming it", () => {
  assert.throws(() => requestedFault({ RUNTS_TEST_FAULTS: "1", RUNTS_FAULT: "create.nope" }), /`RUNTS_FAULT=create\.nope`: no such step/);
  assert.ok(Object.keys(FAULT_STEPS).every((s) => /^(create|start|exec|delete|init)\.[a-z-]+$/.test(s)));
});
