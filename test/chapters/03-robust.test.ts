// Chapter 03 — nothing stuck, nothing half-made: concurrent imports of one image,
// a killed import, hostile input to import (not a tar, too big, too many entries,
// names the kernel refuses), docker's reference grammar, and run's flags that point
// at places a container cannot have (/proc, a file as a directory). Every refusal is
// 125 and one line of stderr, without a stack or a path of the store.
import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Pax } from 'tar';
import { MYDOCKER, UNIQUE, mydocker, needsRoot, noLeaks, snapshot, tmpRoot, waitFor, type Result } from '../harness/index.js';
import { busyboxTarball, fixtureDir, importBusybox, rawTar } from '../harness/fixtures.js';

const before = snapshot();
const root = tmpRoot(t);
const images = join(root, 'images');
const ls = (dir: string) => (existsSync(dir) ? readdirSync(dir).sort() : []);
/** what a refused import must leave as it was */
const storeState = () => ({ layers: ls(join(images, 'layers')), blobs: ls(join(images, 'blobs', 'sha256')), tmp: ls(join(images, 'tmp')) });

/** 125 and one line, no stack trace, no path of the store or its scratch space */
function refusedCleanly(t: Test, r: Result, what: string, re?: RegExp): void {
  t.equal(r.code, 125, `${what}: 125`);
  const lines = r.stderr.trim().split('\n');
  t.equal(lines.length, 1, `${what}: one line on stderr: ${r.stderr.trim().slice(0, 300)}`);
  t.match(lines[0], /^mydocker: /, `${what}: mydocker's own message`);
  t.notMatch(r.stderr, /\n\s+at /, `${what}: no stack trace`);
  t.notOk(r.stderr.includes(root), `${what}: no path of the store`);
  if (re) t.match(r.stderr, re, what);
}

function test(name: string, fn: (t: Test) => Promise<void>) {
  t.test(name, { skip: needsRoot }, fn);
}

t.before(async () => {
  if (!needsRoot) await importBusybox(root, 'busybox');
});

// ---------------------------------------------------------------------------
// concurrency and crashes

test('10 concurrent imports of one tarball under one tag all succeed', async (t) => {
  const fresh = join(root, 'concurrent'); // a store without the layer yet: all ten race to make it
  const runs = await Promise.all(Array.from({ length: 10 }, () => mydocker(['import', busyboxTarball(), 'same:tag'], { root: fresh })));
  for (const [i, r] of runs.entries()) t.equal(r.code, 0, `import ${i}: ${r.stderr.trim()}`);
  const tagged = (await mydocker(['images'], { root: fresh })).stdout.split('\n').filter((l) => /^same\s+tag\s/.test(l));
  t.equal(tagged.length, 1, 'the tag names one image');
  t.same(ls(join(fresh, 'images', 'tmp')), [], 'no scratch space left');
  const run = await mydocker(['run', '--rm', 'same:tag', 'echo', 'ok'], { root: fresh });
  t.equal(run.stdout, 'ok\n', 'the image runs');
});

test("a killed import's scratch space is swept by the next image command", async (t) => {
  const tar = readFileSync(busyboxTarball());
  const cli = spawn(MYDOCKER, ['--root', root, 'import', '-', 'killed'], { stdio: ['pipe', 'ignore', 'ignore'] });
  const closed = new Promise((r) => cli.on('close', r));
  cli.stdin.on('error', () => {}); // an implementation that gives up early closes its end
  cli.stdin.write(tar.subarray(0, 256 * 1024)); // half an import: the rest never comes
  const left = await waitFor(() => ls(join(images, 'tmp')).length > 0 && ls(join(images, 'tmp')), 20_000, 'the import to start');
  cli.kill('SIGKILL');
  await closed;
  t.same(ls(join(images, 'tmp')), left, 'the killed import left its scratch space');
  const list = await mydocker(['images'], { root });
  t.equal(list.code, 0, list.stderr);
  t.same(ls(join(images, 'tmp')), [], 'the next command removed it');
  t.notMatch(list.stdout, /^killed\s/m, 'and no image came of it');
});

// ---------------------------------------------------------------------------
// hostile input to import

