// Chapter 07 — images from registries: pull, push, login, against real registries
// (Debian's docker-registry on 127.0.0.1, fed by skopeo): Docker and OCI manifests,
// a two-platform index, Basic auth, TLS with a test CA, a corrupted blob, a lying
// config, a redirect to another host, and the round trip pull → commit → push → pull.
import t, { type Test } from 'tap';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createNetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mydocker, needsRoot, noLeaks, ownDir, snapshot, tmpRoot, type RunOpts } from '../harness/index.js';
import { busyboxTarball, importBusybox, rawTar } from '../harness/fixtures.js';
import { freePort, ociLayout, skopeo, startRegistry, tokenServer, type Registry, type TokenServer } from '../harness/registry.js';

const before = snapshot();
const ls = (dir: string) => (existsSync(dir) ? readdirSync(dir).sort() : []);
/** what a failed pull must leave as it was */
const storeState = (root: string) => ({
  layers: ls(join(root, 'images', 'layers')),
  blobs: ls(join(root, 'images', 'blobs', 'sha256')),
  tmp: ls(join(root, 'images', 'tmp')),
});
// every command gets a docker config folder of its own, all under one folder the file removes
const dockerConfigs = ownDir(mkdtempSync(join(tmpdir(), 'mydocker-dockercfg-')));
t.teardown(() => rmSync(dockerConfigs, { recursive: true, force: true }));
const dockerConfig = () => mkdtempSync(join(dockerConfigs, 'cfg-'));
const env = (extra: NodeJS.ProcessEnv = {}) => ({ ...process.env, DOCKER_CONFIG: dockerConfig(), ...extra });
const md = (args: string[], root: string, o: RunOpts = {}) => mydocker(args, { root, timeoutMs: 60_000, env: env(), ...o });
const USER = { user: 'tester', password: 'secret-pass' };
const ACCEPT = 'application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json';

let plain: Registry;
let basic: Registry;
let tls: Registry;
let token: Registry;
let tokens: TokenServer;
const servers: Server[] = [];

function test(name: string, fn: (t: Test) => Promise<void>) {
  t.test(name, { skip: needsRoot }, fn);
}

/** the digest of what the registry serves for a reference (the Digest: docker prints) */
async function servedDigest(reg: Registry, repo: string, ref: string): Promise<string> {
  const res = await fetch(`http://${reg.host}/v2/${repo}/manifests/${ref}`, { headers: { Accept: ACCEPT } });
  if (!res.ok) throw new Error(`manifest ${repo}:${ref}: ${res.status}`);
  return `sha256:${createHash('sha256').update(Buffer.from(await res.arrayBuffer())).digest('hex')}`;
}

/** an HTTP server on 127.0.0.1:<free port>, closed at the end */
async function serve(handler: Parameters<typeof createServer>[1]): Promise<number> {
  const port = await freePort();
  const s = createServer(handler);
  servers.push(s);
  await new Promise<void>((r) => s.listen(port, '127.0.0.1', r));
  return port;
}

/** forward a request to a registry; `edit` may change the body of a response */
function forward(target: string, req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, edit?: (body: Buffer) => Buffer, headers: IncomingHttpHeaders = req.headers) {
  const up = httpRequest(`http://${target}${req.url}`, { method: req.method, headers: { ...headers, host: target } }, (r) => {
    const chunks: Buffer[] = [];
    r.on('data', (c) => chunks.push(c));
    r.on('end', () => {
      let body = Buffer.concat(chunks);
      if (edit) body = edit(body);
      const h = { ...r.headers };
      if (h['content-length']) h['content-length'] = String(body.length);
      const wa = h['www-authenticate'];
      void wa;
      res.writeHead(r.statusCode ?? 502, h);
      res.end(body);
    });
  });
  up.on('error', () => res.destroy());
  req.pipe(up);
}

const marker = (arch: string) => rawTar([{ path: 'platform', data: `${arch}\n` }]);

