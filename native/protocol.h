/*
 * protocol.h: the C half of the TypeScript <-> C boundary.
 *
 * The TypeScript half is src/native/wire.ts; the two files define the same
 * numbers and MUST change together. Bump RUNTS_ABI on any change: the init
 * refuses a plan whose ABI it does not know.
 *
 * Processes
 *   runts (node)  --spawn-->  runts-init "P" (this program, re-executed from a
 *   sealed memfd)  --clone3-->  container init "C" (same program, never execs
 *   anything but the container's process).
 *
 * File descriptors in P at start (set up by src/runtime/launch.ts):
 *   0..2           the container's stdio, passed through untouched
 *   3..3+N-1       --preserve-fds / LISTEN_FDS, passed to the container as is
 *   3+N            ctl socket  (P <-> runts)
 *   3+N+1          sync socket (C <-> runts)
 *   N is argv[1] ("runts-init N").
 *
 * Frames (both sockets, both directions): u32 type, u32 length, payload.
 * Integers are little-endian (the byte order of every arch we build for).
 *
 * Sequence (create):
 *   runts -> P  PLAN(plan bytes)        P decodes everything before clone
 *   P           binds <state>/exec.sock, connects to the seccomp listener,
 *               opens its /proc/self (the host's), joins namespaces by path,
 *               writes oom_score_adj and the time namespace's offsets
 *               through that /proc/self, clone3
 *   P -> runts  PID(u32 host pid of C)
 *   C -> runts  CGROUP_REQ              with FLAG_CGROUP, before anything else
 *   runts -> C  CGROUP_ACK              after writing C's pid into the
 *                                       container's cgroup.procs files; C
 *                                       then unshares CLONE_NEWCGROUP, so
 *                                       the namespace's root is that cgroup
 *   C -> runts  IDMAP_REQ               only with a new user namespace
 *   runts -> C  IDMAP_ACK               after writing /proc/PID/{uid,gid}_map
 *   C -> runts  SECCOMP_STATE_REQ       only with a seccomp listenerPath
 *   runts -> C  SECCOMP_STATE(json)     the container process state that C
 *                                       sends with the notify fd at start
 *   C           sysctls, mounts, devices, masked and read-only paths
 *   C -> runts  HOOKS_REQ               with FLAG_HOOKS, right before
 *                                       pivot_root: the namespaces and
 *                                       mounts exist, the host's paths are
 *                                       still visible
 *   runts       runs the prestart, then the createRuntime hooks (runtime
 *               namespace, state "creating"); when one fails runts
 *               closes sync instead of answering and the create aborts
 *   runts -> C  HOOKS_ACK(str state "creating", str state "created")
 *                                       the JSON C gives its own hooks on
 *                                       stdin, naming C's host pid
 *   C           createContainer hooks (TAG_HOOK, hooks.c), in the
 *               container's namespaces, paths resolved on the host;
 *               then pivot_root, hostname, rlimits, creds, capabilities,
 *               executable lookup (child.c says why in this order)
 *   C -> runts  READY  or  ERROR(u32 step, i32 errno, u32 index, detail)
 *   runts       records state.json, writes --pid-file
 *   runts -> P  COMMIT                  P exits 0 (or, with FLAG_WAIT, waits
 *                                       for C and exits with its status)
 *   EOF on ctl before COMMIT = abort: P kills C, removes the state dir and
 *   the cgroup directories runts made (TAG_CGROUP_DIR), exits 1.
 *
 * exec (FLAG_EXEC): the same processes and frames without a state dir:
 *   P joins every namespace of the container by /proc/PID/ns path (pid
 *   included: clone3 after setns(CLONE_NEWPID) puts C in it), C does
 *   CGROUP_REQ, its process setup and READY, then closes fds, locks down
 *   and execs at once: EOF on sync means execve succeeded, ERROR that it did
 *   not. runts writes --pid-file, then COMMIT; P exits 0 (--detach) or waits
 *   for C and exits with its status (FLAG_WAIT).
 *
 * terminal (FLAG_TERMINAL): C opens /dev/ptmx inside the container after
 *   pivot_root (or, for exec, after joining the mount namespace), makes the
 *   peer its stdio and controlling terminal and sends the master, with the
 *   pty's name as data, in one SCM_RIGHTS message: to --console-socket
 *   (TAG_CONSOLE_SOCKET, connected by P as the host's root before any
 *   namespace is joined), or to P over a socketpair, which P relays to its
 *   own stdio after COMMIT (foreground run/exec, FLAG_WAIT).
 *
 * start: `runts start` connects to <state>/exec.sock; C accepts, closes every
 * fd but 0..2+N and the connection (which is close-on-exec), runs the
 * startContainer hooks (TAG_HOOK; after pivot_root, so their paths resolve in
 * the container; state "created"), sets no_new_privs, loads the seccomp
 * filter and execs. EOF on the connection means execve succeeded; an ERROR
 * frame means a step, a hook or execve did not. runts then runs the
 * poststart hooks; delete runs the poststop ones (src/runtime/hooks.ts).
 *
 * faults (tests only, TAG_FAULT): at a STEP_FAULT_* point the init either
 * fails as a step does, or sends MSG_FAULT where it would send an ERROR (P
 * on ctl, C on sync, or at start on the connection) and waits for EOF:
 * runts kills itself on reading it, so a test sees runts die right there.
 */
