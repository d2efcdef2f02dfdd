// Every way a create can fail: the error a person reads, and that nothing is
// left behind — no state dir, no init process, no mount, no open fd under
// the state root — whether the config is invalid, the container's setup
// fails, or runts itself is killed half-way.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import { assertNothingLeft, bundle, createFails, defaultConfig, leftovers, missing, newId, Runts, waitFor, work } from "./harness.js";

const skip = missing() ?? undefined;
const runts = skip ? undefined! : new Runts();
after(() => runts?.cleanup());

const failsCleanly = (config: object, args: string[] = []) => createFails(runts, config, args);

test("an invalid config: every problem with its JSON path, before the host is touched", { skip }, () => {
  const c = defaultConfig(["/bin/probe", "exit", "0"]);
  c.linux.namespaces[1].type = "bogus";
  c.process.cwd = "tmp";
  const msg = failsCleanly(c);
  assert.match(msg, /^config\.json: \/process\/cwd: must be an absolute path; /);
  assert.match(msg, /\/linux\/namespaces\/1\/type: must be one of pid, network, mount, ipc, uts, user, cgroup, time/);
});

test("--log-format json: exactly one error record, the same message as stderr", { skip }, () => {
  const log = path.join(work, `log-${process.pid}.json`);
  const c = defaultConfig(["/bin/probe", "exit", "0"]);
  delete c.process.args;
  const msg = failsCleanly(c, ["--log", log, "--log-format", "json"]);
  const lines = readFileSync(log, "utf8").split("\n").filter(Boolean);
  assert.equal(lines.length, 1, "podman parses the whole file as one object");
  const rec = JSON.parse(lines[0]);
  assert.deepEqual(Object.keys(rec), ["level", "msg", "time"]);
  assert.equal(rec.level, "error");
  assert.equal(rec.msg, msg);
  assert.match(rec.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
});

test("a missing executable is a create-time error naming the path", { skip }, () => {
  assert.equal(
    failsCleanly(defaultConfig(["/bin/nope", "x"])),
    'unable to start container process: exec: "/bin/nope": stat /bin/nope: no such file or directory',
  );
  assert.equal(
    failsCleanly(defaultConfig(["nope"])),
    'unable to start container process: exec: "nope": executable file not found in $PATH',
  );
});

test("a file that is not executable: permission denied (clients map it to 126)", { skip }, () => {
  assert.match(failsCleanly(defaultConfig(["/etc/passwd"])), /exec: "\/etc\/passwd": .*permission denied$/);
});

test("a bind mount of a missing source names the source, the destination and the config entry", { skip }, () => {
  const c = defaultConfig(["/bin/probe", "exit", "0"]);
  c.mounts.push({ destination: "/data", type: "bind", source: "/nonexistent-runts", options: ["rbind"] });
  const index = c.mounts.length - 1;
  assert.equal(
    failsCleanly(c),
    `unable to start container process: mount \`/nonexistent-runts\` on \`/data\` (bind) (config.json /mounts/${index}): no such file or directory`,
  );
});

test("a filesystem type the kernel does not know: the errno of mount(2)", { skip }, () => {
  const c = defaultConfig(["/bin/probe", "exit", "0"]);
  c.mounts.push({ destination: "/x", type: "nosuchfs", source: "none" });
  assert.match(failsCleanly(c), /mount `none` on `\/x` \(nosuchfs\) \(config\.json \/mounts\/\d+\): no such device$/);
});

test("a cwd that does not exist in the rootfs", { skip }, () => {
  const c = defaultConfig(["/bin/probe", "exit", "0"]);
  c.process.cwd = "/no/such/dir";
  assert.equal(failsCleanly(c), "unable to start container process: chdir to the cwd `/no/such/dir`: no such file or directory");
});

test("id maps that the kernel refuses: the write names the file", { skip }, () => {
  const c = defaultConfig(["/bin/probe", "exit", "0"]);
  c.linux.namespaces.push({ type: "user" });
  c.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 10 }, { containerID: 5, hostID: 200000, size: 10 }];
  c.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 10 }];
  assert.match(failsCleanly(c), /write the user namespace id mappings: write `\/proc\/\d+\/uid_map`: invalid argument/);
});

test("runts killed at any moment of create: state tells the truth, delete --force leaves nothing", { skip }, async () => {
  const before = leftovers(runts);
  for (const delay of [0, 5, 10, 20, 30, 40, 60, 80, 120]) {
    const id = newId(`crash${delay}`);
    const child = runts.spawn(["create", "--bundle", bundle(defaultConfig(["/bin/probe", "exit", "0"])), id]);
    const exited = new Promise((r) => child.on("exit", r));
    await new Promise((r) => setTimeout(r, delay));
    child.kill("SIGKILL");
    await exited;
    // the init cleans up after a runts that died before recording the state
    await waitFor(() => leftovers(runts).inits.length === before.inits.length || /"created"/.test(runts.run(["state", id]).stdout), 2000);
    const st = runts.run(["state", id]);
    // stopped: killed after the state dir was reserved and before the init
    // existed (faults.test.ts: SIGKILLed at create.reserved or create.cgroup)
    if (st.status === 0) assert.match(JSON.parse(st.stdout).status, /^(created|creating|stopped)$/, `after ${delay} ms`);
    else assert.match(st.stderr, /container does not exist/, `after ${delay} ms`);
    assert.equal(runts.run(["delete", "--force", id]).status, 0);
    assertNothingLeft(runts, before, id);
  }
});

test("the init killed before start (by the pid in the pid file): stopped, start and exec refused, delete leaves nothing", { skip }, async () => {
  const before = leftovers(runts);
  const id = newId("initdied");
  const b = bundle(defaultConfig(["/bin/probe", "exit", "0"]));
  runts.ok(["create", "--pid-file", path.join(b, "init.pid"), "--bundle", b, id]);
  process.kill(Number(readFileSync(path.join(b, "init.pid"), "utf8")), "SIGKILL");
  assert.ok(await waitFor(() => runts.state(id).status === "stopped"), "stopped once the init is gone");
  const start = runts.run(["start", id]);
  assert.equal(start.status, 1);
  assert.match(start.stderr, /cannot start a container that has stopped/);
  assert.match(runts.run(["exec", id, "/bin/probe", "exit", "0"]).stderr, /cannot exec in a stopped container/);
  assert.match(runts.run(["kill", id, "KILL"]).stderr, /container not running/);
  runts.ok(["kill", "--all", id, "9"]); // what CRI sends after every exit
  runts.ok(["delete", id]);
  assertNothingLeft(runts, before, id);
});
