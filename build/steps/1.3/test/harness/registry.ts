// Real registries for the chapter 07 tests: Debian's docker-registry (distribution
// 2.8) on 127.0.0.1:<free port>, each with its own config and storage under a
// test-owned folder, stopped when the test file ends (and killed by pid if it
// outlives its time). Images go in with skopeo, never with the code under test.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, createSign, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync, zstdCompressSync } from 'node:zlib';
import { ownDir, sleep } from './index.js';

export interface Registry {
  /** host:port */
  host: string;
  port: number;
  dir: string;
  /** the test CA's certificate (TLS registries) */
  ca?: string;
  stop(): Promise<void>;
}

export interface RegistryOptions {
  /** htpasswd Basic authentication for this user:password */
  basic?: { user: string; password: string };
  /** serve HTTPS with a certificate of a CA made for it */
  tls?: boolean;
  /** token authentication: tokens from this realm, signed by the key whose certificate is given */
  token?: { realm: string; service: string; issuer: string; cert: string };
  /** kill it after this long whatever happens (default 5 min) */
  lifetimeMs?: number;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitListening(port: number, child: ChildProcess, log: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited (${child.exitCode}): ${readFileSync(log, 'utf8').slice(-1000)}`);
    const ok = await new Promise<boolean>((r) => {
      const c = connect(port, '127.0.0.1', () => (c.destroy(), r(true)));
      c.on('error', () => r(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`docker-registry did not listen on ${port} within 10 s`);
}

/** a test CA and a server certificate for 127.0.0.1 and localhost, made by openssl */
function makeCerts(dir: string): { ca: string; cert: string; key: string } {
  const f = (n: string) => join(dir, n);
  const ssl = (...a: string[]) => execFileSync('openssl', a, { stdio: ['ignore', 'ignore', 'pipe'] });
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.crt'), '-days', '2', '-subj', '/CN=mydocker test CA');
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('server.key'), '-out', f('server.csr'), '-subj', '/CN=127.0.0.1');
  writeFileSync(f('ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
  ssl('x509', '-req', '-in', f('server.csr'), '-CA', f('ca.crt'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('server.crt'), '-days', '2', '-extfile', f('ext.cnf'));
  return { ca: f('ca.crt'), cert: f('server.crt'), key: f('server.key') };
}

export async function startRegistry(o: RegistryOptions = {}): Promise<Registry> {
  const dir = ownDir(mkdtempSync(join(tmpdir(), 'mydocker-registry-')));
  const port = await freePort();
  const lines = ['version: 0.1', 'log:', '  level: error', 'storage:', '  filesystem:', `    rootdirectory: ${join(dir, 'data')}`, '  delete:', '    enabled: true', 'http:', `  addr: 127.0.0.1:${port}`, `  secret: ${createHash('sha256').update(dir).digest('hex')}`];
  let ca: string | undefined;
  if (o.tls) {
    const certs = makeCerts(dir);
    ca = certs.ca;
    lines.push('  tls:', `    certificate: ${certs.cert}`, `    key: ${certs.key}`);
  }
  if (o.basic) {
    const hash = execFileSync('htpasswd', ['-nbB', o.basic.user, o.basic.password], { encoding: 'utf8' }).trim();
    writeFileSync(join(dir, 'htpasswd'), `${hash}\n`);
    lines.push('auth:', '  htpasswd:', '    realm: mydocker-test', `    path: ${join(dir, 'htpasswd')}`);
  }
  if (o.token) {
    lines.push('auth:', '  token:', `    realm: ${o.token.realm}`, `    service: ${o.token.service}`, `    issuer: ${o.token.issuer}`, `    rootcertbundle: ${o.token.cert}`);
  }
  mkdirSync(join(dir, 'data'));
  writeFileSync(join(dir, 'config.yml'), `${lines.join('\n')}\n`);
  const log = join(dir, 'registry.log');
  const out = (await import('node:fs')).openSync(log, 'a');
  const child = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: ['ignore', out, out] });
  const kill = () => {
    try {
      process.kill(child.pid!, 'SIGKILL');
    } catch {
      // gone
    }
  };
  // bounded lifetime: a registry never outlives its test file
  const timer = setTimeout(kill, o.lifetimeMs ?? 5 * 60_000);
  timer.unref();
  process.on('exit', kill);
  await waitListening(port, child, log);
  return {
    host: `127.0.0.1:${port}`,
    port,
    dir,
    ca,
    async stop() {
      clearTimeout(timer);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(3000)]);
      kill();
    },
  };
}

/**
 * skopeo copy into a registry (plain HTTP or a test CA: no verification needed for
 * fixtures). Asynchronous: a token server of this process must be able to answer it.
 */
export function skopeo(args: string[], creds?: { user: string; password: string }): Promise<void> {
  const auth = creds ? ['--dest-creds', `${creds.user}:${creds.password}`] : [];
  return new Promise((resolve, reject) => {
    execFile('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', ...auth, ...args], { timeout: 120_000 }, (e, _out, err) =>
      e ? reject(new Error(`skopeo copy ${args.join(' ')}: ${err || e.message}`)) : resolve(),
    );
  });
}

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

export interface LayoutImage {
  /** layer tarballs (plain tar), lowest first */
  layers: Buffer[];
  architecture: string;
  variant?: string;
  /** replace the config's diff ids (a lying config) */
  diffIds?: string[];
  /** how the layer blobs are compressed (default gzip) */
  compression?: 'gzip' | 'zstd';
}

/**
 * an OCI image layout written by hand (blobs, manifests, one index with a platform
 * per image), for `skopeo copy --all oci:DIR:TAG docker://…`
 */
export function ociLayout(images: LayoutImage[], tag: string): string {
  const dir = ownDir(mkdtempSync(join(tmpdir(), 'mydocker-layout-')));
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  const put = (b: Buffer | string) => {
    const h = sha(b);
    writeFileSync(join(dir, 'blobs', 'sha256', h), b);
    return { digest: `sha256:${h}`, size: Buffer.byteLength(b) };
  };
  const manifests = images.map((img) => {
    const zstd = img.compression === 'zstd';
    const gz = img.layers.map((l) => (zstd ? zstdCompressSync(l) : gzipSync(l)));
    const config = JSON.stringify({
      architecture: img.architecture,
      ...(img.variant ? { variant: img.variant } : {}),
      os: 'linux',
      config: { Cmd: ['/bin/sh'] },
      rootfs: { type: 'layers', diff_ids: img.diffIds ?? img.layers.map((l) => `sha256:${sha(l)}`) },
    });
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...put(config) },
      layers: gz.map((g) => ({ mediaType: `application/vnd.oci.image.layer.v1.tar+${zstd ? 'zstd' : 'gzip'}`, ...put(g) })),
    });
    return {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      ...put(manifest),
      platform: { os: 'linux', architecture: img.architecture, ...(img.variant ? { variant: img.variant } : {}) },
    };
  });
  const index = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests });
  const top = put(index);
  writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.index.v1+json', ...top, annotations: { 'org.opencontainers.image.ref.name': tag } }] }));
  return dir;
}

