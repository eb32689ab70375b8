// chapter: 07-images
// `pull`: a reference → its manifest (through an index, for this platform) → its
// config → its layers, each verified, unpacked with chapter 03's unpacker, and only
// then moved into the store. Layers download three at a time (as docker's) and are
// unpacked in order, one after the other, each in one pass that also hashes it. A
// blob already in the store is not fetched again. Two pulls of one image may run at
// once: each works in its own scratch folder, and a rename over a twin is harmless.
const { existsSync, mkdirSync, openSync, readFileSync, readSync, closeSync, renameSync, writeFileSync } = process.getBuiltinModule('node:fs');
import { join } from 'node:path';
import { RuntimeError } from '../../errors.js';
import { layerLimits } from '../layer.js';
import { familiarName, parseNormalizedNamed, type Reference } from '../reference.js';
import { withScratch } from '../scratch.js';
import { treeSize } from '../tree.js';
import { hex, openImageStore, type Descriptor, type ImageConfigFile, type ImageStore, type Manifest } from '../store.js';
import { checkDigest, compressionOf, downloadTo, readLimited, sha256, unpackBlob, verify } from './blobs.js';
import { Registry, registryError } from './client.js';
import type { Credentials } from './credentials.js';
import type { HttpResponse } from './http.js';
import { familiar, pullReference } from './local.js';
import { MANIFEST_ACCEPT, choosePlatform, formatPlatform, hostPlatform, normalizePlatform, parseManifest, type ManifestIndex, type Platform } from './manifest.js';
import { Progress } from './progress.js';

const MANIFEST_MAX = 4 * 1024 * 1024;
const CONFIG_MAX = 8 * 1024 * 1024;
/** layers downloaded at once: docker's max-concurrent-downloads, 3 unless MYDOCKER_MAX_CONCURRENT_DOWNLOADS says */
const parallel = () => Math.max(1, Number(process.env.MYDOCKER_MAX_CONCURRENT_DOWNLOADS) || 3);

export interface PullOptions {
  platform?: Platform;
  quiet?: boolean;
  out: NodeJS.WritableStream & { isTTY?: boolean };
  /** `pull` says "Using default tag: latest" (run does not) */
  defaultTagNotice?: boolean;
  /** the client's credentials (the daemon's X-Registry-Auth); none: the stored ones (login's) */
  credentials?: Credentials;
}

/** the reference as docker prints it last: docker.io/library/busybox:latest */
const canonical = (r: Reference) => `${r.domain}/${r.path}${r.tag ? `:${r.tag}` : ''}${r.digest ? `@${r.digest}` : ''}`;

