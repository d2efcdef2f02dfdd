/* main.c: runts-init "P", the process runts spawns for create and run.
 *
 * P decodes the plan, joins namespaces given by path, binds the exec socket
 * and clones the container's init "C" (child.c) into the new namespaces. It
 * then reports C's pid and stays only until runts has recorded the state
 * (COMMIT), so that a runts killed half-way leaves nothing behind: P sees EOF,
 * kills C and removes the state dir. Wire and sequence: protocol.h. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>
#include "runts.h"

/* Node ignores SIGPIPE and may block signals; exec keeps both, so undo them
 * here, first, before anything can be inherited by the container. */
static void reset_signals(void) {
  sigset_t none;
  for (int sig = 1; sig < NSIG; sig++) signal(sig, SIG_DFL);
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
}

static int read_plan(struct ctx *c) {
  uint32_t type, len;
  char *buf;
  if (frame_recv(c->ctl, &type, &buf, &len) < 0 || type != MSG_PLAN) return -1;
  return plan_decode(&c->plan, buf, len);
}

/* bound relative to the state dir: sun_path holds 108 bytes and state dirs
 * under containerd's --root with 64-hex ids come close to that */
static int bind_exec_socket(struct ctx *c) {
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  strcpy(sa.sun_path, "exec.sock");
  c->listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (c->listener < 0 || fchdir(c->state_dirfd) < 0) return -1;
  if (bind(c->listener, (struct sockaddr *)&sa, sizeof sa) < 0) return -1;
  return listen(c->listener, 1);
}

/* open every path first: joining the mount namespace changes what paths
 * mean; then the user namespace first, so that we hold capabilities in the
 * namespaces it owns when joining those */
static int join_namespaces(struct ctx *c, const char **bad) {
  struct plan *p = &c->plan;
  for (size_t i = 0; i < p->njoins; i++) {
    *bad = p->joins[i].path;
    if ((p->joins[i].fd = open(p->joins[i].path, O_RDONLY | O_CLOEXEC)) < 0) return -1;
  }
  for (int pass = 0; pass < 2; pass++)
    for (size_t i = 0; i < p->njoins; i++) {
      int is_user = p->joins[i].type == CLONE_NEWUSER;
      if (is_user != (pass == 0)) continue;
      *bad = p->joins[i].path;
      if (setns(p->joins[i].fd, (int)p->joins[i].type) < 0) return -1;
      close(p->joins[i].fd);
    }
  return 0;
}

/* SCMP_ACT_NOTIFY: connect to the listener now, as the host's root and
 * before any namespace is joined, so its path means what it means on the
 * host; C sends the notify fd on this socket once the filter is loaded */
static int connect_listener(struct ctx *c) {
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  const char *path = c->plan.seccomp_listener;
  if (strlen(path) >= sizeof sa.sun_path) return errno = ENAMETOOLONG, -1;
  strcpy(sa.sun_path, path);
  c->notify_sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (c->notify_sock < 0) return -1;
  return connect(c->notify_sock, (struct sockaddr *)&sa, sizeof sa);
}

/* process.terminal: a --console-socket is a host path, so P connects as the
 * host's root before any namespace is joined; without one (a foreground
 * run or exec) the master comes back to us over a socketpair */
static int open_console_channel(struct ctx *c) {
  if (!(c->plan.flags & FLAG_TERMINAL)) return 0;
  if (!c->plan.console_socket) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) return -1;
    c->console_sock = sv[0];
    c->relay_sock = sv[1];
    return 0;
  }
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  if (strlen(c->plan.console_socket) >= sizeof sa.sun_path) return errno = ENAMETOOLONG, -1;
  strcpy(sa.sun_path, c->plan.console_socket);
  c->console_sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (c->console_sock < 0) return -1;
  return connect(c->console_sock, (struct sockaddr *)&sa, sizeof sa);
}

/* CLONE_NEWCGROUP waits: C unshares it once runts has moved it into the
 * container's cgroup (child.c), or the namespace's root would be ours */
static pid_t clone_child(struct ctx *c) {
  uint64_t later = CLONE_NEWTIME | ((c->plan.flags & FLAG_CGROUP) ? CLONE_NEWCGROUP : 0);
  struct clone_args args = {
    .flags = c->plan.clone_flags & ~later,
    .exit_signal = SIGCHLD,
  };
  return (pid_t)syscall(SYS_clone3, &args, sizeof args);
}

