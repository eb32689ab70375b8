// Chapter 02 — resource flags that could hang or eat the machine are refused at
// once, and --cpus reads numbers the way docker's client does (Go's big.Rat).
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { leftUnder, removeParent } from '../harness/cgroups.js';
import { MYDOCKER, UNIQUE, mydocker, needsRoot, noLeaks, snapshot, tmpRoot } from '../harness/index.js';

const before = snapshot();
const root = tmpRoot(t);
const cpus = availableParallelism();

t.test('--cpuset-cpus with a huge range: refused at once, with docker\'s message', { skip: needsRoot }, async (t) => {
  for (const v of ['0-16000000', '0-99999999']) {
    const start = Date.now();
    const r = await mydocker(['run', '--cpuset-cpus', v, '/bin/true'], { root, timeoutMs: 30_000 });
    const ms = Date.now() - start;
    t.equal(r.code, 125, `${v}: 125`);
    t.equal(r.stderr.trim().split('\n').length, 1, `${v}: one line: ${r.stderr.trim().slice(0, 200)}`);
    t.match(r.stderr, new RegExp(`^mydocker: Requested CPUs are not available - requested ${v}, available: \\S+\\n$`), `${v}: docker's words`);
    t.ok(ms < 5_000, `${v}: refused in ${ms} ms`);
  }
});

t.test('--cpus: what docker accepts runs, what it refuses is 125', { skip: needsRoot }, async (t) => {
  // measured with docker 28's client: "1/2" and "0x1" are numbers to it, " 1" and "inf" are not
  for (const v of ['1/2', '0x1', '5e-1']) {
    const r = await mydocker(['run', '--cpus', v, '/bin/true'], { root });
    t.equal(r.code, 0, `--cpus ${v}: ${r.stderr.trim()}`);
  }
  for (const v of [' 1', 'inf', '1/0', '0x']) {
    const r = await mydocker(['run', '--cpus', v, '/bin/true'], { root });
    t.equal(r.code, 125, `--cpus "${v}": 125`);
    t.match(r.stderr, new RegExp(`^mydocker: invalid argument "${v}" for "--cpus" flag: failed to parse .* as a rational number\\n$`), `--cpus "${v}"`);
  }
  const precise = await mydocker(['run', '--cpus', '0.0000000001', '/bin/true'], { root });
  t.match(precise.stderr, /value is too precise/, "docker's message for a --cpus value finer than 1/1e9");
  const big = await mydocker(['run', '--cpus', `${cpus + 1}/1`, '/bin/true'], { root });
  t.match(big.stderr, /^mydocker: Range of CPUs is from 0\.01 to/, 'a fraction over the machine: the range message');
});

// A value the kernel would refuse (EINVAL, ERANGE) is refused before anything is made,
// in the flag's own terms: never the kernel's errno, never "2e+23".
t.test('a value out of the kernel\'s range: 125, one line, no exponent, nothing made', { skip: needsRoot }, async (t) => {
  const parent = `mydocker-test-02r-${UNIQUE}`;
  t.teardown(() => removeParent(parent));
  const huge = '200000000000000000000000';
  for (const [flags, want] of [
    [['-m', huge], /^mydocker: invalid argument "200000000000000000000000" for "--memory" flag: value out of range/],
    [['-m', '8m', '--memory-swap', huge], /for "--memory-swap" flag: value out of range/],
    [['--cpu-shares', '99999999999999999999999'], /^mydocker: invalid --cpu-shares 99999999999999999999999: the range is 2 to 262144\n$/],
    [['--pids-limit', '99999999999999999999'], /^mydocker: invalid --pids-limit 99999999999999999999: the kernel allows at most 4194304/],
    [['--pids-limit', '5000000'], /the kernel allows at most 4194304/],
    [['--cpus', '1e20'], new RegExp(`^mydocker: Range of CPUs is from 0\\.01 to ${cpus}\\.00, as there are only ${cpus} CPUs available\\n$`)],
    [['--cpuset-cpus', '99'], /^mydocker: Requested CPUs are not available - requested 99, available: \S+\n$/],
  ] as const) {
    const cmd = `run --cgroup-parent ${parent} ${flags.join(' ')} /bin/true`;
    const r = await mydocker(['run', '--cgroup-parent', parent, ...flags, '/bin/true'], { root });
    t.equal(r.code, 125, `${cmd}: expected 125, got ${r.code}`);
    t.match(r.stderr, /^[^\n]*\n$/, `${cmd}: expected one line on stderr, got ${JSON.stringify(r.stderr)}`);
    t.match(r.stderr, want, `${cmd}: expected ${want}, got ${JSON.stringify(r.stderr)}`);
    t.notMatch(r.stderr, /\de\+\d/, `${cmd}: no number in exponent form: ${JSON.stringify(r.stderr)}`);
    t.same(leftUnder(parent), [], `${cmd}: no cgroup left under ${parent}`);
  }
});

// No cgroup hierarchy in sight (a mount namespace of the test's own, where
// /sys/fs/cgroup is an empty tmpfs): a limit cannot be kept, so it is refused in one
// line naming what is missing; a run without limits runs, with at most one warning.
t.test('no cgroup hierarchy: a limit is 125 naming the missing controller; without limits, one warning at most', { skip: needsRoot }, async (t) => {
  const hidden = (args: string[]) => {
    const script = 'umount -l /sys/fs/cgroup && mount -t tmpfs none /sys/fs/cgroup && exec "$@"';
    const r = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script, 'sh', MYDOCKER, '--root', root, ...args], { encoding: 'utf8', timeout: 60_000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const plain = hidden(['run', '/bin/echo', 'ran']);
  t.equal(plain.code, 0, `run /bin/echo ran (no hierarchy): expected 0, got ${plain.code} ${plain.stderr}`);
  t.equal(plain.stdout, 'ran\n', 'the container ran');
  t.ok(plain.stderr.split('\n').filter(Boolean).length <= 1, `run without limits: at most one warning line, got ${JSON.stringify(plain.stderr)}`);
  for (const [flags, controller] of [
    [['-m', '64m'], 'memory'],
    [['--cpus', '0.5'], 'cpu'],
    [['--pids-limit', '10'], 'pids'],
  ] as const) {
    const cmd = `run ${flags.join(' ')} /bin/true (no hierarchy)`;
    const r = hidden(['run', ...flags, '/bin/true']);
    t.equal(r.code, 125, `${cmd}: expected 125, got ${r.code}`);
    t.match(r.stderr, /^mydocker: [^\n]*\n$/, `${cmd}: expected one line on stderr, got ${JSON.stringify(r.stderr)}`);
    t.match(r.stderr, new RegExp(`${flags[0]}.*no ${controller} cgroup controller`), `${cmd}: expected the flag and the missing ${controller} controller named, got ${JSON.stringify(r.stderr)}`);
    t.notMatch(r.stderr, /undefined/, `${cmd}: no "undefined" path`);
  }
});

noLeaks(t, before);
