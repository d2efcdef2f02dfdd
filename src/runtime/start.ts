/**
 * start.ts: release a created container. The init waits in accept() on
 * <state>/exec.sock (native/child.c); we connect, remove the socket (from
 * now on the status is "running") and read: EOF means execve succeeded,
 * because the connection is close-on-exec; an ERROR frame means it failed.
 */
import { unlinkSync } from "node:fs";
import { connect } from "node:net";
import path from "node:path";
import type { Host } from "../host/host.js";
import { describeFailure } from "../native/messages.js";
import { decodeFailure, FrameReader, Msg } from "../native/wire.js";
import { RuntimeError, describe, notExist } from "./errors.js";
import { statusOf } from "./status.js";

export async function start(host: Host, id: string): Promise<void> {
  const record = host.store.read(id);
  const status = statusOf(record, host);
  if (record === null) throw new RuntimeError(`cannot start container \`${id}\`: it is still being created`);
  // runc's words (libcontainer/container_linux.go)
  if (status === "stopped") throw new RuntimeError("cannot start a container that has stopped");
  if (status === "paused") throw new RuntimeError("cannot start a container in the paused state");
  if (status !== "created") throw new RuntimeError("cannot start an already running container");
  await release(record.execSocket, id);
}

function release(socket: string, id: string): Promise<void> {
  // relative to its dir: sun_path is 108 bytes, state dirs can be longer
  process.chdir(path.dirname(socket));
  return new Promise((resolve, reject) => {
    const reader = new FrameReader();
    let failure: string | undefined;
    const conn = connect(path.basename(socket));
    conn.on("connect", () => unlinkSync(path.basename(socket)));
    conn.on("data", (chunk: Buffer) => {
      for (const f of reader.push(chunk))
        if (f.type === Msg.ERROR) failure = describeFailure(decodeFailure(f.payload));
    });
    conn.on("error", (err) => {
      failure ??= (err as NodeJS.ErrnoException).code === "ENOENT" ? notExist(id).message : `connect to the container's init: ${describe(err)}`;
    });
    conn.on("close", () => (failure ? reject(new RuntimeError(`unable to start container process: ${failure}`)) : resolve()));
  });
}
