// runts list [--format table|json] [--quiet]
// Lists the containers under --root: a table (ID PID STATUS BUNDLE CREATED OWNER),
// a JSON array of state objects, or ids only.
import { RuntimeError } from "../../runtime/errors.js";
import { formatList, list as listContainers } from "../../runtime/list.js";
import { boolFlag, stringFlag, type CommandSpec } from "../table.js";

export const list: CommandSpec = {
  name: "list",
  usage: "list [command options]",
  summary: "lists containers started by runts with the given root",
  flags: [
    { name: "format", short: "f", type: "string", default: "table", help: "select one of: table or json" },
    { name: "quiet", short: "q", type: "boolean", help: "display only container IDs" },
  ],
  minArgs: 0,
  maxArgs: 0,
  async run({ host, flags, out }) {
    // As runc: --quiet wins over --format, and a bad format is "invalid format option".
    const format = boolFlag(flags, "quiet") ? "quiet" : stringFlag(flags, "format");
    if (format !== "table" && format !== "json" && format !== "quiet") {
      throw new RuntimeError(`invalid format option \`${format}\`: must be table or json`);
    }
    out(formatList(await listContainers(host), format));
    return 0;
  },
};
