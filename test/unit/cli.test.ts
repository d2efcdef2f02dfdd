import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_ROOT, main, parseGlobals, type MainEnv } from "../../src/cli/main.js";
import { addContainer, fakeHost, type FakeHost } from "./fake-host.js";

interface Run { code: number; stdout: string; stderr: string; roots: string[] }

async function runts(argv: string[], host?: FakeHost): Promise<Run> {
  const r: Run = { code: -1, stdout: "", stderr: "", roots: [] };
  const env: MainEnv = {
    stdout: (s) => void (r.stdout += s),
    stderr: (s) => void (r.stderr += s),
    host: (root) => {
      r.roots.push(root);
      return host ?? fakeHost();
    },
    now: () => new Date("2026-12-03T20:11:05Z"),
  };
  r.code = await main(argv, env);
  return r;
}

function withHost(t: { after(fn: () => void): void }): FakeHost {
  const host = fakeHost();
  t.after(host.cleanup);
  return host;
}

test("global flags: defaults and runc's spellings", () => {
  assert.deepEqual(parseGlobals(["state", "x"]).globals, {
    root: DEFAULT_ROOT, log: undefined, logFormat: "text", debug: false, systemdCgroup: false,
  });
  const { globals, positionals } = parseGlobals([
    "--root", "/run/containerd/runc/k8s.io", "--log", "/b/log.json", "--log-format", "json",
    "--systemd-cgroup", "--rootless=true", "--criu", "/bin/criu", "--debug", "delete", "--force", "x",
  ]);
  assert.deepEqual(globals, {
    root: "/run/containerd/runc/k8s.io", log: "/b/log.json", logFormat: "json", debug: true, systemdCgroup: true,
  });
  assert.deepEqual(positionals, ["delete", "--force", "x"]);
  assert.equal(parseGlobals(["--rootless", "auto", "--systemd-cgroup=false", "list"]).globals.systemdCgroup, false);
});

test("global flags stop at the command: its flags are not globals", async (t) => {
  const r = await runts(["--root", "/tmp/r", "list", "--root", "/x"], withHost(t));
  assert.equal(r.code, 1);
  assert.equal(r.stderr, "flag provided but not defined: -root\n");
});

test("unknown flags, missing values and bad booleans use Go's wording", async () => {
  assert.equal((await runts(["--bogus", "state", "x"])).stderr, "flag provided but not defined: -bogus\n");
  assert.equal((await runts(["state", "-x", "c1"])).stderr, "flag provided but not defined: -x\n");
  assert.equal((await runts(["--root"])).stderr, "flag needs an argument: -root\n");
  assert.equal((await runts(["--debug=maybe", "list"])).stderr, 'invalid boolean value "maybe" for -debug: parse error\n');
  assert.equal((await runts(["--log-format", "xml", "list"])).stderr, "unknown log-format `xml`\n");
  assert.equal((await runts(["frobnicate"])).stderr, "unknown command `frobnicate`\n");
});

test("--version prints exactly three lines", async () => {
  for (const flag of ["--version", "-v"]) {
    const r = await runts([flag]);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, "runts version 0.1.0\ncommit: unknown\nspec: 1.3.0\n");
    assert.equal(r.stderr, "");
  }
});

test("--help lists commands and global flags; COMMAND --help renders its table", async () => {
  const root = await runts(["--help"]);
  assert.equal(root.code, 0);
  for (const cmd of ["create", "delete", "kill", "list", "run", "start", "state"]) assert.match(root.stdout, new RegExp(`^   ${cmd} +\\S`, "m"));
  assert.match(root.stdout, /^   --root value +root directory .*\(default: "\/run\/runts"\)$/m);
  assert.match(root.stdout, /^   --systemd-cgroup +/m);
  const kill = await runts(["kill", "--help"]);
  assert.equal(kill.code, 0);
  assert.match(kill.stdout, /^   runts kill \[command options\] <container-id> \[signal\]$/m);
  assert.match(kill.stdout, /^   --all, -a +send the specified signal to all processes/m);
  assert.match((await runts(["list", "-h"])).stdout, /^   --format value, -f value +select one of: table or json \(default: "table"\)$/m);
  assert.equal((await runts(["help", "state"])).stdout, (await runts(["state", "--help"])).stdout);
  assert.equal((await runts([])).stdout, root.stdout);
});

test("argument counts use runc's wording", async () => {
  const missing = await runts(["state"]);
  assert.equal(missing.code, 1);
  assert.equal(missing.stderr, 'runts: "state" requires exactly 1 argument(s)\n');
  assert.equal((await runts(["kill"])).stderr, 'runts: "kill" requires a minimum of 1 argument(s)\n');
  assert.equal((await runts(["kill", "a", "9", "x"])).stderr, 'runts: "kill" requires a maximum of 2 argument(s)\n');
  assert.equal((await runts(["delete", "a", "b"])).stderr, 'runts: "delete" requires exactly 1 argument(s)\n');
});

