// Chapter 02 on a real cgroup v2 kernel (the CI host is hybrid v1): one VM boot
// runs a handful of containers and reports what the kernel's files said. Node is
// ~37× slower under software emulation, so every run here earns its place.
import t from 'tap';
import { MYDOCKER } from '../harness/index.js';
import { runInVm, vmAvailable } from '../harness/vm.js';

const JOB = `
M="${MYDOCKER} --root /var/lib/mydocker"
P=vmtest
# 1. values, cpuset and the cgroup namespace, read by the container itself
$M run --cgroup-parent $P -m 64m --cpus 0.5 --cpu-shares 512 --pids-limit 10 --cpuset-cpus 1 /bin/sh -c '
  D=$(dirname /sys/fs/cgroup/'$P'/*/cgroup.procs)
  echo "name=\${D##*/}"
  for f in memory.max cpu.max cpu.weight pids.max cpuset.cpus.effective; do echo "$f=$(cat $D/$f)"; done
  echo "cgroup=$(cat /proc/self/cgroup)"
  echo "cpus_allowed=$(grep Cpus_allowed_list /proc/self/status | cut -f2)"
  echo "subtree=$(cat /sys/fs/cgroup/'$P'/cgroup.subtree_control)"
'
echo "values_rc=$?"
# 2. an allocation beyond -m: the OOM killer, 137, named in the debug log
$M --debug run --name oom --cgroup-parent $P -m 32m --memory-swap 32m /bin/dd if=/dev/zero of=/dev/null bs=64M count=1 2>/vmshare/oom.err
echo "oom_rc=$?"
grep -q OOM /vmshare/oom.err && echo "oom_logged=yes"
# … and the record says so (memory.events' oom_kill), attached and through the monitor (run -d)
$M run -d --name oomd --cgroup-parent $P -m 32m --memory-swap 32m /bin/dd if=/dev/zero of=/dev/null bs=64M count=1 >/dev/null
$M wait oomd >/dev/null
echo "oom_inspect=$($M inspect -f '{{.State.OOMKilled}}' oom oomd | tr '\n' ' ')"
# 3. pids.max refuses the fifth process
$M run --cgroup-parent $P --pids-limit 4 /bin/sh -c 'for i in 1 2 3 4 5 6; do /bin/sleep 1 & done; wait' 2>/vmshare/pids.err
echo "pids_rc=$?"
grep -qi fork /vmshare/pids.err && echo "pids_fork_refused=yes"
# 4. a bad value: nothing made
$M run --cgroup-parent $P-bad --cpuset-cpus 99 /bin/true 2>/dev/null
echo "bad_rc=$?"
[ -e /sys/fs/cgroup/$P-bad ] || echo "bad_nothing_made=yes"
# 5. nothing left behind
echo "left=$(find /sys/fs/cgroup/$P -mindepth 1 -type d 2>/dev/null | wc -l)"
[ -e /sys/fs/cgroup/$P ] || echo "parent_gone=yes"
`;

t.test('cgroup v2: limits, OOM, pids, cpuset, namespace, cleanup', { skip: vmAvailable() ?? false }, async (t) => {
  const r = await runInVm(JOB, { timeoutMs: 10 * 60_000 });
  t.comment(`VM job took ${r.ms} ms`);
  const field = (k: string) => r.stdout.match(new RegExp(`^${k}=(.*)$`, 'm'))?.[1];
  t.equal(field('values_rc'), '0', `the container ran: ${r.stderr}`);
  t.match(field('name'), /^[0-9a-f]{64}$/, 'its cgroup is vmtest/<id>');
  t.equal(field('memory.max'), String(64 * 1024 * 1024), '-m 64m → memory.max');
  t.equal(field('cpu.max'), '50000 100000', '--cpus 0.5 → cpu.max "50000 100000"');
  t.equal(field('cpu.weight'), '20', '--cpu-shares 512 → cpu.weight 20 (runc’s mapping)');
  t.equal(field('pids.max'), '10', '--pids-limit 10 → pids.max');
  t.equal(field('cpuset.cpus.effective'), '1', '--cpuset-cpus 1 → cpuset.cpus');
  t.equal(field('cpus_allowed'), '1', 'the process is pinned to CPU 1');
  t.equal(field('cgroup'), '0::/', 'inside its cgroup namespace, its cgroup is the root');
  t.equal(field('oom_rc'), '137', 'beyond memory.max: killed, 137');
  t.equal(field('oom_logged'), 'yes', 'the debug log names the OOM kill (memory.events)');
  t.equal(field('oom_inspect'), 'true true ', "inspect -f '{{.State.OOMKilled}}' after an OOM kill, attached then run -d: expected 'true true '");
  t.not(field('pids_rc'), '0', 'the shell failed');
  t.equal(field('pids_fork_refused'), 'yes', 'fork refused at pids.max');
  t.equal(field('bad_rc'), '125', '--cpuset-cpus 99 on 2 CPUs → 125');
  t.equal(field('bad_nothing_made'), 'yes', 'and no cgroup made');
  t.equal(field('left'), '0', 'no container cgroup left behind');
  t.match(field('subtree'), /memory/, 'controllers enabled for the children of the parent');
  t.equal(field('parent_gone'), 'yes', 'the parent level mydocker made is gone with its last container');
});
