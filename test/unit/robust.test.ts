// Unit tests (no root): the image store's scratch sweep, the tar header check,
// layer limits, and the /proc rule for volumes.
import t from 'tap';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Header } from 'tar';
import { checkTarHead, DEFAULT_LAYER_LIMITS, layerLimits } from '../../src/image/layer.js';
import { sweepScratch } from '../../src/image/scratch.js';
import { processStartTime } from '../../src/container/state.js';
import { procMountError } from '../../src/rootfs/proc-mounts.js';
import { parseVolume } from '../../src/rootfs/prepare.js';

t.test('sweepScratch: only the folders of dead owners go', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mydocker-unit-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const alive = `${process.pid}-${processStartTime(process.pid)}-aa`;
  const reused = `${process.pid}-1-bb`; // our pid, another start time: a process that is gone
  const dead = '999999999-12345-cc';
  for (const d of [alive, reused, dead, 'not-ours']) mkdirSync(join(dir, d, 'layer'), { recursive: true });
  t.same(sweepScratch(dir).sort(), [dead, reused].sort());
  t.same(readdirSync(dir).sort(), [alive, 'not-ours'].sort(), 'a live owner, and names it does not know, stay');
  t.same(sweepScratch(join(dir, 'missing')), [], 'no folder: nothing to do');
});

t.test('checkTarHead: a tar header, plain or gzip, or nothing', async (t) => {
  const block = Buffer.alloc(512);
  new Header({ path: 'a', type: 'File', size: 0, mode: 0o644, mtime: new Date(0) }).encode(block);
  const tar = Buffer.concat([block, Buffer.alloc(1024)]);
  t.doesNotThrow(() => checkTarHead(tar));
  t.doesNotThrow(() => checkTarHead(gzipSync(tar)), 'gzip');
  const bad = Buffer.from(block);
  bad[0] ^= 1; // checksum no longer matches
  for (const [what, head] of [
    ['garbage', Buffer.from('not a tar\n'.repeat(100))],
    ['zeros', Buffer.alloc(4096)],
    ['gzip of zeros', gzipSync(Buffer.alloc(1 << 20))],
    ['bad checksum', bad],
    ['short', block.subarray(0, 100)],
    ['empty', Buffer.alloc(0)],
  ] as const)
    t.throws(() => checkTarHead(head), { message: /tar header/, status: 125 }, what);
  t.throws(() => checkTarHead(Buffer.from([0x1f, 0x8b, 0, 0, 1, 2, 3])), { message: /gzip/ }, 'a broken gzip');
});

t.test('layer limits: defaults, and settings from the environment', async (t) => {
  t.same(layerLimits({}), DEFAULT_LAYER_LIMITS);
  t.same(layerLimits({ MYDOCKER_MAX_LAYER_BYTES: '512m', MYDOCKER_MAX_LAYER_ENTRIES: '1000' }), { bytes: 512 * 1024 * 1024, entries: 1000 });
  t.throws(() => layerLimits({ MYDOCKER_MAX_LAYER_BYTES: 'lots' }), { message: /MYDOCKER_MAX_LAYER_BYTES/, status: 125 });
  t.throws(() => layerLimits({ MYDOCKER_MAX_LAYER_ENTRIES: '0' }), { message: /MYDOCKER_MAX_LAYER_ENTRIES/, status: 125 });
});

t.test("volumes over /proc: runc's rule", async (t) => {
  for (const p of ['/proc', '/proc/sys', '/proc/self/fd', '/proc/sys/kernel']) t.ok(procMountError(p), `${p} refused`);
  for (const p of ['/proc/uptime', '/proc/cpuinfo', '/proc/sys/kernel/ns_last_pid', '/processes', '/data/proc']) t.equal(procMountError(p), undefined, `${p} allowed`);
  t.throws(() => parseVolume('/r', '/tmp:/proc/'), { message: /cannot be mounted/, status: 125 }, 'a trailing slash is the same path');
  t.throws(() => parseVolume('/r', '/tmp:/x/../proc/sys'), { message: /inside \/proc/ }, 'so is a path with ..');
});
