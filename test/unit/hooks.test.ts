// The hooks runts runs itself (src/runtime/hooks.ts), with real processes
// but no container: the state on stdin, exact args and env, failures named
// with their kind, index, path, cause and stderr, the timeout, and hooks
// that do not read their stdin.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { hookState, runHook, runHooks, runHooksWarning } from "../../src/runtime/hooks.js";
import { isKind } from "../../src/runtime/errors.js";

const dir = mkdtempSync(path.join(tmpdir(), "runts-hooks-"));
after(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
/** an executable /bin/sh script; returns its path */
function script(body: string): string {
  const file = path.join(dir, `hook-${++n}.sh`);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

const out = (name: string) => path.join(dir, name);
const STATE = hookState({ ociVersion: "1.3.0", id: "c1", bundle: "/b", annotations: { a: "1" } }, "creating", 42);

test("the state: the spec's keys in its order; empty annotations left out, as runc does", () => {
  assert.deepEqual(Object.keys(STATE), ["ociVersion", "id", "status", "pid", "bundle", "annotations"]);
  assert.deepEqual(hookState({ ociVersion: "1.3.0", id: "c1", bundle: "/b", annotations: {} }, "stopped", 0),
    { ociVersion: "1.3.0", id: "c1", status: "stopped", pid: 0, bundle: "/b" });
});

test("a hook reads the state JSON on its stdin", async () => {
  const file = out("state.json");
  await runHooks("createRuntime", [{ path: script(`cat > "${file}"`) }], STATE);
  assert.deepEqual(JSON.parse(readFileSync(file, "utf8")), STATE);
});

test("args: args[0] is argv[0], the path is what runs; env is exactly the config's, nothing inherited", async () => {
  const file = out("argv-env");
  process.env.RUNTS_TEST_LEAK = "leaked";
  try {
    await runHook("poststart", 0, {
      path: "/bin/sh",
      args: ["my-argv0", "-c", `{ tr '\\0' '\\n' < /proc/$$/cmdline | sed -n 1p; echo "$0"; tr '\\0' '\\n' < /proc/$$/environ; } > "${file}"`, "first"],
      env: ["A=1", "B=x=y"],
    }, "{}");
  } finally {
    delete process.env.RUNTS_TEST_LEAK;
  }
  assert.equal(readFileSync(file, "utf8"), "my-argv0\nfirst\nA=1\nB=x=y\n");
});

test("without args, argv is the path alone; without env, the environment is empty", async () => {
  const file = out("bare");
  const hook = script(`{ echo "$#"; tr '\\0' '\\n' < /proc/$$/environ; } > "${file}"`);
  await runHook("poststop", 0, { path: hook }, "{}");
  assert.equal(readFileSync(file, "utf8"), "0\n");
});

test("a hook that exits non-zero fails, naming the kind, index, path, status and its stderr", async () => {
  const ok = script("exit 0");
  const bad = script("echo 'no network for you' >&2; exit 3");
  await assert.rejects(runHooks("createRuntime", [{ path: ok }, { path: bad }], STATE), (err: Error) => {
    assert.equal(err.message, `error running createRuntime hook #1 \`${bad}\`: exit status 3, stderr: no network for you`);
    assert.ok(isKind(err, "hook"));
    return true;
  });
});

test("the first failure stops the list: later hooks of the kind do not run", async () => {
  const file = out("never");
  await assert.rejects(runHooks("prestart", [{ path: script("exit 1") }, { path: script(`touch "${file}"`) }], STATE));
  assert.throws(() => readFileSync(file));
});

test("a hook killed by a signal fails with the signal's name", async () => {
  await assert.rejects(runHook("poststart", 0, { path: script("kill -TERM $$") }, "{}"), /error running poststart hook #0 `.*`: killed by SIGTERM$/);
});

test("a path that cannot be executed fails with the errno", async () => {
  await assert.rejects(runHook("prestart", 2, { path: "/nonexistent/hook" }, "{}"),
    { message: "error running prestart hook #2 `/nonexistent/hook`: exec: no such file or directory" });
});

test("a hook still running at its timeout is killed and fails", async () => {
  const t0 = Date.now();
  await assert.rejects(runHook("createRuntime", 0, { path: script("sleep 30"), timeout: 1 }, "{}"),
    /error running createRuntime hook #0 `.*`: still running after its timeout of 1s: killed$/);
  assert.ok(Date.now() - t0 < 5000, "killed, not waited for");
});

test("a hook that closes its stdin unread, with a state larger than a pipe holds: no EPIPE failure, no crash", async () => {
  const big = hookState({ ociVersion: "1.3.0", id: "c1", bundle: "/b", annotations: { big: "x".repeat(1 << 20) } }, "created", 1);
  await runHooks("startContainer", [{ path: script("exec 0<&-; sleep 0.2; exit 0") }], big);
  await runHooks("startContainer", [{ path: script("exit 0") }], big);
});

test("a hook that leaves a child holding its stderr does not keep runts waiting", async () => {
  const t0 = Date.now();
  await runHook("poststart", 0, { path: script("sleep 5 & exit 0") }, "{}");
  assert.ok(Date.now() - t0 < 2000, `returned after ${Date.now() - t0} ms`);
});

test("poststop: each failure is a warning and the next hook still runs", async () => {
  const file = out("poststop");
  const warnings: string[] = [];
  const hooks = [{ path: script("exit 1") }, { path: script(`echo ran >> "${file}"`) }, { path: script("exit 2") }];
  await runHooksWarning("poststop", hooks, STATE, (m) => warnings.push(m));
  assert.equal(readFileSync(file, "utf8"), "ran\n");
  assert.deepEqual(warnings.map((w) => w.replace(/`.*`/, "`H`")), [
    "error running poststop hook #0 `H`: exit status 1",
    "error running poststop hook #2 `H`: exit status 2",
  ]);
});
