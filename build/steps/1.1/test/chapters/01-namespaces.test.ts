// Chapter 01 — a container is a process in new namespaces. `run /abs/cmd` runs the
// command on the host's own files (no image) as PID 1 of new UTS, PID, mount, IPC
// and network namespaces, with docker's exit codes, environment, stdio and signals.
// Black-box: everything goes through the binary named by env MYDOCKER.
import t from 'tap';
import { execFileSync, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  MYDOCKER,
  NO_REGISTRY,
  childrenOf,
  isRoot,
  killTree,
  missingImageLines,
  mountPoints,
  mydocker,
  needsRoot,
  noteCommand,
  noLeaks,
  snapshot,
  tmpRoot,
  waitFor,
} from '../harness/index.js';

const before = snapshot();
const root = tmpRoot(t);
// the tests' own files and mounts live beside the state root, not in it: mydocker refuses a
// root that holds anything but its store (chapter 01's root stays empty)
const scratch = tmpRoot(t);
const hostHostname = () => readFileSync('/proc/sys/kernel/hostname', 'utf8').trim();
// an implementation without a UTS namespace renames the machine it runs on (npm test's
// sandbox has a UTS namespace of its own, so there "the host" is the sandbox): put the
// name back at the end, and the hostname tests check the namespace before they set one
const hostnameAtStart = isRoot ? hostHostname() : '';
t.teardown(() => {
  if (isRoot && hostHostname() !== hostnameAtStart) writeFileSync('/proc/sys/kernel/hostname', hostnameAtStart);
});

/**
 * Does the container get a namespace of this kind of its own? A test that would change
 * the host through a missing namespace (a hostname, a mount) asks first, and fails
 * without doing it when the answer is no.
 */
const isolation = new Map<string, Promise<string | null>>();
async function isolated(t: Tap.Test, kind: 'uts' | 'mnt'): Promise<boolean> {
  if (!isolation.has(kind)) {
    isolation.set(
      kind,
      mydocker(['run', '/bin/readlink', `/proc/self/ns/${kind}`], { root }).then((r) => {
        const host = readlinkSync(`/proc/self/ns/${kind}`);
        if (r.code !== 0) return `could not read the container's ${kind} namespace: ${r.code} ${r.stderr.trim()}`;
        return r.stdout.trim() === host ? `the container shares the host's ${kind} namespace (${host})` : null;
      }),
    );
  }
  const why = await isolation.get(kind)!;
  if (why) t.fail(`${why}: not running this test, it would change the host`);
  return !why;
}

/** a running `mydocker run`, watched while it runs */
interface Live {
  pid: number;
  stdout(): string;
  stderr(): string;
  /** stdin stays open until this is called (or the CLI exits) */
  write(data: string | Buffer): void;
  end(): void;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: Buffer; stderr: string }>;
}

/**
 * start `mydocker --root ROOT ARGS...` and return at once. On timeout the
 * container's processes are killed first (the CLI's children), then the CLI, so a
 * failing test leaves nothing behind.
 */
function start(args: string[], timeoutMs = 30_000): Live {
  noteCommand(['--root', root, ...args]);
  const child = spawn(MYDOCKER, ['--root', root, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  let err = '';
  let timedOut = false;
  child.stdout.on('data', (d: Buffer) => out.push(d));
  child.stderr.on('data', (d) => (err += d));
  child.stdin.on('error', () => {}); // the CLI may exit before reading its stdin
  const timer = setTimeout(() => {
    timedOut = true;
    killTree(child.pid!); // the CLI and the container's processes below it
  }, timeoutMs);
  const done = new Promise<Awaited<Live['done']>>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) reject(new Error(`mydocker ${args.join(' ').slice(0, 200)}: timed out after ${timeoutMs / 1000} s (killed it and its processes)`));
      else resolve({ code, signal, stdout: Buffer.concat(out), stderr: err });
    });
  });
  return {
    pid: child.pid!,
    stdout: () => Buffer.concat(out).toString(),
    stderr: () => err,
    write: (d) => void child.stdin.write(d),
    end: () => void child.stdin.end(),
    done,
  };
}

/** single-quote a word for sh */
const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const md = (args: string[]) => {
  noteCommand(['--root', root, ...args]);
  return [MYDOCKER, '--root', root, ...args].map(q).join(' ');
};

/**
 * run a mydocker command line (shell text) under a real pseudo-terminal of ROWS x COLS
 * (util-linux `script`, bash with pipefail); `before` and `after` are shell lines run
 * around it. Resolves with the exit status of the command line itself (not of `after`,
 * not of script: script -e passes its shell's status on, and the shell exits with the
 * command's) and the whole output (\r removed). script's stdin is a pipe kept open until
 * the end: at end-of-file script would type ^D into the terminal, and a ^D that arrives
 * before mydocker switches the terminal to raw mode is turned by the kernel into a NUL
 * byte that `-i` then forwards to the container.
 */