export interface TokenServer {
  realm: string;
  service: string;
  issuer: string;
  /** the signing key's certificate (the registry's rootcertbundle) */
  cert: string;
  /** every token request: its scope(s) and the user it authenticated, if any */
  requests: { scope: string[]; user?: string }[];
}

/**
 * a token server (docker's token authentication): GET /token?service=&scope= answers
 * a JWT (RS256, the certificate in x5c) granting what `grant` allows; Basic
 * credentials are checked against `users`. serve(): the caller's HTTP server helper.
 */
export async function tokenServer(
  serve: (h: (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void) => Promise<number>,
  users: Record<string, string>,
  grant: (user: string | undefined, repo: string, actions: string[]) => string[],
): Promise<TokenServer> {
  const dir = ownDir(mkdtempSync(join(tmpdir(), 'mydocker-token-')));
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=mydocker test token issuer'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const pem = readFileSync(cert, 'utf8');
  const der = Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64').toString('base64');
  const privateKey = readFileSync(key, 'utf8');
  const service = 'mydocker-test-registry';
  const issuer = 'mydocker-test-issuer';
  const requests: TokenServer['requests'] = [];
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const port = await serve((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const scopes = url.searchParams.getAll('scope');
    let user: string | undefined;
    const auth = req.headers.authorization;
    if (auth?.startsWith('Basic ')) {
      const [u, ...p] = Buffer.from(auth.slice(6), 'base64').toString().split(':');
      if (users[u] !== p.join(':')) {
        res.writeHead(401, { 'Content-Type': 'application/json' });
        return res.end('{"details":"incorrect username or password"}');
      }
      user = u;
    }
    requests.push({ scope: scopes, user });
    const access = scopes.flatMap((s) => {
      const [type, name, actions] = s.split(':');
      return type === 'repository' ? [{ type, name, actions: grant(user, name, actions.split(',')) }] : [];
    });
    const now = Math.floor(Date.now() / 1000);
    const claims = { iss: issuer, sub: user ?? '', aud: url.searchParams.get('service'), exp: now + 300, nbf: now - 10, iat: now, jti: randomBytes(8).toString('hex'), access };
    const head = `${b64({ alg: 'RS256', typ: 'JWT', x5c: [der] })}.${b64(claims)}`;
    const sig = createSign('RSA-SHA256').update(head).sign(privateKey).toString('base64url');
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ token: `${head}.${sig}`, expires_in: 300 }));
  });
  return { realm: `http://127.0.0.1:${port}/token`, service, issuer, cert, requests };
}
