/* probe: a tiny static program run inside test containers.
 *
 * `probe report` prints one JSON object describing what the process got from
 * the runtime (ids, namespaces, mounts, fds, capabilities, ...), so tests can
 * check a container without needing a shell or any library in the rootfs.
 * The other subcommands are small tools (exit, sleep, cat, write, ...) that
 * tests run as the container process.  Only libc + Linux headers; build with
 *   gcc -static -O2 -Wall -Wextra -o probe probe.c
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <linux/keyctl.h>
#include <linux/seccomp.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* main's argv, reported as-is by `report` (tests check process.args). */
static char **full_argv;

static void oom(void) {
  fputs("probe: out of memory\n", stderr);
  exit(1);
}

static void *xrealloc(void *p, size_t n) {
  p = realloc(p, n);
  if (!p) oom();
  return p;
}

/* Reads a whole file.  /proc files report st_size 0, so read until EOF.
 * Returns NULL (errno set) on failure; *lenp gets the length if non-NULL. */
static char *read_file(const char *path, size_t *lenp) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return NULL;
  size_t cap = 4096, len = 0;
  char *buf = xrealloc(NULL, cap + 1);
  for (;;) {
    if (len == cap) buf = xrealloc(buf, (cap *= 2) + 1);
    ssize_t n = read(fd, buf + len, cap - len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = errno;
      close(fd);
      if (n == 0) break;
      free(buf);
      errno = err;
      return NULL;
    }
    len += (size_t)n;
  }
  buf[len] = '\0';
  if (lenp) *lenp = len;
  return buf;
}

/* readlink(2) into a fresh NUL-terminated string, or NULL. */
static char *read_link(const char *path) {
  char *buf = xrealloc(NULL, PATH_MAX + 1);
  ssize_t n = readlink(path, buf, PATH_MAX);
  if (n < 0) {
    free(buf);
    return NULL;
  }
  buf[n] = '\0';
  return buf;
}

/* ---- JSON output (to stdout) ---- */

/* Escapes quotes, backslashes and control chars; other bytes pass through
 * unchanged, so the output is valid JSON as long as the input is UTF-8. */
static void json_str(const char *s) {
  if (!s) {
    fputs("null", stdout);
    return;
  }
  putchar('"');
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (*p == '"' || *p == '\\')
      printf("\\%c", *p);
    else if (*p < 0x20)
      printf("\\u%04x", *p);
    else
      putchar(*p);
  }
  putchar('"');
}

/* Prints ,"name": — every report field after the first goes through this. */
static void key(const char *name) { printf(",\"%s\":", name); }

static void json_str_array(char *const *v) {
  putchar('[');
  for (size_t i = 0; v && v[i]; i++) {
    if (i) putchar(',');
    json_str(v[i]);
  }
  putchar(']');
}

/* ---- report pieces ---- */

/* Value of a "Name:\tvalue" line of /proc/self/status, malloc'd, or NULL. */
static char *status_field(const char *status, const char *name) {
  size_t n = strlen(name);
  for (const char *l = status; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : l) {
    if (strncmp(l, name, n) != 0 || l[n] != ':') continue;
    const char *v = l + n + 1;
    v += strspn(v, " \t");
    return strndup(v, strcspn(v, "\n"));
  }
  return NULL;
}

static void emit_ids(void) {
  uid_t r, e, s;
  gid_t gr, ge, gs;
  getresuid(&r, &e, &s);
  getresgid(&gr, &ge, &gs);
  printf(",\"uid\":%u,\"euid\":%u,\"suid\":%u", r, e, s);
  printf(",\"gid\":%u,\"egid\":%u,\"sgid\":%u", gr, ge, gs);
  int n = getgroups(0, NULL);
  gid_t *g = xrealloc(NULL, sizeof(gid_t) * (size_t)(n > 0 ? n : 1));
  n = getgroups(n, g);
  key("groups");
  putchar('[');
  for (int i = 0; i < n; i++) printf("%s%u", i ? "," : "", g[i]);
  putchar(']');
  free(g);
}

/* /proc/self/status is preferred: reading it does not change the umask. */
static void emit_umask(const char *status) {
  char *v = status_field(status, "Umask");
  unsigned long m;
  if (v) {
    m = strtoul(v, NULL, 8);
  } else {
    mode_t old = umask(0);
    umask(old);
    m = old;
  }
  free(v);
  key("umask");
  printf("%lu", m);
}

