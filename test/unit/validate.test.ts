import { test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError, formatProblems, parseConfig, validateConfig } from "../../src/spec/validate.js";
import { fixture } from "./fixtures.js";

type Json = Record<string, any>;

function minimal(): Json {
  return {
    ociVersion: "1.3.0",
    root: { path: "rootfs" },
    process: { cwd: "/", args: ["sh"], user: { uid: 0, gid: 0 } },
    linux: { namespaces: [{ type: "pid" }, { type: "mount" }] },
  };
}

function withChange(change: (c: Json) => void): string {
  const config = minimal();
  change(config);
  return JSON.stringify(config);
}

/** parseConfig must throw a ConfigError whose message is exactly `expected`. */
function rejects(change: (c: Json) => void, expected: string): void {
  assert.throws(
    () => parseConfig(withChange(change)),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.message, expected);
      return true;
    },
  );
}

test("a minimal config is valid", () => {
  const result = validateConfig(minimal(), { requireProcess: true });
  assert.equal(result.ok, true);
  assert.equal(parseConfig(JSON.stringify(minimal())).ociVersion, "1.3.0");
});

for (const name of ["containerd.json", "podman.json", "docker.json", "runc-spec.json", "full-v1.3.json"]) {
  test(`the ${name} config is valid`, () => {
    const result = validateConfig(JSON.parse(fixture(name)), { requireProcess: true });
    assert.deepEqual(result.ok ? [] : result.problems, []);
    assert.ok(parseConfig(fixture(name)).process);
  });
}

test("a wrong enum value lists the allowed values", () => {
  rejects(
    (c) => c.linux.namespaces.push({ type: "foo" }),
    "config.json: /linux/namespaces/2/type: must be one of pid, network, mount, ipc, uts, user, cgroup, time",
  );
  rejects(
    (c) => (c.linux.rootfsPropagation = "recursive"),
    "config.json: /linux/rootfsPropagation: must be one of shared, slave, private, rshared, rslave, rprivate, unbindable, runbindable",
  );
  rejects(
    (c) => (c.linux.seccomp = { defaultAction: "SCMP_ACT_NOPE" }),
    "config.json: /linux/seccomp/defaultAction: must be one of SCMP_ACT_KILL, SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, " +
      "SCMP_ACT_TRAP, SCMP_ACT_ERRNO, SCMP_ACT_TRACE, SCMP_ACT_ALLOW, SCMP_ACT_LOG, SCMP_ACT_NOTIFY",
  );
});

test("a wrong type names the expected type", () => {
  rejects((c) => (c.process.cwd = 5), "config.json: /process/cwd: must be a string");
  rejects((c) => (c.mounts = {}), "config.json: /mounts: must be an array");
  // and nothing about what such a /linux lacks: no problem names a place inside a value that is not an object
  rejects((c) => (c.linux = []), "config.json: /linux: must be an object");
  rejects((c) => (c.root.readonly = "yes"), "config.json: /root/readonly: must be a boolean");
  rejects((c) => (c.annotations = { "a/b": 1 }), "config.json: /annotations/a~1b: must be a string");
});

test("a config that is not an object is rejected", () => {
  assert.throws(() => parseConfig("[]"), { message: "config.json: must be an object" });
});

test("a missing required property is reported at its own path", () => {
  rejects((c) => delete c.root.path, "config.json: /root/path: is required");
  rejects((c) => delete c.ociVersion, "config.json: /ociVersion: is required");
  rejects((c) => delete c.root, "config.json: /root: is required");
  rejects((c) => (c.mounts = [{ type: "tmpfs" }]), "config.json: /mounts/0/destination: is required");
  rejects((c) => delete c.process.user.gid, "config.json: /process/user/gid: is required");
  rejects(
    (c) => (c.linux.devices = [{ type: "c", path: "/dev/fuse", minor: 229 }]),
    'config.json: /linux/devices/0/major: is required unless type is "p"',
  );
});