#ifndef RUNTS_PROTOCOL_H
#define RUNTS_PROTOCOL_H

#define RUNTS_ABI 5
#define RUNTS_MAGIC 0x53544e52u /* "RNTS" little-endian */

/* frame types */
enum msg_type {
  MSG_PLAN = 1,
  MSG_COMMIT = 2,
  MSG_PID = 3,
  MSG_IDMAP_REQ = 10,
  MSG_IDMAP_ACK = 11,
  MSG_READY = 12,
  MSG_ERROR = 13,
  MSG_SECCOMP_STATE_REQ = 14,
  MSG_SECCOMP_STATE = 15,
  MSG_CGROUP_REQ = 16,
  MSG_CGROUP_ACK = 17,
  MSG_HOOKS_REQ = 20,
  MSG_HOOKS_ACK = 21,
  MSG_FAULT = 60,      /* test only: u32 step; the init reached the step of
                          a TAG_FAULT with FAULT_REPORT and waits for EOF */
};

/*
 * Plan: u32 magic, u32 abi, then records: u16 tag, u16 zero, u32 length,
 * payload. Strings are NUL-terminated (length counts the NUL); u64 are 8 bytes.
 */
enum plan_tag {
  TAG_ROOTFS = 1,        /* str: absolute host path of the rootfs */
  TAG_STATE_DIR = 2,     /* str: the container's state dir */
  TAG_CLONE_FLAGS = 3,   /* u64: CLONE_NEW* to create */
  TAG_JOIN_NS = 4,       /* u64 CLONE_NEW* type, str path; in join order */
  TAG_MOUNT = 5,         /* u32 kind, u32 zero, u64 flags, u64 propagation,
                            str source, str destination, str type, str data */
  TAG_ROOT_PROPAGATION = 6, /* u64 MS_* flags for "/" */
  TAG_ROOT_READONLY = 7, /* u64 1 */
  TAG_NO_PIVOT = 8,      /* u64 1 */
  TAG_HOSTNAME = 9,      /* str */
  TAG_DOMAINNAME = 10,   /* str */
  TAG_CWD = 11,          /* str */
  TAG_UID = 12,          /* u64 */
  TAG_GID = 13,          /* u64 */
  TAG_GROUP = 14,        /* u64, repeated: additional gids */
  TAG_UMASK = 15,        /* u64 */
  TAG_ARG = 16,          /* str, repeated */
  TAG_ENV = 17,          /* str, repeated */
  TAG_FLAGS = 18,        /* u64 FLAG_* */
  TAG_CAPS = 19,         /* u64 x5: bounding, effective, inheritable, permitted,
                            ambient; absent = leave capabilities as they are */
  TAG_NO_NEW_PRIVS = 20, /* u64 1 */
  TAG_RLIMIT = 21,       /* u32 RLIMIT_*, u32 zero, u64 soft, u64 hard; repeated */
  TAG_OOM_SCORE_ADJ = 22,/* i64 */
  TAG_SYSCTL = 23,       /* str /proc/sys/... path, str value; repeated */
  TAG_MASKED = 24,       /* str path in the container; repeated */
  TAG_READONLY = 25,     /* str path in the container; repeated */
  TAG_DEVICE = 26,       /* u64 mode (S_IF* | perms), u32 major, u32 minor,
                            u32 uid, u32 gid, u64 bind, str path; repeated */
  TAG_SECCOMP = 27,      /* u64 SECCOMP_FILTER_FLAG_*, then struct sock_filter[] */
  TAG_SECCOMP_LISTENER = 28, /* str host path of the notify listener */
  TAG_APPARMOR = 29,     /* str profile */
  TAG_SELINUX = 30,      /* str label */
  TAG_PERSONALITY = 31,  /* u64 */
  TAG_SCHEDULER = 32,    /* u64 policy, u64 flags, i64 nice, u64 priority,
                            u64 runtime, u64 deadline, u64 period */
  TAG_IOPRIO = 33,       /* u64 ioprio_set value */
  TAG_CPU_AFFINITY = 34, /* cpu_set_t bytes */
  TAG_TIME_OFFSETS = 35, /* str, as /proc/self/timens_offsets takes it */
  TAG_CGROUP_DIR = 36,   /* str: a cgroup directory runts made; P removes it
                            on abort; repeated, deepest last */
  TAG_CONSOLE_SOCKET = 37, /* str: host path of --console-socket; P connects
                            before joining namespaces, C sends the pty master */
  TAG_CONSOLE_SIZE = 38, /* u64 rows, u64 columns: process.consoleSize */
  TAG_KEYRING = 39,      /* str: the session keyring C joins (absent with
                            --no-new-keyring) */
  TAG_HOOK = 44,         /* u32 HOOK_* kind, u32 timeout in seconds (0: none),
                            u32 nargs, u32 nenv, str path, nargs x str args,
                            nenv x str env; repeated, in the config's order */
  TAG_FAULT = 60,        /* test only: u32 STEP_FAULT_*, u32 FAULT_* mode;
                            runts sends it only under RUNTS_TEST_FAULTS=1
                            (src/runtime/fault.ts) */
};

