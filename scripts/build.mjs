#!/usr/bin/env node
// Build: schema → standalone validator, TypeScript → build/ts (tests),
// esbuild → dist/runts.cjs (the program) and dist/validator.cjs (the schema
// validator, read only by the commands that validate), their V8 code
// caches, dist/main.cjs (the loader) and dist/runts, the launcher. The native part (build/Release/runts-init, probe)
// is node-gyp's: `npm ci` runs it, or `npm run native`.
//
// Why CommonJS and a loader: Node 20 has no compile cache for ES modules
// (module.enableCompileCache is Node 22), but vm.Script takes V8's cachedData.
// Measured here (hyperfine, `list` on an empty root): ESM bundle +19 ms over
// `node -e 0`, CJS bundle +12 ms, CJS bundle from the code cache +6 ms.
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const dist = path.join(root, "dist");
const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: "inherit" });

/** the validator, imported by src/spec/validate.ts, read from its chunk on the first call */
const validatorChunk = {
  name: "validator-chunk",
  setup(b) {
    b.onResolve({ filter: /config-validator\.gen\.js$/ }, (a) => ({ path: a.path, namespace: "validator-chunk" }));
    b.onLoad({ filter: /.*/, namespace: "validator-chunk" }, () => ({
      loader: "js",
      contents: `
        let real;
        export default function validate(data) {
          real ??= __runtsChunk("validator").default;
          const ok = real(data);
          validate.errors = real.errors;
          return ok;
        }`,
    }));
  },
};

/**
 * node:path as an ES module: esbuild wraps each default import of a
 * CommonJS module in __toESM, which copies its properties onto a new
 * object; twenty files import path, and the copies cost ~0.5 ms a call
 */
const pathWithoutWrapper = {
  name: "path-without-wrapper",
  setup(b) {
    // the module's own require of node:path is the real one
    b.onResolve({ filter: /^node:path$/ }, (a) => (a.namespace === "path-esm" ? { path: "node:path", external: true } : { path: "node:path", namespace: "path-esm" }));
    b.onLoad({ filter: /.*/, namespace: "path-esm" }, () => ({
      loader: "js",
      contents: `const p = require("node:path");\nexport default p;\nexport const { ${Object.keys(path).join(", ")} } = p;\n`,
    }));
  },
};

run(process.execPath, ["scripts/build-validator.mjs"]);
run(process.execPath, [path.join(root, "node_modules/typescript/bin/tsc"), "-p", "."]);

