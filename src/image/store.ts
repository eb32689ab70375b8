// chapter: 03-rootfs step 3.1
// The image store under <root>/images is an OCI image layout (oci-layout, index.json,
// blobs/sha256/<hex>) plus what a runtime needs beside it: each layer unpacked once,
// by diff id, under layers/<hex>/, shared read-only by every container of the image.
//   index.json           one manifest per image; its tags in "org.opencontainers.image.ref.name"
//   blobs/sha256/<hex>   manifests, image configs, layer tarballs (as they came)
//   layers/<hex>/        the unpacked layer whose uncompressed tar has sha256 <hex>
// The index is changed under flock and replaced atomically. This module only reads
// and edits tags; importing and committing (which need node-tar) live in import.ts.
const { existsSync, readFileSync, rmSync } = process.getBuiltinModule('node:fs');
import { join } from 'node:path';
import { RuntimeError } from '../errors.js';
import { withLock, writeAtomic } from '../container/store.js';
import { checkAnyReference, normalizeRef } from './reference.js';

const REF_NAME = 'org.opencontainers.image.ref.name';
const SIZE = 'io.mydocker.image.size';
export const MANIFEST_TYPE = 'application/vnd.oci.image.manifest.v1+json';
export const CONFIG_TYPE = 'application/vnd.oci.image.config.v1+json';
export const LAYER_TYPE = 'application/vnd.oci.image.layer.v1.tar';
export const LAYER_GZIP_TYPE = 'application/vnd.oci.image.layer.v1.tar+gzip';

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

export interface Manifest {
  schemaVersion: 2;
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
}

/** the part of an image config that decides how a container starts */
export interface ContainerDefaults {
  Env?: string[];
  Cmd?: string[];
  Entrypoint?: string[];
  WorkingDir?: string;
  User?: string;
}

export interface ImageConfigFile {
  created?: string;
  architecture: string;
  os: string;
  config: ContainerDefaults;
  rootfs: { type: 'layers'; diff_ids: string[] };
  history?: { created?: string; created_by?: string; comment?: string }[];
}

export interface Image {
  /** the config's digest, "sha256:…", as docker's IMAGE ID */
  id: string;
  tags: string[];
  config: ContainerDefaults;
  diffIds: string[];
  /** unpacked layer directories, lowest first */
  layers: string[];
  created: string;
  /** bytes of the unpacked layers */
  size: number;
  manifest: Descriptor;
}

interface Index {
  schemaVersion: 2;
  manifests: Descriptor[];
}

export const hex = (digest: string) => digest.replace(/^sha256:/, '');