t.before(async () => {
  if (needsRoot) return;
  const bb = busyboxTarball();
  // token auth: anyone may pull public/*; the user may pull and push everything
  tokens = await tokenServer(serve, { [USER.user]: USER.password }, (user, repo, actions) => (user ? actions : repo.startsWith('public/') ? actions.filter((a) => a === 'pull') : []));
  [plain, basic, tls, token] = await Promise.all([startRegistry(), startRegistry({ basic: USER }), startRegistry({ tls: true }), startRegistry({ token: tokens })]);
  const tar = readFileSync(bb);
  const multi = ociLayout(
    [
      { layers: [tar, marker('amd64')], architecture: 'amd64' },
      { layers: [tar, marker('arm64')], architecture: 'arm64', variant: 'v8' },
    ],
    'multi',
  );
  const zstd = ociLayout([{ layers: [tar], architecture: 'amd64', compression: 'zstd' }], 'zstd');
  const liar = ociLayout([{ layers: [tar, marker('liar')], architecture: 'amd64', diffIds: [`sha256:${createHash('sha256').update(tar).digest('hex')}`, `sha256:${'0'.repeat(64)}`] }], 'liar');
  // pushes into one repository go one after the other: docker-registry 2.8 can answer 500
  // when two uploads of the same blob to the same repository race (seen here, under load)
  const inOrder = async (...copies: (() => Promise<void>)[]) => {
    for (const copy of copies) await copy();
  };
  await Promise.all([
    inOrder(
      () => skopeo(['--format', 'v2s2', `tarball:${bb}`, `docker://${plain.host}/bb:v2s2`]),
      () => skopeo(['--format', 'oci', `tarball:${bb}`, `docker://${plain.host}/bb:oci`]),
      () => skopeo(['--all', `oci:${zstd}:zstd`, `docker://${plain.host}/bb:zstd`]),
    ),
    inOrder(
      () => skopeo(['--all', `oci:${multi}:multi`, `docker://${plain.host}/multi:oci`]),
      () => skopeo(['--all', '--format', 'v2s2', `oci:${multi}:multi`, `docker://${plain.host}/multi:list`]),
    ),
    skopeo(['--all', `oci:${liar}:liar`, `docker://${plain.host}/liar:1`]),
    skopeo(['--format', 'v2s2', `tarball:${bb}`, `docker://${basic.host}/private:1`], USER),
    skopeo(['--format', 'oci', `tarball:${bb}`, `docker://${tls.host}/secure:1`]),
    inOrder(
      () => skopeo(['--format', 'v2s2', `tarball:${bb}`, `docker://${token.host}/public/bb:1`], USER),
      () => skopeo(['--format', 'v2s2', `tarball:${bb}`, `docker://${token.host}/private/bb:1`], USER),
    ),
  ]);
});

t.teardown(async () => {
  for (const s of servers) s.closeAllConnections?.(), s.close();
  await Promise.all([plain, basic, tls, token].filter(Boolean).map((r) => r.stop()));
});