function underPty(
  cmd: string,
  o: { before?: string; after?: string; rows?: number; cols?: number; input?: (w: (s: string) => void, out: () => string) => Promise<void>; timeoutMs?: number } = {},
) {
  const size = `stty rows ${o.rows ?? 24} cols ${o.cols ?? 80}`;
  const line = `set -o pipefail; ${size}; ${o.before ?? ''}\n${cmd}\nrc=$?; ${o.after ?? ''}\nexit $rc`;
  const child = spawn('script', ['-qec', line, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, SHELL: '/bin/bash' } });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  child.stdin.on('error', () => {});
  const limit = o.timeoutMs ?? 30_000;
  let timedOut = false;
  // script → bash → mydocker → the container's init: all of it
  const timer = setTimeout(() => {
    timedOut = true;
    killTree(child.pid!);
  }, limit);
  const done = new Promise<{ code: number | null; out: string }>((resolve, reject) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      child.stdin.end();
      if (timedOut) reject(new Error(`timed out after ${limit / 1000} s under a terminal: ${cmd}\noutput so far: ${out.slice(-1000)}`));
      else resolve({ code, out: out.replace(/\r/g, '') });
    }),
  );
  if (o.input) void o.input((s) => child.stdin.write(s), () => out);
  return done;
}

/** one line of stderr: mydocker's own error message */
function oneLine(t: Tap.Test, stderr: string, re: RegExp): void {
  t.equal(stderr.split('\n').filter(Boolean).length, 1, `exactly one line on stderr: ${JSON.stringify(stderr)}`);
  t.match(stderr, re, `mydocker's own error line, matching ${re}`);
}

// ---------------------------------------------------------------------------
// PID namespace

t.test('the command runs as PID 1', { skip: needsRoot }, async (t) => {
  const r = await mydocker(['run', '/bin/sh', '-c', 'echo $$'], { root });
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, '1\n', 'echo $$ prints 1: the command is PID 1 of a new PID namespace');
});

t.test('ps lists only the container\'s processes', { skip: needsRoot }, async (t) => {
  const r = await mydocker(['run', '/bin/sh', '-c', '/bin/ps -e -o pid=,comm=; echo; ls /proc'], { root });
  t.equal(r.code, 0, r.stderr);
  const [ps, ls] = r.stdout.split('\n\n');
  const rows = ps.trim().split('\n').map((l) => l.trim().split(/\s+/));
  t.same(rows.map((r) => r[1]), ['sh', 'ps'], 'just PID 1 (sh) and ps itself');
  t.equal(rows[0][0], '1', 'sh is PID 1');
  t.equal(ls.split('\n').filter((e) => /^\d+$/.test(e)).length, 2, "the container's /proc holds two processes (sh, and ls)");
  t.notOk(
    rows.some(([pid]) => Number(pid) === process.pid),
    'the test runner (a host process) is not there',
  );
});

t.test('the command itself is PID 1 when it is not a shell', { skip: needsRoot }, async (t) => {
  const r = await mydocker(['run', '/bin/ps', '-e', '-o', 'pid=,comm='], { root });
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout.trim().replace(/\s+/g, ' '), '1 ps', 'ps was execve\'d in place of the init');
});

// ---------------------------------------------------------------------------
// namespaces, seen from /proc/self/ns

t.test('the uts, pid, mnt, ipc and net namespaces are new', { skip: needsRoot }, async (t) => {
  const kinds = ['uts', 'pid', 'mnt', 'ipc', 'net'];
  const r = await mydocker(['run', '/bin/sh', '-c', `for n in ${kinds.join(' ')}; do readlink /proc/self/ns/$n; done`], { root });
  t.equal(r.code, 0, r.stderr);
  const inside = r.stdout.trim().split('\n');
  t.equal(inside.length, kinds.length, 'one namespace link per kind');
  kinds.forEach((kind, i) => {
    const host = readlinkSync(`/proc/self/ns/${kind}`);
    t.match(inside[i], new RegExp(`^${kind}:\\[\\d+\\]$`), `${kind}: a namespace link`);
    t.not(inside[i], host, `${kind}: differs from the host's ${host}`);
  });
});

t.test('the network namespace is empty: only a loopback', { skip: needsRoot }, async (t) => {
  const r = await mydocker(['run', '/bin/cat', '/proc/net/dev'], { root });
  t.equal(r.code, 0, r.stderr);
  const ifaces = r.stdout.split('\n').slice(2).filter(Boolean).map((l) => l.split(':')[0].trim());
  t.same(ifaces, ['lo'], 'only lo in /proc/net/dev: a new network namespace');
});

// ---------------------------------------------------------------------------
// UTS: the hostname

