// OCI hooks with real containers (runtime-spec v1.3.0 config.md "POSIX-platform
// Hooks", runtime.md "Lifecycle"): each kind runs, in order, with the state
// on stdin, in the namespace the spec names; a failing hook fails create
// and leaves nothing, fails start and destroys the container, or, after
// delete, only warns.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readlinkSync } from "node:fs";
import path from "node:path";
import {
  assertNothingLeft, bundle, busyboxMissing, busyboxRootfs, createFails, defaultConfig, existsSync, leftovers, missing,
  newId, probeReport, readFileSync, Runts, waitFor, work, writeFileSync,
} from "./harness.js";

const skip = missing() ?? busyboxMissing() ?? undefined;
const runts = skip ? undefined! : new Runts();
after(() => runts?.cleanup());

/** a host dir the hooks write to, bound into the container at /hooklog */
function logDir(): string {
  const dir = mkdtempSync(path.join(work, "hooklog-"));
  chmodSync(dir, 0o777);
  return dir;
}

/** a /bin/sh script on the host */
function hostScript(dir: string, name: string, body: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

/** records each call: its state in <kind>.json, and "<kind> <mount ns>" appended to order */
const RECORD = 'cat > "$LOG/$1.json"; echo "$1 $(readlink /proc/self/ns/mnt)" >> "$LOG/order"';

/** a busybox config whose process writes its mount namespace to /hooklog */
function config(log: string, hooks: Record<string, unknown>, args = ["sh", "-c", "readlink /proc/self/ns/mnt > /hooklog/container-mnt"]): Record<string, any> {
  const c = defaultConfig(args, busyboxRootfs());
  c.mounts.push({ destination: "/hooklog", type: "bind", source: log, options: ["rbind"] });
  c.annotations = { "runts.test": "hooks" };
  c.hooks = hooks;
  return c;
}

/** a hook entry recording as `kind`, through the host's script or one inside the rootfs */
const recorder = (file: string, kind: string, log: string) => ({ path: file, args: [path.basename(file), kind], env: [`LOG=${log}`] });

function lines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean) : [];
}