test('pull: a Docker v2 schema 2 image and an OCI image, with docker progress lines; run uses it', async (t) => {
  const root = tmpRoot(t);
  const r = await md(['pull', `${plain.host}/bb:v2s2`], root);
  t.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  t.equal(lines[0], 'v2s2: Pulling from bb', "the first line: 'TAG: Pulling from REPO'");
  const layer = /^([0-9a-f]{12}): Pulling fs layer$/.exec(lines[1])?.[1];
  t.ok(layer, `a layer line: ${lines[1]}`);
  t.ok(lines.includes(`${layer}: Download complete`) && lines.includes(`${layer}: Pull complete`), 'Download complete, Pull complete');
  t.ok(lines.indexOf(`${layer}: Verifying Checksum`) < lines.indexOf(`${layer}: Pull complete`), 'verified before complete');
  t.equal(lines.at(-3), `Digest: ${await servedDigest(plain, 'bb', 'v2s2')}`, 'Digest: the sha256 of the manifest the registry serves');
  t.equal(lines.at(-2), `Status: Downloaded newer image for ${plain.host}/bb:v2s2`, 'the Status line: the image was downloaded');
  t.equal(lines.at(-1), `${plain.host}/bb:v2s2`, 'the last line: the full reference');
  t.notMatch(r.stdout, /\x1b\[/, 'plain lines when stdout is not a terminal');

  const oci = await md(['pull', `${plain.host}/bb:oci`], root);
  t.equal(oci.code, 0, oci.stderr);
  t.match(oci.stdout, /: Already exists\n/, 'the same layer blob is not fetched again');
  t.match(oci.stdout, `Digest: ${await servedDigest(plain, 'bb', 'oci')}\n`, 'OCI image: Digest: the sha256 of the manifest the registry serves');

  const again = await md(['pull', `${plain.host}/bb:oci`], root);
  t.match(again.stdout, `Status: Image is up to date for ${plain.host}/bb:oci\n`, 'a second pull: Status: Image is up to date');
  const q = await md(['pull', '-q', `${plain.host}/bb:oci`], root);
  t.equal(q.stdout, `${plain.host}/bb:oci\n`, '-q prints only the reference');

  const images = await md(['images'], root);
  t.match(images.stdout, new RegExp(`${plain.host.replace(/\./g, '\\.')}/bb\\s+v2s2`), 'images lists the pulled image with its tag');
  const run = await md(['run', '--rm', `${plain.host}/bb:v2s2`, 'cat', '/etc/passwd'], root);
  t.match(run.stdout, /^root:x:0:0:/, "the container runs in the pulled image's files");
  const z = await md(['run', '--rm', `${plain.host}/bb:zstd`, 'cat', '/etc/passwd'], root);
  t.equal(z.code, 0, z.stderr);
  t.match(z.stdout, /^root:x:0:0:/, 'a zstd-compressed layer');
  const stored = JSON.parse(readFileSync(join(root, 'images', 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
  t.ok(stored.manifests.some((m) => m.digest === lines.at(-3)!.slice(8)), 'the manifest is stored under the digest the registry serves');
});

test('a two-platform index: the host platform by default, --platform picks the other; by digest too', async (t) => {
  const root = tmpRoot(t);
  for (const tag of ['oci', 'list']) {
    const r = await md(['run', '--rm', `${plain.host}/multi:${tag}`, 'cat', '/platform'], root);
    t.equal(r.code, 0, r.stderr);
    t.equal(r.stdout, 'amd64\n', `${tag}: linux/amd64 chosen`);
    t.match(r.stderr, `Unable to find image '${plain.host}/multi:${tag}' locally`, 'run pulls a missing image (progress on stderr)');
  }
  const arm = await md(['pull', '--platform', 'linux/arm64', `${plain.host}/multi:oci`], root);
  t.equal(arm.code, 0, arm.stderr);
  t.match(arm.stdout, `Digest: ${await servedDigest(plain, 'multi', 'oci')}\n`, "Digest: the index's digest");
  const r = await md(['run', '--rm', `${plain.host}/multi:oci`, 'cat', '/platform'], root);
  t.equal(r.stdout, 'arm64\n', '--platform linux/arm64: the arm64 image is what the tag now names');
  const digest = await servedDigest(plain, 'multi', 'list');
  const byDigest = await md(['run', '--rm', '--pull', 'always', `${plain.host}/multi@${digest}`, 'cat', '/platform'], root);
  t.equal(byDigest.code, 0, byDigest.stderr);
  t.equal(byDigest.stdout, 'amd64\n', 'NAME@DIGEST of an index');
  const none = await md(['pull', '--platform', 'linux/s390x', `${plain.host}/multi:oci`], root);
  t.equal(none.code, 125, 'no image for linux/s390x: exit 125');
  t.match(none.stderr, /no matching manifest for linux\/s390x/, 'the error names the platform that has no manifest');
});

test('run --pull never / missing / always', async (t) => {
  const root = tmpRoot(t);
  const never = await md(['run', '--rm', '--pull', 'never', `${plain.host}/bb:oci`, 'true'], root);
  t.equal(never.code, 125, 'never: a missing image is an error');
  t.same(storeState(root).blobs, [], 'never: nothing fetched');
  const missing = await md(['run', '--rm', `${plain.host}/bb:oci`, 'true'], root);
  t.equal(missing.code, 0, missing.stderr);
  const again = await md(['run', '--rm', `${plain.host}/bb:oci`, 'true'], root);
  t.notMatch(again.stderr, /Pulling/, 'missing: a present image is not pulled');
  const always = await md(['run', '--rm', '--pull', 'always', `${plain.host}/bb:oci`, 'true'], root);
  t.match(always.stderr, /Image is up to date/, 'always: asks the registry every time');
  const bad = await md(['run', '--rm', '--pull', 'sometimes', `${plain.host}/bb:oci`, 'true'], root);
  t.equal(bad.code, 125, '--pull sometimes: exit 125');
});

test('errors: unknown image, unknown registry, bad reference — exit 125, one line', async (t) => {
  const root = tmpRoot(t);
  const unknown = await md(['pull', `${plain.host}/nothing:here`], root);
  t.equal(unknown.code, 125, 'an unknown image: exit 125');
  t.match(unknown.stderr, /^mydocker: Error response from registry: manifest for .*nothing:here not found/m, "docker's error for a manifest the registry does not have");
  const port = await freePort();
  const down = await md(['pull', `127.0.0.1:${port}/x:1`], root);
  t.equal(down.code, 125, 'a registry that is not there: exit 125');
  t.match(down.stderr, /Error response from registry/, 'the error says the registry did not answer');
  const ref = await md(['pull', 'UPPER/Case'], root);
  t.equal(ref.code, 125, 'a bad reference: exit 125');
  t.match(ref.stderr, /invalid reference format/, "docker's error for a reference it cannot parse");
  t.same(storeState(root), { layers: [], blobs: [], tmp: [] }, 'nothing stored');
});

test('a registry that accepts and never answers, or stalls mid-body: exit 125 in bounded time, one line naming it, nothing stored', async (t) => {
  const root = tmpRoot(t);
  const limit = 500; // MYDOCKER_REGISTRY_TIMEOUT_MS: every timeout (connect, headers, idle) this short
  const e = env({ MYDOCKER_REGISTRY_TIMEOUT_MS: String(limit) });
  // a bounded pull: a runtime without timeouts is killed by the harness after 20 s (the test then fails)
  const pull = async (name: string) => {
    const started = Date.now();
    const r = await md(['pull', name], root, { env: e, timeoutMs: 20_000 }).catch((err: Error) => ({ code: null, stdout: '', stderr: err.message }));
    return { ...r, seconds: (Date.now() - started) / 1000 };
  };

  // 1. accepts the connection, reads nothing, answers nothing
  const sockets: Socket[] = [];
  const silent = createNetServer((s) => sockets.push(s.on('error', () => {})));
  const port = await freePort();
  await new Promise<void>((r) => silent.listen(port, '127.0.0.1', r));
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    silent.close();
  });
  const hung = await pull(`127.0.0.1:${port}/x`);
  const cmd = `mydocker pull 127.0.0.1:${port}/x (MYDOCKER_REGISTRY_TIMEOUT_MS=${limit})`;
  t.equal(hung.code, 125, `${cmd}: expected exit 125, got ${hung.code} (stderr: ${hung.stderr.trim()})`);
  t.ok(hung.seconds < 15, `${cmd}: expected to give up within 15 s, took ${hung.seconds} s`);
  const lines = hung.stderr.split('\n').filter(Boolean);
  t.equal(lines.length, 1, `${cmd}: expected one line on stderr, got ${JSON.stringify(hung.stderr)}`);
  t.match(hung.stderr, `127.0.0.1:${port}`, `${cmd}: expected the error to name the registry 127.0.0.1:${port}, got ${JSON.stringify(hung.stderr)}`);
  t.same(storeState(root), { layers: [], blobs: [], tmp: [] }, `${cmd}: expected nothing in the store (no blob, no layer, no scratch)`);

  // 2. a real registry behind a proxy that sends a layer blob's headers and half its body, then nothing
  const manifest = JSON.parse(Buffer.from(await (await fetch(`http://${plain.host}/v2/bb/manifests/oci`, { headers: { Accept: ACCEPT } })).arrayBuffer()).toString()) as { layers: { digest: string; size: number }[] };
  const layer = manifest.layers[0];
  const stalled: import('node:http').ServerResponse[] = [];
  const proxy = await serve((req, res) => {
    if (req.method === 'GET' && req.url?.endsWith(layer.digest)) {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(layer.size) });
      res.write(Buffer.alloc(Math.min(4096, layer.size >> 1)));
      stalled.push(res); // and never another byte
      return;
    }
    forward(plain.host, req, res);
  });
  t.teardown(() => stalled.forEach((r) => r.destroy()));
  const mid = await pull(`127.0.0.1:${proxy}/bb:oci`);
  const cmd2 = `mydocker pull 127.0.0.1:${proxy}/bb:oci (the layer's body stops after 4 KiB; MYDOCKER_REGISTRY_TIMEOUT_MS=${limit})`;
  t.ok(stalled.length >= 1, `${cmd2}: expected the layer to be asked for, it was not (stderr: ${mid.stderr.trim()})`);
  t.equal(mid.code, 125, `${cmd2}: expected exit 125, got ${mid.code} (stderr: ${mid.stderr.trim()})`);
  t.ok(mid.seconds < 15, `${cmd2}: expected to give up within 15 s, took ${mid.seconds} s`);
  t.equal(mid.stderr.split('\n').filter(Boolean).length, 1, `${cmd2}: expected one line on stderr, got ${JSON.stringify(mid.stderr)}`);
  t.match(mid.stderr, `127.0.0.1:${proxy}`, `${cmd2}: expected the error to name the registry, got ${JSON.stringify(mid.stderr)}`);
  t.same(storeState(root), { layers: [], blobs: [], tmp: [] }, `${cmd2}: expected no partial blob, no layer, no scratch left`);
  const images = await md(['images', '-q'], root);
  t.equal(images.stdout, '', `${cmd2}: expected no image (no tag) afterwards, \`images -q\` printed ${JSON.stringify(images.stdout)}`);
});

