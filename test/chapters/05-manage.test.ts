// Chapter 05 — managing containers over their life: create, start (the writable layer
// stays), restart, ps filters, logs --since/--until, --stop-signal and kill -s, rename,
// container prune. A container is a record and a layer; its process comes and goes.
import t, { type Test } from 'tap';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { controllerBase, leftUnder } from '../harness/cgroups.js';
import { mydocker, needsRoot, noLeaks, ownDir, sleep, waitFor } from '../harness/index.js';
import { busyboxSuite } from '../harness/suite.js';

// its own root (busybox imported), cgroup parent and names (test/harness/suite.ts)
const { before, root, unique, cgroupParent, name } = busyboxSuite(t, 'm05');

const md = (args: string[], timeoutMs = 30_000) => mydocker(args, { root, timeoutMs });

async function detached(t: Test, ctr: string, args: string[], flags: string[] = []): Promise<string> {
  const r = await md(['run', '-d', '--name', ctr, '--cgroup-parent', cgroupParent, ...flags, 'busybox', ...args]);
  t.equal(r.code, 0, `run -d: ${r.stderr}`);
  return r.stdout.trim();
}

const inspect = async (ref: string, format: string) => {
  const r = await md(['inspect', '-f', format, ref]);
  return r.code === 0 ? r.stdout.trim() : `(inspect failed: ${r.stderr.trim()})`;
};

function procAlive(pid: number): boolean {
  return existsSync(`/proc/${pid}`) && !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
}

/** the rows of `ps` (with these flags) that name one of ctrs, as NAME → STATUS */
async function psRows(flags: string[], ctrs: string[]): Promise<Map<string, string>> {
  const r = await md(['ps', ...flags]);
  const [header, ...rows] = r.stdout.split('\n').filter(Boolean);
  const at = header.indexOf('STATUS');
  const out = new Map<string, string>();
  for (const row of rows) {
    const ctr = ctrs.find((c) => row.trimEnd().endsWith(` ${c}`));
    if (ctr) out.set(ctr, row.slice(at).split(/\s{2,}/)[0]);
  }
  return out;
}