static void emit_names(void) {
  char cwd[PATH_MAX + 1];
  struct utsname u;
  key("cwd");
  json_str(getcwd(cwd, sizeof cwd));
  bool ok = uname(&u) == 0;
  key("hostname");
  json_str(ok ? u.nodename : NULL);
  key("domainname");
  json_str(ok ? u.domainname : NULL);
}

static void emit_ns(void) {
  static const char *names[] = {"pid", "pid_for_children", "mnt", "uts", "ipc",
                                "net", "cgroup", "user", "time"};
  char path[64];
  key("ns");
  putchar('{');
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    snprintf(path, sizeof path, "/proc/self/ns/%s", names[i]);
    char *link = read_link(path);
    printf("%s\"%s\":", i ? "," : "", names[i]);
    json_str(link);
    free(link);
  }
  putchar('}');
}

static void emit_file(const char *name, const char *path) {
  char *s = read_file(path, NULL);
  key(name);
  json_str(s);
  free(s);
}

/* mountinfo escapes space, tab, newline and backslash as \ooo octal. */
static void unescape_octal(char *s) {
  char *w = s;
  for (char *r = s; *r;) {
    if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' &&
        r[2] <= '7' && r[3] >= '0' && r[3] <= '7') {
      *w++ = (char)(((r[1] - '0') << 6) | ((r[2] - '0') << 3) | (r[3] - '0'));
      r += 4;
    } else {
      *w++ = *r++;
    }
  }
  *w = '\0';
}

/* One mountinfo line: "id parent maj:min root mountpoint options
 * [optional...] - fstype source superoptions".  Returns false if malformed. */
static bool emit_mount(char *line, bool first) {
  char *tok[64], *save = NULL;
  int n = 0, dash = -1;
  for (char *t = strtok_r(line, " ", &save); t && n < 64; t = strtok_r(NULL, " ", &save))
    tok[n++] = t;
  for (int i = 6; i < n && dash < 0; i++)
    if (strcmp(tok[i], "-") == 0) dash = i;
  if (dash < 0 || dash + 3 >= n) return false;
  /* The optional fields are adjacent in the line: put back the spaces that
   * strtok_r replaced to get them as one string. */
  for (int i = 6; i < dash - 1; i++) tok[i][strlen(tok[i])] = ' ';
  const char *names[] = {"root", "mountpoint", "options", "optional",
                         "fstype", "source", "superOptions"};
  char none[] = ""; /* writable: every value goes through unescape_octal */
  char *vals[] = {tok[3], tok[4], tok[5], dash > 6 ? tok[6] : none,
                  tok[dash + 1], tok[dash + 2], tok[dash + 3]};
  printf("%s{\"id\":%d,\"parent\":%d", first ? "" : ",", atoi(tok[0]), atoi(tok[1]));
  for (int i = 0; i < 7; i++) {
    unescape_octal(vals[i]);
    printf(",\"%s\":", names[i]);
    json_str(vals[i]);
  }
  putchar('}');
  return true;
}

static void emit_mounts(void) {
  char *info = read_file("/proc/self/mountinfo", NULL);
  key("mounts");
  if (!info) {
    fputs("null", stdout);
    return;
  }
  bool first = true;
  char *save = NULL;
  putchar('[');
  for (char *l = strtok_r(info, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
    if (emit_mount(l, first)) first = false;
  putchar(']');
  free(info);
}

static void emit_status(const char *status) {
  static const char *names[] = {"CapInh", "CapPrm", "CapEff", "CapBnd",
                                "CapAmb", "NoNewPrivs", "Seccomp",
                                "Seccomp_filters", "SigBlk", "SigIgn", "Umask",
                                "Cpus_allowed_list"};
  key("status");
  putchar('{');
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
    char *v = status_field(status, names[i]);
    printf("%s\"%s\":", i ? "," : "", names[i]);
    json_str(v);
    free(v);
  }
  putchar('}');
}

/* Open fds, minus the one opendir uses, so tests can spot leaked fds.
 * Prints null if /proc is not mounted. */
static void emit_fds(void) {
  DIR *d = opendir("/proc/self/fd");
  if (!d) {
    fputs("null", stdout);
    return;
  }
  int self = dirfd(d);
  bool first = true;
  struct dirent *e;
  putchar('[');
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.' || atoi(e->d_name) == self) continue;
    printf("%s%d", first ? "" : ",", atoi(e->d_name));
    first = false;
  }
  putchar(']');
  closedir(d);
}