test('a corrupted blob fails the pull, and nothing is stored', async (t) => {
  const root = tmpRoot(t);
  // a proxy that flips one byte of every layer blob (the manifest and config pass untouched)
  const manifest = JSON.parse(Buffer.from(await (await fetch(`http://${plain.host}/v2/bb/manifests/oci`, { headers: { Accept: ACCEPT } })).arrayBuffer()).toString()) as { layers: { digest: string }[] };
  const layer = manifest.layers[0].digest;
  const port = await serve((req, res) =>
    forward(plain.host, req, res, req.url?.endsWith(layer) && req.method === 'GET' ? (b) => (b[b.length >> 1] ^= 0xff, b) : undefined),
  );
  const r = await md(['pull', `127.0.0.1:${port}/bb:oci`], root);
  t.equal(r.code, 125, 'the pull fails');
  t.match(r.stderr, new RegExp(layer.slice(7)), 'naming the blob');
  t.same(storeState(root), { layers: [], blobs: [], tmp: [] }, 'no blob, no layer, no scratch left');
  const images = await md(['images', '-q'], root);
  t.equal(images.stdout, '', 'no image');
});

test("a config whose diff id does not match the layer's content fails the pull", async (t) => {
  const root = tmpRoot(t);
  const r = await md(['pull', `${plain.host}/liar:1`], root);
  t.equal(r.code, 125, 'the pull fails');
  t.equal((await md(['images', '-q'], root)).stdout, '', 'no image');
  t.same(storeState(root).tmp, [], 'no scratch left');
  t.notOk(storeState(root).blobs.length > 1, 'no manifest or config stored');
});

