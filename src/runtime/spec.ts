/**
 * spec.ts: `runts spec` writes the starter config.json (src/spec/default.ts)
 * into a bundle directory, never over one that is there.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { defaultSpec, formatSpec, type Caller } from "../spec/default.js";
import { describe, errnoCode, RuntimeError } from "./errors.js";

export function writeSpec(bundle: string, rootless?: Caller): void {
  const file = path.join(bundle, "config.json");
  try {
    // O_EXCL: a config.json that appears meanwhile is not overwritten either
    writeFileSync(file, formatSpec(defaultSpec(rootless)), { flag: "wx", mode: 0o666 });
  } catch (err) {
    // runc's words, which people know
    if (errnoCode(err) === "EEXIST") throw new RuntimeError("File config.json exists. Remove it first", { cause: err });
    throw new RuntimeError(describe(err), { cause: err });
  }
}
