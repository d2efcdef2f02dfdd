// runts create [--bundle B] [--pid-file F] [--console-socket S] [--no-pivot]
//              [--no-new-keyring] [--preserve-fds N] <container-id>
// Sets up the container and leaves its init blocked until `runts start`.
// Prints nothing on stdout (containerd reads none).
import { create as createContainer } from "../../runtime/create.js";
import { boolFlag, stringFlag, type CommandSpec, type FlagSpec } from "../table.js";
import { countFlag } from "./flags.js";

export const createFlags: FlagSpec[] = [
  { name: "bundle", short: "b", type: "string", valueName: "value", help: "path to the root of the bundle directory, defaults to the current directory" },
  { name: "console-socket", type: "string", valueName: "value", help: "path to an AF_UNIX socket which will receive the pty master" },
  { name: "pid-file", type: "string", valueName: "value", help: "specify the file to write the process id to" },
  { name: "no-pivot", type: "boolean", help: "do not use pivot root to jail process inside rootfs" },
  { name: "no-new-keyring", type: "boolean", help: "do not create a new session keyring for the container" },
  { name: "preserve-fds", type: "string", valueName: "value", default: "0", help: "pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total)" },
];

export const create: CommandSpec = {
  name: "create",
  usage: "create [command options] <container-id>",
  summary: "create a container",
  flags: createFlags,
  minArgs: 1,
  maxArgs: 1,
  async run({ host, flags, globals, log, args: [id] }) {
    await createContainer(host, {
      id,
      bundle: stringFlag(flags, "bundle") ?? process.cwd(),
      pidFile: stringFlag(flags, "pid-file"),
      consoleSocket: stringFlag(flags, "console-socket"),
      noPivot: boolFlag(flags, "no-pivot"),
      noNewKeyring: boolFlag(flags, "no-new-keyring"),
      preserveFds: countFlag(flags, "preserve-fds"),
      systemdCgroup: globals.systemdCgroup,
      warn: (msg) => log.warn(msg),
    });
    return 0;
  },
};
