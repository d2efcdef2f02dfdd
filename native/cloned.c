/* cloned.c: run from a sealed memfd copy of ourselves, so that a process in
 * the container that opens /proc/<pid>/exe of a runts-init gets a read-only,
 * sealed copy and never a writable handle to the host binary (runc's
 * CVE-2019-5736). The init is small and static, so the copy is cheap. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>
#include "runts.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

static int is_sealed_copy(void) {
  int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  int seals = fcntl(fd, F_GET_SEALS);
  close(fd);
  return seals >= 0 && (seals & SEALS) == SEALS;
}

static int make_copy(void) {
  /* MFD_EXEC: kernels with vm.memfd_noexec need it said; older ones refuse
   * the unknown flag, hence the retry without it */
  int mfd = memfd_create("runts-init", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
  if (mfd < 0 && errno == EINVAL) mfd = memfd_create("runts-init", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  int src = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (mfd < 0 || src < 0 || fstat(src, &st) < 0) return -1;
  for (off_t off = 0; off < st.st_size;) {
    ssize_t n = sendfile(mfd, src, &off, (size_t)(st.st_size - off));
    if (n <= 0) return -1;
  }
  close(src);
  return fcntl(mfd, F_ADD_SEALS, SEALS) < 0 ? -1 : mfd;
}

int ensure_sealed_copy(char **argv, char **envp) {
  if (is_sealed_copy()) return 0;
  int mfd = make_copy();
  if (mfd < 0) return -1;
  fexecve(mfd, argv, envp);
  return -1;
}