/** import a file; it must be refused cleanly and leave the store as it was */
async function refusedImport(t: Test, name: string, content: Buffer | undefined, re: RegExp, o: { env?: NodeJS.ProcessEnv; file?: string; timeoutMs?: number } = {}) {
  const file = o.file ?? join(fixtureDir(), `${name}.tar`);
  if (content) writeFileSync(file, content);
  const state = storeState();
  const start = Date.now();
  const r = await mydocker(['import', file, `robust-${name}`], { root, env: o.env, timeoutMs: o.timeoutMs ?? 60_000 });
  refusedCleanly(t, r, name, re);
  if (o.timeoutMs) t.ok(Date.now() - start < o.timeoutMs, `${name}: refused in ${Date.now() - start} ms`);
  t.same(storeState(), state, `${name}: nothing stored, nothing left in scratch`);
  t.notMatch((await mydocker(['images'], { root })).stdout, new RegExp(`robust-${name}`), `${name}: no image`);
}

test('not a tar: refused at once, without reading it all', async (t) => {
  // 256 MiB of zeros compress to a quarter of a MiB: a stream that is no tar at all
  const zeros = gzipSync(Buffer.alloc(256 * 1024 * 1024));
  await refusedImport(t, 'gzip-of-zeros', zeros, /tar/, { timeoutMs: 10_000 });
  await refusedImport(t, 'text', Buffer.from('hello, I am not a tarball\n'.repeat(40)), /tar/, { timeoutMs: 10_000 });
  await refusedImport(t, 'directory', undefined, /directory/, { file: fixtureDir() });
});

test('limits: uncompressed size and entry count (MYDOCKER_MAX_LAYER_BYTES, MYDOCKER_MAX_LAYER_ENTRIES)', async (t) => {
  // a layer no image has yet: the busybox tarball plus one file of its own
  const tar = readFileSync(busyboxTarball());
  const own = Buffer.concat([rawTar([{ path: 'limits-test', data: 'x' }]).subarray(0, 1024), tar]);
  await refusedImport(t, 'too-big', own, /MYDOCKER_MAX_LAYER_BYTES/, { env: { ...process.env, MYDOCKER_MAX_LAYER_BYTES: '1m' } });
  await refusedImport(t, 'too-many', own, /MYDOCKER_MAX_LAYER_ENTRIES/, { env: { ...process.env, MYDOCKER_MAX_LAYER_ENTRIES: '20' } });
  const ok = await mydocker(['import', join(fixtureDir(), 'too-big.tar'), 'robust-fits'], { root });
  t.equal(ok.code, 0, `within the default limits it is an image: ${ok.stderr}`);
});

test('entries the kernel refuses: one line that names the entry', async (t) => {
  const long = 'n'.repeat(300);
  await refusedImport(t, 'long-name', Buffer.concat([new Pax({ path: long }).encode(), rawTar([{ path: long, data: 'x' }])]), /name too long/);
  await refusedImport(t, 'dangling-hardlink', rawTar([{ path: 'hl', type: 'Link', linkpath: 'missing' }]), /"hl".*"missing"/);
});

test('FIFOs are kept; device nodes are skipped with one warning', async (t) => {
  const file = join(fixtureDir(), 'special.tar');
  writeFileSync(
    file,
    rawTar([
      { path: 'bin/', type: 'Directory' },
      { path: 'bin/busybox', data: readFileSync('/bin/busybox'), mode: 0o755 },
      { path: 'fifo', type: 'FIFO', mode: 0o600 },
      { path: 'dev-null', type: 'CharacterDevice', devmaj: 1, devmin: 3 },
      { path: 'dev-disk', type: 'BlockDevice', devmaj: 8, devmin: 0 },
    ]),
  );
  const r = await mydocker(['import', file, 'robust-special'], { root });
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stderr.trim().split('\n').length, 1, `one warning: ${r.stderr.trim()}`);
  t.match(r.stderr, /device/, 'the warning says a device node was skipped');
  const run = await mydocker(['run', '--rm', 'robust-special', '/bin/busybox', 'sh', '-c', 'test -p /fifo && stat -c %a /fifo; test -e /dev-disk; echo disk=$?'], { root });
  t.equal(run.stdout, '600\ndisk=1\n', 'the FIFO is there with its mode; the disk is not');
});

