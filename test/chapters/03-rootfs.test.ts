// Chapter 03 — the container runs in its image's files: overlay, pivot_root,
// its own /dev, /proc and /sys with the dangerous parts hidden, volumes, records.
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MYDOCKER, NO_REGISTRY, UNIQUE, killTree, missingImageLines, mydocker, needsRoot, noLeaks, snapshot, tmpRoot } from '../harness/index.js';
import { fixtureDir, importBusybox } from '../harness/fixtures.js';

const before = snapshot();
const root = tmpRoot(t);
const unique = `mydocker-03-${UNIQUE}`;

t.before(async () => {
  if (!needsRoot) await importBusybox(root, 'busybox');
});

const sh = (script: string, flags: string[] = []) => mydocker(['run', '--rm', ...flags, 'busybox', 'sh', '-c', script], { root });

t.test('the container sees the image, not the host', { skip: needsRoot }, async (t) => {
  const marker = `/tmp/${unique}-host-only`;
  writeFileSync(marker, 'host');
  t.teardown(() => void import('node:fs').then((fs) => fs.rmSync(marker, { force: true })));
  const r = await sh(`test -e ${marker}; echo marker=$?; test -e /etc/os-release; echo osrelease=$?; ls /bin/busybox`);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /marker=1\n/, "a host file is not there");
  t.match(r.stdout, /osrelease=1\n/, "the host's /etc/os-release is not there");
  t.match(r.stdout, /\/bin\/busybox\n/, "the image's busybox is");
});

t.test('a command name is looked up in the PATH', { skip: needsRoot }, async (t) => {
  const r = await mydocker(['run', '--rm', 'busybox', 'echo', 'found'], { root });
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, 'found\n', 'the command was found in the PATH of the image');
  const missing = await mydocker(['run', '--rm', 'busybox', 'no-such-command'], { root });
  t.equal(missing.code, 127, 'not found in PATH: 127');
  t.match(missing.stderr, /no-such-command/, 'the error names the command not found');
});

t.test('no way back to the host: /proc/1/root and /..', { skip: needsRoot }, async (t) => {
  const r = await sh('ls -a / | sort | md5sum; ls -a /proc/1/root/ | sort | md5sum; cd /../..; pwd; ls -a | sort | md5sum');
  t.equal(r.code, 0, r.stderr);
  const [a, b, pwd, c] = r.stdout.trim().split('\n');
  t.equal(b, a, '/proc/1/root is the container root');
  t.equal(pwd, '/', 'the working directory is the container root');
  t.equal(c, a, '/.. is /');
});

// The classic chroot escape: a root process chroot()s into a subdirectory without
// changing its working directory, climbs with "..", and chroot()s to where it lands. In a
// root made with chroot(2) it lands on the host's /; after pivot_root and the old root's
// detach there is nothing above the container's root. The helper is a static C program
// the test builds (gcc, from build-essential), bound in with -v.
const ESCAPE_C = `
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
int main(int argc, char **argv) {
  mkdir("/tmp/.escape", 0700);
  if (chroot("/tmp/.escape") != 0) { perror("chroot /tmp/.escape"); return 2; }
  for (int i = 0; i < 64; i++) if (chdir("..") != 0) { perror("chdir .."); return 2; }
  if (chroot(".") != 0) { perror("chroot ."); return 2; }
  printf("%s\\n", access(argv[1], F_OK) == 0 ? "escaped: the host's file is visible" : "contained");
  return 0;
}
`;

t.test('no way out with the chroot escape (pivot_root, not chroot)', { skip: needsRoot }, async (t) => {
  const dir = join(fixtureDir(), 'escape');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'escape.c'), ESCAPE_C);
  const cc = spawnSync('gcc', ['-static', '-O', '-o', join(dir, 'escape'), join(dir, 'escape.c')], { encoding: 'utf8' });
  if (cc.error || cc.status !== 0) {
    t.fail(`could not build the helper with gcc -static (install build-essential): ${cc.error?.message ?? cc.stderr}`);
    return;
  }
  const hostOnly = join(fixtureDir(), `${unique}-host-only`);
  writeFileSync(hostOnly, 'host');
  const r = await mydocker(['run', '--rm', '-v', `${dir}:/escape:ro`, 'busybox', '/escape/escape', hostOnly], { root });
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, 'contained\n', 'climbing out of a nested chroot ends at the container\'s root');
});

t.test('writes land in the container layer only', { skip: needsRoot }, async (t) => {
  const first = await mydocker(['run', '--name', `${unique}-w1`, 'busybox', 'sh', '-c', 'echo hello > /new-file; rm /bin/ls; cat /new-file'], { root });
  t.equal(first.code, 0, first.stderr);
  t.equal(first.stdout, 'hello\n', 'a file written in the container reads back');
  const second = await sh('test -e /new-file; echo new=$?; test -e /bin/ls; echo ls=$?');
  t.equal(second.stdout, 'new=1\nls=0\n', 'another container of the image sees the image unchanged');
});

