// chapter: 03-rootfs step 3.1
// The image commands as docker prints them: import, images, rmi, commit.
// <step 3.6>
import { listContainers } from '../container/store.js';
import { withStore } from '../container/sweep.js';
// </step 3.6>
import { humanDuration, humanSize, table, type Outcome } from '../toolkit/format.js';
import { printable, RuntimeError } from '../errors.js';
import { commitContainer, importImage } from './import.js';
import { hex, openImageStore, type Image } from './store.js';
import { sweepScratch } from './scratch.js';
import { join } from 'node:path';

/** every image command first removes what killed imports and commits left behind */
function sweep(root: string): void {
  sweepScratch(join(root, 'images', 'tmp'));
}

/** import: a tarball as an image; its id */
export async function importFile(root: string, args: string[], changes: string[], message?: string): Promise<string> {
  if (args.length < 1 || args.length > 2) throw new RuntimeError('"import" requires 1 or 2 arguments: FILE|- [REPOSITORY[:TAG]]');
  sweep(root);
  return importImage(root, args[0], { ref: args[1], changes, message });
}

export async function importCommand(root: string, args: string[], changes: string[], message?: string): Promise<number> {
  process.stdout.write(`${await importFile(root, args, changes, message)}\n`);
  return 0;
}

/** commit: a container's writable layer as an image; its id */
export async function commitImage(root: string, args: string[], changes: string[], message?: string): Promise<string> {
  if (args.length < 1 || args.length > 2) throw new RuntimeError('"commit" requires 1 or 2 arguments: CONTAINER [REPOSITORY[:TAG]]');
  sweep(root);
  return commitContainer(root, args[0], { ref: args[1], changes, message });
}

export async function commitCommand(root: string, args: string[], changes: string[], message?: string): Promise<number> {
  process.stdout.write(`${await commitImage(root, args, changes, message)}\n`);
  return 0;
}

/** one line of `images`: an image under one of its names (an untagged image: <none>:<none>) */
interface ImageRow {
  repository: string;
  tag: string;
  image: Image;
}

/** images: what there is, newest first, each name on its own row; filter: REPOSITORY or REPOSITORY:TAG */
export function listImages(root: string, filter?: string): ImageRow[] {
  sweep(root);
  const images = openImageStore(root).list();
  const rows: ImageRow[] = [];
  for (const image of images.sort((a, b) => b.created.localeCompare(a.created))) {
    const tags = image.tags.length ? image.tags : ['<none>:<none>'];
    for (const tag of tags) {
      const colon = tag.lastIndexOf(':');
      const [repository, t] = [tag.slice(0, colon), tag.slice(colon + 1)];
      if (filter && repository !== filter && tag !== filter) continue;
      rows.push({ repository, tag: t, image });
    }
  }
  return rows;
}

/** images' printer: docker's table, or -q's short ids (each image once) */
function printImages(rows: ImageRow[], quiet: boolean): void {
  const id = (r: ImageRow) => hex(r.image.id).slice(0, 12);
  if (quiet) {
    process.stdout.write([...new Set(rows.map(id))].map((i) => `${i}\n`).join(''));
    return;
  }
  const cells = rows.map((r) => [r.repository, r.tag, id(r), created(r.image), humanSize(r.image.size)]);
  process.stdout.write(table([['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE'], ...cells]));
}

export function imagesCommand(root: string, args: string[], quiet: boolean): number {
  if (args.length > 1) throw new RuntimeError('"images" accepts at most 1 argument: [REPOSITORY[:TAG]]', 'usage');
  printImages(listImages(root, args[0]), quiet);
  return 0;
}

/** rmi: each ref's lines (Untagged: …, Deleted: …), or why not; docker goes on with the other images */
export function* removeImages(root: string, refs: string[], force: boolean): Generator<Outcome<string[]>> {
  if (refs.length === 0) throw new RuntimeError('"rmi" requires at least 1 argument: IMAGE [IMAGE...]');
  sweep(root);
  const store = openImageStore(root);
  // <step 3.6>
  // a container its crashed run left behind is swept first: a --rm one never blocks
  const inUse = (id: string) => withStore(root, () => listContainers(root).find((c) => c.image === id)?.id);
  // </step 3.6>
  // <replaced-by 3.6 from 3.1>
  //~ const inUse = () => undefined; // step 3.6: an image that a container uses stays
  // </replaced-by 3.6>
  for (const ref of refs) {
    try {
      yield { ref, value: store.remove(ref, inUse, force) };
    } catch (e) {
      yield { ref, error: e as Error };
    }
  }
}

// <step 3.6>
/**
 * image prune: every image no container uses and no tag names (all: tagged ones too)
 * removed as rmi removes it; rmi's lines, and the bytes of the images that went
 */
export function pruneImages(root: string, all: boolean): { lines: string[]; space: number } {
  sweep(root);
  const used = new Set(withStore(root, () => listContainers(root).map((c) => c.image)));
  const unused = openImageStore(root)
    .list()
    .filter((i) => !used.has(i.id) && (all || i.tags.length === 0));
  const lines: string[] = [];
  let space = 0;
  for (const image of unused) {
    for (const o of removeImages(root, [image.id], true)) {
      if (o.error) throw o.error;
      lines.push(...o.value!);
      if (o.value!.some((l) => l.startsWith('Deleted: '))) space += image.size;
    }
  }
  return { lines, space };
}
// </step 3.6>

/** rmi's printer: the lines as each image goes; the failures but the last on stderr, the last one the command's error */
export function rmiCommand(root: string, refs: string[], force: boolean): number {
  let failed: Error | undefined;
  for (const o of removeImages(root, refs, force)) {
    if (!o.error) process.stdout.write(o.value!.map((l) => `${l}\n`).join(''));
    else {
      // docker goes on with the other images and fails at the end
      if (failed) process.stderr.write(`mydocker: ${printable(failed.message)}\n`);
      failed = o.error;
    }
  }
  if (failed) throw failed;
  return 0;
}

/** docker's columns: left-aligned, three spaces apart */

function created(image: Image): string {
  return image.created ? `${humanDuration(Date.now() - Date.parse(image.created))} ago` : 'N/A';
}
