/**
 * pause.ts: `pause ID` and `resume ID` through the cgroup freezer
 * (freezer.state on v1, cgroup.freeze on v2). runc's rules: a created or
 * running container can be paused; only a paused one resumed.
 */
import type { Host } from "../host/host.js";
import { setFrozen } from "../host/cgroupfs.js";
import { validateId } from "../host/state.js";
import { RuntimeError, notRunning } from "./errors.js";
import { cgroupOf } from "./cgroup.js";
import { withLock } from "./locked.js";
import { statusOf } from "./status.js";

// both locked: a pause must not freeze an exec half-way into the container
export async function pause(host: Host, id: string): Promise<void> {
  validateId(id);
  await withLock(host, id, "exclusive", async () => {
    const record = host.store.read(id);
    const status = statusOf(record, host);
    if (status !== "running" && status !== "created") throw notRunning(id);
    await setFrozen(cgroupOf(record!, "to freeze"), true, host.cgroups);
  });
}

export async function resume(host: Host, id: string): Promise<void> {
  validateId(id);
  await withLock(host, id, "exclusive", async () => {
    const record = host.store.read(id);
    if (statusOf(record, host) !== "paused") throw new RuntimeError(`container not paused: \`${id}\``);
    await setFrozen(cgroupOf(record!, "to freeze"), false, host.cgroups);
  });
}

