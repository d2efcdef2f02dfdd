/**
 * cgroups.ts: what the planner needs to know of the host's cgroups, read
 * from /proc/self/mountinfo and /proc/self/cgroup, never guessed from paths.
 * Handles v1, v2 and hybrid (v1 controllers plus cgroup2 at .../unified).
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { CgroupFacts, CgroupHierarchy } from "../plan/cgroups.js";
import { readOr } from "./facts.js";

export function readCgroupFacts(): CgroupFacts {
  const facts = cgroupFacts(readFileSync("/proc/self/mountinfo", "utf8"), readFileSync("/proc/self/cgroup", "utf8"));
  const v2 = facts.hierarchies.find((h) => h.version === 2);
  const controllers = v2 ? readOr(path.join(v2.mountpoint, "cgroup.controllers"), "") : "";
  return { ...facts, v2Controllers: controllers.split(/\s+/).filter(Boolean), systemd: existsSync("/run/systemd/system") };
}


/** pure: mountinfo + /proc/self/cgroup text → hierarchies with our path in each */
export function cgroupFacts(mountinfo: string, selfCgroup: string): CgroupFacts {
  const paths = new Map<string, string>(); // "memory" or "name=systemd" or "" (v2) → path
  for (const line of selfCgroup.split("\n")) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (m) for (const c of m[1].split(",")) paths.set(c, m[2]);
  }
  const hierarchies: CgroupHierarchy[] = [];
  for (const line of mountinfo.split("\n")) {
    const [left, right] = line.split(" - ");
    if (!right) continue;
    const fields = left.split(" ");
    const [fstype, , superOpts] = right.split(" ");
    const mountpoint = unescape(fields[4]);
    const root = unescape(fields[3]);
    if (fstype === "cgroup2") hierarchies.push({ version: 2, mountpoint, path: relative(paths.get("") ?? "/", root), controllers: [] });
    if (fstype !== "cgroup") continue;
    const controllers = superOpts.split(",").filter((o) => paths.has(o));
    if (controllers.length > 0) hierarchies.push({ version: 1, mountpoint, path: relative(paths.get(controllers[0])!, root), controllers });
  }
  return { hierarchies };
}

/** our cgroup relative to what this mount shows as its root */
function relative(path: string, root: string): string {
  if (root === "/" || !path.startsWith(root)) return path;
  return path.slice(root.length) || "/";
}

/** mountinfo escapes space, tab, newline and backslash as \ooo */
function unescape(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}
