#!/usr/bin/env bash
# Makes a one-layer OCI image archive from a rootfs directory, for clients that
# want images (containerd's CRI plugin) on a machine with no registry.
#
#   scripts/make-image.sh ROOTFS OUT.tar NAME [CMD...]
#
# ROOTFS is a directory (e.g. from scripts/make-rootfs.sh), NAME the image's
# full reference (e.g. localhost/runts/busybox:1), CMD its default command
# (/bin/sh when none is given). The archive is an OCI image layout (oci-layout,
# index.json, blobs/sha256/...) that `ctr -n k8s.io images import OUT.tar`
# imports under NAME.
#
# The same ROOTFS contents, NAME and CMD give a byte-identical archive: both
# tars sort their entries and fix every mtime, owner and mode bit they would
# otherwise take from the machine, and the JSON documents have no timestamps.
set -euo pipefail

die() {
  echo "make-image: $*" >&2
  exit 1
}

[[ $# -ge 3 ]] || {
  echo "usage: $0 ROOTFS OUT.tar NAME [CMD...]" >&2
  exit 2
}
readonly rootfs=$1 out=$2 name=$3
shift 3
[[ -d $rootfs ]] || die "$rootfs is not a directory"
[[ $name == */*:* ]] || die "\`$name\` is not a full image reference (host/path:tag)"
(($# > 0)) || set -- /bin/sh
for a in "$name" "$@"; do
  [[ $a != *[[:cntrl:]]* ]] || die "control character in \`$a\`"
done

# Go's names for the machine, which image platforms use
case $(uname -m) in
x86_64) arch=amd64 ;;
aarch64) arch=arm64 ;;
*) arch=$(uname -m) ;;
esac

# Entries in name order, owned by 0:0, all dated 1970: nothing of who made
# the tree or when. The rootfs marker of make-rootfs.sh is not the image's.
deterministic_tar() {
  tar --create --file="$1" --directory="$2" --format=gnu --sort=name --mtime=@0 \
    --owner=0 --group=0 --numeric-owner --exclude=./.runts-rootfs .
}

# sha256 hex of a file
digest() {
  sha256sum -- "$1" | cut -d' ' -f1
}

# moves a file into the layout's blobs under its digest; prints the digest
store() {
  local d
  d=$(digest "$1")
  mv -- "$1" "$layout/blobs/sha256/$d"
  echo "$d"
}

# a JSON string holding $1 (checked for control characters up front)
json_string() {
  local s=${1//\\/\\\\}
  printf '"%s"' "${s//\"/\\\"}"
}

# a JSON array of strings holding the arguments
json_array() {
  local list="" a
  for a in "$@"; do list+=${list:+,}$(json_string "$a"); done
  printf "[%s]" "$list"
}

size() {
  stat -c %s -- "$1"
}

work=$(mktemp -d)
trap 'rm -rf -- "$work"' EXIT
layout=$work/layout
mkdir -p -- "$layout/blobs/sha256"

deterministic_tar "$work/layer.tar" "$rootfs"
layer_size=$(size "$work/layer.tar")
layer=$(store "$work/layer.tar")

# the layer is uncompressed, so its digest is also its diff id
cmd=$(json_array "$@")
printf '{"architecture":"%s","os":"linux","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],"Cmd":%s,"WorkingDir":"/"},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
  "$arch" "$cmd" "$layer" >"$work/config.json"
config_size=$(size "$work/config.json")
config=$(store "$work/config.json")

printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%d}]}' \
  "$config" "$config_size" "$layer" "$layer_size" >"$work/manifest.json"
manifest_size=$(size "$work/manifest.json")
manifest=$(store "$work/manifest.json")

# io.containerd.image.name is the name `ctr images import` gives the image;
# the OCI ref name is its tag, for other tools reading the layout
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%d,"platform":{"architecture":"%s","os":"linux"},"annotations":{"io.containerd.image.name":%s,"org.opencontainers.image.ref.name":%s}}]}' \
  "$manifest" "$manifest_size" "$arch" "$(json_string "$name")" "$(json_string "${name##*:}")" >"$layout/index.json"
echo '{"imageLayoutVersion":"1.0.0"}' >"$layout/oci-layout"
chmod -R u=rwX,go=rX -- "$layout"

deterministic_tar "$work/image.tar" "$layout"
mv -- "$work/image.tar" "$out"
