// The Linux x86_64 signal table (signal(7)). Pure: no process access.
// Clients send numbers (`kill ID 9`); people type names (`KILL`, `SIGKILL`,
// `rtmin+3`), so names are matched case-insensitively with an optional SIG prefix.

const NAMES: ReadonlyArray<readonly [string, number]> = [
  ["HUP", 1], ["INT", 2], ["QUIT", 3], ["ILL", 4], ["TRAP", 5], ["ABRT", 6], ["IOT", 6],
  ["BUS", 7], ["FPE", 8], ["KILL", 9], ["USR1", 10], ["SEGV", 11], ["USR2", 12],
  ["PIPE", 13], ["ALRM", 14], ["TERM", 15], ["STKFLT", 16], ["CHLD", 17], ["CLD", 17],
  ["CONT", 18], ["STOP", 19], ["TSTP", 20], ["TTIN", 21], ["TTOU", 22], ["URG", 23],
  ["XCPU", 24], ["XFSZ", 25], ["VTALRM", 26], ["PROF", 27], ["WINCH", 28], ["IO", 29],
  ["POLL", 29], ["PWR", 30], ["SYS", 31],
];

/** Name (upper case, no SIG prefix) → number for signals 1-31. */
export const SIGNALS: ReadonlyMap<string, number> = new Map(NAMES);

// glibc reserves 32 and 33 for its threads, so userspace SIGRTMIN is 34;
// moby's signal table and kill(1) use the same numbering.
export const SIGRTMIN = 34;
export const SIGRTMAX = 64;

/** The number of a signal given as a number, NAME, SIGNAME, RTMIN+n or RTMAX-n; undefined when unknown. */
export function parseSignal(raw: string): number | undefined {
  if (/^\d+$/.test(raw)) return inRange(Number(raw));
  const name = raw.toUpperCase().replace(/^SIG/, "");
  return SIGNALS.get(name) ?? realtime(name);
}

function realtime(name: string): number | undefined {
  const m = /^RT(MIN|MAX)(?:([+-])(\d+))?$/.exec(name);
  if (!m) return undefined;
  const base = m[1] === "MIN" ? SIGRTMIN : SIGRTMAX;
  if (m[2] === undefined) return base;
  // RTMIN counts up and RTMAX counts down, as in kill(1); anything else leaves the range.
  const offset = Number(m[3]);
  if ((m[1] === "MIN") !== (m[2] === "+")) return undefined;
  const n = m[1] === "MIN" ? base + offset : base - offset;
  return n >= SIGRTMIN && n <= SIGRTMAX ? n : undefined;
}

// 0 is kill(2)'s "does it exist" probe, which runc passes through too.
function inRange(n: number): number | undefined {
  return n <= SIGRTMAX ? n : undefined;
}

/** The canonical name of a signal number (`SIGKILL`, `SIGRTMIN+2`), for messages. */
export function signalName(n: number): string {
  for (const [name, num] of NAMES) if (num === n) return `SIG${name}`;
  if (n >= SIGRTMIN && n <= SIGRTMAX) return n === SIGRTMIN ? "SIGRTMIN" : `SIGRTMIN+${n - SIGRTMIN}`;
  return String(n);
}
