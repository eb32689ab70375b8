// chapter: 09-daemon
// `docker export`: a container's filesystem as one tar, its image's layers with its
// own upper layer over them, as the container sees it (overlay's rules, which the
// store's layers follow too: a whiteout hides the path below it, an opaque folder
// hides the folder below it). The tree is
// put together in a scratch folder of hard links to the layers' files (no file is
// copied, and none is written through: the folder is only read, then unlinked), and
// packed from there.
const { existsSync, linkSync, lstatSync, mkdirSync, readdirSync, readlinkSync, rmSync, symlinkSync } = process.getBuiltinModule('node:fs');
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { create } from 'tar';
import { containerDir, findContainer } from '../container/store.js';
import { withStore } from '../container/sweep.js';
import { native } from '../native.js';
import { withTemp } from './import.js';
import { hex, openImageStore } from './store.js';

const OPAQUE_XATTR = 'trusted.overlay.opaque';

/** lay the layer at `from` over the tree at `to`: whiteouts remove, opaque folders start empty, the rest is linked */
function overlay(from: string, to: string): void {
  for (const name of readdirSync(from)) {
    const src = join(from, name);
    const dst = join(to, name);
    const st = lstatSync(src);
    const below = existsSync(dst) || isLink(dst) ? lstatSync(dst) : undefined;
    if (st.isCharacterDevice() && st.rdev === 0) {
      rmSync(dst, { recursive: true, force: true }); // overlay's whiteout
      continue;
    }
    if (st.isDirectory()) {
      if (below && !below.isDirectory()) rmSync(dst, { force: true });
      if (below?.isDirectory() && native.lgetxattr(src, OPAQUE_XATTR) === 'y') rmSync(dst, { recursive: true, force: true });
      if (!existsSync(dst)) mkdirSync(dst, { mode: st.mode & 0o7777 });
      overlay(src, dst);
      continue;
    }
    if (below) rmSync(dst, { recursive: true, force: true });
    if (st.isSymbolicLink()) symlinkSync(readlinkSync(src), dst);
    else if (st.isFile()) linkSync(src, dst);
    // devices, fifos and sockets a container made are not exported (node cannot make them)
  }
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** `export CONTAINER`: its filesystem as a tar into the stream `open` gives, once the tree is made */
export async function exportContainer(root: string, ref: string, open: () => NodeJS.WritableStream): Promise<void> {
  const c = withStore(root, () => findContainer(root, ref));
  const store = openImageStore(root);
  const image = c.image ? store.find(hex(c.image)) : undefined;
  const layers = [...(image?.layers ?? []), join(containerDir(root, c.id), 'upper')].filter((d) => existsSync(d));
  await withTemp(store, async (tmp) => {
    const tree = join(tmp, 'rootfs');
    mkdirSync(tree, { mode: 0o755 });
    for (const layer of layers) overlay(layer, tree);
    await pipeline(create({ cwd: tree, portable: false }, readdirSync(tree)), open());
  });
}
