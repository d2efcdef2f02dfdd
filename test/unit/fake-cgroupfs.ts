// A cgroupfs made of a temporary directory: files are plain files, so the
// writes runts makes are observable; rmdir removes a directory with its
// files, as the kernel does for a cgroup's interface files. Hooks play the
// kernel's part where a test needs it (files in a new cgroup, a refused write).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { realCgroupFs, type CgroupFs } from "../../src/host/cgroupfs.js";

export interface FakeCgroupFs extends CgroupFs {
  root: string;
  /** every write, in order, as [file relative to root, value] */
  writes: Array<[string, string]>;
  /** the kernel's answer to a write: throw to refuse it; after a write that goes through */
  onWrite?: (file: string, value: string) => void;
  /** what the kernel puts in a new cgroup */
  onMkdir?: (dir: string) => void;
  /** make a file (and its directory) with this content, relative to root */
  put(file: string, text: string): void;
  at(file: string): string;
  cleanup(): void;
}

export function fakeCgroupFs(): FakeCgroupFs {
  const root = mkdtempSync(path.join(tmpdir(), "runts-cgroupfs-"));
  const fake: FakeCgroupFs = {
    ...realCgroupFs,
    root,
    writes: [],
    write(file, value) {
      fake.onWrite?.(path.relative(root, file), value);
      fake.writes.push([path.relative(root, file), value]);
      writeFileSync(file, value);
    },
    mkdir(dir) {
      const made = realCgroupFs.mkdir(dir);
      if (made) fake.onMkdir?.(path.relative(root, dir));
      return made;
    },
    rmdir: (dir) => rmSync(dir, { recursive: true }),
    put(file, text) {
      mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      writeFileSync(path.join(root, file), text);
    },
    at: (file) => path.join(root, file),
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
  return fake;
}

/** a Node-style system error, as fs.writeFileSync throws it */
export function sysError(code: string): Error {
  return Object.assign(new Error(`${code}: refused, write`), { code, syscall: "write" });
}
