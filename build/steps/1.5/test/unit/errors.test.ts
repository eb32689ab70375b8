// Unit tests (no root): errors by kind (one table: exit status and HTTP status), the
// cause chain -D prints under an error's one line, and the cleanup stack keeping the
// first failure with the failed undos beside it.
import t from 'tap';
import { UsageError } from '../../src/toolkit/args.js';
import { Cleanup } from '../../src/container/cleanup.js';
import { causeLines, ERROR_KINDS, RuntimeError } from '../../src/errors.js';

t.test('each kind has one exit status and one HTTP status (dockerd: 400, 404, 409, 500)', async (t) => {
  t.same(ERROR_KINDS, {
    usage: { exit: 125, http: 400 },
    notFound: { exit: 125, http: 404 },
    conflict: { exit: 125, http: 409 },
    runtime: { exit: 125, http: 500 },
    cannotRun: { exit: 126, http: 400 },
    commandNotFound: { exit: 127, http: 400 },
  });
  for (const kind of Object.keys(ERROR_KINDS) as (keyof typeof ERROR_KINDS)[]) {
    const e = new RuntimeError('x', kind);
    t.equal(e.kind, kind);
    t.equal(e.status, ERROR_KINDS[kind].exit, `${kind}: its exit status comes from the table`);
  }
});

t.test('a RuntimeError is a runtime error (125) unless told; an exit status names its kind', async (t) => {
  const plain = new RuntimeError('boom');
  t.equal(plain.kind, 'runtime');
  t.equal(plain.status, 125);
  t.equal(new RuntimeError('x', 126).kind, 'cannotRun', "the init's 126");
  t.equal(new RuntimeError('x', 127).kind, 'commandNotFound', "the init's 127");
  t.equal(new RuntimeError('x', 125).kind, 'runtime');
  t.equal(new RuntimeError('x', 127).status, 127);
});

t.test('a UsageError is a RuntimeError of kind usage: status 125', async (t) => {
  const e = new UsageError('unknown flag: --bogus');
  t.ok(e instanceof RuntimeError);
  t.equal(e.kind, 'usage');
  t.equal(e.status, 125);
  t.equal(e.message, 'unknown flag: --bogus');
});

t.test('causeLines: one "caused by" line per cause, printable; none without a cause', async (t) => {
  t.same(causeLines(new RuntimeError('alone')), []);
  t.same(causeLines('not an error'), []);
  const root = new Error("ENOTDIR: not a directory, stat '/etc/passwd/x'");
  const middle = new Error('middle\nline', { cause: root });
  const top = new RuntimeError('cannot use it', 'runtime', { cause: middle });
  t.equal(top.message, 'cannot use it', 'the message is unchanged');
  t.same(causeLines(top), ['caused by: middle\\nline', "caused by: ENOTDIR: not a directory, stat '/etc/passwd/x'"]);
  t.same(causeLines(new Error('x', { cause: 'a string' })), ['caused by: a string']);
  const loop = new Error('a') as Error & { cause?: unknown };
  loop.cause = loop;
  t.ok(causeLines(loop).length <= 8, 'a cycle ends');
});

t.test('Cleanup: the first failure stays the error; a failed undo is kept beside it', async (t) => {
  const c = new Cleanup();
  const first = new RuntimeError('the command failed');
  c.add('remove the cgroup', () => {
    throw new Error('EBUSY: resource busy');
  });
  c.add('unmount the rootfs', () => Promise.reject('not even an Error'));
  c.failed(first);
  await c.run();
  t.equal(first.message, 'the command failed', 'its one line is unchanged');
  t.same(
    first.undoErrors?.map((e) => e.message),
    ['cleanup: unmount the rootfs', 'cleanup: remove the cgroup'],
    'last-in first-out',
  );
  t.same(causeLines(first), [
    'undo failed: cleanup: unmount the rootfs',
    'caused by: not even an Error',
    'undo failed: cleanup: remove the cgroup',
    'caused by: EBUSY: resource busy',
  ]);
});

t.test('Cleanup: without a failure, a failed undo is only logged', async (t) => {
  const c = new Cleanup();
  c.add('x', () => {
    throw new Error('boom');
  });
  await c.run();
  t.pass('run() resolves');
});
