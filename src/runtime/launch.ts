/**
 * launch.ts: starts runts-init (native/main.c) and answers it, per the
 * sequence in native/protocol.h and src/native/wire.ts:
 *   PLAN → PID → [CGROUP_REQ → CGROUP_ACK] → [IDMAP_REQ → IDMAP_ACK]
 *   → [SECCOMP_STATE_REQ → SECCOMP_STATE] → [HOOKS_REQ → (prestart and
 *   createRuntime hooks) → HOOKS_ACK] → READY | ERROR → COMMIT.
 * For exec (FLAG_EXEC) the init execs right after READY: launch resolves
 * once the sync socket closes without an ERROR, i.e. execve succeeded.
 * PID arrives on one socket and the child's requests on the other, so a
 * request may be read before the pid it needs: it waits for PID.
 * Node spawns the init as a new program (fork + exec in libuv), so no
 * JavaScript ever runs in the container's process.
 */
import type { ChildProcess, StdioOptions } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import type { Socket } from "node:net";
import { constants } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describeFailure } from "../native/messages.js";
import { decodeFailure, encodePlan, frame, FrameReader, Msg, type Frame } from "../native/wire.js";
import { FLAG_EXEC, needsIdMaps, type IdMap, type InitPlan } from "../plan/plan.js";
import { RuntimeError, describe } from "./errors.js";
import { fault, killSelf } from "./fault.js";
import { liveness, startTime } from "../host/proc.js";
import { childProcess } from "../host/builtins.js";

export interface Launched {
  /** host pid of the container's init, blocked until `start` */
  pid: number;
  /** tell the init runts recorded the state; it may now go on alone */
  commit(): void;
  /** give up: the init kills the container and removes the state dir; if
   * runts-init is gone already (it died, or failed after COMMIT), we kill it */
  abort(): Promise<void>;
  /** what runts-init or the container's init reported, if anything failed */
  failure(): string | undefined;
  /** runts-init's exit status: 0 after COMMIT, or the container's with FLAG_WAIT */
  exited: Promise<number>;
  /** runts-init's own pid: with a terminal relayed, SIGWINCH goes to it */
  initPid: number;
}

export interface LaunchOptions {
  preserveFds: number;
  /** the container process state for the seccomp listener, given the init's host pid */
  seccompState?: (pid: number) => Buffer;
  /** put the init into the container's cgroup (src/host/cgroupfs.ts joinCgroup) */
  joinCgroup?: (pid: number) => void;
  /** run the prestart and createRuntime hooks; the HOOKS_ACK payload (src/runtime/hooks.ts createHooks) */
  hooks?: (pid: number) => Promise<Buffer>;
}

// The bundler (scripts/build.mjs) defines the package root; a plain tsc
// build (the tests) finds it by walking up from this file.
declare const RUNTS_PACKAGE_ROOT: string | undefined;

/** build/Release/runts-init under the package root */
export function initBinary(): string {
  return path.join(packageRoot(), "build", "Release", "runts-init");
}

export function packageRoot(): string {
  if (typeof RUNTS_PACKAGE_ROOT === "string") return RUNTS_PACKAGE_ROOT;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, "package.json")) && dir !== "/") dir = path.dirname(dir);
  return dir;
}

export function launch(plan: InitPlan, opts: LaunchOptions): Promise<Launched> {
  const n = opts.preserveFds;
  const stdio: StdioOptions = [0, 1, 2, ...Array.from({ length: n }, (_, i) => 3 + i), "pipe", "pipe"];
  // detached: runts-init gets its own session, so a ^C meant for runts (run
  // in the foreground forwards it to the container) does not reach it
  const child = childProcess().spawn(initBinary(), [String(n)], { stdio, detached: true, env: {}, argv0: "runts-init" });
  const ctl = child.stdio[3 + n] as Socket;
  const sync = child.stdio[4 + n] as Socket;
  return new Session(plan, opts, child, ctl, sync).run();
}

class Session {
  private pid?: number;
  private failure?: string;
  private readonly exited: Promise<number>;
  /** the child's requests read before PID */
  private waiting: Frame[] = [];
  private ready?: () => void;
  private fail?: () => void;
  /** exec: READY seen, and the sync socket closed (by execve, or by a failure) */
  private readySeen = false;
  private syncClosed = false;
  private readonly exec: boolean;

  constructor(private plan: InitPlan, private opts: LaunchOptions, private child: ChildProcess, private ctl: Socket, private sync: Socket) {
    this.exec = (plan.flags & FLAG_EXEC) !== 0;
    this.exited = new Promise((resolve) => {
      child.on("exit", (code, signal) => resolve(code ?? 128 + signalNumber(signal)));
      child.on("error", (err) => {
        this.failure ??= `start runts-init \`${initBinary()}\`: ${describe(err)} (run \`npm run build\`)`;
        resolve(255);
      });
    });
  }

  run(): Promise<Launched> {
    return new Promise((resolve, reject) => {
      const fail = () => reject(new RuntimeError(`unable to start container process: ${this.failure ?? "container init exited during setup"}`));
      this.read(this.ctl, (f) => this.onCtl(f), () => undefined);
      // the child gone before READY: close ctl so runts-init cleans up and exits
      const lost = () => {
        if (this.exec) { this.syncClosed = true; return this.settleExec(); }
        if (this.waiting.some((w) => w.type === Msg.READY)) return; // READY came before PID: PID settles it
        this.ctl.destroy();
        this.exited.then(fail);
      };
      this.ready = () => resolve(this.launched());
      this.fail = () => { this.ctl.destroy(); this.exited.then(fail); };
      this.read(this.sync, (f) => this.onSync(f), lost);
      this.exited.then(() => { if (this.pid === undefined) fail(); });
      this.ctl.write(frame(Msg.PLAN, encodePlan(this.plan)));
    });
  }

