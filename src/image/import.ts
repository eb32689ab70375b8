// chapter: 03-rootfs step 3.1
// New images: `import` turns a rootfs tarball into a one-layer image, `commit` adds a
// container's writable layer on top of its image. Both end the same way: a layer
// blob, unpacked once by diff id, an image config, a manifest, a tag.
import { createHash } from 'node:crypto';
const { closeSync, createReadStream, createWriteStream, existsSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync } = process.getBuiltinModule('node:fs');
import { join, posix } from 'node:path';
import { Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { RuntimeError } from '../errors.js';
import { containerDir, findContainer, withLock } from '../container/store.js';
import { withStore } from '../container/sweep.js';
import { checkTarHead, layerLimits, packLayer, tooBig, unpackLayer, type LayerLimits } from './layer.js';
import { normalizeRef } from './reference.js';
import { withScratch } from './scratch.js';
import { treeSize } from './tree.js';
import { GENERATED_FILES } from '../rootfs/prepare.js';
import {
  CONFIG_TYPE, LAYER_GZIP_TYPE, LAYER_TYPE, MANIFEST_TYPE, hex, openImageStore,
  type ContainerDefaults, type Descriptor, type ImageConfigFile, type ImageStore, type Manifest,
} from './store.js';

interface NewImageOptions {
  /** NAME[:TAG]; without it the image stays untagged */
  ref?: string;
  /** Dockerfile instructions applied to the config: CMD, ENTRYPOINT, ENV, WORKDIR, USER */
  changes: string[];
  message?: string;
}

/** `import FILE|- [REF]`: a rootfs tarball (plain or gzip) becomes a one-layer image */
export async function importImage(root: string, source: string, o: NewImageOptions): Promise<string> {
  const tag = o.ref === undefined ? undefined : normalizeRef(o.ref);
  const config = applyChanges({}, o.changes);
  if (source !== '-' && !existsSync(source)) throw new RuntimeError(`open ${source}: no such file or directory`);
  if (source !== '-' && statSync(source).isDirectory()) throw new RuntimeError(`read ${source}: is a directory`);
  const limits = layerLimits();
  const store = openImageStore(root);
  return withTemp(store, async (tmp) => {
    const layer = await addLayer(store, tmp, source === '-' ? process.stdin : createReadStream(source), limits);
    return addImage(store, tmp, tag, [], layer, layer.unpacked, {
      created: new Date().toISOString(),
      architecture: goArch(),
      os: 'linux',
      config,
      rootfs: { type: 'layers', diff_ids: [layer.diffId] },
      history: [{ created: new Date().toISOString(), created_by: `mydocker import ${source}`, comment: o.message ?? '' }],
    });
  });
}

/** `commit CONTAINER [REF]`: the container's image plus its upper directory as a new layer */
export async function commitContainer(root: string, containerRef: string, o: NewImageOptions): Promise<string> {
  const tag = o.ref === undefined ? undefined : normalizeRef(o.ref);
  const container = withStore(root, () => findContainer(root, containerRef));
  if (!container.image) throw new RuntimeError(`container ${containerRef} runs on the host's files: it has no image to commit`);
  const store = openImageStore(root);
  const image = store.get(hex(container.image));
  const parent = JSON.parse(readFileSync(store.blob(image.id), 'utf8')) as ImageConfigFile;
  const parentManifest = JSON.parse(readFileSync(store.blob(image.manifest.digest), 'utf8')) as Manifest;
  const limits = layerLimits();
  return withTemp(store, async (tmp) => {
    // the files bound over from the container's folder left empty mount points behind
    const layer = await addLayer(store, tmp, packLayer(join(containerDir(root, container.id), 'upper'), GENERATED_FILES, limits.entries), limits);
    const size = parent.rootfs.diff_ids.reduce((sum, d) => sum + treeSize(store.layerDir(d), limits.entries), layer.unpacked);
    const now = new Date().toISOString();
    return addImage(store, tmp, tag, parentManifest.layers, layer, size, {
      ...parent,
      created: now,
      config: applyChanges({ ...parent.config }, o.changes),
      rootfs: { type: 'layers', diff_ids: [...parent.rootfs.diff_ids, layer.diffId] },
      history: [...(parent.history ?? []), { created: now, created_by: `mydocker commit ${containerRef}`, comment: o.message ?? '' }],
    });
  });
}

export interface Layer extends Descriptor {
  diffId: string;
  /** the bytes of its regular files, unpacked */
  unpacked: number;
  /** the blob, in scratch space */
  file: string;
  /** the unpacked layer in scratch space, when the store does not have it yet */
  dir?: string;
}

/** a scratch directory under images/tmp, removed whatever happens */
export function withTemp<T>(store: ImageStore, fn: (tmp: string) => Promise<T>): Promise<T> {
  return withScratch(join(store.dir, 'tmp'), fn);
}

/**
 * a layer blob and its unpacked directory, made in scratch space (unpacking is skipped
 * when the store has the layer): nothing enters the store until addImage.
 * The input is untrusted: it must start with a tar header (checked on the first
 * bytes, before anything else is read), and its size and entry count have limits.
 */
export async function addLayer(store: ImageStore, tmp: string, input: AsyncIterable<Buffer> | NodeJS.ReadableStream, limits: LayerLimits): Promise<Layer> {
  const file = join(tmp, 'blob');
  const blobHash = createHash('sha256');
  let size = 0;
  const count = (c: Buffer) => {
    blobHash.update(c);
    size += c.length;
    if (size > limits.bytes) throw tooBig(limits);
  };
  await pipeline(input, checkHead(), tap(count), createWriteStream(file)).catch((e: Error) => {
    throw e instanceof RuntimeError ? e : new RuntimeError(`reading the layer: ${e.message}`, 'runtime', { cause: e });
  });
  const digest = `sha256:${blobHash.digest('hex')}`;
  const gzip = isGzip(file);
  const diffId = gzip ? await sha256(file, true, limits) : digest;
  const layer = { mediaType: gzip ? LAYER_GZIP_TYPE : LAYER_TYPE, digest, size, diffId, file };
  const layerDir = store.layerDir(diffId);
  if (existsSync(layerDir)) return { ...layer, unpacked: treeSize(layerDir, limits.entries) };
  const dir = join(tmp, 'layer');
  await unpackLayer(file, dir, limits);
  // the size is measured here, before the store sees the layer: a walk that fails leaves nothing
  return { ...layer, dir, unpacked: treeSize(dir, limits.entries) };
}

/** fail at once when the stream does not start with a tar header (plain or gzip) */
function checkHead(): Transform {
  const head: Buffer[] = [];
  let seen = 0;
  let checked = false;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      if (!checked) {
        head.push(chunk);
        seen += chunk.length;
        if (seen >= 4096) {
          checked = true;
          try {
            checkTarHead(Buffer.concat(head));
          } catch (e) {
            return done(e as Error);
          }
        }
      }
      done(null, chunk);
    },
    flush(done) {
      try {
        if (!checked) checkTarHead(Buffer.concat(head));
        done();
      } catch (e) {
        done(e as Error);
      }
    },
  });
}