export function openImageStore(root: string) {
  const dir = join(root, 'images');
  const blob = (digest: string) => join(dir, 'blobs', 'sha256', hex(digest));
  const layerDir = (diffId: string) => join(dir, 'layers', hex(diffId));

  function readIndex(): Index {
    const file = join(dir, 'index.json');
    return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : { schemaVersion: 2, manifests: [] };
  }
  function writeIndex(index: Index): void {
    writeAtomic(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    writeAtomic(join(dir, 'index.json'), JSON.stringify(index, null, 2));
  }
  const readJson = <T>(digest: string): T => JSON.parse(readFileSync(blob(digest), 'utf8'));

  /** every image, each once, with all its tags */
  function list(): Image[] {
    const byManifest = new Map<string, Image>();
    for (const d of readIndex().manifests) {
      let image = byManifest.get(d.digest);
      if (!image) {
        const manifest = readJson<Manifest>(d.digest);
        const file = readJson<ImageConfigFile>(manifest.config.digest);
        image = {
          id: manifest.config.digest,
          tags: [],
          config: file.config ?? {},
          diffIds: file.rootfs.diff_ids,
          layers: file.rootfs.diff_ids.map(layerDir),
          created: file.created ?? '',
          size: Number(d.annotations?.[SIZE] ?? 0),
          manifest: { mediaType: d.mediaType, digest: d.digest, size: d.size },
        };
        byManifest.set(d.digest, image);
      }
      const tag = d.annotations?.[REF_NAME];
      if (tag) image.tags.push(tag);
    }
    return [...byManifest.values()];
  }

  /**
   * an image in docker's order: ref as a name[:tag] first (so a tag "bb" or "b110"
   * that looks like hex is still a name), then a full id, then an unambiguous id prefix
   */
  function find(ref: string): Image | undefined {
    const images = list();
    const byTag = tryNormalize(ref); // a full id is never a name: normalizing it fails
    const tagged = byTag && images.find((i) => i.tags.includes(byTag));
    if (tagged) return tagged;
    const id = hex(ref);
    if (!/^[0-9a-f]{4,64}$/.test(id)) return undefined;
    const exact = images.find((i) => hex(i.id) === id);
    if (exact) return exact;
    const matches = images.filter((i) => hex(i.id).startsWith(id));
    // two manifests of one config (a pull in two formats) are one image, as docker counts them
    if (new Set(matches.map((i) => i.id)).size > 1) throw new RuntimeError(`image id "${ref}" is ambiguous`);
    return matches[0];
  }

  function get(ref: string): Image {
    const image = find(ref);
    if (!image) {
      checkAnyReference(ref); // `run ../x`: docker's "invalid reference format", not "unable to find"
      throw new RuntimeError(`Unable to find image '${tryNormalize(ref) ?? ref}' locally`);
    }
    return image;
  }

  /** add a manifest to the index, moving `tag` to it (the old image keeps its other tags) */
  function addImage(manifest: Descriptor, size: number, tag?: string): void {
    withLock(dir, () => {
      const index = readIndex();
      let manifests = index.manifests.filter((d) => !(tag && d.annotations?.[REF_NAME] === tag));
      const entry: Descriptor = { ...manifest, annotations: { [SIZE]: String(size), ...(tag ? { [REF_NAME]: tag } : {}) } };
      const untagged = manifests.findIndex((d) => d.digest === manifest.digest && !d.annotations?.[REF_NAME]);
      if (untagged >= 0) manifests.splice(untagged, 1);
      if (tag || !manifests.some((d) => d.digest === manifest.digest)) manifests = [...manifests, entry];
      // an image that lost its last tag stays, untagged ("<none>"), as docker keeps it
      for (const d of index.manifests) {
        if (!manifests.some((m) => m.digest === d.digest)) manifests.push({ ...d, annotations: { [SIZE]: d.annotations?.[SIZE] ?? '0' } });
      }
      writeIndex({ ...index, manifests });
    });
  }

  /**
   * `rmi`: untag ref; when the image has no tag left (or ref is an id), delete it,
   * unless a container uses it. Returns docker's "Untagged:"/"Deleted:" lines.
   */
  function remove(ref: string, inUse: (id: string) => string | undefined, force: boolean): string[] {
    return withLock(dir, () => {
      const image = get(ref);
      const out: string[] = [];
      const tag = image.tags.includes(tryNormalize(ref) ?? '') ? tryNormalize(ref)! : undefined;
      if (!tag && image.tags.length > 1 && !force) {
        throw new RuntimeError(`conflict: unable to delete ${hex(image.id).slice(0, 12)} (must be forced) - image is referenced in multiple repositories`, 'conflict');
      }
      const user = inUse(image.id);
      const untag = tag ? [tag] : image.tags;
      const lastTag = image.tags.length <= untag.length;
      if (user && lastTag && !force) {
        throw new RuntimeError(`conflict: unable to remove repository reference "${ref}" (must force) - container ${user.slice(0, 12)} is using its referenced image ${hex(image.id).slice(0, 12)}`, 'conflict');
      }
      const index = readIndex();
      let manifests = index.manifests.filter((d) => !(d.digest === image.manifest.digest && untag.includes(d.annotations?.[REF_NAME] ?? '')));
      for (const t of untag) out.push(`Untagged: ${t}`);
      if (lastTag && !user) {
        manifests = manifests.filter((d) => d.digest !== image.manifest.digest);
        writeIndex({ ...index, manifests });
        out.push(...deleteUnreferenced(image, manifests));
      } else {
        if (!manifests.some((d) => d.digest === image.manifest.digest)) {
          manifests.push({ ...image.manifest, annotations: { [SIZE]: String(image.size) } });
        }
        writeIndex({ ...index, manifests });
      }
      return out;
    });
  }

  /** delete the image's blobs and layers that no remaining image refers to */
  function deleteUnreferenced(image: Image, remaining: Descriptor[]): string[] {
    const keepBlobs = new Set<string>();
    const keepLayers = new Set<string>();
    for (const d of remaining) {
      const m = readJson<Manifest>(d.digest);
      keepBlobs.add(d.digest).add(m.config.digest);
      for (const l of m.layers) keepBlobs.add(l.digest);
      for (const diffId of readJson<ImageConfigFile>(m.config.digest).rootfs.diff_ids) keepLayers.add(diffId);
    }
    const manifest = readJson<Manifest>(image.manifest.digest);
    for (const digest of [image.manifest.digest, manifest.config.digest, ...manifest.layers.map((l) => l.digest)]) {
      if (!keepBlobs.has(digest)) rmSync(blob(digest), { force: true });
    }
    for (const diffId of image.diffIds) {
      if (!keepLayers.has(diffId)) rmSync(layerDir(diffId), { recursive: true, force: true });
    }
    return [`Deleted: ${image.id}`];
  }

  return { dir, blob, layerDir, list, find, get, addImage, remove };
}

export type ImageStore = ReturnType<typeof openImageStore>;

function tryNormalize(ref: string): string | undefined {
  try {
    return normalizeRef(ref);
  } catch {
    return undefined;
  }
}
