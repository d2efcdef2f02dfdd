// scripts/make-image.sh: a one-layer OCI image archive from a rootfs, the
// same bytes for the same contents whoever made the rootfs and when.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, utimesSync } from "node:fs";
import path from "node:path";
import { busyboxMissing, missing, newRootfs, ROOT_DIR, work } from "./harness.js";

const skip = missing() ?? busyboxMissing() ?? undefined;
const SCRIPT = path.join(ROOT_DIR, "scripts/make-image.sh");
const NAME = "localhost/runts-test/busybox:1";

/** the archive's path */
function makeImage(rootfs: string, args: string[] = []): string {
  const out = path.join(mkdtempSync(path.join(work, "image-")), "image.tar");
  const r = spawnSync("bash", [SCRIPT, rootfs, out, NAME, ...args], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  return out;
}

const bytes = (file: string) => readFileSync(file);

/** one member of a tar archive */
function member(archive: string, name: string): Buffer {
  const r = spawnSync("tar", ["-xOf", archive, name], { maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, r.stderr.toString());
  return r.stdout;
}
const json = (b: Buffer) => JSON.parse(b.toString());

test("the same rootfs contents give a byte-identical archive, however old the files and whoever made them", { skip }, () => {
  const a = newRootfs("busybox");
  const first = bytes(makeImage(a, ["/bin/sleep", "60"]));
  const b = newRootfs("busybox");
  // another copy, other inodes, another time
  utimesSync(path.join(b, "bin/busybox"), new Date(2001, 0, 1), new Date(2001, 0, 1));
  assert.ok(bytes(makeImage(b, ["/bin/sleep", "60"])).equals(first), "the same bytes");
  assert.ok(!bytes(makeImage(a, ["/bin/sleep", "61"])).equals(first), "another command, another image");
});

test("the archive is an OCI layout whose index names the image for `ctr images import`, with its command in the config", { skip }, () => {
  const archive = makeImage(newRootfs("busybox"), ["/bin/sh", "-c", `echo "quoted" \\ and back`]);
  assert.deepEqual(json(member(archive, "./oci-layout")), { imageLayoutVersion: "1.0.0" });
  const index = json(member(archive, "./index.json"));
  const [entry] = index.manifests;
  assert.equal(entry.annotations["io.containerd.image.name"], NAME);
  assert.equal(entry.annotations["org.opencontainers.image.ref.name"], "1");
  const blob = (digest: string) => member(archive, `./blobs/sha256/${digest.replace("sha256:", "")}`);
  const manifest = json(blob(entry.digest));
  const config = json(blob(manifest.config.digest));
  assert.deepEqual(config.config.Cmd, ["/bin/sh", "-c", `echo "quoted" \\ and back`]);
  assert.deepEqual(config.rootfs.diff_ids, [manifest.layers[0].digest], "one uncompressed layer: its digest is its diff id");
  const layer = spawnSync("tar", ["-tvf", "-"], { input: blob(manifest.layers[0].digest), encoding: "utf8", maxBuffer: 64 << 20 });
  assert.match(layer.stdout, /^-rwxr-xr-x 0\/0 .* 1970-01-01 00:00 \.\/bin\/busybox$/m, "owned by 0:0, dated 1970");
  assert.doesNotMatch(layer.stdout, /\.runts-rootfs/, "make-rootfs.sh's marker is not in the image");
});