test("state prints runc-style JSON on stdout; the host gets --root", async (t) => {
  const host = withHost(t);
  addContainer(host, "c1", "running");
  const r = await runts(["--root", "/run/test-root", "state", "c1"], host);
  assert.equal(r.code, 0);
  assert.deepEqual(r.roots, ["/run/test-root"]);
  assert.equal(JSON.parse(r.stdout).status, "running");
  assert.match(r.stdout, /^\{\n  "ociVersion": "1\.3\.0",\n  "id": "c1",\n  "pid": 4242,\n  "status": "running",/);
});

test("kill and delete print nothing; flags may follow the id (as urfave/cli reorders)", async (t) => {
  const host = withHost(t);
  const c1 = addContainer(host, "c1", "running");
  addContainer(host, "c2", "stopped", { pid: 4343 });
  const kill = await runts(["kill", "c1", "KILL"], host);
  assert.deepEqual([kill.code, kill.stdout, kill.stderr], [0, "", ""]);
  assert.deepEqual(host.kills, [[c1.pid, 9]]);
  const killAll = await runts(["kill", "c2", "9", "--all"], host);
  assert.deepEqual([killAll.code, killAll.stdout, killAll.stderr], [0, "", ""]);
  const del = await runts(["delete", "c2", "--force"], host);
  assert.deepEqual([del.code, del.stdout, del.stderr], [0, "", ""]);
  assert.deepEqual(host.store.list(), ["c1"]);
});

test("errors: one stderr line, exit 1, and with --log-format json exactly one record in the log", async (t) => {
  const host = withHost(t);
  addContainer(host, "c2", "stopped");
  const dir = mkdtempSync(join(tmpdir(), "runts-cli-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const logFile = join(dir, "log.json");
  const r = await runts(["--log", logFile, "--log-format", "json", "kill", "c2", "9"], host);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, "");
  assert.equal(r.stderr, "container not running: `c2`\n");
  assert.equal(readFileSync(logFile, "utf8"), '{"level":"error","msg":"container not running: `c2`","time":"2026-12-03T20:11:05Z"}\n');
  const gone = await runts(["--log", logFile, "--log-format", "json", "delete", "--force", "nope"], host);
  assert.deepEqual([gone.code, gone.stderr], [0, ""]);
  const missing = await runts(["delete", "nope"], host);
  assert.deepEqual([missing.code, missing.stderr], [1, "container does not exist: `nope`\n"]);
});

test("list: table like runc's tabwriter, json array, quiet ids", async (t) => {
  const host = withHost(t);
  addContainer(host, "c1", "running");
  addContainer(host, "c2", "stopped", { pid: 4343 });
  const table = await runts(["list"], host);
  assert.equal(
    table.stdout,
    "ID          PID         STATUS      BUNDLE        CREATED                          OWNER\n" +
      "c1          4242        running     /bundles/c1   2026-12-03T20:11:05.123456789Z   root\n" +
      "c2          0           stopped     /bundles/c2   2026-12-03T20:11:05.123456789Z   root\n",
  );
  const json = JSON.parse((await runts(["list", "--format", "json"], host)).stdout);
  assert.deepEqual(json.map((s: { id: string; status: string }) => [s.id, s.status]), [["c1", "running"], ["c2", "stopped"]]);
  assert.equal((await runts(["list", "-q"], host)).stdout, "c1\nc2\n");
  assert.equal((await runts(["list", "-f", "yaml"], host)).stderr, "invalid format option `yaml`: must be table or json\n");
});

test("list takes runc's spellings of its flags (Go's: -f/--format/-format[=], -q/--quiet[=bool]), quiet over format", async (t) => {
  const host = withHost(t);
  addContainer(host, "c1", "running");
  const ids = (r: Run) => JSON.parse(r.stdout).map((s: { id: string }) => s.id);
  for (const argv of [["-f", "json"], ["-f=json"], ["--format", "json"], ["--format=json"], ["--quiet=false", "-f", "json"]])
    assert.deepEqual(ids(await runts(["list", ...argv], host)), ["c1"], argv.join(" "));
  for (const argv of [["-q"], ["--quiet"], ["--quiet=true"], ["-q", "-f", "yaml"], ["--format", "json", "-q"]])
    assert.deepEqual(await runts(["list", ...argv], host).then(({ code, stdout, stderr }) => ({ code, stdout, stderr })), { code: 0, stdout: "c1\n", stderr: "" }, argv.join(" "));
  assert.match((await runts(["list", "--format", "table"], host)).stdout, /^ID {10}PID/);
  assert.equal((await runts(["list", "--format"], host)).stderr, "flag needs an argument: -format\n");
  // Go's flag package: one dash for long names too, nothing glued to a short one
  assert.deepEqual(ids(await runts(["list", "-format", "json"], host)), ["c1"]);
  assert.equal((await runts(["list", "-fjson"], host)).stderr, "flag provided but not defined: -fjson\n");
  const g = parseGlobals(["-root", "/x", "-debug", "-log-format=json", "list", "-q"]);
  assert.deepEqual([g.globals.root, g.globals.debug, g.globals.logFormat, g.positionals], ["/x", true, "json", ["list", "-q"]]);
});
