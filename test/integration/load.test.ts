// Load: many runts calls at once, on many ids and on one id. Each call must
// end with a result a client can act on (success or one of runc's errors),
// `state` must never print a torn or made-up record, and nothing may be left
// behind: no state dir, no process in a container's cgroup, no cgroup, no
// mount, no fd under the state root. Other people run containers on this
// machine at the same time, so every check looks only at this file's ids.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, existsSync } from "node:fs";
import path from "node:path";
import { bundle, cgroupDirs, defaultConfig, missing, newId, openFdsUnder, Runts, waitFor, work, type Run } from "./harness.js";

const skip = missing() ?? undefined;
const runts = skip ? undefined! : new Runts();
after(() => runts?.cleanup());

/** newId("load") makes `it-load-<our pid>-N`: what belongs to this file */
const OURS = `it-load-${process.pid}-`;

interface Mine { stateDirs: string[]; procs: string[]; cgroups: string[]; mounts: number; openUnderRoot: string[] }

function mine(): Mine {
  return {
    stateDirs: existsSync(runts.root) ? readdirSync(runts.root).sort() : [],
    procs: procsInOurCgroups(),
    cgroups: cgroupDirs().filter((d) => d.includes(`/${OURS}`)),
    mounts: readFileSync("/proc/self/mountinfo", "utf8").split("\n").length,
    openUnderRoot: openFdsUnder(runts.root),
  };
}

/**
 * "pid comm" of every live process in a cgroup of one of our containers (a
 * waiting init, a container's process). Zombies do not count: a killed
 * container's init is reparented to the host's pid 1 (or a subreaper such as
 * containerd's shim), whose business reaping it is, as with runc; this
 * machine's pid 1 reaps only now and then.
 */
function procsInOurCgroups(): string[] {
  const found: string[] = [];
  for (const pid of readdirSync("/proc").filter((e) => /^\d+$/.test(e))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
      if (state !== "Z" && readFileSync(`/proc/${pid}/cgroup`, "utf8").includes(`/${OURS}`)) found.push(`${pid} ${stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"))}`);
    } catch { /* gone meanwhile */ }
  }
  return found;
}

function assertNothingOfOursLeft(before: Mine): void {
  const now = mine();
  assert.deepEqual(now.stateDirs, before.stateDirs, "no state dir (nor a half-removed one) under the root");
  assert.deepEqual(now.procs, [], "no process left in a container's cgroup");
  assert.deepEqual(now.cgroups, [], "no cgroup left");
  assert.equal(now.mounts, before.mounts, "no mount left on the host");
  assert.deepEqual(now.openUnderRoot, [], "no fd open under the state root");
}

function sleeper(): string {
  return bundle(defaultConfig(["/bin/probe", "sleep", "60"]));
}

/** the call failed with exactly one line on stderr, matching one of these */
function failedWith(r: Run, allowed: RegExp[], what: string): void {
  assert.equal(r.status, 1, `${what}: ${r.stderr}`);
  const lines = r.stderr.trim().split("\n");
  assert.equal(lines.length, 1, `${what}: one line on stderr: ${r.stderr}`);
  assert.ok(allowed.some((re) => re.test(lines[0])), `${what}: unexpected error: ${lines[0]}`);
}

test("50 containers created, started and deleted at once: all succeed, nothing is left", { skip }, async () => {
  const before = mine();
  const b = sleeper();
  const cycle = async (id: string): Promise<void> => {
    for (const args of [["create", "--bundle", b, id], ["start", id], ["delete", "--force", id]]) {
      const r = await runts.runAsync(args);
      assert.equal(r.status, 0, `runts ${args.join(" ")}: ${r.stderr}`);
      assert.equal(r.stdout, "", `runts ${args[0]} prints nothing`);
    }
  };
  const results = await Promise.allSettled(Array.from({ length: 50 }, () => cycle(newId("load"))));
  const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected").map((r) => String(r.reason));
  assert.deepEqual(failed, []);
  assertNothingOfOursLeft(before);
});