/**
 * move the new layer into the store, write the config and manifest blobs, tag: the
 * image exists only once all its parts do. All of it happens under the store's lock,
 * and what this call put in the store is taken out again if any step fails (a part
 * that was there before stays: another image has it).
 */
export function addImage(store: ImageStore, tmp: string, tag: string | string[] | undefined, parents: Descriptor[], layer: Layer | Layer[], size: number, file: ImageConfigFile | Buffer): string {
  return withLock(store.dir, () => {
    const added: string[] = [];
    const place = (from: string, to: string) => {
      if (existsSync(to)) return; // a twin of the same content
      try {
        renameSync(from, to);
      } catch (e) {
        // a pull (which does not take this lock) put the same layer there just now
        if (['ENOTEMPTY', 'EEXIST'].includes((e as NodeJS.ErrnoException).code ?? '')) return;
        throw e;
      }
      added.push(to);
    };
    const putBlob = (content: string | Buffer, mediaType: string): Descriptor => {
      const digest = `sha256:${createHash('sha256').update(content).digest('hex')}`;
      writeFileSync(join(tmp, hex(digest)), content);
      place(join(tmp, hex(digest)), store.blob(digest));
      return { mediaType, digest, size: Buffer.byteLength(content) };
    };
    try {
      mkdirSync(join(store.dir, 'layers'), { recursive: true });
      mkdirSync(join(store.dir, 'blobs', 'sha256'), { recursive: true });
      const layers = Array.isArray(layer) ? layer : [layer];
      for (const l of layers) {
        if (l.dir) place(l.dir, store.layerDir(l.diffId));
        else if (!existsSync(store.layerDir(l.diffId))) throw new RuntimeError(`layer ${l.diffId} was deleted while the image was made: try again`);
        place(l.file, store.blob(l.digest));
      }
      const config = putBlob(Buffer.isBuffer(file) ? file : JSON.stringify(file), CONFIG_TYPE); // a loaded config keeps its bytes, so its id
      const manifest: Manifest = {
        schemaVersion: 2,
        mediaType: MANIFEST_TYPE,
        config,
        layers: [...parents, ...layers].map(({ mediaType, digest, size }) => ({ mediaType, digest, size })),
      };
      const manifestBlob = putBlob(JSON.stringify(manifest), MANIFEST_TYPE);
      const tags = Array.isArray(tag) ? tag : [tag];
      for (const t of tags.length ? tags : [undefined]) store.addImage(manifestBlob, size, t);
      return config.digest;
    } catch (e) {
      for (const path of added.reverse()) rmSync(path, { recursive: true, force: true });
      throw e;
    }
  });
}

