// runts ps [--format table|json] <container-id> [ps options]
// The container's processes: JSON is the array of host pids (containerd's
// `top`), the table is `ps -ef` (or the ps options given) cut down to them.
import { containerPidList, psTable } from "../../runtime/ps.js";
import { stringFlag, usageError, type CommandSpec } from "../table.js";

export const ps: CommandSpec = {
  name: "ps",
  usage: "ps [command options] <container-id> [ps options]",
  summary: "ps displays the processes running inside a container",
  flags: [{ name: "format", short: "f", type: "string", default: "table", valueName: "value", help: "select one of: table or json" }],
  minArgs: 1,
  maxArgs: Infinity,
  stopAtPositional: true,
  async run({ host, flags, args: [id, ...psArgs], out }) {
    const format = stringFlag(flags, "format");
    if (format !== "table" && format !== "json") throw usageError(`invalid format option \`${format}\`: use table or json`);
    if (format === "json" && psArgs.length > 0) throw usageError("`--format json` takes no ps options");
    const pids = containerPidList(host, id);
    out(format === "json" ? `${JSON.stringify(pids)}\n` : psTable(pids, psArgs));
    return 0;
  },
};
