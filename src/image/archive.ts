// chapter: 09-daemon
// `docker save` and `docker load` archives (GET /images/get, POST /images/load): a tar
// of manifest.json ([{Config, RepoTags, Layers}]), repositories ({repo: {tag: id}}),
// each image's config as <id>.json and each layer as <diff id>/layer.tar, uncompressed.
// Loading goes through chapter 03's importer, layer by layer (each one checked against
// the config's diff ids), and the archive itself is untrusted input: it is unpacked
// into a scratch folder with files and folders only (a symlink, a hard link, a device
// or a name that climbs out is refused), and every path manifest.json names must be a
// plain file inside it.
const { copyFileSync, createReadStream, createWriteStream, existsSync, lstatSync, mkdirSync, openSync, readFileSync, readSync, closeSync, writeFileSync } = process.getBuiltinModule('node:fs');
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { Parser, create, type ReadEntry } from 'tar';
import { RuntimeError } from '../errors.js';
import { addImage, addLayer, withTemp, type Layer } from './import.js';
import { layerLimits, pathInside, tooBig } from './layer.js';
import { normalizeRef } from './reference.js';
import { hex, openImageStore, type ImageConfigFile, type Manifest } from './store.js';

interface ArchiveEntry {
  Config: string;
  RepoTags: string[] | null;
  Layers: string[];
}

/** the first bytes of a file */
function head(file: string): Buffer {
  const fd = openSync(file, 'r');
  try {
    const b = Buffer.alloc(4);
    readSync(fd, b, 0, 4, 0);
    return b;
  } finally {
    closeSync(fd);
  }
}

/** `save IMAGE...`: the archive's bytes into the stream `open` gives, once every image is found */
export async function saveImages(root: string, refs: string[], open: () => NodeJS.WritableStream): Promise<void> {
  if (refs.length === 0) throw new RuntimeError('"save" requires at least 1 argument: IMAGE [IMAGE...]', 'usage');
  const store = openImageStore(root);
  const images = refs.map((ref) => {
    const image = store.find(ref);
    if (!image) throw new RuntimeError(`No such image: ${ref}`, 'notFound');
    // a name saves that name; an id saves the image's tags
    const named = image.tags.find((t) => t === tryNormalize(ref));
    return { image, tags: named ? [named] : image.tags };
  });
  await withTemp(store, async (tmp) => {
    const manifest: ArchiveEntry[] = [];
    const repositories: Record<string, Record<string, string>> = {};
    for (const { image, tags } of images) {
      const m = JSON.parse(readFileSync(store.blob(image.manifest.digest), 'utf8')) as Manifest;
      copyFileSync(store.blob(image.id), join(tmp, `${hex(image.id)}.json`));
      const layers: string[] = [];
      for (const [i, d] of m.layers.entries()) {
        const name = `${hex(image.diffIds[i])}/layer.tar`;
        layers.push(name);
        if (existsSync(join(tmp, name))) continue;
        mkdirSync(join(tmp, hex(image.diffIds[i])));
        const blob = store.blob(d.digest);
        if (head(blob)[0] === 0x1f && head(blob)[1] === 0x8b) await pipeline(createReadStream(blob), createGunzip(), createWriteStream(join(tmp, name)));
        else copyFileSync(blob, join(tmp, name)); // a copy, never a link: the archive holds plain files
      }
      manifest.push({ Config: `${hex(image.id)}.json`, RepoTags: tags.length ? tags : null, Layers: layers });
      for (const t of tags) {
        const colon = t.lastIndexOf(':');
        (repositories[t.slice(0, colon)] ??= {})[t.slice(colon + 1)] = hex(image.diffIds.at(-1) ?? image.id);
      }
    }
    writeFileSync(join(tmp, 'manifest.json'), JSON.stringify(manifest));
    writeFileSync(join(tmp, 'repositories'), JSON.stringify(repositories));
    await pipeline(create({ cwd: tmp, portable: true }, ['repositories', 'manifest.json', ...new Set(manifest.flatMap((e) => [e.Config, ...e.Layers.map((l) => l.split('/')[0])]))]), open());
  });
}

function tryNormalize(ref: string): string | undefined {
  try {
    return normalizeRef(ref);
  } catch {
    return undefined;
  }
}

/** an archive's name as a relative path: one that is absolute or climbs out is refused */
function archiveName(name: string): string {
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (name.startsWith('/') || parts.includes('..') || parts.length === 0) throw new RuntimeError(`invalid archive: "${name}" leaves the archive`, 'usage');
  return parts.join('/');
}

