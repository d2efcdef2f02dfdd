/* sync.c: frames on the ctl and sync sockets (format in protocol.h; the
 * TypeScript reader is src/native/wire.ts). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "runts.h"

static int write_all(int fd, const void *buf, size_t n) {
  const char *p = buf;
  while (n > 0) {
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    p += w; n -= (size_t)w;
  }
  return 0;
}

static int read_all(int fd, void *buf, size_t n) {
  char *p = buf;
  while (n > 0) {
    ssize_t r = read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return -1; /* EOF: the peer is gone */
    p += r; n -= (size_t)r;
  }
  return 0;
}

int frame_send(int fd, uint32_t type, const void *payload, uint32_t len) {
  char head[8];
  memcpy(head, &type, 4);
  memcpy(head + 4, &len, 4);
  if (write_all(fd, head, 8) < 0) return -1;
  return len ? write_all(fd, payload, len) : 0;
}

/* a plan is a few KiB; refuse anything absurd rather than allocate it */
#define FRAME_MAX (16u << 20)

int frame_recv(int fd, uint32_t *type, char **payload, uint32_t *len) {
  char head[8];
  if (read_all(fd, head, 8) < 0) return -1;
  memcpy(type, head, 4);
  memcpy(len, head + 4, 4);
  if (*len > FRAME_MAX) return -1;
  *payload = malloc(*len + 1);
  if (!*payload) return -1;
  (*payload)[*len] = '\0';
  return *len ? read_all(fd, *payload, *len) : 0;
}

/* ERROR payload: u32 step, i32 errno, u32 index, detail (not NUL-terminated) */
/* one message: data, and fd as its one SCM_RIGHTS fd (the console
 * socket's pty master, the seccomp listener's notify fd) */
int send_fd(int sock, int fd, const void *data, size_t len) {
  char ctl[CMSG_SPACE(sizeof(int))];
  struct iovec iov = { .iov_base = (void *)data, .iov_len = len };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl };
  memset(ctl, 0, sizeof ctl);
  struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);
  cm->cmsg_level = SOL_SOCKET;
  cm->cmsg_type = SCM_RIGHTS;
  cm->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(cm), &fd, sizeof(int));
  return sendmsg(sock, &msg, MSG_NOSIGNAL) < 0 ? -1 : 0;
}

/* TAG_FAULT (tests only; protocol.h): 1 when the step is to fail here,
 * which the caller does as its own failures; with FAULT_REPORT, tell runts
 * on fd, wait until it is gone (it kills itself), and go on as if it had
 * died on its own at this point */
int fault_here(struct ctx *c, uint32_t step, int fd) {
  if (c->plan.fault_step != step) return 0;
  if (c->plan.fault_mode == FAULT_FAIL) return 1;
  char buf[256];
  ssize_t r;
  frame_send(fd, MSG_FAULT, &step, 4);
  while ((r = read(fd, buf, sizeof buf)) > 0 || (r < 0 && errno == EINTR)) {}
  /* after COMMIT runts has already shut its side of ctl: P, runts' child,
   * waits to be reparented instead (C's parent is P: no wait) */
  while (getppid() == c->runts_pid) usleep(1000);
  return 0;
}

void report_error(int fd, uint32_t step, int err, uint32_t index, const char *detail) {
  size_t dlen = detail ? strnlen(detail, 4096) : 0;
  char buf[12 + 4096];
  int32_t e = err;
  memcpy(buf, &step, 4);
  memcpy(buf + 4, &e, 4);
  memcpy(buf + 8, &index, 4);
  if (dlen) memcpy(buf + 12, detail, dlen);
  frame_send(fd, MSG_ERROR, buf, (uint32_t)(12 + dlen));
}
