#!/usr/bin/env bash
# Makes a minimal rootfs directory for runts tests.
#
#   scripts/make-rootfs.sh probe DIR PROBE_BINARY
#       DIR/bin/probe (the static test/probe/probe.c) and nothing else to run.
#   scripts/make-rootfs.sh busybox DIR [PROBE_BINARY]
#       DIR/bin/busybox (Debian's static busybox-static) with a symlink per
#       applet; also DIR/bin/probe if PROBE_BINARY is given.
#
# Both get the dirs bin dev proc sys tmp etc run root and etc/{passwd,group,
# hostname}.  DIR is marked with a .runts-rootfs file so a rerun can safely
# delete and recreate it; a non-empty DIR without the marker is never deleted.
set -euo pipefail

readonly MARKER=.runts-rootfs
readonly BUSYBOX=${BUSYBOX:-/bin/busybox}

usage() {
  echo "usage: $0 probe DIR PROBE_BINARY" >&2
  echo "       $0 busybox DIR [PROBE_BINARY]" >&2
  exit 2
}

die() {
  echo "make-rootfs: $*" >&2
  exit 1
}

# The rootfs has no libc, so only statically linked binaries can run in it.
# `file` is the clearest check; ldd is the fallback where `file` is missing.
is_static() {
  local out
  if command -v file >/dev/null 2>&1; then
    out=$(file -L -- "$1")
    [[ $out == *"statically linked"* || $out == *"static-pie linked"* ]] && return 0
  fi
  out=$(ldd -- "$1" 2>&1 || true)
  [[ $out == *"not a dynamic executable"* || $out == *"statically linked"* ]]
}

# Empties DIR (only if it is ours) and creates the skeleton.  The marker is
# written first so a run that fails halfway can still be cleaned by a rerun.
prepare_dir() {
  local dir=$1
  [[ $(realpath -m -- "$dir") != / ]] || die "refusing to use / as a rootfs"
  if [[ -L $dir || (-e $dir && ! -d $dir) ]]; then
    die "$dir exists and is not a directory"
  fi
  if [[ -e $dir/$MARKER ]]; then
    rm -rf -- "$dir"
  elif [[ -d $dir && -n $(ls -A -- "$dir") ]]; then
    die "refusing to delete non-empty $dir: it has no $MARKER marker"
  fi
  mkdir -p -- "$dir"
  touch -- "$dir/$MARKER"
  chmod 0755 -- "$dir"
  (cd -- "$dir" && mkdir -p bin dev proc sys tmp etc run root)
  chmod 1777 -- "$dir/tmp"
  chmod 0700 -- "$dir/root"
}

# etc files some tests (and user lookups) read; SHELL is root's login shell.
write_etc() {
  local dir=$1 shell=$2
  cat >"$dir/etc/passwd" <<EOF
root:x:0:0:root:/root:$shell
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
  cat >"$dir/etc/group" <<EOF
root:x:0:
nogroup:x:65534:
EOF
  echo runts >"$dir/etc/hostname"
  chmod 0644 -- "$dir/etc/passwd" "$dir/etc/group" "$dir/etc/hostname"
}

# Checked before touching DIR, so a bad argument leaves DIR as it was.
check_probe() {
  local probe=$1
  [[ -f $probe && -x $probe ]] || die "$probe is not an executable file"
  is_static "$probe" ||
    die "$probe is not statically linked; build it with: gcc -static -O2 -o probe test/probe/probe.c"
}

make_probe() {
  local dir=$1 probe=$2
  check_probe "$probe"
  prepare_dir "$dir"
  install -m 0755 -- "$probe" "$dir/bin/probe"
  write_etc "$dir" /bin/probe
}

make_busybox() {
  local dir=$1 probe=${2:-} applet
  [[ -x $BUSYBOX ]] ||
    die "$BUSYBOX not found; install Debian's static busybox: apt-get install -y busybox-static"
  is_static "$BUSYBOX" ||
    die "$BUSYBOX is dynamically linked (Debian's 'busybox' package?); apt-get install -y busybox-static"
  [[ -z $probe ]] || check_probe "$probe"
  prepare_dir "$dir"
  install -m 0755 -- "$BUSYBOX" "$dir/bin/busybox"
  # Relative links, so they resolve inside the container's root.
  while IFS= read -r applet; do
    [[ -n $applet && $applet != busybox && $applet != */* ]] || continue
    [[ -e $dir/bin/$applet || -L $dir/bin/$applet ]] || ln -s busybox "$dir/bin/$applet"
  done < <("$BUSYBOX" --list)
  [[ -z $probe ]] || install -m 0755 -- "$probe" "$dir/bin/probe"
  write_etc "$dir" /bin/sh
}

main() {
  case "${1:-}" in
  probe)
    [[ $# -eq 3 ]] || usage
    make_probe "$2" "$3"
    ;;
  busybox)
    [[ $# -eq 2 || $# -eq 3 ]] || usage
    make_busybox "$2" "${3:-}"
    ;;
  *) usage ;;
  esac
}

main "$@"
