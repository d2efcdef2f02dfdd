/* child.c: the container's init "C", from clone3 to execve. No JavaScript
 * runs here and nothing but syscalls: it reports {step, errno, index, detail}
 * and src/native/messages.ts writes the sentence. Wire: protocol.h.
 *
 * The order is the order for reasons:
 *  1. id maps first: until runts writes them we are nobody in our own user
 *     namespace and cannot create files with a mapped owner.
 *  2. setsid before anything can hand us a terminal.
 *  3. mounts and pivot_root need CAP_SYS_ADMIN, so they come before the
 *     credentials change that drops it (runc's standard_init_linux.go).
 *  4. hostname after pivot_root, creds after hostname (sethostname needs
 *     CAP_SYS_ADMIN too).
 *  5. cwd and the executable are looked up as the container's user, after
 *     pivot_root, so a missing program is a create-time error.
 *  6. READY, then wait for `start` on the exec socket; fds are closed last so
 *     nothing of the host reaches the container's process (CVE-2024-21626). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "runts.h"

_Noreturn void fail(struct ctx *c, uint32_t step, int err, uint32_t index, const char *detail) {
  report_error(c->sync, step, err, index, detail);
  _exit(1);
}

static void idmap_handshake(struct ctx *c) {
  uint32_t type, len;
  char *buf;
  if (frame_send(c->sync, MSG_IDMAP_REQ, NULL, 0) < 0) _exit(1);
  if (frame_recv(c->sync, &type, &buf, &len) < 0 || type != MSG_IDMAP_ACK) _exit(1);
  free(buf);
}

/* in a user namespace we are created (or joined) as the overflow id; become
 * its root so mount points and files we make are owned by a mapped id */
static void become_ns_root(void) {
  if (setresgid(0, 0, 0) == 0) setresuid(0, 0, 0);
}

static void set_names(struct ctx *c) {
  struct plan *p = &c->plan;
  if (p->has_hostname && sethostname(p->hostname, strlen(p->hostname)) < 0)
    fail(c, STEP_HOSTNAME, errno, 0, p->hostname);
  if (p->has_domainname && setdomainname(p->domainname, strlen(p->domainname)) < 0)
    fail(c, STEP_DOMAINNAME, errno, 0, p->domainname);
}

/* groups, then gid, then uid: after setuid we could no longer change them */
static void set_creds(struct ctx *c) {
  struct plan *p = &c->plan;
  gid_t groups[p->ngroups + 1];
  for (size_t i = 0; i < p->ngroups; i++) groups[i] = (gid_t)p->groups[i];
  /* an empty list still clears the host's supplementary groups; a joined
   * user namespace with setgroups "deny" refuses even that, harmlessly */
  if (setgroups(p->ngroups, groups) < 0 && !(p->ngroups == 0 && errno == EPERM))
    fail(c, STEP_SETGROUPS, errno, 0, NULL);
  if (setresgid((gid_t)p->gid, (gid_t)p->gid, (gid_t)p->gid) < 0) fail(c, STEP_SETGID, errno, 0, NULL);
  if (setresuid((uid_t)p->uid, (uid_t)p->uid, (uid_t)p->uid) < 0) fail(c, STEP_SETUID, errno, 0, NULL);
  if (p->has_umask) umask((mode_t)p->umask);
}

static const char *env_get(char **envp, const char *key) {
  size_t n = strlen(key);
  for (; *envp; envp++)
    if (!strncmp(*envp, key, n) && (*envp)[n] == '=') return *envp + n + 1;
  return NULL;
}

/* 0 when path is a file we may execute, else the errno execve would give */
static int executable(const char *path) {
  struct stat st;
  if (stat(path, &st) < 0) return errno;
  if (S_ISDIR(st.st_mode)) return EACCES;
  return access(path, X_OK) < 0 ? errno : 0;
}

/* like execvp's search; when the config gives no PATH (ctr run --rootfs
 * writes no env at all) search the usual directories, as runc does */
static char *lookup(struct ctx *c) {
  const char *name = c->plan.argv[0];
  if (strchr(name, '/')) {
    int err = executable(name);
    if (err) fail(c, STEP_LOOKUP, err, 0, name);
    return (char *)name;
  }
  const char *path = env_get(c->plan.envp, "PATH");
  if (!path) path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  int denied = 0;
  for (const char *dir = path; dir;) {
    const char *end = strchr(dir, ':');
    size_t dlen = end ? (size_t)(end - dir) : strlen(dir);
    /* an empty entry means the working directory, as for execvp */
    size_t size = dlen + strlen(name) + 3;
    char *cand = malloc(size);
    if (!cand) fail(c, STEP_LOOKUP, ENOMEM, 0, name);
    snprintf(cand, size, "%.*s/%s", (int)(dlen ? dlen : 1), dlen ? dir : ".", name);
    int err = executable(cand);
    if (!err) return cand;
    if (err == EACCES) denied = 1;
    free(cand);
    dir = end ? end + 1 : NULL;
  }
  /* index 1 tells messages.ts this was a $PATH search */
  fail(c, STEP_LOOKUP, denied ? EACCES : ENOENT, 1, name);
}

/* keep 0..2 and the preserved fds; the start connection is close-on-exec */
static int close_fds(struct ctx *c, int conn) {
  unsigned first = 3u + (unsigned)c->preserve;
  int hi = fcntl(conn, F_DUPFD_CLOEXEC, (int)first);
  if (hi < 0) return -1;
  close(conn);
  if (hi > (int)first && syscall(SYS_close_range, first, (unsigned)hi - 1, 0) < 0) return -1;
  return syscall(SYS_close_range, (unsigned)hi + 1, ~0u, 0) < 0 ? -1 : hi;
}

/* block until `runts start` connects, then become the container's process */
static _Noreturn void wait_and_exec(struct ctx *c, char *path) {
  int conn;
  while ((conn = accept4(c->listener, NULL, NULL, SOCK_CLOEXEC)) < 0)
    if (errno != EINTR) _exit(1);
  close(c->listener);
  int fd = close_fds(c, conn);
  if (fd < 0) { report_error(conn, STEP_CLOSE_FDS, errno, 0, NULL); _exit(1); }
  execve(path, c->plan.argv, c->plan.envp);
  int err = errno;
  report_error(fd, STEP_EXEC, err, 0, path);
  _exit(err == ENOENT ? 127 : 126);
}

int child_main(struct ctx *c) {
  struct plan *p = &c->plan;
  close(c->ctl);
  c->ctl = -1;
  /* until READY, a dead P means a dead create: do not linger */
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (p->clone_flags & CLONE_NEWUSER) idmap_handshake(c);
  for (size_t i = 0; i < p->njoins; i++)
    if (p->joins[i].type == CLONE_NEWUSER) p->clone_flags |= CLONE_NEWUSER;
  if (p->clone_flags & CLONE_NEWUSER) become_ns_root();
  if (!(p->flags & FLAG_NO_SETSID) && setsid() < 0) fail(c, STEP_SETSID, errno, 0, NULL);
  setup_rootfs(c);
  set_names(c);
  set_creds(c);
  if (chdir(p->cwd) < 0) fail(c, STEP_CWD, errno, 0, p->cwd);
  char *path = lookup(c);
  prctl(PR_SET_PDEATHSIG, 0);
  if (frame_send(c->sync, MSG_READY, NULL, 0) < 0) _exit(1);
  close(c->sync);
  close(c->state_dirfd);
  wait_and_exec(c, path);
}
