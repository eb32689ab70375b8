// Chapter 08 — the rest of runc's runtime interface: the hooks that run inside the
// container (createContainer, startContainer), pause/resume (the cgroup freezer) and
// update (new limits for a running container), and all of it from dockerd
// (`--add-runtime`), when Debian's docker.io is installed. The runtime under test is
// MYDOCKER_RUNC, or the `mydocker-runc` next to MYDOCKER.
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needsRoot, noLeaks, ownDir, processTree, sleep, snapshot, UNIQUE, waitFor } from '../harness/index.js';
import { busyboxTarball } from '../harness/fixtures.js';
import { RUNC, runcIn } from '../harness/oci.js';
import { controllerBase, hostMode } from '../harness/cgroups.js';

const before = snapshot();
const work = ownDir(mkdtempSync(join(tmpdir(), 'mydocker-test-ocirt-')));
t.teardown(() => rmSync(work, { recursive: true, force: true }));
const root = join(work, 'state');
const unique = `r08-${UNIQUE}`;
const cgroupParent = `mydocker-test-${unique}`;
let n = 0;
const newId = (what: string) => `${unique}-${what}-${n++}`;

/** mydocker-runc ARGS, its output in files (test/harness/oci.ts); input: its stdin */
const runc = (args: string[], input?: string) => runcIn(root, join(work, `out-${n++}`), args, input);

/** a busybox bundle, runtime-spec 1.0.2 */
function bundle(id: string, args: string[], patch: (c: Record<string, any>) => void = () => {}): string {
  const dir = join(work, `bundle-${id}`);
  mkdirSync(join(dir, 'rootfs'), { recursive: true });
  const tar = spawnSync('tar', ['-xf', busyboxTarball(), '-C', join(dir, 'rootfs')]);
  if (tar.status !== 0) throw new Error(`tar: ${tar.stderr}`);
  const config = {
    ociVersion: '1.0.2',
    process: { terminal: false, user: { uid: 0, gid: 0 }, args, env: ['PATH=/bin:/usr/bin'], cwd: '/', noNewPrivileges: true },
    root: { path: 'rootfs', readonly: false },
    hostname: 'oci',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
    ],
    linux: {
      cgroupsPath: `/${cgroupParent}/${id}`,
      resources: { pids: { limit: 20 } },
      namespaces: [{ type: 'pid' }, { type: 'network' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }],
    },
  };
  patch(config);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}

async function state(id: string): Promise<Record<string, any> | undefined> {
  const r = await runc(['state', id]);
  return r.code === 0 ? JSON.parse(r.stdout) : undefined;
}

const readlink = (p: string) => spawnSync('readlink', [p], { encoding: 'utf8' }).stdout.trim();

/** a host script: one line "NAME <cwd> <mnt ns> <stdin>" appended to log */
function hostHook(name: string, log: string): string {
  const file = join(work, `hook-${name}.sh`);
  writeFileSync(file, `#!/bin/sh\nprintf '%s %s %s %s\\n' "$1" "$(pwd)" "$(readlink /proc/self/ns/mnt)" "$(cat)" >> ${log}\n`);
  chmodSync(file, 0o755);
  return file;
}

