#!/usr/bin/env bash
# The OCI runtime-tools validation suite against a runc-compatible runtime (chapter 08),
# from inside the repository:
#   sudo scripts/oci-validate.sh RUNTIME [TEST...]   e.g. sudo scripts/oci-validate.sh bin/mydocker-runc default
#   scripts/oci-validate.sh --where                   only say where the suite's source is (or what is missing)
# The suite is opencontainers/runtime-tools (Apache-2.0) at its pinned commit 260e151
# (VERSION 0.9.0), with its Go dependencies vendored: no network is needed to build it.
# Its source is looked for, in this order, in
#   $OCI_RUNTIME_TOOLS                  a checkout you made yourself (see below)
#   ../shared/runtime-tools             next to the repository (the course machine has one)
#   build/runtime-tools                 inside the repository (not committed)
# and built once, with Debian's golang-go (scripts/setup-host.sh installs it; ~30 s), into
# $OCI_VALIDATE_CACHE (default /var/cache/oci-validate, shared with ../shared/bin/oci-validate).
# Each test binary runs in a mount namespace of its own (some leak mounts), with a time limit.
# Prints one line per test (`ok - NAME` or `not ok - NAME (why)`), then `N passed, N failed`
# (tests, not assertions). Exit status: 0 all passed, 1 a test failed, 2 the suite cannot run.
set -uo pipefail
PIN=260e151
repo=$(dirname "$(dirname "$(readlink -f "$0")")")  # through a generated chapter's scripts/ link too

find_source() {
  local d
  for d in ${OCI_RUNTIME_TOOLS:+"$OCI_RUNTIME_TOOLS"} "$repo/../shared/runtime-tools" "$repo/build/runtime-tools"; do
    if [ -f "$d/Makefile" ] && [ -d "$d/validation" ] && [ -d "$d/vendor" ]; then
      (cd "$d" && pwd)
      return 0
    fi
  done
  return 1
}

missing() {
  cat >&2 <<EOF
oci-validate: the OCI runtime-tools validation suite's source is not here.
  It is opencontainers/runtime-tools at commit $PIN (Apache-2.0, its Go modules vendored),
  looked for in:
    \$OCI_RUNTIME_TOOLS            ${OCI_RUNTIME_TOOLS:-(not set)}
    ../shared/runtime-tools       $repo/../shared/runtime-tools
    build/runtime-tools           $repo/build/runtime-tools
  Neither npm nor Debian ships that commit (Debian's golang-github-opencontainers-runtime-tools-dev
  is another one, 0.9.0+git20220423), and test/chapters/08-oci.test.ts's list of the tests
  runc passes was measured on $PIN. With network access, once:
    git clone https://github.com/opencontainers/runtime-tools build/runtime-tools
    git -C build/runtime-tools checkout $PIN
  then run this script again (it builds the suite offline from there).
EOF
  exit 2
}

src=$(find_source) || missing
if [ "${1:-}" = --where ]; then
  echo "$src"
  exit 0
fi
runtime=${1:?usage: scripts/oci-validate.sh RUNTIME [TEST...]   (or --where)}
shift
runtime=$(readlink -f "$runtime")
[ -x "$runtime" ] || { echo "oci-validate: $runtime is not executable" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "oci-validate: the suite creates containers: run it as root (sudo)" >&2; exit 2; }

cache=${OCI_VALIDATE_CACHE:-/var/cache/oci-validate}
if [ ! -f "$cache/.built-$PIN" ]; then
  command -v go >/dev/null || { echo "oci-validate: building the suite needs Go: apt-get install golang-go (scripts/setup-host.sh installs it)" >&2; exit 2; }
  # one build at a time (test files run in parallel), made aside and renamed into place when complete
  mkdir -p "$(dirname "$cache")"
  exec 9>"$cache.lock"
  flock 9
  if [ ! -f "$cache/.built-$PIN" ]; then
    echo "oci-validate: building the suite from $src (once, ~30 s)" >&2
    tmp=$(mktemp -d "$cache.build.XXXXXX")
    cp -r "$src/." "$tmp/" && chmod -R u+w "$tmp"
    (cd "$tmp" && GOFLAGS=-mod=vendor GOCACHE="$tmp/.gocache" make runtimetest validation-executables >"$tmp/build.log" 2>&1) ||
      { echo "oci-validate: the build failed, see $tmp/build.log" >&2; exit 2; }
    rm -rf "$tmp/.gocache"
    touch "$tmp/.built-$PIN"
    rm -rf "$cache" && mv "$tmp" "$cache"
  fi
  flock -u 9
  exec 9>&-
fi

cd "$cache" || exit 2
tests=("$@")
[ ${#tests[@]} -gt 0 ] || mapfile -t tests < <(ls validation/*/*.t | xargs -n1 dirname | xargs -n1 basename)
pass=0
fail=0
for t in "${tests[@]}"; do
  bin=validation/$t/$t.t
  if [ ! -x "$bin" ]; then
    echo "not ok - $t (no such test)"
    fail=$((fail + 1))
    continue
  fi
  out=$(RUNTIME="$runtime" timeout -k 5 120 unshare -m --propagation private "$bin" 2>&1)
  rc=$?
  if [ $rc = 0 ] && ! grep -q '^not ok' <<<"$out" && grep -q '^ok' <<<"$out"; then
    echo "ok - $t"
    pass=$((pass + 1))
  else
    why=$(grep -m1 '^not ok' <<<"$out" || grep -m1 -i 'error' <<<"$out" || tail -1 <<<"$out")
    echo "not ok - $t (exit $rc; $(cut -c1-150 <<<"$why"))"
    fail=$((fail + 1))
  fi
done
echo "$pass passed, $fail failed"
[ $fail = 0 ]
