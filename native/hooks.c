/* hooks.c: the OCI hooks the container's init "C" runs itself, in the
 * container's namespaces (runtime-spec v1.3.0 config.md, "POSIX-platform
 * Hooks"); prestart, createRuntime, poststart and poststop run in runts
 * (src/runtime/hooks.ts). Wire: protocol.h (HOOKS_REQ, TAG_HOOK).
 *
 *  - createContainer: right before pivot_root, once runts has run the
 *    createRuntime hooks (HOOKS_REQ/ACK): the mounts exist and the host's
 *    paths are still visible, so the hook's path resolves as on the host.
 *  - startContainer: once `runts start` connected, after pivot_root (the
 *    path resolves in the container) and before no_new_privs and seccomp,
 *    whose filter might forbid what running a hook takes.
 *
 * A hook gets the state JSON on stdin, its args and env exactly as given
 * (nothing inherited), stdio only; stdout is read and dropped, the start of
 * stderr goes into the error. A hook that does not read its stdin is not a
 * failure: EPIPE on the write is ignored. With a timeout, a hook still
 * running then is killed and fails. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "runts.h"

#define STDERR_KEEP 1024

/* one running hook: our ends of its pipes (-1 once closed) */
struct hook_run {
  pid_t pid;
  int pidfd, in, out, err, exec_err;
  const char *state; size_t left;
  char stderr_text[STDERR_KEEP + 1]; size_t nerr;
};

static const uint32_t step_of[] = {
  [HOOK_CREATE_CONTAINER] = STEP_HOOK_CREATE_CONTAINER,
  [HOOK_START_CONTAINER] = STEP_HOOK_START_CONTAINER,
};

/* in the forked child: stdio from the pipes, fd 3 reports an execve errno
 * (close-on-exec, so EOF means the exec happened), every other fd closed */
static _Noreturn void exec_hook(struct hook_op *h, int in, int out, int err, int report) {
  if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0) _exit(127);
  if (report != 3 && dup2(report, 3) < 0) _exit(127);
  fcntl(3, F_SETFD, FD_CLOEXEC);
  syscall(SYS_close_range, 4u, ~0u, 0);
  signal(SIGPIPE, SIG_DFL); /* ignored by the writer, not by the hook */
  execve(h->path, h->argv, h->envp);
  int e = errno;
  if (write(3, &e, sizeof e) < 0) _exit(127);
  _exit(127);
}

static void close_fd(int *fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

/* fork the hook with three pipes; 0 or the errno of what failed */
static int start_hook(struct hook_op *h, struct hook_run *r) {
  int in[2], out[2], err[2], rep[2];
  if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0 || pipe2(rep, O_CLOEXEC) < 0)
    return errno;
  r->pid = fork();
  if (r->pid < 0) return errno;
  if (r->pid == 0) exec_hook(h, in[0], out[1], err[1], rep[1]);
  close(in[0]); close(out[1]); close(err[1]); close(rep[1]);
  r->in = in[1]; r->out = out[0]; r->err = err[0]; r->exec_err = rep[0];
  /* our ends only: a hook's blocking stdio stays blocking */
  fcntl(r->in, F_SETFL, O_NONBLOCK);
  fcntl(r->out, F_SETFL, O_NONBLOCK);
  fcntl(r->err, F_SETFL, O_NONBLOCK);
  r->pidfd = (int)syscall(SYS_pidfd_open, r->pid, 0);
  return r->pidfd < 0 ? errno : 0;
}

/* as much of the state as the pipe takes; a hook that closed its stdin
 * (EPIPE) or has read all of it gets no more */
static void feed_stdin(struct hook_run *r) {
  ssize_t n = write(r->in, r->state, r->left);
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n > 0) { r->state += n; r->left -= (size_t)n; }
  if (n < 0 || r->left == 0) close_fd(&r->in);
}

