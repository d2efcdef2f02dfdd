/* child.c: the container's init "C", from clone3 to execve. No JavaScript
 * runs here and nothing but syscalls: it reports {step, errno, index, detail}
 * and src/native/messages.ts writes the sentence. Wire: protocol.h.
 *
 * The order is the order for reasons:
 *  0. the cgroup before all: runts moves us into the container's cgroup, so
 *     every page and pid from here on is charged there, and only then is the
 *     cgroup namespace created, rooted at that cgroup.
 *  1. id maps first: until runts writes them we are nobody in our own user
 *     namespace and cannot create files with a mapped owner.
 *  2. setsid before anything can hand us a terminal.
 *  3. sysctls and LSM labels through the host's /proc while we still see
 *     it (the kernel applies sysctls to the writer's namespaces; a label
 *     written to attr/exec takes effect at our one execve).
 *  4. mounts, devices, read-only and masked paths, pivot_root: they need
 *     CAP_SYS_ADMIN and CAP_MKNOD, so they come before the credentials
 *     change that drops them (runc's standard_init_linux.go). The
 *     createRuntime and createContainer hooks run just before pivot_root,
 *     where the spec puts them (hooks.c).
 *  5. hostname after pivot_root; personality, scheduler, I/O priority and
 *     rlimits while we still hold CAP_SYS_NICE and CAP_SYS_RESOURCE; then
 *     HOME, if the env has none, from the container's /etc/passwd while
 *     we may still read it (runc's setupUser); then ids and capabilities
 *     (creds.c says the order inside).
 *  6. cwd and the executable are looked up as the container's user, after
 *     pivot_root, so a missing program is a create-time error; a cwd that
 *     leads out of the root through an inherited fd is refused
 *     (CVE-2024-21626).
 *  7. READY, then wait for `start` on the exec socket; fds are closed, the
 *     startContainer hooks run (hooks.c), then no_new_privs and seccomp,
 *     last, immediately before execve: the filter may forbid what came
 *     before (creds.c lock_down). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <linux/keyctl.h>
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

/* tests only (TAG_FAULT): a fault step fails as any step does, reported on
 * fd (sync, or at start the connection) */
static void fault_on(struct ctx *c, uint32_t step, int fd) {
  if (!fault_here(c, step, fd)) return;
  report_error(fd, step, ECANCELED, 0, NULL);
  _exit(1);
}

static void fault(struct ctx *c, uint32_t step) {
  fault_on(c, step, c->sync);
}

/* the child asks, runts does it and acknowledges, the child goes on:
 * CGROUP_REQ (runts moves us into the container's cgroup) and IDMAP_REQ
 * (runts writes our id maps) */
static void handshake(struct ctx *c, uint32_t req, uint32_t ack) {
  uint32_t type, len;
  char *buf;
  if (frame_send(c->sync, req, NULL, 0) < 0) _exit(1);
  if (frame_recv(c->sync, &type, &buf, &len) < 0 || type != ack) _exit(1);
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
 * writes no env at all) search the usual directories, as glibc's execvp
 * does. runc 1.1.5 fails there instead (`executable file not found in
 * $PATH`); we keep the friendlier search, a program found either way is
 * the same one */
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

/* keep 0..2, the preserved fds, the start connection (close-on-exec) and
 * the seccomp listener socket (close-on-exec); returns the connection's new
 * number, above the preserved ones */
static int close_fds(struct ctx *c, int conn) {
  unsigned first = 3u + (unsigned)c->preserve;
  int hi = fcntl(conn, F_DUPFD_CLOEXEC, (int)first);
  if (hi < 0) return -1;
  close(conn);
  unsigned keep[2] = { (unsigned)hi, (unsigned)c->notify_sock };
  int nkeep = c->notify_sock >= 0 ? 2 : 1;
  if (nkeep == 2 && keep[1] < keep[0]) { keep[1] = keep[0]; keep[0] = (unsigned)c->notify_sock; }
  for (int k = 0; k < nkeep; k++) {
    if (keep[k] > first && syscall(SYS_close_range, first, keep[k] - 1, 0) < 0) return -1;
    first = keep[k] + 1;
  }
  return syscall(SYS_close_range, first, ~0u, 0) < 0 ? -1 : hi;
}

