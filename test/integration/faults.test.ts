// A failure or a crash at any step of create, start, exec and delete leaves
// nothing behind. The test-only switch (src/runtime/fault.ts) makes a named
// step fail (the command fails, saying where), or kills runts right there
// with SIGKILL; then `state` tells the truth, `delete --force` succeeds, and
// no state dir, cgroup, mount, runts-init, container process or open fd is
// left. failures.test.ts has the SIGKILL at a random moment of create and
// the real failures of each step.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server } from "node:net";
import path from "node:path";
import {
  assertNothingLeft, bundle, defaultConfig, existsSync, leftovers, missing, newId, Runts, waitFor, work,
  type Leftovers, type Run,
} from "./harness.js";

const skip = missing() ?? undefined;
const runts = skip ? undefined! : new Runts();
const servers: Server[] = [];
after(() => {
  runts?.cleanup();
  for (const s of servers) s.close();
});

function faultEnv(fault: string): NodeJS.ProcessEnv {
  return { ...process.env, RUNTS_TEST_FAULTS: "1", RUNTS_FAULT: fault };
}

/** a container that waits: its process sleeps once started */
function sleeper(): Record<string, any> {
  return defaultConfig(["/bin/probe", "sleep", "600"]);
}

/** a seccomp listener that accepts and holds the connection (runts-init connects before it clones) */
function listenerPath(): string {
  const sock = path.join(work, `listener-${process.pid}-${servers.length}.sock`);
  const server = createServer(() => undefined).listen(sock);
  servers.push(server);
  return sock;
}

/** what a step needs in the config to be reached at all */
const NEEDS: Record<string, (c: Record<string, any>) => void> = {
  "create.idmap-ack": userns,
  "init.idmapped": userns,
  "create.hooks-ack": (c) => { c.hooks = { createRuntime: [{ path: "/bin/true" }] }; },
  "create.seccomp-state": (c) => {
    c.linux.seccomp = { defaultAction: "SCMP_ACT_ALLOW", listenerPath: listenerPath(), syscalls: [{ names: ["mkdirat"], action: "SCMP_ACT_NOTIFY" }] };
  },
};

function userns(c: Record<string, any>): void {
  c.linux.namespaces.push({ type: "user" });
  c.linux.uidMappings = [{ containerID: 0, hostID: 500000, size: 65536 }];
  c.linux.gidMappings = [{ containerID: 0, hostID: 500000, size: 65536 }];
}

function configFor(step: string): Record<string, any> {
  const c = sleeper();
  NEEDS[step]?.(c);
  return c;
}

type After = "gone" | "stopped" | "created";

/** create's steps, in order, and what `state` says once runts was killed there and runts-init is done */
const CREATE_STEPS: Record<string, After> = {
  "create.validated": "gone",
  "create.reserved": "stopped", // nothing creates it any more: no process, a dir to delete
  "create.cgroup": "stopped",
  "init.decoded": "gone", // from here runts-init sees runts gone and removes it all
  "init.exec-socket": "gone",
  "init.cloned": "gone",
  "create.pid": "gone",
  "create.cgroup-ack": "gone",
  "init.cgroup-joined": "gone",
  "create.idmap-ack": "gone",
  "init.idmapped": "gone",
  "create.seccomp-state": "gone",
  "create.hooks-ack": "gone",
  "init.mounted": "gone",
  "init.before-ready": "gone",
  "create.state-written": "gone",
  "create.before-pid-file": "gone",
  "create.after-pid-file": "gone",
  "create.before-commit": "gone",
  "create.committed": "created", // runts-init was told: the container is there
  "init.committed": "created",
};

function oneLine(r: Run): string {
  assert.equal(r.stdout, "");
  assert.equal(r.stderr.trim().split("\n").length, 1, `one line on stderr: ${r.stderr}`);
  return r.stderr.trim();
}

/** wait until no runts-init of this create is left, or the container is created */
async function settled(before: Leftovers, id: string): Promise<void> {
  await waitFor(() => leftovers(runts).inits.length <= before.inits.length || runts.run(["state", id]).stdout.includes('"created"'), 5000);
}

/** what `state` says: a status, or "gone" for `container does not exist` */
function stateOf(id: string): string {
  const r = runts.run(["state", id]);
  if (r.status === 0) return JSON.parse(r.stdout).status;
  assert.match(r.stderr, /container does not exist/);
  return "gone";
}

function createArgs(step: string, id: string): string[] {
  const b = bundle(configFor(step));
  return ["create", "--pid-file", path.join(b, "init.pid"), "--bundle", b, id];
}

for (const [step, afterKill] of Object.entries(CREATE_STEPS)) {
  test(`create fails at \`${step}\`: the error says where, nothing is left`, { skip }, () => {
    const before = leftovers(runts);
    const id = newId("fault-c");
    const args = createArgs(step, id);
    const msg = oneLine(runts.run(args, { env: faultEnv(step) }));
    assert.match(msg, new RegExp(`injected fault at \`${step.replace(".", "\\.")}\` \\(RUNTS_FAULT\\)`));
    assertNothingLeft(runts, before, id);
    assert.equal(existsSync(args[2]), false, "no pid file of a container that is not there");
  });

  test(`runts SIGKILLed at \`${step}\` of create: state says ${afterKill}, delete --force leaves nothing`, { skip }, async () => {
    const before = leftovers(runts);
    const id = newId("fault-ck");
    const r = runts.run(createArgs(step, id), { env: faultEnv(`kill:${step}`) });
    assert.equal(r.signal, "SIGKILL", `runts was killed there: ${r.stderr}`);
    await settled(before, id);
    assert.equal(stateOf(id), afterKill);
    runts.ok(["delete", "--force", id]);
    assertNothingLeft(runts, before, id);
  });
}