test("integers are checked against their range", () => {
  const uidRange = "config.json: /process/user/uid: must be an integer from 0 to 4294967295";
  rejects((c) => (c.process.user.uid = -1), uidRange);
  rejects((c) => (c.process.user.uid = 4294967296), uidRange);
  rejects((c) => (c.process.user.uid = 1.5), uidRange);
  rejects((c) => (c.process.user.uid = "0"), uidRange);
  rejects(
    (c) => (c.linux.resources = { blockIO: { weight: 70000 } }),
    "config.json: /linux/resources/blockIO/weight: must be an integer from 0 to 65535",
  );
  rejects(
    (c) => (c.hooks = { poststop: [{ path: "/bin/true", timeout: 0 }] }),
    "config.json: /hooks/poststop/0/timeout: must be an integer from 1 to 2147483647",
  );
});

test("duplicate namespaces are rejected", () => {
  rejects(
    (c) => c.linux.namespaces.push({ type: "ipc" }, { type: "pid" }),
    'config.json: /linux/namespaces/3/type: duplicate namespace "pid"',
  );
});

test("a namespace path must be absolute", () => {
  rejects(
    (c) => c.linux.namespaces.push({ type: "network", path: "proc/1/ns/net" }),
    "config.json: /linux/namespaces/2/path: must be an absolute path",
  );
});

test("a mount namespace is required, new or by path", () => {
  rejects(
    (c) => c.linux.namespaces.splice(1, 1),
    "config.json: /linux/namespaces: must include a \"mount\" namespace (new or by path): runts never changes the host's mounts",
  );
  assert.doesNotThrow(() => parseConfig(withChange((c) => (c.linux.namespaces[1].path = "/proc/1/ns/mnt"))));
});

test("a relative mount destination is taken from / (deprecated, still valid: config.md \"Mounts\")", () => {
  assert.doesNotThrow(() => parseConfig(withChange((c) => (c.mounts = [{ destination: "dev", type: "tmpfs" }]))));
});

test("hook paths must be absolute; annotation keys must not be empty; listenerMetadata needs listenerPath", () => {
  rejects((c) => (c.hooks = { poststart: [{ path: "bin/true" }] }), "config.json: /hooks/poststart/0/path: must be an absolute path");
  rejects((c) => (c.annotations = { "": "x" }), "config.json: /annotations: keys must not be empty");
  rejects(
    (c) => (c.linux.seccomp = { defaultAction: "SCMP_ACT_ALLOW", listenerMetadata: "m" }),
    "config.json: /linux/seccomp/listenerMetadata: must not be set without listenerPath",
  );
});

test("a new user namespace needs uid and gid mappings", () => {
  rejects(
    (c) => c.linux.namespaces.push({ type: "user" }),
    "config.json: /linux/uidMappings: is required for a new user namespace; /linux/gidMappings: is required for a new user namespace",
  );
  rejects(
    (c) => {
      c.linux.namespaces.push({ type: "user" });
      c.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      c.linux.gidMappings = [];
    },
    "config.json: /linux/gidMappings: must have at least one entry for a new user namespace",
  );
  const mapped = withChange((c) => {
    c.linux.namespaces.push({ type: "user" });
    c.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    c.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  });
  assert.doesNotThrow(() => parseConfig(mapped));
});

test("id mappings without a user namespace are rejected", () => {
  rejects(
    (c) => (c.linux.uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }]),
    'config.json: /linux/uidMappings: requires a "user" namespace in /linux/namespaces',
  );
  rejects(
    (c) => (c.linux.gidMappings = [{ containerID: 0, hostID: 1000 }]),
    'config.json: /linux/gidMappings: requires a "user" namespace in /linux/namespaces; ' +
      "/linux/gidMappings/0/size: is required",
  );
});

test("hostname and domainname need a private uts namespace", () => {
  rejects(
    (c) => (c.hostname = "box"),
    "config.json: /hostname: unable to set hostname without a private uts namespace",
  );
  rejects(
    (c) => (c.domainname = "example.org"),
    "config.json: /domainname: unable to set domainname without a private uts namespace",
  );
  assert.doesNotThrow(() => parseConfig(withChange((c) => {
    c.hostname = "box";
    c.linux.namespaces.push({ type: "uts" });
  })));
});

