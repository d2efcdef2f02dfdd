// runts update [--resources FILE|-] [--memory N] [--cpu-quota N] ... <container-id>
// Change the limits of a live container. With --resources, the JSON (a
// runtime-spec LinuxResources object; `-` reads it from stdin) is all that
// counts and the other flags are ignored, as with runc. Zeros mean "unchanged".
import { readFileSync } from "node:fs";
import { parseResources, update as updateContainer } from "../../runtime/update.js";
import type { LinuxResources } from "../../spec/types.js";
import { stringFlag, usageError, type CommandSpec, type FlagSpec, type FlagValue } from "../table.js";

type Parse = (text: string, flag: string) => number | string;

/** runc's scalar flags: flag → where it goes in LinuxResources, and how its value reads */
const SCALARS: Array<[flag: string, group: "memory" | "cpu" | "blockIO" | "pids", key: string, parse: Parse, help: string]> = [
  ["blkio-weight", "blockIO", "weight", unsigned, "Specifies per cgroup weight, range is from 10 to 1000"],
  ["cpu-period", "cpu", "period", unsigned, "CPU CFS period to be used for hardcapping (in usecs). 0 to use system default"],
  ["cpu-quota", "cpu", "quota", signed, "CPU CFS hardcap limit (in usecs). Allowed cpu time in a given period"],
  ["cpu-burst", "cpu", "burst", unsigned, "CPU CFS hardcap burst limit (in usecs). Allowed accumulated cpu time additionally for burst a given period"],
  ["cpu-share", "cpu", "shares", unsigned, "CPU shares (relative weight vs. other containers)"],
  ["cpu-rt-period", "cpu", "realtimePeriod", unsigned, "CPU realtime period to be used for hardcapping (in usecs). 0 to use system default"],
  ["cpu-rt-runtime", "cpu", "realtimeRuntime", signed, "CPU realtime hardcap limit (in usecs). Allowed cpu time in a given period"],
  ["cpu-idle", "cpu", "idle", signed, "set cgroup SCHED_IDLE or not, 0: default behavior, 1: SCHED_IDLE"],
  ["cpuset-cpus", "cpu", "cpus", (t) => t, "CPU(s) to use"],
  ["cpuset-mems", "cpu", "mems", (t) => t, "Memory node(s) to use"],
  ["memory", "memory", "limit", bytes, "Memory limit (in bytes; k, m, g suffixes as Docker's)"],
  ["memory-reservation", "memory", "reservation", bytes, "Memory reservation or soft_limit (in bytes)"],
  ["memory-swap", "memory", "swap", bytes, "Total memory usage (memory + swap); set '-1' to enable unlimited swap"],
  ["pids-limit", "pids", "limit", signed, "Maximum number of pids allowed in the container"],
];

/** Intel RDT needs resctrl, which runts does not drive */
const UNSUPPORTED = ["l3-cache-schema", "mem-bw-schema"];

export const update: CommandSpec = {
  name: "update",
  usage: "update [command options] <container-id>",
  summary: "update container resource constraints",
  flags: [
    { name: "resources", short: "r", type: "string", valueName: "value", help: "path to the file containing the resources to update or '-' to read from the standard input" },
    ...SCALARS.map(([name, , , , help]): FlagSpec => ({ name, type: "string", valueName: "value", help })),
    ...UNSUPPORTED.map((name): FlagSpec => ({ name, type: "string", valueName: "value", help: "Intel RDT: not supported by runts" })),
  ],
  minArgs: 1,
  maxArgs: 1,
  async run({ host, flags, args: [id] }) {
    await updateContainer(host, id, resourcesFrom(flags));
    return 0;
  },
};

function resourcesFrom(flags: Record<string, FlagValue>): LinuxResources {
  const file = stringFlag(flags, "resources");
  if (file !== undefined) return parseResources(readFileSync(file === "-" ? 0 : file, "utf8"), file === "-" ? "(stdin)" : `\`${file}\``);
  for (const name of UNSUPPORTED)
    if (stringFlag(flags, name) !== undefined) throw usageError(`\`--${name}\`: Intel RDT is not supported by runts`);
  const r: Record<string, Record<string, number | string>> = {};
  for (const [name, group, key, parse] of SCALARS) {
    const text = stringFlag(flags, name);
    if (text !== undefined) (r[group] ??= {})[key] = parse(text, name);
  }
  return r as LinuxResources;
}

function signed(text: string, flag: string): number {
  if (!/^-?\d+$/.test(text)) throw invalid(text, flag);
  return Number(text);
}

function unsigned(text: string, flag: string): number {
  if (!/^\d+$/.test(text)) throw invalid(text, flag);
  return Number(text);
}

const UNITS: Record<string, number> = { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** Docker's RAMInBytes: `512m`, `1.5g`, `1GiB`, binary units; `-1` is unlimited */
function bytes(text: string, flag: string): number {
  if (text === "-1") return -1;
  const m = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)(?:i?b)?$/i.exec(text);
  if (!m) throw invalid(text, flag);
  return Math.floor(Number(m[1]) * UNITS[m[2].toLowerCase()]);
}

function invalid(text: string, flag: string) {
  return usageError(`invalid value for \`--${flag}\`: \`${text}\``);
}
