#!/usr/bin/env bash
# Build a busybox root filesystem tarball from Debian's busybox-static: one static
# binary, every applet linked to it, and the few files a shell expects.
#   scripts/build-busybox-rootfs.sh OUT.tar[.gz]      (gzip when the name ends in .gz)
# Used by the tests, the benchmarks, the Vagrant provisioning and the book.
set -euo pipefail
out=${1:?usage: $0 OUT.tar[.gz]}
busybox=${BUSYBOX:-/bin/busybox}
if ! "$busybox" --list-full >/dev/null 2>&1; then
  echo "$0: $busybox is not busybox-static (apt-get install busybox-static)" >&2
  exit 1
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
chmod 0755 "$dir"
cd "$dir"
mkdir -p bin sbin usr/bin usr/sbin etc root tmp proc sys dev var/tmp home
chmod 1777 tmp var/tmp
chmod 0700 root
cp "$busybox" bin/busybox
# every applet, at the path busybox itself names (bin/sh, usr/bin/env, …)
"$busybox" --list-full | while read -r applet; do
  [ "$applet" = bin/busybox ] || ln -sf /bin/busybox "$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >etc/passwd
printf 'root:x:0:\nnogroup:x:65534:\n' >etc/group
cd - >/dev/null
case $out in
  *.gz) compress=(--gzip) ;;
  *) compress=() ;;
esac
tar -C "$dir" --numeric-owner --owner=0 --group=0 --sort=name --mtime=@0 "${compress[@]}" -cf "$out" .
