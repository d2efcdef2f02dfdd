// The bundler (scripts/build.mjs) defines RUNTS_COMMIT; a plain `tsc` build
// (the tests) reports "unknown".
declare const RUNTS_COMMIT: string | undefined;

export const VERSION = "0.1.0";
export const COMMIT = typeof RUNTS_COMMIT === "string" ? RUNTS_COMMIT : "unknown";
/** The OCI runtime-spec version runts implements. */
export const SPEC_VERSION = "1.3.0";