t.test('the default hostname is twelve hex digits (a short id), also in $HOSTNAME', { skip: needsRoot }, async (t) => {
  if (!(await isolated(t, 'uts'))) return;
  const a = await mydocker(['run', '/bin/sh', '-c', 'hostname; echo "$HOSTNAME"'], { root });
  t.equal(a.code, 0, a.stderr);
  const [name = '', env = ''] = a.stdout.split('\n');
  t.match(name, /^[0-9a-f]{12}$/, 'twelve hex digits, like docker');
  t.equal(env, name, "$HOSTNAME (in the command's environment, as docker sets it) is the hostname");
  const b = await mydocker(['run', '/bin/hostname'], { root });
  t.not(b.stdout.trim(), name, 'each container gets its own');
  t.not(name, hostHostname(), "not the host's hostname");
});

t.test('-h and --hostname set it; the host keeps its own', { skip: needsRoot }, async (t) => {
  if (!(await isolated(t, 'uts'))) return;
  const host = hostHostname();
  const short = await mydocker(['run', '-h', 'box-one', '/bin/sh', '-c', 'hostname; echo $HOSTNAME'], { root });
  t.equal(short.code, 0, short.stderr);
  t.equal(short.stdout, 'box-one\nbox-one\n', '-h box-one: hostname and $HOSTNAME');
  const long = await mydocker(['run', '--hostname=box.two', '/bin/hostname'], { root });
  t.equal(long.stdout, 'box.two\n', '--hostname=box.two');
  t.equal(hostHostname(), host, "the host's hostname did not change");
});

t.test('a hostname set inside does not change the host\'s', { skip: needsRoot }, async (t) => {
  if (!(await isolated(t, 'uts'))) return;
  const host = hostHostname();
  const r = await mydocker(['run', '-h', 'first', '/bin/sh', '-c', 'hostname changed-inside && hostname && cat /proc/sys/kernel/hostname'], { root });
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, 'changed-inside\nchanged-inside\n', "hostname changed-inside took effect inside");
  t.equal(hostHostname(), host, "the host's hostname is unchanged");
});

// ---------------------------------------------------------------------------
// mount namespace

/** lazily unmount dir and everything below it, when mounted (a test's own cleanup) */
function umountAll(dir: string): void {
  if (mountPoints().some((m) => m === dir || m.startsWith(dir + '/'))) execFileSync('umount', ['-R', '-l', dir]);
}

t.test('a mount made inside is invisible outside; the host\'s /proc still works', { skip: needsRoot }, async (t) => {
  if (!(await isolated(t, 'mnt'))) return;
  const dir = mkdtempSync(join(scratch, 'mnt-'));
  t.teardown(() => umountAll(dir));
  const procMounts = () => mountPoints().filter((m) => m === '/proc').length;
  const procBefore = procMounts();
  const r = await mydocker(
    ['run', '/bin/sh', '-c', `mount -t tmpfs inside ${q(dir)} && echo hello > ${q(dir)}/file && cat ${q(dir)}/file && grep -c " ${dir} " /proc/self/mountinfo`],
    { root },
  );
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, 'hello\n1\n', 'inside: the tmpfs is mounted and writable');
  t.notOk(mountPoints().includes(dir), 'outside: the directory is not a mount point');
  t.notOk(existsSync(join(dir, 'file')), "outside: the file written into the tmpfs is not there");
  t.same(readdirSync(dir), [], 'outside: the directory is still empty');
  // the container mounted a new proc on /proc: it must not have replaced the host's
  t.equal(procMounts(), procBefore, 'the host has as many /proc mounts as before');
  t.equal(readlinkSync('/proc/self'), String(process.pid), "the host's /proc/self is this process");
  t.match(readFileSync('/proc/self/status', 'utf8'), new RegExp(`\\nPid:\\s+${process.pid}\\n`), "the host's /proc/self/status is this process's");
  t.ok(readdirSync('/proc').includes(String(process.pid)), "the host's /proc lists host processes");
});

// The bug of the original mydocker on systemd hosts: a new mount namespace copies the
// host's mounts with their propagation, so a mount made inside under a shared mount
// appears on the host too, unless the init makes its mounts private first. This host's
// `/` may be private already: the test makes a shared mount of its own.
t.test('a mount made inside does not propagate to a shared mount of the host', { skip: needsRoot }, async (t) => {
  if (!(await isolated(t, 'mnt'))) return;
  const shared = mkdtempSync(join(scratch, 'shared-'));
  t.teardown(() => umountAll(shared));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'mydocker-test-shared', shared]);
  execFileSync('mount', ['--make-shared', shared]);
  mkdirSync(join(shared, 'sub'));
  t.match(readFileSync('/proc/self/mountinfo', 'utf8'), new RegExp(` ${shared} [^\n]* shared:\\d+`), 'the test made a shared mount');
  const r = await mydocker(['run', '/bin/sh', '-c', `mount -t tmpfs inside ${q(shared)}/sub && grep -c " ${shared}/sub " /proc/self/mountinfo`], { root });
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, '1\n', 'inside: the tmpfs is mounted');
  t.notOk(mountPoints().includes(`${shared}/sub`), 'outside: it did not propagate to the shared mount (the init makes its mounts private)');
});

