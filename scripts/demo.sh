#!/usr/bin/env bash
# The README's first command ends here: make the example bundle's rootfs from
# our static probe (no image, no package) and run it with runts.
#   scripts/demo.sh [BUNDLE]     (default examples/hello)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
bundle=${1:-$top/examples/hello}
[[ $(id -u) == 0 ]] || { echo "demo: run as root (containers need namespaces and mounts)" >&2; exit 1; }
[[ -x $top/dist/runts && -x $top/build/Release/probe ]] || { echo "demo: build first: npm ci && npm run build" >&2; exit 1; }
bash "$top/scripts/make-rootfs.sh" probe "$bundle/rootfs" "$top/build/Release/probe"
set -x
"$top/dist/runts" run --bundle "$bundle" "runts-demo-$$"
