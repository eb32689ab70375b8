// Unit tests (no root): the pure parts of chapter 07's registry client — how a name
// becomes a registry and a repository (docker.io normalisation), which image of an
// index docker picks, WWW-Authenticate challenges, docker's plain-HTTP rule, the
// manifest kinds (schema 1 refused), where credentials are stored.
import t from 'tap';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseChallenge } from '../../src/image/registry/client.js';
import { authKey, credentialsFor, removeCredentials, storeCredentials } from '../../src/image/registry/credentials.js';
import { allowsPlainHttp, apiHost } from '../../src/image/registry/endpoint.js';
import { choosePlatform, normalizePlatform, parseManifest, parsePlatform, type ManifestIndex } from '../../src/image/registry/manifest.js';
import { pullReference } from '../../src/image/registry/local.js';

const D = (c: string) => `sha256:${c.repeat(64)}`;

t.test('docker.io normalisation: the registry, the repository, the default tag', async (t) => {
  const cases: [string, string, string, string, string?][] = [
    // input, domain, API host, path, tag
    ['busybox', 'docker.io', 'registry-1.docker.io', 'library/busybox', 'latest'],
    ['busybox:1.36', 'docker.io', 'registry-1.docker.io', 'library/busybox', '1.36'],
    ['docker.io/library/busybox', 'docker.io', 'registry-1.docker.io', 'library/busybox', 'latest'],
    ['index.docker.io/user/app:v1', 'docker.io', 'registry-1.docker.io', 'user/app', 'v1'],
    ['user/app', 'docker.io', 'registry-1.docker.io', 'user/app', 'latest'],
    ['localhost/app', 'localhost', 'localhost', 'app', 'latest'],
    ['localhost:5000/app:2', 'localhost:5000', 'localhost:5000', 'app', '2'],
    ['127.0.0.1:5000/a/b/c', '127.0.0.1:5000', '127.0.0.1:5000', 'a/b/c', 'latest'],
    ['quay.io/org/img', 'quay.io', 'quay.io', 'org/img', 'latest'],
  ];
  for (const [input, domain, host, path, tag] of cases) {
    const r = pullReference(input);
    t.same([r.domain, apiHost(r.domain), r.path, r.tag], [domain, host, path, tag], input);
  }
  const byDigest = pullReference(`busybox@${D('a')}`);
  t.equal(byDigest.tag, undefined, 'a digest reference gets no default tag');
  t.equal(byDigest.digest, D('a'));
  t.throws(() => pullReference('Busybox'), { status: 125, message: /invalid reference format/ });
  t.throws(() => pullReference('a:b:c'), { status: 125, message: /invalid reference format/ });
});

t.test('platform choice: os, architecture, best variant; first match wins', async (t) => {
  const index: ManifestIndex = {
    schemaVersion: 2,
    manifests: [
      { mediaType: 'm', digest: D('1'), size: 1, platform: { os: 'linux', architecture: 'arm', variant: 'v6' } },
      { mediaType: 'm', digest: D('2'), size: 1, platform: { os: 'linux', architecture: 'arm', variant: 'v7' } },
      { mediaType: 'm', digest: D('3'), size: 1, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
      { mediaType: 'm', digest: D('4'), size: 1, platform: { os: 'windows', architecture: 'amd64' } },
      { mediaType: 'm', digest: D('5'), size: 1, platform: { os: 'linux', architecture: 'amd64' } },
      { mediaType: 'm', digest: D('6'), size: 1, platform: { os: 'linux', architecture: 'amd64' } },
      { mediaType: 'm', digest: D('7'), size: 1 },
    ],
  };
  const pick = (p: string) => choosePlatform(index, parsePlatform(p), 'x').digest;
  t.equal(pick('linux/amd64'), D('5'), 'linux/amd64: the first linux one, not windows');
  t.equal(pick('linux/arm64'), D('3'), 'arm64 is arm64/v8');
  t.equal(pick('linux/arm64/v8'), D('3'));
  t.equal(pick('linux/arm/v7'), D('2'), 'arm/v7 prefers v7');
  t.equal(pick('linux/arm/v6'), D('1'), 'arm/v6 cannot run v7');
  t.equal(pick('linux/arm/v8'), D('2'), 'arm/v8 runs v7 best here');
  t.throws(() => pick('linux/s390x'), { message: /no matching manifest for linux\/s390x/ });
  t.same(normalizePlatform({ os: 'Linux', architecture: 'x86_64' }), { os: 'linux', architecture: 'amd64' });
  t.same(normalizePlatform({ os: 'linux', architecture: 'aarch64' }), { os: 'linux', architecture: 'arm64', variant: 'v8' });
  t.throws(() => parsePlatform('linux'), { message: /unknown operating system or architecture/ });
  for (const bad of ['linux/nonsense', 'nonsense/amd64', 'linux/amd64/v2/x'])
    t.throws(() => parsePlatform(bad), { message: `"${bad}": unknown operating system or architecture: invalid argument` }, `parsePlatform("${bad}") refused`);
  t.same(parsePlatform('linux/x86_64'), { os: 'linux', architecture: 'amd64' }, 'an alias of a known architecture is known');
});

t.test('WWW-Authenticate challenges', async (t) => {
  t.same(parseChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/busybox:pull"'), {
    scheme: 'bearer',
    params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/busybox:pull' },
  });
  t.same(parseChallenge('Basic realm="Registry Realm"'), { scheme: 'basic', params: { realm: 'Registry Realm' } });
  t.same(parseChallenge('Bearer realm="a\\"b", service=svc'), { scheme: 'bearer', params: { realm: 'a"b', service: 'svc' } }, 'quoted escapes, bare values');
});

