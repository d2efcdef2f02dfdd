// build/Release/host.node (native/host.c): what runts needs inside Node that
// Node lacks. Loaded on first use: state and list never load it.
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

/**
 * process.dlopen, not require: require's resolution (createRequire, the
 * module cache, the extension table) cost 1.6 ms more per call than the
 * dlopen itself (measured: 2.0 against 0.4 ms), and `kill` pays it
 */
export function addon(): HostAddon {
  if (!loaded) {
    const m = { exports: {} };
    process.dlopen(m, path.join(packageRoot(), "build", "Release", "host.node"));
    loaded = m.exports as HostAddon;
  }
  return loaded;
}
