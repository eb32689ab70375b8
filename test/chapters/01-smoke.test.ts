import t from 'tap';
import { mydocker, needsRoot, noLeaks, snapshot, tmpRoot } from '../harness/index.js';

const before = snapshot();
const root = tmpRoot(t);

t.test('the command runs as PID 1', { skip: needsRoot }, async (t) => {
  const r = await mydocker(['run', '/bin/sh', '-c', 'echo $$'], { root });
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, '1\n');
});

noLeaks(t, before);
