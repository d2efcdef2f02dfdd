/* plan.c: decode the launch plan (format in protocol.h, encoder in
 * src/native/wire.ts). Runs in P before clone, so the child only reads
 * memory. Strings point into the received buffer, which is never freed. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "runts.h"

struct cursor { char *p; size_t left; };

static int take(struct cursor *c, void *out, size_t n) {
  if (c->left < n) return -1;
  memcpy(out, c->p, n);
  c->p += n; c->left -= n;
  return 0;
}

static const char *take_str(struct cursor *c) {
  char *end = memchr(c->p, '\0', c->left);
  if (!end) return NULL;
  const char *s = c->p;
  c->left -= (size_t)(end - c->p) + 1;
  c->p = end + 1;
  return s;
}

/* grow an array by one element; arrays are small (tens of entries) */
static void *push(void *arr, size_t *n, size_t size) {
  char *a = realloc(arr, (*n + 2) * size);
  if (!a) return NULL;
  memset(a + (*n + 1) * size, 0, size); /* keep a NULL terminator */
  (*n)++;
  return a;
}

static uint64_t u64_of(struct cursor *c) { uint64_t v = 0; take(c, &v, 8); return v; }

static int decode_mount(struct plan *p, struct cursor *c) {
  struct mount_op m = {0};
  uint32_t zero;
  if (take(c, &m.kind, 4) || take(c, &zero, 4) || take(c, &m.flags, 8) || take(c, &m.propagation, 8)) return -1;
  if (!(m.source = take_str(c)) || !(m.dest = take_str(c)) || !(m.type = take_str(c)) || !(m.data = take_str(c))) return -1;
  if (!(p->mounts = push(p->mounts, &p->nmounts, sizeof m))) return -1;
  p->mounts[p->nmounts - 1] = m;
  return 0;
}

static int decode_join(struct plan *p, struct cursor *c) {
  struct join_ns j = { .fd = -1 };
  j.type = u64_of(c);
  if (!(j.path = take_str(c))) return -1;
  if (!(p->joins = push(p->joins, &p->njoins, sizeof j))) return -1;
  p->joins[p->njoins - 1] = j;
  return 0;
}

static int push_str(char ***arr, size_t *n, struct cursor *c) {
  const char *s = take_str(c);
  if (!s || !(*arr = push(*arr, n, sizeof(char *)))) return -1;
  (*arr)[*n - 1] = (char *)s;
  return 0;
}

static int push_u64(uint64_t **arr, size_t *n, struct cursor *c) {
  if (!(*arr = push(*arr, n, sizeof(uint64_t)))) return -1;
  (*arr)[*n - 1] = u64_of(c);
  return 0;
}

static const char *take_bytes(struct cursor *c, size_t *len) {
  const char *b = c->p;
  *len = c->left;
  c->p += c->left;
  c->left = 0;
  return b;
}

static int decode_rlimit(struct plan *p, struct cursor *c) {
  struct rlimit_op r;
  uint32_t zero;
  if (take(c, &r.resource, 4) || take(c, &zero, 4) || take(c, &r.soft, 8) || take(c, &r.hard, 8)) return -1;
  if (!(p->rlimits = push(p->rlimits, &p->nrlimits, sizeof r))) return -1;
  p->rlimits[p->nrlimits - 1] = r;
  return 0;
}

static int decode_sysctl(struct plan *p, struct cursor *c) {
  struct sysctl_op s;
  if (!(s.path = take_str(c)) || !(s.value = take_str(c))) return -1;
  if (!(p->sysctls = push(p->sysctls, &p->nsysctls, sizeof s))) return -1;
  p->sysctls[p->nsysctls - 1] = s;
  return 0;
}