/** the Dockerfile instructions `--change` accepts, applied to an image config */
export function applyChanges(config: ContainerDefaults, changes: string[]): ContainerDefaults {
  for (const change of changes) {
    const m = /^\s*(\w+)\s+([\s\S]*?)\s*$/.exec(change);
    if (!m) throw new RuntimeError(`invalid --change "${change}": expected INSTRUCTION ARGUMENTS`);
    const [, word, arg] = m;
    switch (word.toUpperCase()) {
      case 'CMD':
        config.Cmd = commandForm(arg);
        break;
      case 'ENTRYPOINT':
        config.Entrypoint = commandForm(arg);
        break;
      case 'WORKDIR':
        config.WorkingDir = posix.resolve(config.WorkingDir || '/', arg); // relative to the current one
        break;
      case 'USER':
        config.User = arg;
        break;
      case 'ENV':
        for (const [key, value] of envPairs(change, arg)) config.Env = [...(config.Env ?? []).filter((e) => !e.startsWith(`${key}=`)), `${key}=${value}`];
        break;
      default:
        throw new RuntimeError(`invalid --change "${change}": ${word} is not supported (CMD, ENTRYPOINT, ENV, WORKDIR, USER)`);
    }
  }
  return config;
}

/**
 * ENV's two forms, as docker reads them: `KEY=VALUE ...` (several pairs; quotes and
 * backslashes as in a shell word) or the legacy `KEY VALUE` (the rest of the line)
 */
function envPairs(change: string, arg: string): [string, string][] {
  const legacy = /^([^\s=]+)\s+([\s\S]*)$/.exec(arg);
  if (legacy && !/^[^\s=]+=/.test(arg)) return [[legacy[1], legacy[2]]];
  const pairs: [string, string][] = [];
  for (const word of shellWords(change, arg)) {
    const eq = word.indexOf('=');
    if (eq <= 0) throw new RuntimeError(`invalid --change "${change}": ENV needs KEY=VALUE`);
    pairs.push([word.slice(0, eq), word.slice(eq + 1)]);
  }
  return pairs;
}

/** split on blanks outside quotes; "..." keeps \" and \\ escapes, '...' keeps everything */
function shellWords(change: string, s: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === '"' || c === "'") {
      const end = s.indexOf(c, i + 1);
      if (end < 0) throw new RuntimeError(`invalid --change "${change}": unmatched ${c}`);
      const inner = s.slice(i + 1, end);
      word = (word ?? '') + (c === '"' ? inner.replace(/\\(["\\$`])/g, '$1') : inner);
      i = end;
    } else if (c === '\\' && i + 1 < s.length) {
      word = (word ?? '') + s[++i];
    } else {
      word = (word ?? '') + c;
    }
  }
  if (word !== undefined) words.push(word);
  return words;
}

/**
 * exec form ["a", "b"] as is; anything else — including text that only looks like
 * JSON — is shell form and runs under /bin/sh -c, as docker's Dockerfile parser does
 */
function commandForm(arg: string): string[] {
  try {
    const list: unknown = JSON.parse(arg);
    if (Array.isArray(list) && list.every((s) => typeof s === 'string')) return list;
  } catch {
    // not JSON: shell form
  }
  return ['/bin/sh', '-c', arg];
}

function tap(fn: (chunk: Buffer) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      try {
        fn(chunk);
      } catch (e) {
        return done(e as Error);
      }
      done(null, chunk);
    },
  });
}

function isGzip(file: string): boolean {
  const head = Buffer.alloc(2);
  const fd = openSync(file, 'r');
  try {
    return readSync(fd, head, 0, 2, 0) === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    closeSync(fd);
  }
}

/** the sha256 of file's content (gunzipped: the diff id), refusing more bytes than the limit */
async function sha256(file: string, gunzip: boolean, limits: LayerLimits): Promise<string> {
  const hash = createHash('sha256');
  const input = createReadStream(file);
  let size = 0;
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (size > limits.bytes) return done(tooBig(limits));
      hash.update(chunk);
      done();
    },
  });
  await (gunzip ? pipeline(input, createGunzip(), sink) : pipeline(input, sink)).catch((e: Error) => {
    throw e instanceof RuntimeError ? e : new RuntimeError(`invalid layer: ${e.message}`, 'runtime', { cause: e });
  });
  return `sha256:${hash.digest('hex')}`;
}

/** Node's names for CPUs in the Go names OCI uses */
function goArch(): string {
  return ({ x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x' } as Record<string, string>)[process.arch] ?? process.arch;
}
