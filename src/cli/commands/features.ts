// runts features
// Prints the OCI features document as JSON: the hooks, mount options,
// namespaces, capabilities and seccomp vocabulary runts recognizes, and what
// this host lets it use (libseccomp, the kernel's seccomp flags, AppArmor,
// SELinux). Needs no root and writes nothing; clients call it with no global flags.
import { featuresDocument, formatFeatures } from "../../plan/features.js";
import { readSecurityFacts } from "../../host/facts.js";
import { kernelSeccompFlags, libseccompFacts } from "../../host/seccomp.js";
import { COMMIT, VERSION } from "../version.js";
import type { CommandSpec } from "../table.js";

export const features: CommandSpec = {
  name: "features",
  usage: "features",
  summary: "show the enabled features",
  flags: [],
  minArgs: 0,
  maxArgs: 0,
  async run({ out }) {
    const { apparmor, selinux } = readSecurityFacts();
    const facts = { version: VERSION, commit: COMMIT, apparmor, selinux, libseccomp: libseccompFacts(), seccompFlags: kernelSeccompFlags() };
    out(formatFeatures(featuresDocument(facts)));
    return 0;
  },
};