test("process is required to start a container, but not to validate a config", () => {
  rejects((c) => delete c.process, "config.json: /process: is required");
  const config = minimal();
  delete config.process;
  assert.equal(validateConfig(config).ok, true);
});

test("process.args needs at least one entry to start a container", () => {
  rejects((c) => (c.process.args = []), "config.json: /process/args: must have at least one entry");
  rejects((c) => delete c.process.args, "config.json: /process/args: must have at least one entry");
  rejects((c) => delete c.process.cwd, "config.json: /process/cwd: is required");
});

test("process.cwd must be absolute", () => {
  rejects((c) => (c.process.cwd = "home"), "config.json: /process/cwd: must be an absolute path");
});

test("a capability that is not a capability's name is rejected; an unknown CAP_ name is the planner's to warn about", () => {
  rejects(
    (c) => (c.process.capabilities = { bounding: ["CAP_CHOWN", "CAP_KILL", "CAP_FOO"], ambient: ["cap_kill"] }),
    'config.json: /process/capabilities/ambient/0: unknown capability "cap_kill"',
  );
  assert.doesNotThrow(() => parseConfig(withChange((c) => (c.process.capabilities = { effective: ["CAP_CHECKPOINT_RESTORE"] }))));
});

test("env entries must be KEY=VALUE", () => {
  rejects(
    (c) => (c.process.env = ["PATH=/bin", "TERM", "=x", "EMPTY="]),
    "config.json: /process/env/1: must be of the form KEY=VALUE; /process/env/2: must be of the form KEY=VALUE",
  );
});

test("duplicate rlimits are rejected", () => {
  rejects(
    (c) => (c.process.rlimits = [
      { type: "RLIMIT_NOFILE", soft: 1024, hard: 1024 },
      { type: "RLIMIT_NOFILE", soft: 10, hard: 10 },
    ]),
    'config.json: /process/rlimits/1/type: duplicate rlimit "RLIMIT_NOFILE"',
  );
});

test("a weightDevice entry needs weight or leafWeight", () => {
  rejects(
    (c) => (c.linux.resources = { blockIO: { weightDevice: [{ major: 8, minor: 0, leafWeight: 10 }, { major: 8, minor: 16 }] } }),
    "config.json: /linux/resources/blockIO/weightDevice/1: must set weight or leafWeight",
  );
});

test("hook env entries must be KEY=VALUE too", () => {
  rejects(
    (c) => (c.hooks = { createRuntime: [{ path: "/bin/hook", env: ["A=1", "B"] }] }),
    "config.json: /hooks/createRuntime/0/env/1: must be of the form KEY=VALUE",
  );
});

test("an empty root.path is rejected", () => {
  rejects((c) => (c.root.path = ""), "config.json: /root/path: must not be empty");
});

test("unknown properties are ignored everywhere", () => {
  const config = withChange((c) => {
    c.futureTopLevel = { anything: [1, 2] };
    c.root.futureRoot = true;
    c.process.futureProcess = "x";
    c.process.user.futureUser = 1;
    c.linux.futureLinux = null;
    c.linux.namespaces[0].futureNamespace = "x";
    c.mounts = [{ destination: "/proc", type: "proc", futureMount: 1 }];
  });
  assert.doesNotThrow(() => parseConfig(config));
});

test("invalid JSON is a ConfigError with a clear message", () => {
  assert.throws(
    () => parseConfig('{"ociVersion": '),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /^config\.json: invalid JSON: \S/);
      assert.equal(err.problems.length, 1);
      assert.equal(err.problems[0].path, "");
      return true;
    },
  );
});

test("parseConfig names the given file", () => {
  assert.throws(() => parseConfig("{}", "/bundle/config.json"), {
    message: "/bundle/config.json: /ociVersion: is required; /root: is required; /process: is required; " +
      "/linux/namespaces: must include a \"mount\" namespace (new or by path): runts never changes the host's mounts",
  });
});

