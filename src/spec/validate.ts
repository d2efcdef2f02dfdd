// Validation of an OCI runtime-spec v1.3.0 config.json: the compiled JSON Schema
// (scripts/build-validator.mjs) plus the semantic rules a schema cannot express.
import schemaValidate from "./config-validator.gen.js";
import type { ValidatorError } from "./config-validator.gen.js";
import type { Spec } from "./types.js";
import { RuntimeError } from "../runtime/errors.js";

/** One problem; `path` is a JSON pointer into the config ("" = the whole document). */
export interface ConfigProblem {
  path: string;
  message: string;
}

export type Validation = { ok: true; spec: Spec } | { ok: false; problems: ConfigProblem[] };

export interface ValidateOptions {
  /** the config must describe a process to start (create/run): process and process.args */
  requireProcess?: boolean;
}

/** a user's mistake in config.json: reported as is, never as an internal error */
export class ConfigError extends RuntimeError {
  readonly problems: ConfigProblem[];

  constructor(problems: ConfigProblem[], file = "config.json") {
    super(formatProblems(file, problems));
    this.name = "ConfigError";
    this.problems = problems;
  }
}

/** All problems on one line: `config.json: /a: x; /b: y`. */
export function formatProblems(file: string, problems: ConfigProblem[]): string {
  const parts = new Set(problems.map((p) => (p.path === "" ? p.message : `${p.path}: ${p.message}`)));
  return `${file}: ${[...parts].join("; ")}`;
}

export function validateConfig(raw: unknown, opts: ValidateOptions = {}): Validation {
  // the checks below recurse; a document nested deeper than any config is refused before they run
  const deep = tooDeep(raw);
  if (deep) return { ok: false, problems: [deep] };
  const found = new ProblemSet();
  for (const e of schemaErrors(raw)) found.add(problemOf(e, raw), rankOf(e.keyword));
  for (const p of ruleProblems(raw, opts)) found.add(p, RULE_RANK);
  const problems = found.list().sort(byDocumentOrder(raw));
  return problems.length === 0 ? { ok: true, spec: raw as Spec } : { ok: false, problems };
}

/** JSON.parse + validateConfig({ requireProcess: true }); throws ConfigError. */
export function parseConfig(text: string, file = "config.json"): Spec {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    const why = lowerFirst(err instanceof Error ? err.message : String(err));
    throw new ConfigError([{ path: "", message: `invalid JSON: ${why}` }], file);
  }
  const result = validateConfig(raw, { requireProcess: true });
  if (!result.ok) throw new ConfigError(result.problems, file);
  return result.spec;
}

// ---------------------------------------------------------------- problem bookkeeping

const RULE_RANK = 50;

/** Keeps one problem per path (the best-ranked), in order of first appearance. */
class ProblemSet {
  private readonly byPath = new Map<string, { problem: ConfigProblem; rank: number }>();

  add(problem: ConfigProblem | undefined, rank: number): void {
    if (!problem) return;
    const seen = this.byPath.get(problem.path);
    if (!seen || rank < seen.rank) this.byPath.set(problem.path, { problem, rank });
  }

  list(): ConfigProblem[] {
    return [...this.byPath.values()].map((v) => v.problem);
  }
}

const KEYWORD_RANK: Record<string, number> = { required: 0, type: 1, enum: 2, minimum: 3, maximum: 3, pattern: 4 };

function rankOf(keyword: string): number {
  return KEYWORD_RANK[keyword] ?? 10;
}

/** Orders JSON pointers as their values appear in `doc`; a parent before its children, missing keys last. */
function byDocumentOrder(doc: unknown): (a: ConfigProblem, b: ConfigProblem) => number {
  return (a, b) => {
    const [x, y] = [segments(a.path), segments(b.path)];
    let value = doc;
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      if (x[i] !== y[i]) return positionIn(value, x[i]) - positionIn(value, y[i]);
      value = childOf(value, x[i]);
    }
    return x.length - y.length;
  };
}

function positionIn(value: unknown, key: string): number {
  if (Array.isArray(value)) return /^\d+$/.test(key) ? Number(key) : Number.MAX_SAFE_INTEGER;
  const at = isObj(value) ? Object.keys(value).indexOf(key) : -1;
  return at < 0 ? Number.MAX_SAFE_INTEGER : at;
}

// ---------------------------------------------------------------- schema errors → problems

const WRAPPER_KEYWORDS = new Set(["if", "anyOf", "oneOf"]);