t.test("plain HTTP only on loopback or for registries listed as insecure (docker's rule)", async (t) => {
  for (const h of ['localhost', 'localhost:5000', '127.0.0.1:5000', '127.8.9.10', '[::1]:5000']) t.ok(allowsPlainHttp(h, ''), h);
  for (const h of ['registry-1.docker.io', '10.0.0.1:5000', 'localhost.example.com', '128.0.0.1']) t.notOk(allowsPlainHttp(h, ''), h);
  t.ok(allowsPlainHttp('10.1.2.3:5000', '10.0.0.0/8'), 'a CIDR');
  t.ok(allowsPlainHttp('myreg:5000', 'other, myreg:5000'), 'host:port');
  t.notOk(allowsPlainHttp('myreg:5001', 'myreg:5000'), 'another port is not listed');
});

t.test('manifest kinds: by Content-Type or mediaType; schema 1 refused', async (t) => {
  const m = Buffer.from(JSON.stringify({ schemaVersion: 2, config: { digest: D('a'), size: 1 }, layers: [] }));
  t.equal(parseManifest(m, 'application/vnd.docker.distribution.manifest.v2+json', 'x').kind, 'manifest');
  const i = Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [] }));
  t.equal(parseManifest(i, 'application/vnd.oci.image.index.v1+json', 'x').kind, 'index');
  t.equal(parseManifest(i, null, 'x').kind, 'index', 'an index without a type');
  const s1 = Buffer.from(JSON.stringify({ schemaVersion: 1, name: 'x', fsLayers: [] }));
  t.throws(() => parseManifest(s1, 'application/vnd.docker.distribution.manifest.v1+prettyjws', 'x'), { message: /schema 1 support has been removed/ });
});

t.test('credentials: config.json as docker writes it, under DOCKER_CONFIG', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mydocker-unit-cfg-'));
  t.teardown(() => import('node:fs').then((fs) => fs.rmSync(dir, { recursive: true, force: true })));
  const env = { DOCKER_CONFIG: dir };
  t.equal(authKey('docker.io'), 'https://index.docker.io/v1/', "Docker Hub's key");
  storeCredentials('docker.io', { username: 'u', password: 'p:w' }, env);
  storeCredentials('localhost:5000', { username: 'a', password: 'b' }, env);
  const file = join(dir, 'config.json');
  t.same(JSON.parse(readFileSync(file, 'utf8')).auths, {
    'https://index.docker.io/v1/': { auth: Buffer.from('u:p:w').toString('base64') },
    'localhost:5000': { auth: Buffer.from('a:b').toString('base64') },
  });
  t.equal(statSync(file).mode & 0o777, 0o600, 'readable by its owner only');
  t.same(credentialsFor('docker.io', env), { username: 'u', password: 'p:w' }, 'a colon in the password survives');
  t.same(credentialsFor('localhost:5000', env), { username: 'a', password: 'b' });
  t.ok(removeCredentials('localhost:5000', env));
  t.notOk(removeCredentials('localhost:5000', env), 'twice: not logged in');
  t.equal(credentialsFor('localhost:5000', env), undefined);
});
