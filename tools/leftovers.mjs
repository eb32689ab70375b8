// What a test run that stopped early (--bail) leaves behind: its teardowns never ran.
// A run given MYDOCKER_TEST_TAG=TAG names everything it makes on shared ground with TAG
// (test/harness UNIQUE), so the caller can find it afterwards and take it away.
import { readdirSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';

/** cgroup directories whose name carries tag (what a bailed-out run left), deepest first */
function taggedCgroups(tag) {
  const found = [];
  const walk = (dir, depth) => {
    if (depth > 5) return;
    let entries = [];
    try {
      entries = readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory());
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      walk(p, depth + 1);
      if (e.name.includes(tag)) found.push(p);
    }
  };
  walk('/sys/fs/cgroup', 0);
  return found.sort((a, b) => b.length - a.length);
}

/** rmdir them (what still holds a process stays); returns those left */
export function removeTaggedCgroups(tag) {
  const left = [];
  for (const dir of taggedCgroups(tag)) {
    for (const sub of readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory())) {
      try {
        rmdirSync(join(dir, sub.name));
      } catch {
        // busy: reported below
      }
    }
    try {
      rmdirSync(dir);
    } catch {
      left.push(dir);
    }
  }
  return left;
}
