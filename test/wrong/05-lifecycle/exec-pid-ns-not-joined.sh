#!/bin/bash
# Wrong: exec's process does not enter the container's PID namespace — what happens
# with setns(CLONE_NEWPID) and no second fork: setns moves only the caller's future
# children, so the caller that execs stays in the host's PID namespace, invisible to
# `ps` inside the container.
# tests: test/chapters/05-exec.test.ts
# expect: PID namespace|pid
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/lifecycle/exec.ts" \
  "const NAMESPACES = ['cgroup', 'ipc', 'uts', 'net', 'pid', 'mnt'];" \
  "const NAMESPACES = ['cgroup', 'ipc', 'uts', 'net', 'mnt']; // WRONG: the PID namespace is not entered"
