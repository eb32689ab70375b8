// What every chapter 05 test file sets up the same way: the machine's state before it
// starts (for noLeaks), a state root of its own with busybox imported, a cgroup parent
// of its own (what a run leaves there is seen, and the empty parent goes after the file),
// and container names no other file or run can take.
import { removeParent } from './cgroups.js';
import { importBusybox } from './fixtures.js';
import { needsRoot, snapshot, tmpRoot, UNIQUE, type Snapshot } from './index.js';

export interface Suite {
  before: Snapshot;
  root: string;
  /** PREFIX-UNIQUE: every name below starts with it */
  unique: string;
  cgroupParent: string;
  /** a new container name: UNIQUE-WHAT-N */
  name(what: string): string;
}

type Tap = { teardown(fn: () => void | Promise<void>): void; before(fn: () => void | Promise<void>): void };

export function busyboxSuite(t: Tap, prefix: string): Suite {
  const before = snapshot(); // first: the machine as it was before this file made anything
  const root = tmpRoot(t);
  const unique = `${prefix}-${UNIQUE}`;
  const cgroupParent = `mydocker-${unique}`;
  t.teardown(() => removeParent(cgroupParent));
  t.before(async () => {
    if (!needsRoot) await importBusybox(root, 'busybox');
  });
  let n = 0;
  return { before, root, unique, cgroupParent, name: (what) => `${unique}-${what}-${n++}` };
}
