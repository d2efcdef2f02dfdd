// The hostile-config fuzzer through the real CLI (issue 6): ~100 mutated
// configs, each `runts create`d against a probe rootfs whose entries may be
// symlinks to `/`, `../../etc` or a host dir we watch, then `delete --force`d.
// Each exits 0 or 1 with one line on stderr, leaves no state dir, init,
// cgroup, mount or fd, and changes no host path a symlink points at.
// Replay with FUZZ_SEED=<the seed in the test's name> and FUZZ_PATH.
import { after, test } from "node:test";
import fc from "fast-check";
import { requireIntegration, Runts } from "./harness.js";
import { realCaseArb, runRealCase } from "../fuzz/real.js";
import { seedFrom } from "../fuzz/hostile.js";

const seed = seedFrom(process.env.FUZZ_SEED);
const runts = new Runts();
after(() => runts.cleanup());

test(`hostile configs through runts create and delete: clean refusals, nothing left, the host untouched (FUZZ_SEED=${seed})`, (t) => {
  if (!requireIntegration(t)) return;
  const seen = { accepted: 0, validator: 0, planner: 0, create: 0 };
  fc.assert(
    fc.property(realCaseArb, (c) => {
      seen[runRealCase(runts, c).stage]++;
    }),
    { seed, numRuns: 100, path: process.env.FUZZ_PATH, endOnFailure: true },
  );
  t.diagnostic(JSON.stringify(seen));
});
