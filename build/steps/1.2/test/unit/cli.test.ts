// Unit tests (no root): argv splitting, run's option validation, the container's
// environment and exit status, and the cleanup stack. Never imports src/cli.ts
// (importing it runs the CLI).
import t from 'tap';
import { parseOptions, type OptSpec } from '../../src/toolkit/args.js';
import { runOptions, runOptionsFrom } from '../../src/cli/run-options.js';
import { Cleanup } from '../../src/container/cleanup.js';
import { containerEnv, exitStatus } from '../../src/container/config.js';

const specs: OptSpec[] = [
  { long: 'interactive', short: 'i', desc: '' },
  { long: 'tty', short: 't', desc: '' },
  { long: 'env', short: 'e', value: 'KV', repeat: true, desc: '' },
  { long: 'memory-swap', value: 'bytes', desc: '' },
  { long: 'force', short: 'f', desc: '' },
];

t.test('options end at the first positional word; the rest is untouched', async (t) => {
  const p = parseOptions(['-it', '-e', 'A=1', '/bin/ls', '-la', '-d', '1', '--', '-e'], specs);
  t.same(p.opts, { interactive: true, tty: true, env: ['A=1'] });
  t.same(p.rest, ['/bin/ls', '-la', '-d', '1', '--', '-e']);
});

t.test('short clusters and attached values', async (t) => {
  t.same(parseOptions(['-ti', 'x'], specs).opts, { tty: true, interactive: true });
  t.same(parseOptions(['-ieFOO=1', 'x'], specs).opts, { interactive: true, env: ['FOO=1'] }, '-ieFOO=1');
  t.same(parseOptions(['-e=FOO=1', 'x'], specs).opts, { env: ['FOO=1'] }, '-e=FOO=1');
  t.same(parseOptions(['--env=A=1', '--env', 'B=2', 'x'], specs).opts, { env: ['A=1', 'B=2'] }, 'repeatable, both spellings');
});

t.test('a value flag takes the next word even when it starts with -', async (t) => {
  t.same(parseOptions(['--memory-swap', '-1', 'x'], specs).opts, { 'memory-swap': '-1' });
});

t.test('booleans: --flag=true|false', async (t) => {
  t.same(parseOptions(['--tty=false', 'x'], specs).opts, { tty: false });
  t.throws(() => parseOptions(['--tty=maybe', 'x'], specs), { message: 'invalid argument "maybe" for "--tty" flag: expected true or false' });
});

t.test('-- ends the options; interspersed flags for commands that take no command line', async (t) => {
  t.same(parseOptions(['-i', '--', '-t'], specs), { opts: { interactive: true }, rest: ['-t'] });
  t.same(parseOptions(['img1', '-f', 'img2'], specs, true), { opts: { force: true }, rest: ['img1', 'img2'] });
  t.same(parseOptions(['img1', '-f', 'img2'], specs).rest, ['img1', '-f', 'img2'], 'not for run');
});

t.test('unknown or incomplete flags are UsageErrors with docker’s wording', async (t) => {
  t.throws(() => parseOptions(['--bogus', 'x'], specs), { message: 'unknown flag: --bogus' });
  t.throws(() => parseOptions(['-z', 'x'], specs), { message: "unknown shorthand flag: 'z' in -z" });
  t.throws(() => parseOptions(['-e'], specs), { message: "flag needs an argument: 'e' in -e" });
  t.throws(() => parseOptions(['--env'], specs), { message: 'flag needs an argument: --env' });
});

t.test('run options: translation and validation', async (t) => {
  const from = (argv: string[]) => {
    const p = parseOptions(argv, runOptions);
    return runOptionsFrom(p.opts, p.rest);
  };
  const o = from(['-it', '-h', 'box', '-e', 'A=1', '/bin/sh', '-c', 'x']);
  t.same([o.interactive, o.tty, o.hostname, o.env, o.image, o.command], [true, true, 'box', ['A=1'], undefined, ['/bin/sh', '-c', 'x']]);
  const img = from(['--rm', '--name', 'web', 'busybox', 'ls', '-la']);
  t.same([img.image, img.command, img.rm, img.name], ['busybox', ['ls', '-la'], true, 'web'], 'a first word without / is an image');
  t.same(from(['busybox']).command, [], 'an image alone: its own command');
  t.throws(() => from([]), /requires at least 1 argument/);
  t.throws(() => from(['-h', 'bad_host', '/bin/true']), /invalid hostname/);
  t.throws(() => from(['-h', '-leading', '/bin/true']), /invalid hostname/);
  t.throws(() => from(['-e', '=x', '/bin/true']), /invalid environment variable/);
  t.throws(() => from(['-w', 'relative', 'busybox']), /absolute path/);
  t.throws(() => from(['-m', 'lots', '/bin/true']), { status: 125 }, 'resource flags are checked here too');
});

t.test('containerEnv: docker’s defaults, then the image’s, then -e; a later KEY wins', async (t) => {
  process.env.MYDOCKER_UNIT_COPIED = 'from-cli';
  delete process.env.MYDOCKER_UNIT_UNSET;
  const env = containerEnv({ env: ['A=1', 'MYDOCKER_UNIT_COPIED', 'MYDOCKER_UNIT_UNSET', 'A=2', 'PATH=/x'], tty: true }, 'abc', ['B=img', 'A=img']);
  t.same(env, ['PATH=/x', 'HOSTNAME=abc', 'TERM=xterm', 'B=img', 'A=2', 'MYDOCKER_UNIT_COPIED=from-cli']);
  t.same(containerEnv({ env: [], tty: false }, 'h'), ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'HOSTNAME=h'], 'no TERM without -t');
});

t.test('exitStatus: the status, or 128+N when killed by signal N', async (t) => {
  t.equal(exitStatus({ exitCode: 7, signal: null }), 7);
  t.equal(exitStatus({ exitCode: null, signal: 9 }), 137);
  t.equal(exitStatus({ exitCode: null, signal: 15 }), 143);
  t.equal(exitStatus({ exitCode: 0, signal: null }), 0);
});

t.test('Cleanup: last in, first out; a failing step does not stop the rest; failures are passed on', async (t) => {
  const c = new Cleanup();
  const order: string[] = [];
  let seen: Error | undefined;
  c.add('first', (f) => {
    order.push('first');
    seen = f;
  });
  c.add('broken', () => {
    throw new Error('boom');
  });
  c.add('last', async () => {
    await new Promise((r) => setTimeout(r, 5));
    order.push('last');
  });
  const failure = new Error('the pipeline failed');
  c.failed(failure);
  await c.run();
  t.same(order, ['last', 'first']);
  t.equal(seen, failure, 'steps learn why they run');
  await c.run();
  t.same(order, ['last', 'first'], 'each step runs once');
});
