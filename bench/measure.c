/* measure: run one command and report what it cost, for bench/bench.ts.
 *
 *   measure [-q] CMD ARGS...   →  stdout: "<wall ns> <peak rss KiB> <exit status>\n"
 *
 * Why a C helper: Node's child_process gives neither the child's peak RSS
 * nor a clock that excludes its own spawn work. Here the clock runs from
 * just before fork to just after wait4, and wait4's rusage gives the
 * child's ru_maxrss (the process itself: runc's init and runts-init are
 * not its reaped children, so they are not in it). Both runtimes pay the
 * same fork and exec from here, so the ratios are fair.
 *
 * The child inherits our stdin, stdout and stderr (bench.ts captures
 * stderr to say why a runtime failed); with -q its stdout goes to
 * /dev/null.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(int argc, char **argv) {
  int quiet = argc > 1 && strcmp(argv[1], "-q") == 0;
  char **cmd = argv + 1 + quiet;
  if (!*cmd) {
    fprintf(stderr, "usage: measure [-q] CMD ARGS...\n");
    return 2;
  }
  long long start = now_ns();
  pid_t pid = fork();
  if (pid < 0) {
    perror("measure: fork");
    return 2;
  }
  if (pid == 0) {
    if (quiet) {
      int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
      if (null >= 0) dup2(null, 1);
    }
    execvp(cmd[0], cmd);
    fprintf(stderr, "measure: exec `%s`: %s\n", cmd[0], strerror(errno));
    _exit(127);
  }
  int status;
  struct rusage ru;
  if (wait4(pid, &status, 0, &ru) < 0) {
    perror("measure: wait4");
    return 2;
  }
  long long wall = now_ns() - start;
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  printf("%lld %ld %d\n", wall, ru.ru_maxrss, code);
  return 0;
}