// runc's and docker's lists (REFERENCE.md, "Isolation defaults"); a path this kernel
// does not have cannot be checked, and is left out.
const MASKED = [
  '/proc/acpi', '/proc/asound', '/proc/interrupts', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap',
];
const READONLY = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** mount point → its per-mount options, from a mountinfo text */
const mountOptions = (mountinfo: string) => new Map(mountinfo.trim().split('\n').map((l) => [l.split(' ')[4], l.split(' ')[5]] as [string, string]));

t.test('/proc and /sys: every masked path is hidden, every read-only path is read-only', { skip: needsRoot }, async (t) => {
  const masked = MASKED.filter((p) => existsSync(p));
  const readonly = READONLY.filter((p) => existsSync(p));
  t.comment(`masked paths on this kernel: ${masked.join(' ')}; read-only: ${readonly.join(' ')}`);
  const show = masked.map((p) => (statSync(p).isDirectory() ? `echo "${p} $(ls -A ${p} | wc -l)"` : `echo "${p} $(wc -c < ${p})"`)).join('; ');
  const r = await sh(`${show}; echo ---; cat /proc/self/mountinfo`);
  t.equal(r.code, 0, r.stderr);
  const [contents, mountinfo] = r.stdout.split('---\n');
  t.same(contents.trim().split('\n'), masked.map((p) => `${p} 0`), 'masked files read as empty, masked directories list nothing');
  const options = mountOptions(mountinfo);
  for (const p of masked) t.ok(options.has(p), `${p} is covered by a mount`);
  for (const p of readonly) t.match(options.get(p) ?? 'not a mount point', /^ro\b/, `${p} is a read-only mount`);
});

t.test('/proc: writes to the read-only paths are refused', { skip: needsRoot }, async (t) => {
  const r = await sh('echo 1 > /proc/sysrq-trigger && echo sysrq-written; echo x > /proc/sys/kernel/hostname && echo sys-written; echo done');
  t.equal(r.code, 0, r.stderr);
  t.notMatch(r.stdout, /sysrq-written|sys-written/, 'no write went through');
  t.match(r.stdout, /done\n$/, 'the script ran to its end');
});

// Harmless proof that /sys is read-only: its mount flag, and EROFS (not EACCES, which a
// writable sysfs answers too) for a file created at its top. Nothing here writes a real
// sysfs attribute, which a wrong implementation would let through to the host's kernel.
t.test('/sys is mounted read-only', { skip: needsRoot }, async (t) => {
  const r = await sh('grep " /sys " /proc/self/mountinfo; touch /sys/mydocker-test-x 2>&1; echo done');
  t.equal(r.code, 0, r.stderr);
  const [line, ...rest] = r.stdout.trim().split('\n');
  t.match(line?.split(' ')[5] ?? '', /^ro\b/, `the /sys mount is ro: ${line}`);
  t.match(rest.join('\n'), /Read-only file system/, 'creating a file in /sys fails with EROFS');
});

t.test('/dev has exactly the expected nodes', { skip: needsRoot }, async (t) => {
  const r = await sh('ls -A /dev | sort | tr "\\n" " "; echo; stat -c "%n %t:%T %a" /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty');
  t.equal(r.code, 0, r.stderr);
  const [names, ...nodes] = r.stdout.trim().split('\n');
  t.same(
    names.trim().split(' ').sort(),
    ['core', 'fd', 'full', 'mqueue', 'null', 'ptmx', 'pts', 'random', 'shm', 'stderr', 'stdin', 'stdout', 'tty', 'urandom', 'zero'],
    "/dev's entries, sorted",
  );
  t.same(nodes, ['/dev/null 1:3 666', '/dev/zero 1:5 666', '/dev/full 1:7 666', '/dev/random 1:8 666', '/dev/urandom 1:9 666', '/dev/tty 5:0 666'], 'the device nodes: major:minor and mode');
  const w = await sh('echo data > /dev/null && head -c 4 /dev/zero | wc -c && echo x > /dev/full; echo full=$?');
  t.match(w.stdout, /^4\nfull=1\n$/, 'null, zero and full behave');
});

