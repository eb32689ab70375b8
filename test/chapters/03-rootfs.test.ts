// Chapter 03 — the container runs in its image's files: overlay, pivot_root,
// its own /dev, /proc and /sys with the dangerous parts hidden, volumes, records.
import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MYDOCKER, mydocker, needsRoot, noLeaks, snapshot, tmpRoot } from '../harness/index.js';
import { importBusybox } from '../harness/fixtures.js';

const before = snapshot();
const root = tmpRoot(t);
const unique = `mydocker-03-${process.pid}`;

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
  t.equal(r.stdout, 'found\n');
  const missing = await mydocker(['run', '--rm', 'busybox', 'no-such-command'], { root });
  t.equal(missing.code, 127, 'not found in PATH: 127');
  t.match(missing.stderr, /no-such-command/);
});

t.test('no way back to the host: /proc/1/root and /..', { skip: needsRoot }, async (t) => {
  const r = await sh('ls -a / | sort | md5sum; ls -a /proc/1/root/ | sort | md5sum; cd /../..; pwd; ls -a | sort | md5sum');
  t.equal(r.code, 0, r.stderr);
  const [a, b, pwd, c] = r.stdout.trim().split('\n');
  t.equal(b, a, '/proc/1/root is the container root');
  t.equal(pwd, '/');
  t.equal(c, a, '/.. is /');
});

t.test('writes land in the container layer only', { skip: needsRoot }, async (t) => {
  const first = await mydocker(['run', '--name', `${unique}-w1`, 'busybox', 'sh', '-c', 'echo hello > /new-file; rm /bin/ls; cat /new-file'], { root });
  t.equal(first.code, 0, first.stderr);
  t.equal(first.stdout, 'hello\n');
  const second = await sh('test -e /new-file; echo new=$?; test -e /bin/ls; echo ls=$?');
  t.equal(second.stdout, 'new=1\nls=0\n', 'another container of the image sees the image unchanged');
});

t.test('/proc: masked paths are empty, read-only paths refuse writes', { skip: needsRoot }, async (t) => {
  // the masked files this kernel has (and that are not empty on the host)
  const masked = ['/proc/kcore', '/proc/keys', '/proc/timer_list', '/proc/interrupts', '/proc/sched_debug'].filter((p) => existsSync(p));
  t.ok(masked.length > 0, `this kernel has masked files: ${masked.join(' ')}`);
  const r = await sh(
    `for f in ${masked.join(' ')}; do echo "$f $(wc -c < $f)"; done; ls -A /sys/firmware | wc -l; ` +
      'echo 1 > /proc/sysrq-trigger && echo sysrq-written; echo x > /proc/sys/kernel/hostname && echo sys-written; ' +
      'touch /sys/x 2>/dev/null && echo sys-touched; echo done',
  );
  t.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  t.same(lines.slice(0, masked.length), masked.map((f) => `${f} 0`), 'masked files read as empty');
  t.equal(lines[masked.length].trim(), '0', '/sys/firmware is empty');
  t.notMatch(r.stdout, /sysrq-written|sys-written|sys-touched/, 'no write went through');
  t.match(r.stdout, /done\n$/);
});

t.test('/dev has exactly the expected nodes', { skip: needsRoot }, async (t) => {
  const r = await sh('ls -A /dev | sort | tr "\\n" " "; echo; stat -c "%n %t:%T %a" /dev/null /dev/zero /dev/full /dev/random /dev/urandom /dev/tty');
  t.equal(r.code, 0, r.stderr);
  const [names, ...nodes] = r.stdout.trim().split('\n');
  t.same(
    names.trim().split(' ').sort(),
    ['core', 'fd', 'full', 'mqueue', 'null', 'ptmx', 'pts', 'random', 'shm', 'stderr', 'stdin', 'stdout', 'tty', 'urandom', 'zero'],
  );
  t.same(nodes, ['/dev/null 1:3 666', '/dev/zero 1:5 666', '/dev/full 1:7 666', '/dev/random 1:8 666', '/dev/urandom 1:9 666', '/dev/tty 5:0 666']);
  const w = await sh('echo data > /dev/null && head -c 4 /dev/zero | wc -c && echo x > /dev/full; echo full=$?');
  t.match(w.stdout, /^4\nfull=1\n$/, 'null, zero and full behave');
});