static void emit_misc(void) {
  struct statvfs vfs;
  struct sigaction sa;
  key("rootIsReadonly");
  fputs(statvfs("/", &vfs) == 0 && (vfs.f_flag & ST_RDONLY) ? "true" : "false", stdout);
  sigaction(SIGPIPE, NULL, &sa);
  key("sigpipe");
  fputs(sa.sa_handler == SIG_IGN ? "\"ignored\"" : "\"default\"", stdout);
  static const char *names[] = {"stdin", "stdout", "stderr"};
  for (int fd = 0; fd < 3; fd++) {
    char path[32];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    char *link = read_link(path);
    key(names[fd]);
    json_str(link);
    free(link);
  }
}

/* every RLIMIT_* as [soft, hard]; RLIM_INFINITY as -1 */
static void emit_rlimits(void) {
  static const char *names[] = {"CPU", "FSIZE", "DATA", "STACK", "CORE", "RSS", "NPROC", "NOFILE",
                                "MEMLOCK", "AS", "LOCKS", "SIGPENDING", "MSGQUEUE", "NICE", "RTPRIO", "RTTIME"};
  key("rlimits");
  putchar('{');
  for (int r = 0; r < 16; r++) {
    struct rlimit lim;
    getrlimit(r, &lim);
    printf("%s\"RLIMIT_%s\":[%lld,%lld]", r ? "," : "", names[r],
           lim.rlim_cur == RLIM_INFINITY ? -1LL : (long long)lim.rlim_cur,
           lim.rlim_max == RLIM_INFINITY ? -1LL : (long long)lim.rlim_max);
  }
  putchar('}');
}

/* struct sched_attr of sched_getattr(2), which glibc does not declare */
struct probe_sched_attr {
  uint32_t size, policy;
  uint64_t flags;
  int32_t nice;
  uint32_t priority;
  uint64_t runtime, deadline, period;
};

/* personality, scheduler, I/O priority and oom_score_adj: what the process inherited */
static void emit_process(void) {
  struct probe_sched_attr a = {0};
  long ok = syscall(SYS_sched_getattr, 0, &a, sizeof a, 0);
  key("personality");
  printf("%d", personality(0xffffffff));
  key("sched");
  if (ok < 0) fputs("null", stdout);
  else printf("{\"policy\":%u,\"flags\":%llu,\"nice\":%d,\"priority\":%u,\"runtime\":%llu,\"deadline\":%llu,\"period\":%llu}",
              a.policy, (unsigned long long)a.flags, a.nice, a.priority, (unsigned long long)a.runtime,
              (unsigned long long)a.deadline, (unsigned long long)a.period);
  key("ioprio");
  printf("%ld", syscall(SYS_ioprio_get, 1 /* IOPRIO_WHO_PROCESS */, 0));
  char *oom = read_file("/proc/self/oom_score_adj", NULL);
  key("oomScoreAdj");
  printf("%d", oom ? atoi(oom) : -9999);
  free(oom);
}

static int cmd_report(char **args) {
  (void)args;
  char *status = read_file("/proc/self/status", NULL);
  printf("{\"pid\":%d", (int)getpid());
  key("ppid");
  printf("%d", (int)getppid());
  emit_ids();
  emit_umask(status);
  emit_names();
  key("env");
  json_str_array(environ);
  key("argv");
  json_str_array(full_argv);
  emit_ns();
  emit_file("uid_map", "/proc/self/uid_map");
  emit_file("gid_map", "/proc/self/gid_map");
  emit_mounts();
  emit_status(status);
  emit_rlimits();
  emit_process();
  key("fds");
  emit_fds();
  emit_misc();
  puts("}");
  free(status);
  return 0;
}

/* ---- small tools ---- */

/* Parses a whole decimal int argument or exits 2 (usage error). */
static int int_arg(const char *s) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || end == s || *end || v < INT_MIN || v > INT_MAX) {
    fprintf(stderr, "probe: not an integer: %s\n", s);
    exit(2);
  }
  return (int)v;
}

static int fail(const char *what, const char *path) {
  fprintf(stderr, "probe: %s %s: %s\n", what, path, strerror(errno));
  return 1;
}

static int cmd_exit(char **args) { return int_arg(args[0]) & 0xff; }