/** `pull NAME[:TAG|@DIGEST]`: returns the image id */
export async function pullImage(root: string, name: string, o: PullOptions): Promise<string> {
  const ref = pullReference(name);
  const p = new Progress(o.out, o.quiet);
  const platform = o.platform ?? hostPlatform();
  if (o.defaultTagNotice && ref.tag === 'latest' && !parseNormalizedNamed(name).tag && !ref.digest) p.line('Using default tag: latest');
  const registry = new Registry(ref.domain, o.credentials);
  const scope = `repository:${ref.path}:pull`;
  const store = openImageStore(root);
  // the manifest the reference names: an index (then the one for our platform) or an image's
  const top = await getManifest(registry, ref, ref.digest ?? ref.tag!, scope);
  p.line(`${ref.digest ?? ref.tag}: Pulling from ${ref.path}`); // as docker: only once the registry has it
  if (ref.digest && top.digest !== ref.digest) throw new RuntimeError(`manifest verification failed for digest ${ref.digest}`);
  let manifestBody = top.body;
  let manifestDigest = top.digest;
  let index: ManifestIndex | undefined;
  let parsed = parseManifest(top.body, top.type, familiar(ref));
  if (parsed.kind === 'index') {
    index = parsed.index;
    const entry = choosePlatform(parsed.index, platform, familiar(ref));
    checkDigest(entry.digest);
    const m = await getManifest(registry, ref, entry.digest, scope);
    manifestBody = verify(m.body, entry, 'manifest');
    manifestDigest = entry.digest;
    parsed = parseManifest(m.body, m.type, familiar(ref));
    if (parsed.kind !== 'manifest') throw new RuntimeError(`Error response from registry: ${familiar(ref)}: an index inside an index is not supported`);
  }
  const manifest = parsed.manifest;
  for (const d of [manifest.config, ...manifest.layers]) checkDigest(d.digest);

  const existing = store.list().find((i) => i.manifest.digest === manifestDigest);
  const tag = ref.tag ? `${familiarName(ref)}:${ref.tag}` : undefined;
  const upToDate = existing && (!tag || existing.tags.includes(tag));

  const configBody = existing ? readFileSync(store.blob(manifest.config.digest)) : verify(await getBlob(registry, ref, manifest.config, scope, CONFIG_MAX), manifest.config, 'image config');
  const config = JSON.parse(configBody.toString('utf8')) as ImageConfigFile;
  if (o.platform && !index) {
    const actual = normalizePlatform({ os: config.os, architecture: config.architecture, variant: (config as { variant?: string }).variant });
    if (actual.os !== platform.os || actual.architecture !== platform.architecture) {
      throw new RuntimeError(`image with reference ${familiar(ref)} was found but does not match the specified platform: wanted ${formatPlatform(platform)}, actual: ${formatPlatform(actual)}`);
    }
  }
  const diffIds = config.rootfs?.diff_ids ?? [];
  if (diffIds.length !== manifest.layers.length) {
    throw new RuntimeError(`Error response from registry: ${familiar(ref)}: the manifest has ${manifest.layers.length} layers, its config ${diffIds.length} diff ids`);
  }
  for (const d of diffIds) checkDigest(d);

  await withScratch(join(store.dir, 'tmp'), async (tmp) => {
    await pullLayers(registry, ref, scope, store, manifest, diffIds, tmp, p);
    // every layer is in: now the small blobs, and last the tag (the image exists from here)
    mkdirSync(join(store.dir, 'blobs', 'sha256'), { recursive: true });
    const put = (digest: string, body: Buffer) => {
      const file = join(tmp, hex(digest));
      writeFileSync(file, body);
      renameSync(file, store.blob(digest));
    };
    put(manifest.config.digest, configBody);
    put(manifestDigest, manifestBody);
    if (index) put(top.digest, top.body);
    const size = diffIds.reduce((sum, d) => sum + treeSize(store.layerDir(d), layerLimits().entries), 0);
    store.addImage({ mediaType: manifest.mediaType, digest: manifestDigest, size: manifestBody.length }, size, tag);
  });
  p.line(`Digest: ${top.digest}`);
  p.line(upToDate ? `Status: Image is up to date for ${familiar(ref)}` : `Status: Downloaded newer image for ${familiar(ref)}`);
  o.out.write(`${canonical(ref)}\n`); // -q prints only this line
  return manifest.config.digest;
}

interface Fetched {
  body: Buffer;
  digest: string;
  type: string | null;
}

async function getManifest(registry: Registry, ref: Reference, which: string, scope: string): Promise<Fetched> {
  const res = await registry.request(`${ref.path}/manifests/${which}`, scope, { headers: { Accept: MANIFEST_ACCEPT } });
  if (!res.ok) throw await pullError(res, ref);
  const body = await readLimited(res, MANIFEST_MAX, `the manifest of ${familiar(ref)}`);
  return { body, digest: sha256(body), type: res.headers.get('content-type') };
}

async function getBlob(registry: Registry, ref: Reference, d: Descriptor, scope: string, max: number): Promise<Buffer> {
  const res = await registry.request(`${ref.path}/blobs/${d.digest}`, scope);
  if (!res.ok) throw await pullError(res, ref);
  return readLimited(res, Math.min(max, d.size + 1), `blob ${d.digest}`);
}

