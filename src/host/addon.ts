// build/Release/host.node (native/host.c): what runts needs inside Node that
// Node lacks. Loaded on first use: state and list never load it.
import { createRequire } from "node:module";
import path from "node:path";
import { packageRoot } from "../runtime/launch.js";

export interface HostAddon {
  /** flock(2): 0 or -errno */
  flock(fd: number, op: number): number;
  /** start the thread that writes our pid to `procsFile` every 2 ms: 0 or -errno */
  keepJoinFast(procsFile: string): number;
  /** the thread stops within 2 ms and closes its fd */
  stopJoinFast(): void;
}

let loaded: HostAddon | undefined;

export function addon(): HostAddon {
  return (loaded ??= createRequire(path.join(packageRoot(), "package.json"))("./build/Release/host.node") as HostAddon);
}