test('Basic auth: refused without login; login writes config.json as docker does; logout', async (t) => {
  const root = tmpRoot(t);
  const cfg = dockerConfig();
  const e = env({ DOCKER_CONFIG: cfg });
  const anon = await md(['pull', `${basic.host}/private:1`], root, { env: e });
  t.equal(anon.code, 125, 'without login: exit 125');
  t.match(anon.stderr, /Error response from registry: .*(unauthorized|denied)/, "the registry's refusal, as docker words it");
  const wrong = await md(['login', '-u', USER.user, '--password-stdin', basic.host], root, { env: e, input: 'nope\n' });
  t.equal(wrong.code, 125, 'a wrong password is refused');
  t.notOk(existsSync(join(cfg, 'config.json')), 'and not stored');
  const login = await md(['login', '-u', USER.user, '--password-stdin', basic.host], root, { env: e, input: `${USER.password}\n` });
  t.equal(login.code, 0, login.stderr);
  t.match(login.stdout, 'Login Succeeded', 'login prints Login Succeeded');
  const config = JSON.parse(readFileSync(join(cfg, 'config.json'), 'utf8'));
  t.same(config.auths[basic.host], { auth: Buffer.from(`${USER.user}:${USER.password}`).toString('base64') }, 'auths.<registry>.auth: base64 of user:password');
  const pull = await md(['pull', `${basic.host}/private:1`], root, { env: e });
  t.equal(pull.code, 0, pull.stderr);
  const logout = await md(['logout', basic.host], root, { env: e });
  t.equal(logout.code, 0, 'logout: exit 0');
  t.notOk(JSON.parse(readFileSync(join(cfg, 'config.json'), 'utf8')).auths?.[basic.host], 'logout removes the entry');
});

