/**
 * facts.ts: what the planner needs to know of the host's security features,
 * read from /proc and /sys (never guessed): the capabilities runts holds and
 * the kernel knows, and whether AppArmor or SELinux is enabled.
 */
import { existsSync, readFileSync } from "node:fs";
import type { SecurityFacts } from "../plan/security.js";

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
