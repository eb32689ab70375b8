// chapter: 04-security step 4.6
// The store is private. A container's writable layer lives under
// <root>/containers/<id>/upper: whatever the container leaves there — a setuid-root
// copy of a shell, a file owned by a uid that a host user happens to have — a host
// user could reach and run if any folder on the way let them through. Docker keeps
// its root and its containers/ and overlay2/ folders 0710 and its image folders 0700
// (CVE-2021-41091), sets the umask to 022 when it starts, and chmods a root that
// already exists. So do we, on every command that writes to the store: a few syscalls
// (one that only reads changes nothing; a folder that is not a store is refused first).
const { chmodSync, mkdirSync } = process.getBuiltinModule('node:fs');
import { join } from 'node:path';

/** the store's top folders and their modes: only root gets in */
export const STORE_MODES: [string, number][] = [
  ['.', 0o710],
  ['containers', 0o710],
  ['images', 0o700],
  ['volumes', 0o700],
];

export function makeStorePrivate(root: string): void {
  process.umask(0o022); // what we create below has the modes we name, whatever umask we were started with
  for (const [sub, mode] of STORE_MODES) {
    const dir = join(root, sub);
    mkdirSync(dir, { recursive: true, mode });
    chmodSync(dir, mode); // made before us, or by an older version, with looser modes
  }
}
