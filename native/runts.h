/* runts.h: shared declarations of runts-init (see protocol.h for the wire). */
#ifndef RUNTS_H
#define RUNTS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "protocol.h"

struct mount_op {
  uint32_t kind;
  uint64_t flags;
  uint64_t propagation;
  const char *source, *dest, *type, *data;
};

struct join_ns {
  uint64_t type;
  const char *path;
  int fd;
};

struct rlimit_op { uint32_t resource; uint64_t soft, hard; };
struct sysctl_op { const char *path, *value; };
struct device_op {
  uint64_t mode, bind;
  uint32_t major, minor, uid, gid;
  const char *path;
};
/* a hook C runs (TAG_HOOK): argv is [path] when the config gives no args;
 * envp is exactly the config's env */
struct hook_op {
  uint32_t kind, timeout;
  const char *path;
  char **argv, **envp; /* NULL-terminated */
};
struct sched_op { uint64_t policy, flags; int64_t nice; uint64_t priority, runtime, deadline, period; };

/* the capability sets, in TAG_CAPS order */
enum { CAP_BND, CAP_EFF, CAP_INH, CAP_PRM, CAP_AMB, NCAPSETS };

struct plan {
  const char *rootfs, *state_dir, *hostname, *domainname, *cwd;
  uint64_t clone_flags, root_propagation, flags;
  int root_readonly, no_pivot, has_hostname, has_domainname, has_umask;
  uint64_t uid, gid, umask;
  struct join_ns *joins; size_t njoins;
  struct mount_op *mounts; size_t nmounts;
  uint64_t *groups; size_t ngroups;
  char **argv; size_t nargs;   /* NULL-terminated */
  char **envp; size_t nenv;    /* NULL-terminated */
  /* issue 3: security; has_* says the config gave it */
  int has_caps, nnp, has_oom, has_personality, has_sched, has_ioprio;
  uint64_t caps[NCAPSETS];
  struct rlimit_op *rlimits; size_t nrlimits;
  int64_t oom_score_adj;
  struct sysctl_op *sysctls; size_t nsysctls;
  char **masked; size_t nmasked;
  char **readonly; size_t nreadonly;
  struct device_op *devices; size_t ndevices;
  uint64_t seccomp_flags;
  const char *seccomp_prog; size_t seccomp_len; /* struct sock_filter[], NULL: none */
  const char *seccomp_listener;
  const char *apparmor, *selinux, *time_offsets;
  uint64_t personality, ioprio;
  struct sched_op sched;
  const char *affinity; size_t affinity_len;
  /* issue 4: the cgroup directories runts made, removed by P on abort */
  char **cgroup_dirs; size_t ncgroup_dirs;
  /* issue 5: terminal and keyring */
  const char *console_socket, *keyring;
  int has_console_size;
  uint64_t console_rows, console_cols;
  /* issue 5: createContainer and startContainer hooks, in order */
  struct hook_op *hooks; size_t nhooks;
  /* tests only (TAG_FAULT): a STEP_FAULT_* and a FAULT_* mode; 0: none */
  uint32_t fault_step, fault_mode;
};

/* the fds and plan one init works with */
struct ctx {
  struct plan plan;
  int preserve;     /* count of fds 3.. passed through */
  int ctl, sync;    /* sockets to runts */
  int listener;     /* <state>/exec.sock, listening */
  int state_dirfd;
  /* creds.c: the capability sets the process ends with; CAP_SYS_ADMIN kept
   * in effective until the seccomp filter is loaded (admin_kept) */
  uint64_t final_caps[NCAPSETS];
  int admin_kept;
  /* SCMP_ACT_NOTIFY: connected to the listener by P, and the state runts
   * sends with the notify fd (MSG_SECCOMP_STATE) */
  int notify_sock;
  char *notify_state; uint32_t notify_state_len;
  /* FLAG_TERMINAL: where C sends the pty master (the console socket, or
   * its end of P's socketpair), and P's end of that pair (-1 otherwise) */
  int console_sock, relay_sock;
  /* hooks.c: the state JSON for createContainer ("creating") and
   * startContainer ("created") hooks, from HOOKS_ACK */
  const char *hook_state[2];
  pid_t runts_pid;  /* P's parent; TAG_FAULT waits for it to die */
  /* P's own /proc/<pid> in the host's procfs, opened before P joins a mount
   * namespace: after that /proc is the container's, where P (not in the
   * container's pid namespace: setns moves only its children) has no entry */
  int proc_self;
};

/* plan.c */
int plan_decode(struct plan *p, char *buf, size_t len);

/* sync.c */
int frame_send(int fd, uint32_t type, const void *payload, uint32_t len);
int frame_recv(int fd, uint32_t *type, char **payload, uint32_t *len);
void report_error(int fd, uint32_t step, int err, uint32_t index, const char *detail);
int send_fd(int sock, int fd, const void *data, size_t len);
int fault_here(struct ctx *c, uint32_t step, int fd);

/* cloned.c */
int ensure_sealed_copy(char **argv, char **envp);

/* child.c */
int child_main(struct ctx *c);

/* creds.c: ids, capabilities, rlimits; then, at exec, no_new_privs and seccomp */
void set_rlimits(struct ctx *c);
void set_creds(struct ctx *c);
void lock_down(struct ctx *c, int report_fd);

/* process.c: what the process inherits across execve */
void set_process_attrs(struct ctx *c);
int open_proc_self(struct ctx *c); /* in P, before joining namespaces, when parent_attrs will write */
uint32_t parent_attrs(struct ctx *c, const char **bad); /* in P, before clone: 0 or the failed step */
void set_lsm_labels(struct ctx *c);
int write_file(const char *path, const char *text); /* one write(2), as /proc files want */
int write_file_at(int dirfd, const char *path, const char *text);

/* devices.c: device nodes, read-only and masked paths (before pivot_root),
 * sysctls */
void make_devices(struct ctx *c, int rootfd);
void protect_paths(struct ctx *c, int rootfd);
void write_sysctls(struct ctx *c);

/* hooks.c: createContainer hooks (before pivot_root, after asking runts
 * to run its own) and startContainer hooks (at start, before execve) */
void hooks_before_pivot(struct ctx *c);
void hooks_at_start(struct ctx *c, int report_fd);

/* mounts.c; paths inside the root are resolved with RESOLVE_IN_ROOT */
int setup_rootfs(struct ctx *c);
int open_in_root(int rootfd, const char *path, int flags);
int open_parent(int rootfd, const char *path, const char **base);
int open_target(int rootfd, const char *dest, int want_dir);
void fd_path(char *buf, size_t size, int fd);
unsigned long locked_flags(const char *path);

/* console.c: the container's terminal (C) and P's relay of it */
void setup_console(struct ctx *c);
int relay_console(struct ctx *c, pid_t child);

/* fail: report a step's failure on the sync socket and exit the child */
_Noreturn void fail(struct ctx *c, uint32_t step, int err, uint32_t index, const char *detail);

#endif