static int cmd_sleep(char **args) {
  char *end;
  double secs = strtod(args[0], &end);
  if (end == args[0] || *end || secs < 0) {
    fprintf(stderr, "probe: bad duration: %s\n", args[0]);
    return 2;
  }
  struct timespec ts = {(time_t)secs, (long)((secs - (double)(time_t)secs) * 1e9)};
  while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
  }
  return 0;
}

static int cmd_pause(char **args) {
  (void)args;
  for (;;) pause(); /* only a signal's default action ends this */
  return 0;
}

/* Dies by the signal so the runtime reports 128+N.  Handler and mask are
 * reset first so an inherited SIG_IGN or blocked mask cannot hide it.  The
 * init of a pid namespace ignores its own default-action signals, so for
 * SIGSEGV fall back to a real fault, which the kernel forces through. */
static int cmd_kill_self(char **args) {
  int sig = int_arg(args[0]);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, sig);
  signal(sig, SIG_DFL);
  sigprocmask(SIG_UNBLOCK, &set, NULL);
  raise(sig);
  if (sig == SIGSEGV) {
    volatile int *volatile p = NULL;
    *p = 1;
  }
  fprintf(stderr, "probe: still alive after signal %d (pid %d)\n", sig, (int)getpid());
  return 1;
}

static int cmd_cat(char **args) {
  size_t len;
  char *s = read_file(args[0], &len);
  if (!s) return fail("cat", args[0]);
  fwrite(s, 1, len, stdout);
  free(s);
  return 0;
}