// CVE-2024-21626: a runtime that let an fd of its own reach the container handed it the
// host's filesystem. The CLI is given extra open fds (pipes, a host directory) at 3 to 6,
// where the runtime's own fds may sit too: the command must see only 0, 1 and 2.
t.test('only fds 0, 1 and 2 reach the command', { skip: needsRoot }, async (t) => {
  const hostDir = openSync(root, 'r'); // an fd to a host directory, inheritable
  t.teardown(() => closeSync(hostDir));
  noteCommand(['--root', root, 'run', '/bin/sh', '-c', 'ls -l /proc/1/fd; exit 0']);
  const child = spawn(MYDOCKER, ['--root', root, 'run', '/bin/sh', '-c', 'ls -l /proc/1/fd; exit 0'], {
    stdio: ['pipe', 'pipe', 'pipe', 'pipe', hostDir, 'pipe', hostDir],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  child.stdin!.end();
  const timer = setTimeout(() => killTree(child.pid!), 30_000);
  const code = await new Promise<number | null>((r) => child.on('close', r));
  clearTimeout(timer);
  t.equal(code, 0, err);
  // ls -l: "lrwx------ 1 root root 64 Jan  1 00:00 0 -> /dev/null"
  const fds = [...out.matchAll(/ (\d+) -> (.*)$/gm)].map((m) => m[1]);
  t.same(fds, ['0', '1', '2'], `the container's PID 1 (sh, while ls runs) has fds 0 1 2 only:\n${out}`);
  t.notMatch(out, new RegExp(root), 'no fd leads to the host directory the CLI had open');
});

t.test('the container gets a fresh /proc of its own PID namespace', { skip: needsRoot }, async (t) => {
  const r = await mydocker(['run', '/bin/sh', '-c', 'readlink /proc/1/exe; cat /proc/1/cmdline | tr "\\0" " "'], { root });
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /^\/(usr\/)?bin\/(da|ba)?sh\n/, "/proc/1 is the container's PID 1, the shell");
  t.match(r.stdout, /\n\/bin\/sh -c /, "/proc/1/cmdline is the container's shell");
});

// ---------------------------------------------------------------------------
// argv: everything after COMMAND reaches the container untouched

t.test('arguments round-trip byte for byte', { skip: needsRoot }, async (t) => {
  const args = [
    'plain',
    'two words',
    '  leading and trailing  ',
    "single ' quote",
    'double " quote',
    'back\\slash \\n not a newline',
    'a\nreal\nnewline',
    '',
    'tab\there',
    '$HOME `id` $(id) *',
    '-la',
    '-d',
    '1',
    '--rm',
    '-h',
    '--',
    '-e',
    'X=1',
    'ünïcødé ✓',
    '',
    'x'.repeat(100_000),
  ];
  const r = await mydocker(['run', '/usr/bin/printf', '%s\\0', ...args], { root });
  t.equal(r.code, 0, r.stderr);
  t.same(r.stdout.split('\0').slice(0, -1), args, 'every argument arrived byte for byte');
});

t.test('flags after COMMAND belong to the command: ls -la', { skip: needsRoot }, async (t) => {
  const r = await mydocker(['run', '/bin/ls', '-la', '/'], { root });
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /^total \d+\n/, 'ls got -l');
  t.match(r.stdout, / \.\.\n/, 'ls got -a');
});

t.test('flags after COMMAND belong to the command: -d 1, -t, -i, -e', { skip: needsRoot }, async (t) => {
  const r = await mydocker(['run', '/bin/sh', '-c', 'echo "$#:$*"; test -t 0 && echo tty; echo "[$X]"', 'sh', '-d', '1', '-t', '-i', '-e', 'X=1'], { root });
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, '6:-d 1 -t -i -e X=1\n[]\n', 'no -t, no -e took effect');
});

// ---------------------------------------------------------------------------
// exit status, as docker reports it

t.test('exit status 0 and the container\'s own status', { skip: needsRoot }, async (t) => {
  const ok = await mydocker(['run', '/bin/true'], { root });
  t.equal(ok.code, 0, ok.stderr);
  t.equal(ok.stderr, '', 'nothing on stderr');
  const seven = await mydocker(['run', '/bin/sh', '-c', 'exit 7'], { root });
  t.equal(seven.code, 7, 'exit 7 is the exit status of mydocker run');
  t.equal(seven.stderr, '', 'the status is the container\'s, not an error of mydocker');
  const high = await mydocker(['run', '/bin/sh', '-c', 'exit 255'], { root });
  t.equal(high.code, 255, 'exit 255 is the exit status of mydocker run');
});

t.test('126: the command cannot be executed', { skip: needsRoot }, async (t) => {
  const file = await mydocker(['run', '/etc/passwd'], { root });
  t.equal(file.code, 126, 'a file without x permission');
  oneLine(t, file.stderr, /\/etc\/passwd.*permission denied/);
  const dir = await mydocker(['run', '/tmp'], { root });
  t.equal(dir.code, 126, 'a directory');
  oneLine(t, dir.stderr, /\/tmp/);
});

