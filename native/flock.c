/* flock.c: flock(2) for Node, the one syscall runts needs inside Node that
 * Node lacks. src/host/lock.ts takes a container's lock with it (why a lock,
 * and why on the state dir: that file). koffi could call flock too, but
 * loading it costs ~7 ms per runts call here against ~0.4 ms for this
 * module, and every command that changes a container takes the lock.
 *
 * flock(fd, op) returns 0 or -errno; it never throws, so that the caller
 * tells EWOULDBLOCK (held by another) from a real error in one place. */
#include <errno.h>
#include <node_api.h>
#include <sys/file.h>

static napi_value js_flock(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], out;
  int32_t fd = -1, op = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 2 ||
      napi_get_value_int32(env, argv[0], &fd) != napi_ok || napi_get_value_int32(env, argv[1], &op) != napi_ok) {
    napi_throw_type_error(env, NULL, "flock(fd, op): two integers");
    return NULL;
  }
  int r = flock(fd, op);
  napi_create_int32(env, r < 0 ? -errno : 0, &out);
  return out;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  if (napi_create_function(env, "flock", NAPI_AUTO_LENGTH, js_flock, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "flock", fn) != napi_ok) return NULL;
  return exports;
}
