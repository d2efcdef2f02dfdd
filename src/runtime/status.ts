// Container status, derived each time from the record and the live system —
// never stored, because the init can exit (or its pid be reused) at any moment.
import type { Host } from "../host/host.js";
import { emptyRecord, type ContainerRecord } from "../host/state.js";
import { isPaused } from "./cgroup.js";

export type Status = "creating" | "created" | "running" | "stopped" | "paused";

/** The OCI state object as `runc state` prints it. */
export interface OciState {
  ociVersion: string;
  id: string;
  pid: number;
  status: Status;
  bundle: string;
  rootfs: string;
  created: string;
  annotations?: Record<string, string>;
  owner: string;
}

/** A null record is a reserved dir without state.json yet: "creating". */
export function statusOf(record: ContainerRecord | null, host: Host): Status {
  if (record === null) return "creating";
  if (host.proc.liveness(record.pid, record.pidStartTime) === "gone") return "stopped";
  if (isPaused(record.cgroup, host.cgroups)) return "paused";
  // The init blocks on the exec socket until `start`, which removes it.
  return record.execSocket !== "" && host.exists(record.execSocket) ? "created" : "running";
}

/**
 * The state object with runc 1.1's key order (ociVersion, id, pid, status, bundle,
 * rootfs, created, annotations, owner — checked against /usr/sbin/runc), pid 0
 * once stopped, and annotations left out when empty (runc's `omitempty`).
 */
export function stateJson(record: ContainerRecord, status: Status): OciState {
  const annotations = record.annotations ?? {};
  return {
    ociVersion: record.ociVersion,
    id: record.id,
    pid: status === "stopped" || status === "creating" ? 0 : record.pid,
    status,
    bundle: record.bundle,
    rootfs: record.rootfs,
    created: record.created,
    ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
    owner: record.owner,
  };
}

/** What to report for a container still being created: only the id is known. */
export const creatingRecord = emptyRecord;
