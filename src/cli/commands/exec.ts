// runts exec [--process FILE | <container-id> COMMAND [ARGS...]] [--detach] [--pid-file F]
//            [--tty] [--console-socket S] [--cwd DIR] [--env K=V]... [--user UID[:GID]]
//            [--additional-gids GID]... [--cap CAP]... [--no-new-privs] [--apparmor P]
//            [--process-label L] [--preserve-fds N] [--cgroup [CTRL:]PATH]... [--ignore-paused]
// Runs a new process inside a created or running container: every namespace
// of the container, its cgroup, its seccomp filter. With --process the file
// is the whole OCI process object and the process flags are not used (runc).
// In the foreground runts exits with the process's status; any failure to
// start it is exit 255, as with runc ("exec failed: ...").
import { readFileSync } from "node:fs";
import { exec as execProcess, parseProcess, processFromFlags } from "../../runtime/exec.js";
import { RuntimeError, describe, messageOf } from "../../runtime/errors.js";
import { boolFlag, stringFlag, usageError, type CommandSpec, type FlagValue } from "../table.js";
import type { Spec } from "../../spec/types.js";
import { countFlag } from "./flags.js";

export const exec: CommandSpec = {
  name: "exec",
  usage: "exec [command options] <container-id> <command> [command options]  || -p process.json <container-id>",
  summary: "execute new process inside the container",
  flags: [
    { name: "console-socket", type: "string", valueName: "value", help: "path to an AF_UNIX socket which will receive the pty master" },
    { name: "cwd", type: "string", valueName: "value", help: "current working directory in the container" },
    { name: "env", short: "e", type: "string", multiple: true, valueName: "value", help: "set environment variables" },
    { name: "tty", short: "t", type: "boolean", help: "allocate a pseudo-TTY" },
    { name: "user", short: "u", type: "string", valueName: "value", help: "UID (format: <uid>[:<gid>])" },
    { name: "additional-gids", short: "g", type: "string", multiple: true, valueName: "value", help: "additional gids" },
    { name: "process", short: "p", type: "string", valueName: "value", help: "path to the process.json" },
    { name: "detach", short: "d", type: "boolean", help: "detach from the container's process" },
    { name: "pid-file", type: "string", valueName: "value", help: "specify the file to write the process id to" },
    { name: "process-label", type: "string", valueName: "value", help: "set the asm process label for the process commonly used with selinux" },
    { name: "apparmor", type: "string", valueName: "value", help: "set the apparmor profile for the process" },
    { name: "no-new-privs", type: "boolean", help: "set the no new privileges value for the process" },
    { name: "cap", short: "c", type: "string", multiple: true, valueName: "value", help: "add a capability to the bounding set for the process" },
    { name: "preserve-fds", type: "string", valueName: "value", default: "0", help: "pass N additional file descriptors to the container (stdio + $LISTEN_FDS + N in total)" },
    { name: "cgroup", type: "string", multiple: true, valueName: "value", help: "run the process in an (existing) sub-cgroup(s). Format is [<controller>:]<cgroup>." },
    { name: "ignore-paused", type: "boolean", help: "allow exec in a paused container" },
  ],
  minArgs: 1,
  maxArgs: Infinity,
  stopAtPositional: true,
  async run({ host, flags, log, args: [id, ...command] }) {
    const file = stringFlag(flags, "process");
    if (!file && command.length === 0) throw usageError("`exec` needs a command to run, or `--process FILE`");
    const preserveFds = countFlag(flags, "preserve-fds");
    try {
      const source = file ? `\`--process ${file}\`` : "the command line";
      const fromFile = file ? parseProcess(readProcessFile(file), source) : undefined;
      const process = (spec: Spec) => fromFile ?? processFromFlags(spec, processFlags(flags, command));
      return await execProcess(host, {
        id, process, source, preserveFds,
        detach: boolFlag(flags, "detach"),
        pidFile: stringFlag(flags, "pid-file"),
        consoleSocket: stringFlag(flags, "console-socket"),
        cgroups: flags.cgroup as string[],
        ignorePaused: boolFlag(flags, "ignore-paused"),
        warn: (msg) => log.warn(msg),
      });
    } catch (err) {
      throw new RuntimeError(`exec failed: ${messageOf(err)}`, { cause: err, exitCode: 255 });
    }
  },
};

function readProcessFile(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (err) {
    throw new RuntimeError(`read \`--process\`: ${describe(err)}`);
  }
}

function processFlags(flags: Record<string, FlagValue>, args: string[]) {
  return {
    args,
    cwd: stringFlag(flags, "cwd"),
    env: flags.env as string[],
    tty: boolFlag(flags, "tty"),
    user: stringFlag(flags, "user"),
    additionalGids: flags["additional-gids"] as string[],
    caps: flags.cap as string[],
    noNewPrivs: flags["no-new-privs"] === true ? true : undefined,
    apparmor: stringFlag(flags, "apparmor"),
    processLabel: stringFlag(flags, "process-label"),
  };
}