/* read what is there; keep the start of stderr, drop stdout */
static void drain(struct hook_run *r, int *fd) {
  char buf[4096];
  for (;;) {
    ssize_t n = read(*fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return;
    if (n <= 0) { close_fd(fd); return; }
    size_t keep = fd == &r->err ? STDERR_KEEP - r->nerr : 0;
    if (keep > (size_t)n) keep = (size_t)n;
    memcpy(r->stderr_text + r->nerr, buf, keep);
    r->nerr += keep;
  }
}

static long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* until the hook exits (its pidfd turns readable) or its time is up; the
 * pipes alone would wait for any child the hook left holding them.
 * Returns 0 when it exited, -1 when it was killed for its timeout. */
static int wait_hook(struct hook_run *r, uint32_t timeout) {
  long deadline = now_ms() + (long)timeout * 1000L;
  for (;;) {
    long ms = timeout ? deadline - now_ms() : -1;
    if (timeout && ms <= 0) {
      kill(r->pid, SIGKILL);
      return -1;
    }
    struct pollfd fds[] = { { r->pidfd, POLLIN, 0 }, { r->out, POLLIN, 0 }, { r->err, POLLIN, 0 }, { r->in, POLLOUT, 0 } };
    if (poll(fds, 4, ms > 0x7fffffffL ? -1 : (int)ms) < 0 && errno != EINTR) return 0;
    if (fds[3].revents) feed_stdin(r);
    if (fds[1].revents) drain(r, &r->out);
    if (fds[2].revents) drain(r, &r->err);
    if (fds[0].revents) return 0;
  }
}

/* ERROR detail: "path\noutcome\nstderr" (protocol.h STEP_HOOK_*) */
static _Noreturn void hook_failed(int fd, struct hook_op *h, uint32_t index, int err, const char *outcome, const char *text) {
  char detail[4096];
  snprintf(detail, sizeof detail, "%s\n%s\n%s", h->path, outcome, text);
  report_error(fd, step_of[h->kind], err, index, detail);
  _exit(1);
}

static void run_hook(struct hook_op *h, uint32_t index, const char *state, int report_fd) {
  struct hook_run r = { .pidfd = -1, .in = -1, .out = -1, .err = -1, .exec_err = -1, .state = state, .left = strlen(state) };
  int err = start_hook(h, &r);
  if (err) hook_failed(report_fd, h, index, err, "", "");
  int timed_out = wait_hook(&r, h->timeout) < 0;
  int status = 0, exec_errno = 0;
  while (waitpid(r.pid, &status, 0) < 0 && errno == EINTR) {}
  if (r.out >= 0) drain(&r, &r.out);
  if (r.err >= 0) drain(&r, &r.err);
  if (read(r.exec_err, &exec_errno, sizeof exec_errno) != sizeof exec_errno) exec_errno = 0;
  close_fd(&r.in); close_fd(&r.out); close_fd(&r.err); close_fd(&r.exec_err); close_fd(&r.pidfd);
  r.stderr_text[r.nerr] = '\0';
  char outcome[32];
  if (exec_errno) hook_failed(report_fd, h, index, exec_errno, "", "");
  if (timed_out) snprintf(outcome, sizeof outcome, "timeout %u", h->timeout);
  else if (WIFSIGNALED(status)) snprintf(outcome, sizeof outcome, "signal %d", WTERMSIG(status));
  else if (WEXITSTATUS(status)) snprintf(outcome, sizeof outcome, "exit %d", WEXITSTATUS(status));
  else return;
  hook_failed(report_fd, h, index, 0, outcome, r.stderr_text);
}

/* every hook of one kind, in the config's order; the first failure ends
 * the init. SIGPIPE is ignored while we write to hooks (a hook may close
 * its stdin) and back to the default after, for the container's execve. */
static void run_hooks(struct ctx *c, uint32_t kind, const char *state, int report_fd) {
  uint32_t index = 0;
  signal(SIGPIPE, SIG_IGN);
  for (size_t i = 0; i < c->plan.nhooks; i++)
    if (c->plan.hooks[i].kind == kind) run_hook(&c->plan.hooks[i], index++, state, report_fd);
  signal(SIGPIPE, SIG_DFL);
}

/* ask runts to run prestart and createRuntime hooks; its answer carries
 * the state JSON for ours: "creating" NUL "created" NUL */
static void ask_runts(struct ctx *c) {
  uint32_t type, len;
  char *buf;
  if (frame_send(c->sync, MSG_HOOKS_REQ, NULL, 0) < 0) _exit(1);
  if (frame_recv(c->sync, &type, &buf, &len) < 0 || type != MSG_HOOKS_ACK) _exit(1);
  size_t first = strnlen(buf, len);
  c->hook_state[0] = buf;
  c->hook_state[1] = first < len ? buf + first + 1 : "";
}

void hooks_before_pivot(struct ctx *c) {
  if (!(c->plan.flags & FLAG_HOOKS)) return;
  ask_runts(c);
  run_hooks(c, HOOK_CREATE_CONTAINER, c->hook_state[0], c->sync);
}

void hooks_at_start(struct ctx *c, int report_fd) {
  if (c->plan.flags & FLAG_HOOKS) run_hooks(c, HOOK_START_CONTAINER, c->hook_state[1], report_fd);
}
