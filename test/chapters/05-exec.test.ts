// Chapter 05 — exec: a new process in a running container. It must land in every
// namespace of the container's PID 1 (the PID namespace too: `ps` inside shows it),
// in its cgroups (seen from the host: inside a cgroup namespace every cgroup reads
// "/"), with its capabilities and seccomp filter; its exit status is exec's.
import t, { type Test } from 'tap';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { containerCgroup, leftUnder } from '../harness/cgroups.js';
import { busyboxSuite } from '../harness/suite.js';
import { buildExeProbe, exeProbeReport, exeProbeUnsupported, privateNode } from '../harness/exe-probe.js';
import { killTree, mydocker, MYDOCKER, needsRoot, noLeaks, tmpRoot, waitFor } from '../harness/index.js';

// its own root (busybox imported), cgroup parent and names (test/harness/suite.ts)
const { before, root, unique, cgroupParent, name } = busyboxSuite(t, 'x05');
const NAMESPACES = ['cgroup', 'ipc', 'mnt', 'net', 'pid', 'uts'];

/** run -d sleep: the container's name and its PID 1 (host pid) */
async function sleeper(t: Test, what: string, flags: string[] = []): Promise<{ ctr: string; pid: number }> {
  const ctr = name(what);
  const r = await mydocker(['run', '-d', '--name', ctr, '--cgroup-parent', cgroupParent, ...flags, 'busybox', 'sleep', '1000'], { root });
  t.equal(r.code, 0, `run -d: ${r.stderr}`);
  const pid = Number((await mydocker(['inspect', '-f', '{{.State.Pid}}', ctr], { root })).stdout.trim());
  t.ok(pid > 0, 'its PID 1 has a pid');
  t.teardown(() => mydocker(['rm', '-f', ctr], { root }));
  return { ctr, pid };
}

const exec = (args: string[], input?: string) => mydocker(['exec', ...args], { root, input });
const status = (pid: number, field: string) => /^\S+:\s*(.*)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(`${field}:`)) ?? '')?.[1];

/** host pids whose command line is exactly argv */
function pidsRunning(argv: string[]): number[] {
  const want = argv.join('\0') + '\0';
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .map(Number)
    .filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8') === want;
      } catch {
        return false;
      }
    });
}

t.test('exec lands in every namespace of PID 1, its PID namespace too: ps inside shows it', { skip: needsRoot }, async (t) => {
  const { ctr, pid } = await sleeper(t, 'ns');
  const script = `for ns in ${NAMESPACES.join(' ')}; do echo "$ns $(readlink /proc/self/ns/$ns) $(readlink /proc/1/ns/$ns)"; done; echo "self $$"; ps -o pid,args`;
  const r = await exec([ctr, 'sh', '-c', script]);
  t.equal(r.code, 0, r.stderr);
  for (const ns of NAMESPACES) {
    const line = r.stdout.split('\n').find((l) => l.startsWith(`${ns} `)) ?? '';
    const [, mine, pid1] = line.split(' ');
    t.ok(mine && mine === pid1, `${ns}: the same namespace as PID 1 (${line})`);
    t.equal(mine, readlinkSync(`/proc/${pid}/ns/${ns}`), `${ns}: PID 1's, as the host sees it`);
  }
  const self = /^self (\d+)$/m.exec(r.stdout)?.[1];
  t.ok(self && Number(self) > 1, `$$ is a pid of the container's namespace (${self})`);
  // (busybox's sh execs its last command in place: ps runs as the shell's pid)
  t.match(r.stdout, new RegExp(`^\\s*${self}\\s+\\S*(sh|ps)\\b`, 'm'), "ps inside lists the exec'd process");
  t.match(r.stdout, /^\s*1\s+sleep 1000$/m, 'and PID 1');
});