t.test('127: the command does not exist', { skip: needsRoot }, async (t) => {
  const r = await mydocker(['run', '/no/such/command', 'arg'], { root });
  t.equal(r.code, 127, '127: the command does not exist');
  t.equal(r.stdout, '', 'nothing on stdout');
  oneLine(t, r.stderr, /\/no\/such\/command.*no such file or directory/);
});

t.test('137: killed by SIGKILL; PID 1 ignores SIGTERM it has no handler for', { skip: needsRoot }, async (t) => {
  const live = start(['run', '/bin/sh', '-c', 'echo ready; i=0; while [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done; echo survived'], 60_000);
  await waitFor(() => live.stdout().includes('ready'), 10_000, 'the container to start');
  const [init] = await waitFor(() => childrenOf(live.pid).length && childrenOf(live.pid), 5_000, "the container's init");
  t.not(readlinkSync(`/proc/${init}/ns/pid`), readlinkSync('/proc/self/ns/pid'), "the CLI's child is in a new PID namespace");
  t.equal(readFileSync(`/proc/${init}/comm`, 'utf8').trim(), 'sh', 'and it is the command itself (execve kept PID 1)');
  process.kill(live.pid, 'SIGTERM'); // forwarded to PID 1, which has no handler
  process.kill(init, 'SIGTERM'); // sent straight from the host: ignored as well
  await new Promise((r) => setTimeout(r, 500));
  t.ok(existsSync(`/proc/${init}`), 'still running after SIGTERM');
  process.kill(init, 'SIGKILL');
  const r = await live.done;
  t.equal(r.code, 137, '128 + 9');
  t.notMatch(r.stdout.toString(), /survived/, 'the container was killed before it could finish');
});

// ---------------------------------------------------------------------------
// 125: mydocker's own errors, one line on stderr, nothing started

t.test('125: an unknown flag', async (t) => {
  for (const args of [['run', '--bogus', '/bin/true'], ['run', '-Z', '/bin/true'], ['--bogus-global', 'run', '/bin/true']]) {
    const r = await mydocker(args, { root });
    t.equal(r.code, 125, args.join(' '));
    oneLine(t, r.stderr, /bogus|Z/);
    t.equal(r.stdout, '', 'nothing on stdout');
  }
});

t.test('125: a flag without its value', async (t) => {
  const r = await mydocker(['run', '-e'], { root });
  t.equal(r.code, 125, 'run -e without a value: 125');
  oneLine(t, r.stderr, /-e|env/);
});

t.test('125: run without a command', { skip: needsRoot }, async (t) => {
  const r = await mydocker(['run'], { root });
  t.equal(r.code, 125, 'run without a command: 125');
  oneLine(t, r.stderr, /requires at least 1 argument/);
  const flagsOnly = await mydocker(['run', '-i', '-t'], { root });
  t.equal(flagsOnly.code, 125, 'run -i -t without a command: 125');
  oneLine(t, flagsOnly.stderr, /requires at least 1 argument/);
});

t.test('125: an image that does not exist', { skip: needsRoot }, async (t) => {
  const r = await mydocker(['run', `${NO_REGISTRY}/nosuchimage`, '/bin/true'], { root });
  t.equal(r.code, 125, 'an image that does not exist: 125');
  // chapter 01 has no images yet ("images arrive in chapter 03"); from chapter 03 on: docker's "Unable to find image"
  missingImageLines(t, r.stderr, /nosuchimage/);
});

t.test('125: bad values for -h and -e', { skip: needsRoot }, async (t) => {
  const host = await mydocker(['run', '-h', 'not_valid!', '/bin/true'], { root });
  t.equal(host.code, 125, '-h not_valid!: 125');
  oneLine(t, host.stderr, /hostname/);
  const env = await mydocker(['run', '-e', '=value', '/bin/true'], { root });
  t.equal(env.code, 125, '-e =value: 125');
  oneLine(t, env.stderr, /=value/);
});

// What the user typed comes back in error lines: a newline in it must not split the
// line, and an escape sequence must not reach the terminal (\x1b[2J clears the screen).
t.test('control characters in input are escaped in the error line', { skip: needsRoot }, async (t) => {
  for (const args of [['run', 'bad\x1b[2Jname'], ['run', '-e', '=\x1b[31mred\nline', '/bin/true'], ['run', '-h', 'bad\nhost', '/bin/true']]) {
    const cmd = `mydocker ${args.map((a) => JSON.stringify(a)).join(' ')}`;
    const r = await mydocker(args, { root });
    t.not(r.code, 0, `${cmd}: fails`);
    t.match(r.stderr, /^mydocker: [^\n]*\n$/, `${cmd}: expected exactly one line on stderr, got ${JSON.stringify(r.stderr)}`);
    t.notMatch(r.stderr.slice(0, -1), /[\u0000-\u001f\u007f]/, `${cmd}: expected no raw control character, got ${JSON.stringify(r.stderr)}`);
  }
});

