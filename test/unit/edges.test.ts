// Unit tests (no root): the corners of argv parsing, run's options, the container's
// environment, the cleanup stack, image references, layer names and --change,
// measured against docker's behaviour. Complements cli.test.ts and image.test.ts.
// Never imports src/cli.ts (importing it runs the CLI).
import t from 'tap';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseOptions, UsageError, list, str, type OptSpec } from '../../src/toolkit/args.js';
import { runOptions, runOptionsFrom } from '../../src/cli/run-options.js';
import { Cleanup } from '../../src/container/cleanup.js';
import { containerEnv, exitStatus } from '../../src/container/config.js';
import { applyChanges } from '../../src/image/import.js';
import { cleanName, pathInside } from '../../src/image/layer.js';
import { normalizeRef } from '../../src/image/reference.js';

const specs: OptSpec[] = [
  { long: 'interactive', short: 'i', desc: '' },
  { long: 'tty', short: 't', desc: '' },
  { long: 'hostname', short: 'h', value: 'name', desc: '' },
  { long: 'env', short: 'e', value: 'KV', repeat: true, desc: '' },
  { long: 'rm', desc: '' },
];

/** the value fn returns, or the error it throws */
const attempt = <T>(fn: () => T): T | string => {
  try {
    return fn();
  } catch (e) {
    return `throws: ${(e as Error).message}`;
  }
};

const from = (argv: string[]) => {
  const p = parseOptions(argv, runOptions);
  return runOptionsFrom(p.opts, p.rest);
};

// ---------------------------------------------------------------------------
// parseOptions

t.test('parseOptions: an empty argv, and "-" alone, are no options', async (t) => {
  t.same(parseOptions([], specs), { opts: {}, rest: [] });
  t.same(parseOptions(['-', '-i'], specs), { opts: {}, rest: ['-', '-i'] }, '"-" is a word (stdin, by convention)');
});

t.test('parseOptions: the command line after COMMAND is never parsed, even flags of ours', async (t) => {
  const argv = ['/bin/sh', '-c', 'x', '-i', '-t', '--rm', '-h', 'box', '-e', 'A=1', '--bogus', '--', ''];
  t.same(parseOptions(['-i', ...argv], specs), { opts: { interactive: true }, rest: argv });
});

t.test('parseOptions: a value flag takes the next word whatever it looks like', async (t) => {
  t.same(parseOptions(['-e', '--', 'x'], specs), { opts: { env: ['--'] }, rest: ['x'] }, '"--" as a value');
  t.same(parseOptions(['-h', '-i', 'x'], specs), { opts: { hostname: '-i' }, rest: ['x'] }, 'a flag-looking value');
  t.same(parseOptions(['-e', '', 'x'], specs), { opts: { env: [''] }, rest: ['x'] }, 'an empty value');
  t.same(parseOptions(['--hostname=', 'x'], specs).opts, { hostname: '' }, '--flag= is an empty value');
});

t.test('parseOptions: a short cluster stops at the first flag that takes a value', async (t) => {
  t.same(parseOptions(['-ite', 'A=1', 'x'], specs), { opts: { interactive: true, tty: true, env: ['A=1'] }, rest: ['x'] });
  t.same(parseOptions(['-eit', 'x'], specs), { opts: { env: ['it'] }, rest: ['x'] }, '-eit: "it" is the value of -e');
  t.same(parseOptions(['-hbox', 'x'], specs).opts, { hostname: 'box' });
});

t.test('parseOptions: a flag given twice: the last value wins; repeatable flags collect', async (t) => {
  t.same(parseOptions(['-h', 'a', '--hostname', 'b', 'x'], specs).opts, { hostname: 'b' });
  t.same(parseOptions(['-e', 'A=1', '--env=B=2', '-eC=3', 'x'], specs).opts, { env: ['A=1', 'B=2', 'C=3'] });
  t.same(parseOptions(['--tty', '--tty=false', 'x'], specs).opts, { tty: false });
});

t.test('parseOptions: errors are UsageErrors (exit 125) that name the flag', async (t) => {
  const cases: [string[], string][] = [
    [['--bogus'], 'unknown flag: --bogus'],
    [['--=x'], 'unknown flag: --'],
    [['-i-t'], "unknown shorthand flag: '-' in -i-t"],
    [['-iz'], "unknown shorthand flag: 'z' in -iz"],
    [['-ih'], "flag needs an argument: 'h' in -ih"],
    [['--hostname'], 'flag needs an argument: --hostname'],
    [['--rm=yes', 'x'], 'invalid argument "yes" for "--rm" flag: expected true or false'],
  ];
  for (const [argv, message] of cases) {
    t.throws(() => parseOptions(argv, specs), { message }, argv.join(' '));
    try {
      parseOptions(argv, specs);
    } catch (e) {
      t.ok(e instanceof UsageError, `${argv.join(' ')}: a UsageError`);
    }
  }
});

