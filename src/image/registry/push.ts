// chapter: 07-images step 7.6
// `push`: each layer blob the registry lacks (HEAD says 404) is uploaded in one
// piece (POST /blobs/uploads/ → Location, PUT Location?digest=…), then the config,
// then the manifest exactly as stored, so its digest stays the image's.
const { createReadStream, readFileSync, statSync } = process.getBuiltinModule('node:fs');
import { RuntimeError } from '../../errors.js';
import { familiarName } from '../reference.js';
import { hex, openImageStore, type Descriptor, type Manifest } from '../store.js';
import { Registry, registryError } from './client.js';
import type { Credentials } from './credentials.js';
import { pullReference } from './local.js';
import { Progress } from './progress.js';

/** credentials: the client's (the daemon's X-Registry-Auth); none: the stored ones (login's) */
export async function pushImage(root: string, name: string, out: NodeJS.WritableStream, quiet = false, credentials?: Credentials): Promise<string> {
  const ref = pullReference(name);
  if (ref.digest) throw new RuntimeError(`cannot push a digest reference: ${name}`);
  const tag = `${familiarName(ref)}:${ref.tag}`;
  const store = openImageStore(root);
  const image = store.find(tag);
  if (!image) throw new RuntimeError(`An image does not exist locally with the tag: ${familiarName(ref)}`);
  const p = new Progress(out, quiet);
  p.line(`The push refers to repository [${ref.domain}/${ref.path}]`);
  const registry = new Registry(ref.domain, credentials);
  const scope = `repository:${ref.path}:pull,push`;
  const manifestBody = readFileSync(store.blob(image.manifest.digest));
  const manifest = JSON.parse(manifestBody.toString('utf8')) as Manifest;
  const layers = [...manifest.layers].reverse(); // docker lists the top layer first
  for (const l of layers) p.layer(hex(l.digest).slice(0, 12), 'Preparing');
  for (const l of layers) {
    const id = hex(l.digest).slice(0, 12);
    if (await pushBlob(registry, ref.path, scope, l, store.blob(l.digest), () => p.layer(id, 'Pushing'))) p.layer(id, 'Pushed');
    else p.layer(id, 'Layer already exists');
  }
  await pushBlob(registry, ref.path, scope, manifest.config, store.blob(manifest.config.digest), () => {});
  const res = await registry.request(`${ref.path}/manifests/${ref.tag}`, scope, {
    method: 'PUT',
    headers: { 'Content-Type': image.manifest.mediaType },
    body: manifestBody,
  });
  if (!res.ok) throw await registryError(res, `pushing the manifest of ${familiarName(ref)}:${ref.tag}`);
  res.discard();
  out.write(`${ref.tag}: digest: ${image.manifest.digest} size: ${manifestBody.length}\n`);
  return image.manifest.digest;
}

/** upload one blob unless the registry has it; true when it was uploaded */
async function pushBlob(registry: Registry, repo: string, scope: string, d: Descriptor, file: string, starting: () => void): Promise<boolean> {
  const head = await registry.request(`${repo}/blobs/${d.digest}`, scope, { method: 'HEAD' });
  head.discard();
  if (head.ok) return false;
  if (head.status !== 404) throw await registryError(head, `checking blob ${d.digest}`);
  if (statSync(file).size !== d.size) throw new RuntimeError(`blob ${d.digest} in the store is not ${d.size} bytes: the store is damaged`);
  starting();
  const start = await registry.request(`${repo}/blobs/uploads/`, scope, { method: 'POST' });
  start.discard();
  const location = start.headers.get('location');
  if (start.status !== 202 || !location) throw await registryError(start, `starting the upload of ${d.digest}`);
  const url = new URL(location, `${await registry.ping()}/v2/${repo}/blobs/uploads/`);
  url.searchParams.set('digest', d.digest);
  const put = await registry.request(url.href, scope, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(d.size) },
    body: () => createReadStream(file),
  });
  put.discard();
  if (put.status !== 201) throw await registryError(put, `uploading ${d.digest}`);
  return true;
}