/* abort: nothing of the container may outlive a create that did not finish */
static void remove_state_dir(struct ctx *c) {
  if (c->state_dirfd < 0) return; /* exec has none */
  /* state_dirfd is O_PATH, which cannot be listed: a readable fd of the same dir */
  int fd = openat(c->state_dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *d = fd < 0 ? NULL : fdopendir(fd);
  for (struct dirent *e; d && (e = readdir(d));)
    if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
      unlinkat(c->state_dirfd, e->d_name, 0);
  if (d) closedir(d);
  /* by path, so only if the path still names our dir: when runts died, the
   * id's lock (src/host/lock.ts) died with it, and a delete and a new create
   * of the same id may have come in between */
  struct stat held, now;
  if (fstat(c->state_dirfd, &held) == 0 && stat(c->plan.state_dir, &now) == 0 &&
      held.st_dev == now.st_dev && held.st_ino == now.st_ino)
    rmdir(c->plan.state_dir);
}

/* C is reaped, so its cgroups are empty; the plan lists parents first */
static void remove_cgroups(struct ctx *c) {
  for (size_t i = c->plan.ncgroup_dirs; i > 0; i--) rmdir(c->plan.cgroup_dirs[i - 1]);
}

static int status_code(int status) {
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return WEXITSTATUS(status);
}

/* after PID: wait for COMMIT; EOF means runts gave up or died */
static int supervise(struct ctx *c, pid_t child) {
  uint32_t type = 0, len;
  char *buf;
  int r = frame_recv(c->ctl, &type, &buf, &len);
  if (r < 0 || type != MSG_COMMIT) {
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    remove_state_dir(c);
    remove_cgroups(c);
    return 1;
  }
  /* tests: a P that fails after COMMIT, leaving C to runts to clean up */
  if (fault_here(c, STEP_FAULT_COMMITTED, c->ctl)) {
    report_error(c->ctl, STEP_FAULT_COMMITTED, ECANCELED, 0, NULL);
    return 1;
  }
  if (!(c->plan.flags & FLAG_WAIT)) return 0;
  /* run in the foreground: runts forwards signals to the container; a ^C on
   * the terminal must not take us away before we report the status */
  signal(SIGINT, SIG_IGN); signal(SIGTERM, SIG_IGN);
  signal(SIGHUP, SIG_IGN); signal(SIGQUIT, SIG_IGN);
  if (c->relay_sock >= 0) return relay_console(c, child);
  int status;
  while (waitpid(child, &status, 0) < 0)
    if (errno != EINTR) return 255;
  return status_code(status);
}

static _Noreturn void die(struct ctx *c, uint32_t step, const char *detail) {
  report_error(c->ctl, step, errno, 0, detail);
  if (c->state_dirfd >= 0 && step >= STEP_EXEC_SOCKET) unlinkat(c->state_dirfd, "exec.sock", 0);
  _exit(1);
}

/* tests only (TAG_FAULT): P's failure at a fault step is a step's failure */
static void fault(struct ctx *c, uint32_t step) {
  if (!fault_here(c, step, c->ctl)) return;
  errno = ECANCELED;
  die(c, step, NULL);
}

int main(int argc, char **argv, char **envp) {
  struct ctx c = { .state_dirfd = -1, .listener = -1, .notify_sock = -1, .console_sock = -1, .relay_sock = -1, .proc_self = -1 };
  reset_signals();
  c.runts_pid = getppid();
  if (argc < 2) return 2;
  c.preserve = atoi(argv[1]);
  c.ctl = 3 + c.preserve;
  c.sync = c.ctl + 1;
  if (ensure_sealed_copy(argv, envp) < 0) die(&c, STEP_DECODE, "sealed copy of runts-init");
  if (read_plan(&c) < 0) { errno = EINVAL; die(&c, STEP_DECODE, "plan"); }
  fault(&c, STEP_FAULT_DECODED);
  const char *bad = c.plan.state_dir;
  if (!(c.plan.flags & FLAG_EXEC)) {
    c.state_dirfd = open(bad, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (c.state_dirfd < 0 || bind_exec_socket(&c) < 0) die(&c, STEP_EXEC_SOCKET, bad);
    fault(&c, STEP_FAULT_EXEC_SOCKET);
  }
  if (open_console_channel(&c) < 0) die(&c, STEP_CONSOLE_SOCKET, c.plan.console_socket);
  if (c.plan.seccomp_listener && connect_listener(&c) < 0) die(&c, STEP_SECCOMP_NOTIFY, c.plan.seccomp_listener);
  if (open_proc_self(&c) < 0) die(&c, c.plan.has_oom ? STEP_OOM_SCORE_ADJ : STEP_TIME_OFFSETS, "/proc/self");
  if (join_namespaces(&c, &bad) < 0) die(&c, STEP_JOIN_NS, bad);
  /* clone() cannot say CLONE_NEWTIME; unshare makes our children join one,
   * whose offsets can be written only until a process is in it */
  if ((c.plan.clone_flags & CLONE_NEWTIME) && unshare(CLONE_NEWTIME) < 0) die(&c, STEP_CLONE, "unshare(CLONE_NEWTIME)");
  uint32_t step = parent_attrs(&c, &bad);
  if (step) die(&c, step, bad);
  pid_t child = clone_child(&c);
  if (child < 0) die(&c, STEP_CLONE, "clone3");
  if (child == 0) _exit(child_main(&c));
  if (fault_here(&c, STEP_FAULT_CLONED, c.ctl)) {
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    errno = ECANCELED;
    die(&c, STEP_FAULT_CLONED, NULL);
  }
  close(c.sync);
  if (c.listener >= 0) close(c.listener);
  if (c.notify_sock >= 0) close(c.notify_sock);
  if (c.console_sock >= 0) close(c.console_sock);
  uint32_t pid = (uint32_t)child;
  if (frame_send(c.ctl, MSG_PID, &pid, 4) < 0) { errno = EPIPE; }
  return supervise(&c, child);
}