/** docker's words for a refused or missing image */
async function pullError(res: HttpResponse, ref: Reference): Promise<RuntimeError> {
  if (res.status === 404) return registryError(res, `manifest for ${familiar(ref)} not found`);
  if (res.status === 401 || res.status === 403) return registryError(res, `pull access denied for ${familiarName(ref)}, repository does not exist or may require 'mydocker login'`);
  return registryError(res, `pulling ${familiar(ref)}`);
}

async function pullLayers(registry: Registry, ref: Reference, scope: string, store: ImageStore, manifest: Manifest, diffIds: string[], tmp: string, p: Progress): Promise<void> {
  const limits = layerLimits();
  const short = (d: Descriptor) => hex(d.digest).slice(0, 12);
  const present = (i: number) => existsSync(store.layerDir(diffIds[i])) && existsSync(store.blob(manifest.layers[i].digest));
  for (const [i, l] of manifest.layers.entries()) p.layer(short(l), present(i) ? 'Already exists' : 'Pulling fs layer');

  // downloads: three at a time; each layer's file is ready (verified) when its promise is
  const downloads: Promise<string | undefined>[] = [];
  let running = 0;
  const queue: (() => void)[] = [];
  const max = parallel();
  const slot = () => (running < max ? (running++, Promise.resolve()) : new Promise<void>((r) => queue.push(() => (running++, r()))));
  const release = () => {
    running--;
    queue.shift()?.();
  };
  for (const [i, l] of manifest.layers.entries()) {
    if (present(i)) {
      downloads.push(Promise.resolve(undefined));
      continue;
    }
    const file = join(tmp, `layer-${i}`);
    downloads.push(
      (async () => {
        if (existsSync(store.blob(l.digest))) return store.blob(l.digest); // the blob is here, its layer is not
        await slot();
        try {
          const res = await registry.request(`${ref.path}/blobs/${l.digest}`, scope);
          if (!res.ok) throw await registryError(res, `fetching layer ${l.digest}`);
          await downloadTo(res, l, file, (n) => p.layer(short(l), 'Downloading', n, l.size));
          p.layer(short(l), 'Verifying Checksum');
          p.layer(short(l), 'Download complete');
          return file;
        } finally {
          release();
        }
      })(),
    );
  }
  downloads.forEach((d) => d.catch(() => {})); // a failure is reported once, by the loop below

  // unpack in order, one at a time (the unpacker sets the process umask while it runs;
  // and on this machine's disk, three layers written at once took longer than in turn)
  mkdirSync(join(store.dir, 'layers'), { recursive: true });
  mkdirSync(join(store.dir, 'blobs', 'sha256'), { recursive: true });
  try {
    for (const [i, l] of manifest.layers.entries()) {
      const file = await downloads[i];
      if (!file) continue;
      p.layer(short(l), 'Extracting', 0); // on a terminal only
      // one pass: the blob is decompressed into the unpacker, hashed on the way; the
      // unpacked folder stays in scratch until its hash is the config's diff id
      const dest = join(tmp, `rootfs-${i}`);
      const diffId = await unpackBlob(file, compressionOf(head(file)), dest, limits);
      // <step 7.4>
      if (diffId !== diffIds[i]) throw new RuntimeError(`failed to register layer: layer ${short(l)}: its content (${diffId}) is not the config's diff id ${diffIds[i]}`);
      // </step 7.4>
      const layerDir = store.layerDir(diffId);
      if (!existsSync(layerDir)) {
        try {
          renameSync(dest, layerDir);
        } catch (e) {
          // a concurrent pull of the same layer got there first: its layer is ours too
          if (!['ENOTEMPTY', 'EEXIST'].includes((e as NodeJS.ErrnoException).code ?? '')) throw e;
        }
      }
      if (file !== store.blob(l.digest)) renameSync(file, store.blob(l.digest));
      p.layer(short(l), 'Pull complete');
    }
  } finally {
    await Promise.allSettled(downloads); // nothing writes into scratch once it is removed
  }
}

function head(file: string): Buffer {
  const b = Buffer.alloc(4);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, b, 0, 4, 0);
    return b;
  } finally {
    closeSync(fd);
  }
}