/* TAG_FAULT: what the init does when it reaches the step. FAIL: ERROR
 * (the step, ECANCELED) and exit, as a failing step does. REPORT: MSG_FAULT
 * on the socket to runts, which SIGKILLs itself on reading it; the init
 * waits for the EOF, then goes on, so runts dies exactly there. */
enum fault_mode {
  FAULT_FAIL = 1,
  FAULT_REPORT = 2,
};

/* the hooks C runs (TAG_HOOK); runts runs prestart, createRuntime,
 * poststart and poststop itself */
enum hook_kind {
  HOOK_CREATE_CONTAINER = 1,
  HOOK_START_CONTAINER = 2,
};

enum mount_kind {
  MOUNT_FS = 1,      /* mount(source, dest, type, flags, data) */
  MOUNT_BIND = 2,    /* bind a host path (dir or file), then remount flags */
  MOUNT_SYMLINK = 3, /* symlink(source, dest) inside the rootfs */
  MOUNT_REMOUNT = 4, /* remount dest with flags (a tmpfs made read-only) */
};

enum plan_flag {
  FLAG_WAIT = 1,     /* P waits for C after COMMIT (run in the foreground) */
  FLAG_NO_SETSID = 2,
  FLAG_CGROUP = 4,   /* C asks runts to join it to its cgroup (CGROUP_REQ) */
  FLAG_EXEC = 8,     /* runts exec: no state dir, no rootfs; C execs at once */
  FLAG_TERMINAL = 16,/* C opens a pty in the container; its master goes to
                        the console socket, or (no socket, FLAG_WAIT) to P,
                        which relays it to its own stdio */
  FLAG_HOOKS = 64,   /* C asks runts to run its hooks before pivot_root and
                        for the state its own hooks read (HOOKS_REQ) */
};