t.test('parseOptions: boolean values 1 and 0', async (t) => {
  t.same(parseOptions(['--rm=1', '--tty=0', 'x'], specs).opts, { rm: true, tty: false });
});

t.test('parseOptions: -t=false works as in docker (pflag)', async (t) => {
  t.same(attempt(() => parseOptions(['-t=false', 'x'], specs).opts), { tty: false }, '-t=false');
  t.same(attempt(() => parseOptions(['-it=false', 'x'], specs).opts), { interactive: true, tty: false }, '-it=false');
});

t.test("parseOptions: booleans accept Go's strconv.ParseBool spellings", async (t) => {
  for (const v of ['t', 'T', 'TRUE', 'True']) t.same(attempt(() => parseOptions([`--rm=${v}`, 'x'], specs).opts), { rm: true }, v);
  for (const v of ['f', 'F', 'FALSE', 'False']) t.same(attempt(() => parseOptions([`--rm=${v}`, 'x'], specs).opts), { rm: false }, v);
});

t.test('str and list read option values by type', async (t) => {
  t.equal(str('x'), 'x');
  t.equal(str(true), undefined);
  t.equal(str(undefined), undefined);
  t.same(list(['a']), ['a']);
  t.same(list('a'), []);
  t.same(list(undefined), []);
});

// ---------------------------------------------------------------------------
// run's options

t.test('run: chapter 01 mode (an absolute COMMAND) keeps every word; no image', async (t) => {
  const o = from(['/bin/echo', '-n', '', 'a b']);
  t.equal(o.image, undefined);
  t.same(o.command, ['/bin/echo', '-n', '', 'a b']);
  t.same([o.interactive, o.tty, o.hostname, o.env, o.rm], [false, false, undefined, [], false], 'defaults');
});

t.test('run: -i, -t, -it, -ti, --interactive --tty all mean the same', async (t) => {
  for (const flags of [['-i', '-t'], ['-it'], ['-ti'], ['--interactive', '--tty'], ['--interactive=true', '-t']]) {
    const o = from([...flags, '/bin/sh']);
    t.same([o.interactive, o.tty], [true, true], flags.join(' '));
  }
});

t.test('run: hostnames', async (t) => {
  for (const ok of ['a', 'box', 'Box-1', 'a.b.c', '0abc', 'x'.repeat(63)]) t.equal(from(['-h', ok, '/bin/true']).hostname, ok, `"${ok}" accepted`);
  for (const bad of ['', '-a', 'a-', 'a_b', 'a b', 'a.', '.a', 'x'.repeat(64), 'ü'])
    t.throws(() => from(['-h', bad, '/bin/true']), { message: `invalid hostname "${bad}"` }, `"${bad}" refused`);
});

t.test('run: -e values are checked; KEY alone and KEY= are fine', async (t) => {
  t.same(from(['-e', 'KEY', '-e', 'EMPTY=', '-e', 'A=b=c', '/bin/true']).env, ['KEY', 'EMPTY=', 'A=b=c']);
  for (const bad of ['', '=', '=value'])
    t.throws(() => from(['-e', bad, '/bin/true']), { message: `invalid environment variable "${bad}"` }, `"${bad}" refused`);
});

t.test('run: errors are UsageErrors: exit status 125', async (t) => {
  for (const argv of [[], ['-i'], ['-h', 'a_b', '/bin/true'], ['-e', '=', '/bin/true']]) {
    try {
      from(argv);
      t.fail(`${argv.join(' ')}: accepted`);
    } catch (e) {
      t.ok(e instanceof UsageError, `${JSON.stringify(argv)}: a UsageError`);
    }
  }
});

// ---------------------------------------------------------------------------
// the container's environment and exit status

