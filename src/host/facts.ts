/**
 * facts.ts: what the planner needs to know of the host's security features,
 * read from /proc and /sys (never guessed): the capabilities runts holds and
 * the kernel knows, whether AppArmor or SELinux is enabled, and which
 * namespaces a config joins are the host's own.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import type { SecurityFacts } from "../plan/security.js";
import { NS_FILES } from "../plan/tables.js";
import type { Spec } from "../spec/types.js";

/**
 * The namespace types the config joins by a path that is the namespace runts
 * itself is in: the host's. A path that cannot be read is left to runts-init,
 * which reports it when it joins.
 */
export function hostJoins(spec: Spec): string[] {
  const same = (a: string, b: string) => {
    try {
      const x = statSync(a), y = statSync(b);
      return x.dev === y.dev && x.ino === y.ino;
    } catch {
      return false;
    }
  };
  return (spec.linux?.namespaces ?? []).filter((n) => n.path && same(n.path, `/proc/self/ns/${NS_FILES[n.type]}`)).map((n) => n.type);
}

export function readSecurityFacts(): SecurityFacts {
  return securityFacts(
    readFileSync("/proc/self/status", "utf8"),
    readOr("/proc/sys/kernel/cap_last_cap", "40"),
    readOr("/sys/module/apparmor/parameters/enabled", "N"),
    existsSync("/sys/fs/selinux/enforce"),
  );
}

/** pure: the texts of those files → facts */
export function securityFacts(status: string, capLastCap: string, apparmorEnabled: string, selinuxfs: boolean): SecurityFacts {
  const mask = (field: string) => BigInt(`0x${new RegExp(`^${field}:\\s*([0-9a-f]+)$`, "m").exec(status)?.[1] ?? "0"}`);
  return {
    capLastCap: Number.parseInt(capLastCap, 10),
    capAvailable: mask("CapBnd") & mask("CapPrm"),
    apparmor: apparmorEnabled.trim() === "Y",
    selinux: selinuxfs,
  };
}

/** a file's text, or the fallback when it cannot be read */
export function readOr(file: string, fallback: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return fallback;
  }
}