static int cmd_write(char **args) {
  int fd = open(args[0], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return fail("write", args[0]);
  size_t len = strlen(args[1]);
  ssize_t n = write(fd, args[1], len);
  if (n != (ssize_t)len || close(fd) < 0) return fail("write", args[0]);
  return 0;
}

/* Sorted, without . and .., so tests can compare the output exactly. */
static int skip_dots(const struct dirent *e) {
  return strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
}

static int cmd_ls(char **args) {
  struct dirent **list;
  int n = scandir(args[0], &list, skip_dots, alphasort);
  if (n < 0) return fail("ls", args[0]);
  for (int i = 0; i < n; i++) {
    puts(list[i]->d_name);
    free(list[i]);
  }
  free(list);
  return 0;
}

static int cmd_echo(char **args) {
  for (int i = 0; args[i]; i++) printf("%s%s", i ? " " : "", args[i]);
  putchar('\n');
  return 0;
}

static const char *file_type(mode_t m) {
  if (S_ISREG(m)) return "file";
  if (S_ISDIR(m)) return "dir";
  if (S_ISLNK(m)) return "link";
  if (S_ISCHR(m)) return "chr";
  if (S_ISBLK(m)) return "blk";
  if (S_ISFIFO(m)) return "fifo";
  return "sock";
}

static int cmd_stat(char **args) {
  struct stat st;
  if (lstat(args[0], &st) < 0) return fail("stat", args[0]);
  printf("{\"mode\":\"%04o\",\"uid\":%u,\"gid\":%u,\"type\":\"%s\"}\n",
         (unsigned)(st.st_mode & 07777), st.st_uid, st.st_gid, file_type(st.st_mode));
  return 0;
}

static int cmd_readlink(char **args) {
  char *link = read_link(args[0]);
  if (!link) return fail("readlink", args[0]);
  puts(link);
  free(link);
  return 0;
}

static int cmd_hold_fds(char **args) {
  (void)args;
  emit_fds();
  putchar('\n');
  return 0;
}

/* mkdir PATH [MODE]: "ok" or the errno's name, so a test sees what a
 * seccomp rule returned; exit 0 either way */
static int cmd_mkdir(char **args) {
  mode_t mode = args[0] && args[1] ? (mode_t)strtoul(args[1], NULL, 8) : 0755;
  if (!args[0]) return 2;
  if (mkdir(args[0], mode) == 0) puts("ok");
  else printf("%s %d\n", strerrorname_np(errno) ? strerrorname_np(errno) : "errno", errno);
  return 0;
}

/* seccomp-listen SOCKET ERRNO: a seccomp agent on the host. Accepts one
 * connection, takes the notify fd and the state JSON, answers every
 * notification with -ERRNO until the container is gone, then prints
 * {"state": ..., "fds": N, "notified": [syscall numbers]} */
static int cmd_seccomp_listen(char **args) {
  int answer = int_arg(args[1]);
  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  snprintf(sa.sun_path, sizeof sa.sun_path, "%s", args[0]);
  int srv = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  unlink(args[0]);
  if (srv < 0 || bind(srv, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(srv, 1) < 0) return fail("listen", args[0]);
  fprintf(stderr, "listening\n");
  int conn = accept4(srv, NULL, NULL, SOCK_CLOEXEC);
  if (conn < 0) return fail("accept", args[0]);
  static char state[65536];
  char cbuf[CMSG_SPACE(sizeof(int) * 4)];
  struct iovec iov = {state, sizeof state - 1};
  struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
  ssize_t n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
  if (n < 0) return fail("recvmsg", args[0]);
  state[n] = '\0';
  int nfds = 0, notify = -1;
  for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm))
    if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
      nfds += (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
      memcpy(&notify, CMSG_DATA(cm), sizeof(int));
    }
  printf("{\"state\":%s,\"fds\":%d,\"notified\":[", n > 0 ? state : "null", nfds);
  for (int first = 1; notify >= 0;) {
    struct seccomp_notif req = {0};
    if (ioctl(notify, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) break; /* the container is gone */
    struct seccomp_notif_resp resp = {.id = req.id, .error = -answer};
    ioctl(notify, SECCOMP_IOCTL_NOTIF_SEND, &resp);
    printf("%s%d", first ? "" : ",", req.data.nr);
    first = 0;
  }
  puts("]}");
  unlink(args[0]);
  return 0;
}

/* The demo's greeting (README): what the container got, for a person. */
static int cmd_hello(char **args) {
  (void)args;
  struct utsname u;
  char cwd[PATH_MAX];
  if (uname(&u) < 0 || !getcwd(cwd, sizeof cwd)) return fail("hello", "uname/getcwd");
  printf("hello from a runts container\n");
  printf("  pid      %d%s\n", (int)getpid(), getpid() == 1 ? " (its own pid namespace)" : "");
  printf("  hostname %s\n", u.nodename);
  printf("  user     uid %d, gid %d\n", (int)getuid(), (int)getgid());
  char *status = read_file("/proc/self/status", NULL);
  char *caps = status_field(status, "CapEff"), *nnp = status_field(status, "NoNewPrivs"), *sc = status_field(status, "Seccomp");
  printf("  caps     %s, no_new_privs %s, seccomp %s\n", caps ? caps : "?", nnp ? nnp : "?",
         sc && strcmp(sc, "2") == 0 ? "filter" : sc && strcmp(sc, "0") == 0 ? "off" : "?");
  free(caps); free(nnp); free(sc); free(status);
  printf("  cwd      %s\n  mounts  ", cwd);
  char *mounts = read_file("/proc/self/mounts", NULL);
  for (char *line = mounts, *next; line && *line; line = next) {
    next = strchr(line, '\n');
    if (next) *next++ = '\0';
    char *dest = strchr(line, ' ');
    if (dest) printf(" %.*s", (int)strcspn(dest + 1, " "), dest + 1);
    if (!next) break;
  }
  putchar('\n');
  free(mounts);
  return 0;
}

/* hog MB: allocate and touch MB mebibytes, a page at a time; prints
 * "survived MB" if the memory limit let it live */
static int cmd_hog(char **args) {
  int mb = int_arg(args[0]);
  for (int i = 0; i < mb; i++) {
    char *chunk = malloc(1 << 20);
    if (!chunk) return fail("malloc", "1MiB");
    for (int off = 0; off < (1 << 20); off += 4096) chunk[off] = 1;
  }
  printf("survived %d\n", mb);
  return 0;
}

/* forks N: start up to N children that sleep; prints how many started and
 * the errno that stopped it ("forked K EAGAIN"), then ends them all */
static int cmd_forks(char **args) {
  int n = int_arg(args[0]), k = 0;
  pid_t pids[4096];
  const char *why = "none";
  for (; k < n && k < 4096; k++) {
    pid_t p = fork();
    if (p == 0) { pause(); _exit(0); }
    if (p < 0) { why = errno == EAGAIN ? "EAGAIN" : strerror(errno); break; }
    pids[k] = p;
  }
  printf("forked %d %s\n", k, why);
  for (int i = 0; i < k; i++) kill(pids[i], SIGKILL);
  while (wait(NULL) > 0) {}
  return 0;
}


/* term: the process's terminal as it sees it, one JSON line: the name of
 * its stdin, which of 0..2 are terminals, whether the terminal is the
 * controlling one of our session (we lead it), and the window size */
static int cmd_term(char **args) {
  (void)args;
  struct winsize ws = {0};
  const char *name = ttyname(0);
  int ctty = open("/dev/tty", O_RDWR | O_NOCTTY);
  ioctl(0, TIOCGWINSZ, &ws);
  printf("{\"tty\":\"%s\",\"isatty\":[%d,%d,%d],\"ctty\":%s,\"leader\":%s,\"rows\":%d,\"cols\":%d}\n",
         name ? name : "", isatty(0), isatty(1), isatty(2), ctty >= 0 ? "true" : "false",
         getsid(0) == getpid() ? "true" : "false", ws.ws_row, ws.ws_col);
  return 0;
}

/* keyring: the description of our session keyring
 * ("keyring;uid;gid;perm;name"), or "none" */
static int cmd_keyring(char **args) {
  (void)args;
  char desc[512];
  long n = syscall(SYS_keyctl, KEYCTL_DESCRIBE, KEY_SPEC_SESSION_KEYRING, desc, sizeof desc);
  printf("%s\n", n > 0 ? desc : "none");
  return 0;
}

/* recvtty SOCKET: on the host, what a console-socket client does (runc's
 * recvtty, containerd's shim): listen at SOCKET, take one message, print
 * "name=<data> fds=<n>" and then everything the pty master gives until
 * every peer is closed */
static int cmd_recvtty(char **args) {
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  snprintf(sa.sun_path, sizeof sa.sun_path, "%s", args[0]);
  int l = socket(AF_UNIX, SOCK_STREAM, 0);
  if (l < 0 || bind(l, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(l, 1) < 0) return fail("listen", args[0]);
  int conn = accept(l, NULL, NULL);
  if (conn < 0) return fail("accept", args[0]);
  char data[256] = {0}, ctl[CMSG_SPACE(4 * sizeof(int))];
  struct iovec iov = { .iov_base = data, .iov_len = sizeof data - 1 };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl };
  if (recvmsg(conn, &msg, 0) < 0) return fail("recvmsg", args[0]);
  int nfds = 0, master = -1;
  for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm))
    if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
      nfds += (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
      memcpy(&master, CMSG_DATA(cm), sizeof(int));
    }
  printf("name=%s fds=%d master_isatty=%d\n", data, nfds, master >= 0 && isatty(master));
  fflush(stdout);
  unlink(args[0]);
  char buf[4096];
  for (ssize_t n; master >= 0 && (n = read(master, buf, sizeof buf)) > 0;) fwrite(buf, 1, (size_t)n, stdout);
  return 0;
}

