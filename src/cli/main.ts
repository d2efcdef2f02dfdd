// runts [global options] COMMAND [command options] ARGS...
// Global flags come before the command, as with runc; the command's flags and
// arguments are parsed from its entry in the command table.
import { realHost, type Host } from "../host/host.js";
import { commands } from "./commands/index.js";
import { createLogger, reportError, writeAll, type Logger } from "./log.js";
import {
  HELP_FLAG, checkArgs, parseFlags, renderCommandHelp, renderRootHelp, stringFlag, usageError,
  type CommandSpec, type FlagSpec, type FlagValue, type GlobalOptions,
} from "./table.js";
import { COMMIT, SPEC_VERSION, VERSION } from "./version.js";

/** What tests replace; the real program uses fds 1 and 2 and the real host. */
export interface MainEnv {
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
  host?: (root: string) => Host;
  now?: () => Date;
}

export const DEFAULT_ROOT = "/run/runts";

export const GLOBAL_FLAGS: FlagSpec[] = [
  { name: "debug", type: "boolean", help: "enable debug logging" },
  { name: "log", type: "string", help: "set the log file to write runts logs to (default is stderr)" },
  { name: "log-format", type: "string", default: "text", help: "set the log format ('text' or 'json')" },
  { name: "root", type: "string", default: DEFAULT_ROOT, help: "root directory for storage of container state (this should be located in tmpfs)" },
  { name: "criu", type: "string", help: "accepted for runc compatibility; checkpointing is not supported" },
  { name: "systemd-cgroup", type: "boolean", help: 'enable systemd cgroup support, expects cgroupsPath to be of form "slice:prefix:name"' },
  { name: "rootless", type: "string", help: "accepted for runc compatibility ('true', 'false', or 'auto') and ignored" },
  { name: "help", short: "h", type: "boolean", help: "show help" },
  { name: "version", short: "v", type: "boolean", help: "print the version" },
];

export async function main(argv: string[], env: MainEnv = {}): Promise<number> {
  const out = env.stdout ?? ((text: string) => writeAll(1, text));
  const stderr = env.stderr ?? ((text: string) => writeAll(2, text));
  let log: Logger = createLogger({ format: "text", debug: false, stderr, now: env.now });
  let debug = false;
  try {
    const { globals, flags, positionals } = parseGlobals(argv);
    debug = globals.debug;
    log = createLogger({ file: globals.log, format: globals.logFormat, debug, stderr, now: env.now });
    if (flags.version) return print(out, versionText());
    const [name, ...rest] = positionals;
    if (flags.help || name === undefined) return print(out, rootHelp());
    if (name === "help") return print(out, rest[0] ? renderCommandHelp(findCommand(rest[0])) : rootHelp());
    return await runCommand(findCommand(name), rest, { globals, log, out, host: env.host ?? realHost });
  } catch (err) {
    return reportError(err, log, debug, stderr);
  }
}

interface RunEnv {
  globals: GlobalOptions;
  log: Logger;
  out: (text: string) => void;
  host: (root: string) => Host;
}

async function runCommand(spec: CommandSpec, argv: string[], env: RunEnv): Promise<number> {
  const { flags, positionals } = parseFlags([...spec.flags, HELP_FLAG], argv, spec.stopAtPositional);
  if (flags.help) return print(env.out, renderCommandHelp(spec));
  checkArgs(spec, positionals);
  env.log.debug(`command ${spec.name} ${positionals.join(" ")}`);
  const ctx = { globals: env.globals, flags, args: positionals, host: env.host(env.globals.root), log: env.log, out: env.out };
  return spec.run(ctx);
}

/** Global flags up to the command name; positionals are the command and its raw argv. */
export function parseGlobals(argv: string[]): { globals: GlobalOptions; flags: Record<string, FlagValue>; positionals: string[] } {
  const { flags, positionals } = parseFlags(GLOBAL_FLAGS, argv, true);
  return { globals: globalOptions(flags), flags, positionals };
}

function globalOptions(flags: Record<string, FlagValue>): GlobalOptions {
  const logFormat = stringFlag(flags, "log-format");
  if (logFormat !== "text" && logFormat !== "json") throw usageError(`unknown log-format \`${logFormat}\``);
  // --rootless and --criu are accepted and ignored: clients pass them unconditionally.
  return {
    root: stringFlag(flags, "root") ?? DEFAULT_ROOT,
    log: stringFlag(flags, "log") || undefined,
    logFormat,
    debug: flags.debug === true,
    systemdCgroup: flags["systemd-cgroup"] === true,
  };
}

function findCommand(name: string): CommandSpec {
  const spec = commands.find((c) => c.name === name);
  if (!spec) throw usageError(`unknown command \`${name}\``);
  return spec;
}

export function versionText(): string {
  return `runts version ${VERSION}\ncommit: ${COMMIT}\nspec: ${SPEC_VERSION}\n`;
}

function rootHelp(): string {
  return renderRootHelp(commands, GLOBAL_FLAGS, VERSION);
}

function print(out: (text: string) => void, text: string): number {
  out(text);
  return 0;
}
