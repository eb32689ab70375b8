// Chapter 03 — the image store: import, images, rmi, commit, and layers as
// untrusted input (a hostile tarball cannot write outside its layer).
import t, { type Test } from 'tap';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { UNIQUE, mountPoints, mydocker, needsRoot, noLeaks, snapshot, tmpRoot } from '../harness/index.js';
import { busyboxTarball, fixtureDir, rawTar, type RawEntry } from '../harness/fixtures.js';

const before = snapshot();
const root = tmpRoot(t);
const unique = `mydocker-03i-${UNIQUE}`;
const images = join(root, 'images');
const ls = (dir: string) => (existsSync(dir) ? readdirSync(dir).sort() : []);
/** everything of the store that a failed import must leave as it was */
const storeState = () => ({ layers: ls(join(images, 'layers')), blobs: ls(join(images, 'blobs', 'sha256')), tmp: ls(join(images, 'tmp')) });
const oneLine = (t: Test, stderr: string) => t.equal(stderr.trim().split('\n').length, 1, `one line on stderr: ${stderr.trim()}`);

/** a root-only test that also checks the host's mount table is unchanged by it */
function test(name: string, fn: (t: Test) => Promise<void>) {
  t.test(name, { skip: needsRoot }, async (t) => {
    const mounts = mountPoints();
    await fn(t);
    t.same(mountPoints(), mounts, "the host's mount table is as it was");
  });
}

test('import: a rootfs tarball becomes an image; images lists it', async (t) => {
  const r = await mydocker(['import', busyboxTarball(), 'busybox'], { root });
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /^sha256:[0-9a-f]{64}\n$/, 'prints the image id');
  const id = r.stdout.trim().slice(7, 19);
  const list = await mydocker(['images'], { root });
  t.equal(list.code, 0, list.stderr);
  const [header, ...rows] = list.stdout.trim().split('\n');
  t.match(header, /^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$/, "images' header, docker's columns");
  t.equal(rows.length, 1, 'one image listed');
  t.match(rows[0], new RegExp(`^busybox\\s+latest\\s+${id}\\s+(Less than a second|\\d+ seconds?) ago\\s+\\d(\\.\\d+)?MB$`), 'the row: busybox, latest, the short id, created, size');
  const q = await mydocker(['images', '-q'], { root });
  t.equal(q.stdout, `${id}\n`, 'images -q');
  const run = await mydocker(['run', '--rm', 'busybox', 'cat', '/etc/passwd'], { root });
  t.match(run.stdout, /^root:x:0:0:/, "the container runs in the image's files");
});

test('import from stdin, gzip; the same layer is stored once', async (t) => {
  const gz = gzipSync(readFileSync(busyboxTarball()));
  const layersBefore = ls(join(images, 'layers'));
  const r = await mydocker(['import', '-', 'busybox:gz'], { root, input: gz });
  t.equal(r.code, 0, r.stderr);
  t.same(ls(join(images, 'layers')), layersBefore, 'same uncompressed content, same layer (diff id)');
  const run = await mydocker(['run', '--rm', 'busybox:gz', 'echo', 'ok'], { root });
  t.equal(run.stdout, 'ok\n', 'the gzip-imported image runs');
});

test('import: modes, owners and absolute symlinks survive', async (t) => {
  const r = await mydocker(['run', '--rm', 'busybox', 'stat', '-c', '%a %u %n', '/tmp', '/bin/busybox', '/root'], { root });
  t.equal(r.stdout, '1777 0 /tmp\n755 0 /bin/busybox\n700 0 /root\n', 'modes and owners as in the tarball');
  const link = await mydocker(['run', '--rm', 'busybox', 'readlink', '/bin/sh'], { root });
  t.equal(link.stdout, '/bin/busybox\n', 'an absolute symlink target stays absolute');
});

test('bad import arguments are one line and exit 125', async (t) => {
  const state = storeState();
  for (const args of [
    ['import', `/nonexistent-${unique}.tar`, 'x'],
    ['import', busyboxTarball(), 'Bad:Name:x'],
    ['import', busyboxTarball(), 'UPPER'],
    ['import'],
    ['import', '--change', 'FROM scratch', busyboxTarball(), 'x'],
  ]) {
    const r = await mydocker(args, { root });
    t.equal(r.code, 125, args.join(' '));
    oneLine(t, r.stderr);
  }
  t.same(storeState(), state, 'nothing was stored');
});

/** import a hand-made tarball; it must fail with 125 and leave the store as it was */
async function refused(t: Test, name: string, tar: Buffer) {
  const file = join(fixtureDir(), `${name}.tar`);
  writeFileSync(file, tar);
  const state = storeState();
  const list = (await mydocker(['images', '-q'], { root })).stdout;
  const r = await mydocker(['import', file, `evil-${name}`], { root });
  t.equal(r.code, 125, `${name}: refused`);
  oneLine(t, r.stderr);
  t.same(storeState(), state, `${name}: no partial image (layers, blobs, scratch)`);
  t.equal((await mydocker(['images', '-q'], { root })).stdout, list, `${name}: no new image`);
  return r;
}

