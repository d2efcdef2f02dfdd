// The declarative command table, its flag parser and its help renderer.
// Flags follow Go's flag package as runc (urfave/cli) uses it: `--name value`,
// `--name=value`, `--bool=false`, and Go's error wording, since people and
// scripts compare runts' complaints with runc's.
import { parseArgs } from "node:util";
import type { Host } from "../host/host.js";
import { RuntimeError } from "../runtime/errors.js";
import type { Logger } from "./log.js";

export interface FlagSpec {
  name: string;
  type: "boolean" | "string";
  short?: string;
  default?: string | boolean;
  multiple?: boolean;
  help: string;
  /** Shown after the flag in help: `--bundle value`. */
  valueName?: string;
}

export type FlagValue = string | boolean | string[] | undefined;

export interface GlobalOptions {
  root: string;
  log?: string;
  logFormat: "text" | "json";
  debug: boolean;
  systemdCgroup: boolean;
}

export interface CommandContext {
  globals: GlobalOptions;
  flags: Record<string, FlagValue>;
  args: string[];
  host: Host;
  log: Logger;
  /** Print on stdout (state, list, ps...). */
  out(text: string): void;
}

export interface CommandSpec {
  name: string;
  /** e.g. "create [command options] <container-id>" */
  usage: string;
  summary: string;
  flags: FlagSpec[];
  minArgs: number;
  /** Infinity allowed. */
  maxArgs: number;
  /**
   * Flags end at the first positional, the rest are arguments even if they
   * look like flags (runc exec's SkipArgReorder: `exec ID ls -l`). Otherwise
   * flags may follow positionals, as urfave/cli reorders them for runc.
   */
  stopAtPositional?: boolean;
  run(ctx: CommandContext): Promise<number>;
}

export interface ParsedFlags {
  flags: Record<string, FlagValue>;
  positionals: string[];
}

/** Every command answers --help/-h. */
export const HELP_FLAG: FlagSpec = { name: "help", short: "h", type: "boolean", help: "show help" };

export function usageError(msg: string): RuntimeError {
  return new RuntimeError(msg, { kind: "usage" });
}

/**
 * Parse argv against a flag table. util.parseArgs tokenizes; the strict checks
 * are ours so that the errors read like Go's (`flag provided but not defined: -x`)
 * and boolean flags take Go's `--flag=false`.
 */
export function parseFlags(specs: FlagSpec[], argv: string[], stopAtPositional = false): ParsedFlags {
  const options = Object.fromEntries(specs.map((s) => [s.name, parseArgsOption(s)]));
  const args = goSpellings(specs, argv, stopAtPositional);
  const { tokens } = parseArgs({ args, options, strict: false, allowPositionals: true, tokens: true });
  const flags: Record<string, FlagValue> = {};
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === "option-terminator" || (token.kind === "positional" && stopAtPositional)) {
      const from = token.kind === "positional" ? token.index : token.index + 1;
      if (stopAtPositional) return { flags: withDefaults(specs, flags), positionals: [...positionals, ...args.slice(from)] };
      continue; // later tokens are positionals anyway
    }
    if (token.kind === "positional") positionals.push(token.value);
    else setFlag(flags, specOf(specs, token.name, token.rawName), token.rawName, token.value);
  }
  return { flags: withDefaults(specs, flags), positionals };
}

/**
 * Go's flag package takes one dash or two, for long and short names alike,
 * and a value after `=` or as the next argument (`-format json`, `-f=json`,
 * `--debug`, `-debug`), but no value glued to a short name (`-fjson`).
 * parseArgs reads those differently (`-debug` as -d -e -b...), so each flag
 * is rewritten as `--name` or `--name=value` first; a string flag's value is
 * the next argument whatever it looks like, as in Go.
 */
function goSpellings(specs: FlagSpec[], argv: string[], stopAtPositional: boolean): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const flag = /^--?([^-=][^=]*)(?:=(.*))?$/s.exec(arg);
    if (arg === "--" || (!flag && stopAtPositional)) return [...out, ...argv.slice(i)];
    if (!flag) {
      out.push(arg);
      continue;
    }
    const [, name, value] = flag;
    const spec = specs.find((s) => s.name === name || s.short === name);
    if (!spec) throw usageError(`flag provided but not defined: -${name}`);
    if (value !== undefined) out.push(`--${spec.name}=${value}`);
    else if (spec.type === "string" && i + 1 < argv.length) out.push(`--${spec.name}=${argv[++i]}`);
    else out.push(`--${spec.name}`);
  }
  return out;
}