test('token auth: an anonymous token per scope, refused without access, a token for the logged-in user', async (t) => {
  const root = tmpRoot(t);
  const cfg = dockerConfig();
  const e = env({ DOCKER_CONFIG: cfg });
  tokens.requests.length = 0;
  const pub = await md(['pull', `${token.host}/public/bb:1`], root, { env: e });
  t.equal(pub.code, 0, pub.stderr);
  const scope = 'repository:public/bb:pull';
  t.same(tokens.requests.filter((r) => r.scope.includes(scope)).map((r) => r.user), [undefined], 'one anonymous token for the scope, reused for every request');
  const denied = await md(['pull', `${token.host}/private/bb:1`], root, { env: e });
  t.equal(denied.code, 125, 'a token without access: refused');
  t.match(denied.stderr, /Error response from registry: .*(denied|unauthorized)/, "the registry's refusal, as docker words it");
  const login = await md(['login', '-u', USER.user, '--password-stdin', token.host], root, { env: e, input: USER.password });
  t.equal(login.code, 0, login.stderr);
  tokens.requests.length = 0;
  const priv = await md(['pull', `${token.host}/private/bb:1`], root, { env: e });
  t.equal(priv.code, 0, priv.stderr);
  t.ok(tokens.requests.some((r) => r.user === USER.user && r.scope.includes('repository:private/bb:pull')), 'the token was asked for as the user');
});

test("a redirect to another host does not carry the registry's Authorization", async (t) => {
  const root = tmpRoot(t);
  const seen: (string | undefined)[] = [];
  // "blob storage": another origin, which fetches the blob from the registry itself
  const storage = await serve((req, res) => {
    seen.push(req.headers.authorization);
    const auth = `Basic ${Buffer.from(`${USER.user}:${USER.password}`).toString('base64')}`;
    forward(basic.host, req, res, undefined, { ...req.headers, authorization: auth });
  });
  const front = await serve((req, res) => {
    if (req.method === 'GET' && /\/blobs\/sha256:/.test(req.url ?? '') && req.headers.authorization) {
      res.writeHead(307, { Location: `http://127.0.0.1:${storage}${req.url}` });
      return res.end();
    }
    forward(basic.host, req, res);
  });
  const cfg = dockerConfig();
  const e = env({ DOCKER_CONFIG: cfg });
  const login = await md(['login', '-u', USER.user, '-p', USER.password, `127.0.0.1:${front}`], root, { env: e });
  t.equal(login.code, 0, login.stderr);
  const r = await md(['pull', `127.0.0.1:${front}/private:1`], root, { env: e });
  t.equal(r.code, 0, r.stderr);
  t.ok(seen.length >= 2, 'the blobs came from the other host');
  t.same(seen.filter(Boolean), [], 'no Authorization header reached it');
});

test('TLS: a registry with a certificate of an unknown CA is refused; with the CA trusted it works', async (t) => {
  const root = tmpRoot(t);
  const untrusted = await md(['pull', `${tls.host}/secure:1`], root);
  t.equal(untrusted.code, 125, 'unknown CA: refused (no fall back to plain HTTP)');
  t.match(untrusted.stderr, /Error response from registry: .*(certificate|self.signed|issuer)/i, 'the error names the certificate problem');
  const r = await md(['pull', `${tls.host}/secure:1`], root, { env: env({ MYDOCKER_EXTRA_CA_CERTS: tls.ca }) });
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /Status: Downloaded newer image/, 'with the CA trusted: the image is pulled');
});

test('two pulls of the same image at once both succeed', async (t) => {
  const root = tmpRoot(t);
  const [a, b] = await Promise.all([md(['pull', `${plain.host}/multi:oci`], root), md(['pull', `${plain.host}/multi:oci`], root)]);
  t.equal(a.code, 0, a.stderr);
  t.equal(b.code, 0, b.stderr);
  t.equal(a.stdout.trim().split('\n').at(-1), `${plain.host}/multi:oci`, "the first pull's last line is the full reference");
  const images = await md(['images', '-q'], root);
  t.equal(images.stdout.trim().split('\n').length, 1, 'one image');
  t.same(storeState(root).tmp, [], 'no scratch left');
});