t.test('containerEnv: -e KEY copies the CLI value, even an empty one; unset is dropped', async (t) => {
  process.env.MYDOCKER_EDGE_EMPTY = '';
  process.env.MYDOCKER_EDGE_SET = 'a b=c\nd';
  delete process.env.MYDOCKER_EDGE_UNSET;
  t.teardown(() => {
    delete process.env.MYDOCKER_EDGE_EMPTY;
    delete process.env.MYDOCKER_EDGE_SET;
  });
  const env = containerEnv({ env: ['MYDOCKER_EDGE_EMPTY', 'MYDOCKER_EDGE_SET', 'MYDOCKER_EDGE_UNSET'], tty: false }, 'h');
  t.same(env.slice(2), ['MYDOCKER_EDGE_EMPTY=', 'MYDOCKER_EDGE_SET=a b=c\nd']);
});

t.test('containerEnv: -e overrides the defaults, TERM included', async (t) => {
  const env = containerEnv({ env: ['TERM=screen', 'HOSTNAME=other', 'PATH='], tty: true }, 'h');
  t.same(env, ['PATH=', 'HOSTNAME=other', 'TERM=screen'], 'each KEY once, in first-seen order, last value');
});

t.test('containerEnv: nothing else of the CLI environment gets in', async (t) => {
  process.env.MYDOCKER_EDGE_SECRET = 'x';
  t.teardown(() => void delete process.env.MYDOCKER_EDGE_SECRET);
  t.same(containerEnv({ env: [], tty: false }, 'h').filter((e) => e.startsWith('MYDOCKER_EDGE')), []);
});

t.test("containerEnv: an image's Env never reads the CLI's environment", async (t) => {
  process.env.MYDOCKER_EDGE_SECRET = 'host-secret';
  t.teardown(() => void delete process.env.MYDOCKER_EDGE_SECRET);
  const env = containerEnv({ env: [], tty: false }, 'h', ['FROM_IMAGE=1', 'MYDOCKER_EDGE_SECRET']);
  t.notOk(env.includes('MYDOCKER_EDGE_SECRET=host-secret'), 'the host value did not get in');
  t.ok(env.includes('FROM_IMAGE=1'));
});

t.test('exitStatus: every signal is 128+N; no status at all is 125', async (t) => {
  for (let sig = 1; sig <= 31; sig++) t.equal(exitStatus({ exitCode: null, signal: sig }), 128 + sig);
  t.equal(exitStatus({ exitCode: 255, signal: null }), 255);
  t.equal(exitStatus({ exitCode: null, signal: null }), 125);
  t.equal(exitStatus({ exitCode: null, signal: null, error: 'waitid failed' }), 125);
});

// ---------------------------------------------------------------------------
// the cleanup stack

t.test('Cleanup: a rejected promise does not stop the rest, and run() still resolves', async (t) => {
  const c = new Cleanup();
  const order: string[] = [];
  c.add('a', () => void order.push('a'));
  c.add('b', async () => {
    order.push('b');
    throw new Error('async boom');
  });
  c.add('c', () => Promise.reject('not even an Error'));
  c.add('d', () => void order.push('d'));
  await c.run();
  t.same(order, ['d', 'b', 'a']);
});

t.test('Cleanup: without failed(), steps get no failure; steps added after a run wait for the next', async (t) => {
  const c = new Cleanup();
  const seen: unknown[] = [];
  c.add('x', (f) => void seen.push(f));
  await c.run();
  t.same(seen, [undefined]);
  c.add('y', () => void seen.push('y'));
  await c.run();
  t.same(seen, [undefined, 'y']);
});

// ---------------------------------------------------------------------------
// image references

t.test('normalizeRef: what docker accepts', async (t) => {
  const ok: [string, string][] = [
    ['a', 'a:latest'],
    ['a__b', 'a__b:latest'],
    ['a--b', 'a--b:latest'],
    ['a.b_c-d', 'a.b_c-d:latest'],
    ['library/busybox', 'busybox:latest'], // docker's familiar name: docker.io/library/ left out
    ['busybox:V1.36_rc-1', 'busybox:V1.36_rc-1'],
    ['busybox:_x', 'busybox:_x'],
    ['busybox:' + 'x'.repeat(128), 'busybox:' + 'x'.repeat(128)],
    ['registry.example.com/team/app:1', 'registry.example.com/team/app:1'],
    ['localhost:5000', 'localhost:5000'],
  ];
  for (const [ref, want] of ok) t.equal(normalizeRef(ref), want, ref);
});

t.test('normalizeRef: what docker refuses', async (t) => {
  for (const bad of ['a___b', 'a..b', 'a_', '_a', 'a/', '/a', 'busybox:' + 'x'.repeat(129), 'busybox:.x', 'a/B', 'a b:c', 'busybox:latest ']) {
    t.throws(() => normalizeRef(bad), { message: /^invalid reference format/, status: 125 }, JSON.stringify(bad));
  }
});

