// chapter: 03-rootfs step 3.1
// Image references, as docker reads them (github.com/distribution/reference):
//   reference  := name [ ":" tag ] [ "@" digest ]
//   name       := [domain "/"] path-component ["/" path-component]*
//   domain     := host [":" port]        host: DNS-like name, IPv4, or [IPv6]
//   path-component := [a-z0-9]+ (separator [a-z0-9]+)*    separator: . _ __ or -+
//   tag        := [\w][\w.-]{0,127}
//   digest     := algorithm ":" hex (sha256: 64 lowercase hex digits)
// The whole name is at most 255 characters. One pure module: import, commit, tag,
// rmi, run and pull all read references here, so they all refuse the same input.
import { RuntimeError } from '../errors.js';

const alnum = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]+)';
const pathComponent = `${alnum}(?:${separator}${alnum})*`;
const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const host = `(?:${domainComponent}(?:\\.${domainComponent})*|\\[[a-fA-F0-9:]+\\])`;
const domainAndPort = `${host}(?::[0-9]+)?`;
const remoteName = `${pathComponent}(?:/${pathComponent})*`;
const tag = '[\\w][\\w.-]{0,127}';
const digest = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}';

const REFERENCE_RE = new RegExp(`^((?:${domainAndPort}/)?${remoteName})(?::(${tag}))?(?:@(${digest}))?$`);
const NAME_RE = new RegExp(`^(?:(${domainAndPort})/)?(${remoteName})$`);
const IDENTIFIER_RE = /^[a-f0-9]{64}$/;
const DIGEST_HEX: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

export const NAME_TOTAL_LENGTH_MAX = 255;
export const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
const OFFICIAL_PREFIX = 'library/';

export interface Reference {
  /** registry host[:port], '' when the name has none */
  domain: string;
  /** the name without its domain, e.g. "library/busybox" */
  path: string;
  tag?: string;
  digest?: string;
}

/** a reference docker refuses: exit 125, docker's words after "invalid reference format" */
export class ReferenceError extends RuntimeError {
  constructor(reason: string) {
    super(/^invalid (reference format|repository name)/.test(reason) ? reason : `invalid reference format: ${reason}`, 'usage');
  }
}

/** distribution's Parse: the grammar only, no defaults */
export function parseReference(s: string): Reference {
  if (s === '') throw new ReferenceError('repository name must have at least one component');
  const m = REFERENCE_RE.exec(s);
  if (!m) {
    const lower = s.toLowerCase();
    if (lower !== s && REFERENCE_RE.test(lower)) throw new ReferenceError('repository name must be lowercase');
    throw new ReferenceError('invalid reference format');
  }
  const [, name, t, d] = m;
  if (name.length > NAME_TOTAL_LENGTH_MAX) throw new ReferenceError(`repository name must not be more than ${NAME_TOTAL_LENGTH_MAX} characters`);
  if (d !== undefined) checkDigest(d);
  const n = NAME_RE.exec(name)!;
  return { domain: n[1] ?? '', path: n[2], ...(t !== undefined ? { tag: t } : {}), ...(d !== undefined ? { digest: d } : {}) };
}

/** go-digest's checks of a digest the grammar let through */
function checkDigest(d: string): void {
  const [algorithm, hex] = d.split(':');
  const len = DIGEST_HEX[algorithm];
  if (len === undefined) throw new ReferenceError('unsupported digest algorithm');
  if (hex.length !== len) throw new ReferenceError('invalid checksum digest length');
  if (!/^[a-f0-9]+$/.test(hex)) throw new ReferenceError('invalid checksum digest format');
}

/** docker's splitDockerDomain: which part of a name is a registry (default docker.io) */
export function splitDockerDomain(name: string): [domain: string, remainder: string] {
  const slash = name.indexOf('/');
  if (slash < 0) return [DEFAULT_DOMAIN, OFFICIAL_PREFIX + name];
  const [first, rest] = [name.slice(0, slash), name.slice(slash + 1)];
  let domain: string;
  let remainder: string;
  if (first === LEGACY_DEFAULT_DOMAIN) [domain, remainder] = [DEFAULT_DOMAIN, rest];
  else if (first === 'localhost' || /[.:]/.test(first) || first.toLowerCase() !== first) [domain, remainder] = [first, rest];
  else [domain, remainder] = [DEFAULT_DOMAIN, name];
  if (domain === DEFAULT_DOMAIN && !remainder.includes('/')) remainder = OFFICIAL_PREFIX + remainder;
  return [domain, remainder];
}

/**
 * docker's ParseNormalizedNamed: a name as typed ("busybox", "localhost:5000/x:1")
 * → the full reference (domain docker.io and library/ filled in)
 */
export function parseNormalizedNamed(s: string): Reference {
  if (IDENTIFIER_RE.test(s)) throw new ReferenceError(`invalid repository name (${s}), cannot specify 64-byte hexadecimal strings`);
  const [domain, remainder] = splitDockerDomain(s);
  const colon = remainder.indexOf(':');
  const remote = colon < 0 ? remainder : remainder.slice(0, colon);
  if (remote.toLowerCase() !== remote) throw new ReferenceError(`invalid reference format: repository name (${remote}) must be lowercase`);
  return parseReference(`${domain}/${remainder}`);
}

/** docker's FamiliarName: docker.io and library/ left out, as docker prints names */
export function familiarName(ref: Reference): string {
  if (ref.domain !== DEFAULT_DOMAIN) return ref.domain ? `${ref.domain}/${ref.path}` : ref.path;
  const rest = ref.path.startsWith(OFFICIAL_PREFIX) ? ref.path.slice(OFFICIAL_PREFIX.length) : ref.path;
  return rest.includes('/') ? ref.path : rest;
}

/**
 * the key a tag is stored under: the familiar name and the tag, "latest" by default
 * ("busybox" → "busybox:latest", "docker.io/library/busybox:1" → "busybox:1").
 * A digest cannot be a tag: `import x.tar name@sha256:…` is refused, as docker does.
 */
export function normalizeRef(s: string): string {
  const ref = parseNormalizedNamed(s);
  if (ref.digest !== undefined) throw new RuntimeError(`refusing to create a tag with a digest reference: ${s}`);
  return `${familiarName(ref)}:${ref.tag ?? 'latest'}`;
}

/**
 * docker's ParseAnyReference, for what `run` and `rmi` accept: an image id (64 hex
 * digits), a digest, or a name; throws docker's message for anything else
 */
export function checkAnyReference(s: string): void {
  if (IDENTIFIER_RE.test(s)) return;
  if (/^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$/.test(s)) {
    try {
      checkDigest(s);
      return;
    } catch {
      // not a valid digest: read it as a name, as docker does
    }
  }
  parseNormalizedNamed(s);
}