/* Steps named in ERROR frames; wire.ts has the same list with words. */
enum step {
  STEP_DECODE = 1,
  STEP_JOIN_NS = 2,
  STEP_EXEC_SOCKET = 3,
  STEP_CLONE = 4,
  STEP_IDMAP = 5,
  STEP_SETSID = 6,
  STEP_ROOT_PROPAGATION = 7,
  STEP_BIND_ROOTFS = 8,
  STEP_MOUNT_TARGET = 9,
  STEP_MOUNT = 10,
  STEP_MOUNT_REMOUNT = 11,
  STEP_MOUNT_PROPAGATION = 12,
  STEP_SYMLINK = 13,
  STEP_PIVOT_ROOT = 14,
  STEP_NO_PIVOT = 15,
  STEP_ROOT_READONLY = 16,
  STEP_HOSTNAME = 17,
  STEP_DOMAINNAME = 18,
  STEP_SETGROUPS = 19,
  STEP_SETGID = 20,
  STEP_SETUID = 21,
  STEP_CWD = 22,
  STEP_LOOKUP = 23,
  STEP_SYNC = 24,
  STEP_ACCEPT = 25,
  STEP_EXEC = 26,
  STEP_CLOSE_FDS = 27,
  STEP_CAP_BOUNDING = 28,
  STEP_CAPS = 29,
  STEP_CAP_AMBIENT = 30,
  STEP_RLIMIT = 31,
  STEP_OOM_SCORE_ADJ = 32,
  STEP_SYSCTL = 33,
  STEP_READONLY = 34,
  STEP_MASKED = 35,
  STEP_DEVICE = 36,
  STEP_NO_NEW_PRIVS = 37,
  STEP_SECCOMP = 38,
  STEP_SECCOMP_NOTIFY = 39,
  STEP_APPARMOR = 40,
  STEP_SELINUX = 41,
  STEP_PERSONALITY = 42,
  STEP_SCHEDULER = 43,
  STEP_IOPRIO = 44,
  STEP_CPU_AFFINITY = 45,
  STEP_TIME_OFFSETS = 46,
  STEP_CWD_ESCAPE = 47,
  STEP_CGROUP_NS = 48,
  STEP_CONSOLE_SOCKET = 49,
  STEP_CONSOLE = 50,
  STEP_CONSOLE_SEND = 51,
  STEP_KEYRING = 52,
  /* a hook C runs failed: index is its place among the hooks of its kind;
   * detail is "path\noutcome\nstderr", outcome "exit N", "signal N" or
   * "timeout N" (seconds), empty when errno says why it did not start */
  STEP_HOOK_CREATE_CONTAINER = 53,
  STEP_HOOK_START_CONTAINER = 54,
  STEP_HOME = 55,
  /* test only: where TAG_FAULT can stop the init (src/runtime/fault.ts
   * names them init.*); P's, then C's, in the order they are reached */
  STEP_FAULT_DECODED = 70,      /* P: the plan decoded */
  STEP_FAULT_EXEC_SOCKET = 71,  /* P: <state>/exec.sock bound */
  STEP_FAULT_CLONED = 72,       /* P: C cloned, PID not sent */
  STEP_FAULT_CGROUP_JOINED = 73,/* C: after CGROUP_ACK */
  STEP_FAULT_IDMAPPED = 74,     /* C: after IDMAP_ACK */
  STEP_FAULT_MOUNTED = 75,      /* C: mounts made, pivoted */
  STEP_FAULT_BEFORE_READY = 76, /* C: set up, READY not sent */
  STEP_FAULT_COMMITTED = 77,    /* P: COMMIT received */
  STEP_FAULT_ACCEPTED = 78,     /* C: start's connection accepted */
  STEP_FAULT_BEFORE_EXEC = 79,  /* C: right before execve */
};

#endif
