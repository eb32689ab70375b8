// Chapter 02 — cgroups: each flag's value reaches the kernel's files, the limits
// hold from the command's first instruction (OOM kill, fork refused, CPU pinning),
// the container sees its own cgroup as root, and no cgroup outlives `run`.
// Runs on either cgroup version: the expected files follow the host's mode.
import t from 'tap';
import { existsSync, mkdirSync, readFileSync, readlinkSync, rmdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { UNIQUE, childrenOf, killTree, mydocker, needsRoot, noLeaks, snapshot, tmpRoot, waitFor, type Result } from '../harness/index.js';
import { cgroupFile, containerCgroup, controllerBase, hostMode, leftUnder, privateCgroups, removeParent } from '../harness/cgroups.js';

const before = snapshot();
const root = tmpRoot(t);
const parent = `mydocker-test-02-${UNIQUE}`;
const mode = hostMode();
const v2 = mode === 'unified';
t.teardown(() => removeParent(parent));
t.comment(`cgroup mode: ${mode}`);

/** the container's PID 1, seen from here: the first process below the CLI in another PID namespace */
function containerPid1(cli: number): number | undefined {
  const ours = readlinkSync('/proc/self/ns/pid');
  const walk = (pid: number): number | undefined => {
    for (const c of childrenOf(pid)) {
      try {
        if (readlinkSync(`/proc/${c}/ns/pid`) !== ours) return c;
      } catch {
        continue; // gone
      }
      const below = walk(c);
      if (below) return below;
    }
    return undefined;
  };
  return walk(cli);
}

/**
 * run a container that waits; hand its cgroup's name and its PID 1 (a host pid) to fn;
 * then SIGKILL that PID 1
 */
const commOf = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
};

async function whileRunning(flags: string[], fn: (name: string, pid: number) => void | Promise<void>, global: string[] = []): Promise<Result> {
  let cli = 0;
  const done = mydocker([...global, 'run', '--cgroup-parent', parent, ...flags, '/bin/sleep', '60'], { root, onSpawn: (p) => (cli = p) });
  let failed: Result | undefined;
  done.then((r) => (failed = r), () => {});
  let pid: number | undefined;
  try {
    // 60 s: a Node init starts slowly under emulation (the cgroup v2 VM); here it takes 0.1 s
    const found = await waitFor(() => failed ?? containerPid1(cli), 60_000, "the container's PID 1");
    if (typeof found !== 'number') throw new Error(`run ended early: ${JSON.stringify(failed)}`);
    pid = found;
    // this container's cgroup: the leaf below parent whose cgroup.procs lists its PID 1
    const name = await waitFor(() => failed ?? containerCgroup(parent, 'pids', pid), 60_000, 'the container cgroup');
    if (typeof name !== 'string') throw new Error(`run ended early: ${JSON.stringify(failed)}`);
    // the init joins its cgroups right before execve: wait for the command itself (slow under emulation)
    const running = await waitFor(() => failed ?? (commOf(pid!) === 'sleep' && 'sleep'), 60_000, 'the command to run');
    if (running !== 'sleep') throw new Error(`run ended early: ${JSON.stringify(failed)}`);
    await fn(name, pid);
  } finally {
    if (pid) process.kill(pid, 'SIGKILL'); // the container's PID 1, from the host
    else if (cli && !failed) killTree(cli); // it never started: no leftover for the next test
  }
  return done;
}

t.test('each flag writes its cgroup file', { skip: needsRoot }, async (t) => {
  const flags = ['-m', '64m', '--cpus', '0.5', '--cpu-shares', '512', '--pids-limit', '10'];
  const r = await whileRunning(flags, (name) => {
    const f = (file: string) => cgroupFile(parent, name, file);
    t.match(name, /^[0-9a-f]{64}$/, 'the cgroup is named by the container id');
    if (v2) {
      t.equal(f('memory.max'), String(64 * 1024 * 1024), '-m 64m → memory.max');
      t.equal(f('cpu.max'), '50000 100000', '--cpus 0.5 → cpu.max "50000 100000"');
      t.equal(f('cpu.weight'), String(1 + Math.floor(((512 - 2) * 9999) / 262142)), '--cpu-shares 512 → cpu.weight (runc’s mapping)');
      t.equal(f('pids.max'), '10', '--pids-limit 10 → pids.max');
      if (existsSync(`${controllerBase('memory')}/${parent}/${name}/memory.swap.max`))
        t.equal(f('memory.swap.max'), String(64 * 1024 * 1024), 'swap defaults to as much again as -m');
    } else {
      t.equal(f('memory.limit_in_bytes'), String(64 * 1024 * 1024), '-m 64m → memory.limit_in_bytes');
      t.equal(f('cpu.cfs_quota_us'), '50000', '--cpus 0.5 → quota 50000');
      t.equal(f('cpu.cfs_period_us'), '100000', '… per period 100000');
      t.equal(f('cpu.shares'), '512', '--cpu-shares 512 → cpu.shares');
      t.equal(f('pids.max'), '10', '--pids-limit 10 → pids.max');
      if (existsSync(`${controllerBase('memory')}/${parent}/${name}/memory.memsw.limit_in_bytes`))
        t.equal(f('memory.memsw.limit_in_bytes'), String(128 * 1024 * 1024), 'memory+swap defaults to twice -m');
    }
  });
  t.equal(r.code, 137, 'killed by SIGKILL: 137');
  t.same(leftUnder(parent), [], 'the cgroup is gone after a kill');
});