static const struct {
  const char *name;
  int nargs; /* required arguments; -1 means any number */
  int (*fn)(char **args);
} commands[] = {
    {"report", -1, cmd_report},    {"exit", 1, cmd_exit},
    {"sleep", 1, cmd_sleep},       {"pause", 0, cmd_pause},
    {"kill-self", 1, cmd_kill_self}, {"cat", 1, cmd_cat},
    {"write", 2, cmd_write},       {"ls", 1, cmd_ls},
    {"echo", -1, cmd_echo},        {"stat", 1, cmd_stat},
    {"readlink", 1, cmd_readlink}, {"hold-fds", 0, cmd_hold_fds},
    {"hello", 0, cmd_hello},       {"mkdir", -1, cmd_mkdir},
    {"seccomp-listen", 2, cmd_seccomp_listen},
    {"hog", 1, cmd_hog},           {"forks", 1, cmd_forks},
    {"term", 0, cmd_term},         {"keyring", 0, cmd_keyring},
    {"recvtty", 1, cmd_recvtty},
};

int main(int argc, char **argv) {
  full_argv = argv;
  const char *name = argc > 1 ? argv[1] : "report";
  char **args = argc > 1 ? argv + 2 : argv + argc;
  int nargs = argc > 1 ? argc - 2 : 0;
  for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
    if (strcmp(name, commands[i].name) != 0) continue;
    if (commands[i].nargs >= 0 && nargs != commands[i].nargs) {
      fprintf(stderr, "probe: %s takes %d argument(s)\n", name, commands[i].nargs);
      return 2;
    }
    int rc = commands[i].fn(args);
    /* A failed write to stdout must not look like success. */
    if (fflush(stdout) != 0 && rc == 0) return fail("write", "stdout");
    return rc;
  }
  fprintf(stderr, "probe: unknown subcommand: %s\n", name);
  return 2;
}
