// A read-only view of /proc/<pid>/stat: enough to tell whether a recorded
// container init is still the same live process (pids are reused).
import { fstatSync, readFileSync } from "node:fs";
import type { ProcView } from "./host.js";

export interface ProcStat {
  /** Field 3: R, S, D, Z, X, T, ... */
  state: string;
  /** Field 22: start time in clock ticks since boot, kept as the decimal string. */
  startTime: string;
}

export type Liveness = "alive" | "gone";

/**
 * Parse one /proc/PID/stat line. Field 2 (comm) is in parentheses and may
 * itself contain spaces and parentheses, so fields are split after the LAST ')'.
 */
export function parseStat(line: string): ProcStat | null {
  const close = line.lastIndexOf(")");
  if (close < 0) return null;
  // After ") " come fields 3.. ; field N is at index N - 3.
  const fields = line.slice(close + 2).trim().split(" ");
  const state = fields[0];
  const startTime = fields[22 - 3];
  if (!state || !startTime || !/^\d+$/.test(startTime)) return null;
  return { state, startTime };
}

/** Alive only when present, not a zombie/dead, and started at the recorded time. */
export function livenessOf(stat: ProcStat | null, startTime: string): Liveness {
  if (stat === null || stat.state === "Z" || stat.state === "X") return "gone";
  return stat.startTime === startTime ? "alive" : "gone";
}

/** The raw stat line of a pid, or null when there is no such process. */
export function readStat(pid: number): string | null {
  // pid 0 and negatives are not processes (and kill(2) would treat them as groups).
  if (!Number.isSafeInteger(pid) || pid <= 0) return null;
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null; // ENOENT/ESRCH: the process is gone.
  }
}

/**
 * A ProcView over any source of stat lines: /proc for the real host, a table
 * of crafted lines for tests. Each call reads afresh: liveness must not be cached.
 */
export function procView(read: (pid: number) => string | null, readStatus: (pid: number) => string | null = () => null): ProcView {
  const statOf = (pid: number): ProcStat | null => {
    const line = read(pid);
    return line === null ? null : parseStat(line);
  };
  return {
    startTime: (pid) => statOf(pid)?.startTime ?? null,
    processState: (pid) => statOf(pid)?.state ?? null,
    liveness: (pid, recorded) => livenessOf(statOf(pid), recorded),
    nsPid: (pid) => innermostPid(readStatus(pid)),
  };
}

/** the last pid of the "NSpid:" line of /proc/PID/status: the pid in the innermost pid namespace */
export function innermostPid(status: string | null): number | null {
  const line = /^NSpid:\s*(.+)$/m.exec(status ?? "");
  const last = line?.[1].trim().split(/\s+/).pop();
  return last && /^\d+$/.test(last) ? Number(last) : null;
}

function readStatus(pid: number): string | null {
  if (!Number.isSafeInteger(pid) || pid <= 0) return null;
  try {
    return readFileSync(`/proc/${pid}/status`, "utf8");
  } catch {
    return null;
  }
}

export const realProc: ProcView = procView(readStat, readStatus);
export const { startTime, processState, liveness } = realProc;

/**
 * Whether fd was handed to us by whoever started runts. Node opens its own
 * fds (epoll, eventfd, pipes) in the lowest free numbers before any of our
 * code runs, and marks inherited ones close-on-exec too, so neither "open"
 * nor the flags tell them apart: the launcher (dist/runts, written by
 * scripts/build.mjs) lists the fds it was given in RUNTS_CALLER_FDS before
 * it execs Node. Without the launcher, an open fd is taken as given (runc
 * checks no more than that).
 */
export function isCallerFd(fd: number, callerFds = process.env.RUNTS_CALLER_FDS): boolean {
  if (callerFds !== undefined) return callerFds.split(" ").includes(String(fd));
  try {
    fstatSync(fd);
    return true;
  } catch {
    return false;
  }
}
