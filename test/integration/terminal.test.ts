// process.terminal, observed from inside by the probe's `term`: a pty from
// the container's devpts as stdin, stdout, stderr and controlling terminal,
// its master sent to --console-socket (received here by the probe's
// `recvtty`, as containerd's shim does) or relayed by runts in the
// foreground (under `script`, which gives runts a pty of its own).
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { assertNothingLeft, bundle, createFails, defaultConfig, leftovers, missing, newId, PROBE, RUNTS, Runts, waitFor, work } from "./harness.js";

const skip = missing() ?? undefined;
const noScript = existsSync("/usr/bin/script") ? undefined : "needs `script` (util-linux's bsdutils) to give runts a terminal";
const runts = skip ? undefined! : new Runts();
after(() => runts?.cleanup());

function ttyConfig(args: string[], more: Record<string, any> = {}): Record<string, any> {
  const c = defaultConfig(args);
  c.process.terminal = true;
  Object.assign(c.process, more);
  return c;
}

/** the probe's recvtty listening at a fresh socket; `output` settles with all it printed */
async function receiver(): Promise<{ socket: string; output: Promise<string> }> {
  const socket = path.join(work, `tty-${process.pid}-${Math.random().toString(36).slice(2)}.sock`);
  const child = spawn(PROBE, ["recvtty", socket], { stdio: ["ignore", "pipe", "inherit"] });
  let text = "";
  child.stdout.on("data", (d) => (text += d));
  // "close", not "exit": the last of its stdout may come after it exited
  const output = new Promise<string>((resolve) => child.on("close", () => resolve(text)));
  assert.ok(await waitFor(() => existsSync(socket)), "recvtty listens");
  return { socket, output };
}

function term(text: string): any {
  const line = text.split(/\r?\n/).find((l) => l.includes('"tty"'));
  assert.ok(line, `the probe's term line in: ${JSON.stringify(text)}`);
  return JSON.parse(line.slice(line.indexOf("{")));
}

test("create --console-socket: one message with the pty's name and its master; the pty is the process's terminal", { skip }, async () => {
  const { socket, output } = await receiver();
  const id = newId("tty");
  const config = ttyConfig(["/bin/probe", "term"], { consoleSize: { height: 33, width: 111 } });
  const r = runts.run(["create", "--console-socket", socket, "--bundle", bundle(config), id]);
  assert.equal(r.status, 0, r.stderr);
  runts.ok(["start", id]);
  const text = await output;
  assert.match(text, /^name=\/dev\/pts\/\d+ fds=1 master_isatty=1\n/);
  const t = term(text);
  assert.match(t.tty, /^\/dev\/pts\/\d+$/);
  assert.deepEqual(t.isatty, [1, 1, 1]);
  assert.equal(t.ctty, true, "its controlling terminal");
  assert.equal(t.leader, true, "the leader of its own session");
  assert.deepEqual([t.rows, t.cols], [33, 111], "process.consoleSize");
  assert.ok(await waitFor(() => runts.state(id).status === "stopped"));
  runts.ok(["delete", id]);
});

test("exec --tty --detach --console-socket: the exec'd process gets a pty of the container's devpts", { skip }, async () => {
  const id = newId("tty");
  runts.ok(["run", "--detach", "--bundle", bundle(defaultConfig(["/bin/probe", "sleep", "60"])), id]);
  const { socket, output } = await receiver();
  const r = runts.run(["exec", "--tty", "--detach", "--console-socket", socket, id, "/bin/probe", "term"]);
  assert.equal(r.status, 0, r.stderr);
  const t = term(await output);
  assert.match(t.tty, /^\/dev\/pts\/\d+$/);
  assert.deepEqual([t.isatty, t.ctty, t.leader], [[1, 1, 1], true, true]);
  runts.ok(["delete", "--force", id]);
});

test("run and exec in the foreground with a terminal relay runts' own terminal, and exit with the process's status", { skip: skip ?? noScript }, () => {
  const id = newId("tty");
  const b = bundle(ttyConfig(["/bin/probe", "term"]));
  const script = (cmd: string) => spawnSync("/usr/bin/script", ["-qec", cmd, "/dev/null"], { encoding: "utf8", timeout: 30_000, stdio: ["ignore", "pipe", "pipe"] });
  const run = script(`${RUNTS} --root ${runts.root} run --bundle ${b} ${id}`);
  assert.equal(run.status, 0, run.stdout + run.stderr);
  const t = term(run.stdout);
  assert.deepEqual([t.isatty, t.ctty, t.leader], [[1, 1, 1], true, true]);
  const id2 = newId("tty");
  runts.ok(["run", "--detach", "--bundle", bundle(defaultConfig(["/bin/probe", "sleep", "60"])), id2]);
  const exec = script(`${RUNTS} --root ${runts.root} exec -t ${id2} /bin/probe term`);
  assert.equal(exec.status, 0, exec.stdout + exec.stderr);
  assert.match(term(exec.stdout).tty, /^\/dev\/pts\/\d+$/);
  assert.equal(script(`${RUNTS} --root ${runts.root} exec -t ${id2} /bin/probe exit 9`).status, 9);
  runts.ok(["delete", "--force", id2]);
});

test("runc's refusals: a detached tty without a console socket, a console socket without a tty; a socket nobody listens on", { skip }, () => {
  assert.match(createFails(runts, ttyConfig(["/bin/probe", "term"])), /cannot allocate tty if runts will detach without setting console socket/);
  const c = defaultConfig(["/bin/probe", "term"]);
  const id = newId("tty");
  const r = runts.run(["create", "--console-socket", "/tmp/x.sock", "--bundle", bundle(c), id]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /cannot use console socket if runts will not detach or allocate tty/);
  const gone = path.join(work, "nobody-listens.sock");
  const before = leftovers(runts);
  const id2 = newId("tty");
  const r2 = runts.run(["create", "--console-socket", gone, "--bundle", bundle(ttyConfig(["/bin/probe", "term"])), id2]);
  assert.equal(r2.status, 1);
  assert.match(r2.stderr, new RegExp(`connect to the console socket \`${gone}\`: no such file or directory`));
  assertNothingLeft(runts, before, id2);
});