// -D shows what lies under an error: its causes, one "caused by" line each, after the
// error's own line; without -D that one line is all.
t.test('-D: the one-line error, then its causes', { skip: needsRoot }, async (t) => {
  const file = join(scratch, 'not-a-dir');
  writeFileSync(file, '');
  const args = ['--root', join(file, 'store'), 'run', '/bin/true'];
  const plain = await mydocker(args);
  t.equal(plain.code, 125, '--root under a file: 125');
  oneLine(t, plain.stderr, /cannot use .* as the root directory: not a directory/);
  const debug = await mydocker(['-D', ...args]);
  t.equal(debug.code, 125, 'with -D: still 125');
  t.match(debug.stderr, /^mydocker: cannot use .* as the root directory: not a directory\ncaused by: ENOTDIR: not a directory, stat '[^\n]*store'\n/m, '-D adds a caused-by line after the error line');
});

t.test('125: run needs root', async (t) => {
  // as root, the same check as user nobody (util-linux setpriv drops the ids for one command)
  const r = isRoot
    ? await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        // env -i: without what tap adds to every child's environment (its loaders write files nobody may not)
        const argv = ['-i', `PATH=${process.env.PATH}`, 'setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];
        noteCommand(['--root', `${root}-nobody`, 'run', '/bin/true']); // as user nobody
        const p = spawn('env', [...argv, MYDOCKER, '--root', `${root}-nobody`, 'run', '/bin/true'], { stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        p.stderr.on('data', (d) => (stderr += d));
        p.on('close', (code) => resolve({ code, stderr }));
      })
    : await mydocker(['run', '/bin/true'], { root });
  t.equal(r.code, 125, 'run by a user who is not root: 125');
  oneLine(t, r.stderr, /root/);
  t.notOk(existsSync(`${root}-nobody`), 'nothing was created');
});

// ---------------------------------------------------------------------------
// environment

const envOf = (stdout: string) => stdout.split('\0').filter(Boolean).sort();
const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

t.test("docker's default environment, and nothing from the host", { skip: needsRoot }, async (t) => {
  const r = await mydocker(['run', '-h', 'envbox', '/usr/bin/env', '-0'], { root, env: { ...process.env, LEAK_ME: 'host-value' } });
  t.equal(r.code, 0, r.stderr);
  t.same(envOf(r.stdout), ['HOSTNAME=envbox', DEFAULT_PATH], 'PATH and HOSTNAME, nothing else (sorted)');
});

t.test('-t adds TERM=xterm', { skip: needsRoot }, async (t) => {
  const r = await mydocker(['run', '-t', '-h', 'envbox', '/usr/bin/env', '-0'], { root });
  t.equal(r.code, 0, r.stderr);
  t.same(envOf(r.stdout), ['HOSTNAME=envbox', DEFAULT_PATH, 'TERM=xterm'], 'PATH, HOSTNAME and TERM=xterm (sorted)');
});

t.test('-e sets, overrides and copies variables', { skip: needsRoot }, async (t) => {
  const r = await mydocker(
    [
      'run', '-h', 'envbox',
      '-e', 'A=1',
      '--env', 'B=',
      '-e', 'C=x=y',
      '-eD=two words',
      '-e', 'MULTI=line1\nline2',
      '-e', 'A=2', // a later value wins
      '-e', 'FROM_HOST', // copied from the CLI's environment
      '-e', 'NOT_SET_ANYWHERE', // dropped, as docker does
      '-e', 'PATH=/bin',
      '-e', 'HOSTNAME=other',
      '/usr/bin/env', '-0',
    ],
    { root, env: { ...process.env, FROM_HOST: 'copied value', NOT_SET_ANYWHERE: undefined } },
  );
  t.equal(r.code, 0, r.stderr);
  t.same(envOf(r.stdout), ['A=2', 'B=', 'C=x=y', 'D=two words', 'FROM_HOST=copied value', 'HOSTNAME=other', 'MULTI=line1\nline2', 'PATH=/bin'], '-e in order: set, override, copy from the caller (sorted)');
});

// ---------------------------------------------------------------------------
// stdin

t.test('-i: stdin is piped to the container', { skip: needsRoot }, async (t) => {
  const text = await mydocker(['run', '-i', '/bin/cat'], { root, input: 'hello\nworld\n' });
  t.equal(text.code, 0, text.stderr);
  t.equal(text.stdout, 'hello\nworld\n', 'cat echoed the piped input');
  const data = randomBytes(4 << 20);
  const live = start(['run', '-i', '/usr/bin/sha256sum']);
  live.write(data);
  live.end();
  const r = await live.done;
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout.toString().split(' ')[0], createHash('sha256').update(data).digest('hex'), '4 MiB of binary data arrive intact');
});

