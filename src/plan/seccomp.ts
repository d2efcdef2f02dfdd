/**
 * seccomp.ts: linux.seccomp → the rules libseccomp compiles, pure. The
 * compiling itself is an effect (src/host/seccomp.ts, libseccomp through
 * koffi); the C child only loads the resulting BPF, last before execve.
 * Semantics follow runc's libcontainer/seccomp: ERRNO and TRACE return EPERM
 * unless errnoRet says otherwise; a rule whose action is the default is
 * left out; several conditions on one argument become one rule each.
 */
import type { Seccomp } from "../spec/types.js";
import { PlanError } from "./mounts.js";
import { toU64 } from "./security.js";
import {
  SECCOMP_ACTIONS, SECCOMP_FILTER_FLAG_NEW_LISTENER, SECCOMP_FILTER_FLAG_TSYNC_ESRCH, SECCOMP_FLAGS, SECCOMP_OPERATORS,
} from "./tables.js";

export interface SeccompCondition { index: number; op: number; a: string; b: string }
/** origin: the index in linux.seccomp.syscalls, for messages */
export interface SeccompRule { names: string[]; action: number; conditions: SeccompCondition[][]; origin: number }

/** what the compiler needs; JSON-safe (u64 values as decimal strings) so it can be hashed for the cache */
export interface SeccompProfile {
  defaultAction: number;
  /** libseccomp's names: x86_64, aarch64, ... */
  architectures: string[];
  rules: SeccompRule[];
}

export interface SeccompPlan {
  profile: SeccompProfile;
  /** SECCOMP_FILTER_FLAG_* for seccomp(2) */
  flags: number;
  /** with SCMP_ACT_NOTIFY: where the listener fd goes */
  listenerPath?: string;
  listenerMetadata?: string;
}

const EPERM = 1;
const WITH_VALUE = new Set(["SCMP_ACT_ERRNO", "SCMP_ACT_TRACE"]);

function action(name: string, errnoRet: number | undefined, where: string): number {
  if (errnoRet !== undefined && !WITH_VALUE.has(name))
    throw new PlanError(where, `errnoRet is only meaningful with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not ${name}`);
  const base = SECCOMP_ACTIONS[name];
  return WITH_VALUE.has(name) ? (base | ((errnoRet ?? EPERM) & 0xffff)) >>> 0 : base;
}

export function planSeccomp(seccomp: Seccomp | undefined): SeccompPlan | undefined {
  if (!seccomp) return undefined;
  if (seccomp.defaultAction === "SCMP_ACT_NOTIFY") throw new PlanError("/linux/seccomp/defaultAction", "SCMP_ACT_NOTIFY cannot be the default action");
  const defaultAction = action(seccomp.defaultAction, seccomp.defaultErrnoRet, "/linux/seccomp/defaultErrnoRet");
  const rules = (seccomp.syscalls ?? []).flatMap((sc, i): SeccompRule[] => {
    const act = action(sc.action, sc.errnoRet, `/linux/seccomp/syscalls/${i}/errnoRet`);
    if (act === defaultAction) return [];
    return [{ names: sc.names, action: act, conditions: conditions(sc.args ?? []), origin: i }];
  });
  const notify = (seccomp.syscalls ?? []).some((sc) => sc.action === "SCMP_ACT_NOTIFY");
  if (notify && !seccomp.listenerPath) throw new PlanError("/linux/seccomp/listenerPath", "is required when a rule uses SCMP_ACT_NOTIFY");
  (seccomp.flags ?? []).forEach((name, i) => {
    // the kernel takes it only with a listener: refuse now rather than at start
    if (name === "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV" && !notify)
      throw new PlanError(`/linux/seccomp/flags/${i}`, `${name} is taken only with a rule using SCMP_ACT_NOTIFY`);
  });
  let flags = (seccomp.flags ?? []).reduce((f, name) => f | SECCOMP_FLAGS[name], 0);
  // the kernel refuses TSYNC with NEW_LISTENER unless told to report a failing thread as ESRCH
  if (notify) flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER | (flags & SECCOMP_FLAGS.SECCOMP_FILTER_FLAG_TSYNC ? SECCOMP_FILTER_FLAG_TSYNC_ESRCH : 0);
  return {
    profile: { defaultAction, architectures: (seccomp.architectures ?? []).map(archName), rules },
    flags,
    ...(notify ? { listenerPath: seccomp.listenerPath, listenerMetadata: seccomp.listenerMetadata ?? "" } : {}),
  };
}

/** all conditions in one rule (AND); but libseccomp takes one condition per argument, so then one rule each (runc) */
function conditions(args: NonNullable<Seccomp["syscalls"]>[number]["args"] & object): SeccompCondition[][] {
  if (args.length === 0) return [[]];
  const conds = args.map((a) => ({ index: a.index, op: SECCOMP_OPERATORS[a.op], a: toU64(a.value).toString(), b: toU64(a.valueTwo ?? 0).toString() }));
  const repeated = new Set(conds.map((c) => c.index)).size < conds.length;
  return repeated ? conds.map((c) => [c]) : [conds];
}

/** SCMP_ARCH_X86_64 → x86_64, as seccomp_arch_resolve_name wants it */
export function archName(arch: string): string {
  return arch.replace(/^SCMP_ARCH_/, "").toLowerCase();
}