/** ajv's errors, without the wrapper errors (if/anyOf/oneOf) that repeat what their branches said. */
function schemaErrors(raw: unknown): ValidatorError[] {
  if (schemaValidate(raw)) return [];
  const errors = schemaValidate.errors ?? [];
  const leaves = errors.filter((e) => !WRAPPER_KEYWORDS.has(e.keyword));
  const covered = (w: ValidatorError) => leaves.some((e) => isWithin(e.instancePath, w.instancePath));
  const lonelyWrappers = errors.filter((e) => WRAPPER_KEYWORDS.has(e.keyword) && !covered(e));
  return [...leaves, ...lonelyWrappers];
}

function isWithin(path: string, parent: string): boolean {
  return path === parent || path.startsWith(`${parent}/`);
}

const INTEGER_RANGES: Record<string, string> = {
  int32: "from -2147483648 to 2147483647",
  uint16: "from 0 to 65535",
  uint32: "from 0 to 4294967295",
  int64: "from -9223372036854775808 to 9223372036854775807",
  uint64: "from 0 to 18446744073709551615",
  hookTimeout: "from 1 to 2147483647",
  ioPriorityLevel: "from 0 to 7",
};

const PATTERN_MESSAGES: Record<string, (value: unknown) => string> = {
  capability: (v) => `unknown capability ${JSON.stringify(v)}`,
  ociVersion: () => "must be a semver version such as 1.0.2",
  deviceAccess: () => "must be a combination of r, w and m",
  pageSize: () => "must be a size such as 64KB, 2MB or 1GB",
};

const TYPE_NAMES: Record<string, string> = {
  string: "a string",
  array: "an array",
  object: "an object",
  integer: "an integer",
  number: "a number",
  boolean: "a boolean",
  null: "null",
};

function problemOf(e: ValidatorError, raw: unknown): ConfigProblem {
  if (e.keyword === "required") return requiredProblem(e);
  return { path: e.instancePath, message: messageOf(e, raw) };
}

function requiredProblem(e: ValidatorError): ConfigProblem {
  const name = String(e.params.missingProperty);
  const path = `${e.instancePath}/${escapePointer(name)}`;
  const conditional = e.schemaPath.endsWith("/else/required");
  return { path, message: conditional ? 'is required unless type is "p"' : "is required" };
}

function messageOf(e: ValidatorError, raw: unknown): string {
  const def = definitionOf(e.schemaPath);
  const range = def ? INTEGER_RANGES[def] : undefined;
  switch (e.keyword) {
    case "type":
      return range ? `must be an integer ${range}` : typeMessage(e.params.type);
    case "minimum":
    case "maximum":
      return range ? `must be an integer ${range}` : `must be ${e.params.comparison} ${e.params.limit}`;
    case "enum":
      return `must be one of ${(e.params.allowedValues as unknown[]).join(", ")}`;
    case "pattern":
      return def && PATTERN_MESSAGES[def] ? PATTERN_MESSAGES[def](valueAt(raw, e.instancePath)) : `must match ${e.params.pattern}`;
    case "minLength":
      return e.params.limit === 1 ? "must not be empty" : `must be at least ${e.params.limit} characters long`;
    case "minItems":
      return `must have at least ${e.params.limit} ${e.params.limit === 1 ? "entry" : "entries"}`;
    case "anyOf":
    case "oneOf":
      return "does not match any of the allowed forms";
    default:
      return (e.message ?? "is invalid").toLowerCase();
  }
}

function typeMessage(type: unknown): string {
  const names = String(type).split(",").map((t) => TYPE_NAMES[t] ?? t);
  return `must be ${names.join(" or ")}`;
}

/** "#/definitions/uint32/minimum" → "uint32" (the definition the failing keyword sits in). */
function definitionOf(schemaPath: string): string | undefined {
  return /#\/definitions\/([^/]+)\/[^/]+$/.exec(schemaPath)?.[1];
}

// ---------------------------------------------------------------- semantic rules

type Obj = Record<string, unknown>;

function ruleProblems(raw: unknown, opts: ValidateOptions): ConfigProblem[] {
  if (!isObj(raw)) return [];
  return [
    ...rootRules(raw),
    ...processRules(raw, opts.requireProcess === true),
    ...namespaceRules(raw),
    ...idMappingRules(raw),
    ...utsRules(raw),
    ...hookRules(raw),
    ...annotationRules(raw),
    ...seccompRules(raw),
    ...blockIORules(raw),
    ...nulRules(raw, ""),
  ];
}