t.test('exec joins the container\'s cgroups (seen from the host), its capabilities and seccomp filter; -d returns at once', { skip: needsRoot }, async (t) => {
  const { ctr, pid } = await sleeper(t, 'cg');
  const tag = `${4000 + (process.pid % 1000)}.${ctr.slice(ctr.lastIndexOf('-') + 1)}`; // this file's pid and the container's number: no other sleep has it
  const start = Date.now();
  const d = await exec(['-d', ctr, 'sleep', tag]);
  t.equal(d.code, 0, `exec -d: ${d.stderr}`);
  t.ok(Date.now() - start < 15_000, 'exec -d returns while its command runs');
  const [p] = await waitFor(() => {
    const ps = pidsRunning(['sleep', tag]);
    return ps.length ? ps : undefined;
  }, 10_000, 'the exec -d process');
  t.ok(p, `the exec'd process runs (host pid ${p})`);
  for (const ns of NAMESPACES) t.equal(readlinkSync(`/proc/${p}/ns/${ns}`), readlinkSync(`/proc/${pid}/ns/${ns}`), `${ns} namespace: PID 1's`);
  t.equal(status(p, 'NSpid')?.split(/\s+/).length, 2, 'it has a pid in the container\'s PID namespace (NSpid has two levels)');
  for (const controller of ['pids', 'memory', 'cpu']) {
    const cg = containerCgroup(cgroupParent, controller, pid);
    t.ok(cg, `PID 1 is in a ${controller} cgroup below the parent`);
    t.equal(containerCgroup(cgroupParent, controller, p), cg, `${controller}: the exec'd process is in PID 1's cgroup`);
  }
  t.equal(status(p, 'CapEff'), status(pid, 'CapEff'), `CapEff: PID 1's (${status(pid, 'CapEff')})`);
  t.equal(status(p, 'CapPrm'), status(pid, 'CapPrm'), 'CapPrm: PID 1\'s');
  t.equal(status(p, 'CapBnd'), status(pid, 'CapBnd'), 'CapBnd: PID 1\'s');
  t.equal(status(p, 'CapInh'), '0000000000000000', 'CapInh: empty');
  t.equal(status(p, 'CapAmb'), '0000000000000000', 'CapAmb: empty');
  t.equal(status(p, 'Seccomp'), '2', 'a seccomp filter (mode 2), as PID 1');
  t.equal(status(p, 'Uid')?.split(/\s+/)[0], '0', 'root, the container\'s user');
  // the host's files are not the container's: fds 0-2 only, nothing of the CLI
  const fds = readdirSync(`/proc/${p}/fd`).map(Number).sort((a, b) => a - b);
  t.same(fds, [0, 1, 2], 'only stdio is open in the exec\'d process (host fds closed)');
  t.equal(readlinkSync(`/proc/${p}/root`), '/', 'its root is the container\'s (as the host reads /proc/PID/root: "/")');

  // the same seen from inside, with docker's default capabilities
  const r = await exec([ctr, 'sh', '-c', 'grep -E "^(CapEff|Seccomp|NoNewPrivs):" /proc/self/status']);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /^CapEff:\s+00000000a80425fb$/m, "CapEff: docker's 14 capabilities");
  t.match(r.stdout, /^Seccomp:\s+2$/m, 'seccomp mode 2 inside');
  t.equal(status(p, 'Seccomp'), '2', "seen from the host: the exec'd process is in seccomp mode 2");

  // --cap-drop and no-new-privileges follow the container
  const { ctr: c2, pid: pid2 } = await sleeper(t, 'nnp', ['--cap-drop', 'NET_RAW', '--security-opt', 'no-new-privileges']);
  const r2 = await exec([c2, 'sh', '-c', 'grep -E "^(CapEff|NoNewPrivs):" /proc/self/status']);
  t.match(r2.stdout, new RegExp(`^CapEff:\\s+${status(pid2, 'CapEff')}$`, 'm'), `CapEff of a --cap-drop container: its PID 1's (${status(pid2, 'CapEff')})`);
  t.match(r2.stdout, /^NoNewPrivs:\s+1$/m, 'no_new_privs, as the container');
});