test('hostile layers: nothing is written outside the layer', async (t) => {
  const outside = join(fixtureDir(), `${unique}-outside`);
  mkdirSync(outside, { recursive: true });
  const up = '../'.repeat(20);
  const cases: [string, RawEntry[]][] = [
    ['dotdot', [{ path: `${up}${outside.slice(1)}/dotdot`, data: 'x' }]],
    ['dotdot-inner', [{ path: 'a/', type: 'Directory' }, { path: `a/../../${outside.slice(1)}/inner`, data: 'x' }]],
    ['symlink-abs', [{ path: 'evil', type: 'SymbolicLink', linkpath: outside }, { path: 'evil/through-abs', data: 'x' }]],
    ['symlink-rel', [{ path: 'evil', type: 'SymbolicLink', linkpath: `${up}${outside.slice(1)}` }, { path: 'evil/through-rel', data: 'x' }]],
    ['symlink-dir-swap', [{ path: 'd/', type: 'Directory' }, { path: 'd', type: 'SymbolicLink', linkpath: outside }, { path: 'd/swapped', data: 'x' }]],
    ['hardlink-rel', [{ path: 'hl', type: 'Link', linkpath: `${up}etc/passwd` }]],
    ['hardlink-abs', [{ path: 'hl', type: 'Link', linkpath: '/etc/passwd' }]],
    ['whiteout-dotdot', [{ path: `${up}${outside.slice(1)}/.wh.victim`, data: '' }]],
    ['whiteout-of-nothing', [{ path: 'd/', type: 'Directory' }, { path: 'd/.wh.', data: '' }]],
    ['whiteout-through-symlink', [{ path: 'evil', type: 'SymbolicLink', linkpath: outside }, { path: 'evil/.wh.victim', data: '' }]],
  ];
  writeFileSync(join(outside, 'victim'), 'keep');
  const passwdLinks = statSync('/etc/passwd').nlink;
  for (const [name, entries] of cases) await refused(t, name, rawTar(entries));
  t.same(readdirSync(outside), ['victim'], 'no file appeared outside the layer');
  t.equal(readFileSync(join(outside, 'victim'), 'utf8'), 'keep', 'a whiteout cannot delete outside the layer');
  t.equal(statSync('/etc/passwd').nlink, passwdLinks, 'no hard link to a host file was made');
});

// Every absolute name here is under the test's own fixture folder: an implementation
// that extracts without guards writes there, never over a host file.
test('hostile layers: absolute names and device nodes stay harmless', async (t) => {
  const hostDir = join(fixtureDir(), `${unique}-absdir`);
  const hostPath = join(fixtureDir(), `${unique}-abs`);
  const file = join(fixtureDir(), 'abs.tar');
  writeFileSync(
    file,
    rawTar([
      { path: 'bin/', type: 'Directory' },
      { path: 'bin/busybox', data: readFileSync('/bin/busybox'), mode: 0o755 },
      { path: `${hostDir}/`, type: 'Directory' },
      { path: `${hostDir}/file`, data: 'in a dir' },
      { path: hostPath, data: 'inside' },
      { path: 'evil-null', type: 'CharacterDevice', devmaj: 1, devmin: 3 },
      { path: 'evil-disk', type: 'BlockDevice', devmaj: 8, devmin: 0 },
      { path: 'fifo', type: 'FIFO' },
      { path: 'lib/', type: 'Directory' },
      { path: 'lib/climb', type: 'SymbolicLink', linkpath: '../../../../bin/busybox' },
    ]),
  );
  t.equal((await mydocker(['import', file, 'abs'], { root })).code, 0, 'an absolute name is read as relative, like docker');
  t.notOk(existsSync(hostPath), 'the absolute file name did not land on the host');
  t.notOk(existsSync(hostDir), 'the absolute directory name did not land on the host');
  const r = await mydocker(['run', '--rm', 'abs', '/bin/busybox', 'sh', '-c', `cat ${hostPath}; echo; cat ${hostDir}/file; echo; for f in /evil-null /evil-disk; do test -e $f; echo $f=$?; done`], { root });
  t.equal(r.code, 0, r.stderr);
  const climb = await mydocker(['run', '--rm', 'abs', '/bin/busybox', 'sh', '-c', 'readlink /lib/climb; test -x /lib/climb && echo followed inside'], { root });
  t.equal(climb.stdout, '../../../../bin/busybox\nfollowed inside\n', 'a symlink climbing above the root is kept as written and resolves inside the container, as in docker');
  t.equal(r.stdout, `inside\nin a dir\n/evil-null=1\n/evil-disk=1\n`, 'the files are in the image; device nodes were not created');
});

