/* creds.c: who the container's process is and what it may do. The plan's
 * fields come from src/plan/security.ts and src/plan/seccomp.ts.
 *
 * The order is the order for reasons (runc's finalizeNamespace and
 * standard_init_linux.go do the same):
 *  1. rlimits while we still hold CAP_SYS_RESOURCE: raising a hard limit
 *     needs it;
 *  2. the bounding set while we hold CAP_SETPCAP;
 *  3. groups, gid, uid, with KEEPCAPS so that permitted survives the uid
 *     change; after setuid we could no longer change the ids;
 *  4. effective, permitted, inheritable with one capset, then ambient,
 *     which must already be in permitted and inheritable;
 * and at exec (lock_down): no_new_privs, then seccomp, last. Loading a
 * filter without no_new_privs needs CAP_SYS_ADMIN: when the final sets lack
 * it, it stays in effective until the filter is loaded and is then dropped
 * with one capset, the only syscall between the filter and execve. */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>
#include "runts.h"

#define CAP_BIT(n) (1ull << (n))

void set_rlimits(struct ctx *c) {
  struct plan *p = &c->plan;
  for (size_t i = 0; i < p->nrlimits; i++) {
    struct rlimit lim = { .rlim_cur = p->rlimits[i].soft, .rlim_max = p->rlimits[i].hard };
    if (setrlimit((int)p->rlimits[i].resource, &lim) < 0) fail(c, STEP_RLIMIT, errno, (uint32_t)i, NULL);
  }
}

static void drop_bounding(struct ctx *c) {
  for (int cap = 0; cap < 64; cap++) {
    if (c->plan.caps[CAP_BND] & CAP_BIT(cap)) continue;
    if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0) continue;
    if (errno == EINVAL) return; /* past the kernel's last capability */
    fail(c, STEP_CAP_BOUNDING, errno, (uint32_t)cap, NULL);
  }
}

static int capget_sets(uint64_t sets[NCAPSETS]) {
  struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
  struct __user_cap_data_struct d[2];
  if (syscall(SYS_capget, &hdr, d) < 0) return -1;
  sets[CAP_EFF] = d[0].effective | (uint64_t)d[1].effective << 32;
  sets[CAP_PRM] = d[0].permitted | (uint64_t)d[1].permitted << 32;
  sets[CAP_INH] = d[0].inheritable | (uint64_t)d[1].inheritable << 32;
  return 0;
}

static int capset_sets(uint64_t eff, uint64_t prm, uint64_t inh) {
  struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
  struct __user_cap_data_struct d[2] = {
    { (uint32_t)eff, (uint32_t)prm, (uint32_t)inh },
    { (uint32_t)(eff >> 32), (uint32_t)(prm >> 32), (uint32_t)(inh >> 32) },
  };
  return (int)syscall(SYS_capset, &hdr, d);
}

/* groups, then gid, then uid: after setuid we could no longer change them */
static void set_ids(struct ctx *c) {
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

/* the sets the process ends with: the config's, or, when it gives none,
 * what the kernel leaves after setuid (everything for root, nothing else) */
static void final_sets(struct ctx *c) {
  struct plan *p = &c->plan;
  if (p->has_caps) {
    memcpy(c->final_caps, p->caps, sizeof c->final_caps);
    return;
  }
  if (capget_sets(c->final_caps) < 0) fail(c, STEP_CAPS, errno, 0, NULL);
  if (p->uid != 0) c->final_caps[CAP_EFF] = c->final_caps[CAP_PRM] = 0;
  c->final_caps[CAP_AMB] = 0;
}

void set_creds(struct ctx *c) {
  struct plan *p = &c->plan;
  final_sets(c);
  c->admin_kept = p->seccomp_prog && !p->nnp && !(c->final_caps[CAP_EFF] & CAP_BIT(CAP_SYS_ADMIN));
  int keep = p->has_caps || c->admin_kept;
  if (p->has_caps) drop_bounding(c);
  if (keep && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) fail(c, STEP_CAPS, errno, 0, "keepcaps");
  set_ids(c);
  if (!keep) return;
  prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
  uint64_t admin = c->admin_kept ? CAP_BIT(CAP_SYS_ADMIN) : 0;
  if (capset_sets(c->final_caps[CAP_EFF] | admin, c->final_caps[CAP_PRM] | admin, c->final_caps[CAP_INH]) < 0)
    fail(c, STEP_CAPS, errno, 0, NULL);
  for (int cap = 0; cap < 64; cap++)
    if ((c->final_caps[CAP_AMB] & CAP_BIT(cap)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
      fail(c, STEP_CAP_AMBIENT, errno, (uint32_t)cap, NULL);
}

/* SECCOMP_ACT_NOTIFY: the listener gets the notify fd and the container
 * process state (runtime-spec config-linux.md), as one message */
static int send_notify_fd(struct ctx *c, int notify_fd) {
  int r = send_fd(c->notify_sock, notify_fd, c->notify_state, c->notify_state_len);
  close(notify_fd);
  close(c->notify_sock);
  return r;
}

/* the last steps before execve; failures go to `runts start` on report_fd */
void lock_down(struct ctx *c, int report_fd) {
  struct plan *p = &c->plan;
  if (p->nnp && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
    report_error(report_fd, STEP_NO_NEW_PRIVS, errno, 0, NULL);
    _exit(1);
  }
  if (!p->seccomp_prog) return;
  struct sock_fprog prog = { .len = (unsigned short)(p->seccomp_len / sizeof(struct sock_filter)),
                             .filter = (struct sock_filter *)p->seccomp_prog };
  long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, (unsigned)p->seccomp_flags, &prog);
  if (fd < 0) {
    report_error(report_fd, STEP_SECCOMP, errno, 0, NULL);
    _exit(1);
  }
  if ((p->seccomp_flags & SECCOMP_FILTER_FLAG_NEW_LISTENER) && send_notify_fd(c, (int)fd) < 0) {
    report_error(report_fd, STEP_SECCOMP_NOTIFY, errno, 0, p->seccomp_listener);
    _exit(1);
  }
  if (c->admin_kept && capset_sets(c->final_caps[CAP_EFF], c->final_caps[CAP_PRM], c->final_caps[CAP_INH]) < 0) {
    report_error(report_fd, STEP_CAPS, errno, 0, "after the seccomp filter");
    _exit(1);
  }
}
