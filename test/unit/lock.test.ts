// The per-container lock (src/host/lock.ts), between real processes: each
// "runts" here is a Node process holding a StateStore on the same root.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { StateStore } from "../../src/host/state.js";
import { record } from "./fake-host.js";

const STATE_JS = fileURLToPath(new URL("../../src/host/state.js", import.meta.url));

/**
 * Another process that takes the lock of `id` and says "locked" (or
 * "error: ..."), then on a line "remove" removes the container, and on
 * "exit" (or a closed stdin) exits, which drops the lock.
 */
function locker(root: string, id: string, mode: "shared" | "exclusive" = "exclusive") {
  const script = `
    import { StateStore } from ${JSON.stringify(STATE_JS)};
    import { createInterface } from "node:readline";
    const store = new StateStore(${JSON.stringify(root)});
    let lock;
    try { lock = store.lock(${JSON.stringify(id)}, ${JSON.stringify(mode)}); console.log("locked"); }
    catch (err) { console.log("error: " + err.message); process.exit(0); }
    createInterface({ input: process.stdin }).on("line", (l) => {
      if (l === "remove") { store.remove(${JSON.stringify(id)}, lock); console.log("removed"); }
      if (l === "exit") process.exit(0);
    }).on("close", () => process.exit(0));`;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["pipe", "pipe", "inherit"] });
  const lines: string[] = [];
  let buf = "";
  child.stdout!.on("data", (d) => {
    buf += d;
    for (let i; (i = buf.indexOf("\n")) >= 0; buf = buf.slice(i + 1)) lines.push(buf.slice(0, i));
  });
  const exited = new Promise<void>((r) => child.on("exit", () => r()));
  return {
    child, lines, exited,
    said: (line: string) => waitUntil(() => lines.includes(line) || lines.some((l) => l.startsWith("error:")), child),
    send: (line: string) => child.stdin!.write(`${line}\n`),
  };
}

async function waitUntil(cond: () => boolean, child: ChildProcess, ms = 10_000): Promise<void> {
  for (const end = Date.now() + ms; !cond(); await new Promise((r) => setTimeout(r, 5))) {
    if (Date.now() > end || child.exitCode !== null && !cond()) throw new Error("the other process did not say it");
  }
}

/** long enough for a waiter to have taken a free lock many times over (it polls every 25 ms at most) */
const SETTLE_MS = 300;
const settle = () => new Promise((r) => setTimeout(r, SETTLE_MS));

function store(t: { after(fn: () => void): void }): StateStore {
  const root = mkdtempSync(join(tmpdir(), "runts-lock-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  return new StateStore(join(root, "state"));
}

test("a second runts waits while the first holds the lock, and gets it when the first lets go", async (t) => {
  const s = store(t);
  s.reserve("c1").release();
  const a = locker(s.root, "c1");
  await a.said("locked");
  const b = locker(s.root, "c1");
  await settle();
  assert.deepEqual(b.lines, [], "b waits");
  a.send("exit");
  await b.said("locked");
  b.send("exit");
  await b.exited;
});

test("the lock goes with its holder: a runts killed while holding it does not block the next", async (t) => {
  const s = store(t);
  s.reserve("c1").release();
  const a = locker(s.root, "c1");
  await a.said("locked");
  a.child.kill("SIGKILL");
  const b = locker(s.root, "c1");
  await b.said("locked");
  b.send("exit");
});

test("shared locks (exec) hold together; an exclusive one waits for all of them", async (t) => {
  const s = store(t);
  s.reserve("c1").release();
  const [x, y] = [locker(s.root, "c1", "shared"), locker(s.root, "c1", "shared")];
  await x.said("locked");
  await y.said("locked");
  const z = locker(s.root, "c1");
  await settle();
  assert.deepEqual(z.lines, []);
  x.send("exit");
  await settle();
  assert.deepEqual(z.lines, [], "still one shared holder");
  y.send("exit");
  await z.said("locked");
  z.send("exit");
});

test("create holds the lock from mkdir on: a kill or delete of the new id waits for it", async (t) => {
  const s = store(t);
  const lock = s.reserve("c1");
  const b = locker(s.root, "c1");
  await settle();
  assert.deepEqual(b.lines, []);
  s.write(record("c1"));
  lock.release();
  await b.said("locked");
  b.send("exit");
});

test("a waiter whose container is deleted meanwhile is told it does not exist", async (t) => {
  const s = store(t);
  s.reserve("c1").release();
  const a = locker(s.root, "c1");
  await a.said("locked");
  const b = locker(s.root, "c1");
  await settle();
  a.send("remove");
  await a.said("removed");
  a.send("exit");
  await b.exited;
  assert.deepEqual(b.lines, ["error: container does not exist: `c1`"]);
});

test("a waiter whose id is deleted and made again gets the new container's lock, after its create", async (t) => {
  const s = store(t);
  s.reserve("c1").release();
  const a = locker(s.root, "c1");
  await a.said("locked");
  const b = locker(s.root, "c1");
  await settle();
  a.send("remove");
  await a.said("removed");
  const made = s.reserve("c1"); // a new create of the same id
  a.send("exit");
  await settle();
  assert.deepEqual(b.lines, [], "waits for the new create, not the old lock");
  made.release();
  await b.said("locked");
  b.send("exit");
});

test("lock of an unknown id is `container does not exist`; of a bad id `invalid container ID format`", (t) => {
  const s = store(t);
  assert.throws(() => s.lock("nope"), { message: "container does not exist: `nope`" });
  assert.throws(() => s.lock("../x"), { message: "invalid container ID format: `../x`" });
});

test("remove under a lock leaves a newer container of the same id alone", (t) => {
  const s = store(t);
  const old = s.reserve("c1");
  // runts-init removes a failed create's dir by path; a new create may then take the id
  rmSync(old.dir, { recursive: true });
  s.reserve("c1").release();
  s.write(record("c1", { pid: 2 }));
  s.remove("c1", old);
  old.release();
  assert.equal(s.read("c1")?.pid, 2);
});

test("remove takes the whole dir away at once and leaves nothing in the root", (t) => {
  const s = store(t);
  const lock = s.reserve("c1");
  s.write(record("c1"));
  s.remove("c1", lock);
  lock.release();
  assert.equal(existsSync(join(s.root, "c1")), false);
  assert.deepEqual(readdirSync(s.root), [], "no .deleted~ dir left");
});
