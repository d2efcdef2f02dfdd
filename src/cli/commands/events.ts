// runts events [--stats] [--interval 5s] <container-id>
// Resource usage of a container as runc's JSON lines: with --stats one
// {"type":"stats",...} line; otherwise one per interval and {"type":"oom"}
// on each OOM kill, until the container stops.
import { events as watchEvents, parseDuration } from "../../runtime/events.js";
import { boolFlag, stringFlag, usageError, type CommandSpec } from "../table.js";

export const events: CommandSpec = {
  name: "events",
  usage: "events [command options] <container-id>",
  summary: "display container events such as OOM notifications, cpu, memory, and IO usage statistics",
  flags: [
    { name: "interval", type: "string", default: "5s", valueName: "value", help: "set the stats collection interval" },
    { name: "stats", type: "boolean", help: "display the container's stats then exit" },
  ],
  minArgs: 1,
  maxArgs: 1,
  async run({ host, flags, args: [id], out }) {
    const intervalMs = parseDuration(stringFlag(flags, "interval") ?? "5s");
    if (intervalMs <= 0) throw usageError("duration interval must be greater than 0");
    await watchEvents(host, id, { stats: boolFlag(flags, "stats"), intervalMs }, out);
    return 0;
  },
};