t.test('--memory-swap sets memory+swap; -1 lifts the swap limit', { skip: needsRoot }, async (t) => {
  for (const [swap, v1Value, v2Value] of [
    ['100m', String(100 * 1024 * 1024), String(36 * 1024 * 1024)],
    ['-1', v2 ? '' : '9223372036854771712', 'max'],
  ]) {
    await whileRunning(['-m', '64m', '--memory-swap', swap], (name) => {
      const file = v2 ? 'memory.swap.max' : 'memory.memsw.limit_in_bytes';
      if (!existsSync(`${controllerBase('memory')}/${parent}/${name}/${file}`)) {
        t.pass(`no swap accounting on this kernel: ${file} absent`);
        return;
      }
      t.equal(cgroupFile(parent, name, file), v2 ? v2Value : v1Value, `--memory-swap ${swap} → ${file}`);
    });
  }
});

t.test('a new cpuset cgroup gets CPUs and memory nodes before the task joins', { skip: needsRoot }, async (t) => {
  await whileRunning([], (name) => {
    // v1 must copy them down (else ENOSPC); v2 derives the effective sets from the parent
    const suffix = v2 ? '.effective' : '';
    t.not(cgroupFile(parent, name, `cpuset.cpus${suffix}`), '', `cpuset.cpus${suffix} is filled`);
    t.not(cgroupFile(parent, name, `cpuset.mems${suffix}`), '', `cpuset.mems${suffix} is filled`);
  });
});

t.test('an allocation beyond -m is OOM-killed (137), one below it passes', { skip: needsRoot }, async (t) => {
  const dd = (bs: string) => ['--debug', 'run', '--cgroup-parent', parent, '-m', '32m', '--memory-swap', '32m', '/bin/dd', 'if=/dev/zero', 'of=/dev/null', `bs=${bs}`, 'count=1'];
  const over = await mydocker(dd('64M'), { root });
  t.equal(over.code, 137, 'a 64 MiB buffer under a 32 MiB limit: killed');
  t.match(over.stderr, /OOM/, 'the debug log names the OOM kill');
  const under = await mydocker(dd('8M'), { root });
  t.equal(under.code, 0, under.stderr);
  t.notMatch(under.stderr, /OOM/, 'no OOM reported when none happened');
  t.same(leftUnder(parent), [], 'no cgroup left');
});

// Writing the limits is half the job: the process must be in each cgroup that holds one.
// Read from the host (inside, a cgroup namespace shows "/" whether it joined or not).
t.test("the command's process is in each limited controller's cgroup", { skip: needsRoot }, async (t) => {
  const flags = ['-m', '64m', '--cpus', '0.5', '--cpu-shares', '512', '--pids-limit', '10', '--cpuset-cpus', '0'];
  await whileRunning(flags, (name, pid) => {
    const lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n');
    const want = `/${parent}/${name}`;
    if (v2) {
      t.equal(lines.find((l) => l.startsWith('0::')), `0::${want}`, `PID 1 is in ${want}`);
      return;
    }
    for (const controller of ['memory', 'cpu', 'cpuacct', 'cpuset', 'pids']) {
      const line = lines.find((l) => l.split(':')[1].split(',').includes(controller));
      t.equal(line?.split(':')[2], want, `${controller}: PID 1 is in ${want} (${line})`);
    }
  });
});

// 137 alone is not OOM: a container killed by a plain SIGKILL from outside was not
// killed by the OOM killer, and the debug log must not say it was.
t.test('a plain kill -9 is not reported as an OOM kill', { skip: needsRoot }, async (t) => {
  const r = await whileRunning(['-m', '32m', '--memory-swap', '32m'], () => {}, ['--debug']);
  t.equal(r.code, 137, 'killed by SIGKILL: 137');
  t.match(r.stderr, /\S/, 'the debug log is there (--debug)');
  t.notMatch(r.stderr, /OOM/, `no OOM reported for a kill -9: ${r.stderr.trim()}`);
});

t.test('--pids-limit makes fork fail inside', { skip: needsRoot }, async (t) => {
  const script = 'for i in 1 2 3 4 5 6 7 8; do /bin/sleep 2 & done; wait';
  const limited = await mydocker(['run', '--cgroup-parent', parent, '--pids-limit', '4', '/bin/sh', '-c', script], { root });
  t.not(limited.code, 0, 'the shell fails');
  t.match(limited.stderr, /fork/i, `fork is refused: ${limited.stderr.trim()}`);
  const free = await mydocker(['run', '--cgroup-parent', parent, '/bin/sh', '-c', script.replace('sleep 2', 'sleep 0')], { root });
  t.equal(free.code, 0, `without the limit the same script passes ${free.stderr}`);
});

