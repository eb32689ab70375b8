#!/bin/bash
# Wrong (the old rm): rm decides once, from the record as it first read it. A container
# being started says "created", so rm -f does not kill it; it waits (10 s at most) for
# the CLI that owns it to be gone, then deletes the record. The start meanwhile handed
# the container to its monitor (alive: the wait runs out), so the record goes while the
# process runs on, its cgroups with it.
# tests: test/chapters/05-manage.test.ts
# expect: rm -f racing start
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
replace "$1/src/lifecycle/commands.ts" \
  "import { reclaim, withStore } from '../container/sweep.js';" \
  "import { alive, reclaim, withStore } from '../container/sweep.js';"
replace "$1/src/lifecycle/commands.ts" \
  "      await removeContainer(root, c.config.id, force);" \
  "      if (c.state.status === 'running') await stopContainer(root, c, 0); // WRONG: decided once, from the first read
      await waitState(root, c.config.id, (s) => !alive(s.cli, s.cliStart), 10_000); // WRONG: then removed whatever it says
      withStore(root, () => {
        reclaim(root, c.config.id, c.state);
        removeContainerDir(root, c.config.id);
      });
      if (force) continue;
      await removeContainer(root, c.config.id, force);"
