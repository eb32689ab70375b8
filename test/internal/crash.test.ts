// Our runtime only (MYDOCKER_FAULT is mydocker's fault-injection hook, not part of the
// course): `run` killed with SIGKILL at every step leaves nothing behind once the next
// command has swept the store — no process, no cgroup, no --rm record — and the
// store still works.
import t from 'tap';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { leftUnder, removeParent } from '../harness/cgroups.js';
import { mydocker, needsRoot, noLeaks, snapshot, tmpRoot, UNIQUE } from '../harness/index.js';
import { importBusybox } from '../harness/fixtures.js';

const before = snapshot();
const root = tmpRoot(t);
const parent = `mydocker-crash-${UNIQUE}`;
t.teardown(() => removeParent(parent));

// every checkpoint of src/run.ts, in the order a run passes them
const POINTS = ['prepare:record', 'prepare:rootfs', 'prepare:cgroups', 'spawned', 'started', 'exited', 'cleanup'];

t.before(async () => {
  if (!needsRoot) await importBusybox(root, 'busybox');
});

const ids = () => (existsSync(join(root, 'containers')) ? readdirSync(join(root, 'containers')).filter((f) => /^[0-9a-f]{64}$/.test(f)) : []);
const stateOf = (id: string) => JSON.parse(readFileSync(join(root, 'containers', id, 'state.json'), 'utf8'));
const alive = (pid: number) => existsSync(`/proc/${pid}`) && !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));

for (const rm of [true, false]) {
  for (const point of POINTS) {
    t.test(`killed at ${point}${rm ? ' (--rm)' : ''}: the next command cleans up`, { skip: needsRoot }, async (t) => {
      const old = new Set(ids());
      const r = await mydocker(['run', ...(rm ? ['--rm'] : []), '--cgroup-parent', parent, '-m', '64m', 'busybox', 'sleep', '1'], {
        root,
        env: { ...process.env, MYDOCKER_FAULT: point },
      });
      t.equal(r.signal, 'SIGKILL', 'the CLI died at the checkpoint');
      const mine = ids().filter((id) => !old.has(id));
      const pids = mine.map((id) => stateOf(id).pid).filter((p): p is number => typeof p === 'number');

      const next = await mydocker(['run', '--rm', 'busybox', 'true'], { root }); // sweeps first
      t.equal(next.code, 0, `the store still works ${next.stderr}`);
      // the kernel kills an attached container with its CLI
      for (const pid of pids) t.notOk(alive(pid), `the container's process ${pid} is gone`);
      t.same(leftUnder(parent), [], 'no cgroup left');
      const left = ids().filter((id) => !old.has(id));
      if (rm) t.same(left, [], 'the --rm record is gone');
      else for (const id of left) t.not(stateOf(id).status, 'running', 'the record no longer says running');
    });
  }
}

t.test('a --rm container whose run was killed never blocks rmi', { skip: needsRoot }, async (t) => {
  const own = tmpRoot(t);
  await importBusybox(own, 'busybox');
  const r = await mydocker(['run', '--rm', 'busybox', 'sleep', '1'], { root: own, env: { ...process.env, MYDOCKER_FAULT: 'started' } });
  t.equal(r.signal, 'SIGKILL', 'the CLI died with its container running');
  const rmi = await mydocker(['rmi', 'busybox'], { root: own });
  t.equal(rmi.code, 0, `rmi sweeps the dead --rm container first ${rmi.stderr}`);
  // beside the records: the store's lock, and the sweep's index (.sweep/, one file per record it names)
  t.same(readdirSync(join(own, 'containers')).filter((f) => f !== '.lock' && f !== '.sweep'), [], 'no record left');
  t.same(readdirSync(join(own, 'containers', '.sweep')), [], "no record left in the sweep's index");
});

t.test('nothing leaked', { skip: needsRoot }, async (t) => noLeaks(t, before));
