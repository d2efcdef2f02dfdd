/* mounts.c: the rootfs: propagation, config mounts, pivot_root, read-only
 * root. Every destination is resolved inside the rootfs with openat2
 * RESOLVE_IN_ROOT, and mounted through /proc/self/fd/N of the opened target,
 * so no symlink in the rootfs can make a mount land outside it
 * (CVE-2021-30465). The plan's mounts come from src/plan/mounts.ts. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "runts.h"

int open_in_root(int rootfd, const char *path, int flags) {
  struct open_how how = {
    .flags = (uint64_t)(flags | O_CLOEXEC),
    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
  };
  return (int)syscall(SYS_openat2, rootfd, path, &how, sizeof how);
}

/* how many dangling symlinks one mount point may pass, as the kernel's
 * MAXSYMLINKS */
#define MAX_LINKS 40

/* The directory path, made if missing, every component resolved inside the
 * root. A component that is a dangling symlink is followed (inside the root)
 * and its target made, as runc's MkdirAllInRoot does: a mount on /var/run
 * with /var/run -> /run lands in the rootfs's /run, never the host's. */
static int mkdirs_in_root(int rootfd, const char *path) {
  char want[4096], done[4096] = "", link[4096];
  if (strlen(path) >= sizeof want) return errno = ENAMETOOLONG, -1;
  strcpy(want, path);
  for (int links = 0; links <= MAX_LINKS; links++) {
    char *rest = want, *name;
    done[0] = '\0';
    while ((name = strsep(&rest, "/"))) {
      if (!*name) continue;
      size_t n = strlen(done);
      if (n + strlen(name) + 2 > sizeof done) return errno = ENAMETOOLONG, -1;
      snprintf(done + n, sizeof done - n, "/%s", name);
      int fd = open_in_root(rootfd, done, O_PATH | O_DIRECTORY);
      if (fd >= 0) { close(fd); continue; }
      if (errno != ENOENT) return -1;
      done[n] = '\0';
      int parent = open_in_root(rootfd, n ? done : "/", O_PATH | O_DIRECTORY);
      if (parent < 0) return -1;
      ssize_t len = readlinkat(parent, name, link, sizeof link - 1);
      if (len < 0 && mkdirat(parent, name, 0755) < 0 && errno != EEXIST) return close(parent), -1;
      close(parent);
      if (len >= 0) {
        /* a dangling link: go on from its target, relative to where it is */
        link[len] = '\0';
        char next[4096];
        int w = snprintf(next, sizeof next, "%s/%s/%s", link[0] == '/' ? "" : done, link, rest ? rest : "");
        if (w < 0 || (size_t)w >= sizeof next) return errno = ENAMETOOLONG, -1;
        strcpy(want, next);
        break;
      }
      snprintf(done + n, sizeof done - n, "/%s", name);
    }
    if (!name) return 0;
  }
  return errno = ELOOP, -1;
}

static int split_parent(const char *path, char *parent, size_t size, const char **base) {
  const char *slash = strrchr(path, '/');
  size_t n = slash ? (size_t)(slash - path) : 0;
  if (!slash || n + 2 > size) return errno = EINVAL, -1;
  memcpy(parent, path, n);
  strcpy(parent + n, n ? "" : "/");
  *base = slash + 1;
  return 0;
}

/* the parent directory of path, made if missing and opened inside the root;
 * *base is the last component of path */
int open_parent(int rootfd, const char *path, const char **base) {
  char parent[4096];
  if (split_parent(path, parent, sizeof parent, base) < 0 || mkdirs_in_root(rootfd, parent) < 0) return -1;
  return open_in_root(rootfd, parent, O_PATH | O_DIRECTORY);
}

/* the mount point, made if missing: a directory, or an empty file to bind a
 * file onto */