t.test("exec's status: the command's, 126/127 as run has them; -e, -w, -u", { skip: needsRoot }, async (t) => {
  const { ctr } = await sleeper(t, 'codes', ['-e', 'FROM_RUN=yes', '-w', '/etc']);
  t.equal((await exec([ctr, 'sh', '-c', 'exit 7'])).code, 7, 'exit 7 → 7');
  t.equal((await exec([ctr, 'sh', '-c', 'kill -9 $$'])).code, 137, 'killed by SIGKILL → 137');
  const nf = await exec([ctr, 'no-such-command']);
  t.equal(nf.code, 127, 'not found → 127');
  t.match(nf.stderr, /no-such-command/, 'the message names it');
  t.equal(nf.stderr.trim().split('\n').length, 1, 'on one line');
  t.equal((await exec([ctr, '/etc/passwd'])).code, 126, 'not executable → 126');
  // exactly one line, and nothing of the runtime's own (say, libuv's perror after a failed exec)
  for (const [path, code] of [['/nonexistent', 127], ['/etc/passwd', 126]] as const) {
    const r = await exec([ctr, path]);
    t.equal(r.code, code, `exec ${ctr} ${path}: expected ${code}, got ${r.code}`);
    t.match(r.stderr, /^[^\n]+\n$/, `exec ${ctr} ${path}: expected exactly one line on stderr, got ${JSON.stringify(r.stderr)}`);
  }

  const env = await exec(['-e', 'FOO=bar', '-e', 'FROM_RUN=exec', ctr, 'sh', '-c', 'echo "$FOO $FROM_RUN $HOSTNAME"; pwd']);
  t.equal(env.code, 0, env.stderr);
  const [vars, cwd] = env.stdout.split('\n');
  t.match(vars, /^bar exec \S+$/, "-e adds to the container's env and wins over it; HOSTNAME is the container's");
  t.equal(cwd, '/etc', "the container's working directory (run -w)");
  const inherit = await exec([ctr, 'sh', '-c', 'echo $FROM_RUN']);
  t.equal(inherit.stdout, 'yes\n', "without -e: the container's env");
  const w = await exec(['-w', '/tmp', ctr, 'pwd']);
  t.equal(w.stdout, '/tmp\n', '-w: the working directory');
  const u = await exec(['-u', 'nobody', ctr, 'sh', '-c', 'id -u; id -g; grep CapEff /proc/self/status']);
  t.equal(u.code, 0, u.stderr);
  t.match(u.stdout, /^65534\n65534\nCapEff:\s+0000000000000000\n$/, '-u nobody: uid and gid from the image\'s passwd, no capabilities');
  const ug = await exec(['-u', '1234:55', ctr, 'id']);
  t.match(ug.stdout, /^uid=1234 gid=55\b/, '-u uid:gid');
});

t.test('exec -i forwards stdin; exec -it runs under a real terminal', { skip: needsRoot }, async (t) => {
  const { ctr } = await sleeper(t, 'tty');
  const i = await exec(['-i', ctr, 'sh', '-c', 'cat; echo done'], 'hello\n');
  t.equal(i.stdout, 'hello\ndone\n', '-i: stdin reaches the command');
  const noi = await exec([ctr, 'sh', '-c', 'cat; echo done'], 'hello\n');
  t.equal(noi.stdout, 'done\n', 'without -i: stdin is empty');
  const r = await underPty(`${MYDOCKER} --root ${root} exec -it ${ctr} sh -c 'for fd in 0 1 2; do test -t $fd && echo "tty $fd"; done; t=$(tty) && test -c "$t" && echo "own $t"; exit 3'`);
  t.equal(r.code, 3, "exec -it: the command's status");
  t.match(r.out, /tty 0\ntty 1\ntty 2\n/, 'stdin, stdout and stderr are a terminal');
  t.match(r.out, /^own \/dev\/pts\/\d+$/m, "the terminal is one of the container's own /dev/pts (as run -t's)");
  const sid = await underPty(`${MYDOCKER} --root ${root} exec -it ${ctr} sh -c 'echo "sid=$(cut -d" " -f6 /proc/self/stat) pid=$$"'`);
  const m = /sid=(\d+) pid=(\d+)/.exec(sid.out);
  t.ok(m && m[1] === m[2], `the exec'd shell leads its own session, with the terminal as its controlling one (${m?.[0]})`);
});