t.test('--cpuset-cpus pins the process', { skip: needsRoot || (availableParallelism() < 2 && 'needs 2 CPUs') }, async (t) => {
  for (const cpus of ['1', '0']) {
    const r = await mydocker(['run', '--cgroup-parent', parent, '--cpuset-cpus', cpus, '/bin/grep', 'Cpus_allowed_list', '/proc/self/status'], { root });
    t.equal(r.code, 0, r.stderr);
    t.match(r.stdout, new RegExp(`^Cpus_allowed_list:\\s+${cpus}\\n$`), `--cpuset-cpus ${cpus}`);
  }
});

t.test('the container has its own cgroup namespace, rooted at its cgroup', { skip: needsRoot }, async (t) => {
  const r = await mydocker(['run', '--cgroup-parent', parent, '-m', '64m', '/bin/sh', '-c', 'cat /proc/self/cgroup; readlink /proc/self/ns/cgroup'], { root });
  t.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  const ns = lines.pop();
  t.not(ns, readlinkSync('/proc/self/ns/cgroup'), 'a new cgroup namespace');
  const memory = lines.find((l) => (v2 ? l.startsWith('0::') : /^\d+:memory:/.test(l)));
  t.match(memory, v2 ? /^0::\/$/ : /^\d+:memory:\/$/, 'its memory cgroup reads as "/" inside');
  t.notMatch(readFileSync('/proc/self/cgroup', 'utf8'), new RegExp(parent), 'the test itself was not moved');
});

t.test('without --cgroup-parent the cgroup is mydocker/<id>', { skip: needsRoot }, async (t) => {
  // The default parent sits at the top of the machine's cgroup tree, where every mydocker
  // running at the same time would share it. The CLI runs with a tree of this test's own
  // as its whole tree (privateCgroups), so what it makes there is this run's alone.
  const tree = privateCgroups(`mydocker-test-02-top-${UNIQUE}`);
  t.teardown(() => tree.remove());
  const base = tree.base('pids');
  const run = async (what: string) => {
    let seen = '';
    const r = await mydocker(['run', '/bin/sleep', '1'], {
      root,
      prefix: tree.prefix,
      onSpawn: () => {
        waitFor(() => existsSync(`${base}/mydocker`) && containerCgroup(`${tree.name}/mydocker`), 60_000) // a Node start is slow under emulation
          .then((n) => (seen = String(n)))
          .catch(() => {});
      },
    });
    t.equal(r.code, 0, `mydocker run /bin/sleep 1 (${what}) exits 0: ${r.stderr}`);
    t.match(seen, /^[0-9a-f]{64}$/, `${what}: a cgroup mydocker/<64 hex id> while it ran (book 02, "Cleaning up")`);
    t.notOk(existsSync(`${base}/mydocker/${seen}`), `${what}: the container's cgroup is gone after`);
  };
  await run('the first run');
  t.notOk(existsSync(`${base}/mydocker`), 'the parent level mydocker/ that the run made is gone too');
  // a parent that was there before the run (another mydocker's containers may be in it) stays
  mkdirSync(`${base}/mydocker`);
  await run('a run into an existing mydocker/');
  t.ok(existsSync(`${base}/mydocker`), 'the parent level mydocker/, there before the run, is still there');
  rmdirSync(`${base}/mydocker`);
});

t.test('no cgroup left after a failed start', { skip: needsRoot }, async (t) => {
  const missing = await mydocker(['run', '--cgroup-parent', parent, '-m', '64m', '/no/such/command'], { root });
  t.equal(missing.code, 127, missing.stderr);
  const notExec = await mydocker(['run', '--cgroup-parent', parent, '-m', '64m', '/etc/hostname'], { root });
  t.equal(notExec.code, 126, notExec.stderr);
  t.same(leftUnder(parent), [], 'no cgroup left');
});

t.test('bad values: 125, one line, nothing created', { skip: needsRoot }, async (t) => {
  const fresh = `${parent}-bad`;
  t.teardown(() => removeParent(fresh));
  const bad: string[][] = [
    ['-m', 'abc'],
    ['-m', '1m'],
    ['-m', '12x'],
    ['--memory-swap', '100m'],
    ['-m', '64m', '--memory-swap', '32m'],
    ['--cpus', '-1'],
    ['--cpus', 'lots'],
    ['--cpus', String(availableParallelism() + 1)],
    ['--cpu-shares', '1.5'],
    ['--cpuset-cpus', '99'],
    ['--cpuset-cpus', '1-0'],
    ['--cpuset-mems', '99'],
    ['--pids-limit', 'many'],
    ['--cgroup-parent', '../escape'],
  ];
  for (const flags of bad) {
    const r = await mydocker(['run', '--cgroup-parent', fresh, ...flags, '/bin/true'], { root });
    t.equal(r.code, 125, `${flags.join(' ')} → 125`);
    t.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr.trim()}`);
  }
  t.notOk(existsSync(`${controllerBase('pids')}/${fresh}`), 'no cgroup was made');
});

noLeaks(t, before);
