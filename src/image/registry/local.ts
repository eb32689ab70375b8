// chapter: 07-images
// What a run asks before it pulls: is the image named here already in the store?
// Kept apart from pull.ts so that a run of a local image never loads the registry
// client or the layer unpacker (node-tar): most runs need neither.
const { existsSync, readFileSync } = process.getBuiltinModule('node:fs');
import { familiarName, parseNormalizedNamed, type Reference } from '../reference.js';
import type { Image, ImageStore } from '../store.js';
import { RuntimeError } from '../../errors.js';
import { choosePlatform, formatPlatform, hostPlatform, normalizePlatform, parseManifest, type Platform } from './manifest.js';

/** the reference with docker's default tag; "Using default tag" is said by the caller */
export function pullReference(name: string): Reference & { tag?: string } {
  const ref = parseNormalizedNamed(name);
  return ref.tag === undefined && ref.digest === undefined ? { ...ref, tag: 'latest' } : ref;
}

/** the reference as docker prints it in messages: busybox:latest, busybox@sha256:… */
export const familiar = (r: Reference): string => `${familiarName(r)}${r.tag ? `:${r.tag}` : ''}${r.digest ? `@${r.digest}` : ''}`;

/** the image a reference names in the local store, if any (by tag, or by manifest/index digest) */
export function findLocal(store: ImageStore, ref: Reference, platform: Platform = hostPlatform()): Image | undefined {
  if (!ref.digest) return store.find(`${familiarName(ref)}:${ref.tag ?? 'latest'}`);
  const images = store.list();
  const direct = images.find((i) => i.manifest.digest === ref.digest);
  if (direct || !existsSync(store.blob(ref.digest))) return direct;
  try {
    const parsed = parseManifest(readFileSync(store.blob(ref.digest)), null, familiar(ref));
    if (parsed.kind !== 'index') return undefined;
    const entry = choosePlatform(parsed.index, platform, familiar(ref));
    return images.find((i) => i.manifest.digest === entry.digest);
  } catch {
    return undefined;
  }
}

/** run --platform with an image already here: its config must name that os and architecture (docker's daemon refuses the mismatch) */
export function checkPlatform(store: ImageStore, image: Image, want: Platform, ref: Reference): void {
  const file = JSON.parse(readFileSync(store.blob(image.id), 'utf8')) as { os?: string; architecture?: string; variant?: string };
  const actual = normalizePlatform({ os: file.os ?? '', architecture: file.architecture ?? '', variant: file.variant });
  if (actual.os !== want.os || actual.architecture !== want.architecture)
    throw new RuntimeError(`image with reference ${familiar(ref)} was found but does not match the specified platform: wanted ${formatPlatform(want)}, actual: ${formatPlatform(actual)}`);
}
