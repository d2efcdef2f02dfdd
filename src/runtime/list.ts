import type { Host } from "../host/host.js";
import { isKind } from "./errors.js";
import { creatingRecord, stateJson, statusOf, type OciState } from "./status.js";

export type ListFormat = "table" | "json" | "quiet";

/** `list`: the state of every container under --root, sorted by id. */
export async function list(host: Host): Promise<OciState[]> {
  const states: OciState[] = [];
  for (const id of host.store.list()) {
    const s = stateOrGone(host, id);
    if (s) states.push(s);
  }
  return states;
}

// A container deleted while we list is simply not listed (runc does the same).
function stateOrGone(host: Host, id: string): OciState | undefined {
  try {
    const record = host.store.read(id);
    return stateJson(record ?? creatingRecord(id), statusOf(record, host));
  } catch (err) {
    if (isKind(err, "not-exist")) return undefined;
    throw err;
  }
}

export function formatList(states: OciState[], format: ListFormat): string {
  if (format === "quiet") return states.map((s) => `${s.id}\n`).join("");
  // runc prints `null` for no containers (a nil Go slice); an empty array is what it means.
  if (format === "json") return `${JSON.stringify(states)}\n`;
  const rows = states.map((s) => [s.id, String(s.pid), s.status, s.bundle, s.created, s.owner]);
  return tabulate([["ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"], ...rows]);
}

/**
 * Go's text/tabwriter as runc configures it (minwidth 12, padding 3, spaces):
 * every column but the last is max(12, widest cell + 3) wide.
 */
export function tabulate(rows: string[][]): string {
  const widths = rows[0].slice(0, -1).map((_, col) => Math.max(12, ...rows.map((r) => r[col].length + 3)));
  const line = (r: string[]): string => r.map((cell, col) => (col < widths.length ? cell.padEnd(widths[col]) : cell)).join("");
  return rows.map((r) => `${line(r)}\n`).join("");
}