t.test('start: the same container again, its writable layer intact; restart; start of a running one does nothing', { skip: needsRoot }, async (t) => {
  const ctr = name('start');
  // each run appends a line to a file in the container's own layer, and prints the file
  const id = await detached(t, ctr, ['sh', '-c', 'echo run >> /runs; echo "runs: $(wc -l < /runs)"; exec sleep 1000']);
  const firstStart = await inspect(ctr, '{{.State.StartedAt}}');
  const pid1 = Number(await inspect(ctr, '{{.State.Pid}}'));
  const s = await md(['stop', '-t', '1', ctr]);
  t.equal(s.code, 0, s.stderr);
  t.equal(await inspect(ctr, '{{.State.Status}}'), 'exited', 'stop returns once it has exited');
  t.notOk(procAlive(pid1), 'and its process is gone');

  const st = await md(['start', ctr]);
  t.equal(st.code, 0, st.stderr);
  t.equal(st.stdout, `${ctr}\n`, 'start prints the name it was given');
  t.equal(await inspect(ctr, '{{.State.Status}} {{.State.Running}} {{.Id}} {{.Name}}'), `running true ${id} /${ctr}`, 'the same id and name, running');
  const pid2 = Number(await inspect(ctr, '{{.State.Pid}}'));
  t.not(pid2, pid1, 'a new process');
  t.ok(procAlive(pid2), 'it runs');
  t.ok(Date.parse(await inspect(ctr, '{{.State.StartedAt}}')) > Date.parse(firstStart), 'StartedAt is the new start');
  t.equal(await inspect(ctr, '{{.RestartCount}}'), '0', 'RestartCount: docker counts only its restart policy, and resets it on a manual start');
  const monitor = Number(readFileSync(`/proc/${pid2}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
  t.not(readFileSync(`/proc/${monitor}/comm`, 'utf8').trim(), 'node', 'its parent is a new monitor');
  await waitFor(async () => (await md(['logs', ctr])).stdout.includes('runs: 2'), 10_000, 'the second run to print');
  t.equal((await md(['logs', ctr])).stdout, 'runs: 1\nruns: 2\n', 'the file written by the first run is still there; the log goes on');

  const again = await md(['start', ctr]);
  t.equal(again.code, 0, 'start of a running container: 0');
  t.equal(Number(await inspect(ctr, '{{.State.Pid}}')), pid2, 'and nothing changes');

  const r = await md(['restart', '-t', '1', ctr]);
  t.equal(r.code, 0, r.stderr);
  t.equal(r.stdout, `${ctr}\n`, 'restart prints the name it was given');
  const pid3 = Number(await inspect(ctr, '{{.State.Pid}}'));
  t.ok(pid3 !== pid2 && procAlive(pid3) && !procAlive(pid2), 'restart: the old process ended, a new one runs');
  await waitFor(async () => (await md(['logs', ctr])).stdout.includes('runs: 3'), 10_000, 'the third run to print');

  const rm = await md(['rm', '-f', ctr]);
  t.equal(rm.code, 0, rm.stderr);
  t.notOk(procAlive(pid3), 'rm -f: no process left');
  t.notOk(existsSync(join(root, 'containers', id)), 'no record left');
  t.same(leftUnder(cgroupParent).filter((d) => d.endsWith(id)), [], 'no cgroup left');
});

t.test('create: a container in state "created"; start -a runs it attached and exits with its status', { skip: needsRoot }, async (t) => {
  const ctr = name('create');
  const c = await md(['create', '--name', ctr, '--cgroup-parent', cgroupParent, 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
  t.equal(c.code, 0, c.stderr);
  t.match(c.stdout, /^[0-9a-f]{64}\n$/, 'create prints the full id');
  t.equal(await inspect(ctr, '{{.State.Status}} {{.State.Running}} {{.State.Pid}}'), 'created false 0', 'created: status created, not running, no pid');
  t.equal((await psRows(['-a'], [ctr])).get(ctr), 'Created', 'ps -a: Created');
  t.notOk((await psRows([], [ctr])).has(ctr), 'ps: not running');
  const a = await md(['start', '-a', ctr]);
  t.equal(a.code, 3, "start -a: the container's exit status");
  t.equal(a.stdout, 'out\n', "start -a: the container's stdout");
  t.equal(a.stderr, 'err\n', "start -a: the container's stderr");
  t.equal(await inspect(ctr, '{{.State.Status}} {{.State.ExitCode}}'), 'exited 3', 'inspect: exited with 3');
  const bad = await md(['create', '--name', name('bad'), 'no-such-image', 'true']);
  t.equal(bad.code, 125, 'create checks what run checks: an unknown image is 125');
  t.equal((await md(['rm', ctr])).code, 0, 'rm of the created container: exit 0');
});

t.test('stop returns once the container has exited; --stop-signal; kill -s by name and number', { skip: needsRoot }, async (t) => {
  const usr = name('usr1');
  const trap = 'trap "exit 11" USR1; trap "exit 12" USR2; trap "exit 13" TERM; echo ready; while true; do sleep 0.1; done';
  await detached(t, usr, ['sh', '-c', trap], ['--stop-signal', 'SIGUSR1']);
  await waitFor(async () => (await md(['logs', usr])).stdout.includes('ready'), 10_000, 'the traps');
  const pid = Number(await inspect(usr, '{{.State.Pid}}'));
  const s = await md(['stop', usr]);
  t.equal(s.code, 0, s.stderr);
  t.notOk(procAlive(pid), 'when stop returns, the process is gone');
  t.equal(await inspect(usr, '{{.State.Status}} {{.State.ExitCode}}'), 'exited 11', 'and the record says how it ended: stop sent --stop-signal, not SIGTERM');

  const st = await md(['start', usr]);
  t.equal(st.code, 0, st.stderr);
  await waitFor(async () => (await md(['logs', usr])).stdout === 'ready\nready\n', 10_000, 'the traps again');
  const k = await md(['kill', '-s', '12', usr]);
  t.equal(k.code, 0, k.stderr);
  t.equal((await md(['wait', usr])).stdout, '12\n', 'kill -s 12: SIGUSR2 by number');
  await md(['start', usr]);
  await waitFor(async () => (await md(['logs', usr])).stdout.split('ready').length === 4, 10_000, 'the traps a third time');
  t.equal((await md(['kill', '-s', 'TERM', usr])).code, 0, 'kill -s TERM by name: exit 0');
  t.equal((await md(['wait', usr])).stdout, '13\n', 'kill -s TERM: by name');
  const bad = await md(['kill', '-s', 'NOPE', usr]);
  t.equal(bad.code, 125, 'an unknown signal: 125');
  t.match(bad.stderr, /Invalid signal: NOPE/, "docker's message names the signal");
  const badRun = await md(['run', '-d', '--stop-signal', 'NOPE', 'busybox', 'true']);
  t.equal(badRun.code, 125, 'run --stop-signal NOPE: 125');
  t.equal((await md(['rm', usr])).code, 0, 'rm of the container: exit 0');
});

t.test('ps: -f status= and name= (one key: any value; keys: all), -q, --no-trunc; bad filters are 125', { skip: needsRoot }, async (t) => {
  const up = name('up');
  const done = name('done');
  const made = name('made');
  const upId = await detached(t, up, ['sleep', '1000']);
  const doneId = await detached(t, done, ['sh', '-c', 'exit 2']);
  await md(['create', '--name', made, '--cgroup-parent', cgroupParent, 'busybox', 'true']);
  await md(['wait', done]);
  const all = [up, done, made];
  t.same([...(await psRows(['-f', 'status=exited'], all)).keys()], [done], 'status=exited, without -a: the exited one');
  t.same([...(await psRows(['-f', 'status=created'], all)).keys()], [made], 'status=created');
  t.same([...(await psRows(['-f', 'status=running'], all)).keys()], [up], 'status=running');
  t.same([...(await psRows(['-f', 'status=exited', '-f', 'status=running'], all)).keys()].sort(), [done, up].sort(), 'two values of one key: either');
  t.same([...(await psRows(['-a', '-f', `name=${unique}-done`], all)).keys()], [done], 'name=: a part of the name');
  t.same([...(await psRows(['-a', '-f', `name=${unique}`, '-f', 'status=running'], all)).keys()], [up], 'two keys: both');
  t.same([...(await psRows(['-a', '-f', 'name=^/nothing-like-this$'], all)).keys()], [], 'no match: no row');
  t.equal((await md(['ps', '-q', '-f', 'status=exited', '-f', `name=${unique}`])).stdout, `${doneId.slice(0, 12)}\n`, '-q with filters: short ids');
  t.equal((await md(['ps', '-q', '--no-trunc', '-f', `name=${up}`])).stdout, `${upId}\n`, '-q --no-trunc: full ids');
  const wide = await md(['ps', '--no-trunc', '-f', `name=${up}`]);
  t.match(wide.stdout, new RegExp(`^${upId}\\s+busybox\\s+"sleep 1000"\\s+`, 'm'), '--no-trunc: the full id');
  t.match((await psRows(['-a'], all)).get(done), /^Exited \(2\) /, 'STATUS: Exited (2) … ago');
  for (const bad of ['status=sleepy', 'colour=red', 'status']) {
    const r = await md(['ps', '-f', bad]);
    t.equal(r.code, 125, `-f ${bad}: 125`);
    t.match(r.stderr, /^mydocker: (invalid filter|bad format of filter)/, "one line: docker's filter error");
  }
  t.equal((await md(['rm', '-f', up, done, made])).code, 0, 'rm -f of the three: exit 0');
});

t.test('logs --since and --until: durations, Unix times, RFC 3339', { skip: needsRoot }, async (t) => {
  const ctr = name('since');
  await detached(t, ctr, ['sh', '-c', 'echo early; sleep 1.5; echo late']);
  await md(['wait', ctr]);
  const stamped = (await md(['logs', '-t', ctr])).stdout.trim().split('\n');
  t.equal(stamped.length, 2, 'logs -t: one line per line logged');
  const [earlyTime, lateTime] = stamped.map((l) => l.split(' ')[0]);
  const logs = async (...flags: string[]) => {
    const r = await md(['logs', ...flags, ctr]);
    t.equal(r.code, 0, r.stderr);
    return r.stdout;
  };
  t.equal(await logs('--since', '1h'), 'early\nlate\n', '--since 1h: everything');
  t.equal(await logs('--since', '1ms'), '', '--since 1ms: nothing (it ended before)');
  t.equal(await logs('--since', lateTime), 'late\n', '--since an entry\'s own RFC 3339 time: from that entry');
  t.equal(await logs('--since', String(Math.floor(Date.parse(lateTime) / 1000))), 'late\n', '--since a Unix time (seconds)');
  t.equal(await logs('--until', earlyTime), 'early\n', '--until: up to that time');
  t.equal(await logs('--since', '2000-01-01'), 'early\nlate\n', '--since a date');
  t.equal(await logs('--tail', '1', '--since', '1h'), 'late\n', 'with --tail');
  const bad = await md(['logs', '--since', 'yesterday', ctr]);
  t.equal(bad.code, 125, 'a time it cannot read: 125');
  t.equal((await md(['rm', ctr])).code, 0, 'rm: exit 0');
});

t.test('rename; rm -v; container prune: "Deleted Containers:" and the space reclaimed', { skip: needsRoot }, async (t) => {
  const old = name('old');
  const fresh = name('new');
  const keep = name('keep');
  const idOld = await detached(t, old, ['sh', '-c', 'head -c 5000 /dev/zero > /five-k']);
  const idKeep = await detached(t, keep, ['sleep', '1000']);
  await md(['wait', old]);
  const r = await md(['rename', old, fresh]);
  t.equal(r.code, 0, r.stderr);
  t.equal(await inspect(fresh, '{{.Id}} {{.Name}}'), `${idOld} /${fresh}`, 'the new name finds it');
  t.equal((await md(['inspect', old])).code, 125, 'the old one does not');
  const clash = await md(['rename', fresh, keep]);
  t.equal(clash.code, 125, 'a name in use: 125');
  t.match(clash.stderr, /Conflict\. The container name "\/.*" is already in use/, "docker's conflict message");

  const made = name('made');
  const idMade = (await md(['create', '--name', made, '--cgroup-parent', cgroupParent, 'busybox', 'true'])).stdout.trim();
  const p = await md(['container', 'prune', '-f']);
  t.equal(p.code, 0, p.stderr);
  const [head, ...ids] = p.stdout.split('\n\n')[0].split('\n');
  t.equal(head, 'Deleted Containers:', "prune's first line is docker's");
  t.same(ids.filter((id) => [idOld, idMade, idKeep].includes(id)).sort(), [idOld, idMade].sort(), 'the stopped and the created ones, by full id; not the running one');
  t.match(p.stdout, /\n\nTotal reclaimed space: 5kB\n$/, 'their writable layers: the 5000-byte file');
  t.notOk(existsSync(join(root, 'containers', idOld)), 'gone');
  t.equal(await inspect(keep, '{{.State.Status}}'), 'running', 'the running one stays');
  const none = await md(['container', 'prune', '-f']);
  t.equal(none.stdout, 'Total reclaimed space: 0B\n', 'nothing left to prune: no list');

  const v = await md(['rm', '-v', '-f', keep]);
  t.equal(v.code, 0, `rm -v: ${v.stderr}`);
  t.notOk(existsSync(join(root, 'containers', idKeep)), "rm -v removed the container's folder");
});

t.test('--root: ps, inspect, logs and wait never make a missing root, nor change a folder that is not a store', { skip: needsRoot }, async (t) => {
  const tmp = ownDir(mkdtempSync(join(tmpdir(), 'mydocker-m05root-')));
  t.teardown(() => rmSync(tmp, { recursive: true, force: true }));
  const missing = join(tmp, 'missing');
  for (const args of [['ps', '-a'], ['ps', '-q']]) {
    const r = await mydocker(args, { root: missing });
    const cmd = `mydocker --root ${missing} ${args.join(' ')}`;
    t.equal(r.code, 0, `${cmd}: expected exit 0 (docker shows an empty list), got ${r.code} (stderr: ${r.stderr.trim()})`);
    t.equal(r.stdout.split('\n').filter((l) => l && !l.startsWith('CONTAINER ID')).length, 0, `${cmd}: expected no container, got ${JSON.stringify(r.stdout)}`);
    t.notOk(existsSync(missing), `${cmd}: expected ${missing} not to be made, it exists`);
  }
  for (const args of [['inspect', 'nothing'], ['logs', 'nothing'], ['wait', 'nothing']]) {
    const r = await mydocker(args, { root: missing });
    const cmd = `mydocker --root ${missing} ${args.join(' ')}`;
    t.equal(r.code, 125, `${cmd}: expected exit 125 (no such container), got ${r.code}`);
    t.notOk(existsSync(missing), `${cmd}: expected ${missing} not to be made, it exists`);
  }
  // a folder holding something else (as /etc would): mode and contents stay as they were
  const other = join(tmp, 'not-a-store');
  mkdirSync(other);
  writeFileSync(join(other, 'keep'), 'not mydocker\n');
  chmodSync(other, 0o755);
  for (const args of [['ps', '-a'], ['inspect', 'nothing'], ['logs', 'nothing']]) {
    const r = await mydocker(args, { root: other });
    const cmd = `mydocker --root ${other} ${args.join(' ')}`;
    if (r.code !== 0) t.equal(r.stderr.split('\n').filter(Boolean).length, 1, `${cmd}: expected one line on stderr, got ${JSON.stringify(r.stderr)}`);
    t.equal((statSync(other).mode & 0o7777).toString(8), '755', `${cmd}: expected ${other} to keep mode 755, got ${(statSync(other).mode & 0o7777).toString(8)}`);
    t.same(readdirSync(other), ['keep'], `${cmd}: expected ${other} to hold only its file, got ${JSON.stringify(readdirSync(other))}`);
  }
});

/** host pids whose command line is exactly argv (a unique argument finds one container's process) */
function pidsRunning(argv: string[]): number[] {
  const want = argv.join('\0') + '\0';
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8') === want && procAlive(Number(p));
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** what a container whose record is gone must not leave: its process, its cgroups */
function leftBehind(t: Test, what: string, argv: string[]): void {
  t.same(pidsRunning(argv), [], `${what}: no \`${argv.join(' ')}\` process runs (expected none, got the pids shown)`);
  t.same(leftUnder(cgroupParent), [], `${what}: no cgroup left under --cgroup-parent ${cgroupParent}`);
}

t.test('rm -f racing start: it waits for the start (or stops what it started); no process or cgroup outlives the record', { skip: needsRoot }, async (t) => {
  // the start is frozen (SIGSTOP) the moment its first cgroup appears: half-way, its record
  // says it is being started; rm -f runs against it, and the start goes on a second later
  const cgroupDir = `${controllerBase('pids')}/${cgroupParent}`;
  for (let round = 0; round < 4; round++) {
    const ctr = name('race');
    const argv = ['sleep', `302${process.pid}${round}`];
    const c = await md(['create', '--name', ctr, '--cgroup-parent', cgroupParent, '-m', '64m', 'busybox', ...argv]);
    t.equal(c.code, 0, `create --name ${ctr}: ${c.stderr}`);
    let starter: number | undefined;
    const start = mydocker(['start', ctr], { root, timeoutMs: 30_000, onSpawn: (pid) => (starter = pid) });
    await waitFor(() => starter, 5_000, 'the start CLI to spawn');
    const until = Date.now() + 10_000;
    let exited = false;
    while (!(existsSync(cgroupDir) && readdirSync(cgroupDir).length) && !exited && Date.now() < until) exited = !procAlive(starter!);
    try {
      process.kill(starter!, 'SIGSTOP');
    } catch {
      // it has finished already: this round is a plain rm -f of a running container
    }
    const rm = md(['rm', '-f', ctr]);
    await sleep(1000);
    try {
      process.kill(starter!, 'SIGCONT');
    } catch {
      // ended
    }
    const [r, s] = await Promise.all([rm, start]);
    t.equal(r.code, 0, `round ${round}: rm -f ${ctr} while \`start ${ctr}\` is half-way: expected 0, got ${r.code} (${r.stderr.trim()})`);
    t.ok(s.code === 0 || (s.code === 125 && s.stderr.trim().split('\n').length === 1), `round ${round}: start ${ctr} either worked (0) or failed with one line (125): got ${s.code} ${JSON.stringify(s.stderr)}`);
    const i = await md(['inspect', ctr]);
    t.not(i.code, 0, `round ${round}: after rm -f, inspect ${ctr} finds no container: got ${i.code}`);
    leftBehind(t, `round ${round}`, argv);
    for (const p of pidsRunning(argv)) process.kill(p, 'SIGKILL'); // a failure here must not spill into the next round
  }
});

t.test('run -d killed (kill -9) before it finished: no "created" record stays, nothing of it leaks', { skip: needsRoot }, async (t) => {
  // killed at its first cgroup (the record exists, the command has not started), then at fixed delays
  const cgroupDir = `${controllerBase('pids')}/${cgroupParent}`;
  for (const delay of ['first cgroup', 50, 100, 150, 200, 300] as const) {
    const ctr = name('killed');
    const argv = ['sleep', `303${process.pid}${typeof delay === 'number' ? delay : 0}`];
    let cli: number | undefined;
    const run = mydocker(['run', '-d', '--name', ctr, '--cgroup-parent', cgroupParent, '-m', '64m', 'busybox', ...argv], { root, timeoutMs: 30_000, onSpawn: (pid) => (cli = pid) });
    await waitFor(() => cli, 5_000, 'run -d to spawn');
    if (typeof delay === 'number') await sleep(delay);
    else for (const until = Date.now() + 10_000; !(existsSync(cgroupDir) && readdirSync(cgroupDir).length) && procAlive(cli!) && Date.now() < until; );
    try {
      process.kill(cli!, 'SIGKILL');
    } catch {
      // it had finished: the container runs, as it should
    }
    await run;
    const what = `run -d --name ${ctr} killed at ${typeof delay === 'number' ? `${delay} ms` : 'its first cgroup'}`;
    const status = (await psRows(['-a'], [ctr])).get(ctr);
    t.not(status, 'Created', `${what}: ps -a must not show a "Created" container for a run that never finished (got ${status})`);
    if (status !== undefined) {
      const rm = await md(['rm', '-f', ctr]); // it got far enough to run (or to have run)
      t.equal(rm.code, 0, `${what}: rm -f ${ctr}: expected 0, got ${rm.code} ${rm.stderr.trim()}`);
    }
    leftBehind(t, what, argv);
    for (const p of pidsRunning(argv)) process.kill(p, 'SIGKILL');
  }
});

noLeaks(t, before);
