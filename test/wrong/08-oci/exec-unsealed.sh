#!/bin/bash
# Wrong: 05-lifecycle/exec-unsealed.sh's bug (no sealed stub: the clone of the runtime
# execve's the command, and /proc/self/exe in the container is the host's node), seen
# through mydocker-runc exec --process, the path containerd's shim takes.
# tests: test/chapters/08-oci.test.ts
# expect: CVE-2019-5736
exec "$(dirname "$0")/../05-lifecycle/exec-unsealed.sh" "$@"
