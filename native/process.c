/* process.c: what the container's process inherits across execve: its
 * personality, scheduler, I/O priority, cpu affinity and LSM labels (in C,
 * before the capability drop: a real-time policy or I/O class needs
 * CAP_SYS_NICE or CAP_SYS_ADMIN), and what P sets up before clone because
 * children inherit it: oom_score_adj and the time namespace's offsets,
 * which the kernel takes only before a process enters the namespace. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "runts.h"

/* struct sched_attr of sched_setattr(2), which glibc does not declare */
struct sched_attr_v1 {
  uint32_t size, sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime, sched_deadline, sched_period;
};

int write_file(const char *path, const char *text) {
  return write_file_at(AT_FDCWD, path, text);
}

int write_file_at(int dirfd, const char *path, const char *text) {
  int fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = write(fd, text, strlen(text));
  int err = errno;
  close(fd);
  errno = err;
  return n == (ssize_t)strlen(text) ? 0 : -1;
}

static int set_scheduler(const struct sched_op *s) {
  struct sched_attr_v1 a = {
    .size = sizeof a, .sched_policy = (uint32_t)s->policy, .sched_flags = s->flags,
    .sched_nice = (int32_t)s->nice, .sched_priority = (uint32_t)s->priority,
    .sched_runtime = s->runtime, .sched_deadline = s->deadline, .sched_period = s->period,
  };
  return (int)syscall(SYS_sched_setattr, 0, &a, 0);
}

#define IOPRIO_WHO_PROCESS 1

void set_process_attrs(struct ctx *c) {
  struct plan *p = &c->plan;
  if (p->has_personality && personality((unsigned long)p->personality) < 0) fail(c, STEP_PERSONALITY, errno, 0, NULL);
  if (p->has_sched && set_scheduler(&p->sched) < 0) fail(c, STEP_SCHEDULER, errno, 0, NULL);
  if (p->has_ioprio && syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, (int)p->ioprio) < 0) fail(c, STEP_IOPRIO, errno, 0, NULL);
  if (p->affinity && sched_setaffinity(0, p->affinity_len, (const cpu_set_t *)p->affinity) < 0)
    fail(c, STEP_CPU_AFFINITY, errno, 0, NULL);
}

/* labels for the next execve, through the host's /proc (still ours before
 * pivot_root); AppArmor's own attr dir first, the shared one on old kernels */
void set_lsm_labels(struct ctx *c) {
  struct plan *p = &c->plan;
  char text[4200];
  if (p->apparmor) {
    snprintf(text, sizeof text, "exec %s", p->apparmor);
    if (write_file("/proc/thread-self/attr/apparmor/exec", text) < 0 && write_file("/proc/thread-self/attr/exec", text) < 0)
      fail(c, STEP_APPARMOR, errno, 0, p->apparmor);
  }
  if (p->selinux && write_file("/proc/thread-self/attr/exec", p->selinux) < 0) fail(c, STEP_SELINUX, errno, 0, p->selinux);
}

/* in P, before joining namespaces: /proc/self while it is still the host's
 * (an exec joins the container's mount namespace), when parent_attrs needs it */
int open_proc_self(struct ctx *c) {
  if (!c->plan.has_oom && !c->plan.time_offsets) return 0;
  c->proc_self = open("/proc/self", O_PATH | O_DIRECTORY | O_CLOEXEC);
  return c->proc_self < 0 ? -1 : 0;
}

/* in P, after the time namespace is unshared and before clone: 0, or the
 * step that failed with *bad naming the file. Closes proc_self, which C
 * must not inherit. */
uint32_t parent_attrs(struct ctx *c, const char **bad) {
  struct plan *p = &c->plan;
  char num[32];
  uint32_t step = 0;
  if (p->has_oom) {
    snprintf(num, sizeof num, "%lld", (long long)p->oom_score_adj);
    *bad = "/proc/self/oom_score_adj";
    if (write_file_at(c->proc_self, "oom_score_adj", num) < 0) step = STEP_OOM_SCORE_ADJ;
  }
  if (!step && p->time_offsets) {
    *bad = "/proc/self/timens_offsets";
    if (write_file_at(c->proc_self, "timens_offsets", p->time_offsets) < 0) step = STEP_TIME_OFFSETS;
  }
  if (c->proc_self >= 0) {
    int err = errno;
    close(c->proc_self);
    c->proc_self = -1;
    errno = err;
  }
  return step;
}