  private read(sock: Socket, onFrame: (f: Frame) => void, onEnd: () => void): void {
    const reader = new FrameReader();
    sock.on("data", (chunk: Buffer) => reader.push(chunk).forEach(onFrame));
    sock.on("close", onEnd);
    sock.on("error", () => undefined); // EPIPE/ECONNRESET: "close" follows and says it
  }

  private onCtl(f: Frame): void {
    if (f.type === Msg.PID) {
      this.pid = f.payload.readUInt32LE(0);
      if (this.injected("pid")) return;
      this.waiting.splice(0).forEach((w) => this.onSync(w));
      if (this.exec) this.settleExec();
    }
    if (f.type === Msg.ERROR) this.failure ??= describeFailure(decodeFailure(f.payload), this.plan);
    if (f.type === Msg.FAULT) killSelf();
  }

  private onSync(f: Frame): void {
    if (f.type === Msg.ERROR) this.failure ??= describeFailure(decodeFailure(f.payload), this.plan);
    else if (f.type === Msg.FAULT) killSelf();
    else if (this.pid === undefined) this.waiting.push(f);
    else if (f.type === Msg.CGROUP_REQ) this.joinCgroup();
    else if (f.type === Msg.IDMAP_REQ) this.writeIdMaps();
    else if (f.type === Msg.HOOKS_REQ) void this.runHooks();
    else if (f.type === Msg.SECCOMP_STATE_REQ) this.answerSeccompState();
    else if (f.type === Msg.READY && this.exec) this.readySeen = true;
    else if (f.type === Msg.READY) {
      this.sync.removeAllListeners("close");
      this.sync.destroy();
      this.ready?.();
    }
  }

  private answerSeccompState(): void {
    this.sync.write(frame(Msg.SECCOMP_STATE, this.opts.seccompState?.(this.pid!) ?? Buffer.alloc(0)));
    this.injected("seccomp-state");
  }

  /** src/runtime/fault.ts's step `create.NAME` (or `exec.NAME`) */
  private point(name: string): void {
    fault(`${this.exec ? "exec" : "create"}.${name}`);
  }

  /** a fault at a step outside any try: fail as a refused answer does, true when it did */
  private injected(name: string): boolean {
    try {
      this.point(name);
      return false;
    } catch (err) {
      this.failure ??= describe(err);
      this.sync.destroy();
      return true;
    }
  }

  /** exec: once the pid is known and sync closed, execve succeeded unless an ERROR came */
  private settleExec(): void {
    if (!this.syncClosed || this.pid === undefined) return;
    if (this.readySeen && this.failure === undefined) this.ready?.();
    else this.fail?.();
  }

  private joinCgroup(): void {
    try {
      this.opts.joinCgroup?.(this.pid!);
      this.sync.write(frame(Msg.CGROUP_ACK));
      this.point("cgroup-ack");
    } catch (err) {
      this.failure ??= describe(err);
      this.sync.destroy();
    }
  }

  /** the init waits before pivot_root while the hooks run; a failing one ends the create */
  private async runHooks(): Promise<void> {
    try {
      const ack = await this.opts.hooks?.(this.pid!);
      this.sync.write(frame(Msg.HOOKS_ACK, ack ?? Buffer.alloc(0)));
      this.point("hooks-ack");
    } catch (err) {
      this.failure ??= describe(err);
      this.sync.destroy();
    }
  }

  /** the child asks, the parent writes, the child goes on */
  private writeIdMaps(): void {
    if (!needsIdMaps(this.plan) || this.pid === undefined) return;
    const file = (name: string) => `/proc/${this.pid}/${name}`;
    try {
      for (const [name, maps] of [["uid_map", this.plan.uidMappings], ["gid_map", this.plan.gidMappings]] as const)
        writeMap(file(name), maps);
      this.sync.write(frame(Msg.IDMAP_ACK));
      this.point("idmap-ack");
    } catch (err) {
      this.failure ??= `write the user namespace id mappings: ${describe(err)}`;
      this.sync.destroy();
    }
  }

  /** the container's init outlives a runts-init that exits after READY (it no
   * longer has PDEATHSIG then): kill it, if it is still the same process */
  private killOrphan(start: string | null): void {
    if (this.pid === undefined || start === null || liveness(this.pid, start) === "gone") return;
    try { process.kill(this.pid, "SIGKILL"); } catch { /* gone meanwhile */ }
  }

  private launched(): Launched {
    const pidStart = startTime(this.pid!);
    return {
      pid: this.pid!,
      commit: () => { this.ctl.end(frame(Msg.COMMIT)); },
      abort: async () => {
        this.ctl.destroy();
        await this.exited;
        this.killOrphan(pidStart);
      },
      failure: () => this.failure,
      exited: this.exited,
      initPid: this.child.pid ?? 0,
    };
  }
}

/** one write(2), as the kernel wants for a map; Node's error for it names no path */
function writeMap(file: string, maps: readonly IdMap[]): void {
  try {
    writeFileSync(file, mapText(maps));
  } catch (err) {
    throw Object.assign(err as Error, { path: file, syscall: "write" });
  }
}

function mapText(maps: readonly IdMap[]): string {
  return maps.map((m) => `${m.containerID} ${m.hostID} ${m.size}\n`).join("");
}

function signalNumber(signal: NodeJS.Signals | null): number {
  return signal ? constants.signals[signal] ?? 0 : 0;
}