function rootRules(doc: Obj): ConfigProblem[] {
  if (doc.root === undefined) return [{ path: "/root", message: "is required" }];
  if (isObj(doc.root) && doc.root.path === "") return [{ path: "/root/path", message: "must not be empty" }];
  return [];
}

function processRules(doc: Obj, requireProcess: boolean): ConfigProblem[] {
  const proc = doc.process;
  if (proc === undefined) return requireProcess ? [{ path: "/process", message: "is required" }] : [];
  if (!isObj(proc)) return [];
  return [
    ...argsRules(proc, requireProcess),
    ...absolutePathRule(proc.cwd, "/process/cwd"),
    ...envRules(proc.env, "/process/env"),
    ...rlimitRules(proc.rlimits),
  ];
}

function argsRules(proc: Obj, requireProcess: boolean): ConfigProblem[] {
  const args = proc.args;
  const empty = args === undefined || (Array.isArray(args) && args.length === 0);
  return requireProcess && empty ? [{ path: "/process/args", message: "must have at least one entry" }] : [];
}

function absolutePathRule(value: unknown, path: string): ConfigProblem[] {
  return typeof value === "string" && !value.startsWith("/") ? [{ path, message: "must be an absolute path" }] : [];
}

function envRules(env: unknown, path: string): ConfigProblem[] {
  return entries(env).flatMap(([i, v]) =>
    typeof v === "string" && v.indexOf("=") <= 0 ? [{ path: `${path}/${i}`, message: "must be of the form KEY=VALUE" }] : [],
  );
}

function rlimitRules(rlimits: unknown): ConfigProblem[] {
  return duplicates(rlimits, "type").map(([i, type]) => ({
    path: `/process/rlimits/${i}/type`,
    message: `duplicate rlimit ${JSON.stringify(type)}`,
  }));
}

function namespaces(doc: Obj): unknown {
  return isObj(doc.linux) ? doc.linux.namespaces : undefined;
}

/** Whether the config has a namespace of this type; `fresh` = a new one (no path). */
function hasNamespace(doc: Obj, type: string, fresh = false): boolean {
  return entries(namespaces(doc)).some(([, ns]) => isObj(ns) && ns.type === type && (!fresh || ns.path === undefined));
}

function namespaceRules(doc: Obj): ConfigProblem[] {
  // a /linux that is not an object has its own problem; none about what it lacks
  if (doc.linux !== undefined && !isObj(doc.linux)) return [];
  const dups = duplicates(namespaces(doc), "type").map(([i, type]) => ({
    path: `/linux/namespaces/${i}/type`,
    message: `duplicate namespace ${JSON.stringify(type)}`,
  }));
  const paths = entries(namespaces(doc)).flatMap(([i, ns]) => (isObj(ns) ? absolutePathRule(ns.path, `/linux/namespaces/${i}/path`) : []));
  const mount = hasNamespace(doc, "mount")
    ? []
    : [{ path: "/linux/namespaces", message: 'must include a "mount" namespace (new or by path): runts never changes the host\'s mounts' }];
  return [...dups, ...paths, ...mount];
}

function idMappingRules(doc: Obj): ConfigProblem[] {
  const linux = isObj(doc.linux) ? doc.linux : {};
  return (["uidMappings", "gidMappings"] as const).flatMap((key) => idMappingRule(doc, key, linux[key]));
}

function idMappingRule(doc: Obj, key: string, mappings: unknown): ConfigProblem[] {
  const path = `/linux/${key}`;
  const given = Array.isArray(mappings) && mappings.length > 0;
  if (given && !hasNamespace(doc, "user")) return [{ path, message: 'requires a "user" namespace in /linux/namespaces' }];
  if (!hasNamespace(doc, "user", true)) return [];
  if (mappings === undefined) return [{ path, message: "is required for a new user namespace" }];
  if (Array.isArray(mappings) && mappings.length === 0) return [{ path, message: "must have at least one entry for a new user namespace" }];
  return [];
}

function utsRules(doc: Obj): ConfigProblem[] {
  if (hasNamespace(doc, "uts") || (doc.linux !== undefined && !isObj(doc.linux))) return [];
  return (["hostname", "domainname"] as const).flatMap((key) =>
    typeof doc[key] === "string" && doc[key] !== ""
      ? [{ path: `/${key}`, message: `unable to set ${key} without a private uts namespace` }]
      : [],
  );
}

