/**
 * terminal.ts: when a process may have a terminal. A detached process's
 * pty master must go somewhere, so it needs --console-socket; a console
 * socket is only for a detached process with a terminal (in the
 * foreground runts relays the terminal itself). runc's two refusals
 * (utils_linux.go checkTerminal), with our name.
 */
import { RuntimeError } from "./errors.js";

export function checkTerminal(terminal: boolean, detached: boolean, consoleSocket: string | undefined): void {
  if (detached && terminal && !consoleSocket)
    throw new RuntimeError("cannot allocate tty if runts will detach without setting console socket");
  if ((!detached || !terminal) && consoleSocket)
    throw new RuntimeError("cannot use console socket if runts will not detach or allocate tty");
}
