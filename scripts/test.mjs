#!/usr/bin/env node
// The whole test suite: build, then Node's test runner on explicit file
// lists per tier (a directory argument would find no .ts and pass vacuously).
//   node scripts/test.mjs [unit|integration|conformance ...]
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const tiers = process.argv.slice(2).length ? process.argv.slice(2) : ["unit", "integration"];

execFileSync(process.execPath, [path.join(root, "scripts/build.mjs")], { cwd: root, stdio: "inherit" });

const files = [];
for (const tier of tiers) {
  const dir = path.join(root, "build/ts/test", tier);
  const found = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".test.js")).sort() : [];
  if (found.length === 0) {
    console.error(`test: no compiled tests in build/ts/test/${tier}`);
    process.exit(1);
  }
  files.push(...found.map((f) => path.join(dir, f)));
}
// one file at a time: integration tests share /run/runts and the machine
const r = spawnSync(process.execPath, ["--test", "--test-concurrency=1", ...files], { cwd: root, stdio: "inherit" });
process.exit(r.status ?? 1);
