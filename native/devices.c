/* devices.c: inside the rootfs, before pivot_root, while CAP_SYS_ADMIN and
 * CAP_MKNOD are held: the device nodes of linux.devices and runc's default
 * ones (src/plan/devices.ts), then linux.readonlyPaths and
 * linux.maskedPaths (src/plan/security.ts). Every path is resolved inside
 * the rootfs (open_in_root), so a symlink in the rootfs such as
 * /dev -> / or /proc -> /etc cannot send a node or a mount to the host. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "runts.h"

/* whether what is at dir/base is the node asked for: its type, and its
 * numbers unless it is a fifo */
static int same_node(int dir, const char *base, const struct device_op *d) {
  struct stat st;
  if (fstatat(dir, base, &st, AT_SYMLINK_NOFOLLOW) < 0) return 0;
  if ((st.st_mode & S_IFMT) != (d->mode & S_IFMT)) return 0;
  return S_ISFIFO(st.st_mode) || st.st_rdev == makedev(d->major, d->minor);
}

/* a node made with mknod, owned and moded exactly as the config says (the
 * umask would otherwise take bits away); an existing node is kept, as runc
 * does, but only if it is that device: anything else at the path is an
 * error (config-linux.md "Devices") */
static void mknod_device(struct ctx *c, int rootfd, size_t i) {
  struct device_op *d = &c->plan.devices[i];
  const char *base;
  int dir = open_parent(rootfd, d->path, &base);
  if (dir < 0) fail(c, STEP_DEVICE, errno, (uint32_t)i, d->path);
  if (mknodat(dir, base, (mode_t)d->mode, makedev(d->major, d->minor)) < 0) {
    if (errno != EEXIST || !same_node(dir, base, d)) fail(c, STEP_DEVICE, errno, (uint32_t)i, d->path);
  } else if (fchownat(dir, base, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0 ||
             fchmodat(dir, base, (mode_t)(d->mode & 07777), 0) < 0) {
    fail(c, STEP_DEVICE, errno, (uint32_t)i, d->path);
  }
  close(dir);
}

/* in a user namespace mknod is refused: bind the host's node instead */
static void bind_device(struct ctx *c, int rootfd, size_t i) {
  struct device_op *d = &c->plan.devices[i];
  char target[64];
  int fd = open_target(rootfd, d->path, 0);
  if (fd < 0) fail(c, STEP_DEVICE, errno, (uint32_t)i, d->path);
  fd_path(target, sizeof target, fd);
  if (mount(d->path, target, NULL, MS_BIND, NULL) < 0) fail(c, STEP_DEVICE, errno, (uint32_t)i, d->path);
  close(fd);
}

void make_devices(struct ctx *c, int rootfd) {
  for (size_t i = 0; i < c->plan.ndevices; i++) {
    if (c->plan.devices[i].bind) bind_device(c, rootfd, i);
    else mknod_device(c, rootfd, i);
  }
}

/* the path inside the root, or -1 with errno; a missing path is skipped by
 * the callers, as runc does: profiles list paths of many kernels */
static int open_existing(int rootfd, const char *path) {
  return open_in_root(rootfd, path, O_PATH | O_NOFOLLOW);
}

/* a bind of the path onto itself, remounted read-only; the flags a user
 * namespace locked on the mount must be repeated or the remount is refused */
static void readonly_path(struct ctx *c, int rootfd, size_t i) {
  const char *path = c->plan.readonly[i];
  char at[64];
  int fd = open_existing(rootfd, path);
  if (fd < 0 && errno == ENOENT) return;
  if (fd < 0) fail(c, STEP_READONLY, errno, (uint32_t)i, path);
  fd_path(at, sizeof at, fd);
  if (mount(at, at, NULL, MS_BIND | MS_REC, NULL) < 0) fail(c, STEP_READONLY, errno, (uint32_t)i, path);
  close(fd);
  /* reopen: the fd still names the mount below the new bind */
  if ((fd = open_existing(rootfd, path)) < 0) fail(c, STEP_READONLY, errno, (uint32_t)i, path);
  fd_path(at, sizeof at, fd);
  if (mount(NULL, at, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC | locked_flags(at), NULL) < 0)
    fail(c, STEP_READONLY, errno, (uint32_t)i, path);
  close(fd);
}

/* the host's /dev/null, checked to be the real one (char 1:3): binding
 * anything else over a masked file would show the container that thing */
static int open_devnull(struct ctx *c) {
  struct stat st;
  int fd = open("/dev/null", O_PATH | O_CLOEXEC);
  if (fd < 0 || fstat(fd, &st) < 0) fail(c, STEP_MASKED, errno, 0, "/dev/null");
  if (!S_ISCHR(st.st_mode) || major(st.st_rdev) != 1 || minor(st.st_rdev) != 3)
    fail(c, STEP_MASKED, ENOTTY, 0, "/dev/null is not the null device");
  return fd;
}

/* a file: /dev/null bound over it; a directory: an empty read-only tmpfs */
static void mask_path(struct ctx *c, int rootfd, size_t i, int devnull) {
  const char *path = c->plan.masked[i];
  char at[64], null_at[64];
  struct stat st;
  int fd = open_existing(rootfd, path);
  if (fd < 0 && errno == ENOENT) return;
  if (fd < 0 || fstat(fd, &st) < 0) fail(c, STEP_MASKED, errno, (uint32_t)i, path);
  fd_path(at, sizeof at, fd);
  fd_path(null_at, sizeof null_at, devnull);
  int r = S_ISDIR(st.st_mode) ? mount("tmpfs", at, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL)
                              : mount(null_at, at, NULL, MS_BIND, NULL);
  if (r < 0) fail(c, STEP_MASKED, errno, (uint32_t)i, path);
  close(fd);
}

/* read-only first, then masks, as runc: a mask inside a read-only tree
 * (/proc/sys/...) still lands, since mounting is not writing */
void protect_paths(struct ctx *c, int rootfd) {
  for (size_t i = 0; i < c->plan.nreadonly; i++) readonly_path(c, rootfd, i);
  if (c->plan.nmasked == 0) return;
  int devnull = open_devnull(c);
  for (size_t i = 0; i < c->plan.nmasked; i++) mask_path(c, rootfd, i, devnull);
  close(devnull);
}

/* through the host's /proc, before pivot_root: the kernel applies a
 * sysctl to the namespaces of the process that opens the file, and the
 * host's /proc is never one the config made read-only */
void write_sysctls(struct ctx *c) {
  for (size_t i = 0; i < c->plan.nsysctls; i++) {
    struct sysctl_op *s = &c->plan.sysctls[i];
    if (write_file(s->path, s->value) < 0) fail(c, STEP_SYSCTL, errno, (uint32_t)i, s->path);
  }
}
