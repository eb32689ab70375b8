// Chapter 04 — is it contained? The container's cgroups are read-only from inside,
// /proc and /sys keep their masks, the store is private to root, and the runtime's
// own binary never becomes writable from a container (CVE-2019-5736).
//
// Tests marked [caps] also need the capability half of chapter 04 (no CAP_SYS_ADMIN
// in the container): with every capability, root in a container can remount or mount
// anew whatever it likes.
import t from 'tap';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { MYDOCKER, mydocker, needsRoot, noLeaks, snapshot, tmpRoot, UNIQUE } from '../harness/index.js';
import { busyboxTarball } from '../harness/fixtures.js';
import { buildExeProbe, exeProbeReport, exeProbeUnsupported, privateNode } from '../harness/exe-probe.js';

const before = snapshot();
const tmp = tmpRoot(t);
chmodSync(tmp, 0o755); // so that only the store's own modes keep a host user out
const root = join(tmp, 'store');
const helpers = join(tmp, 'helpers'); // test-owned: built here, bound into containers read-only
const v2 = !needsRoot && existsSync('/sys/fs/cgroup/cgroup.controllers');

t.before(async () => {
  if (needsRoot) return;
  mkdirSync(helpers, { mode: 0o755 });
  const r = await mydocker(['import', busyboxTarball(), 'busybox'], { root });
  if (r.code !== 0) throw new Error(`import failed: ${r.stderr}`);
});

const sh = (script: string, flags: string[] = [], env?: NodeJS.ProcessEnv) =>
  mydocker(['run', '--rm', ...flags, 'busybox', 'sh', '-c', script], { root, env });

/** compile a small C program into the test's helper folder */
function gcc(name: string, source: string, flags: string[]): string {
  const src = join(helpers, `${name}.c`);
  const out = join(helpers, name);
  writeFileSync(src, source);
  execFileSync('gcc', [...flags, '-o', out, src], { stdio: ['ignore', 'ignore', 'inherit'] });
  return out;
}

// ---------------------------------------------------------------- cgroups

const limitFiles = v2
  ? { pids: '/sys/fs/cgroup/pids.max', memory: '/sys/fs/cgroup/memory.max' }
  : { pids: '/sys/fs/cgroup/pids/pids.max', memory: '/sys/fs/cgroup/memory/memory.limit_in_bytes' };

t.test('/sys/fs/cgroup shows the container its own cgroups, read-only', { skip: needsRoot }, async (t) => {
  const r = await sh(
    `cat ${limitFiles.pids} ${limitFiles.memory}; ` +
      `echo max > ${limitFiles.pids} || echo pids-refused; echo 9223372036854771712 > ${limitFiles.memory} || echo memory-refused; ` +
      `cat ${limitFiles.pids} ${limitFiles.memory}; ` +
      'echo subdirs=$(find /sys/fs/cgroup -mindepth 2 -type d | wc -l); ' +
      'mkdir /sys/fs/cgroup/x 2>/dev/null && echo tmpfs-written; ' +
      'grep " /sys/fs/cgroup" /proc/self/mountinfo',
    ['--pids-limit', '20', '-m', '64m'],
  );
  t.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  t.same(lines.slice(0, 2), ['20', '67108864'], "the container's own limits are there to read");
  t.ok(lines.includes('pids-refused') && lines.includes('memory-refused'), 'writing a limit fails');
  t.match(r.stderr, /Read-only file system/, 'with EROFS');
  t.same(lines.slice(4, 6), ['20', '67108864'], 'the limits are unchanged');
  t.ok(lines.includes('subdirs=0'), 'only its own cgroup: no other cgroup folder below');
  t.notOk(lines.includes('tmpfs-written'), 'nothing can be added to /sys/fs/cgroup');
  const mounts = lines.filter((l) => / \/sys\/fs\/cgroup/.test(l));
  t.ok(mounts.length > 0, 'cgroup mounts are there');
  for (const m of mounts) t.match(m.split(' ')[5], /(^|,)ro(,|$)/, `read-only: ${m.split(' ')[4]}`);
});

