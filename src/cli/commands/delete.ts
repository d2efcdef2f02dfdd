// runts delete [--force] <container-id>
// Removes a stopped container's state. A created container (its init still
// waiting for start) is killed first; a running one only with --force, which
// also makes an unknown id a silent success.
import { deleteContainer } from "../../runtime/delete.js";
import { boolFlag, type CommandSpec } from "../table.js";

export const del: CommandSpec = {
  name: "delete",
  usage: "delete [command options] <container-id>",
  summary: "delete any resources held by the container often used with detached container",
  flags: [
    { name: "force", short: "f", type: "boolean", help: "forcibly deletes the container if it is still running (uses SIGKILL)" },
  ],
  minArgs: 1,
  maxArgs: 1,
  async run({ host, flags, log, args: [id] }) {
    await deleteContainer(host, id, { force: boolFlag(flags, "force"), warn: (msg) => log.warn(msg) });
    return 0;
  },
};
