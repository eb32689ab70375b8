// chapter: 07-images
// The four kinds of manifest a registry serves, and how docker picks one image of
// a multi-platform index: same os, same architecture, and the best variant this
// machine runs (arm64 prefers v8; 32-bit arm v7 also runs v6 and v5). Pure.
import { RuntimeError } from '../../errors.js';
import type { Descriptor, Manifest } from '../store.js';

export const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
export const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';
export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
export const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const SCHEMA1 = ['application/vnd.docker.distribution.manifest.v1+json', 'application/vnd.docker.distribution.manifest.v1+prettyjws'];

/** the Accept header of a manifest GET: all four, or the registry down-converts or hides some */
export const MANIFEST_ACCEPT = [OCI_INDEX, DOCKER_LIST, OCI_MANIFEST, DOCKER_MANIFEST].join(', ');

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface IndexEntry extends Descriptor {
  platform?: Platform;
}

export interface ManifestIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: IndexEntry[];
}

export type Parsed = { kind: 'index'; index: ManifestIndex } | { kind: 'manifest'; manifest: Manifest };

/** read a manifest body by its Content-Type (or its own mediaType); schema 1 is refused */
export function parseManifest(body: Buffer, contentType: string | null, name: string): Parsed {
  let json: { schemaVersion?: number; mediaType?: string; manifests?: unknown; config?: unknown; layers?: unknown };
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw new RuntimeError(`Error response from registry: the manifest of ${name} is not JSON`);
  }
  const type = (contentType ?? '').split(';')[0].trim() || json.mediaType || '';
  if (SCHEMA1.includes(type) || json.schemaVersion === 1) {
    throw new RuntimeError(`[DEPRECATION NOTICE] Docker Image Format v1 and Docker Image manifest version 2, schema 1 support has been removed. Suggest the author of ${name} to upgrade the image to the OCI Format or Docker Image manifest v2, schema 2.`);
  }
  if (json.schemaVersion !== 2) throw new RuntimeError(`Error response from registry: unsupported manifest schema version ${json.schemaVersion} for ${name}`);
  const kind = type === DOCKER_LIST || type === OCI_INDEX ? 'index' : type === DOCKER_MANIFEST || type === OCI_MANIFEST ? 'manifest' : Array.isArray(json.manifests) ? 'index' : 'manifest';
  if (kind === 'index') {
    if (!Array.isArray(json.manifests)) throw new RuntimeError(`Error response from registry: the index of ${name} lists no manifests`);
    return { kind, index: json as ManifestIndex };
  }
  if (!json.config || !Array.isArray(json.layers)) throw new RuntimeError(`Error response from registry: the manifest of ${name} (${type || 'no media type'}) has no config or layers`);
  return { kind, manifest: { ...(json as Manifest), mediaType: type || OCI_MANIFEST } };
}

/** Node's names for CPUs in the Go names OCI uses */
const GO_ARCH: Record<string, string> = { x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };

/** containerd's Normalize: aliases folded, default variants filled in */
export function normalizePlatform(p: Platform): Platform {
  const os = (p.os || 'linux').toLowerCase();
  let arch = p.architecture.toLowerCase();
  let variant = p.variant?.toLowerCase() || undefined;
  if (arch === 'x86_64' || arch === 'x86-64') arch = 'amd64';
  if (arch === 'i386') arch = '386';
  if (arch === 'aarch64' || arch === 'arm64') {
    arch = 'arm64';
    if (variant === '8' || variant === undefined) variant = 'v8';
  }
  if (arch === 'armhf') [arch, variant] = ['arm', 'v7'];
  if (arch === 'armel') [arch, variant] = ['arm', 'v6'];
  if (arch === 'arm') {
    if (variant === undefined || variant === '7') variant = 'v7';
    else if (/^\d$/.test(variant)) variant = `v${variant}`;
  }
  if (arch === 'amd64' && variant === 'v1') variant = undefined;
  return { os, architecture: arch, ...(variant ? { variant } : {}) };
}

// Go's GOOS and GOARCH values (containerd's isKnownOS/isKnownArch): an os or an
// architecture outside them names no image anywhere
const KNOWN_OS = new Set('aix android darwin dragonfly freebsd hurd illumos ios js linux nacl netbsd openbsd plan9 solaris wasip1 windows zos'.split(' '));
const KNOWN_ARCH = new Set(
  '386 amd64 amd64p32 arm armbe arm64 arm64be ppc64 ppc64le loong64 mips mipsle mips64 mips64le mips64p32 mips64p32le ppc riscv riscv64 s390 s390x sparc sparc64 wasm'.split(' '),
);

/** `--platform os/arch[/variant]`, with a known os and architecture */
export function parsePlatform(s: string): Platform {
  const parts = s.split('/');
  const bad = () => new RuntimeError(`"${s}": unknown operating system or architecture: invalid argument`);
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p === '')) throw bad();
  const p = normalizePlatform({ os: parts[0], architecture: parts[1], variant: parts[2] });
  if (!KNOWN_OS.has(p.os) || !KNOWN_ARCH.has(p.architecture)) throw bad();
  return p;
}

export function hostPlatform(arch = process.arch): Platform {
  return normalizePlatform({ os: 'linux', architecture: GO_ARCH[arch] ?? arch });
}

export const formatPlatform = (p: Platform) => [p.os, p.architecture, p.variant].filter(Boolean).join('/');

/** the variants a platform runs, best first (containerd's Only matcher) */
function compatibleVariants(p: Platform): (string | undefined)[] {
  if (p.architecture === 'arm') {
    const n = Number(p.variant?.slice(1) ?? 7);
    return [8, 7, 6, 5].filter((v) => v <= n).map((v) => `v${v}`);
  }
  return [p.variant];
}

/** the entry of an index docker would pull for this platform (first best match) */
export function choosePlatform(index: ManifestIndex, want: Platform, name: string): IndexEntry {
  const variants = compatibleVariants(want);
  let best: { entry: IndexEntry; rank: number } | undefined;
  for (const entry of index.manifests) {
    if (!entry.platform) continue;
    const p = normalizePlatform(entry.platform);
    if (p.os !== want.os || p.architecture !== want.architecture) continue;
    const rank = variants.indexOf(p.variant);
    if (rank < 0) continue;
    if (!best || rank < best.rank) best = { entry, rank };
  }
  if (!best) throw new RuntimeError(`no matching manifest for ${formatPlatform(want)} in the manifest list entries of ${name}`);
  return best.entry;
}