static int decode_device(struct plan *p, struct cursor *c) {
  struct device_op d;
  if (take(c, &d.mode, 8) || take(c, &d.major, 4) || take(c, &d.minor, 4) || take(c, &d.uid, 4) ||
      take(c, &d.gid, 4) || take(c, &d.bind, 8) || !(d.path = take_str(c))) return -1;
  if (!(p->devices = push(p->devices, &p->ndevices, sizeof d))) return -1;
  p->devices[p->ndevices - 1] = d;
  return 0;
}

static int decode_sched(struct plan *p, struct cursor *c) {
  struct sched_op *s = &p->sched;
  p->has_sched = 1;
  return take(c, &s->policy, 8) || take(c, &s->flags, 8) || take(c, &s->nice, 8) || take(c, &s->priority, 8) ||
         take(c, &s->runtime, 8) || take(c, &s->deadline, 8) || take(c, &s->period, 8) ? -1 : 0;
}

static int decode_seccomp(struct plan *p, struct cursor *c) {
  p->seccomp_flags = u64_of(c);
  p->seccomp_prog = take_bytes(c, &p->seccomp_len);
  return p->seccomp_len % 8 == 0 && p->seccomp_len > 0 ? 0 : -1; /* sizeof(struct sock_filter) */
}

/* TAG_HOOK: the arrays are allocated here, before clone, as the rest */
static int decode_hook(struct plan *p, struct cursor *c) {
  struct hook_op h = {0};
  uint32_t nargs, nenv;
  if (take(c, &h.kind, 4) || take(c, &h.timeout, 4) || take(c, &nargs, 4) || take(c, &nenv, 4)) return -1;
  if (nargs > c->left || nenv > c->left || !(h.path = take_str(c))) return -1;
  h.argv = calloc((size_t)nargs + 2, sizeof(char *));
  h.envp = calloc((size_t)nenv + 1, sizeof(char *));
  if (!h.argv || !h.envp) return -1;
  h.argv[0] = (char *)h.path; /* execv's argv when the config gives no args */
  for (uint32_t i = 0; i < nargs; i++)
    if (!(h.argv[i] = (char *)take_str(c))) return -1;
  for (uint32_t i = 0; i < nenv; i++)
    if (!(h.envp[i] = (char *)take_str(c))) return -1;
  if (!(p->hooks = push(p->hooks, &p->nhooks, sizeof h))) return -1;
  p->hooks[p->nhooks - 1] = h;
  return 0;
}

static int decode_caps(struct plan *p, struct cursor *c) {
  p->has_caps = 1;
  for (int i = 0; i < NCAPSETS; i++)
    if (take(c, &p->caps[i], 8)) return -1;
  return 0;
}

/* the records of issue 3's fields; 1 when the tag is not one of them */
static int decode_security(struct plan *p, uint16_t tag, struct cursor *c) {
  switch (tag) {
  case TAG_CAPS: return decode_caps(p, c);
  case TAG_NO_NEW_PRIVS: p->nnp = (int)u64_of(c); return 0;
  case TAG_RLIMIT: return decode_rlimit(p, c);
  case TAG_OOM_SCORE_ADJ: p->has_oom = 1; p->oom_score_adj = (int64_t)u64_of(c); return 0;
  case TAG_SYSCTL: return decode_sysctl(p, c);
  case TAG_MASKED: return push_str(&p->masked, &p->nmasked, c);
  case TAG_READONLY: return push_str(&p->readonly, &p->nreadonly, c);
  case TAG_DEVICE: return decode_device(p, c);
  case TAG_SECCOMP: return decode_seccomp(p, c);
  case TAG_SECCOMP_LISTENER: return (p->seccomp_listener = take_str(c)) ? 0 : -1;
  case TAG_APPARMOR: return (p->apparmor = take_str(c)) ? 0 : -1;
  case TAG_SELINUX: return (p->selinux = take_str(c)) ? 0 : -1;
  case TAG_PERSONALITY: p->has_personality = 1; p->personality = u64_of(c); return 0;
  case TAG_SCHEDULER: return decode_sched(p, c);
  case TAG_IOPRIO: p->has_ioprio = 1; p->ioprio = u64_of(c); return 0;
  case TAG_CPU_AFFINITY: p->affinity = take_bytes(c, &p->affinity_len); return 0;
  case TAG_TIME_OFFSETS: return (p->time_offsets = take_str(c)) ? 0 : -1;
  case TAG_CGROUP_DIR: return push_str(&p->cgroup_dirs, &p->ncgroup_dirs, c);
  case TAG_CONSOLE_SOCKET: return (p->console_socket = take_str(c)) ? 0 : -1;
  case TAG_CONSOLE_SIZE: p->has_console_size = 1; p->console_rows = u64_of(c); p->console_cols = u64_of(c); return 0;
  case TAG_KEYRING: return (p->keyring = take_str(c)) ? 0 : -1;
  case TAG_FAULT: return take(c, &p->fault_step, 4) || take(c, &p->fault_mode, 4) ? -1 : 0;
  default: return 1;
  }
}

