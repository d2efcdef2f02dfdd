/** bundle.ts: read and check config.json before anything on the host changes. */
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseConfig } from "../spec/validate.js";
import type { Spec } from "../spec/types.js";
import { RuntimeError, describe, errnoCode } from "./errors.js";

export function loadSpec(bundle: string): Spec {
  const file = path.join(bundle, "config.json");
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    // runc: "JSON specification file config.json not found"
    if (errnoCode(err) === "ENOENT") throw new RuntimeError(`bundle \`${bundle}\`: JSON specification file config.json not found`);
    throw new RuntimeError(`read ${describe(err)}`, { cause: err });
  }
  return parseConfig(text, "config.json");
}
