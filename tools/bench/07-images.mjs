// Chapter 07 benchmark: pulling from a local registry (Debian's docker-registry on
// 127.0.0.1, fed by skopeo), in one hyperfine run each:
//   1. busybox (one layer): `mydocker pull` into an empty store (download, verify,
//      unpack) beside `skopeo copy docker://… oci:DIR` + `umoci unpack` of the same
//      image. Target: ≤ 1.2×.
//   2. a 5-layer image of ~200 MB (made here, incompressible): parallel downloads
//      (3 at a time, docker's default) against one at a time
//      (MYDOCKER_MAX_CONCURRENT_DOWNLOADS=1). Target: parallel faster (< 1.0×).
// Each run starts from an empty store (hyperfine --prepare removes it).
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { join } from 'node:path';
import { cleanEnv, hyperfine, mydocker, repo, row, workDir } from './lib.mjs';

const { dir: work, remove } = workDir('07');
const runs = 10;
let registry;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function freePort() {
  return new Promise((r) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => r(port));
    });
  });
}

/** an OCI layout of one image whose layers are the given plain tarballs */
function layout(dir, layers) {
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true });
  const put = (b) => {
    const h = createHash('sha256').update(b).digest('hex');
    writeFileSync(join(dir, 'blobs', 'sha256', h), b);
    return { digest: `sha256:${h}`, size: b.length };
  };
  const config = JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: layers.map((l) => put(l).digest) } });
  const manifest = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...put(config) },
    layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...put(l) })),
  });
  const m = put(manifest);
  writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...m, annotations: { 'org.opencontainers.image.ref.name': 'big' } }] }));
}

/** a tar of one regular file of random bytes */
function randomTar(name, size) {
  const header = Buffer.alloc(512);
  header.write(name, 0);
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  header.write('00000000000\0', 136);
  header.write('        ', 148);
  header.write('0', 156);
  header.write('ustar\0' + '00', 257);
  let sum = 0;
  for (const b of header) sum += b;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return Buffer.concat([header, randomBytes(size), Buffer.alloc((512 - (size % 512)) % 512), Buffer.alloc(1024)]);
}

const time = (commands, prepare) => hyperfine(commands, { runs, warmup: 1, dir: work, prepare, timeout: 900_000, env: { ...cleanEnv, MYDOCKER_MAX_CONCURRENT_DOWNLOADS: process.env.MYDOCKER_MAX_CONCURRENT_DOWNLOADS ?? '' } });

try {
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  writeFileSync(join(work, 'config.yml'), `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${join(work, 'data')}\nhttp:\n  addr: ${host}\n`);
  registry = spawn('docker-registry', ['serve', join(work, 'config.yml')], { stdio: 'ignore' });
  for (let up = false; !up; await sleep(50)) up = await new Promise((r) => connect(port, '127.0.0.1', function () { this.destroy(); r(true); }).on('error', () => r(false)));
  const bb = join(work, 'busybox.tar');
  execFileSync('bash', [join(repo, 'scripts', 'build-busybox-rootfs.sh'), bb], { stdio: 'inherit' });
  const skopeo = (src, dst) => execFileSync('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', src, dst], { stdio: 'inherit' });
  skopeo(`tarball:${bb}`, `docker://${host}/bb:1`);
  const root = join(work, 'root');
  const oci = join(work, 'oci');
  const bundle = join(work, 'bundle');

  const r1 = time([
    ['mydocker pull busybox', `${mydocker} --root ${root} pull -q ${host}/bb:1`],
    ['skopeo copy + umoci unpack', `bash -c "skopeo copy --quiet --src-tls-verify=false docker://${host}/bb:1 oci:${oci}:1 && umoci unpack --image ${oci}:1 ${bundle} >/dev/null"`],
  ], `rm -rf ${root} ${oci} ${bundle}`);
  console.log(`\n## 07-images: pull + unpack from a local registry (median of ${runs})`);
  row({ figure: 'pull busybox (one layer) + unpack', ours: r1['mydocker pull busybox'], peer: r1['skopeo copy + umoci unpack'], peerName: 'skopeo copy + umoci unpack', target: 1.2 });

  const big = join(work, 'big');
  layout(big, [0, 1, 2, 3, 4].map((i) => randomTar(`layer${i}.bin`, 40 * 1024 * 1024)));
  execFileSync('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `oci:${big}:big`, `docker://${host}/big:1`], { stdio: 'inherit' });
  rmSync(big, { recursive: true, force: true });
  const r2 = time([
    ['pull 5 × 40 MB, 3 at a time', `${mydocker} --root ${root} pull -q ${host}/big:1`],
    ['pull 5 × 40 MB, one at a time', `env MYDOCKER_MAX_CONCURRENT_DOWNLOADS=1 ${mydocker} --root ${root} pull -q ${host}/big:1`],
  ], `rm -rf ${root}`);
  console.log(`\n## 07-images: a 5-layer ~200 MB image (median of ${runs})`);
  row({ figure: 'pull 5 × 40 MB layers, 3 at a time', ours: r2['pull 5 × 40 MB, 3 at a time'], peer: r2['pull 5 × 40 MB, one at a time'], peerName: 'one at a time', target: 1.0, note: 'target: faster (< 1.0×)' });
} finally {
  registry?.kill('SIGKILL');
  remove();
}
