/* runts.h: shared declarations of runts-init (see protocol.h for the wire). */
#ifndef RUNTS_H
#define RUNTS_H

#include <stddef.h>
#include <stdint.h>
#include "protocol.h"

struct mount_op {
  uint32_t kind;
  uint64_t flags;
  uint64_t propagation;
  const char *source, *dest, *type, *data;
};

struct join_ns {
  uint64_t type;
  const char *path;
  int fd;
};

struct plan {
  const char *rootfs, *state_dir, *hostname, *domainname, *cwd;
  uint64_t clone_flags, root_propagation, flags;
  int root_readonly, no_pivot, has_hostname, has_domainname, has_umask;
  uint64_t uid, gid, umask;
  struct join_ns *joins; size_t njoins;
  struct mount_op *mounts; size_t nmounts;
  uint64_t *groups; size_t ngroups;
  char **argv; size_t nargs;   /* NULL-terminated */
  char **envp; size_t nenv;    /* NULL-terminated */
};

/* the fds and plan one init works with */
struct ctx {
  struct plan plan;
  int preserve;     /* count of fds 3.. passed through */
  int ctl, sync;    /* sockets to runts */
  int listener;     /* <state>/exec.sock, listening */
  int state_dirfd;
};

/* plan.c */
int plan_decode(struct plan *p, char *buf, size_t len);

/* sync.c */
int frame_send(int fd, uint32_t type, const void *payload, uint32_t len);
int frame_recv(int fd, uint32_t *type, char **payload, uint32_t *len);
void report_error(int fd, uint32_t step, int err, uint32_t index, const char *detail);

/* cloned.c */
int ensure_sealed_copy(char **argv, char **envp);

/* child.c */
int child_main(struct ctx *c);

/* mounts.c */
int setup_rootfs(struct ctx *c);

/* fail: report a step's failure on the sync socket and exit the child */
_Noreturn void fail(struct ctx *c, uint32_t step, int err, uint32_t index, const char *detail);

#endif
