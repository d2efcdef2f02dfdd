/**
 * features.ts: the OCI features document (runtime-spec features.md and
 * features-linux.md), pure. Every list comes from the table the planner
 * itself uses, so the document cannot claim what the planner refuses; what
 * depends on the host (libseccomp, the kernel's seccomp flags, the LSMs)
 * arrives as facts, read by the `features` command.
 */
import { SPEC_VERSION } from "../cli/version.js";
import type { HookName } from "../spec/types.js";
import {
  CAPABILITIES, CLONE_FLAGS, MOUNT_FLAGS, PROPAGATION, SECCOMP_ACTIONS, SECCOMP_FLAGS, SECCOMP_OPERATORS,
} from "./tables.js";

/** what the host adds to the document */
export interface FeatureFacts {
  version: string;
  commit: string;
  /** the LSM is enabled on this host: runts applies its fields there and refuses them elsewhere (as runc reports) */
  apparmor: boolean;
  selinux: boolean;
  /** undefined when libseccomp.so.2 cannot be loaded: a seccomp profile is then refused */
  libseccomp?: { version: string; archs: string[] };
  /** SECCOMP_FILTER_FLAG_* names this kernel takes */
  seccompFlags: string[];
}

export interface Features {
  ociVersionMin: string;
  ociVersionMax: string;
  hooks: string[];
  mountOptions: string[];
  linux: Record<string, unknown>;
  annotations: Record<string, string>;
  potentiallyUnsafeConfigAnnotations: string[];
}

/** the oldest config runts accepts (the schema takes any 1.x) and the spec it is written to */
export const OCI_VERSION_MIN = "1.0.0";
export const OCI_VERSION_MAX = SPEC_VERSION;

/** in the order the lifecycle runs them (config.md) */
export const HOOKS: readonly HookName[] = ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"];

/** options that change flags or propagation; not the filesystem's own data
 * options (`mode=`, `size=`), which the spec leaves out of this list */
export function mountOptions(): string[] {
  return [...Object.keys(MOUNT_FLAGS), ...Object.keys(PROPAGATION)].sort();
}

export function featuresDocument(facts: FeatureFacts): Features {
  return {
    ociVersionMin: OCI_VERSION_MIN,
    ociVersionMax: OCI_VERSION_MAX,
    hooks: [...HOOKS],
    mountOptions: mountOptions(),
    linux: {
      namespaces: Object.keys(CLONE_FLAGS).sort(),
      capabilities: [...CAPABILITIES],
      // systemd: --systemd-cgroup places the cgroup where systemd would (no D-Bus unit yet);
      // systemdUser would need rootless containers, which runts does not run
      cgroup: { v1: true, v2: true, systemd: true, systemdUser: false, rdma: true },
      seccomp: seccomp(facts),
      apparmor: { enabled: facts.apparmor },
      selinux: { enabled: facts.selinux },
      intelRdt: { enabled: false, schemata: false, monitoring: false },
      // mounts[].uidMappings are not applied: `idmap` and `ridmap` are refused by name
      mountExtensions: { idmap: { enabled: false } },
      netDevices: { enabled: false },
    },
    annotations: annotations(facts),
    // runts reads no annotation of config.json: none changes what it does
    potentiallyUnsafeConfigAnnotations: [],
  };
}

function seccomp(facts: FeatureFacts): Record<string, unknown> {
  const known = Object.keys(SECCOMP_FLAGS);
  return {
    enabled: facts.libseccomp !== undefined,
    actions: Object.keys(SECCOMP_ACTIONS).sort(),
    operators: Object.keys(SECCOMP_OPERATORS).sort(),
    // unknown without libseccomp: the architectures are its to resolve
    ...(facts.libseccomp ? { archs: [...facts.libseccomp.archs].sort() } : {}),
    knownFlags: known,
    supportedFlags: known.filter((f) => facts.seccompFlags.includes(f)),
  };
}

function annotations(facts: FeatureFacts): Record<string, string> {
  return {
    ...(facts.libseccomp ? { "io.github.seccomp.libseccomp.version": facts.libseccomp.version } : {}),
    "io.github.runts.commit": facts.commit,
    "io.github.runts.version": facts.version,
  };
}

/** indented as runc prints it */
export function formatFeatures(doc: Features): string {
  return `${JSON.stringify(doc, null, 4)}\n`;
}
