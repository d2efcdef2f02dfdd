// Logging and error reporting, as clients read them (CONTRACT.md "Errors"):
// - a failing command prints ONE line on stderr: the message;
// - with --log FILE it also appends a record: logrus text (runc's default) or,
//   with --log-format json, one line {"level","msg","time"}. podman parses the
//   whole file of a failing command as ONE JSON object, so in json format only
//   the error record is written unless --debug asks for more.
// Everything goes through fs.writeSync/appendFileSync: fds 0-2 may be the
// container's stdio, so no streams and no O_NONBLOCK games on them.
import { appendFileSync, writeSync } from "node:fs";
import { RuntimeError, messageOf } from "../runtime/errors.js";

export type LogFormat = "text" | "json";
export type Level = "debug" | "warning" | "error";

export interface Logger {
  /** Only with --debug. */
  debug(msg: string): void;
  warn(msg: string): void;
  /** The failure of the command: one line on stderr, one record in the log file. */
  error(msg: string): void;
}

export interface LoggerOptions {
  file?: string;
  format: LogFormat;
  debug: boolean;
  /** Where stderr text goes; fd 2 by default. */
  stderr?: (text: string) => void;
  now?: () => Date;
}

export function createLogger(opts: LoggerOptions): Logger {
  const stderr = opts.stderr ?? ((text: string) => writeAll(2, text));
  const now = opts.now ?? (() => new Date());
  const record = (level: Level, msg: string) => formatRecord(level, msg, now(), opts.file ? opts.format : "text");
  const toFile = (text: string) => appendQuietly(opts.file as string, text);
  // Records other than the error: to the log file, or to stderr when there is none.
  const emit = (level: Level, msg: string) => (opts.file ? toFile(record(level, msg)) : stderr(record(level, msg)));
  return {
    debug: (msg) => void (opts.debug && emit("debug", msg)),
    warn: (msg) => void ((opts.format === "text" || opts.debug || !opts.file) && emit("warning", msg)),
    error: (msg) => {
      if (opts.file) toFile(record("error", msg));
      stderr(`${oneLine(msg)}\n`);
    },
  };
}

/** Report what a command threw and return its exit status (1). */
export function reportError(err: unknown, log: Logger, debug: boolean, stderr?: (text: string) => void): number {
  const expected = err instanceof RuntimeError;
  log.error(expected ? err.message : `runts: internal error: ${messageOf(err)}`);
  // A stack only helps for bugs, and only when asked for.
  if (debug && !expected && err instanceof Error && err.stack) (stderr ?? ((t) => writeAll(2, t)))(`${err.stack}\n`);
  return expected ? err.exitCode : 1;
}

/** One log record, newline included: logrus text, or JSON with logrus' sorted keys. */
export function formatRecord(level: Level, msg: string, time: Date, format: LogFormat): string {
  const t = rfc3339(time);
  if (format === "json") return `${JSON.stringify({ level, msg, time: t })}\n`;
  return `time=${quoteIfNeeded(t)} level=${level} msg=${quoteIfNeeded(msg)}\n`;
}

/** RFC3339 in UTC, seconds precision: 2026-12-03T20:11:05Z (what runc's logrus prints). */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, "Z");
}

// logrus quotes a value unless it is made only of these characters.
function quoteIfNeeded(s: string): string {
  return s !== "" && /^[\w\-./@^+]+$/.test(s) ? s : JSON.stringify(s);
}

function oneLine(msg: string): string {
  return msg.replace(/\s*\n\s*/g, " ").trim();
}

function appendQuietly(file: string, text: string): void {
  try {
    appendFileSync(file, text);
  } catch {
    // An unwritable log must not hide the error itself, which still reaches stderr.
  }
}

/** Write all of text to fd, riding out short writes and EAGAIN on a non-blocking pipe. */
export function writeAll(fd: number, text: string): void {
  const buf = Buffer.from(text);
  for (let off = 0; off < buf.length; ) {
    try {
      off += writeSync(fd, buf, off);
    } catch (err) {
      if ((err as { code?: string }).code !== "EAGAIN") return; // a closed stdio is not our failure
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    }
  }
}
