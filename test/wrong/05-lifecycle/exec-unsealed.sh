#!/bin/bash
# Wrong: exec's process execve's the command itself, as a clone of the CLI (the code
# before the stub): until that execve its /proc/self/exe is the host's node on a
# writable mount, and the command's path is resolved in the container. A command
# /proc/self/exe, or a #! line naming it, runs the host's node inside the container,
# and the container's planted loader gets a handle on it (CVE-2019-5736). Everything
# else about exec works. The bug is in C, so this copy gets its own native/, built.
# tests: test/chapters/05-exec.test.ts
# expect: CVE-2019-5736
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
repo=$(cd "$(dirname "$0")/../../.." && pwd)
rm "$1/native"
mkdir "$1/native"
cp "$repo"/native/*.{cc,c,h,gyp} "$1/native/"
# the stub's error pipe stays close-on-exec, and the clone execs the command directly
# (execvpe: searched in the CLI's PATH, which finds busybox's applets as well)
replace "$1/native/exec.cc" \
  'if (fcntl(a->errWrite, F_SETFD, 0) < 0) Fail(a, "fcntl");' \
  '// WRONG: no stub'
replace "$1/native/exec.cc" \
  'syscall(SYS_execveat, a->stub, "", a->stubArgv, a->envp, AT_EMPTY_PATH);' \
  'execvpe(a->stubArgv[2], a->stubArgv + 4, a->envp);'
replace "$1/native/exec.cc" \
  'Fail(a, "execveat");' \
  'Fail(a, "execve");'
(cd "$1" && node "$repo/tools/build-native.mjs" >/dev/null)
