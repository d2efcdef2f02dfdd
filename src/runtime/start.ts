/**
 * start.ts: release a created container. The init waits in accept() on
 * <state>/exec.sock (native/child.c); we connect, remove the socket (from
 * now on the status is "running") and read: EOF means execve succeeded,
 * because the connection is close-on-exec; an ERROR frame means it failed.
 * The init runs the startContainer hooks before execve; the poststart hooks
 * run here, after it.
 */
import { accessSync, constants, unlinkSync } from "node:fs";
import { net } from "../host/builtins.js";
import path from "node:path";
import type { Host } from "../host/host.js";
import type { ContainerRecord } from "../host/state.js";
import { describeFailure } from "../native/messages.js";
import { decodeFailure, FrameReader, Msg, StepId, type InitFailure } from "../native/wire.js";
import type { Lock } from "../host/lock.js";
import { deleteLocked } from "./delete.js";
import { fault, killSelf } from "./fault.js";
import { RuntimeError, describe, isKind, notExist } from "./errors.js";
import { hookState, runHooks, type Warn } from "./hooks.js";
import { signalIfAlive } from "./kill.js";
import { withLock } from "./locked.js";
import { statusOf } from "./status.js";

/** Locked: two starts must not both find "created" and both connect to the init. */
export async function start(host: Host, id: string, warn: Warn = () => undefined): Promise<void> {
  await withLock(host, id, "exclusive", (lock) => startLocked(host, id, lock, warn));
}

async function startLocked(host: Host, id: string, lock: Lock, warn: Warn): Promise<void> {
  const record = host.store.read(id);
  const status = statusOf(record, host);
  if (record === null) throw new RuntimeError(`cannot start container \`${id}\`: it is still being created`);
  // runc's words (libcontainer/container_linux.go)
  if (status === "stopped") throw new RuntimeError("cannot start a container that has stopped");
  if (status === "paused") throw new RuntimeError("cannot start a container in the paused state");
  if (status !== "created") throw new RuntimeError("cannot start an already running container");
  fault("start.before-connect");
  checkWritable(record.execSocket, id);
  try {
    await release(record.execSocket, id, () => signalIfAlive(host, record, SIGKILL), () => statusOf(record, host) === "stopped");
    await runHooks("poststart", record.spec?.hooks?.poststart, hookState(record, "running", record.pid));
  } catch (err) {
    // runtime.md, lifecycle steps 7 and 9: if a startContainer or poststart hook
    // fails, "the runtime MUST generate an error, stop the container, and
    // continue the lifecycle at step 12": destroyed, then the poststop hooks
    if (isKind(err, "hook")) await stopAndDestroy(host, record, lock, warn);
    throw err;
  }
}

async function stopAndDestroy(host: Host, record: ContainerRecord, lock: Lock, warn: Warn): Promise<void> {
  try {
    await deleteLocked(host, record.id, lock, { force: true, warn });
  } catch (err) {
    warn(`destroy container \`${record.id}\` after its hook failed: ${describe(err)}`);
  }
}

const SIGKILL = 9;

/** start removes the exec socket (the status is "running" from then on): a
 * state dir it cannot write in is refused before the init is released */
function checkWritable(socket: string, id: string): void {
  try {
    accessSync(path.dirname(socket), constants.W_OK);
  } catch (err) {
    throw new RuntimeError(`cannot start container \`${id}\`: its state dir is not writable: ${describe(err)}`, { cause: err });
  }
}

/** connect to the waiting init and remove its socket; `stop` kills the init
 * when that fails once it is released, so a failed start never leaves a
 * container running behind a "created" status */
function release(socket: string, id: string, stop: () => void, stopped: () => boolean): Promise<void> {
  // relative to its dir: sun_path is 108 bytes, state dirs can be longer
  process.chdir(path.dirname(socket));
  return new Promise((resolve, reject) => {
    const reader = new FrameReader();
    let failure: InitFailure | undefined;
    let connectError: string | undefined;
    const conn = net().connect(path.basename(socket));
    conn.on("connect", () => {
      try {
        unlinkSync(path.basename(socket));
        fault("start.connected");
      } catch (err) {
        connectError ??= describe(err);
        stop();
        conn.destroy();
      }
    });
    conn.on("data", (chunk: Buffer) => {
      for (const f of reader.push(chunk)) {
        if (f.type === Msg.ERROR) failure ??= decodeFailure(f.payload);
        if (f.type === Msg.FAULT) killSelf();
      }
    });
    let refused = false;
    conn.on("error", (err) => {
      const code = (err as NodeJS.ErrnoException).code;
      // the socket is there but nobody listens: the init died after our
      // status check (a kill holds no lock), and the answer is the one a
      // start just after the kill gets (load.test.ts races them)
      refused ||= code === "ECONNREFUSED" && stopped();
      connectError ??= code === "ENOENT" ? notExist(id).message : `connect to the container's init: ${describe(err)}`;
    });
    conn.on("close", () => {
      if (failure) reject(new RuntimeError(`unable to start container process: ${describeFailure(failure)}`, { kind: hookStep(failure) ? "hook" : undefined }));
      else if (refused) reject(new RuntimeError("cannot start a container that has stopped"));
      else if (connectError) reject(new RuntimeError(`unable to start container process: ${connectError}`));
      else resolve();
    });
  });
}

function hookStep(f: InitFailure): boolean {
  return f.step === StepId.HOOK_START_CONTAINER || f.step === StepId.HOOK_CREATE_CONTAINER;
}