// parseArgs rejects keys present with an undefined value, so set only what is there.
function parseArgsOption(s: FlagSpec): { type: "string" | "boolean"; short?: string; multiple?: boolean } {
  return { type: s.type, ...(s.short ? { short: s.short } : {}), ...(s.multiple ? { multiple: true } : {}) };
}

function specOf(specs: FlagSpec[], name: string, rawName: string): FlagSpec {
  // parseArgs maps a known short to its long name; an unknown one keeps its letter.
  const spec = specs.find((s) => s.name === name && (rawName === `--${name}` || rawName === `-${s.short}`));
  if (!spec) throw usageError(`flag provided but not defined: -${rawName.replace(/^-+/, "")}`);
  return spec;
}

function setFlag(flags: Record<string, FlagValue>, spec: FlagSpec, rawName: string, value: string | undefined): void {
  const goName = `-${rawName.replace(/^-+/, "")}`;
  if (spec.type === "boolean") {
    flags[spec.name] = value === undefined ? true : goBool(value, goName);
  } else if (value === undefined) {
    throw usageError(`flag needs an argument: ${goName}`);
  } else if (spec.multiple) {
    flags[spec.name] = [...((flags[spec.name] as string[] | undefined) ?? []), value];
  } else {
    flags[spec.name] = value;
  }
}

// Go's strconv.ParseBool, which the flag package uses for `--flag=VALUE`.
function goBool(value: string, goName: string): boolean {
  if (["1", "t", "T", "TRUE", "true", "True"].includes(value)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(value)) return false;
  throw usageError(`invalid boolean value "${value}" for ${goName}: parse error`);
}

function withDefaults(specs: FlagSpec[], flags: Record<string, FlagValue>): Record<string, FlagValue> {
  for (const s of specs) {
    if (flags[s.name] !== undefined) continue;
    flags[s.name] = s.default ?? (s.multiple ? [] : s.type === "boolean" ? false : undefined);
  }
  return flags;
}

/** runc's checkArgs wording (utils.go), with our name. */
export function checkArgs(spec: CommandSpec, args: string[]): void {
  const n = args.length;
  const needs = (what: string, count: number) => usageError(`runts: "${spec.name}" requires ${what} ${count} argument(s)`);
  if (spec.minArgs === spec.maxArgs && n !== spec.minArgs) throw needs("exactly", spec.minArgs);
  if (n < spec.minArgs) throw needs("a minimum of", spec.minArgs);
  if (n > spec.maxArgs) throw needs("a maximum of", spec.maxArgs);
}

export function stringFlag(flags: Record<string, FlagValue>, name: string): string | undefined {
  const v = flags[name];
  return typeof v === "string" ? v : undefined;
}

export function boolFlag(flags: Record<string, FlagValue>, name: string): boolean {
  return flags[name] === true;
}

// ---- help, laid out like runc's (urfave/cli) so it reads familiar ----

export function renderCommandHelp(spec: CommandSpec): string {
  return [
    "NAME:", `   runts ${spec.name} - ${spec.summary}`, "",
    "USAGE:", `   runts ${spec.usage}`, "",
    "OPTIONS:", renderFlags([...spec.flags, HELP_FLAG]), "",
  ].join("\n");
}

export function renderRootHelp(commands: CommandSpec[], globalFlags: FlagSpec[], version: string): string {
  return [
    "NAME:", "   runts - an OCI container runtime", "",
    "USAGE:", "   runts [global options] command [command options] [arguments...]", "",
    "VERSION:", `   ${version}`, "",
    "COMMANDS:", columns(commands.map((c) => [c.name, c.summary])), "",
    "GLOBAL OPTIONS:", renderFlags(globalFlags), "",
  ].join("\n");
}

export function renderFlags(flags: FlagSpec[]): string {
  return columns(flags.map((f) => [flagSynopsis(f), flagHelp(f)]));
}

function flagSynopsis(f: FlagSpec): string {
  const value = f.type === "string" ? ` ${f.valueName ?? "value"}` : "";
  return [`--${f.name}${value}`, ...(f.short ? [`-${f.short}${value}`] : [])].join(", ");
}

function flagHelp(f: FlagSpec): string {
  return typeof f.default === "string" ? `${f.help} (default: ${JSON.stringify(f.default)})` : f.help;
}

function columns(rows: string[][]): string {
  const width = Math.max(0, ...rows.map((r) => r[0].length)) + 2;
  return rows.map(([left, right]) => `   ${left.padEnd(width)}${right}`).join("\n");
}