t.test('[caps] no fresh cgroup mount or remount lifts a limit', { skip: needsRoot }, async (t) => {
  // depends on chapter 04's capability half: without CAP_SYS_ADMIN mount(2) is EPERM
  const fresh = v2 ? 'mount -t cgroup2 none /c' : 'mount -t cgroup -o pids none /c';
  const r = await sh(
    `mkdir /c; ${fresh} && echo max > /c/pids.max && echo fresh-lifted; ` +
      `mount -o remount,rw,bind ${dirname(limitFiles.pids)} && echo max > ${limitFiles.pids} && echo remount-lifted; ` +
      `cat ${limitFiles.pids}`,
    ['--pids-limit', '20'],
  );
  t.notMatch(r.stdout, /fresh-lifted/, 'a fresh cgroup mount cannot raise pids.max');
  t.notMatch(r.stdout, /remount-lifted/, 'a read-write remount cannot raise pids.max');
  t.match(r.stdout, /^20\n$/m, 'pids.max is still 20');
});

// ---------------------------------------------------------------- /proc and /sys

const MASKED = ['/proc/acpi', '/proc/asound', '/proc/interrupts', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware'];
const READONLY = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

t.test('/proc and /sys: every masked and read-only path of runc and docker is in place', { skip: needsRoot }, async (t) => {
  const masked = MASKED.filter((p) => existsSync(p));
  const readonly = READONLY.filter((p) => existsSync(p));
  const r = await sh(
    `for p in ${masked.join(' ')}; do if [ -d $p ]; then echo "$p $(ls -A $p | wc -l)"; else echo "$p $(wc -c < $p)"; fi; done; ` +
      'cat /proc/self/mountinfo',
  );
  t.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  t.same(lines.slice(0, masked.length), masked.map((p) => `${p} 0`), `masked (empty): ${masked.join(' ')}`);
  const mountinfo = lines.slice(masked.length).map((l) => l.split(' '));
  const options = (p: string) => mountinfo.filter((f) => f[4] === p).pop()?.[5] ?? '';
  for (const p of [...readonly, '/sys']) t.match(options(p), /(^|,)ro(,|$)/, `${p} is a read-only mount`);
  for (const p of masked.filter((p) => statSync(p).isDirectory())) t.match(options(p), /(^|,)ro(,|$)/, `${p} is a read-only mount`);
});

t.test('[caps] /sys, /proc/sys and the masks cannot be remounted or removed', { skip: needsRoot }, async (t) => {
  // depends on chapter 04's capability half: remount and umount need CAP_SYS_ADMIN
  const r = await sh(
    'mount -o remount,rw /sys && echo sys-rw; mount -o remount,rw,bind /proc/sys && echo procsys-rw; ' +
      'umount /proc/keys && echo keys-unmasked; umount /sys/firmware && echo firmware-unmasked; ' +
      'mkdir /p; mount -t proc proc /p && echo proc-mounted; echo done',
  );
  t.match(r.stdout, /done\n$/, 'the script ran to its end');
  for (const what of ['sys-rw', 'procsys-rw', 'keys-unmasked', 'firmware-unmasked', 'proc-mounted']) t.notMatch(r.stdout, new RegExp(what), `refused: ${what}`);
});

// ---------------------------------------------------------------- the store

const EUID_PROBE = `#include <stdio.h>
#include <unistd.h>
int main(void) { printf("euid=%d\\n", (int)geteuid()); return 0; }
`;

/**
 * run a command as user nobody, with no groups. Through sh: setpriv keeps its own
 * capabilities until its execve, so the command's path would be walked as root.
 */
function asNobody(cmd: string, args: string[]) {
  return spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '/bin/sh', '-c', 'exec "$@"', 'sh', cmd, ...args], { encoding: 'utf8' });
}