int open_target(int rootfd, const char *dest, int want_dir) {
  const char *base;
  if (want_dir) {
    if (mkdirs_in_root(rootfd, dest) < 0) return -1;
    return open_in_root(rootfd, dest, O_PATH | O_DIRECTORY);
  }
  int dir = open_parent(rootfd, dest, &base);
  if (dir < 0) return -1;
  int fd = openat(dir, base, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
  close(dir);
  if (fd < 0 && errno != EEXIST) return -1;
  if (fd >= 0) close(fd);
  return open_in_root(rootfd, dest, O_PATH);
}

void fd_path(char *buf, size_t size, int fd) {
  snprintf(buf, size, "/proc/self/fd/%d", fd);
}

/* flags a user namespace locks on a mount: a remount must repeat them */
unsigned long locked_flags(const char *path) {
  static const struct { unsigned long st, ms; } table[] = {
    { ST_NOSUID, MS_NOSUID }, { ST_NODEV, MS_NODEV }, { ST_NOEXEC, MS_NOEXEC },
    { ST_NOATIME, MS_NOATIME }, { ST_NODIRATIME, MS_NODIRATIME }, { ST_RELATIME, MS_RELATIME },
  };
  struct statvfs sv;
  unsigned long ms = 0;
  if (statvfs(path, &sv) < 0) return 0;
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
    if (sv.f_flag & table[i].st) ms |= table[i].ms;
  return ms;
}

/* after the mount, reopen the destination to reach the new mount itself */
static void finish_mount(struct ctx *c, int rootfd, size_t i) {
  struct mount_op *m = &c->plan.mounts[i];
  unsigned long extra = m->flags & ~(unsigned long)(MS_BIND | MS_REC);
  if (!(m->kind == MOUNT_BIND && extra) && !m->propagation) return;
  char path[64];
  int fd = open_in_root(rootfd, m->dest, O_PATH);
  if (fd < 0) fail(c, STEP_MOUNT_TARGET, errno, (uint32_t)i, m->dest);
  fd_path(path, sizeof path, fd);
  /* a bind ignores every flag but MS_REC: ro, nosuid... need a remount */
  if (m->kind == MOUNT_BIND && extra &&
      mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | extra | locked_flags(path), NULL) < 0)
    fail(c, STEP_MOUNT_REMOUNT, errno, (uint32_t)i, m->dest);
  if (m->propagation && mount(NULL, path, NULL, m->propagation, NULL) < 0)
    fail(c, STEP_MOUNT_PROPAGATION, errno, (uint32_t)i, m->dest);
  close(fd);
}

static void do_symlink(struct ctx *c, int rootfd, size_t i) {
  struct mount_op *m = &c->plan.mounts[i];
  const char *base;
  int dir = open_parent(rootfd, m->dest, &base);
  if (dir < 0 || (symlinkat(m->source, dir, base) < 0 && errno != EEXIST))
    fail(c, STEP_SYMLINK, errno, (uint32_t)i, m->dest);
  close(dir);
}

/* a superblock remount, e.g. the cgroup tmpfs made read-only once filled */
static void do_remount(struct ctx *c, int rootfd, size_t i) {
  struct mount_op *m = &c->plan.mounts[i];
  char path[64];
  int fd = open_in_root(rootfd, m->dest, O_PATH);
  if (fd < 0) fail(c, STEP_MOUNT_TARGET, errno, (uint32_t)i, m->dest);
  fd_path(path, sizeof path, fd);
  if (mount(NULL, path, NULL, MS_REMOUNT | m->flags, NULL) < 0)
    fail(c, STEP_MOUNT_REMOUNT, errno, (uint32_t)i, m->dest);
  close(fd);
}

static void do_mount(struct ctx *c, int rootfd, size_t i) {
  struct mount_op *m = &c->plan.mounts[i];
  if (m->kind == MOUNT_SYMLINK) return do_symlink(c, rootfd, i);
  if (m->kind == MOUNT_REMOUNT) return do_remount(c, rootfd, i);
  struct stat st;
  int want_dir = 1;
  if (m->kind == MOUNT_BIND) {
    if (stat(m->source, &st) < 0) fail(c, STEP_MOUNT, errno, (uint32_t)i, m->source);
    want_dir = S_ISDIR(st.st_mode);
  }
  int fd = open_target(rootfd, m->dest, want_dir);
  if (fd < 0) fail(c, STEP_MOUNT_TARGET, errno, (uint32_t)i, m->dest);
  char path[64];
  fd_path(path, sizeof path, fd);
  unsigned long flags = m->kind == MOUNT_BIND ? MS_BIND | (m->flags & MS_REC) : m->flags;
  const char *data = *m->data ? m->data : NULL;
  if (mount(m->source, path, m->kind == MOUNT_BIND ? NULL : m->type, flags, data) < 0)
    fail(c, STEP_MOUNT, errno, (uint32_t)i, m->dest);
  close(fd);
  finish_mount(c, rootfd, i);
}

