// Chapter 05 — detached containers with a terminal or an open stdin: `run -dit sh`
// keeps a shell alive in the background (its monitor holds the terminal's master
// side, and logs what the terminal prints), `run -di cat` reads a stdin that never
// ends, and `run -dt` logs a terminal's output (\r\n line endings).
import t from 'tap';
import { mydocker, needsRoot, noLeaks, sleep } from '../harness/index.js';
import { busyboxSuite } from '../harness/suite.js';

// its own root (busybox imported), cgroup parent and names (test/harness/suite.ts)
const { before, root, cgroupParent, name } = busyboxSuite(t, 't05');

const md = (args: string[], timeoutMs = 30_000) => mydocker(args, { root, timeoutMs });
const run = (ctr: string, flags: string[], args: string[]) =>
  md(['run', ...flags, '--name', ctr, '--cgroup-parent', cgroupParent, 'busybox', ...args]);
const status = async (ref: string) => (await md(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', ref])).stdout.trim();
/** the log as `logs` prints it: the terminal's output is the container's stdout */
const logs = async (ref: string) => (await md(['logs', ref])).stdout;

t.test('run -dit sh: the shell stays Up with a terminal of its own; without -i and -t it reads /dev/null and ends at once', { skip: needsRoot }, async (t) => {
  const plain = name('plain');
  const shell = name('shell');
  for (const [ctr, flags] of [[plain, ['-d']], [shell, ['-dit']]] as const) {
    const r = await run(ctr, [...flags], ['sh']);
    t.equal(r.code, 0, `run ${flags.join(' ')}: ${r.stderr}`);
    t.match(r.stdout, /^[0-9a-f]{64}\n$/, 'prints the id and returns');
  }
  await sleep(1500);
  t.equal(await status(plain), 'exited 0', 'run -d sh: end-of-file on stdin, the shell is done');
  t.equal(await status(shell), 'running 0', 'run -dit sh: still running');
  const ps = await md(['ps']);
  t.match(ps.stdout, new RegExp(`Up \\d+ seconds?\\s+${shell}\\n`), 'ps shows it Up');

  const ex = await md(['exec', shell, 'sh', '-c', 'readlink /proc/1/fd/0; readlink /proc/1/fd/1']);
  t.equal(ex.code, 0, `exec works: ${ex.stderr}`);
  t.match(ex.stdout, /^\/dev\/pts\/(\d+)\n\/dev\/pts\/\1\n$/, "PID 1's stdin and stdout: one terminal in the container's /dev/pts");
  t.match(await logs(shell), /\/ # /, "the log has the shell's prompt (written to its terminal, taken by the monitor)");
  // written to the shell's terminal now: the monitor reads it while the container runs
  await md(['exec', shell, 'sh', '-c', 'echo late-line > /proc/1/fd/1']);
  for (let i = 0; i < 50 && !(await logs(shell)).includes('late-line'); i++) await sleep(100);
  t.match(await logs(shell), /late-line\r\n/, 'a line written to the terminal later is logged, with the terminal\'s \\r\\n');

  // start walks run's steps again, detached: the terminal is made and handed over again
  t.equal((await md(['stop', '-t', '1', shell])).code, 0, 'stop');
  t.match(await status(shell), /^exited /, 'stopped');
  const s = await md(['start', shell]);
  t.equal(s.code, 0, `start of a -t container, in the background: ${s.stderr}`);
  await sleep(1000);
  t.equal(await status(shell), 'running 0', 'running again, its shell waiting on its terminal');

  const rm = await md(['rm', '-f', shell, plain]);
  t.equal(rm.code, 0, `rm -f ends it: ${rm.stderr}`);
  t.equal((await md(['ps', '-a', '-q'])).stdout, '', 'nothing left');
});

t.test('run -dt: the log is what the terminal printed (\\r\\n endings, a /dev/pts name), as stdout', { skip: needsRoot }, async (t) => {
  const ctr = name('dt');
  const r = await run(ctr, ['-dt'], ['sh', '-c', 'echo hi; tty; echo err >&2; sleep 1']);
  t.equal(r.code, 0, r.stderr);
  const w = await md(['wait', ctr]);
  t.equal(w.stdout, '0\n', 'exit code 0');
  const l = await md(['logs', ctr]);
  t.match(l.stdout, /^hi\r\n/, 'hi, ended by the terminal\'s \\r\\n');
  t.match(l.stdout, /\n\/dev\/pts\/\d+\r\n/, 'tty names the container\'s terminal');
  t.match(l.stdout, /err\r\n/, 'stderr goes to the same terminal: one stream');
  t.equal(l.stderr, '', 'nothing logged as stderr');
  t.equal((await md(['rm', ctr])).code, 0, 'rm: exit 0');
});

t.test('run -di cat: its stdin stays open (the monitor holds the other end), also after start', { skip: needsRoot }, async (t) => {
  const ctr = name('di');
  const r = await run(ctr, ['-di'], ['cat']);
  t.equal(r.code, 0, r.stderr);
  await sleep(1500);
  t.equal(await status(ctr), 'running 0', 'cat waits for input that never comes');
  const fd0 = await md(['exec', ctr, 'readlink', '/proc/1/fd/0']);
  t.match(fd0.stdout, /^pipe:\[\d+\]\n$/, 'its stdin is a pipe');
  t.equal((await md(['stop', '-t', '1', ctr])).code, 0, 'stop -t 1: exit 0');
  t.equal((await md(['start', ctr])).code, 0, 'start of the stopped container: exit 0');
  await sleep(1000);
  t.equal(await status(ctr), 'running 0', 'started again in the background: stdin open again');
  t.equal((await md(['rm', '-f', ctr])).code, 0, 'rm -f: exit 0');
});

noLeaks(t, before);
