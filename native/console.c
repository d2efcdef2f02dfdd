/* console.c: process.terminal. C opens a pty inside the container and sends
 * its master away (protocol.h "terminal"); P, for a foreground run or exec
 * without --console-socket, receives it and relays it to its own stdio until
 * the container's process exits, as `runc run -t` does in its own process.
 *
 * Why inside the container: the pty must come from the container's devpts
 * (its /dev/ptmx after pivot_root, or after joining its mount namespace for
 * exec), so that the process sees its own terminal as /dev/pts/N there.
 * The peer is opened with TIOCGPTPEER, never by path, so a rootfs cannot
 * make /dev/pts/N lead somewhere else. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include "runts.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

static int recv_fd(int sock) {
  char name[64], ctl[CMSG_SPACE(sizeof(int))];
  struct iovec iov = { .iov_base = name, .iov_len = sizeof name };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof ctl };
  ssize_t n;
  while ((n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR) {}
  struct cmsghdr *cm = n > 0 ? CMSG_FIRSTHDR(&msg) : NULL;
  if (!cm || cm->cmsg_type != SCM_RIGHTS) return -1;
  int fd;
  memcpy(&fd, CMSG_DATA(cm), sizeof(int));
  return fd;
}

void setup_console(struct ctx *c) {
  struct plan *p = &c->plan;
  int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0) fail(c, STEP_CONSOLE, errno, 0, "/dev/ptmx");
  int unlock = 0, n = 0;
  if (ioctl(master, TIOCSPTLCK, &unlock) < 0 || ioctl(master, TIOCGPTN, &n) < 0) fail(c, STEP_CONSOLE, errno, 0, "/dev/ptmx");
  int peer = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (peer < 0) fail(c, STEP_CONSOLE, errno, 0, "/dev/ptmx");
  if (p->has_console_size) {
    struct winsize ws = { .ws_row = (unsigned short)p->console_rows, .ws_col = (unsigned short)p->console_cols };
    if (ioctl(peer, TIOCSWINSZ, &ws) < 0) fail(c, STEP_CONSOLE, errno, 0, "TIOCSWINSZ");
  }
  char name[32];
  snprintf(name, sizeof name, "/dev/pts/%d", n);
  /* one message: the pty's name as data (clients want it non-empty), the
   * master as the one fd (CONTRACT.md "Console socket") */
  if (send_fd(c->console_sock, master, name, strlen(name)) < 0)
    fail(c, STEP_CONSOLE_SEND, errno, 0, p->console_socket ? p->console_socket : "runts-init");
  close(master);
  close(c->console_sock);
  c->console_sock = -1;
  /* the process's user may reopen its terminal (tty, ssh-style tools);
   * runc's fixStdioPermissions does the same; EPERM in a user namespace
   * without that id mapped only costs that */
  if (fchown(peer, (uid_t)p->uid, (gid_t)-1) < 0 && errno != EPERM && errno != EINVAL)
    fail(c, STEP_CONSOLE, errno, 0, name);
  for (int fd = 0; fd < 3; fd++)
    if (dup2(peer, fd) < 0) fail(c, STEP_CONSOLE, errno, 0, name);
  if (peer > 2) close(peer);
  /* we are a session leader without a terminal (setsid came first) */
  if (ioctl(0, TIOCSCTTY, 0) < 0) fail(c, STEP_CONSOLE, errno, 0, "TIOCSCTTY");
}

/* --- P: the relay ------------------------------------------------------ */

static int write_all(int fd, const char *buf, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, buf, len);
    if (n < 0 && errno == EAGAIN) {
      struct pollfd pfd = { .fd = fd, .events = POLLOUT };
      poll(&pfd, 1, -1);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    buf += n;
    len -= (size_t)n;
  }
  return 0;
}

/* 1 when something was copied, 0 at EOF or error (EIO: every peer closed) */
static int copy(int from, int to) {
  char buf[8192];
  ssize_t n = read(from, buf, sizeof buf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return 1;
  if (n <= 0) return 0;
  write_all(to, buf, (size_t)n);
  return 1;
}

/* a host terminal of no size (a pty nobody sized) keeps process.consoleSize */
static void copy_size(int master) {
  struct winsize ws;
  if (ioctl(0, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col) ioctl(master, TIOCSWINSZ, &ws);
}

/* what is still in the pty once the process is gone */
static void drain(int master) {
  struct pollfd pfd = { .fd = master, .events = POLLIN };
  while (poll(&pfd, 1, 0) > 0 && (pfd.revents & POLLIN) && copy(master, 1)) {}
}

static int exit_code(int status) {
  return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

/* after COMMIT: our stdin to the master, the master to our stdout, the
 * host terminal raw meanwhile (^C is the container's); SIGWINCH (runts
 * forwards it to us) copies the size. Returns the child's exit code. */
int relay_console(struct ctx *c, pid_t child) {
  int master = recv_fd(c->relay_sock), status = 0;
  close(c->relay_sock);
  struct termios saved, raw;
  int tty = master >= 0 && isatty(0) && tcgetattr(0, &saved) == 0;
  if (tty) {
    raw = saved;
    cfmakeraw(&raw);
    tcsetattr(0, TCSANOW, &raw);
    copy_size(master);
  }
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  sigaddset(&set, SIGWINCH);
  sigprocmask(SIG_BLOCK, &set, NULL);
  int sfd = signalfd(-1, &set, SFD_CLOEXEC);
  /* a SIGCHLD before the block was discarded: look once now */
  int done = waitpid(child, &status, WNOHANG) == child;
  struct pollfd fds[3] = { { .fd = master, .events = POLLIN }, { .fd = sfd, .events = POLLIN }, { .fd = 0, .events = POLLIN } };
  int nfds = 3;
  while (!done && master >= 0) {
    if (poll(fds, (nfds_t)nfds, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[0].revents && !copy(master, 1)) break; /* every peer closed */
    if (fds[1].revents & POLLIN) {
      struct signalfd_siginfo si;
      if (read(sfd, &si, sizeof si) == sizeof si && si.ssi_signo == SIGWINCH && tty) copy_size(master);
      done = waitpid(child, &status, WNOHANG) == child;
    }
    if (nfds == 3 && fds[2].revents && !copy(0, master)) nfds = 2; /* stdin's EOF: stop reading it */
  }
  if (master >= 0) drain(master);
  if (tty) tcsetattr(0, TCSANOW, &saved);
  while (!done && waitpid(child, &status, 0) < 0)
    if (errno != EINTR) return 255;
  return exit_code(status);
}