static int decode_record(struct plan *p, uint16_t tag, struct cursor *c) {
  switch (tag) {
  case TAG_ROOTFS: return (p->rootfs = take_str(c)) ? 0 : -1;
  case TAG_STATE_DIR: return (p->state_dir = take_str(c)) ? 0 : -1;
  case TAG_CLONE_FLAGS: p->clone_flags = u64_of(c); return 0;
  case TAG_JOIN_NS: return decode_join(p, c);
  case TAG_MOUNT: return decode_mount(p, c);
  case TAG_ROOT_PROPAGATION: p->root_propagation = u64_of(c); return 0;
  case TAG_ROOT_READONLY: p->root_readonly = (int)u64_of(c); return 0;
  case TAG_NO_PIVOT: p->no_pivot = (int)u64_of(c); return 0;
  case TAG_HOSTNAME: p->has_hostname = 1; return (p->hostname = take_str(c)) ? 0 : -1;
  case TAG_DOMAINNAME: p->has_domainname = 1; return (p->domainname = take_str(c)) ? 0 : -1;
  case TAG_CWD: return (p->cwd = take_str(c)) ? 0 : -1;
  case TAG_UID: p->uid = u64_of(c); return 0;
  case TAG_GID: p->gid = u64_of(c); return 0;
  case TAG_GROUP: return push_u64(&p->groups, &p->ngroups, c);
  case TAG_UMASK: p->has_umask = 1; p->umask = u64_of(c); return 0;
  case TAG_ARG: return push_str(&p->argv, &p->nargs, c);
  case TAG_ENV: return push_str(&p->envp, &p->nenv, c);
  case TAG_FLAGS: p->flags = u64_of(c); return 0;
  case TAG_HOOK: return decode_hook(p, c);
  default: return decode_security(p, tag, c) < 0 ? -1 : 0; /* unknown tags are skipped: the ABI guards meaning */
  }
}

int plan_decode(struct plan *p, char *buf, size_t len) {
  struct cursor c = { buf, len };
  uint32_t magic = 0, abi = 0;
  memset(p, 0, sizeof *p);
  if (take(&c, &magic, 4) || take(&c, &abi, 4) || magic != RUNTS_MAGIC || abi != RUNTS_ABI) return -1;
  while (c.left > 0) {
    uint16_t tag, zero; uint32_t n;
    if (take(&c, &tag, 2) || take(&c, &zero, 2) || take(&c, &n, 4) || n > c.left) return -1;
    struct cursor rec = { c.p, n };
    if (decode_record(p, tag, &rec) < 0) return -1;
    c.p += n; c.left -= n;
  }
  /* exec works in the container's root and has no state dir of its own */
  int exec = (p->flags & FLAG_EXEC) != 0;
  if ((!exec && (!p->rootfs || !p->state_dir)) || !p->cwd || p->nargs == 0) return -1;
  if (!p->envp && !(p->envp = calloc(1, sizeof(char *)))) return -1;
  return 0;
}