test("20 creates of one id at once: one wins, the others are told the id exists", { skip }, async () => {
  const before = mine();
  const id = newId("load");
  const b = sleeper();
  const runs = await Promise.all(Array.from({ length: 20 }, () => runts.runAsync(["create", "--bundle", b, id])));
  const won = runs.filter((r) => r.status === 0);
  assert.equal(won.length, 1, `exactly one create wins: ${runs.map((r) => r.stderr.trim()).join(" | ")}`);
  for (const r of runs.filter((r) => r.status !== 0)) failedWith(r, [new RegExp(`container with id exists: \`${id}\``)], "losing create");
  assert.deepEqual(readdirSync(runts.root).filter((d) => d.startsWith(OURS)), [id], "one state dir");
  assert.equal(runts.state(id).status, "created");
  assert.equal(procsInOurCgroups().length, 1, "one waiting init");
  runts.ok(["delete", id]);
  assertNothingOfOursLeft(before);
});

test("20 starts of one created container at once: exactly one starts it", { skip }, async () => {
  const before = mine();
  const id = newId("load");
  runts.ok(["create", "--bundle", sleeper(), id]);
  const runs = await Promise.all(Array.from({ length: 20 }, () => runts.runAsync(["start", id])));
  assert.equal(runs.filter((r) => r.status === 0).length, 1, `exactly one start succeeds: ${runs.map((r) => r.stderr.trim()).join(" | ")}`);
  for (const r of runs.filter((r) => r.status !== 0)) failedWith(r, [/^cannot start an already running container$/], "second start");
  assert.equal(runts.state(id).status, "running");
  runts.ok(["delete", "--force", id]);
  assertNothingOfOursLeft(before);
});

// What each command may answer when the others change the container under it.
const ANSWERS: Record<string, RegExp[]> = {
  start: [/^cannot start an already running container$/, /^cannot start a container that has stopped$/, /container does not exist/],
  kill: [/container not running/, /container does not exist/],
  state: [/container does not exist/],
  delete: [],
};

/** state's output: the whole OCI state of this container, its status one a made container can have */
function checkState(r: Run, id: string): void {
  if (r.status !== 0) return failedWith(r, ANSWERS.state, "state");
  const s = JSON.parse(r.stdout); // throws on a torn record
  assert.equal(s.id, id);
  assert.ok(["created", "running", "stopped"].includes(s.status), `state of a made container: ${r.stdout}`);
  assert.equal(s.pid === 0, s.status === "stopped", `pid 0 exactly when stopped: ${r.stdout}`);
}

test("kill, delete --force, state and start on one id at once: each ends sensibly, nothing is left", { skip }, async () => {
  const before = mine();
  for (let round = 0; round < 10; round++) {
    const id = newId("load");
    runts.ok(["create", "--bundle", sleeper(), id]);
    const calls = [["start", id], ["kill", id, "KILL"], ["state", id], ["delete", "--force", id], ["start", id], ["state", id],
      ["kill", id], ["state", id], ["delete", "--force", id], ["state", id]];
    if (round % 2) calls.reverse();
    const runs = await Promise.all(calls.map((args) => runts.runAsync(args)));
    runs.forEach((r, i) => {
      const [cmd] = calls[i];
      if (cmd === "state") checkState(r, id);
      else if (r.status !== 0) failedWith(r, ANSWERS[cmd], `round ${round}: ${calls[i].join(" ")}`);
    });
    assert.ok(runs.filter((r, i) => calls[i][0] === "start" && r.status === 0).length <= 1, "started at most once");
    assert.match(runts.run(["state", id]).stderr, /container does not exist/, "delete --force removed it");
  }
  assertNothingOfOursLeft(before);
});

test("a foreground run whose container another runts deletes: the poststop hooks run once", { skip }, async () => {
  const before = mine();
  const id = newId("load");
  const log = path.join(work, `poststop-${id}`);
  const config = defaultConfig(["/bin/probe", "sleep", "60"]);
  config.hooks = { poststop: [{ path: "/bin/sh", args: ["sh", "-c", `echo "$$" >> ${log}`] }] };
  const run = runts.runAsync(["run", "--bundle", bundle(config), id]);
  assert.ok(await waitFor(() => runts.run(["state", id]).stdout.includes('"running"')), "running");
  runts.ok(["delete", "--force", id]);
  assert.equal((await run).status, 137, "run ends with its process, killed");
  assert.equal(readFileSync(log, "utf8").trim().split("\n").length, 1, "one poststop run, by the delete");
  assertNothingOfOursLeft(before);
});
