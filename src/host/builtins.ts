// Node built-ins that only some commands use, loaded on their first use.
// Why: a module-level import is evaluated on every call, and node:crypto,
// node:child_process and node:net (with the streams they pull in) are not
// in Node's start-up snapshot: requiring them cost ~3 ms and ~3 MB on every
// call, more than all of runts' own code (profiled with --cpu-prof on
// `runts --version`), while `state`, `kill`, `list` and `delete` use none.
import { createRequire } from "node:module";

// any absolute path will do: only built-ins are required through it
const load = createRequire("/");

function lazy<T>(name: string): () => T {
  let mod: T | undefined;
  return () => (mod ??= load(name) as T);
}

export const childProcess = lazy<typeof import("node:child_process")>("node:child_process");
export const crypto = lazy<typeof import("node:crypto")>("node:crypto");
export const net = lazy<typeof import("node:net")>("node:net");

/** setTimeout as a promise, without node:timers/promises: that module is
 * not in Node's snapshot either, and every call loaded it for a sleep that
 * only delete, pause and a lock wait use (its cost is below this machine's
 * noise: 0-0.8 ms) */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