function hookRules(doc: Obj): ConfigProblem[] {
  if (!isObj(doc.hooks)) return [];
  const hooks = doc.hooks;
  return Object.keys(hooks).flatMap((name) =>
    entries(hooks[name]).flatMap(([i, hook]) => {
      const at = `/hooks/${escapePointer(name)}/${i}`;
      return isObj(hook) ? [...absolutePathRule(hook.path, `${at}/path`), ...envRules(hook.env, `${at}/env`)] : [];
    }),
  );
}

/** config.md "Annotations": keys MUST NOT be an empty string */
function annotationRules(doc: Obj): ConfigProblem[] {
  const keys = isObj(doc.annotations) ? Object.keys(doc.annotations) : [];
  return keys.includes("") ? [{ path: "/annotations", message: "keys must not be empty" }] : [];
}

/** config-linux.md "Seccomp": listenerMetadata MUST NOT be set without listenerPath */
function seccompRules(doc: Obj): ConfigProblem[] {
  const seccomp = isObj(doc.linux) && isObj(doc.linux.seccomp) ? doc.linux.seccomp : {};
  return seccomp.listenerMetadata !== undefined && seccomp.listenerPath === undefined
    ? [{ path: "/linux/seccomp/listenerMetadata", message: "must not be set without listenerPath" }]
    : [];
}

function blockIORules(doc: Obj): ConfigProblem[] {
  const resources = isObj(doc.linux) && isObj(doc.linux.resources) ? doc.linux.resources : {};
  const blockIO = isObj(resources.blockIO) ? resources.blockIO : {};
  return entries(blockIO.weightDevice).flatMap(([i, dev]) =>
    isObj(dev) && dev.weight === undefined && dev.leafWeight === undefined
      ? [{ path: `/linux/resources/blockIO/weightDevice/${i}`, message: "must set weight or leafWeight" }]
      : [],
  );
}

/** deeper than any OCI config goes (seccomp args are 6 levels down), and far from the stack's limit */
const MAX_DEPTH = 64;

/** the first value nested deeper than MAX_DEPTH, walked without recursion */
function tooDeep(raw: unknown): ConfigProblem | undefined {
  const stack: Array<[value: unknown, path: string, depth: number]> = [[raw, "", 0]];
  while (stack.length > 0) {
    const [value, path, depth] = stack.pop()!;
    if (typeof value !== "object" || value === null) continue;
    if (depth === MAX_DEPTH) return { path, message: `is nested more than ${MAX_DEPTH} levels deep` };
    for (const [k, v] of Object.entries(value)) stack.push([v, `${path}/${escapePointer(k)}`, depth + 1]);
  }
  return undefined;
}

/** a NUL byte would cut a path or an argument short in C: refused wherever it is */
function nulRules(value: unknown, path: string): ConfigProblem[] {
  if (typeof value === "string") return value.includes("\0") ? [{ path, message: "must not contain a NUL byte" }] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => nulRules(v, `${path}/${i}`));
  if (isObj(value)) return Object.entries(value).flatMap(([k, v]) => nulRules(v, `${path}/${escapePointer(k)}`));
  return [];
}

// ---------------------------------------------------------------- small helpers

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function entries(v: unknown): Array<[number, unknown]> {
  return Array.isArray(v) ? v.map((item, i): [number, unknown] => [i, item]) : [];
}

/** [index, value] of each entry whose string `key` already appeared earlier in the array. */
function duplicates(list: unknown, key: string): Array<[number, string]> {
  const seen = new Set<string>();
  const dups: Array<[number, string]> = [];
  for (const [i, item] of entries(list)) {
    const value = isObj(item) ? item[key] : undefined;
    if (typeof value !== "string") continue;
    if (seen.has(value)) dups.push([i, value]);
    seen.add(value);
  }
  return dups;
}

/** a key as one JSON pointer token (RFC 6901) */
export function escapePointer(name: string): string {
  return name.replace(/~/g, "~0").replace(/\//g, "~1");
}

function segments(pointer: string): string[] {
  return pointer.split("/").slice(1).map((k) => k.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function childOf(value: unknown, key: string): unknown {
  return typeof value === "object" && value !== null ? (value as Obj)[key] : undefined;
}

function valueAt(doc: unknown, pointer: string): unknown {
  return segments(pointer).reduce<unknown>(childOf, doc);
}

function lowerFirst(s: string): string {
  return s.charAt(0).toLowerCase() + s.slice(1);
}
