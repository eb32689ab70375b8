// Test fixtures built on the fly from Debian packages: a busybox rootfs tarball
// (scripts/build-busybox-rootfs.sh, from busybox-static) and hand-made tarballs
// for the hostile-layer tests.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Header } from 'tar';
import { REPO, mydocker, ownDir, type Result } from './index.js';

let work: string | undefined;
const built = new Map<string, string>();

/** a folder for this test process's fixtures, removed when it exits */
export function fixtureDir(): string {
  if (!work) {
    const dir = ownDir(mkdtempSync(join(tmpdir(), 'mydocker-fixtures-')));
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    work = dir;
  }
  return work;
}

/** the busybox rootfs tarball (name ending in .gz: gzip), built once per test process */
export function busyboxTarball(name = 'busybox.tar'): string {
  let file = built.get(name);
  if (!file) {
    file = join(fixtureDir(), name);
    execFileSync('bash', [join(REPO, 'scripts', 'build-busybox-rootfs.sh'), file], { stdio: ['ignore', 'ignore', 'inherit'] });
    built.set(name, file);
  }
  return file;
}

/** `mydocker import` of the busybox tarball as name, with --change instructions */
export function importBusybox(root: string, name: string, changes: string[] = []): Promise<Result> {
  return mydocker(['import', ...changes.flatMap((c) => ['--change', c]), busyboxTarball(), name], { root });
}

export interface RawEntry {
  path: string;
  type?: 'File' | 'Directory' | 'SymbolicLink' | 'Link' | 'CharacterDevice' | 'BlockDevice' | 'FIFO';
  data?: string | Buffer;
  linkpath?: string;
  mode?: number;
  devmaj?: number;
  devmin?: number;
}

/**
 * a tarball written header by header, so that it can say anything — `..` names,
 * absolute names, links out of the layer, device nodes — which tar tools refuse to make
 */
export function rawTar(entries: RawEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const data = Buffer.isBuffer(e.data) ? e.data : Buffer.from(e.data ?? '');
    const type = e.type ?? 'File';
    const header = new Header({
      path: e.path,
      type,
      mode: e.mode ?? (type === 'Directory' ? 0o755 : 0o644),
      size: type === 'File' ? data.length : 0,
      linkpath: e.linkpath,
      uid: 0,
      gid: 0,
      mtime: new Date(0),
      devmaj: e.devmaj ?? 0,
      devmin: e.devmin ?? 0,
    });
    const block = Buffer.alloc(512);
    header.encode(block);
    blocks.push(block);
    if (type === 'File' && data.length) blocks.push(data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}