/** a path manifest.json names: a plain file inside the unpacked archive */
function fileIn(dir: string, name: unknown): string {
  if (typeof name !== 'string') throw new RuntimeError('invalid archive: manifest.json names a path that is not a string', 'usage');
  const path = join(dir, archiveName(name));
  let st;
  try {
    st = lstatSync(path);
  } catch {
    throw new RuntimeError(`invalid archive: manifest.json names "${name}", which the archive does not hold`, 'usage');
  }
  if (!st.isFile()) throw new RuntimeError(`invalid archive: "${name}" is not a plain file`, 'usage');
  return path;
}

/** the archive unpacked into dir: files and folders only, within the layer limits */
async function unpackArchive(input: NodeJS.ReadableStream, dir: string): Promise<void> {
  const limits = layerLimits();
  let failure: Error | undefined;
  let bytes = 0;
  let entries = 0;
  const writes: Promise<void>[] = [];
  const parser = new Parser({
    strict: true,
    onReadEntry(entry: ReadEntry) {
      try {
        if (failure) return void entry.resume();
        if (++entries > limits.entries) throw new RuntimeError(`invalid archive: more than ${limits.entries} entries`, 'usage');
        const rel = archiveName(entry.path);
        if (entry.type === 'Directory') {
          mkdirSync(pathInside(dir, rel), { recursive: true, mode: 0o700 });
          return void entry.resume();
        }
        if (entry.type !== 'File' && entry.type !== 'OldFile' && entry.type !== 'ContiguousFile') {
          const what = entry.type === 'SymbolicLink' ? 'a symlink' : entry.type === 'Link' ? 'a hard link' : `a ${entry.type}`;
          throw new RuntimeError(`invalid archive: "${entry.path}" is ${what}: a docker save archive holds files and folders only`, 'usage');
        }
        bytes += entry.size ?? 0;
        if (bytes > limits.bytes) throw tooBig(limits);
        writes.push(pipeline(entry, createWriteStream(pathInside(dir, rel), { flags: 'wx', mode: 0o600 })));
      } catch (e) {
        failure ??= e as Error;
        entry.resume();
      }
    },
  });
  await pipeline(input, parser).catch((e: Error) => {
    throw e instanceof RuntimeError ? e : new RuntimeError(`invalid archive: ${e.message}`, 'usage', { cause: e });
  });
  await Promise.all(writes);
  if (failure) throw failure;
}

/** `load`: each image of the archive into the store; docker's lines ("Loaded image: busybox:latest") */
export async function loadImages(root: string, input: NodeJS.ReadableStream): Promise<string[]> {
  const store = openImageStore(root);
  return withTemp(store, async (tmp) => {
    const dir = join(tmp, 'archive');
    mkdirSync(dir, { mode: 0o700 });
    await unpackArchive(input, dir);
    if (!existsSync(join(dir, 'manifest.json'))) throw new RuntimeError('invalid archive: no manifest.json (not a docker save archive)', 'usage');
    let entries: ArchiveEntry[];
    try {
      entries = JSON.parse(readFileSync(fileIn(dir, 'manifest.json'), 'utf8'));
      if (!Array.isArray(entries)) throw new Error('not a list');
    } catch (e) {
      throw new RuntimeError(`invalid archive: manifest.json: ${(e as Error).message}`, 'usage');
    }
    const lines: string[] = [];
    const limits = layerLimits();
    for (const [n, entry] of entries.entries()) {
      const configBytes = readFileSync(fileIn(dir, entry.Config));
      const config = JSON.parse(configBytes.toString('utf8')) as ImageConfigFile;
      const diffIds = config.rootfs?.diff_ids ?? [];
      if (!Array.isArray(entry.Layers) || entry.Layers.length !== diffIds.length) throw new RuntimeError(`invalid archive: ${entry.Config} names ${diffIds.length} layers, manifest.json ${entry.Layers?.length}`, 'usage');
      const tags = (entry.RepoTags ?? []).map((t) => normalizeRef(t));
      const layers: Layer[] = [];
      for (const [i, name] of entry.Layers.entries()) {
        const work = join(tmp, `${n}-${i}`);
        mkdirSync(work);
        const layer = await addLayer(store, work, createReadStream(fileIn(dir, name)), limits);
        if (layer.diffId !== diffIds[i]) throw new RuntimeError(`invalid archive: ${name} is ${layer.diffId}, the config says ${diffIds[i]}`, 'usage');
        layers.push(layer);
      }
      const size = layers.reduce((sum, l) => sum + l.unpacked, 0);
      const id = addImage(store, tmp, tags, [], layers, size, configBytes);
      lines.push(...(tags.length ? tags.map((t) => `Loaded image: ${t}`) : [`Loaded image ID: ${id}`]));
    }
    return lines;
  });
}
