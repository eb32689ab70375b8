// The cgroup v2 test VM itself works: one boot checks the guest is cgroup v2
// only, the node running the tests runs there, the runtime's state dir is
// writable and the job's exit code comes back.
import t from 'tap';
import { runInVm, vmAvailable } from '../harness/vm.js';

const JOB = `
echo "fstype=$(stat -f -c %T /sys/fs/cgroup)"
echo "controllers=$(cat /sys/fs/cgroup/cgroup.controllers)"
echo "node=$(node -p process.version)"
echo written > /var/lib/mydocker/probe && echo "state=$(cat /var/lib/mydocker/probe)"
echo "to stderr" >&2
exit 3
`;

t.test('cgroup v2 VM boots and runs a job', { skip: vmAvailable() ?? false }, async (t) => {
  const r = await runInVm(JOB);
  t.comment(`VM job took ${r.ms} ms`);
  const field = (k: string) => r.stdout.match(new RegExp(`^${k}=(.*)$`, 'm'))?.[1];
  t.equal(field('fstype'), 'cgroup2fs', '/sys/fs/cgroup is cgroup2');
  const controllers = (field('controllers') ?? '').split(' ');
  for (const c of ['memory', 'cpu', 'pids', 'cpuset']) t.ok(controllers.includes(c), `controller ${c} available`);
  t.equal(field('node'), process.version, 'the node running the tests runs there, from the read-only host root');
  t.equal(field('state'), 'written', '/var/lib/mydocker is writable');
  t.match(r.stderr, /to stderr/, 'stderr is captured');
  t.equal(r.code, 3, 'exit code of the job is propagated');
});
