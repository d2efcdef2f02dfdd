// `runts features`: the document is valid against schema/features.schema.json
// and true: every name it lists is one the validator, the planner and the
// seccomp compiler accept, and every name they accept that it leaves out is
// left out on purpose.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import AjvModule from "ajv";
import { compileSeccomp, kernelSeccompFlags, libseccompFacts } from "../../src/host/seccomp.js";
import { featuresDocument, formatFeatures, type FeatureFacts, type Features } from "../../src/plan/features.js";
import { mountOp } from "../../src/plan/mounts.js";
import { planInit } from "../../src/plan/plan.js";
import { planSeccomp } from "../../src/plan/seccomp.js";
import { CLONE_FLAGS, IGNORED_OPTIONS, UNSUPPORTED_OPTIONS } from "../../src/plan/tables.js";
import type { Seccomp, Spec } from "../../src/spec/types.js";
import { validateConfig } from "../../src/spec/validate.js";
import { COMMIT, VERSION } from "../../src/cli/version.js";
import { repoRoot, ROOT_FACTS } from "./fixtures.js";

type Json = Record<string, any>;

const readJson = (file: string): Json => JSON.parse(readFileSync(path.join(repoRoot(), file), "utf8"));
const configSchema = readJson("schema/config.schema.json");
const enumOf = (name: string): string[] => configSchema.definitions[name].enum;

const Ajv = AjvModule.default;
const validateFeatures = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(readJson("schema/features.schema.json"));
function assertValid(doc: unknown): void {
  assert.ok(validateFeatures(doc), JSON.stringify(validateFeatures.errors, null, 2));
}

const libseccomp = libseccompFacts();
const facts: FeatureFacts = { version: VERSION, commit: COMMIT, apparmor: false, selinux: false, libseccomp, seccompFlags: kernelSeccompFlags() };
const doc: Features = featuresDocument(facts);
const linux = doc.linux as Json;

const cache = mkdtempSync(path.join(tmpdir(), "runts-features-"));
after(() => rmSync(cache, { recursive: true, force: true }));

function config(change: (c: Json) => void = () => {}): Json {
  const c: Json = { ociVersion: "1.3.0", root: { path: "rootfs" }, process: { cwd: "/", args: ["sh"] }, linux: { namespaces: [{ type: "mount" }] } };
  change(c);
  return c;
}

/** the config through the validator, then the planner: both must take it */
function plan(c: Json) {
  const v = validateConfig(c, { requireProcess: true });
  assert.ok(v.ok, JSON.stringify(!v.ok && v.problems));
  return planInit({ spec: c as Spec, id: "c1", bundle: "/b", stateDir: "/run/runts/c1", noPivot: false, foreground: false, host: { security: ROOT_FACTS } });
}

test("the document is valid against schema/features.schema.json, with and without libseccomp", () => {
  assertValid(doc);
  assertValid(featuresDocument({ ...facts, libseccomp: undefined, seccompFlags: [] }));
  assertValid(JSON.parse(formatFeatures(doc)));
  assert.ok(formatFeatures(doc).endsWith("}\n"));
});

test("the schema refuses what the spec does not define, and needs the two versions", () => {
  for (const bad of [
    { ...doc, extra: 1 },
    { ...doc, linux: { ...linux, hugepages: {} } },
    { ...doc, linux: { ...linux, namespaces: ["pid", "nope"] } },
    { ...doc, linux: { ...linux, seccomp: { actions: ["SCMP_ACT_MAYBE"] } } },
    { ...doc, annotations: { a: 1 } },
    { ociVersionMin: "1.0.0" },
    { ociVersionMin: "1.0", ociVersionMax: "1.3.0" },
  ]) assert.equal(validateFeatures(bad), false, JSON.stringify(bad).slice(0, 120));
  assertValid({ ociVersionMin: "1.0.0", ociVersionMax: "1.3.0", hooks: null, linux: { seccomp: null } });
});

test("the real CLI prints the same document, needing no global flag and no PATH", (t) => {
  const runts = path.join(repoRoot(), "dist", "runts");
  if (!existsSync(runts)) return t.skip("dist/runts is not built (npm run build)");
  const r = spawnSync(runts, ["features"], { encoding: "utf8", env: {} });
  assert.equal(r.stderr, "");
  assert.equal(r.status, 0);
  const printed = JSON.parse(r.stdout);
  assertValid(printed);
  // the bundle has the real commit; the rest is the same host's
  assert.deepEqual({ ...printed, annotations: {} }, { ...doc, annotations: {} });
  assert.equal(printed.annotations["io.github.runts.version"], VERSION);
});

test("both versions are accepted as config.json's ociVersion", () => {
  for (const v of [doc.ociVersionMin, doc.ociVersionMax]) plan(config((c) => (c.ociVersion = v)));
  assert.equal(doc.ociVersionMax, "1.3.0");
});

test("every hook the spec defines is listed and validated", () => {
  assert.deepEqual([...doc.hooks].sort(), Object.keys(configSchema.definitions.hooks.properties).sort());
  for (const name of doc.hooks) plan(config((c) => (c.hooks = { [name]: [{ path: "/bin/true" }] })));
});

test("every mount option listed is interpreted by the planner, not passed to the filesystem as data", () => {
  for (const opt of doc.mountOptions) {
    const op = mountOp({ destination: "/x", type: "tmpfs", source: "tmpfs", options: [opt] }, 0);
    assert.equal(op.data, "", `\`${opt}\` went to the filesystem as data`);
  }
  // and the planner as a whole takes each in a real config
  plan(config((c) => (c.mounts = doc.mountOptions.map((o, i) => ({ destination: `/m${i}`, type: "tmpfs", source: "tmpfs", options: [o] })))));
});