test("references: docker's grammar, for import, run and rmi", async (t) => {
  const state = storeState();
  for (const ref of ['../x', 'x'.repeat(300), 'UPPER', 'a:b:c']) {
    refusedCleanly(t, await mydocker(['import', busyboxTarball(), ref], { root }), `import ${ref.slice(0, 20)}`, /invalid reference format/);
  }
  t.same(storeState(), state, 'nothing stored');
  for (const ref of ['', '../x', 'x'.repeat(300)]) {
    const r = await mydocker(['run', '--rm', ref, 'true'], { root });
    refusedCleanly(t, r, `run "${ref.slice(0, 20)}"`, /invalid reference format.*See 'mydocker run --help'/);
  }
  refusedCleanly(t, await mydocker(['rmi', '../x'], { root }), 'rmi ../x', /invalid reference format/);
});

// ---------------------------------------------------------------------------
// symlinks in a layer are names: the size walk of import and commit never follows one

/** the SIZE column of `images` for repository:tag */
async function sizeOf(t: Test, ref: string): Promise<string | undefined> {
  const [repo, tag] = ref.split(':');
  const row = (await mydocker(['images'], { root })).stdout.split('\n').find((l) => new RegExp(`^${repo}\\s+${tag}\\s`).test(l));
  t.ok(row, `mydocker images: a row for ${ref}`);
  return row?.trim().split(/\s{2,}/).pop();
}

test('import: symlinks that loop (d/x -> ., d/y -> ., d/z -> .) finish at once', async (t) => {
  const file = join(fixtureDir(), 'links-loop.tar');
  writeFileSync(file, rawTar([
    { path: 'd/', type: 'Directory' },
    { path: 'd/x', type: 'SymbolicLink', linkpath: '.' },
    { path: 'd/y', type: 'SymbolicLink', linkpath: '.' },
    { path: 'd/z', type: 'SymbolicLink', linkpath: '.' },
    { path: 'd/f', data: 'hello\n' },
  ]));
  const start = Date.now();
  const r = await mydocker(['import', file, 'robust-loop'], { root, timeoutMs: 20_000 });
  t.equal(r.signal, null, `mydocker import links-loop.tar: expected to finish by itself, got killed after ${Date.now() - start} ms (a walk that follows d/x -> . never ends)`);
  t.equal(r.code, 0, `mydocker import links-loop.tar: expected 0, got ${r.code}: ${r.stderr.trim()}`);
  t.equal(await sizeOf(t, 'robust-loop:latest'), '6B', 'mydocker images: SIZE is the one 6-byte file (links count nothing)');
});

test("import: a symlink to a host folder (data -> DIR) does not count the host's files", async (t) => {
  const host = join(fixtureDir(), `${UNIQUE}-host-data`);
  mkdirSync(host, { recursive: true });
  writeFileSync(join(host, 'big'), Buffer.alloc(3 * 1024 * 1024));
  const file = join(fixtureDir(), 'links-host.tar');
  writeFileSync(file, rawTar([{ path: 'data', type: 'SymbolicLink', linkpath: host }, { path: 'f', data: 'hello\n' }]));
  const r = await mydocker(['import', file, 'robust-hostlink'], { root, timeoutMs: 20_000 });
  t.equal(r.code, 0, `mydocker import links-host.tar: expected 0, got ${r.code}: ${r.stderr.trim()}`);
  t.equal(await sizeOf(t, 'robust-hostlink:latest'), '6B', `mydocker images: expected SIZE 6B (the image's own file), not the 3MB of ${host} behind the link`);
});

test("commit: a container's ln -s / /d/hostroot is committed as a link, quickly, without the host's files", async (t) => {
  const name = `robust-hostroot-${UNIQUE}`;
  const c = await mydocker(['run', '--name', name, 'busybox', 'sh', '-c', 'mkdir /d && ln -s / /d/hostroot'], { root });
  t.equal(c.code, 0, c.stderr);
  const start = Date.now();
  const r = await mydocker(['commit', name, 'robust-hostroot:1'], { root, timeoutMs: 20_000 });
  t.equal(r.signal, null, `mydocker commit: expected to finish by itself, got killed after ${Date.now() - start} ms (it walked the host's / through the link)`);
  t.equal(r.code, 0, `mydocker commit: expected 0, got ${r.code}: ${r.stderr.trim()}`);
  t.ok(Date.now() - start < 10_000, `mydocker commit: expected well under 10 s, took ${Date.now() - start} ms`);
  t.equal(await sizeOf(t, 'robust-hostroot:1'), await sizeOf(t, 'busybox:latest'), "mydocker images: the commit's SIZE is busybox's (a link and a folder add no bytes)");
  const link = await mydocker(['run', '--rm', 'robust-hostroot:1', 'readlink', '/d/hostroot'], { root });
  t.equal(link.stdout, '/\n', `run robust-hostroot:1 readlink /d/hostroot: expected "/", got ${JSON.stringify(link.stdout)} ${link.stderr.trim()}`);
});

