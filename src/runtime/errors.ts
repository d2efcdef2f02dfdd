// Errors the runtime reports to clients. The message is what gets printed, so
// it is lowercase with the subject in backticks — except for the substrings
// clients match on (CONTRACT.md "Errors"), which are kept exactly as runc has them.

/** Errors callers branch on; the message stays the thing clients read. */
export type ErrorKind = "not-exist" | "not-running" | "exists" | "invalid-id" | "not-stopped" | "usage" | "hook";

export class RuntimeError extends Error {
  readonly kind?: ErrorKind;
  /** the exit status when this error ends runts: 1, or 255 for exec (runc's) */
  readonly exitCode: number;
  constructor(message: string, options?: { cause?: unknown; kind?: ErrorKind; exitCode?: number }) {
    super(message, options);
    this.name = "RuntimeError";
    this.kind = options?.kind;
    this.exitCode = options?.exitCode ?? 1;
  }
}

export function isKind(err: unknown, kind: ErrorKind): boolean {
  return err instanceof RuntimeError && err.kind === kind;
}

/** Unknown id. containerd ignores `container does not exist` on delete. */
export function notExist(id: string): RuntimeError {
  return new RuntimeError(`container does not exist: \`${id}\``, { kind: "not-exist" });
}

/** Signal to a stopped container. CRI's `kill --all ID 9` tolerates exactly this text. */
export function notRunning(id: string): RuntimeError {
  return new RuntimeError(`container not running: \`${id}\``, { kind: "not-running" });
}

/** Id already taken; runc: "container with id exists: ID". */
export function exists(id: string): RuntimeError {
  return new RuntimeError(`container with id exists: \`${id}\``, { kind: "exists" });
}

/** runc's libcontainer.ErrInvalidID is "invalid container ID format". */
export function invalidId(id: string): RuntimeError {
  return new RuntimeError(`invalid container ID format: \`${id}\``, { kind: "invalid-id" });
}

/** runc's exact wording (delete.go), kept without backticks so `runc`-trained eyes and scripts match. */
export function notStopped(id: string, status: string): RuntimeError {
  return new RuntimeError(`cannot delete container ${id} that is not stopped: ${status}`, { kind: "not-stopped" });
}

/** The errno code of a Node system error (`ENOENT`), if any. */
export function errnoCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

/** The message of anything thrown. */
export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * A Node system error as a lowercase sentence: ``open `/x`: no such file or directory``
 * instead of Node's "ENOENT: no such file or directory, open '/x'".
 */
export function describe(err: unknown): string {
  const e = err as { code?: unknown; syscall?: unknown; path?: unknown; message?: unknown } | null;
  if (typeof e?.code !== "string" || typeof e.message !== "string") return messageOf(err);
  const text = e.message.replace(/^E[A-Z0-9]+: /, "").replace(/, .*$/s, "");
  const subject = typeof e.path === "string" ? ` \`${e.path}\`` : "";
  return typeof e.syscall === "string" ? `${e.syscall}${subject}: ${text}` : text;
}