t.test('hooks: createRuntime, then createContainer in the container before pivot_root (in its root), startContainer at start before the command; state on stdin', { skip: needsRoot }, async (t) => {
  const id = newId('hooks');
  const log = join(work, `${id}.log`);
  const dir = bundle(id, ['sh', '-c', 'echo command >> /start.log; exec sleep 60'], (c) => {
    c.hooks = {
      createRuntime: [{ path: hostHook('rt', log), args: ['hook', 'createRuntime'] }],
      createContainer: [{ path: hostHook('cc', log), args: ['hook', 'createContainer'] }],
      // resolved in the container: a busybox script of the bundle's root
      startContainer: [{ path: '/start-hook', args: ['start-hook', 'startContainer'] }],
    };
  });
  writeFileSync(join(dir, 'rootfs', 'start-hook'), `#!/bin/sh\necho "$1 $(hostname) $(cat)" >> /start.log\n`);
  chmodSync(join(dir, 'rootfs', 'start-hook'), 0o755);
  const c = await runc(['create', '--bundle', dir, '--pid-file', join(work, `${id}.pid`), id]);
  t.equal(c.code, 0, `create: ${c.stderr}`);
  t.teardown(() => void spawnSync(RUNC, ['--root', root, 'delete', '--force', id]));
  const pid = Number(readFileSync(join(work, `${id}.pid`), 'utf8'));
  const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => l.split(' '));
  t.same(lines.map((l) => l[0]), ['createRuntime', 'createContainer'], 'create ran createRuntime, then createContainer, once each');
  const [rt, cc] = lines;
  t.not(rt[2], readlink(`/proc/${pid}/ns/mnt`), "createRuntime: in the runtime's mount namespace");
  t.equal(cc[2], readlink(`/proc/${pid}/ns/mnt`), "createContainer: in the container's mount namespace");
  t.equal(cc[1], realpathSync(join(dir, 'rootfs')), "createContainer: started in the container's root (before pivot_root: its path is the host's)");
  for (const [name, l] of [['createRuntime', rt], ['createContainer', cc]] as const) {
    const s = JSON.parse(l.slice(3).join(' '));
    t.match(s, { ociVersion: /^1\./, id, bundle: dir }, `${name}: the state on stdin`);
  }
  t.equal(JSON.parse(rt.slice(3).join(' ')).pid, pid, "createRuntime's state: the init's pid");
  await sleep(300);
  t.notOk(existsSync(join(dir, 'rootfs', 'start.log')), 'startContainer has not run at create');

  const st = await runc(['start', id]);
  t.equal(st.code, 0, `start: ${st.stderr}`);
  await waitFor(() => readFileSync(join(dir, 'rootfs', 'start.log'), 'utf8').includes('command'), 10_000, 'the command');
  const started = readFileSync(join(dir, 'rootfs', 'start.log'), 'utf8').trim().split('\n');
  t.equal(started.length, 2, 'startContainer once, the command once');
  t.match(started[0], /^startContainer oci \{/, "startContainer: before the command, in the container (its uts namespace; its path resolved in the container's root)");
  t.match(JSON.parse(started[0].slice(started[0].indexOf('{'))), { id, bundle: dir }, 'startContainer: the state on stdin');
  t.equal(started[1], 'command', 'the command ran after startContainer');
  t.match(await state(id), { status: 'running' }, 'state says running');
  t.equal((await runc(['delete', '--force', id])).code, 0, 'delete --force');
});

t.test('a failing startContainer hook fails start, and the command never runs; a failing createContainer hook fails create', { skip: needsRoot }, async (t) => {
  const id = newId('hookfail');
  const dir = bundle(id, ['sh', '-c', 'echo ran > /ran'], (c) => {
    c.hooks = { startContainer: [{ path: '/bin/sh', args: ['sh', '-c', 'echo no-go >&2; exit 3'] }] };
  });
  const c = await runc(['create', '--bundle', dir, id]);
  t.equal(c.code, 0, `create: ${c.stderr}`);
  t.teardown(() => void spawnSync(RUNC, ['--root', root, 'delete', '--force', id]));
  const st = await runc(['start', id]);
  t.not(st.code, 0, 'start fails');
  t.match(st.stderr, /startContainer.*(no-go|exit status 3)/, `its reason: ${st.stderr.trim()}`);
  await sleep(300);
  t.notOk(existsSync(join(dir, 'rootfs', 'ran')), 'the command did not run');
  t.equal((await runc(['delete', '--force', id])).code, 0, 'delete --force');

  const id2 = newId('ccfail');
  const bad = await runc(['create', '--bundle', bundle(id2, ['true'], (c) => (c.hooks = { createContainer: [{ path: '/bin/false' }] })), id2]);
  t.not(bad.code, 0, 'create fails');
  t.match(bad.stderr, /createContainer/, 'naming the hook');
  t.notOk(existsSync(join(root, id2)), 'nothing of it is left');
});

/** the value of a cgroup file of the container's init, read from the host */
function cgroupFile(pid: number, controller: string, v1: string, v2: string): string {
  const lines = readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n');
  const unified = hostMode() === 'unified';
  const line = lines.find((l) => (unified ? l.startsWith('0::') : l.split(':')[1]?.split(',').includes(controller)))!;
  return readFileSync(`${controllerBase(controller)}${line.split(':')[2]}/${unified ? v2 : v1}`, 'utf8').trim();
}

