#!/bin/bash
# Host setup for mydocker: the Vagrant provisioning and CI's first step.
# Installs the Debian/Ubuntu packages the runtime and its tests need, Node >= 20
# when missing or older, then the npm packages and the build. Safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

packages=(
  build-essential python3 make g++        # the native addon (node-gyp)
  libseccomp-dev                          # the addon's seccomp loader (chapter 04)
  util-linux iproute2 iptables procps     # namespaces, script(1), networking
  busybox-static                          # the test and demo rootfs
  runc hyperfine                          # the benchmark's peer and timer
  qemu-system-x86 cpio xz-utils zstd      # the cgroup v2 test VM
  git                                     # npm run chapter: the diff from the chapter before
  ca-certificates curl
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(node_major)" -lt 20 ]; then
  # the distribution's Node is too old (Ubuntu 24.04 ships 18): the official build
  version=v20.19.5
  case $(uname -m) in
    x86_64) arch=x64 ;;
    aarch64) arch=arm64 ;;
    *) echo "setup: no official Node build for $(uname -m): install Node >= 20 yourself" >&2; exit 1 ;;
  esac
  echo "setup: installing Node $version ($arch)"
  curl -fsSL "https://nodejs.org/dist/$version/node-$version-linux-$arch.tar.xz" | tar -xJ -C /usr/local --strip-components=1
  hash -r
fi

npm ci --no-audit --no-fund --loglevel=error
npm run build --silent
echo "setup: done (node $(node -v))"