/* the last steps, with conn (close-on-exec) to report on: EOF on it tells
 * runts that execve succeeded */
static _Noreturn void exec_process(struct ctx *c, int conn, char *path) {
  int fd = close_fds(c, conn);
  if (fd < 0) { report_error(conn, STEP_CLOSE_FDS, errno, 0, NULL); _exit(1); }
  /* after the fds are closed, so a hook inherits none of them; before
   * seccomp, whose filter may forbid fork or poll */
  hooks_at_start(c, fd);
  fault_on(c, STEP_FAULT_BEFORE_EXEC, fd);
  lock_down(c, fd);
  execve(path, c->plan.argv, c->plan.envp);
  int err = errno;
  report_error(fd, STEP_EXEC, err, 0, path);
  _exit(err == ENOENT ? 127 : 126);
}

/* block until `runts start` connects, then become the container's process */
static _Noreturn void wait_and_exec(struct ctx *c, char *path) {
  int conn;
  while ((conn = accept4(c->listener, NULL, NULL, SOCK_CLOEXEC)) < 0)
    if (errno != EINTR) _exit(1);
  close(c->listener);
  fault_on(c, STEP_FAULT_ACCEPTED, conn);
  exec_process(c, conn, path);
}

/* a session keyring of the container's own, so that keys of the host's
 * session are not reachable; named after the container, so exec joins the
 * same one. Its search right is opened to the user (or, in a user
 * namespace, to others), as runc does, so the process can still use it
 * after it changes ids. ENOSYS: a kernel without keys has nothing to hide. */
static void join_keyring(struct ctx *c) {
  long id = syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, c->plan.keyring);
  if (id < 0 && errno == ENOSYS) return;
  if (id < 0) fail(c, STEP_KEYRING, errno, 0, c->plan.keyring);
  char desc[512];
  unsigned perm = 0;
  /* "type;uid;gid;perm;description" */
  if (syscall(SYS_keyctl, KEYCTL_DESCRIBE, id, desc, sizeof desc) < 0 ||
      sscanf(desc, "%*[^;];%*[^;];%*[^;];%x", &perm) != 1)
    fail(c, STEP_KEYRING, errno ? errno : EINVAL, 1, c->plan.keyring);
  perm |= (c->plan.clone_flags & CLONE_NEWUSER) ? 0x8 : 0x80000;
  if (syscall(SYS_keyctl, KEYCTL_SETPERM, id, perm) < 0) fail(c, STEP_KEYRING, errno, 1, c->plan.keyring);
}

/* the state runts sends to the seccomp listener names our host pid, which
 * only runts knows: ask for it (the child asks, the parent answers) */
static void seccomp_state_handshake(struct ctx *c) {
  uint32_t type;
  if (frame_send(c->sync, MSG_SECCOMP_STATE_REQ, NULL, 0) < 0) _exit(1);
  if (frame_recv(c->sync, &type, &c->notify_state, &c->notify_state_len) < 0 || type != MSG_SECCOMP_STATE) _exit(1);
}

/* the home field of uid's line in the container's /etc/passwd (read as
 * root, before the ids change), or NULL */