t.test('-i: the container reads until end-of-file and sees it', { skip: needsRoot }, async (t) => {
  const live = start(['run', '-i', '/bin/sh', '-c', 'while read line; do echo "got $line"; done; echo eof']);
  live.write('one\n');
  await waitFor(() => live.stdout().includes('got one'), 10_000, 'the first line to come back');
  live.write('two\n');
  await waitFor(() => live.stdout().includes('got two'), 10_000, 'the second line');
  live.end();
  const r = await live.done;
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout.toString(), 'got one\ngot two\neof\n', 'interactive: each line answered before the next was sent');
});

t.test('without -i, stdin is /dev/null', { skip: needsRoot }, async (t) => {
  const r = await mydocker(['run', '/bin/sh', '-c', 'cat; readlink /proc/self/fd/0'], { root, input: 'must not arrive\n' });
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, '/dev/null\n', "the container's stdin is /dev/null");
});

// ---------------------------------------------------------------------------
// signals without -t: the CLI passes them on to PID 1

t.test('signals sent to the CLI reach PID 1', { skip: needsRoot }, async (t) => {
  const signals: NodeJS.Signals[] = ['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];
  const traps = signals.map((s) => `trap "echo got ${s}" ${s.slice(3)}`).join('; ');
  const live = start(['run', '/bin/sh', '-c', `${traps}; trap "echo got SIGTERM; exit 3" TERM; echo ready; while :; do sleep 0.05; done`]);
  await waitFor(() => live.stdout().includes('ready'), 10_000, 'the container to start');
  for (const s of signals) {
    process.kill(live.pid, s);
    await waitFor(() => live.stdout().includes(`got ${s}\n`), 10_000, `the trap for ${s}`);
    t.pass(`${s} reached the container`);
  }
  process.kill(live.pid, 'SIGTERM');
  const r = await live.done;
  t.equal(r.code, 3, "SIGTERM ran the trap; the exit status is the trap's");
  t.match(r.stdout.toString(), /got SIGTERM\n$/, 'the trap ran on the forwarded SIGTERM');
});

// ---------------------------------------------------------------------------
// -t: a real terminal

t.test('-t: the container has a terminal of its own: tty is /dev/pts/N', { skip: needsRoot }, async (t) => {
  const r = await underPty(md(['run', '-t', '/bin/sh', '-c', 'tty; test -t 0 && test -t 1 && test -t 2 && echo all-three']), { after: 'tty' });
  t.equal(r.code, 0, `the container's exit status: ${r.out}`);
  const [inside, all, outside] = r.out.trim().split('\n');
  t.match(inside, /^\/dev\/pts\/\d+$/, 'tty inside names a /dev/pts device');
  t.equal(all, 'all-three', 'stdin, stdout and stderr are the terminal');
  t.match(outside, /^\/dev\/pts\/\d+$/, "the CLI's own terminal");
  t.not(inside, outside, "not the CLI's own terminal");
});

t.test('without -t the container never gets the CLI\'s terminal', { skip: needsRoot }, async (t) => {
  const r = await underPty(md(['run', '-i', '/bin/sh', '-c', 'for fd in 0 1 2; do test -t $fd && echo "$fd is a tty"; done; echo checked']));
  t.equal(r.code, 0, `the container's exit status: ${r.out}`);
  t.equal(r.out, 'checked\n', 'no fd is a terminal');
});

t.test('-t: stty size follows the outer terminal, also when it is resized', { skip: needsRoot }, async (t) => {
  const inner =
    'stty size; i=0; while [ "$(stty size)" = "13 57" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done; stty size';
  // the resize comes from a background job once the container has printed its first size
  const sizes = join(scratch, 'pty-sizes');
  const r = await underPty(`${md(['run', '-t', '/bin/sh', '-c', inner])} | tee ${q(sizes)}`, {
    before: `(while ! grep -q . ${q(sizes)} 2>/dev/null; do sleep 0.05; done; stty rows 41 cols 103 </dev/tty) &`,
    after: `rm -f ${q(sizes)}`,
    rows: 13,
    cols: 57,
  });
  t.equal(r.code, 0, `the container's exit status: ${r.out}`);
  t.equal(r.out, '13 57\n41 103\n', 'stty size: 13 57 at the start, 41 103 after the resize');
});

t.test('-ti: keystrokes reach the container and ^C interrupts it', { skip: needsRoot }, async (t) => {
  const inner = 'echo started; trap "echo got-INT; exit 5" INT; read line; echo "read:$line"; echo ready; while :; do sleep 0.05; done';
  const r = await underPty(md(['run', '-ti', '/bin/sh', '-c', inner]), {
    input: async (write, out) => {
      // the command runs only once the CLI's terminal is raw: from here keys travel as bytes
      await waitFor(() => out().includes('started'), 10_000, 'the container to start');
      write('typed text\r');
      await waitFor(() => out().includes('ready'), 10_000, 'the container to read the line');
      write('\x03');
    },
  });
  t.equal(r.code, 5, "the container's exit status is the trap's");
  t.match(r.out, /read:typed text\n/, 'the line typed reached the container');
  t.match(r.out, /got-INT\n/, '^C became SIGINT inside');
  t.notMatch(r.out, /\^@/, 'no stray NUL byte was typed into the container');
});

t.test('-ti: the terminal is restored on every exit path', { skip: needsRoot }, async (t) => {
  const check = (args: string[]) =>
    underPty(md(args), { before: 'a=$(stty -g)', after: 'b=$(stty -g); [ "$a" = "$b" ] && echo restored || echo "changed: $a -> $b"' });
  const normal = await check(['run', '-ti', '/bin/true']);
  t.equal(normal.code, 0, 'a normal exit: 0');
  t.match(normal.out, /restored\n$/, 'restored after a normal exit');
  const status = await check(['run', '-ti', '/bin/sh', '-c', 'exit 7']);
  t.equal(status.code, 7, 'a non-zero exit: 7');
  t.match(status.out, /restored\n$/, 'restored after a non-zero exit');
  const missing = await check(['run', '-ti', '/no/such/command']);
  t.equal(missing.code, 127, 'command not found: 127');
  t.match(missing.out, /restored\n$/, 'restored after the command was not found');
  const bad = await check(['run', '-ti', '--no-such-flag', '/bin/true']);
  t.equal(bad.code, 125, 'a usage error: 125');
  t.match(bad.out, /restored\n$/, 'restored after a usage error');
});

t.test('no output is lost at exit: without -t', { skip: needsRoot }, async (t) => {
  const r = await mydocker(['run', '/bin/sh', '-c', 'seq 1 200000; echo last-line; seq 1 1000 >&2'], { root });
  t.equal(r.code, 0, r.stderr.slice(-500));
  t.equal(r.stdout.split('\n').filter((l) => /^\d+$/.test(l)).length, 200000, 'every line of stdout arrived');
  t.match(r.stdout, /\n200000\nlast-line\n$/, 'the last lines arrived, in order');
  t.match(r.stderr, /^1\n[^]*\n1000\n$/, 'and of stderr');
});

/**
 * the numbered lines 1..n in order, then last-line: what `seq 1 n; echo last-line`
 * printed, and nothing else before or after but what `allowed` matches
 */
function checkSeq(t: Tap.Test, out: string, n: number, what: string, after = /^$/): void {
  const lines = out.replace(/\r/g, '').split('\n');
  // script may type a NUL before the output starts (see underPty)
  const start = lines.findIndex((l) => l.replace(/\0/g, '') === '1');
  t.ok(start >= 0, `${what}: the output arrived (${out.length} bytes, starting ${JSON.stringify(out.slice(0, 40))})`);
  if (start < 0) return;
  t.same(lines.slice(0, start).map((l) => l.replace(/\0/g, '')).filter(Boolean), [], `${what}: nothing before line 1`);
  const got = lines.slice(start, start + n + 1);
  got[0] = '1';
  const firstBad = got.findIndex((l, k) => l !== (k < n ? String(k + 1) : 'last-line'));
  t.equal(got.length, n + 1, `${what}: ${n} lines and the last one arrived`);
  t.equal(firstBad, -1, `${what}: all in order, none damaged${firstBad < 0 ? '' : ` (line ${firstBad + 1} is ${JSON.stringify(got[firstBad])})`}`);
  t.match(lines.slice(start + n + 1).join('\n'), after, `${what}: nothing unexpected after the last line`);
}

// A container that exits while its terminal still holds output it wrote: the CLI
// must copy all of it before it exits. Runs a few times: the loss is a race.
t.test('no output is lost at exit: with -t, to a terminal', { skip: needsRoot }, async (t) => {
  for (let i = 1; i <= 4; i++) {
    const r = await underPty(md(['run', '-t', '/bin/sh', '-c', 'seq 1 50000; echo last-line']));
    t.equal(r.code, 0, `run ${i}: the container's exit status, 0`);
    checkSeq(t, r.out, 50000, `run ${i}`);
  }
});

// the same to a pipe whose reader is slow: the CLI's writes wait, the terminal fills
t.test('no output is lost at exit: with -t, to a slow pipe', { skip: needsRoot }, async (t) => {
  for (let i = 1; i <= 3; i++) {
    noteCommand(['--root', root, 'run', '-t', '/bin/sh', '-c', 'seq 1 50000; echo last-line']);
    const child = spawn(MYDOCKER, ['--root', root, 'run', '-t', '/bin/sh', '-c', 'seq 1 50000; echo last-line'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stdout.pause(); // nobody reads for a second
    setTimeout(() => child.stdout.resume(), 1000);
    const timer = setTimeout(() => killTree(child.pid!), 30_000);
    const code = await new Promise<number | null>((r) => child.on('close', r));
    clearTimeout(timer);
    t.equal(code, 0, `run ${i}: exit status 0`);
    checkSeq(t, Buffer.concat(out).toString(), 50000, `run ${i}`);
  }
});

noLeaks(t, before);
