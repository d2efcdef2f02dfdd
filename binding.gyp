# node-gyp builds runts-init, the small static C program that becomes the
# container's init (native/), the test probe, and host.node, the one addon:
# flock(2), which Node lacks, for the per-container lock, and the thread that
# keeps the first cgroup join from waiting (native/host.c says why each).
{
  "targets": [
    {
      "target_name": "runts-init",
      "type": "executable",
      "sources": ["native/main.c", "native/child.c", "native/mounts.c", "native/devices.c", "native/plan.c",
                  "native/creds.c", "native/process.c", "native/hooks.c",
                  "native/sync.c", "native/cloned.c", "native/console.c"],
      "cflags": ["-std=gnu11", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "ldflags": ["-static"]
    },
    {
      "target_name": "host",
      "sources": ["native/host.c"],
      "cflags": ["-std=gnu11", "-O2", "-Wall", "-Wextra"]
    },
    {
      "target_name": "probe",
      "type": "executable",
      "sources": ["test/probe/probe.c"],
      "cflags": ["-std=gnu11", "-O2", "-Wall", "-Wextra"],
      "ldflags": ["-static"]
    }
  ]
}