t.test('pause stops every process (state "paused"), resume lets them go on; update writes new limits into the cgroup; delete --force of a paused container', { skip: needsRoot }, async (t) => {
  const id = newId('pause');
  const dir = bundle(id, ['sh', '-c', 'i=0; while true; do i=$((i+1)); echo $i > /count; usleep 20000; done']);
  const c = await runc(['create', '--bundle', dir, '--pid-file', join(work, `${id}.pid`), id]);
  t.equal(c.code, 0, `create: ${c.stderr}`);
  t.teardown(() => void spawnSync(RUNC, ['--root', root, 'delete', '--force', id]));
  const pid = Number(readFileSync(join(work, `${id}.pid`), 'utf8'));
  t.equal((await runc(['start', id])).code, 0, 'start');
  const count = () => Number(readFileSync(join(dir, 'rootfs', 'count'), 'utf8') || 0);
  await waitFor(() => existsSync(join(dir, 'rootfs', 'count')) && count() > 2, 10_000, 'the counter');

  const p = await runc(['pause', id]);
  t.equal(p.code, 0, `pause: ${p.stderr}`);
  t.match(await state(id), { status: 'paused', pid }, 'state: paused');
  const frozenAt = count();
  const procState = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^State:\s+(\S)/m)![1];
  t.ok(['D', 'T', 'S'].includes(procState), `the init is not running (State ${procState})`);
  await sleep(500);
  t.equal(count(), frozenAt, 'nothing moves while paused: the counter stays');
  t.not((await runc(['pause', id])).code, 0, 'a second pause fails (runc: the container is not running)');
  t.match(await state(id), { status: 'paused' }, 'and it stays paused');
  t.not((await runc(['start', id])).code, 0, 'start of a paused container fails');

  const r = await runc(['resume', id]);
  t.equal(r.code, 0, `resume: ${r.stderr}`);
  t.match(await state(id), { status: 'running' }, 'state: running again');
  await waitFor(() => count() > frozenAt + 2, 5_000, 'the counter to move again');
  t.pass('the processes go on after resume');
  t.not((await runc(['resume', id])).code, 0, 'resume of a container that is not paused fails');

  // update: runc's flags, then a linux.resources file
  const u = await runc(['update', '--pids-limit', '33', '--memory', '64m', '--cpu-period', '50000', '--cpu-quota', '20000', '--cpu-shares', '512', id]);
  t.equal(u.code, 0, `update: ${u.stderr}`);
  t.equal(cgroupFile(pid, 'pids', 'pids.max', 'pids.max'), '33', 'pids.max');
  t.equal(cgroupFile(pid, 'memory', 'memory.limit_in_bytes', 'memory.max'), String(64 * 1024 * 1024), 'the memory limit');
  if (hostMode() === 'unified') t.equal(cgroupFile(pid, 'cpu', '', 'cpu.max'), '20000 50000', 'cpu.max');
  else {
    t.equal(cgroupFile(pid, 'cpu', 'cpu.cfs_period_us', ''), '50000', 'cpu.cfs_period_us');
    t.equal(cgroupFile(pid, 'cpu', 'cpu.cfs_quota_us', ''), '20000', 'cpu.cfs_quota_us');
    t.equal(cgroupFile(pid, 'cpu', 'cpu.shares', ''), '512', 'cpu.shares');
  }
  const res = join(work, `${id}-resources.json`);
  writeFileSync(res, JSON.stringify({ pids: { limit: 44 }, memory: { limit: 96 * 1024 * 1024 } }));
  t.equal((await runc(['update', '-r', res, id])).code, 0, 'update -r FILE');
  t.equal(cgroupFile(pid, 'pids', 'pids.max', 'pids.max'), '44', 'pids.max from the resources file');
  t.equal(cgroupFile(pid, 'memory', 'memory.limit_in_bytes', 'memory.max'), String(96 * 1024 * 1024), 'the memory limit from the resources file');
  t.equal((await runc(['update', '-r', '-', id], JSON.stringify({ pids: { limit: 55 } }))).code, 0, 'update -r - (stdin)');
  t.equal(cgroupFile(pid, 'pids', 'pids.max', 'pids.max'), '55', 'pids.max from stdin');

  t.equal((await runc(['pause', id])).code, 0, 'pause again');
  t.not((await runc(['delete', id])).code, 0, 'delete of a paused container is refused');
  const d = await runc(['delete', '--force', id]);
  t.equal(d.code, 0, `delete --force of a paused container: ${d.stderr}`);
  t.ok(!existsSync(`/proc/${pid}`) || /\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8')), 'its init is gone');
  t.equal(await state(id), undefined, 'and the container');
});

