/**
 * messages.ts: the C side reports facts ({step, errno, index, detail}, see
 * wire.ts); here they become sentences that say which step, which syscall,
 * which path and which config.json entry.
 */
import { getSystemErrorMap } from "node:util";
import type { InitPlan } from "../plan/plan.js";
import { signalName } from "../plan/signals.js";
import { CAPABILITIES, RLIMITS } from "../plan/tables.js";
import { escapePointer } from "../spec/validate.js";
import { FIRST_FAULT_STEP, Step, StepId, type InitFailure } from "./wire.js";

/** strerror as libuv words it: "no such file or directory" */
export function errnoText(errno: number): string {
  return getSystemErrorMap().get(-errno)?.[1] ?? `errno ${errno}`;
}

export function describeFailure(f: InitFailure, plan?: InitPlan): string {
  const cause = errnoText(f.errno);
  if (f.step >= FIRST_FAULT_STEP) return `injected fault at \`${Step[f.step]}\` (RUNTS_FAULT)`;
  switch (f.step) {
    case StepId.LOOKUP: return lookupMessage(f, cause);
    case StepId.EXEC: return `exec \`${f.detail}\`: ${cause}`;
    case StepId.MOUNT_TARGET: case StepId.MOUNT: case StepId.MOUNT_REMOUNT:
    case StepId.MOUNT_PROPAGATION: case StepId.SYMLINK:
      return mountMessage(f, plan, cause);
    case StepId.HOOK_CREATE_CONTAINER: return hookMessage(f, "createContainer");
    case StepId.HOOK_START_CONTAINER: return hookMessage(f, "startContainer");
    case StepId.CWD_ESCAPE:
      return `the cwd \`${f.detail}\` leads outside the container's root (through an inherited fd?): refused (CVE-2024-21626)`;
    default: {
      const entry = plan && configEntry(f, plan);
      if (entry) return `${entry}: ${cause}${HINTS[`${f.step}:${f.errno}`] ?? ""}`;
      const subject = f.detail ? ` \`${f.detail}\`` : "";
      return `${Step[f.step] ?? `step ${f.step}`}${subject}: ${cause}`;
    }
  }
}

/** exact words clients map to exit codes 127/126 (CONTRACT.md "Errors") */
function lookupMessage(f: InitFailure, cause: string): string {
  if (f.index === 1 && f.errno !== 13) return `exec: "${f.detail}": executable file not found in $PATH`;
  if (f.index === 1) return `exec: "${f.detail}": permission denied`;
  return `exec: "${f.detail}": stat ${f.detail}: ${cause}`;
}

function mountMessage(f: InitFailure, plan: InitPlan | undefined, cause: string): string {
  const m = plan?.mounts[f.index];
  if (!m) return `${Step[f.step]} \`${f.detail}\`: ${cause}`;
  const where = m.origin === undefined ? "" : ` (config.json /mounts/${m.origin})`;
  switch (f.step) {
    case StepId.MOUNT_TARGET: return `create mount point \`${m.destination}\` in the rootfs${where}: ${cause}`;
    case StepId.SYMLINK: return `symlink \`${m.destination}\` -> \`${m.source}\`: ${cause}`;
    case StepId.MOUNT_REMOUNT: return `remount \`${m.destination}\` with its options${where}: ${cause}`;
    case StepId.MOUNT_PROPAGATION: return `set propagation of \`${m.destination}\`${where}: ${cause}`;
    default: return `mount \`${m.source}\` on \`${m.destination}\`${m.type ? ` (${m.type})` : ""}${where}: ${cause}`;
  }
}

/** how a hook ended, when that was a failure */
export type HookOutcome = { exit: number } | { signal: number } | { timeout: number } | { errno: number };

/** a failed hook, run by runts or by C: runc's "error running hook #N", with the kind and the path */
export function hookFailure(kind: string, index: number, path: string, outcome: HookOutcome, stderr = ""): string {
  const text = stderr.trim();
  return `error running ${kind} hook #${index} \`${path}\`: ${hookCause(outcome)}${text ? `, stderr: ${text}` : ""}`;
}

function hookCause(o: HookOutcome): string {
  if ("exit" in o) return `exit status ${o.exit}`;
  if ("signal" in o) return `killed by ${signalName(o.signal)}`;
  if ("timeout" in o) return `still running after its timeout of ${o.timeout}s: killed`;
  return `exec: ${errnoText(o.errno)}`;
}

/** C's detail for a hook step: "path\noutcome\nstderr", outcome "exit N", "signal N", "timeout N" or empty */
function hookMessage(f: InitFailure, kind: string): string {
  const [path, outcome = "", ...rest] = f.detail.split("\n");
  const [word, n] = outcome.split(" ");
  const o: HookOutcome = word === "exit" || word === "signal" || word === "timeout" ? ({ [word]: Number(n) } as HookOutcome) : { errno: f.errno };
  return hookFailure(kind, f.index, path, o, rest.join("\n"));
}

const EPERM = 1;
const EACCES = 13;
/** what to do about a step's errno, when there is one thing to say */
const HINTS: Record<string, string> = {
  [`${StepId.RLIMIT}:${EPERM}`]: " (raising a hard limit needs CAP_SYS_RESOURCE, which runts does not hold here)",
  [`${StepId.OOM_SCORE_ADJ}:${EACCES}`]: " (lowering it needs CAP_SYS_RESOURCE, which runts does not hold here)",
};

/** a step on one entry of the config: say which entry, by name and JSON path */
function configEntry(f: InitFailure, plan: InitPlan): string | undefined {
  const cap = CAPABILITIES[f.index] ?? `capability ${f.index}`;
  switch (f.step) {
    case StepId.CAP_BOUNDING: return `drop \`${cap}\` from the bounding set (config.json /process/capabilities/bounding)`;
    case StepId.CAP_AMBIENT: return `raise the ambient capability \`${cap}\` (config.json /process/capabilities/ambient)`;
    case StepId.RLIMIT: {
      const r = plan.rlimits[f.index];
      const name = Object.keys(RLIMITS).find((k) => RLIMITS[k] === r?.resource) ?? f.detail;
      return `setrlimit \`${name}\` (config.json /process/rlimits/${f.index})`;
    }
    case StepId.SYSCTL: {
      const key = plan.sysctls[f.index]?.key ?? f.detail;
      return `write the sysctl \`${key}\` = \`${plan.sysctls[f.index]?.value}\` (config.json /linux/sysctl/${escapePointer(key)})`;
    }
    case StepId.DEVICE: {
      const origin = plan.devices[f.index]?.origin;
      return `create the device \`${f.detail}\`${origin === undefined ? " (one of the default devices)" : ` (config.json /linux/devices/${origin})`}`;
    }
    case StepId.READONLY: return `make \`${f.detail}\` read-only (config.json /linux/readonlyPaths/${f.index})`;
    case StepId.MASKED:
      return f.detail.startsWith("/dev/null") ? undefined : `mask \`${f.detail}\` (config.json /linux/maskedPaths/${f.index})`;
    case StepId.OOM_SCORE_ADJ: return `write oom_score_adj \`${plan.oomScoreAdj}\` (config.json /process/oomScoreAdj)`;
    case StepId.TIME_OFFSETS: return "write the time namespace's offsets (config.json /linux/timeOffsets)";
    case StepId.SECCOMP: return "load the seccomp filter (config.json /linux/seccomp)";
    case StepId.SECCOMP_NOTIFY: return `send the seccomp notify fd to the listener \`${f.detail}\` (config.json /linux/seccomp/listenerPath)`;
    default: return undefined;
  }
}