test('a failed import or commit leaves the store as it was (no layer, no blob, no tag)', async (t) => {
  // one entry whose path makes 12 folders: the unpacked layer has more entries than the limit
  const deep = rawTar([{ path: 'a/b/c/d/e/f/g/h/i/j/k/l/file', data: 'x' }]);
  await refusedImport(t, 'deep-tree', deep, /MYDOCKER_MAX_LAYER_ENTRIES/, { env: { ...process.env, MYDOCKER_MAX_LAYER_ENTRIES: '5' } });

  const name = `robust-many-${UNIQUE}`;
  const c = await mydocker(['run', '--name', name, 'busybox', 'sh', '-c', 'mkdir /many && cd /many && for i in $(seq 40); do echo $i > f$i; done'], { root });
  t.equal(c.code, 0, c.stderr);
  const state = storeState();
  const r = await mydocker(['commit', name, 'robust-many:1'], { root, env: { ...process.env, MYDOCKER_MAX_LAYER_ENTRIES: '20' }, timeoutMs: 20_000 });
  refusedCleanly(t, r, 'commit of 40 files with MYDOCKER_MAX_LAYER_ENTRIES=20', /MYDOCKER_MAX_LAYER_ENTRIES/);
  t.same(storeState(), state, 'mydocker commit refused: images/layers, images/blobs and images/tmp hold what they held before');
  t.notMatch((await mydocker(['images'], { root })).stdout, /^robust-many\s/m, 'mydocker images: no robust-many image');
});

test('an image reference is a name first (even "bb" or an id prefix), then a full id, then an id prefix', async (t) => {
  const who = async (ref: string) => {
    const r = await mydocker(['run', '--rm', ref, 'sh', '-c', 'echo $WHO'], { root });
    return r.stdout.trim() || r.stderr.trim();
  };
  const bb = await importBusybox(root, 'bb', ['ENV WHO=bb']);
  t.equal(bb.code, 0, `mydocker import busybox.tar bb: ${bb.stderr.trim()}`);
  t.equal(await who('bb'), 'bb', 'mydocker run bb: the image tagged bb (a name that looks like hex)');
  const other = await importBusybox(root, 'robust-other', ['ENV WHO=other']);
  const otherId = other.stdout.trim().replace(/^sha256:/, '');
  const prefix = otherId.slice(0, 6);
  const named = await importBusybox(root, prefix, ['ENV WHO=named']);
  t.equal(named.code, 0, `mydocker import busybox.tar ${prefix}: ${named.stderr.trim()}`);
  t.equal(await who(prefix), 'named', `mydocker run ${prefix}: the image named ${prefix}, not the image whose id starts with it`);
  t.equal(await who(otherId.slice(0, 7)), 'other', `mydocker run ${otherId.slice(0, 7)}: no such name, so the id prefix`);
  t.equal(await who(otherId), 'other', 'mydocker run FULL-ID: the id');
  t.equal(await who(`sha256:${otherId}`), 'other', 'mydocker run sha256:FULL-ID: the id');
  const rmNamed = await mydocker(['rmi', prefix], { root });
  t.equal(rmNamed.stdout, `Untagged: ${prefix}:latest\nDeleted: ${named.stdout.trim()}\n`, `mydocker rmi ${prefix}: the image of that name goes (${rmNamed.stderr.trim()})`);
  t.equal(await who('robust-other'), 'other', `mydocker run robust-other: the image whose id starts with ${prefix} stays`);
  const rmBb = await mydocker(['rmi', 'bb'], { root });
  t.equal(rmBb.stdout, `Untagged: bb:latest\nDeleted: ${bb.stdout.trim()}\n`, `mydocker rmi bb: expected the image tagged bb removed, got ${rmBb.stdout}${rmBb.stderr}`);
});

