// runts spec [--bundle DIR] [--rootless]
// Writes a starter config.json into the bundle directory (default: the
// current one), as `runc spec` does: `sh` in a read-only `rootfs`, new
// namespaces, three capabilities. Refuses to replace a config.json.
// --rootless maps root in the container to the caller's uid and gid.
import { writeSpec } from "../../runtime/spec.js";
import { boolFlag, stringFlag, type CommandSpec } from "../table.js";

export const spec: CommandSpec = {
  name: "spec",
  usage: "spec [command options]",
  summary: "create a new specification file",
  flags: [
    { name: "bundle", short: "b", type: "string", help: "path to the root of the bundle directory" },
    { name: "rootless", type: "boolean", help: "generate a configuration for a rootless container" },
  ],
  minArgs: 0,
  maxArgs: 0,
  async run({ flags }) {
    const caller = { uid: process.geteuid!(), gid: process.getegid!() };
    writeSpec(stringFlag(flags, "bundle") || ".", boolFlag(flags, "rootless") ? caller : undefined);
    return 0;
  },
};
