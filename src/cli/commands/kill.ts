// runts kill [--all] <container-id> [signal]
// Sends SIGNAL (a number, or a name like KILL / SIGKILL; default SIGTERM) to the
// container's init. A stopped container is `container not running`, except with
// --all, which CRI sends after every container exit and which must succeed.
import { kill as killContainer } from "../../runtime/kill.js";
import { boolFlag, type CommandSpec } from "../table.js";

export const kill: CommandSpec = {
  name: "kill",
  usage: "kill [command options] <container-id> [signal]",
  summary: "kill sends the specified signal (default: SIGTERM) to the container's init process",
  flags: [
    { name: "all", short: "a", type: "boolean", help: "send the specified signal to all processes inside the container" },
  ],
  minArgs: 1,
  maxArgs: 2,
  async run({ host, flags, args: [id, signal] }) {
    await killContainer(host, id, { signal, all: boolFlag(flags, "all") });
    return 0;
  },
};