t.test('-t gives a terminal from the container\'s own /dev/pts', { skip: needsRoot }, async (t) => {
  const out = await new Promise<string>((resolve) => {
    const cmd = `${MYDOCKER} --root ${root} run --rm -t busybox sh -c 'tty; ls /dev/pts | tr "\\n" " "'`;
    const p = spawn('script', ['-qec', cmd, '/dev/null'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let s = '';
    p.stdout.on('data', (d) => (s += d));
    // script, the CLI and the container: all of it, if it hangs
    const timer = setTimeout(() => {
      killTree(p.pid!);
      s += '\n[timed out after 30 s]';
    }, 30_000);
    p.on('close', () => {
      clearTimeout(timer);
      resolve(s);
    });
  });
  t.match(out, /^\/dev\/pts\/0\r*\n/, 'the first terminal of a new devpts instance');
  t.match(out, /0 ptmx/, 'ptmx of its own devpts instance');
});

t.test('bind volumes: read-write and :ro; a missing host path is refused', { skip: needsRoot }, async (t) => {
  const host = join(root, `${unique}-vol`);
  mkdirSync(host);
  writeFileSync(join(host, 'in'), 'from host\n');
  const rw = await sh('cat /data/in; echo from container > /data/out', ['-v', `${host}:/data`]);
  t.equal(rw.code, 0, rw.stderr);
  t.equal(rw.stdout, 'from host\n', 'the container read the host file through the volume');
  t.equal(readFileSync(join(host, 'out'), 'utf8'), 'from container\n', 'the host sees the write');
  const ro = await sh('cat /data/in; echo x > /data/out2; echo rc=$?', ['-v', `${host}:/data:ro`]);
  t.match(ro.stdout, /^from host\nrc=1\n$/, 'a write to a :ro volume fails');
  t.notOk(existsSync(join(host, 'out2')), 'nothing was written to the host through :ro');
  const containersBefore = readdirSync(join(root, 'containers')).length;
  const bad = await sh('true', ['-v', `/nonexistent-${unique}:/data`]);
  t.equal(bad.code, 125, 'a missing host path: 125');
  t.equal(bad.stderr.trim().split('\n').length, 1, 'one line on stderr');
  t.match(bad.stderr, /nonexistent/, 'the error names the missing path');
  t.equal(readdirSync(join(root, 'containers')).length, containersBefore, 'no container was recorded');
});

t.test('a named volume keeps its data across containers', { skip: needsRoot }, async (t) => {
  const w = await sh('echo kept > /v/file', ['-v', `${unique}-named:/v`]);
  t.equal(w.code, 0, w.stderr);
  const r = await sh('cat /v/file', ['-v', `${unique}-named:/v`]);
  t.equal(r.stdout, 'kept\n', "the named volume kept the first container's data");
});

t.test('generated /etc files: hostname, hosts, resolv.conf', { skip: needsRoot }, async (t) => {
  const r = await sh('cat /etc/hostname; hostname; grep -c localhost /etc/hosts; test -s /etc/resolv.conf && echo resolv', ['-h', 'box1']);
  t.equal(r.stdout, 'box1\nbox1\n2\nresolv\n', '/etc/hostname, hostname, two localhost lines in /etc/hosts, a resolv.conf');
});

t.test('names are unique; --rm removes the container', { skip: needsRoot }, async (t) => {
  const name = `${unique}-named-ctr`;
  const a = await mydocker(['run', '--name', name, 'busybox', 'true'], { root });
  t.equal(a.code, 0, a.stderr);
  const b = await mydocker(['run', '--name', name, 'busybox', 'true'], { root });
  t.equal(b.code, 125, 'a name in use is refused');
  t.match(b.stderr, /already in use/, "docker's message for a name in use");
  const count = () => readdirSync(join(root, 'containers')).filter((f) => /^[0-9a-f]{64}$/.test(f)).length;
  const n = count();
  const c = await mydocker(['run', '--rm', 'busybox', 'true'], { root });
  t.equal(c.code, 0, 'run --rm');
  t.equal(count(), n, '--rm left no container behind');
  const d = await mydocker(['run', 'busybox', 'true'], { root });
  t.equal(d.code, 0, 'run without --rm');
  t.equal(count(), n + 1, 'without --rm the container stays');
});

t.test('the image config applies; flags override it', { skip: needsRoot }, async (t) => {
  const imported = await importBusybox(root, 'configured', ['ENV GREETING=hi', 'WORKDIR /srv/app', 'CMD ["sh", "-c", "echo $GREETING from $(pwd)"]']);
  t.equal(imported.code, 0, imported.stderr);
  const r = await mydocker(['run', '--rm', 'configured'], { root });
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, 'hi from /srv/app\n', 'Env, WorkingDir and Cmd from the image');
  const o = await mydocker(['run', '--rm', '-e', 'GREETING=hello', '-w', '/tmp', 'configured', 'sh', '-c', 'echo $GREETING from $(pwd)'], { root });
  t.equal(o.stdout, 'hello from /tmp\n', '-e, -w and the command win');
  const e = await mydocker(['run', '--rm', '--entrypoint', 'echo', 'configured', 'via', 'entrypoint'], { root });
  t.equal(e.stdout, 'via entrypoint\n', '--entrypoint');
});

t.test('a missing image is a 125 that names it', { skip: needsRoot }, async (t) => {
  const r = await mydocker(['run', '--rm', `${NO_REGISTRY}/no-such-image-${UNIQUE}`, 'true'], { root });
  t.equal(r.code, 125, 'a missing image: 125');
  missingImageLines(t, r.stderr, new RegExp(`no-such-image-${UNIQUE}`));
});

noLeaks(t, before);