t.test('features lists the hooks inside the container', async (t) => {
  const f = await runc(['features']);
  t.equal(f.code, 0, 'features: exit 0');
  t.same(JSON.parse(f.stdout).hooks, ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'], 'features lists every kind of hook the runtime runs, createContainer and startContainer included');
});

const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

t.test("dockerd --add-runtime: docker run, pause, update and rm through mydocker-runc", { skip: needsRoot || (!['dockerd', 'docker', 'containerd', 'containerd-shim-runc-v2', 'skopeo'].every(has) && 'needs dockerd (Debian docker.io), containerd and skopeo') }, async (t) => {
  // a private containerd and dockerd: their own state, sockets and pid file in our folder;
  // dockerd in a network namespace of its own, without bridge or iptables; bounded lifetimes
  const dir = join(work, 'docker');
  mkdirSync(dir);
  const ctd = join(dir, 'ctd.sock');
  writeFileSync(join(dir, 'config.toml'), `version = 2\nroot = "${dir}/ctd-root"\nstate = "${dir}/ctd-state"\n[grpc]\n  address = "${ctd}"\n[ttrpc]\n  address = "${ctd}.ttrpc"\n[debug]\n  address = ""\n[metrics]\n  address = ""\n`);
  const log = openSync(join(dir, 'daemons.log'), 'w');
  const containerd = spawn('timeout', ['-k', '2', '150', 'containerd', '--config', join(dir, 'config.toml')], { stdio: ['ignore', log, log] });
  const daemons = [containerd];
  const shims = () => readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try {
      return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(`\0-address\0${ctd}\0`);
    } catch {
      return false;
    }
  }).map(Number);
  t.teardown(async () => {
    for (const p of [...shims(), ...daemons.flatMap((d) => processTree(d.pid!).reverse())]) {
      try {
        process.kill(p, 'SIGTERM');
      } catch {
        // gone
      }
    }
    for (const d of daemons) await new Promise((r) => (d.exitCode !== null || d.signalCode !== null ? r(null) : d.on('exit', r)));
    for (const m of readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4]).filter((m) => m?.startsWith(dir)).reverse()) spawnSync('umount', ['-l', m]);
  });
  await waitFor(() => existsSync(ctd), 15_000, 'containerd to listen');
  const sock = join(dir, 'docker.sock');
  const execRoot = join(dir, 'exec');
  daemons.push(spawn('timeout', ['-k', '2', '150', 'unshare', '--net', 'dockerd', '--containerd', ctd, '--data-root', join(dir, 'data'), '--exec-root', execRoot, '--pidfile', join(dir, 'docker.pid'), '-H', `unix://${sock}`, '--iptables=false', '--ip6tables=false', '--bridge=none', '--add-runtime', `mydocker=${RUNC}`], { stdio: ['ignore', log, log] }));
  await waitFor(() => existsSync(sock), 30_000, 'dockerd to listen');
  const docker = (args: string[]) => spawnSync('docker', ['-H', `unix://${sock}`, ...args], { encoding: 'utf8', timeout: 60_000 });
  const archive = join(dir, 'bb.tar');
  t.equal(spawnSync('skopeo', ['copy', '-q', `tarball:${busyboxTarball()}`, `docker-archive:${archive}:docker.io/library/bb:1`]).status, 0, 'a docker-archive of busybox');
  t.equal(docker(['load', '-i', archive]).status, 0, 'docker load');

  const cg = `mydocker-test-${unique}-docker`;
  const run = docker(['run', '--rm', '--runtime', 'mydocker', '--network', 'none', '--cgroup-parent', cg, 'bb:1', 'sh', '-c', 'echo hello from docker; cat /proc/1/cmdline; exit 3']);
  t.match(run.stdout, /^hello from docker\nsh\0-c\0echo hello/, 'docker run --runtime mydocker: the output, the command as PID 1');
  t.equal(run.status, 3, `docker run: the exit status (${run.stderr.trim()})`);

  const d = docker(['run', '-d', '--name', `${unique}-d`, '--runtime', 'mydocker', '--network', 'none', '--cgroup-parent', cg, 'bb:1', 'sh', '-c', 'i=0; while true; do i=$((i+1)); echo $i > /count; usleep 20000; done']);
  t.equal(d.status, 0, `docker run -d: ${d.stderr}`);
  const id = d.stdout.trim();
  const pid = Number(docker(['inspect', '-f', '{{.State.Pid}}', id]).stdout);
  // the container's state is ours: our runtime's `state` reads it from the root dockerd gave it
  const roots = readdirSync(execRoot).filter((r) => r.startsWith('runtime-')).map((r) => join(execRoot, r, 'moby'));
  const ours = roots.map((r) => spawnSync(RUNC, ['--root', r, 'state', id], { encoding: 'utf8' })).find((r) => r.status === 0);
  t.match(ours && JSON.parse(ours.stdout), { id, status: 'running', pid }, "mydocker-runc's state of the container dockerd started");
  t.equal(docker(['pause', id]).status, 0, 'docker pause');
  const count = () => docker(['cp', `${id}:/count`, '-']).stdout;
  const frozen = count();
  await sleep(400);
  t.equal(count(), frozen, 'paused: nothing moves');
  t.match(docker(['ps', '--format', '{{.Status}}', '-f', `id=${id}`]).stdout, /Paused/, 'docker ps: Paused');
  t.equal(docker(['unpause', id]).status, 0, 'docker unpause');
  await waitFor(() => count() !== frozen, 5_000, 'the counter to move');
  t.equal(docker(['update', '--pids-limit', '77', id]).status, 0, 'docker update --pids-limit');
  t.equal(cgroupFile(pid, 'pids', 'pids.max', 'pids.max'), '77', 'update reached the cgroup (the shim sends -r: linux.resources)');
  const rm = docker(['rm', '-f', id]);
  t.equal(rm.status, 0, `docker rm -f: ${rm.stderr}`);
  await waitFor(() => shims().length === 0, 10_000, 'the shims to exit');
});

noLeaks(t, before);
