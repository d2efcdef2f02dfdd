// runts run [--bundle B] [--detach] [--pid-file F] [--console-socket S] [--no-pivot]
//           [--no-new-keyring] [--preserve-fds N] <container-id>
// Creates and starts a container. In the foreground, exits with the
// container process's status (128+signal when killed) and deletes it.
import { run as runContainer } from "../../runtime/run.js";
import { boolFlag, stringFlag, type CommandSpec } from "../table.js";
import { createFlags } from "./create.js";
import { countFlag } from "./flags.js";

export const run: CommandSpec = {
  name: "run",
  usage: "run [command options] <container-id>",
  summary: "create and run a container",
  flags: [
    ...createFlags,
    { name: "detach", short: "d", type: "boolean", help: "detach from the container's process" },
  ],
  minArgs: 1,
  maxArgs: 1,
  async run({ host, flags, globals, log, args: [id] }) {
    return runContainer(host, {
      id,
      bundle: stringFlag(flags, "bundle") ?? process.cwd(),
      pidFile: stringFlag(flags, "pid-file"),
      consoleSocket: stringFlag(flags, "console-socket"),
      noPivot: boolFlag(flags, "no-pivot"),
      noNewKeyring: boolFlag(flags, "no-new-keyring"),
      preserveFds: countFlag(flags, "preserve-fds"),
      detach: boolFlag(flags, "detach"),
      systemdCgroup: globals.systemdCgroup,
      warn: (msg) => log.warn(msg),
    });
  },
};