test('round trip: pull → run → commit → push → rmi → pull → run', async (t) => {
  const root = tmpRoot(t);
  const name = `${plain.host}/trip:1`;
  const c = `trip-${process.pid}`;
  const run = await md(['run', '--name', c, `${plain.host}/bb:v2s2`, 'sh', '-c', 'echo round-trip > /made-here'], root);
  t.equal(run.code, 0, run.stderr);
  const commit = await md(['commit', c, name], root);
  t.equal(commit.code, 0, commit.stderr);
  const push = await md(['push', name], root);
  t.equal(push.code, 0, push.stderr);
  t.match(push.stdout, `The push refers to repository [${plain.host}/trip]`, 'push names the repository it pushes to');
  const pushed = /^1: digest: (sha256:[0-9a-f]{64}) size: \d+$/m.exec(push.stdout)?.[1];
  t.ok(pushed, 'TAG: digest: … size: …');
  t.equal(pushed, await servedDigest(plain, 'trip', '1'), 'the registry serves the manifest under the printed digest');
  const again = await md(['push', name], root);
  t.match(again.stdout, /Layer already exists/, 'a second push uploads nothing');
  t.equal((await md(['rmi', name], root)).code, 0, 'rmi of the pushed image: exit 0');
  const fresh = tmpRoot(t);
  const pull = await md(['pull', name], fresh);
  t.equal(pull.code, 0, pull.stderr);
  const out = await md(['run', '--rm', name, 'cat', '/made-here'], fresh);
  t.equal(out.stdout, 'round-trip\n', "the committed layer came back from the registry");
  const tag = await md(['tag', name, 'local/copy:2'], fresh);
  t.equal(tag.code, 0, tag.stderr);
  const ids = await Promise.all([name, 'local/copy:2'].map((n) => md(['images', '-q', n], fresh)));
  t.equal(ids[0].stdout, ids[1].stdout, 'tag names the same image');
  t.match(ids[0].stdout, /^[0-9a-f]{12}\n$/, 'images -q prints a short id: twelve hex digits');
});

// --platform with an image already here: the image's own config must say that platform
// (an imported busybox says the host's); a platform string nobody builds for is refused
test('run --platform with a local image: a known os/arch, and the image\'s own', async (t) => {
  const root = tmpRoot(t);
  t.equal((await importBusybox(root, 'plat')).code, 0, 'import busybox as plat');
  const host = `linux/${{ x64: 'amd64', arm64: 'arm64' }[process.arch as string] ?? process.arch}`;
  const ok = await md(['run', '--rm', '--platform', host, 'plat', 'true'], root);
  t.equal(ok.code, 0, `run --rm --platform ${host} plat true: expected 0, got ${ok.code} ${ok.stderr}`);
  const other = host === 'linux/s390x' ? 'linux/amd64' : 'linux/s390x';
  for (const [platform, want] of [
    ['linux/nonsense', /^mydocker: "linux\/nonsense": unknown operating system or architecture/],
    ['nonsense/amd64', /unknown operating system or architecture/],
    [other, new RegExp(`^mydocker: image with reference plat:latest was found but does not match the specified platform: wanted ${other.replace('/', '\\/')}, actual: ${host.replace('/', '\\/')}\n$`)],
  ] as const) {
    const r = await md(['run', '--platform', platform, 'plat', 'true'], root);
    t.equal(r.code, 125, `run --platform ${platform} plat true: expected 125, got ${r.code}`);
    t.match(r.stderr, /^[^\n]*\n$/, `run --platform ${platform} plat true: expected one line on stderr, got ${JSON.stringify(r.stderr)}`);
    t.match(r.stderr, want, `run --platform ${platform} plat true: expected ${want}, got ${JSON.stringify(r.stderr)}`);
  }
  const ps = await md(['ps', '-aq'], root);
  t.equal(ps.stdout, '', `ps -aq after the refused runs: expected no container, got ${JSON.stringify(ps.stdout)}`);
});

noLeaks(t, before);