static char *passwd_home(uint64_t uid) {
  int fd = open("/etc/passwd", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return NULL;
  size_t cap = 1 << 20, len = 0;
  char *buf = malloc(cap + 1);
  for (ssize_t n = 1; buf && n > 0 && len < cap; len += (size_t)n)
    if ((n = read(fd, buf + len, cap - len)) < 0) n = 0;
  close(fd);
  if (!buf) return NULL;
  buf[len] = 0;
  char want[24], *home = NULL;
  snprintf(want, sizeof want, "%llu", (unsigned long long)uid);
  for (char *line = buf, *next; line && !home; line = next) {
    next = strchr(line, '\n');
    if (next) *next++ = 0;
    /* name:password:uid:gid:gecos:home:shell */
    char *f[7] = { line };
    int nf = 1;
    for (char *q = line; *q && nf < 7; q++)
      if (*q == ':') { *q = 0; f[nf++] = q + 1; }
    if (nf >= 6 && !strcmp(f[2], want)) home = strdup(f[5]);
  }
  free(buf);
  return home;
}

/* as runc: a process whose env has no HOME (or an empty one) gets its
 * user's home from the container's /etc/passwd, or "/" */
static void set_home(struct ctx *c) {
  struct plan *p = &c->plan;
  const char *now = env_get(p->envp, "HOME");
  if (now && *now) return;
  char *home = passwd_home(p->uid);
  size_t size = strlen(home ? home : "/") + sizeof "HOME=";
  char *entry = malloc(size);
  if (!entry) fail(c, STEP_HOME, ENOMEM, 0, NULL);
  snprintf(entry, size, "HOME=%s", home ? home : "/");
  free(home);
  for (size_t i = 0; i < p->nenv; i++)
    if (!strncmp(p->envp[i], "HOME=", 5)) { p->envp[i] = entry; return; }
  char **envp = realloc(p->envp, (p->nenv + 2) * sizeof *envp);
  if (!envp) fail(c, STEP_HOME, ENOMEM, 0, NULL);
  envp[p->nenv++] = entry;
  envp[p->nenv] = NULL;
  p->envp = envp;
}

/* after pivot_root an inherited directory fd (/proc/self/fd/N) could still
 * lead outside the root; the kernel then reports the cwd as unreachable */
static void enter_cwd(struct ctx *c) {
  char buf[4096];
  if (chdir(c->plan.cwd) < 0) fail(c, STEP_CWD, errno, 0, c->plan.cwd);
  long n = syscall(SYS_getcwd, buf, sizeof buf);
  if (n < 0 && errno != ERANGE) fail(c, STEP_CWD_ESCAPE, errno, 0, c->plan.cwd);
  if (n >= 0 && buf[0] != '/') fail(c, STEP_CWD_ESCAPE, EPERM, 0, c->plan.cwd);
}

int child_main(struct ctx *c) {
  struct plan *p = &c->plan;
  close(c->ctl);
  c->ctl = -1;
  if (c->relay_sock >= 0) close(c->relay_sock);
  /* until READY, a dead P means a dead create: do not linger */
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  /* the cgroup first, so that all we do is charged to the container; the
   * cgroup namespace after it, rooted there (runc's nsexec does the same) */
  if (p->flags & FLAG_CGROUP) handshake(c, MSG_CGROUP_REQ, MSG_CGROUP_ACK);
  fault(c, STEP_FAULT_CGROUP_JOINED);
  if (p->clone_flags & CLONE_NEWUSER) handshake(c, MSG_IDMAP_REQ, MSG_IDMAP_ACK);
  if (p->clone_flags & CLONE_NEWUSER) fault(c, STEP_FAULT_IDMAPPED);
  for (size_t i = 0; i < p->njoins; i++)
    if (p->joins[i].type == CLONE_NEWUSER) p->clone_flags |= CLONE_NEWUSER;
  if (p->clone_flags & CLONE_NEWUSER) become_ns_root();
  if ((p->flags & FLAG_CGROUP) && (p->clone_flags & CLONE_NEWCGROUP) && unshare(CLONE_NEWCGROUP) < 0)
    fail(c, STEP_CGROUP_NS, errno, 0, NULL);
  if (p->seccomp_listener) seccomp_state_handshake(c);
  if (!(p->flags & FLAG_NO_SETSID) && setsid() < 0) fail(c, STEP_SETSID, errno, 0, NULL);
  if (p->keyring) join_keyring(c);
  int exec = (p->flags & FLAG_EXEC) != 0;
  if (!exec) write_sysctls(c);
  set_lsm_labels(c);
  /* exec: setns(CLONE_NEWNS) in P already made the container's root ours */
  if (!exec) setup_rootfs(c);
  if (!exec) fault(c, STEP_FAULT_MOUNTED);
  if (p->flags & FLAG_TERMINAL) setup_console(c);
  if (!exec) set_names(c);
  set_process_attrs(c);
  set_rlimits(c);
  set_home(c);
  set_creds(c);
  enter_cwd(c);
  char *path = lookup(c);
  fault(c, STEP_FAULT_BEFORE_READY);
  prctl(PR_SET_PDEATHSIG, 0);
  if (frame_send(c->sync, MSG_READY, NULL, 0) < 0) _exit(1);
  if (exec) exec_process(c, c->sync, path);
  close(c->sync);
  close(c->state_dirfd);
  wait_and_exec(c, path);
}
