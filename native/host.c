/* host.c: build/Release/host.node, the one addon runts loads into Node, for
 * two things Node cannot do itself. src/host/addon.ts loads it (only the
 * commands that use it: state and list never do).
 *
 * flock(fd, op) → 0 or -errno: flock(2), which Node lacks, for the
 * per-container lock (src/host/lock.ts says why a lock, and why on the state
 * dir). koffi could call flock too, but loading it costs ~7 ms per runts
 * call here against ~0.4 ms for this module, and every command that changes
 * a container takes the lock. It never throws, so that the caller tells
 * EWOULDBLOCK (held by another) from a real error in one place.
 *
 * keepJoinFast(path) → 0 or -errno, and stopJoinFast(): a thread that
 * writes our own pid to `path`, the cgroup.procs of the cgroup we are in,
 * every 2 ms until stopped (or for 5 s at most), so that the kernel has its
 * RCU grace period behind it when runts moves the container's init into
 * its cgroup. src/host/cgroupfs.ts (keepCgroupJoinFast) says why this saves
 * ~10 ms per create and exec. Why a thread and not Node's thread pool: the
 * writes must go on while the main thread is busy with synchronous work
 * (making the cgroup, spawning the init), and a thread-pool write only
 * happens when the main thread hands it over. The thread only writes,
 * sleeps and closes; it touches nothing of Node's. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <node_api.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#define KEEP_INTERVAL_NS (2 * 1000 * 1000)
#define KEEP_MAX_ROUNDS 2500 /* 5 s: a create that waits longer (hooks) gains nothing more */

static napi_value int_result(napi_env env, int r) {
  napi_value out;
  napi_create_int32(env, r, &out);
  return out;
}

static napi_value js_flock(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int32_t fd = -1, op = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 2 ||
      napi_get_value_int32(env, argv[0], &fd) != napi_ok || napi_get_value_int32(env, argv[1], &op) != napi_ok) {
    napi_throw_type_error(env, NULL, "flock(fd, op): two integers");
    return NULL;
  }
  int r = flock(fd, op);
  return int_result(env, r < 0 ? -errno : 0);
}

/* one keeper at a time: `running` from start until its thread has closed the fd */
static atomic_int running;
static atomic_int keep_going;
static int keep_fd = -1;
static char keep_pid[16];
static int keep_pid_len;

static void *keep(void *unused) {
  (void)unused;
  struct timespec pause = {0, KEEP_INTERVAL_NS};
  for (int i = 0; i < KEEP_MAX_ROUNDS && atomic_load(&keep_going); i++) {
    if (write(keep_fd, keep_pid, keep_pid_len) < 0) break;
    nanosleep(&pause, NULL);
  }
  close(keep_fd);
  atomic_store(&running, 0);
  return NULL;
}

static napi_value js_keep_join_fast(napi_env env, napi_callback_info info) {
  size_t argc = 1, len = 0;
  napi_value argv[1];
  char path[PATH_MAX];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 1 ||
      napi_get_value_string_utf8(env, argv[0], path, sizeof path, &len) != napi_ok || len >= sizeof path - 1) {
    napi_throw_type_error(env, NULL, "keepJoinFast(path): a path");
    return NULL;
  }
  if (atomic_exchange(&running, 1)) return int_result(env, -EBUSY);
  keep_fd = open(path, O_WRONLY | O_CLOEXEC);
  if (keep_fd < 0) {
    int err = errno;
    atomic_store(&running, 0);
    return int_result(env, -err);
  }
  keep_pid_len = snprintf(keep_pid, sizeof keep_pid, "%d", (int)getpid());
  atomic_store(&keep_going, 1);
  pthread_attr_t attr;
  pthread_t thread;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&attr, 64 * 1024);
  int r = pthread_create(&thread, &attr, keep, NULL);
  pthread_attr_destroy(&attr);
  if (r != 0) {
    close(keep_fd);
    atomic_store(&running, 0);
    return int_result(env, -r);
  }
  return int_result(env, 0);
}

static napi_value js_stop_join_fast(napi_env env, napi_callback_info info) {
  (void)info;
  atomic_store(&keep_going, 0);
  return int_result(env, 0);
}

NAPI_MODULE_INIT() {
  static const struct { const char *name; napi_callback fn; } fns[] = {
    {"flock", js_flock}, {"keepJoinFast", js_keep_join_fast}, {"stopJoinFast", js_stop_join_fast},
  };
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    napi_value fn;
    if (napi_create_function(env, fns[i].name, NAPI_AUTO_LENGTH, fns[i].fn, NULL, &fn) != napi_ok) return NULL;
    if (napi_set_named_property(env, exports, fns[i].name, fn) != napi_ok) return NULL;
  }
  return exports;
}