t.test('a host user reaches nothing of a container, nor its setuid files', { skip: needsRoot }, async (t) => {
  gcc('euid-probe', EUID_PROBE, ['-static', '-O2']);
  const name = `contain-suid-${UNIQUE}`;
  const r = await mydocker(['run', '--name', name, '-v', `${helpers}:/h:ro`, 'busybox', 'sh', '-c', 'cp /h/euid-probe /suid && chmod 4755 /suid && /suid'], { root });
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, 'euid=0\n', 'the container made a setuid-root file');
  const containers = join(root, 'containers');
  const id = readdirSync(containers).find((d) => existsSync(join(containers, d, 'config.json')) && JSON.parse(readFileSync(join(containers, d, 'config.json'), 'utf8')).name === name);
  t.ok(id, 'the container is recorded');
  const dir = join(containers, id!);
  const upper = readdirSync(dir).map((f) => join(dir, f)).find((p) => existsSync(join(p, 'suid'))) ?? join(dir, 'upper');
  t.ok(existsSync(join(upper, 'suid')), `the setuid file is in the writable layer (${upper})`);

  const list = asNobody('ls', [dir]);
  t.not(list.status, 0, `nobody cannot list ${dir}`);
  const read = asNobody('cat', [join(dir, 'config.json')]);
  t.not(read.status, 0, 'nobody cannot read its config.json');
  const layer = asNobody('ls', [upper]);
  t.not(layer.status, 0, 'nobody cannot list its writable layer');
  const run = asNobody(join(upper, 'suid'), []);
  t.notMatch(run.stdout ?? '', /euid=0/, 'nobody cannot run the setuid-root file');
  t.not(run.status, 0, `running it fails: ${(run.stderr || String(run.error ?? '')).trim()}`);
});

t.test('the store has docker-like modes whatever the umask; a loose one is tightened', { skip: needsRoot }, async (t) => {
  // a fresh root, made under umask 000
  const fresh = join(tmp, 'fresh');
  const made = spawnSync('sh', ['-c', 'umask 000; exec "$@"', 'sh', MYDOCKER, '--root', fresh, 'import', busyboxTarball(), 'umask-test'], { encoding: 'utf8' });
  t.equal(made.status, 0, made.stderr);
  const ran = spawnSync('sh', ['-c', 'umask 000; exec "$@"', 'sh', MYDOCKER, '--root', fresh, 'run', 'umask-test', 'true'], { encoding: 'utf8' });
  t.equal(ran.status, 0, ran.stderr);
  const mode = (p: string) => statSync(p).mode & 0o7777;
  const closed = (p: string) => t.equal(mode(p) & 0o067, 0, `${p.slice(tmp.length)}: ${mode(p).toString(8)}, nothing for group or others but a group x`);
  for (const p of [fresh, join(fresh, 'containers'), join(fresh, 'images')]) closed(p);
  for (const c of readdirSync(join(fresh, 'containers')).filter((d) => /^[0-9a-f]{64}$/.test(d)))
    for (const f of readdirSync(join(fresh, 'containers', c))) t.equal(mode(join(fresh, 'containers', c, f)) & 0o002, 0, `${f} is not world-writable`);

  // an existing root with loose modes
  const loose = join(tmp, 'loose');
  mkdirSync(join(loose, 'containers'), { recursive: true });
  chmodSync(loose, 0o755);
  chmodSync(join(loose, 'containers'), 0o777);
  const imported = await mydocker(['import', busyboxTarball(), 'loose'], { root: loose }); // a command that writes
  t.equal(imported.code, 0, imported.stderr);
  for (const p of [loose, join(loose, 'containers')]) closed(p);
});