// ---------------------------------------------------------------------------
// layer entry names

t.test('cleanName: dots and slashes', async (t) => {
  t.equal(cleanName('a/./b/'), 'a/b');
  t.equal(cleanName('...'), '...', 'three dots is a name');
  t.equal(cleanName('..a/b..'), '..a/b..', 'dots inside names are fine');
  t.equal(cleanName('./'), '', 'the layer root');
  t.throws(() => cleanName('a/b/../../..'), { message: 'invalid layer: entry "a/b/../../.." leaves the layer', status: 125 });
  t.throws(() => cleanName('a/../b'), /leaves the layer/, 'any .. at all, even one that stays inside');
});

t.test('pathInside: new parents are directories; existing ones are kept', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mydocker-unit-edge-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  t.equal(pathInside(dir, './x/y/z'), join(dir, 'x/y/z'), 'leading ./ is dropped');
  t.ok(statSync(join(dir, 'x/y')).isDirectory(), 'the parents now exist');
  t.throws(() => statSync(join(dir, 'x/y/z')), 'the last part is not created');
  t.equal(pathInside(dir, 'top'), join(dir, 'top'), 'a top-level name needs no parent');
  t.throws(() => pathInside(dir, 'x/../../etc/passwd'), /leaves the layer/);
});

// ---------------------------------------------------------------------------
// --change

t.test('--change: the config is changed in place and returned; later changes win', async (t) => {
  const config = { Cmd: ['old'] };
  const out = applyChanges(config, ['CMD ["a"]', 'CMD ["b"]']);
  t.equal(out, config);
  t.same(out, { Cmd: ['b'] });
  t.same(applyChanges({ Cmd: ['x'] }, []), { Cmd: ['x'] }, 'no change, no difference');
});

t.test('--change: whitespace, case and multi-line values', async (t) => {
  t.same(applyChanges({}, ['  cmd   echo  a  b  ']), { Cmd: ['/bin/sh', '-c', 'echo  a  b'] }, 'trimmed at both ends only');
  t.same(applyChanges({}, ['Entrypoint []']), { Entrypoint: [] }, 'an empty exec form');
  t.same(applyChanges({}, ['ENV A=x=y']), { Env: ['A=x=y'] });
  t.same(applyChanges({}, ['ENV A one two']), { Env: ['A=one two'] }, 'the old KEY VALUE form takes the rest of the line');
  t.same(applyChanges({}, ['CMD echo a\necho b']), { Cmd: ['/bin/sh', '-c', 'echo a\necho b'] });
  t.same(applyChanges({}, ['CMD {"a": 1}']), { Cmd: ['/bin/sh', '-c', '{"a": 1}'] }, 'only [ starts the exec form');
});

t.test('--change: errors name the change', async (t) => {
  t.throws(() => applyChanges({}, ['CMD']), { message: 'invalid --change "CMD": expected INSTRUCTION ARGUMENTS', status: 125 });
  t.throws(() => applyChanges({}, ['ENV =x']), { message: /ENV needs KEY=VALUE/ });
  t.throws(() => applyChanges({}, ['EXPOSE 80']), { message: /EXPOSE is not supported \(CMD, ENTRYPOINT, ENV, WORKDIR, USER\)/ });
  t.same(applyChanges({}, ['CMD ["a", 1]']), { Cmd: ['/bin/sh', '-c', '["a", 1]'] }, 'a list that is not all strings: shell form');
  t.same(applyChanges({}, ['ENTRYPOINT ["a", null]']), { Entrypoint: ['/bin/sh', '-c', '["a", null]'] });
});

t.test('--change ENV: quotes and several pairs, as in a Dockerfile', async (t) => {
  t.same(applyChanges({}, ['ENV A="hello world"']), { Env: ['A=hello world'] }, 'quotes are removed');
  t.same(applyChanges({}, ['ENV A=1 B=2']), { Env: ['A=1', 'B=2'] }, 'two pairs');
});

t.test('--change WORKDIR: a relative directory is taken from the current one', async (t) => {
  t.same(applyChanges({}, ['WORKDIR /abs']), { WorkingDir: '/abs' }, 'an absolute one as is');
  t.same(applyChanges({}, ['WORKDIR srv']), { WorkingDir: '/srv' }, 'from /');
  t.same(applyChanges({ WorkingDir: '/app' }, ['WORKDIR sub']), { WorkingDir: '/app/sub' }, 'from the current WORKDIR');
});