const commit = (() => {
  try { return execFileSync("git", ["rev-parse", "HEAD"], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim(); }
  catch { return "unknown"; }
})();

mkdirSync(dist, { recursive: true });
// whitespace and syntax only: names stay, so a --debug stack trace reads; full
// minification saved no more than the noise (~0.3 ms a call, measured)
const common = { bundle: true, platform: "node", format: "cjs", target: "node20", minifyWhitespace: true, minifySyntax: true, logLevel: "warning" };
await esbuild.build({
  ...common,
  entryPoints: [path.join(root, "src/cli/entry.ts")],
  outfile: path.join(dist, "runts.cjs"),
  define: { RUNTS_COMMIT: JSON.stringify(commit), RUNTS_PACKAGE_ROOT: JSON.stringify(root) },
  // koffi loads its own prebuilt .node file at run time; it is required from
  // node_modules, and only when a config has a seccomp profile to compile
  external: ["koffi"],
  plugins: [validatorChunk, pathWithoutWrapper],
  // launch.ts reads import.meta.url only when RUNTS_PACKAGE_ROOT is not defined
  logOverride: { "empty-import-meta": "silent" },
});
// The schema validator is half of all the code (~175 KB) and only create,
// run, exec and update validate a document: it is a chunk of its own, which
// the others never read or compile (with the path plugin and whitespace
// minifying: `list` 42.1 → 39.4 ms and 41.4 → 39.9 MiB, interleaved).
await esbuild.build({
  ...common,
  entryPoints: [path.join(root, "src/spec/config-validator.gen.js")],
  outfile: path.join(dist, "validator.cjs"),
});

// The loader: compiles the bundle with its code cache and gives it
// __runtsChunk(name), which does the same for a chunk (dist/NAME.cjs with
// dist/NAME.cache) on first use. With RUNTS_WRITE_CODE_CACHE set it writes
// each cache when the process exits, so a cache holds every function that
// run compiled, not only the eager ones. A cache V8 rejects (another Node,
// other flags) only costs time.
writeFileSync(path.join(dist, "main.cjs"), `"use strict";
const fs = require("node:fs"), vm = require("node:vm");
const dir = ${JSON.stringify(dist)}, chunks = new Map();
function compile(name, params) {
  const file = dir + "/" + name + ".cjs", cacheFile = dir + "/" + name + ".cache";
  let cachedData;
  try { cachedData = fs.readFileSync(cacheFile); } catch {}
  const script = new vm.Script("(function (" + params + ") {" + fs.readFileSync(file, "utf8") + "\\n})", { filename: file, cachedData });
  if (process.env.RUNTS_WRITE_CODE_CACHE) process.on("exit", () => fs.writeFileSync(cacheFile, script.createCachedData()));
  return script.runInThisContext();
}
function __runtsChunk(name) {
  if (!chunks.has(name)) {
    const m = { exports: {} };
    compile(name, "exports, require, module")(m.exports, require, m);
    chunks.set(name, m.exports);
  }
  return chunks.get(name);
}
compile("runts", "exports, require, module, __filename, __dirname, __runtsChunk")(module.exports, require, module, dir + "/runts.cjs", dir, __runtsChunk);
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

/**
 * The code cache holds the functions compiled by the time a process exits,
 * those it loaded from the cache included: so each run here adds to what
 * the one before it wrote. None changes the host: a config the validator
 * refuses; then `runts spec`'s default config through validation, planning
 * and encoding, stopped by the test-only fault at `create.validated`
 * (before the state dir); then commands on an id that does not exist.
 * Why more than one: a function missing from the cache is compiled on every
 * call; training on a refused config only, create compiled its planner
 * each time (~5 ms).
 */
function writeCodeCache() {
  for (const name of ["runts", "validator"]) rmSync(path.join(dist, `${name}.cache`), { force: true });
  const tmp = mkdtempSync(path.join(tmpdir(), "runts-cache-"));
  const runts = (args, env = {}) => spawnSync(path.join(dist, "runts"), ["--root", path.join(tmp, "state"), ...args], {
    env: { ...process.env, ...env, RUNTS_WRITE_CODE_CACHE: "1" }, encoding: "utf8",
  });
  const expect = (r, re, what) => {
    if (!re.test(r.stderr)) throw new Error(`code cache run (${what}): unexpected output: ${r.stderr}`);
  };
  try {
    const refused = path.join(tmp, "refused"), valid = path.join(tmp, "valid");
    mkdirSync(refused);
    writeFileSync(path.join(refused, "config.json"), JSON.stringify({ ociVersion: "1.3.0", root: { path: "rootfs" }, process: { cwd: "/", args: [] } }));
    expect(runts(["create", "--bundle", refused, "cache"]), /config\.json: /, "refused config");
    mkdirSync(path.join(valid, "rootfs"), { recursive: true });
    runts(["spec", "--bundle", valid]);
    const config = JSON.parse(readFileSync(path.join(valid, "config.json"), "utf8"));
    writeFileSync(path.join(valid, "config.json"), JSON.stringify({ ...config, process: { ...config.process, terminal: false } }));
    expect(runts(["create", "--bundle", valid, "cache"], { RUNTS_TEST_FAULTS: "1", RUNTS_FAULT: "create.validated" }), /injected fault at `create\.validated`/, "planned config");
    for (const args of [["state", "cache"], ["kill", "cache", "KILL"], ["delete", "cache"], ["start", "cache"], ["exec", "cache", "true"]])
      expect(runts(args), /container does not exist/, args[0]);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
