// Fixture configs in test/fixtures/configs, found from src or build/ts alike.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { SecurityFacts } from "../../src/plan/security.js";

/** a host as root sees it here: every capability up to CAP_CHECKPOINT_RESTORE, no LSM */
export const ROOT_FACTS: SecurityFacts = { capLastCap: 40, capAvailable: (1n << 41n) - 1n, apparmor: false, selinux: false };

/** The repo root: the nearest directory above this file holding package.json. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const up = dirname(dir);
    if (up === dir) throw new Error("package.json not found above the test file");
    dir = up;
  }
  return dir;
}

export function fixture(name: string): string {
  return readFileSync(join(repoRoot(), "test", "fixtures", "configs", name), "utf8");
}

/** A fixture as an object the test may change. */
export function fixtureConfig(name: string): Record<string, any> {
  return JSON.parse(fixture(name));
}
