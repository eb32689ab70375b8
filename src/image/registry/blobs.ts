// chapter: 07-images
// Content addressing: a blob is named by the sha256 of its bytes, so a download is
// checked against the name it was asked for (and its size) while it streams, never
// against what the server says it sent. A layer is checked twice: the compressed
// blob against the manifest, the uncompressed tar against the config's diff id —
// the name the image's config (and so the image id) is built on.
import { createHash } from 'node:crypto';
const { createReadStream, createWriteStream } = process.getBuiltinModule('node:fs');
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';
import { RuntimeError } from '../../errors.js';
import { tooBig, unpackLayer, type LayerLimits } from '../layer.js';
import type { Descriptor } from '../store.js';
import type { HttpResponse } from './http.js';

/** the algorithm and hex of a digest the store can hold */
export function checkDigest(digest: string): void {
  if (!/^sha256:[a-f0-9]{64}$/.test(digest)) throw new RuntimeError(`Error response from registry: unsupported digest "${digest}" (mydocker stores sha256 only)`);
}

export const sha256 = (b: Buffer | string) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** a response body, at most `max` bytes, whole in memory (manifests, configs) */
export async function readLimited(res: HttpResponse, max: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of res.body) {
    n += (c as Buffer).length;
    if (n > max) throw new RuntimeError(`Error response from registry: ${what} is larger than ${max} bytes`);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

/** a body checked against its descriptor: same size, same digest */
export function verify(body: Buffer, d: Descriptor, what: string): Buffer {
  if (body.length !== d.size || sha256(body) !== d.digest) throw new RuntimeError(`${what} ${d.digest} failed verification: the content does not match its digest and size`);
  return body;
}

/**
 * stream a blob into file, counting and hashing as it goes: more bytes than the
 * descriptor says stops the download at once; a different digest fails it
 */
export async function downloadTo(res: HttpResponse, d: Descriptor, file: string, progress: (n: number) => void): Promise<void> {
  const hash = createHash('sha256');
  let n = 0;
  const count = new Transform({
    transform(chunk: Buffer, _enc, done) {
      n += chunk.length;
      if (n > d.size) return done(new RuntimeError(`filesystem layer verification failed for digest ${d.digest}: more than ${d.size} bytes`));
      hash.update(chunk);
      progress(n);
      done(null, chunk);
    },
  });
  await pipeline(res.body, count, createWriteStream(file, { mode: 0o600 }));
  if (n !== d.size || `sha256:${hash.digest('hex')}` !== d.digest) {
    throw new RuntimeError(`filesystem layer verification failed for digest ${d.digest}`);
  }
}

export type Compression = 'none' | 'gzip' | 'zstd';

/** what a layer blob is compressed with, from its first bytes */
export function compressionOf(head: Buffer): Compression {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  return 'none';
}

/**
 * Big chunks: each one is a round trip through libuv's thread pool (reading, then
 * inflating); at the defaults (64 KiB read, 16 KiB out) a 2 MB layer makes ~150
 */
const CHUNK = 1024 * 1024;

function decompressor(c: Compression): Transform | undefined {
  if (c === 'gzip') return zlib.createGunzip({ chunkSize: CHUNK });
  if (c === 'zstd') {
    const make = (zlib as { createZstdDecompress?: (o: zlib.ZlibOptions) => Transform }).createZstdDecompress;
    if (!make) throw new RuntimeError(`this Node (${process.version}) cannot decompress zstd layers: use Node ≥ 22.15`);
    return make({ chunkSize: CHUNK });
  }
  return undefined;
}

/**
 * unpack a layer blob into dest in one pass, returning its diff id: the file is
 * read once, decompressed once, and each uncompressed byte is hashed (bounded by the
 * layer limit) on its way to the unpacker. dest is only a scratch folder: the caller
 * moves it into the store once the diff id matches the config's.
 */
export async function unpackBlob(file: string, c: Compression, dest: string, limits: LayerLimits): Promise<string> {
  const hash = createHash('sha256');
  let n = 0;
  let head = Buffer.alloc(0);
  const tar = new Transform({
    transform(chunk: Buffer, _enc, done) {
      n += chunk.length;
      if (n > limits.bytes) return done(tooBig(limits));
      if (head.length < 4) {
        // the unpacker would decompress a tar that starts like gzip or zstd once more:
        // then it would unpack other bytes than those the diff id names
        head = Buffer.concat([head, chunk]).subarray(0, 4);
        if (head.length >= 4 && compressionOf(head) !== 'none') return done(new RuntimeError('invalid layer: compressed twice'));
      }
      hash.update(chunk);
      done(null, chunk);
    },
  });
  const d = decompressor(c);
  const read = d ? pipeline(createReadStream(file, { highWaterMark: CHUNK }), d, tar) : pipeline(createReadStream(file, { highWaterMark: CHUNK }), tar);
  read.catch(() => {}); // a failure ends `tar` with it: the unpacker reports it
  try {
    await unpackLayer(tar, dest, limits);
  } catch (e) {
    tar.destroy(); // the unpacker refused an entry: stop reading too
    throw e;
  }
  await read;
  if (!tar.readableEnded) throw new RuntimeError('invalid layer: the unpacker stopped before the end of the layer');
  return `sha256:${hash.digest('hex')}`;
}