test("every kind runs, in the spec's order, with the state on stdin and in the namespace the spec names", { skip }, async () => {
  const log = logDir();
  const host = hostScript(log, "record.sh", RECORD);
  // startContainer's path resolves in the container: this one exists only in the rootfs's /hooklog
  const inside = hostScript(log, "inside.sh", RECORD);
  const c = config(log, {
    prestart: [recorder(host, "prestart", log)],
    createRuntime: [recorder(host, "createRuntime", log)],
    createContainer: [recorder(host, "createContainer", log)],
    startContainer: [recorder("/hooklog/inside.sh", "startContainer", "/hooklog")],
    poststart: [recorder(host, "poststart", log)],
    poststop: [recorder(host, "poststop", log)],
  });
  assert.equal(existsSync("/hooklog/inside.sh"), false, "the startContainer path is not a host path");
  assert.ok(existsSync(inside));
  const id = newId("hooks");
  const b = bundle(c);
  runts.ok(["create", "--bundle", b, id]);
  const pid = runts.state(id).pid;
  assert.deepEqual(lines(path.join(log, "order")).map((l) => l.split(" ")[0]), ["prestart", "createRuntime", "createContainer"], "create ran its three");
  runts.ok(["start", id]);
  assert.ok(await waitFor(() => runts.state(id).status === "stopped"));
  runts.ok(["delete", id]);
  const order = lines(path.join(log, "order")).map((l) => l.split(" "));
  assert.deepEqual(order.map(([k]) => k), ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"]);
  const hostMnt = readlinkSync("/proc/self/ns/mnt");
  const containerMnt = readFileSync(path.join(log, "container-mnt"), "utf8").trim();
  assert.notEqual(containerMnt, hostMnt);
  const mnt = Object.fromEntries(order);
  assert.deepEqual(mnt, {
    prestart: hostMnt, createRuntime: hostMnt, createContainer: containerMnt,
    startContainer: containerMnt, poststart: hostMnt, poststop: hostMnt,
  });
  const state = (kind: string) => JSON.parse(readFileSync(path.join(log, `${kind}.json`), "utf8"));
  const want = (status: string, p: number) => ({ ociVersion: c.ociVersion, id, status, pid: p, bundle: b, annotations: { "runts.test": "hooks" } });
  assert.deepEqual(state("prestart"), want("creating", pid));
  assert.deepEqual(state("createRuntime"), want("creating", pid));
  // the hooks in the container's namespaces get the pid as the container sees it: 1 in its own pid namespace
  assert.deepEqual(state("createContainer"), want("creating", 1));
  assert.deepEqual(state("startContainer"), want("created", 1));
  assert.deepEqual(state("poststart"), want("running", pid));
  assert.deepEqual(state("poststop"), want("stopped", 0));
});

test("run in the foreground: poststop has run when run returns", { skip }, () => {
  const log = logDir();
  const host = hostScript(log, "record.sh", RECORD);
  const r = runts.run(["run", "--bundle", bundle(config(log, { poststop: [recorder(host, "poststop", log)] }, ["true"])), newId("hooks")]);
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(lines(path.join(log, "order")).map((l) => l.split(" ")[0]), ["poststop"]);
});

test("a failing prestart, createRuntime or createContainer hook fails create, says which and why, and leaves nothing", { skip }, () => {
  const log = logDir();
  const fail = hostScript(log, "fail.sh", 'echo "no network for $1" >&2; exit 3');
  for (const kind of ["prestart", "createRuntime", "createContainer"]) {
    const ok = hostScript(log, "ok.sh", "exit 0");
    const msg = createFails(runts, config(log, { [kind]: [{ path: ok }, { path: fail, args: ["fail.sh", kind] }] }));
    assert.equal(msg, `unable to start container process: error running ${kind} hook #1 \`${fail}\`: exit status 3, stderr: no network for ${kind}`);
  }
});

test("a failed create still runs the poststop hooks: the lifecycle goes on at destroy (runtime.md steps 4, 12, 13)", { skip }, () => {
  const log = logDir();
  const host = hostScript(log, "record.sh", RECORD);
  createFails(runts, config(log, { createRuntime: [{ path: "/bin/false" }], poststop: [recorder(host, "poststop", log)] }));
  assert.deepEqual(lines(path.join(log, "order")).map((l) => l.split(" ")[0]), ["poststop"]);
  assert.equal(JSON.parse(readFileSync(path.join(log, "poststop.json"), "utf8")).status, "stopped");
});

test("a hook past its timeout is killed and fails create, in runts and in the init alike", { skip }, () => {
  const log = logDir();
  for (const kind of ["createRuntime", "createContainer"]) {
    const t0 = Date.now();
    const msg = createFails(runts, config(log, { [kind]: [{ path: "/bin/sleep", args: ["sleep", "60"], timeout: 1 }] }));
    assert.equal(msg, `unable to start container process: error running ${kind} hook #0 \`/bin/sleep\`: still running after its timeout of 1s: killed`);
    assert.ok(Date.now() - t0 < 10_000, `${kind}: took ${Date.now() - t0} ms`);
  }
});

test("a failing startContainer or poststart hook fails start, and the container is stopped and destroyed (runtime.md steps 7, 9)", { skip }, () => {
  const log = logDir();
  const host = hostScript(log, "record.sh", RECORD);
  for (const kind of ["startContainer", "poststart"]) {
    const before = leftovers(runts);
    const id = newId("hooks");
    const failing = { path: "/bin/sh", args: ["sh", "-c", `echo ${kind} says no >&2; exit 7`] };
    const c = config(log, { [kind]: [failing], poststop: [recorder(host, `poststop-${kind}`, log)] }, ["sleep", "60"]);
    runts.ok(["create", "--bundle", bundle(c), id]);
    const r = runts.run(["start", id]);
    assert.equal(r.status, 1);
    const prefix = kind === "startContainer" ? "unable to start container process: " : "";
    assert.equal(r.stderr.trim(), `${prefix}error running ${kind} hook #0 \`/bin/sh\`: exit status 7, stderr: ${kind} says no`);
    assertNothingLeft(runts, before, id);
    assert.ok(lines(path.join(log, "order")).some((l) => l.startsWith(`poststop-${kind} `)), "poststop ran");
  }
});

test("a failing poststop hook is a warning: delete succeeds and the next poststop hook runs", { skip }, () => {
  const log = logDir();
  const host = hostScript(log, "record.sh", RECORD);
  const id = newId("hooks");
  const c = config(log, { poststop: [{ path: "/bin/sh", args: ["sh", "-c", "echo cleanup failed >&2; exit 2"] }, recorder(host, "poststop", log)] }, ["true"]);
  runts.ok(["create", "--bundle", bundle(c), id]);
  runts.ok(["start", id]);
  const r = runts.ok(["delete", "--force", id]);
  assert.match(r.stderr, /level=warning msg="error running poststop hook #0 `\/bin\/sh`: exit status 2, stderr: cleanup failed"/);
  assert.deepEqual(lines(path.join(log, "order")).map((l) => l.split(" ")[0]), ["poststop"]);
  assert.match(runts.run(["state", id]).stderr, /container does not exist/);
});

test("hooks that never read their stdin, with a state larger than a pipe holds, break nothing", { skip }, () => {
  const log = logDir();
  const ignore = { path: "/bin/sh", args: ["sh", "-c", "exec 0<&-; exit 0"] };
  const kinds = ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"];
  const c = config(log, Object.fromEntries(kinds.map((k) => [k, [ignore, ignore]])), ["true"]);
  c.annotations = { big: "x".repeat(256 * 1024) };
  const r = runts.run(["run", "--bundle", bundle(c), newId("hooks")]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, "");
});

test("the init's hooks get only stdio, and leave the container's process SIGPIPE at its default and no extra fd", { skip }, () => {
  const log = logDir();
  // `[` is the shell's own, so /proc/self is the hook (in a command substitution: a redirected
  // group would make the shell save its stdout in fd 10); any fd above 2 is one it inherited
  const check = "for n in $(seq 3 64); do [ -e /proc/self/fd/$n ] && printf ' %s' $n; done; true";
  const fds = (name: string, dir: string) => ({ path: "/bin/sh", args: ["sh", "-c", `cat > /dev/null; echo "fds:$(${check})" > ${dir}/${name}`] });
  const c = config(log, { createContainer: [fds("create-fds", log)], startContainer: [fds("start-fds", "/hooklog")] }, ["/bin/probe", "report"]);
  const f = probeReport(runts, c);
  assert.equal(readFileSync(path.join(log, "create-fds"), "utf8"), "fds:\n");
  assert.equal(readFileSync(path.join(log, "start-fds"), "utf8"), "fds:\n");
  assert.equal(f.sigpipe, "default");
  assert.equal(f.status.SigIgn, "0000000000000000");
  assert.deepEqual(f.fds, [0, 1, 2]);
});