test('malformed tarballs: 125, one line, nothing stored', async (t) => {
  const good = readFileSync(busyboxTarball());
  await refused(t, 'garbage', Buffer.from('this is not a tarball\n'.repeat(100)));
  await refused(t, 'truncated', good.subarray(0, Math.floor(good.length / 2) + 100));
  const gz = gzipSync(good);
  await refused(t, 'bad-gzip', Buffer.concat([gz.subarray(0, 200), Buffer.alloc(5000, 7)]));
});

test('commit: a file added and a file deleted survive into the new image', async (t) => {
  const name = `${unique}-commit`;
  const c = await mydocker(['run', '--name', name, 'busybox', 'sh', '-c', 'echo added > /added; rm /bin/ls; rm -rf /usr/sbin; mkdir /usr/sbin; touch /usr/sbin/only'], { root });
  t.equal(c.code, 0, c.stderr);
  const commit = await mydocker(['commit', '--change', 'CMD ["cat", "/added"]', name, 'snap:1'], { root });
  t.equal(commit.code, 0, commit.stderr);
  t.match(commit.stdout, /^sha256:[0-9a-f]{64}\n$/, 'commit prints the new image id');
  const cmd = await mydocker(['run', '--rm', 'snap:1'], { root });
  t.equal(cmd.stdout, 'added\n', 'the added file, and the CMD given with --change');
  const r = await mydocker(['run', '--rm', 'snap:1', 'sh', '-c', 'test -e /bin/ls; echo ls=$?; ls /usr/sbin; cat /etc/hostname'], { root });
  t.match(r.stdout, /^ls=1\nonly\n[0-9a-f]{12}\n$/, 'the deleted file stays deleted, the replaced directory is opaque, hostname is fresh');
  const base = await mydocker(['run', '--rm', 'busybox', 'sh', '-c', 'test -e /bin/ls; echo ls=$?; test -e /added; echo added=$?'], { root });
  t.equal(base.stdout, 'ls=0\nadded=1\n', 'the original image is unchanged');
  const host = await mydocker(['commit', `/nonexistent-${unique}`, 'x'], { root });
  t.equal(host.code, 125, 'a bad commit argument: 125');
  oneLine(t, host.stderr);
});

test('rmi: refuses while a container uses the image, -f untags, layers go with the last image', async (t) => {
  const imported = await mydocker(['import', busyboxTarball(), 'victim'], { root });
  const id = imported.stdout.trim();
  const name = `${unique}-user`;
  t.equal((await mydocker(['run', '--name', name, 'victim', 'true'], { root })).code, 0, 'a container of the image was made');
  const refused = await mydocker(['rmi', 'victim'], { root });
  t.equal(refused.code, 125, 'in use: refused');
  oneLine(t, refused.stderr);
  t.match(refused.stderr, /container [0-9a-f]{12} is using/, 'rmi names the container that uses the image');
  const forced = await mydocker(['rmi', '-f', 'victim'], { root });
  t.equal(forced.code, 0, forced.stderr);
  t.equal(forced.stdout, 'Untagged: victim:latest\n', 'untagged, kept for the container');
  const list = await mydocker(['images'], { root });
  t.match(list.stdout, new RegExp(`<none>\\s+<none>\\s+${id.slice(7, 19)}`), 'the image stays, untagged');
  const run = await mydocker(['run', '--rm', id, 'true'], { root });
  t.equal(run.code, 0, 'and still runs by id');

  // an unused image: its own layer goes, a shared one stays
  const file = join(fixtureDir(), 'own-layer.tar');
  writeFileSync(file, rawTar([{ path: 'only-here', data: 'x' }]));
  t.equal((await mydocker(['import', file, 'lonely'], { root })).code, 0, 'import lonely');
  const layers = ls(join(images, 'layers'));
  const gone = await mydocker(['rmi', 'lonely'], { root });
  t.equal(gone.code, 0, gone.stderr);
  t.match(gone.stdout, /^Untagged: lonely:latest\nDeleted: sha256:[0-9a-f]{64}\n$/, 'rmi prints Untagged, then Deleted');
  t.equal(ls(join(images, 'layers')).length, layers.length - 1, 'its layer was deleted');
  const missing = await mydocker(['rmi', 'lonely'], { root });
  t.equal(missing.code, 125, 'rmi of an image that is gone: 125');
  oneLine(t, missing.stderr);
  t.ok(ls(join(images, 'layers')).length >= 1, 'the busybox layer, shared by other images, stays');
  rmSync(file);
});

noLeaks(t, before);