test("mount options runts refuses or ignores are not listed", () => {
  for (const opt of [...UNSUPPORTED_OPTIONS, ...IGNORED_OPTIONS]) assert.ok(!doc.mountOptions.includes(opt), opt);
  assert.equal(mountOp({ destination: "/x", type: "tmpfs", options: ["mode=755"] }, 0).data, "mode=755", "data options pass through");
});

test("every namespace listed is planned as a new one, and every namespace the schema knows is listed", () => {
  assert.deepEqual([...linux.namespaces].sort(), [...enumOf("namespaceType")].sort());
  for (const type of linux.namespaces) {
    const p = plan(config((c) => {
      if (type !== "mount") c.linux.namespaces.push({ type });
      if (type === "user") Object.assign(c.linux, { uidMappings: [{ containerID: 0, hostID: 1000, size: 1 }], gidMappings: [{ containerID: 0, hostID: 1000, size: 1 }] });
    }));
    assert.ok(p.cloneFlags & CLONE_FLAGS[type], type);
  }
});

test("every capability listed is planned, in the kernel's numbering", () => {
  assert.equal(linux.capabilities.length, 41);
  linux.capabilities.forEach((cap: string, bit: number) => {
    const p = plan(config((c) => (c.process.capabilities = { bounding: [cap] })));
    assert.equal(p.caps!.bounding, 1n << BigInt(bit), cap);
  });
});

test("seccomp: every action and operator listed is planned, and they are all the schema has", () => {
  const sc = linux.seccomp;
  assert.deepEqual([...sc.actions].sort(), [...enumOf("seccompAction")].sort());
  for (const action of sc.actions) {
    const p = planSeccomp({ defaultAction: action === "SCMP_ACT_ALLOW" ? "SCMP_ACT_ERRNO" : "SCMP_ACT_ALLOW", listenerPath: "/run/l.sock", syscalls: [{ names: ["mkdir"], action }] });
    assert.equal(p!.profile.rules.length, 1, action);
  }
  const operators = configSchema.definitions.seccompArg.properties.op.enum;
  assert.deepEqual([...sc.operators].sort(), [...operators].sort());
  for (const op of sc.operators) {
    const p = planSeccomp({ defaultAction: "SCMP_ACT_ALLOW", syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_ERRNO", args: [{ index: 0, value: 1, op }] }] });
    assert.ok(p!.profile.rules[0].conditions[0][0].op > 0, op);
  }
  assert.deepEqual(sc.knownFlags, enumOf("seccompFlag"));
  for (const flag of sc.supportedFlags) assert.ok(sc.knownFlags.includes(flag));
});

test("seccomp archs: each listed one compiles with the real libseccomp, each left out does not", (t) => {
  if (!libseccomp) return t.skip("libseccomp.so.2 is not installed (apt-get install -y libseccomp2)");
  assert.equal(linux.seccomp.enabled, true);
  assert.match(libseccomp.version, /^2\.\d+\.\d+$/);
  assert.equal(doc.annotations["io.github.seccomp.libseccomp.version"], libseccomp.version);
  for (const arch of enumOf("seccompArch")) {
    const profile: Seccomp = { defaultAction: "SCMP_ACT_ALLOW", architectures: [arch as NonNullable<Seccomp["architectures"]>[number]], syscalls: [{ names: ["mkdir"], action: "SCMP_ACT_ERRNO" }] };
    const compile = () => compileSeccomp(planSeccomp(profile)!.profile, cache);
    if (linux.seccomp.archs.includes(arch)) assert.ok(compile().length > 0, arch);
    else assert.throws(compile, new RegExp(`/linux/seccomp/architectures/0: .*\`${arch}\``), arch);
  }
  assert.ok(linux.seccomp.archs.includes(process.arch === "arm64" ? "SCMP_ARCH_AARCH64" : "SCMP_ARCH_X86_64"));
});

test("seccomp flags the kernel takes: TSYNC (3.17) and LOG (4.14) on any kernel runts runs on", () => {
  const flags = kernelSeccompFlags();
  assert.ok(flags.includes("SECCOMP_FILTER_FLAG_TSYNC") && flags.includes("SECCOMP_FILTER_FLAG_LOG"), flags.join(","));
  assert.deepEqual(linux.seccomp.supportedFlags, linux.seccomp.knownFlags.filter((f: string) => flags.includes(f)));
  const without = featuresDocument({ ...facts, libseccomp: undefined }).linux as Json;
  assert.equal(without.seccomp.enabled, false);
  assert.equal(without.seccomp.archs, undefined, "unknown without libseccomp, not none");
});

test("AppArmor and SELinux say what the host has; what runts does not do says false (and id-mapped mounts are refused)", () => {
  const on = featuresDocument({ ...facts, apparmor: true, selinux: true }).linux as Json;
  assert.deepEqual([on.apparmor, on.selinux], [{ enabled: true }, { enabled: true }]);
  assert.deepEqual([linux.apparmor, linux.selinux], [{ enabled: false }, { enabled: false }]);
  assert.deepEqual(linux.mountExtensions, { idmap: { enabled: false } });
  const idmapped = { destination: "/x", type: "bind", source: "/y", options: ["rbind"], uidMappings: [{ containerID: 0, hostID: 1000, size: 1 }] };
  assert.throws(() => mountOp(idmapped, 2), { message: "config.json: /mounts/2/uidMappings: id-mapped mounts are not supported yet" });
  assert.equal(linux.intelRdt.enabled, false);
  assert.deepEqual(doc.potentiallyUnsafeConfigAnnotations, []);
  assert.deepEqual(doc.annotations["io.github.runts.version"], VERSION);
});
