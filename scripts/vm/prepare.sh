#!/bin/bash
# Prepare the cgroup-v2 test VM: Debian's own kernel + a busybox initramfs.
# Idempotent, non-interactive, run as root. Everything lives outside the repo:
#
#   $CACHE/<kver>/vmlinux          kernel, unpacked from the bzImage (boots
#                                  faster under TCG than self-decompression)
#   $CACHE/<kver>/initramfs.cpio   busybox-static + 9p/overlay modules + /init
#   $CACHE/<kver>/lib/modules/<kver>/  module tree with modules.dep; the VM
#                                  bind-mounts it on /lib/modules (via 9p)
#   $CACHE/<kver>/package          the linux-image package version it came from
#   $CACHE/current -> <kver>       what test/harness/vm.ts boots
set -euo pipefail

CACHE=${MYDOCKER_VM_CACHE:-/var/cache/mydocker-vm}
HERE=$(cd "$(dirname "$0")" && pwd)
export DEBIAN_FRONTEND=noninteractive
log() { echo "prepare-vm: $*" >&2; }

[ "$(id -u)" = 0 ] || { log "must run as root"; exit 1; }

# 1. Host tools (skip apt entirely when all are present).
need=()
for t in qemu-system-x86_64:qemu-system-x86 cpio:cpio depmod:kmod xz:xz-utils \
         zstd:zstd; do
  command -v "${t%%:*}" > /dev/null || need+=("${t##*:}")
done
# The initramfs needs the static busybox (the "busybox" package is dynamic).
dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed' ||
  need+=(busybox-static)
if [ ${#need[@]} -gt 0 ]; then
  log "apt-get install ${need[*]}"
  apt-get install -y -q --no-install-recommends "${need[@]}" ||
    { apt-get update -q && apt-get install -y -q --no-install-recommends "${need[@]}"; }
fi

# 2. Which kernel: the versioned package that linux-image-amd64 depends on.
kpkg() { apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ && !p++ { print $2 }'; }
PKG=$(kpkg)
[ -n "$PKG" ] || { apt-get update -q > /dev/null; PKG=$(kpkg); }
[ -n "$PKG" ] || { log "cannot resolve linux-image-amd64"; exit 1; }
KVER=${PKG#linux-image-}
PKGVER=$(apt-cache policy "$PKG" | awk '/Candidate:/ { print $2 }')
DIR=$CACHE/$KVER
mkdir -p "$DIR"

# 3. Kernel + modules (only when this package version is not unpacked yet).
if [ "$(cat "$DIR/package" 2>/dev/null)" != "$PKG=$PKGVER" ] || [ ! -s "$DIR/vmlinux" ]; then
  log "downloading $PKG=$PKGVER"
  TMP=$(mktemp -d "$CACHE/.tmp.XXXXXX")
  trap 'rm -rf "$TMP"' EXIT
  chown _apt "$TMP" 2>/dev/null || true   # lets apt download without a warning
  (cd "$TMP" && apt-get download -q "$PKG=$PKGVER")
  dpkg-deb -x "$TMP"/*.deb "$TMP/x"
  BZ=$TMP/x/boot/vmlinuz-$KVER

  # extract-vmlinux, but exact: the bzImage header says where the compressed
  # payload is (setup_sects @0x1f1, payload_offset @0x248, payload_length @0x24c).
  rd() { od -An -t "u$2" -j "$1" -N "$2" "$BZ" | tr -d ' '; }
  off=$(( ($(rd $((0x1f1)) 1) + 1) * 512 + $(rd $((0x248)) 4) ))
  len=$(rd $((0x24c)) 4)
  case $(od -An -tx1 -j "$off" -N 4 "$BZ" | tr -d ' ') in
    fd377a58) dec="xz -dc --single-stream" ;;
    28b52ffd) dec="zstd -dcq" ;;
    1f8b08*)  dec="gzip -dcq" ;;
    *) log "unknown kernel compression"; exit 1 ;;
  esac
  tail -c +$((off + 1)) "$BZ" | head -c "$len" | $dec > "$TMP/vmlinux" 2>/dev/null || true
  head -c 4 "$TMP/vmlinux" | grep -q ELF || { log "vmlinux extraction failed"; exit 1; }

  # Module tree, minus big driver families a container VM never loads.
  M=$TMP/x/lib/modules/$KVER
  rm -rf "$M"/kernel/{sound,drivers/gpu,drivers/media,drivers/infiniband,drivers/net/wireless,drivers/staging}
  depmod -b "$TMP/x" "$KVER"
  rm -rf "$DIR/lib" "$DIR/vmlinux"
  mkdir -p "$DIR/lib/modules"
  mv "$M" "$DIR/lib/modules/$KVER"
  mv "$TMP/vmlinux" "$DIR/vmlinux"
  cp "$TMP/x/boot/config-$KVER" "$DIR/config"
  rm -f "$DIR/initramfs.cpio"
  echo "$PKG=$PKGVER" > "$DIR/package"
  rm -rf "$TMP"; trap - EXIT
fi

# 4. Initramfs (rebuilt when init.sh or busybox changed).
STAMP=$(cat "$HERE/init.sh" /bin/busybox | md5sum | cut -d' ' -f1)
if [ "$(cat "$DIR/initramfs.stamp" 2>/dev/null)" != "$STAMP" ] || [ ! -s "$DIR/initramfs.cpio" ]; then
  log "building initramfs"
  IR=$(mktemp -d)
  mkdir -p "$IR"/{bin,dev,proc,sys,lib/modules}
  cp /bin/busybox "$IR/bin/busybox"
  cp "$HERE/init.sh" "$IR/init"
  # Kernel module autoloading (request_module) runs this from the initramfs
  # root; hand it over to the guest's real modprobe inside the new root
  # (/newroot is where init.sh assembles it).
  printf '#!/bin/sh\nexec chroot /newroot /sbin/modprobe "$@"\n' > "$IR/bin/modprobe-chroot"
  chmod 755 "$IR/init" "$IR/bin/modprobe-chroot"
  # Load order of the 9p stack + overlay, as modprobe would do it; built-in
  # modules are simply not listed. Stored uncompressed for busybox insmod.
  touch "$IR/lib/modules/load.list"
  for m in virtio_pci 9pnet_virtio 9p overlay; do
    modprobe -d "$DIR" -S "$KVER" --show-depends "$m" || true
  done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }' | while read -r ko; do
    name=$(basename "$ko"); name=${name%%.ko*}.ko
    case $ko in
      *.xz)  xz -dc "$ko" ;;
      *.zst) zstd -dcq "$ko" ;;
      *)     cat "$ko" ;;
    esac > "$IR/lib/modules/$name"
    echo "$name" >> "$IR/lib/modules/load.list"
  done
  (cd "$IR" && find . | cpio -o -H newc --quiet) > "$DIR/initramfs.cpio"
  rm -rf "$IR"
  echo "$STAMP" > "$DIR/initramfs.stamp"
fi

ln -sfn "$KVER" "$CACHE/current"
# Drop kernels of earlier package versions (only our own dirs: they have 'package').
for d in "$CACHE"/*/; do
  [ "${d%/}" != "$DIR" ] && [ ! -L "${d%/}" ] && [ -f "$d/package" ] && rm -rf "$d"
done
echo "kernel:    $DIR/vmlinux ($(cat "$DIR/package"))"
echo "initramfs: $DIR/initramfs.cpio"
echo "modules:   $DIR/lib/modules/$KVER"
echo "qemu:      $(command -v qemu-system-x86_64)"