test('a container reference is a full id, then a name, then an id prefix (docker\'s order)', async (t) => {
  const containers = join(root, 'containers');
  /** run a container that writes its letter to /who; returns its id (the new folder in the store) */
  const create = async (name: string, letter: string) => {
    const before = new Set(ls(containers));
    const r = await mydocker(['run', '--name', name, 'busybox', 'sh', '-c', `echo ${letter} > /who`], { root });
    t.equal(r.code, 0, `mydocker run --name ${name}: ${r.stderr.trim()}`);
    // a container's folder is its 64-hex id (the store may hold other files, such as its lock)
    return ls(containers).find((id) => /^[0-9a-f]{64}$/.test(id) && !before.has(id)) ?? '';
  };
  /** commit ref and read /who from the new image */
  const whoIs = async (ref: string) => {
    const c = await mydocker(['commit', ref, 'robust-who'], { root });
    if (c.code !== 0) return c.stderr.trim();
    return (await mydocker(['run', '--rm', 'robust-who', 'cat', '/who'], { root })).stdout.trim();
  };
  const a = await create(`robust-a-${UNIQUE}`, 'a');
  await create(a.slice(0, 6), 'b'); // named like a prefix of a's id
  await create(a, 'c'); // named like a's full id
  t.equal(await whoIs(a), 'a', "mydocker commit FULL-ID: the container with that id, not the one named so");
  t.equal(await whoIs(a.slice(0, 6)), 'b', `mydocker commit ${a.slice(0, 6)}: the container of that name, before the id prefix`);
  t.equal(await whoIs(a.slice(0, 7)), 'a', `mydocker commit ${a.slice(0, 7)}: no such name, so the id prefix`);
});

// ---------------------------------------------------------------------------
// run's flags that point where a container cannot go

test('-w under /proc, or at a file: 125 at once (no spinning init)', async (t) => {
  for (const dir of ['/proc/x', '/proc/sys/x', '/bin/sh']) {
    const r = await mydocker(['run', '--rm', '-w', dir, 'busybox', 'true'], { root, timeoutMs: 20_000 });
    t.equal(r.signal, null, `-w ${dir}: finished by itself`);
    refusedCleanly(t, r, `-w ${dir}`, new RegExp(dir.replace(/\//g, '\\/')));
  }
  const img = await importBusybox(root, 'robust-procdir', ['WORKDIR /proc/sys/x']);
  t.equal(img.code, 0, img.stderr);
  const r = await mydocker(['run', '--rm', 'robust-procdir', 'true'], { root, timeoutMs: 20_000 });
  refusedCleanly(t, r, "an image's WORKDIR under /proc/sys");
  const ok = await mydocker(['run', '--rm', '-w', '/made/for/you', 'busybox', 'pwd'], { root });
  t.equal(ok.stdout, '/made/for/you\n', 'a missing working directory is still made');
});

test('-v: nothing over /proc (as runc refuses), a directory never onto a file', async (t) => {
  for (const v of ['/proc:/proc', '/tmp:/proc/sys', '/tmp:/proc/self/x']) refusedCleanly(t, await mydocker(['run', '--rm', '-v', v, 'busybox', 'true'], { root }), `-v ${v}`, /proc/);
  const lxcfs = await mydocker(['run', '--rm', '-v', '/proc/uptime:/proc/uptime:ro', 'busybox', 'true'], { root });
  t.equal(lxcfs.code, 0, `a file runc allows (lxcfs's): ${lxcfs.stderr}`);
  refusedCleanly(t, await mydocker(['run', '--rm', '-v', '/tmp:/dev/null', 'busybox', 'true'], { root }), '-v /tmp:/dev/null', /\/dev\/null/);
  refusedCleanly(t, await mydocker(['run', '--rm', '-v', '/etc/hostname:/bin', 'busybox', 'true'], { root }), '-v FILE:/bin', /\/bin/);
});

test('--root that cannot be a folder; usage errors point to --help', async (t) => {
  refusedCleanly(t, await mydocker(['--root', '/etc/passwd', 'images']), '--root /etc/passwd', /\/etc\/passwd/);
  refusedCleanly(t, await mydocker(['--root', '', 'images']), "--root ''", /root/);
  const flag = await mydocker(['run', '--no-such-flag', 'busybox', 'true'], { root });
  refusedCleanly(t, flag, 'unknown flag', /no-such-flag.*See 'mydocker run --help'\.$/m);
});

noLeaks(t, before);