test("all problems are reported at once, on one line, in document order", () => {
  const text = withChange((c) => {
    c.ociVersion = 1;
    c.process.user.uid = -5;
    c.process.cwd = "tmp";
    c.mounts = [{ destination: "relative" }];
    c.hostname = "box";
    c.linux.namespaces.push({ type: "pid" }, { type: "bogus" });
  });
  assert.throws(() => parseConfig(text), {
    message:
      "config.json: /ociVersion: must be a string; " +
      "/process/cwd: must be an absolute path; " +
      "/process/user/uid: must be an integer from 0 to 4294967295; " +
      '/linux/namespaces/2/type: duplicate namespace "pid"; ' +
      "/linux/namespaces/3/type: must be one of pid, network, mount, ipc, uts, user, cgroup, time; " +
      "/hostname: unable to set hostname without a private uts namespace",
  });
});

test("validateConfig returns the problems as data", () => {
  const result = validateConfig({ ociVersion: "1.3.0", root: { path: "rootfs" }, linux: { namespaces: [{ type: "mount" }, { type: "mount" }] } });
  assert.deepEqual(result, { ok: false, problems: [{ path: "/linux/namespaces/1/type", message: 'duplicate namespace "mount"' }] });
});

test("formatProblems joins problems on one line without repeats", () => {
  const problems = [
    { path: "/a", message: "x" },
    { path: "/b", message: "y" },
    { path: "/a", message: "x" },
    { path: "", message: "z" },
  ];
  assert.equal(formatProblems("config.json", problems), "config.json: /a: x; /b: y; z");
  assert.equal(new ConfigError(problems).message, "config.json: /a: x; /b: y; z");
});

test("ociVersion must be a semver version", () => {
  rejects((c) => (c.ociVersion = "1.0"), "config.json: /ociVersion: must be a semver version such as 1.0.2");
  assert.doesNotThrow(() => parseConfig(withChange((c) => (c.ociVersion = "1.0.2-dev"))));
});

test("seccomp rules are checked", () => {
  rejects(
    (c) => (c.linux.seccomp = {
      defaultAction: "SCMP_ACT_ERRNO",
      architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_Z80"],
      syscalls: [{ names: ["clone"], action: "SCMP_ACT_ALLOW", args: [{ index: 0, value: 1, op: "SCMP_CMP_SAME" }] }],
    }),
    "config.json: /linux/seccomp/architectures/1: must be one of " +
      "SCMP_ARCH_X86, SCMP_ARCH_X86_64, SCMP_ARCH_X32, SCMP_ARCH_ARM, SCMP_ARCH_AARCH64, SCMP_ARCH_MIPS, SCMP_ARCH_MIPS64, " +
      "SCMP_ARCH_MIPS64N32, SCMP_ARCH_MIPSEL, SCMP_ARCH_MIPSEL64, SCMP_ARCH_MIPSEL64N32, SCMP_ARCH_PPC, SCMP_ARCH_PPC64, " +
      "SCMP_ARCH_PPC64LE, SCMP_ARCH_S390, SCMP_ARCH_S390X, SCMP_ARCH_PARISC, SCMP_ARCH_PARISC64, SCMP_ARCH_RISCV64, " +
      "SCMP_ARCH_LOONGARCH64, SCMP_ARCH_M68K, SCMP_ARCH_SH, SCMP_ARCH_SHEB; " +
      "/linux/seccomp/syscalls/0/args/0/op: must be one of SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_EQ, " +
      "SCMP_CMP_GE, SCMP_CMP_GT, SCMP_CMP_MASKED_EQ",
  );
});

test("a NUL byte in any string is refused with its path (C would cut the string there)", () => {
  rejects((c) => { c.process.args = ["sh", "-c", "a\u0000b"]; }, "config.json: /process/args/2: must not contain a NUL byte");
  rejects((c) => { c.annotations = { "a/b": "x\u0000" }; }, "config.json: /annotations/a~1b: must not contain a NUL byte");
});
