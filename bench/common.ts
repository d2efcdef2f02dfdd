// What bench.ts and profile.ts share: where the checkout is, the
// environment every call gets, a call whose stderr goes to a file, and the
// removal of whatever a run left in a runtime's root.
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** the checkout: the nearest dir above this file with a package.json */
export const TOP = (() => {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, "package.json"))) dir = path.dirname(dir);
  return dir;
})();

/** these machines set NODE_EXTRA_CA_CERTS, which adds 50-90 ms to every Node start */
export const env: NodeJS.ProcessEnv = { ...process.env };
delete env.NODE_EXTRA_CA_CERTS;

/**
 * `fn` with a fd for the stderr of what it runs, and that stderr's text.
 * A file, not a pipe: a container's process inherits the stdio of create,
 * and spawnSync would wait on a pipe until the container exits.
 */
export function withStderr<T>(file: string, fn: (fd: number) => T): { value: T; stderr: string } {
  const fd = openSync(file, "w+");
  try {
    const value = fn(fd);
    return { value, stderr: readFileSync(file, "utf8").trim() || "no output" };
  } finally {
    closeSync(fd);
  }
}

/** delete --force every container in `root`: what a run, failed or not, left there */
export function removeAll(bin: string, root: string): void {
  const r = spawnSync(bin, ["--root", root, "list", "-q"], { env, encoding: "utf8" });
  if (r.status !== 0) return;
  for (const id of r.stdout.split("\n").filter(Boolean)) spawnSync(bin, ["--root", root, "delete", "--force", id], { env, stdio: "ignore" });
}
