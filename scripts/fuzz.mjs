#!/usr/bin/env node
// Long runs of the hostile-config fuzzer (issue 6), not a test: N pure cases
// through the validator, planner and wire encoder, then M real ones through
// `runts create` and `delete --force` (as root), and the figures.
//   npm run build && node scripts/fuzz.mjs [--cases 10000] [--real 500] [--seed N]
// A broken property prints the case (replayable with the same seed) and exits 1.
import { parseArgs } from "node:util";
import fc from "fast-check";
import { buildCase, caseArb, checkCase, seedFrom } from "../build/ts/test/fuzz/hostile.js";

const { values } = parseArgs({ options: { cases: { type: "string", default: "10000" }, real: { type: "string", default: "0" }, seed: { type: "string" } } });
const seed = seedFrom(values.seed);
let crashes = 0;

function report(tier, n, counts, ms, slowest) {
  if (n === 0) return;
  const line = Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(", ");
  console.log(`${tier}: ${n} cases, ${line}, crashes ${crashes}; ${(ms / 1000).toFixed(1)} s (${(ms / n).toFixed(2)} ms a case, slowest ${slowest.toFixed(0)} ms)`);
}

/** runs `one` on each case; a broken property is a crash, printed with its case */
function run(arb, n, one, counts) {
  const start = performance.now();
  let slowest = 0;
  for (const c of fc.sample(arb, { numRuns: n, seed })) {
    const t = performance.now();
    try {
      counts[one(c)]++;
    } catch (err) {
      crashes++;
      console.log(`crash: ${err.message}\n  case: ${JSON.stringify(c).slice(0, 2000)}`);
    }
    slowest = Math.max(slowest, performance.now() - t);
  }
  return [performance.now() - start, slowest];
}

console.log(`seed ${seed}`);
const pure = { accepted: 0, "rejected by validator": 0, "rejected by planner": 0 };
const name = { accepted: "accepted", validator: "rejected by validator", planner: "rejected by planner" };
const n = Number(values.cases);
report("pure", n, pure, ...run(caseArb, n, (c) => name[checkCase(buildCase(c).text, c.host).stage], pure));

const m = Number(values.real);
if (m > 0) {
  const { realCaseArb, runRealCase } = await import("../build/ts/test/fuzz/real.js");
  const { Runts, missing } = await import("../build/ts/test/integration/harness.js");
  if (missing()) throw new Error(missing());
  const runts = new Runts();
  const real = { accepted: 0, "rejected by validator": 0, "rejected by planner": 0, "rejected at create": 0 };
  const realName = { ...name, create: "rejected at create" };
  try {
    report("real", m, real, ...run(realCaseArb, m, (c) => realName[runRealCase(runts, c).stage], real));
  } finally {
    runts.cleanup();
  }
}
process.exit(crashes === 0 ? 0 : 1);