t.test('--root: reading never makes or changes it; a folder that is not a store is refused and left as it was', { skip: needsRoot }, async (t) => {
  const mode = (p: string) => (statSync(p).mode & 0o7777).toString(8);
  const oneLine = (what: string, r: { code: number | null; stderr: string }, dir: string) => {
    t.equal(r.code, 125, `${what}: expected exit 125, got ${r.code} (stderr: ${r.stderr.trim()})`);
    t.equal(r.stderr.split('\n').filter(Boolean).length, 1, `${what}: expected one line on stderr, got ${JSON.stringify(r.stderr)}`);
    t.match(r.stderr, dir, `${what}: expected the error to name ${dir}, got ${JSON.stringify(r.stderr)}`);
  };

  // a folder with something else in it, as /etc would be: never re-moded, never filled
  const other = join(tmp, 'not-a-store');
  mkdirSync(other);
  writeFileSync(join(other, 'keep'), 'not mydocker\n');
  chmodSync(other, 0o755);
  const unchanged = (what: string) => {
    t.equal(mode(other), '755', `${what}: expected ${other} to keep mode 755, got ${mode(other)}`);
    t.same(readdirSync(other), ['keep'], `${what}: expected ${other} to hold only its file, got ${JSON.stringify(readdirSync(other))}`);
    t.equal(readFileSync(join(other, 'keep'), 'utf8'), 'not mydocker\n', `${what}: expected its file unchanged`);
  };
  const images = await mydocker(['images'], { root: other });
  if (images.code !== 0) oneLine(`mydocker --root ${other} images`, images, other);
  unchanged(`mydocker --root ${other} images`);
  const run = await mydocker(['run', '--rm', 'busybox', 'true'], { root: other });
  oneLine(`mydocker --root ${other} run --rm busybox true`, run, other);
  unchanged(`mydocker --root ${other} run --rm busybox true`);
  const imp = await mydocker(['import', busyboxTarball(), 'busybox'], { root: other });
  oneLine(`mydocker --root ${other} import …`, imp, other);
  unchanged(`mydocker --root ${other} import …`);

  // a root that does not exist: `images` finds nothing, and makes nothing (chapter 05's ps, inspect and logs: 05-manage)
  const missing = join(tmp, 'missing');
  const none = await mydocker(['images'], { root: missing });
  t.equal(none.code, 0, `mydocker --root ${missing} images: expected exit 0, got ${none.code} (stderr: ${none.stderr.trim()})`);
  t.equal(none.stdout.trim().split('\n').length, 1, `mydocker --root ${missing} images: expected only the header, got ${JSON.stringify(none.stdout)}`);
  t.notOk(existsSync(missing), `mydocker --root ${missing} images: expected ${missing} not to be made, it exists`);

  // a store made by an earlier version, with loose modes: reading leaves them, writing tightens them
  const old = join(tmp, 'old-store');
  mkdirSync(join(old, 'containers'), { recursive: true });
  chmodSync(old, 0o755);
  const read = await mydocker(['images'], { root: old });
  t.equal(read.code, 0, `mydocker --root ${old} images: expected exit 0 on an existing store, got ${read.code} (stderr: ${read.stderr.trim()})`);
  t.equal(mode(old), '755', `mydocker --root ${old} images: expected no chmod by a command that only reads, got mode ${mode(old)}`);
  const wrote = await mydocker(['import', busyboxTarball(), 'busybox'], { root: old });
  t.equal(wrote.code, 0, `mydocker --root ${old} import …: expected an existing store to keep working, got ${wrote.code} (stderr: ${wrote.stderr.trim()})`);
  t.equal(mode(old), '710', `mydocker --root ${old} import …: expected the store's root tightened to 710, got ${mode(old)}`);
});

// ---------------------------------------------------------------- CVE-2019-5736

t.test("a container cannot get a writable handle on the runtime's binary (CVE-2019-5736)", { skip: needsRoot || exeProbeUnsupported }, async (t) => {
  // the runtime runs a copy of node that this test owns: whatever happens, no host file is touched
  const node = privateNode(join(tmp, 'bin'));
  if (!node.interpreter) return t.skip('node is a static binary here: no interpreter to stand in for');
  const probe = buildExeProbe(helpers);
  const r = await mydocker(['run', '--rm', '-v', `${probe}:${node.interpreter}:ro`, 'busybox', '/proc/self/exe'], { root, env: node.env });
  t.equal(r.code, 0, r.stderr);
  const report = exeProbeReport(r.stdout);
  t.ok(report, `the probe ran as the runtime binary's interpreter: ${r.stdout.trim()}`);
  if (!report) return;
  t.not(report.openForWrite, 'ok', 'the runtime binary does not open for writing');
  // ETXTBSY (26) alone is luck: it lasts only while some process runs that binary
  // (here, the CLI in the foreground). The handle must be on a read-only mount, where
  // a write-open fails with EROFS once nothing runs it.
  t.equal(report.readonly, 'yes', '/proc/self/exe is on a read-only mount');
});

noLeaks(t, before);