t.test('-t gives a terminal from the container\'s own /dev/pts', { skip: needsRoot }, async (t) => {
  const out = await new Promise<string>((resolve) => {
    const cmd = `${MYDOCKER} --root ${root} run --rm -t busybox sh -c 'tty; ls /dev/pts | tr "\\n" " "'`;
    const p = spawn('script', ['-qec', cmd, '/dev/null'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let s = '';
    p.stdout.on('data', (d) => (s += d));
    p.on('close', () => resolve(s));
  });
  t.match(out, /^\/dev\/pts\/0\r*\n/, 'the first terminal of a new devpts instance');
  t.match(out, /0 ptmx/);
});

t.test('bind volumes: read-write and :ro; a missing host path is refused', { skip: needsRoot }, async (t) => {
  const host = join(root, `${unique}-vol`);
  mkdirSync(host);
  writeFileSync(join(host, 'in'), 'from host\n');
  const rw = await sh('cat /data/in; echo from container > /data/out', ['-v', `${host}:/data`]);
  t.equal(rw.code, 0, rw.stderr);
  t.equal(rw.stdout, 'from host\n');
  t.equal(readFileSync(join(host, 'out'), 'utf8'), 'from container\n', 'the host sees the write');
  const ro = await sh('cat /data/in; echo x > /data/out2; echo rc=$?', ['-v', `${host}:/data:ro`]);
  t.match(ro.stdout, /^from host\nrc=1\n$/, 'a write to a :ro volume fails');
  t.notOk(existsSync(join(host, 'out2')));
  const containersBefore = readdirSync(join(root, 'containers')).length;
  const bad = await sh('true', ['-v', `/nonexistent-${unique}:/data`]);
  t.equal(bad.code, 125);
  t.equal(bad.stderr.trim().split('\n').length, 1, 'one line on stderr');
  t.match(bad.stderr, /nonexistent/);
  t.equal(readdirSync(join(root, 'containers')).length, containersBefore, 'no container was recorded');
});

t.test('a named volume keeps its data across containers', { skip: needsRoot }, async (t) => {
  const w = await sh('echo kept > /v/file', ['-v', `${unique}-named:/v`]);
  t.equal(w.code, 0, w.stderr);
  const r = await sh('cat /v/file', ['-v', `${unique}-named:/v`]);
  t.equal(r.stdout, 'kept\n');
});

t.test('generated /etc files: hostname, hosts, resolv.conf', { skip: needsRoot }, async (t) => {
  const r = await sh('cat /etc/hostname; hostname; grep -c localhost /etc/hosts; test -s /etc/resolv.conf && echo resolv', ['-h', 'box1']);
  t.equal(r.stdout, 'box1\nbox1\n2\nresolv\n');
});

t.test('names are unique; --rm removes the container', { skip: needsRoot }, async (t) => {
  const name = `${unique}-named-ctr`;
  const a = await mydocker(['run', '--name', name, 'busybox', 'true'], { root });
  t.equal(a.code, 0, a.stderr);
  const b = await mydocker(['run', '--name', name, 'busybox', 'true'], { root });
  t.equal(b.code, 125, 'a name in use is refused');
  t.match(b.stderr, /already in use/);
  const count = () => readdirSync(join(root, 'containers')).filter((f) => /^[0-9a-f]{64}$/.test(f)).length;
  const n = count();
  const c = await mydocker(['run', '--rm', 'busybox', 'true'], { root });
  t.equal(c.code, 0);
  t.equal(count(), n, '--rm left no container behind');
  const d = await mydocker(['run', 'busybox', 'true'], { root });
  t.equal(d.code, 0);
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
  const r = await mydocker(['run', '--rm', `no-such-image-${process.pid}`, 'true'], { root });
  t.equal(r.code, 125);
  t.match(r.stderr, new RegExp(`no-such-image-${process.pid}`));
  t.equal(r.stderr.trim().split('\n').length, 1);
});

noLeaks(t, before);
