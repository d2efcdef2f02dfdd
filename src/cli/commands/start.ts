// runts start <container-id>
// Releases a created container's init to exec the process in config.json.
// Prints nothing on stdout.
import { start as startContainer } from "../../runtime/start.js";
import type { CommandSpec } from "../table.js";

export const start: CommandSpec = {
  name: "start",
  usage: "start <container-id>",
  summary: "executes the user defined process in a created container",
  flags: [],
  minArgs: 1,
  maxArgs: 1,
  async run({ host, log, args: [id] }) {
    await startContainer(host, id, (msg) => log.warn(msg));
    return 0;
  },
};