t.test('exec into a container that is not running, or not there: 125, one line', { skip: needsRoot }, async (t) => {
  const ctr = name('stopped');
  const r = await mydocker(['run', '--name', ctr, '--cgroup-parent', cgroupParent, 'busybox', 'true'], { root });
  t.equal(r.code, 0, r.stderr);
  t.teardown(() => mydocker(['rm', '-f', ctr], { root }));
  const e = await exec([ctr, 'true']);
  t.equal(e.code, 125, 'a stopped container: 125');
  t.match(e.stderr, /^mydocker: container [0-9a-f]{64} is not running\n$/, "docker's message, on one line");
  const none = await exec([`${unique}-nothing`, 'true']);
  t.equal(none.code, 125, 'no such container: 125');
  t.match(none.stderr, /^mydocker: No such container: \S+\n$/, "docker's message, on one line");
});

t.test("exec never lets the container run the runtime's own binary: /proc/self/exe and a #! line naming it reach only a read-only file (CVE-2019-5736)", { skip: needsRoot || exeProbeUnsupported }, async (t) => {
  // the CLI runs a copy of node this test owns (first on its PATH): whatever a wrong
  // runtime lets the container do, no host file is touched (the probe never writes)
  const dir = tmpRoot(t);
  const node = privateNode(`${dir}/bin`);
  if (!node.interpreter) return t.skip('node is a static binary here: no interpreter to stand in for');
  const probe = buildExeProbe(`${dir}/helpers`);
  // the probe sits where node's ELF interpreter would be in the container: if an exec
  // makes the kernel run node in there, the probe runs as its loader and reports
  const ctr = name('seal');
  const env = node.env;
  const up = await mydocker(['run', '-d', '--name', ctr, '--cgroup-parent', cgroupParent, '-v', `${probe}:${node.interpreter}:ro`, 'busybox', 'sleep', '1000'], { root, env });
  t.equal(up.code, 0, `run -d: ${up.stderr}`);
  t.teardown(() => mydocker(['rm', '-f', ctr], { root }));
  const script = await mydocker(['exec', ctr, 'sh', '-c', "printf '#!/proc/self/exe\\n' > /tmp/via-shebang && chmod +x /tmp/via-shebang"], { root, env });
  t.equal(script.code, 0, `a script whose #! line names /proc/self/exe: ${script.stderr}`);
  for (const command of ['/proc/self/exe', '/tmp/via-shebang']) {
    const r = await mydocker(['exec', ctr, command], { root, env });
    const report = exeProbeReport(r.stdout);
    // what the exec'd process runs as /proc/self/exe must be a file no write reaches:
    // either the probe never ran (no dynamically linked host binary was executed) or
    // it found /proc/self/exe on a read-only mount, not open for writing
    t.notOk(
      report && (report.readonly !== 'yes' || report.openForWrite === 'ok'),
      `mydocker exec ${ctr} ${command}: expected no writable runtime binary in the container, got ${report ? `exe-readonly=${report.readonly} open-for-write=${report.openForWrite}` : `no probe report (exit ${r.code}: ${r.stderr.trim()})`} (book 05, "exec: a process that joins a running container")`,
    );
  }
});

t.test('nothing stays: no leaked mounts, processes or cgroups', { skip: needsRoot }, async (t) => {
  // every container this file ran is removed by its test's teardown (rm -f, which kills
  // the exec'd processes with PID 1: the kernel ends a PID namespace with its init)
  await waitFor(() => leftUnder(cgroupParent).length === 0, 10_000, 'cgroups removed').catch(() => {});
  t.same(leftUnder(cgroupParent), [], 'no cgroup left below the parent');
  noLeaks(t, before);
});

/** a command line under a real pseudo-terminal (util-linux `script`); stdin kept open (see 01's underPty) */
function underPty(cmd: string, timeoutMs = 30_000): Promise<{ code: number | null; out: string }> {
  const child = spawn('script', ['-qec', cmd, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, SHELL: '/bin/bash' } });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  child.stdin.on('error', () => {});
  const timer = setTimeout(() => killTree(child.pid!), timeoutMs);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      child.stdin.end();
      resolve({ code, out: out.replace(/\r/g, '').replace(/\0/g, '') });
    }),
  );
}

