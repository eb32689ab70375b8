// Real registries for the chapter 07 tests: Debian's docker-registry (distribution
// 2.8) on 127.0.0.1:<free port>, each with its own config and storage under a
// test-owned folder, stopped when the test file ends (and killed by pid if it
// outlives its time). Images go in with skopeo, never with the code under test.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
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

/** skopeo copy into a registry (plain HTTP or a test CA: no verification needed for fixtures) */
export function skopeo(args: string[], creds?: { user: string; password: string }): void {
  const auth = creds ? ['--dest-creds', `${creds.user}:${creds.password}`] : [];
  execFileSync('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', ...auth, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
}

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

export interface LayoutImage {
  /** layer tarballs (plain tar), lowest first */
  layers: Buffer[];
  architecture: string;
  variant?: string;
  /** replace the config's diff ids (a lying config) */
  diffIds?: string[];
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
    const gz = img.layers.map((l) => gzipSync(l));
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
      layers: gz.map((g) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...put(g) })),
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
