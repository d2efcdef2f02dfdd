#!/usr/bin/env node
// Build: schema → standalone validator, TypeScript → build/ts (tests),
// esbuild → dist/runts.cjs (the program, one file), its V8 code cache, and
// dist/runts, the launcher. The native part (build/Release/runts-init, probe)
// is node-gyp's: `npm ci` runs it, or `npm run native`.
//
// Why CommonJS and a loader: Node 20 has no compile cache for ES modules
// (module.enableCompileCache is Node 22), but vm.Script takes V8's cachedData.
// Measured here (hyperfine, `list` on an empty root): ESM bundle +19 ms over
// `node -e 0`, CJS bundle +12 ms, CJS bundle from the code cache +6 ms.
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dist = path.join(root, "dist");
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: "inherit" });

run(process.execPath, ["scripts/build-validator.mjs"]);
run(process.execPath, [path.join(root, "node_modules/typescript/bin/tsc"), "-p", "."]);

const commit = (() => {
  try { return execFileSync("git", ["rev-parse", "HEAD"], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim(); }
  catch { return "unknown"; }
})();

mkdirSync(dist, { recursive: true });
await esbuild.build({
  entryPoints: [path.join(root, "src/cli/entry.ts")],
  outfile: path.join(dist, "runts.cjs"),
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  minifySyntax: true,
  define: { RUNTS_COMMIT: JSON.stringify(commit), RUNTS_PACKAGE_ROOT: JSON.stringify(root) },
  // koffi loads its own prebuilt .node file at run time; it is required from
  // node_modules, and only when a config has a seccomp profile to compile
  external: ["koffi"],
  logLevel: "warning",
  // launch.ts reads import.meta.url only when RUNTS_PACKAGE_ROOT is not defined
  logOverride: { "empty-import-meta": "silent" },
});

// The loader: compiles the bundle with its code cache; with
// RUNTS_WRITE_CODE_CACHE set it writes the cache when the process exits,
// so the cache holds every function that run compiled, not only the eager
// ones. A cache V8 rejects (another Node, other flags) only costs time.
writeFileSync(path.join(dist, "main.cjs"), `"use strict";
const fs = require("node:fs"), vm = require("node:vm"), Module = require("node:module");
const file = ${JSON.stringify(path.join(dist, "runts.cjs"))}, cacheFile = ${JSON.stringify(path.join(dist, "runts.cache"))};
let cachedData;
try { cachedData = fs.readFileSync(cacheFile); } catch {}
const script = new vm.Script(Module.wrap(fs.readFileSync(file, "utf8")), { filename: file, cachedData });
if (process.env.RUNTS_WRITE_CODE_CACHE) process.on("exit", () => fs.writeFileSync(cacheFile, script.createCachedData()));
script.runInThisContext().call(module.exports, module.exports, require, module, file, ${JSON.stringify(dist)});
`);

// The launcher: absolute paths, because clients may call us with no PATH at
// all (podman passes little more than XDG_RUNTIME_DIR). NODE_EXTRA_CA_CERTS
// is dropped: runts makes no TLS connection, and loading extra CAs costs
// 50-90 ms on every call (measured on these machines). RUNTS_CALLER_FDS: the
// fds our caller gave us, listed before Node opens its own in the free
// numbers; --preserve-fds and LISTEN_FDS may pass on only these (the glob is
// expanded by the shell itself, no process is started; the fd it read the
// directory with is closed by the time -e tests it, and the script's own fd
// is left out).
const launcher = `#!/bin/sh
fds=
for f in /proc/$$/fd/*; do [ -e "$f" ] && ! [ "$f" -ef "$0" ] && fds="$fds \${f##*/}"; done
export RUNTS_CALLER_FDS="$fds"
unset NODE_EXTRA_CA_CERTS
exec '${process.execPath}' '${path.join(dist, "main.cjs")}' "$@"
`;
writeFileSync(path.join(dist, "runts"), launcher);
chmodSync(path.join(dist, "runts"), 0o755);

writeCodeCache();

/** one run through the CLI and the validator, on a config that fails validation: no host change */
function writeCodeCache() {
  rmSync(path.join(dist, "runts.cache"), { force: true });
  const tmp = mkdtempSync(path.join(tmpdir(), "runts-cache-"));
  try {
    writeFileSync(path.join(tmp, "config.json"), JSON.stringify({ ociVersion: "1.3.0", root: { path: "rootfs" }, process: { cwd: "/", args: [] } }));
    const r = spawnSync(path.join(dist, "runts"), ["--root", path.join(tmp, "state"), "create", "--bundle", tmp, "cache"], {
      env: { ...process.env, RUNTS_WRITE_CODE_CACHE: "1" }, encoding: "utf8",
    });
    if (!/config\.json: /.test(r.stderr)) throw new Error(`code cache run: unexpected output: ${r.stderr}`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
