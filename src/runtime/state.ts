import type { Host } from "../host/host.js";
import { validateId } from "../host/state.js";
import { creatingRecord, stateJson, statusOf, type OciState } from "./status.js";

/** `state ID`: the OCI state of one container; throws `container does not exist`. */
export async function state(host: Host, id: string): Promise<OciState> {
  validateId(id);
  const record = host.store.read(id);
  return stateJson(record ?? creatingRecord(id), statusOf(record, host));
}

/** runc prints the object indented by two spaces and without a trailing newline. */
export function formatState(s: OciState): string {
  return JSON.stringify(s, null, 2);
}