/* pivot_root needs the rootfs's parent mount not shared: make the nearest
 * mount point above it private (runc's rootfsParentMountPrivate). Only
 * mount points accept MS_PRIVATE, so walk up until one does. */
static void parent_mount_private(const char *rootfs) {
  char buf[4096];
  snprintf(buf, sizeof buf, "%s", rootfs);
  for (char *slash; (slash = strrchr(buf, '/'));) {
    *slash = '\0';
    if (mount(NULL, *buf ? buf : "/", NULL, MS_PRIVATE, NULL) == 0 || !*buf) return;
  }
}

/* pivot_root(".", "."): stack the old root under the new one and detach it,
 * with no directory needed in the rootfs (runc's pivotRoot) */
static void pivot(struct ctx *c) {
  int oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  int newroot = open(c->plan.rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
  if (oldroot < 0 || newroot < 0 || fchdir(newroot) < 0) fail(c, STEP_PIVOT_ROOT, errno, 0, c->plan.rootfs);
  if (syscall(SYS_pivot_root, ".", ".") < 0) fail(c, STEP_PIVOT_ROOT, errno, 0, c->plan.rootfs);
  /* slave first, so the detach below does not propagate to the host */
  if (fchdir(oldroot) < 0 || mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0 ||
      umount2(".", MNT_DETACH) < 0 || chdir("/") < 0)
    fail(c, STEP_PIVOT_ROOT, errno, 0, "old root");
  close(oldroot);
  close(newroot);
}

static void no_pivot(struct ctx *c) {
  if (chdir(c->plan.rootfs) < 0 || mount(c->plan.rootfs, "/", NULL, MS_MOVE, NULL) < 0 ||
      chroot(".") < 0 || chdir("/") < 0)
    fail(c, STEP_NO_PIVOT, errno, 0, c->plan.rootfs);
}

int setup_rootfs(struct ctx *c) {
  struct plan *p = &c->plan;
  /* first of all: no mount event of ours may reach the host */
  unsigned long prop = p->root_propagation ? p->root_propagation : MS_SLAVE | MS_REC;
  if (mount(NULL, "/", NULL, prop, NULL) < 0) fail(c, STEP_ROOT_PROPAGATION, errno, 0, "/");
  parent_mount_private(p->rootfs);
  /* a bind of the rootfs onto itself: pivot_root wants a mount point */
  if (mount(p->rootfs, p->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
    fail(c, STEP_BIND_ROOTFS, errno, 0, p->rootfs);
  int rootfd = open(p->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0) fail(c, STEP_BIND_ROOTFS, errno, 0, p->rootfs);
  for (size_t i = 0; i < p->nmounts; i++) do_mount(c, rootfd, i);
  /* devices need the config's /dev mounted; read-only and masked paths
   * need /proc and /sys mounted, and come last so nothing mounts over them */
  make_devices(c, rootfd);
  protect_paths(c, rootfd);
  close(rootfd);
  /* the spec's createRuntime and createContainer points: after the
   * container's namespaces and mounts exist, before pivot_root */
  hooks_before_pivot(c);
  if (p->no_pivot) no_pivot(c); else pivot(c);
  if (p->root_readonly &&
      mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | locked_flags("/"), NULL) < 0)
    fail(c, STEP_ROOT_READONLY, errno, 0, "/");
  /* applied to the new "/" only now: on the old root a shared flag would
   * have reached the host (runc does the same, after pivot_root) */
  if (p->root_propagation && !(p->root_propagation & MS_PRIVATE) &&
      mount(NULL, "/", NULL, p->root_propagation, NULL) < 0)
    fail(c, STEP_ROOT_PROPAGATION, errno, 0, "/");
  return 0;
}
