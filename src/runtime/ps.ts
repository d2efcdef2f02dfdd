/**
 * ps.ts: the container's processes, from its cgroup. JSON is the bare pid
 * list (containerd's `top`); the table is ps(1)'s own output cut down to
 * those pids, header kept, as runc does.
 */
import { childProcess } from "../host/builtins.js";
import { existsSync } from "node:fs";
import type { Host } from "../host/host.js";
import { validateId } from "../host/state.js";
import { containerPids } from "./cgroup.js";
import { RuntimeError, describe } from "./errors.js";

export function containerPidList(host: Host, id: string): number[] {
  validateId(id);
  const record = host.store.read(id);
  return record ? containerPids(record.cgroup, host.cgroups) : [];
}

/** ps(1)'s lines whose PID column is one of `pids` */
export function psTable(pids: number[], psArgs: string[]): string {
  const out = runPs(psArgs.length > 0 ? psArgs : ["-ef"]);
  const [header, ...lines] = out.split("\n");
  const column = header.trim().split(/\s+/).indexOf("PID");
  if (column < 0) throw new RuntimeError("couldn't find PID field in ps output");
  const wanted = new Set(pids.map(String));
  const mine = lines.filter((l) => wanted.has(l.trim().split(/\s+/)[column]));
  return [header, ...mine].join("\n") + "\n";
}

/** clients may give us no PATH at all (podman passes almost no environment) */
const PS_PATHS = ["/usr/bin/ps", "/bin/ps"];

function runPs(args: string[]): string {
  const bin = PS_PATHS.find((p) => existsSync(p)) ?? "ps";
  const r = childProcess().spawnSync(bin, args, { encoding: "utf8" });
  if (r.error) throw new RuntimeError(`run \`${bin}\`: ${describe(r.error)}`, { cause: r.error });
  if (r.status !== 0) throw new RuntimeError(`\`${bin} ${args.join(" ")}\` failed: ${r.stderr.trim() || `exit status ${r.status}`}`);
  return r.stdout;
}
