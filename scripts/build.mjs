#!/usr/bin/env node
// Build: schema → standalone validator, TypeScript → build/ts (tests),
// esbuild → dist/runts.js (the program), and dist/runts, the launcher.
// The native part (build/Release/runts-init, probe) is node-gyp's: `npm ci`
// runs it, or `npm run native`.
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: "inherit" });

run(process.execPath, ["scripts/build-validator.mjs"]);
run(process.execPath, [path.join(root, "node_modules/typescript/bin/tsc"), "-p", "."]);

const commit = (() => {
  try { return execFileSync("git", ["rev-parse", "HEAD"], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim(); }
  catch { return "unknown"; }
})();

mkdirSync(path.join(root, "dist"), { recursive: true });
await esbuild.build({
  entryPoints: [path.join(root, "src/cli/entry.ts")],
  outfile: path.join(root, "dist/runts.js"),
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  minifySyntax: true,
  define: { RUNTS_COMMIT: JSON.stringify(commit) },
  logLevel: "warning",
});

// The launcher: absolute paths, because clients may call us with no PATH at
// all (podman passes little more than XDG_RUNTIME_DIR). NODE_EXTRA_CA_CERTS
// is dropped: runts makes no TLS connection, and loading extra CAs costs
// 50-90 ms on every call (measured on these machines).
const launcher = `#!/bin/sh
unset NODE_EXTRA_CA_CERTS
exec '${process.execPath}' '${path.join(root, "dist/runts.js")}' "$@"
`;
writeFileSync(path.join(root, "dist/runts"), launcher);
chmodSync(path.join(root, "dist/runts"), 0o755);
