#!/bin/bash
# Wrong: the monitor takes the terminal's master side from the CLI and then closes it
# ("the CLI has handed it over, the container has its slave: done"). The last master fd
# gone, the kernel hangs the terminal up: the shell gets SIGHUP (and EIO on reads) and
# exits, and nothing it prints reaches the log.
# tests: test/chapters/05-tty.test.ts
# expect: run -dit sh|run -dt
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
# the copy shares native/ with the repo (a symlink): this bug needs a monitor of its own
if [ -L "$1/native" ]; then
  shared=$(readlink -f "$1/native")
  rm "$1/native"
  cp -a "$shared" "$1/native"
fi
replace "$1/native/monitor.c" \
  "        streams[2].fd = take_terminal(control);" \
  "        close(take_terminal(control));  /* WRONG: the master closed after the hand-over */"
cc -std=gnu11 -O2 -o "$1/native/build/Release/mydocker-monitor" "$1/native/monitor.c"
