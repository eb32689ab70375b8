// Chapter 09 — the daemon: bin/mydockerd serves the Docker Engine API, and clients no
// one here wrote drive it: Debian's docker CLI (20.10, API 1.41; and the machine's newer
// one, which negotiates down), curl replaying seed 004's sequence against a
// docker-registry on 127.0.0.1, and Debian's python3-docker SDK. Everything runs in the
// sandbox's own network namespace, on a socket and a store of this file's own.
// A learner's daemon is found as MYDOCKERD (default: bin/mydockerd beside MYDOCKER).
import t, { type Test } from 'tap';
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { MYDOCKER, mydocker, needsRoot, noLeaks, ownDir, sleep, waitFor } from '../harness/index.js';
import { busyboxTarball } from '../harness/fixtures.js';
import { startRegistry, skopeo, type Registry } from '../harness/registry.js';
import { busyboxSuite } from '../harness/suite.js';

const MYDOCKERD = resolve(process.env.MYDOCKERD ?? join(dirname(MYDOCKER), 'mydockerd'));
const DOCKER = '/usr/bin/docker'; // Debian's docker.io: API 1.41
const NEW_DOCKER = '/usr/local/bin/docker'; // a newer CLI, when the machine has one: it negotiates down through /_ping
const PYTHON = '/usr/bin/python3'; // with Debian's python3-docker
const BOOK = 'book/09-daemon.md';

const s = busyboxSuite(t, 'md09');
const dir = ownDir(mkdtempSync(join(tmpdir(), 'mydockerd-test-')));
chmodSync(dir, 0o755); // the socket's own mode is what keeps other users out, not this folder's
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
// a run stopped at its first failure (--bail) skips the teardowns: what it made goes at exit
process.on('exit', () => {
  daemon?.kill('SIGKILL');
  for (const d of [dir, dockerEnv.DOCKER_CONFIG!, registry?.dir]) if (d) rmSync(d, { recursive: true, force: true });
});
const sock = join(dir, 'd.sock');
const pidfile = join(dir, 'd.pid');
const HOST = `unix://${sock}`;

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  /** the command, for failure messages */
  cmd: string;
}

/** run a program; never rejects (the code says how it went) */
function run(file: string, args: string[], o: { env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string } = {}): Promise<Ran> {
  return new Promise((done) => {
    const child = execFile(file, args, { env: o.env ?? process.env, timeout: o.timeoutMs ?? 60_000, killSignal: 'SIGKILL', maxBuffer: 16 << 20, encoding: 'utf8' }, (e, stdout, stderr) =>
      done({ code: e ? (typeof e.code === 'number' ? e.code : null) : 0, stdout, stderr: stderr + (e && e.killed ? '\n[killed: timed out]' : ''), cmd: [file, ...args].join(' ') }),
    );
    child.stdin?.on('error', () => {}); // a program that exits without reading its stdin
    child.stdin?.end(o.input ?? '');
  });
}

const dockerEnv = { ...process.env, DOCKER_HOST: HOST, DOCKER_CONFIG: ownDir(mkdtempSync(join(tmpdir(), 'mydockerd-cfg-'))) };
t.teardown(() => rmSync(dockerEnv.DOCKER_CONFIG, { recursive: true, force: true }));
const docker = (args: string[], timeoutMs = 60_000, cli = DOCKER) => run(cli, args, { env: dockerEnv, timeoutMs });
const curl = (args: string[], timeoutMs = 60_000) => run('curl', ['-sS', '--unix-socket', sock, ...args], { timeoutMs });
/** what a failure message says about a command: what ran, how it ended, where the book explains it */
const said = (r: Ran, section: string) => `\`${r.cmd.slice(0, 300)}\` (${BOOK}, "${section}"): exit ${r.code}, stdout ${JSON.stringify(r.stdout.slice(-400))}, stderr ${JSON.stringify(r.stderr.slice(-400))}`;

/**
 * a command under script(1), a terminal of its own (docker run -it wants one): each line
 * of `lines` typed once the shell's prompt is there, one after the other
 */
function interactive(command: string, lines: string[], timeoutMs = 60_000): Promise<Ran> {
  return new Promise((done) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], { env: dockerEnv, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let prompts = 0;
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (d) => {
      stdout += d;
      const seen = stdout.split('/ # ').length - 1; // busybox sh's prompt
      while (prompts < seen && prompts < lines.length) child.stdin.write(`${lines[prompts++]}\n`);
    });
    child.stderr.on('data', (d) => (stderr += d));
    child.stdin.on('error', () => {});
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout: stdout.replace(/\0/g, ''), stderr, cmd: `script -qec '${command}' (typing ${JSON.stringify(lines)})` });
    });
  });
}

let daemon: ChildProcess | undefined;
let daemonLog = '';

/** start mydockerd on this file's socket and store; resolves once /_ping answers */
async function startDaemon(extra: string[] = []): Promise<ChildProcess> {
  if (!existsSync(MYDOCKERD)) throw new Error(`no daemon at ${MYDOCKERD} (MYDOCKERD, default bin/mydockerd beside MYDOCKER): ${BOOK}, "Running mydockerd"`);
  // its containers' cgroups under this file's own parent (dockerd's --cgroup-parent): the suite removes it
  const child = spawn(MYDOCKERD, ['--root', s.root, '-H', HOST, '--pidfile', pidfile, '--bridge=none', '--cgroup-parent', s.cgroupParent, ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.on('error', (e) => (daemonLog += `\n[spawn failed: ${e.message}]`)); // reported by the /_ping loop below
  child.stdout!.on('data', (d) => (daemonLog += d));
  child.stderr!.on('data', (d) => (daemonLog += d));
  const end = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${MYDOCKERD} exited (${child.exitCode ?? child.signalCode}) before it answered /_ping: ${daemonLog}`);
    const r = existsSync(sock) ? await curl(['http://d/_ping'], 5_000) : undefined;
    if (r?.stdout === 'OK') break;
    if (Date.now() > end) throw new Error(`${MYDOCKERD} did not answer /_ping on ${sock} within 20 s: ${daemonLog}`);
    await sleep(100);
  }
  daemon = child;
  return child;
}

async function stopDaemon(): Promise<number | null> {
  const child = daemon;
  if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  child.kill('SIGTERM');
  const code = await Promise.race([exited, sleep(10_000).then(() => 'timeout' as const)]);
  if (code === 'timeout') {
    child.kill('SIGKILL');
    return null;
  }
  return code;
}

t.teardown(async () => {
  await stopDaemon();
  // what a failed test left running: removed through the CLI, which shares the store
  const left = await mydocker(['ps', '-aq', '--no-trunc'], { root: s.root });
  const ids = left.stdout.split('\n').filter(Boolean);
  if (ids.length) await mydocker(['rm', '-f', ...ids], { root: s.root });
});

/** why the file's daemon (or registry) did not start: every test fails with it, at once */
let setupError: string | undefined;

function test(name: string, fn: (t: Test) => Promise<void>, skip: string | false = false) {
  t.test(name, { skip: needsRoot || skip || (!existsSync(DOCKER) && `no docker CLI at ${DOCKER}: scripts/setup-host.sh installs docker.io`) }, (t) =>
    setupError ? Promise.resolve(void t.fail(setupError)) : fn(t),
  );
}

/** split a hijacked stream into docker's frames: [stream, payload]; undefined when it is not framed */
function frames(buf: Buffer): [number, string][] | undefined {
  const out: [number, string][] = [];
  for (let at = 0; at < buf.length; ) {
    if (at + 8 > buf.length || ![0, 1, 2].includes(buf[at]) || buf[at + 1] || buf[at + 2] || buf[at + 3]) return undefined;
    const n = buf.readUInt32BE(at + 4);
    if (at + 8 + n > buf.length) return undefined;
    out.push([buf[at], buf.subarray(at + 8, at + 8 + n).toString()]);
    at += 8 + n;
  }
  return out;
}

let registry: Registry;

t.before(async () => {
  if (needsRoot) return;
  try {
    registry = await startRegistry();
    await skopeo([`tarball:${busyboxTarball()}`, `docker://${registry.host}/seed/hello:latest`]);
    await startDaemon();
  } catch (e) {
    setupError = (e as Error).message;
  }
});
t.teardown(async () => {
  await registry?.stop();
  if (registry) rmSync(registry.dir, { recursive: true, force: true });
});

test('the socket is root\'s: 0660 root:docker (or 0600 without that group), and a user who is not in the group cannot connect', async (t) => {
  const st = statSync(sock);
  const hasDockerGroup = spawnSync('getent', ['group', 'docker']).status === 0;
  t.equal(st.uid, 0, `the socket ${sock} is owned by root (${BOOK}, "Who may talk to the daemon"): got uid ${st.uid}`);
  t.equal(st.mode & 0o777, hasDockerGroup ? 0o660 : 0o600, `socket mode: expected ${hasDockerGroup ? '0660' : '0600'}, got ${(st.mode & 0o777).toString(8)}`);
  const nobody = await run('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'curl', '-sS', '--unix-socket', sock, 'http://d/_ping']);
  t.not(nobody.code, 0, `a user outside the group cannot connect: ${said(nobody, 'Who may talk to the daemon')}`);
  t.not(nobody.stdout, 'OK', 'and gets no answer');
  const rootPing = await curl(['http://d/_ping']);
  t.equal(rootPing.stdout, 'OK', `root can: ${said(rootPing, 'Who may talk to the daemon')}`);
});

test('versions: /_ping tells the API version (GET and HEAD), /version its range, a newer CLI talks down, a too-new path is refused', async (t) => {
  const head = await curl(['-I', 'http://d/_ping']);
  t.match(head.stdout, /^HTTP\/1\.1 200/m, `HEAD /_ping answers 200: ${said(head, 'API versions')}`);
  t.match(head.stdout, /^api-version: 1\.41\r?$/im, `HEAD /_ping carries API-Version: 1.41: ${said(head, 'API versions')}`);
  const v = await curl(['http://d/v1.41/version']);
  const version = JSON.parse(v.stdout);
  t.equal(version.ApiVersion, '1.41', `/version's ApiVersion: ${said(v, 'API versions')}`);
  t.equal(version.MinAPIVersion, '1.12', `/version's MinAPIVersion: ${said(v, 'API versions')}`);
  const cli = await docker(['version', '--format', '{{.Server.APIVersion}}']);
  t.equal(cli.stdout.trim(), '1.41', `docker version shows the server's API: ${said(cli, 'API versions')}`);
  if (existsSync(NEW_DOCKER)) {
    const newer = await docker(['version', '--format', '{{.Client.APIVersion}} {{.Server.APIVersion}}'], 60_000, NEW_DOCKER);
    t.equal(newer.code, 0, `the newer CLI works after negotiating: ${said(newer, 'API versions')}`);
    t.match(newer.stdout.trim(), /^1\.41 1\.41$/, `it talks API 1.41 to us (negotiated down through /_ping): ${said(newer, 'API versions')}`);
  }
  const tooNew = await curl(['-w', ' %{http_code}', 'http://d/v1.99/version']);
  t.match(tooNew.stdout, /"message":"client version 1\.99 is too new\. Maximum supported API version is 1\.41"\}\n 400$/, `a too-new version is a 400: ${said(tooNew, 'API versions')}`);
  const unknown = await curl(['-w', ' %{http_code}', 'http://d/v1.41/no/such/thing']);
  t.match(unknown.stdout, / 404$/, `an unknown path is a 404: ${said(unknown, 'API versions')}`);
  const later = await curl(['-w', ' %{http_code}', 'http://d/v1.41/plugins']);
  t.match(later.stdout, /"message":"GET \/plugins is not implemented by mydockerd yet"\}\n 501$/, `an endpoint of a later slice answers 501 with its name, never a wrong success: ${said(later, 'What is not built yet')}`);
  const info = await docker(['info', '--format', '{{.OSType}} {{.Images}}']);
  t.match(info.stdout.trim(), /^linux [1-9]\d*$/, `docker info shows the store's images: ${said(info, 'API versions')}`);
});

test("seed 004's sequence with curl: create (404: no image), pull (a JSON progress stream), create, attach (101, frames), start (204), wait", async (t) => {
  const image = `${registry.host}/seed/hello`;
  const body = JSON.stringify({ Image: image, Cmd: ['sh', '-c', 'echo out-line; echo err-line >&2; exit 0'] });
  const create = ['-X', 'POST', '-H', 'Content-Type: application/json', '-d', body, '-w', '\n%{http_code}', 'http://d/v1.41/containers/create'];
  const first = await curl(create);
  t.equal(first.stdout, `{"message":"No such image: ${image}:latest"}\n\n404`, `create before the pull: 404 and dockerd's message: ${said(first, "Seed 004's sequence")}`);

  const pull = await curl(['-X', 'POST', '-w', '\n%{http_code}', `http://d/v1.41/images/create?fromImage=${image}&tag=latest`]);
  const lines = pull.stdout.trim().split(/\r?\n/);
  t.equal(lines.pop(), '200', `the pull answers 200: ${said(pull, "Seed 004's sequence")}`);
  const messages = lines.filter(Boolean).map((l) => JSON.parse(l));
  t.ok(messages.length >= 4, `a stream of JSON messages, one a line: got ${messages.length}`);
  t.ok(messages.some((m) => m.status === 'Pull complete' && /^[0-9a-f]{12}$/.test(m.id)), `a layer's "Pull complete" with its short id: ${said(pull, "Seed 004's sequence")}`);
  t.ok(messages.some((m) => m.status === `Status: Downloaded newer image for ${image}:latest`), `the last status names the image: ${said(pull, "Seed 004's sequence")}`);

  const second = await curl(create);
  const [json, code] = second.stdout.split(/\n+/);
  t.equal(code, '201', `create after the pull: 201: ${said(second, "Seed 004's sequence")}`);
  const id = JSON.parse(json).Id as string;
  t.match(id, /^[0-9a-f]{64}$/, 'the new container id');

  const out = join(dir, 'attach.out');
  const attach = run('curl', ['-sS', '-i', '--unix-socket', sock, '-X', 'POST', '-H', 'Connection: Upgrade', '-H', 'Upgrade: tcp', '-o', out, `http://d/v1.41/containers/${id}/attach?stream=1&stdout=1&stderr=1`], { timeoutMs: 30_000 });
  await sleep(500); // attach is in place before start (the docker CLI does the same)
  const start = await curl(['-X', 'POST', '-w', '%{http_code}', `http://d/v1.41/containers/${id}/start`]);
  t.equal(start.stdout, '204', `start: 204: ${said(start, "Seed 004's sequence")}`);
  const wait = await curl(['-X', 'POST', `http://d/v1.41/containers/${id}/wait`]);
  t.equal(wait.stdout.trim(), '{"Error":null,"StatusCode":0}', `wait: dockerd's answer: ${said(wait, "Seed 004's sequence")}`);
  const attached = await attach;
  const raw = existsSync(out) ? readFileSync(out) : Buffer.alloc(0);
  const headerEnd = raw.indexOf('\r\n\r\n');
  const head = raw.subarray(0, headerEnd).toString();
  t.match(head, /^HTTP\/1\.1 101 UPGRADED/, `attach answers 101 UPGRADED: ${said(attached, 'The hijacked stream')}`);
  t.match(head, /content-type: application\/vnd\.docker\.raw-stream/i, 'with the raw-stream content type');
  const got = frames(raw.subarray(headerEnd + 4));
  t.ok(got, `the output comes in docker's 8-byte frames (no TTY): got ${JSON.stringify(raw.subarray(headerEnd + 4).toString('latin1'))} (${BOOK}, "The hijacked stream")`);
  t.same(
    (got ?? []).sort(),
    [
      [1, 'out-line\n'],
      [2, 'err-line\n'],
    ],
    `stdout in frames of stream 1, stderr of stream 2: got ${JSON.stringify(got)}`,
  );
  const rm = await curl(['-X', 'DELETE', '-w', '%{http_code}', `http://d/v1.41/containers/${id}`]);
  t.equal(rm.stdout, '204', `delete: 204: ${said(rm, "Seed 004's sequence")}`);
});

test('docker pull, images, run --rm (output, exit status, gone after), run with a TTY, rmi', async (t) => {
  const image = `${registry.host}/seed/hello:latest`;
  const pull = await docker(['pull', image]);
  t.equal(pull.code, 0, `docker pull: ${said(pull, 'Images')}`);
  t.match(pull.stdout, /Pull complete|Already exists|Image is up to date/, `docker renders the progress stream: ${said(pull, 'Images')}`);
  const images = await docker(['images', '--format', '{{.Repository}}:{{.Tag}}']);
  t.match(images.stdout, new RegExp(`^${registry.host}/seed/hello:latest$`, 'm'), `docker images lists it: ${said(images, 'Images')}`);
  const only = await docker(['images', '--format', '{{.Repository}}', 'busybox']);
  t.equal(only.stdout, 'busybox\n', `docker images NAME: that image only (filters=reference): ${said(only, 'Images')}`);
  const inspect = await docker(['image', 'inspect', '-f', '{{.Os}}', image]);
  t.equal(inspect.stdout.trim(), 'linux', `docker image inspect: ${said(inspect, 'Images')}`);

  const name = s.name('rm');
  const r = await docker(['run', '--rm', '--name', name, 'busybox', 'sh', '-c', 'echo to-stdout; echo to-stderr >&2; exit 3']);
  t.equal(r.code, 3, `docker run exits with the container's status: ${said(r, 'docker run, step by step')}`);
  t.equal(r.stdout, 'to-stdout\n', `the container's stdout on docker's stdout: ${said(r, 'docker run, step by step')}`);
  t.equal(r.stderr, 'to-stderr\n', `its stderr on docker's stderr: ${said(r, 'docker run, step by step')}`);
  const gone = await docker(['ps', '-a', '--filter', `name=${name}`, '--format', '{{.Names}}']);
  t.equal(gone.stdout, '', `--rm: the container is gone once run returns: ${said(gone, 'docker run, step by step')}`);

  const missing = await docker(['run', '--rm', 'busybox', 'no-such-command']);
  t.equal(missing.code, 127, `a command that is not there: docker's 127: ${said(missing, 'docker run, step by step')}`);
  t.match(missing.stderr, /Error response from daemon: .*no-such-command.*not found/, `with the start's error: ${said(missing, 'docker run, step by step')}`);
  const kept = s.name('failed');
  await docker(['create', '--name', kept, 'busybox', 'no-such-command']);
  const failedStart = await docker(['start', kept]);
  t.not(failedStart.code, 0, `docker start of a command that is not there fails: ${said(failedStart, 'docker run, step by step')}`);
  const rmFailed = await docker(['rm', kept], 8_000);
  t.equal(rmFailed.code, 0, `and the container it leaves can be removed at once (no owner left at work): ${said(rmFailed, 'docker run, step by step')}`);
  const tty = await docker(['run', '--rm', '-t', 'busybox', 'sh', '-c', 'tty; echo in-a-terminal']);
  t.equal(tty.stdout.replace(/\/dev\/pts\/\d+/, 'PTS'), 'PTS\r\nin-a-terminal\r\n', `docker run -t: a terminal inside, its bytes raw: ${said(tty, 'The hijacked stream')}`);

  const init = await docker(['run', '--rm', '--init', 'busybox', 'true']);
  t.equal(init.code, 125, `a HostConfig field mydocker cannot do (Init) is refused: ${said(init, 'Create: the same flags')}`);
  t.match(init.stderr, /Error response from daemon: HostConfig\.Init is not supported/, `with one clear line: ${said(init, 'Create: the same flags')}`);
  // -it: what is typed reaches the container's shell (the hijacked stream's other way), the terminal has the client's size
  const it = await interactive(`stty cols 100 rows 30; ${DOCKER} run -it --rm busybox sh`, ['stty size; echo typed-$((6*7))', 'exit 5']);
  t.equal(it.code, 5, `docker run -it: the shell's exit status: ${said(it, 'The hijacked stream')}`);
  t.match(it.stdout, /30 100\r?\n(.*\n)?typed-42\r?\n/, `what was typed ran, in a terminal of the client's size (resize): ${said(it, 'The hijacked stream')}`);
  const sized = s.name('resize');
  await docker(['run', '-d', '-t', '--name', sized, 'busybox', 'sh', '-c', 'sleep 1.5; stty size']);
  const resize = await curl(['-X', 'POST', '-w', '%{http_code}', `http://d/v1.41/containers/${sized}/resize?h=33&w=111`]);
  t.equal(resize.stdout, '200', `resize: 200: ${said(resize, 'The hijacked stream')}`);
  await docker(['wait', sized]);
  const sizedLogs = await docker(['logs', sized]);
  t.equal(sizedLogs.stdout, '33 111\r\n', `the container's terminal has the new size: ${said(sizedLogs, 'The hijacked stream')}`);
  await docker(['rm', sized]);
  const stdin = await docker(['run', '--rm', '-i', 'busybox', 'cat']);
  t.match(stdin.stderr, /Error response from daemon: attaching stdin .* is not supported by mydockerd yet/, `stdin through attach (a later slice) is refused, not a run that hangs: ${said(stdin, 'What is not built yet')}`);
  const rmi = await docker(['rmi', image]);
  t.match(rmi.stdout, new RegExp(`Untagged: ${image}`), `docker rmi: ${said(rmi, 'Images')}`);
  const after = await docker(['image', 'inspect', image]);
  t.match(after.stderr, /No such image/, `the image is gone: ${said(after, 'Images')}`);
});

test('run -d, ps, logs -f -t, inspect, wait (the real exit code), stop, kill, rm, and one store with the CLI', async (t) => {
  const name = s.name('bg');
  const d = await docker(['run', '-d', '--name', name, 'busybox', 'sh', '-c', 'echo started; sleep 300']);
  t.match(d.stdout.trim(), /^[0-9a-f]{64}$/, `docker run -d prints the id: ${said(d, 'docker run, step by step')}`);
  const ps = await docker(['ps', '--format', '{{.Names}} {{.Status}}']);
  t.match(ps.stdout, new RegExp(`^${name} Up `, 'm'), `docker ps shows it running: ${said(ps, 'One core, two front doors')}`);
  const last = await docker(['ps', '-a', '-l', '--format', '{{.Names}}']);
  t.equal(last.stdout, `${name}\n`, `docker ps -l: the newest container only (limit=1): ${said(last, 'One core, two front doors')}`);
  const cliPs = await mydocker(['ps'], { root: s.root });
  t.match(cliPs.stdout, new RegExp(name), `mydocker ps (the daemonless CLI) shows the daemon's container: ${cliPs.stdout} (${BOOK}, "One core, two front doors")`);
  const logs = await docker(['logs', name]);
  t.equal(logs.stdout, 'started\n', `docker logs: ${said(logs, 'Logs')}`);
  const running = await docker(['inspect', '-f', '{{.State.Running}} {{.Config.Tty}} {{.HostConfig.AutoRemove}}', name]);
  t.equal(running.stdout.trim(), 'true false false', `docker inspect renders docker's shape: ${said(running, 'One core, two front doors')}`);
  const kill = await docker(['kill', name]);
  t.equal(kill.code, 0, `docker kill: ${said(kill, 'docker run, step by step')}`);
  const wait = await docker(['wait', name]);
  t.equal(wait.stdout.trim(), '137', `docker wait after kill: 137: ${said(wait, 'wait')}`);
  const again = await docker(['kill', name]);
  t.match(again.stderr, /Error response from daemon: Cannot kill container: .* is not running/, `kill of a stopped container: dockerd's 409: ${said(again, 'Errors')}`);
  const rm = await docker(['rm', name]);
  t.equal(rm.code, 0, `docker rm: ${said(rm, 'docker run, step by step')}`);
  const none = await docker(['rm', name]);
  t.match(none.stderr, /No such container/, `rm of a container that is gone: 404: ${said(none, 'Errors')}`);

  // wait blocks until the end and knows its code: a wait that answered early could not say 7
  const w = s.name('wait');
  await docker(['run', '-d', '--name', w, 'busybox', 'sh', '-c', 'sleep 1; exit 7']);
  const waited = await docker(['wait', w]);
  t.equal(waited.stdout.trim(), '7', `docker wait prints the container's own exit code once it has ended: ${said(waited, 'wait')}`);
  await docker(['rm', w]);

  // logs -f follows until the end; -t puts docker's timestamps first
  const f = s.name('follow');
  await docker(['run', '-d', '--name', f, 'busybox', 'sh', '-c', 'for i in 1 2 3; do echo line $i; sleep 0.3; done']);
  const follow = await docker(['logs', '-f', '-t', f], 30_000);
  t.match(follow.stdout, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z line 1\n.*Z line 2\n.*Z line 3\n$/, `docker logs -f -t: every line, each with its time, until the end: ${said(follow, 'Logs')}`);
  await docker(['rm', f]);

  // stop: TERM, then KILL after -t
  const st = s.name('stop');
  await docker(['run', '-d', '--name', st, 'busybox', 'sleep', '300']);
  const stop = await docker(['stop', '-t', '1', st]);
  t.equal(stop.code, 0, `docker stop: ${said(stop, 'docker run, step by step')}`);
  const state = await docker(['inspect', '-f', '{{.State.Status}} {{.State.ExitCode}}', st]);
  t.equal(state.stdout.trim(), 'exited 137', `sleep ignores TERM as PID 1: KILLed after 1 s: ${said(state, 'docker run, step by step')}`);
  await docker(['rm', st]);

  // the other way round: made by the CLI, seen and removed by the daemon's clients
  const c = s.name('cli');
  const made = await mydocker(['run', '-d', '--cgroup-parent', s.cgroupParent, '--name', c, 'busybox', 'sleep', '300'], { root: s.root });
  t.equal(made.code, 0, `mydocker run -d: ${made.stderr}`);
  const seen = await docker(['ps', '--format', '{{.Names}}']);
  t.match(seen.stdout, new RegExp(`^${c}$`, 'm'), `docker ps shows the CLI's container: ${said(seen, 'One core, two front doors')}`);
  const forced = await docker(['rm', '-f', c]);
  t.equal(forced.code, 0, `docker rm -f of the CLI's running container: ${said(forced, 'One core, two front doors')}`);
  const noMore = await mydocker(['ps', '-a'], { root: s.root });
  t.notMatch(noMore.stdout, new RegExp(c), 'and the CLI no longer sees it');
});

test('python3-docker: images.pull, containers.run (output, remove), run detached, logs, wait', async (t) => {
  const script = join(dir, 'client.py');
  writeFileSync(
    script,
    `import docker, sys
c = docker.DockerClient(base_url='unix://${sock}', version='auto')
img = c.images.pull('${registry.host}/seed/hello', tag='latest')
print('pulled', '${registry.host}/seed/hello:latest' in img.tags)
print('run', repr(c.containers.run('busybox', ['sh', '-c', 'echo py-out; echo py-err >&2'], remove=True, stderr=True)))
ct = c.containers.run('busybox', ['sh', '-c', 'echo bg; sleep 300'], detach=True)
import time
for i in range(100):
    if ct.logs(): break
    time.sleep(0.1)
print('logs', repr(ct.logs()))
ct.kill()
print('wait', ct.wait()['StatusCode'])
ct.remove()
`,
  );
  const r = await run(PYTHON, [script], { timeoutMs: 90_000 });
  t.equal(r.code, 0, `the script runs: ${said(r, 'Three clients')}`);
  t.equal(r.stdout, "pulled True\nrun b'py-out\\npy-err\\n'\nlogs b'bg\\n'\nwait 137\n", `what the SDK got: ${said(r, 'Three clients')}`);
}, spawnSync(PYTHON, ['-c', 'import docker']).status !== 0 && `no python3-docker for ${PYTHON}: scripts/setup-host.sh installs it`);

test('docker exec: output and exit status, 127 and 126 as dockerd gives them, stdin with -i, -it in a terminal, -d; the exit code in exec json', async (t) => {
  const name = s.name('exec');
  const d = await docker(['run', '-d', '--name', name, 'busybox', 'sleep', '300']);
  t.equal(d.code, 0, `docker run -d: ${said(d, 'exec')}`);
  const r = await docker(['exec', name, 'sh', '-c', 'echo out; echo err >&2; exit 3']);
  t.equal(r.code, 3, `docker exec exits with the command's status: ${said(r, 'exec')}`);
  t.equal(r.stdout, 'out\n', `its stdout on docker's stdout (frame 1): ${said(r, 'exec')}`);
  t.equal(r.stderr, 'err\n', `its stderr on docker's stderr (frame 2): ${said(r, 'exec')}`);
  const missing = await docker(['exec', name, 'no-such-command']);
  t.equal(missing.code, 127, `a command that is not there: 127, as dockerd gives it: ${said(missing, 'exec')}`);
  t.match(missing.stdout + missing.stderr, /no-such-command.*not found/, `with the reason: ${said(missing, 'exec')}`);
  const cannot = await docker(['exec', name, '/etc/passwd']);
  t.equal(cannot.code, 126, `a file that cannot be executed: 126: ${said(cannot, 'exec')}`);
  const stdin = await run(DOCKER, ['exec', '-i', name, 'sh', '-c', 'cat; echo eof'], { env: dockerEnv, input: 'typed-in\n' });
  t.equal(stdin.stdout, 'typed-in\neof\n', `docker exec -i: stdin reaches the command, and its end is an end of file: ${said(stdin, 'exec')}`);
  const it = await interactive(`stty cols 90 rows 20; ${DOCKER} exec -it ${name} sh`, ['stty size; echo typed-$((6*7))', 'exit 4']);
  t.equal(it.code, 4, `docker exec -it: the shell's exit status: ${said(it, 'exec')}`);
  t.match(it.stdout, /20 90\r?\n(.*\n)?typed-42\r?\n/, `what was typed ran, in a terminal of the client's size (exec resize): ${said(it, 'exec')}`);
  const detached = await docker(['exec', '-d', name, 'sh', '-c', 'echo detached > /tmp/d']);
  t.equal(detached.code, 0, `docker exec -d: ${said(detached, 'exec')}`);
  let seen = '';
  for (let i = 0; i < 50 && seen !== 'detached\n'; i++, await sleep(100)) seen = (await docker(['exec', name, 'cat', '/tmp/d'])).stdout;
  t.equal(seen, 'detached\n', `the detached command ran: ${seen} (${BOOK}, "exec")`);

  // the same with curl: create, start (a plain answer, not upgraded), json's exit code
  const create = await curl(['-X', 'POST', '-H', 'Content-Type: application/json', '-d', '{"Cmd":["sh","-c","echo curl-out; exit 9"],"AttachStdout":true,"AttachStderr":true}', '-w', '\n%{http_code}', `http://d/v1.41/containers/${name}/exec`]);
  const [json, code] = create.stdout.split(/\n+/);
  t.equal(code, '201', `exec create: 201: ${said(create, 'exec')}`);
  const id = JSON.parse(json).Id as string;
  const start = await curl(['-X', 'POST', '-H', 'Content-Type: application/json', '-d', '{"Detach":false,"Tty":false}', '-o', join(dir, 'exec.out'), '-w', '%{http_code}', `http://d/v1.41/exec/${id}/start`]);
  t.equal(start.stdout, '200', `exec start without an upgrade: 200 and the stream: ${said(start, 'exec')}`);
  t.same(frames(readFileSync(join(dir, 'exec.out'))), [[1, 'curl-out\n']], `its output in docker's frames (${BOOK}, "exec")`);
  const inspect = await curl([`http://d/v1.41/exec/${id}/json`]);
  const e = JSON.parse(inspect.stdout || '{}');
  t.same([e.ExitCode, e.Running, e.ContainerID], [9, false, (await docker(['inspect', '-f', '{{.Id}}', name])).stdout.trim()], `exec json: the exit code once it has ended: ${said(inspect, 'exec')}`);
  const again = await curl(['-X', 'POST', '-d', '{}', '-w', ' %{http_code}', `http://d/v1.41/exec/${id}/start`]);
  t.match(again.stdout, / 409$/, `an exec runs once: 409 for a second start: ${said(again, 'exec')}`);
  await docker(['rm', '-f', name]);
  const stopped = await curl(['-X', 'POST', '-H', 'Content-Type: application/json', '-d', '{"Cmd":["true"]}', '-w', ' %{http_code}', `http://d/v1.41/containers/${name}/exec`]);
  t.match(stopped.stdout, / 404$/, `exec in a container that is gone: 404: ${said(stopped, 'exec')}`);
});

test('docker cp into and out of a container; a path that climbs out is refused, a symlink that points out stays inside', async (t) => {
  const name = s.name('cp');
  await docker(['run', '-d', '--name', name, 'busybox', 'sleep', '300']);
  const src = join(dir, 'cp-in');
  mkdirSync(join(src, 'sub'), { recursive: true });
  writeFileSync(join(src, 'sub', 'f'), 'content\n');
  const into = await docker(['cp', src, `${name}:/tmp/`]);
  t.equal(into.code, 0, `docker cp DIR CONTAINER:/tmp/: ${said(into, 'docker cp')}`);
  const inside = await docker(['exec', name, 'cat', '/tmp/cp-in/sub/f']);
  t.equal(inside.stdout, 'content\n', `the files are inside: ${said(inside, 'docker cp')}`);
  const out = join(dir, 'cp-out');
  mkdirSync(out);
  const back = await docker(['cp', `${name}:/tmp/cp-in`, out]);
  t.equal(back.code, 0, `docker cp CONTAINER:DIR HOSTDIR: ${said(back, 'docker cp')}`);
  t.equal(existsSync(join(out, 'cp-in', 'sub', 'f')) && readFileSync(join(out, 'cp-in', 'sub', 'f'), 'utf8'), 'content\n', `the tree came back whole (${BOOK}, "docker cp")`);
  const hostname = await docker(['cp', `${name}:/etc/hostname`, '-']);
  t.match(hostname.stdout, /hostname[\s\S]*[0-9a-f]{12}\n/, `docker cp CONTAINER:FILE -: a tar of the container's own file: ${said(hostname, 'docker cp')}`);

  const climb = await docker(['cp', `${name}:/../../etc/passwd`, '-']);
  t.not(climb.code, 0, `a path that climbs above the root is refused: ${said(climb, 'docker cp')}`);
  t.match(climb.stderr, /climbs out/, `with one clear line: ${said(climb, 'docker cp')}`);
  const climbCurl = await curl(['-o', '/dev/null', '-w', '%{http_code}', `http://d/v1.41/containers/${name}/archive?path=/tmp/../../..`]);
  t.equal(climbCurl.stdout, '400', `GET archive of a climbing path: 400: ${said(climbCurl, 'docker cp')}`);

  // a symlink inside the container that names a host folder: the container's /, never the host's
  const hostSide = join(dir, 'host-side');
  mkdirSync(hostSide);
  writeFileSync(join(hostSide, 'secret'), 'host-secret\n');
  await docker(['exec', name, 'ln', '-s', hostSide, '/escape']);
  const leak = await docker(['cp', `${name}:/escape/secret`, '-']);
  t.notMatch(leak.stdout, /host-secret/, `docker cp out through a symlink never reads the host's file: ${said(leak, 'docker cp')}`);
  t.not(leak.code, 0, `the container has no such file: ${said(leak, 'docker cp')}`);
  const put = await docker(['cp', join(src, 'sub', 'f'), `${name}:/escape/`]);
  t.not(put.code, 0, `docker cp into a symlink that points out fails: ${said(put, 'docker cp')}`);
  // a tar that makes a symlink out, then writes through it
  const evil = join(dir, 'evil.tar');
  const py = await run(PYTHON, ['-c', `import tarfile, io\nt = tarfile.open(${JSON.stringify(evil)}, 'w')\ni = tarfile.TarInfo('l'); i.type = tarfile.SYMTYPE; i.linkname = ${JSON.stringify(hostSide)}; t.addfile(i)\nd = b'pwned'; i = tarfile.TarInfo('l/x'); i.size = len(d); t.addfile(i, io.BytesIO(d))\nt.close()`]);
  t.equal(py.code, 0, `the tar is made: ${py.stderr}`);
  const through = await curl(['-X', 'PUT', '-T', evil, '-w', ' %{http_code}', `http://d/v1.41/containers/${name}/archive?path=/tmp`]);
  t.notMatch(through.stdout, / 200$/, `PUT archive of a tar that writes through its own symlink is refused: ${said(through, 'docker cp')}`);
  t.same(readdirSync(hostSide), ['secret'], `and nothing was written on the host (${BOOK}, "docker cp")`);
  await docker(['rm', '-f', name]);
});

test('docker top and docker stats --no-stream: the container\'s own processes, its cgroup\'s numbers', async (t) => {
  const name = s.name('usage');
  await docker(['run', '-d', '--name', name, '--memory', '64m', 'busybox', 'sh', '-c', 'sleep 301 & sleep 302']);
  const top = await docker(['top', name, '-o', 'pid,args']);
  t.equal(top.code, 0, `docker top: ${said(top, 'top and stats')}`);
  const rows = top.stdout.trim().split('\n').slice(1).map((l) => l.trim().split(/\s+/).slice(1).join(' '));
  t.same(rows.filter((r) => /^sleep 30[12]$/.test(r)).sort(), ['sleep 301', 'sleep 302'], `both sleeps are listed: ${said(top, 'top and stats')}`);
  t.ok(rows.length >= 2 && rows.every((r) => /^(sh -c .*|sleep 30[12])$/.test(r)), `and nothing but the container's processes: ${said(top, 'top and stats')}`);
  const stats = await docker(['stats', '--no-stream', '--format', '{{.Name}}|{{.MemUsage}}|{{.PIDs}}', name], 30_000);
  t.equal(stats.code, 0, `docker stats --no-stream: ${said(stats, 'top and stats')}`);
  t.match(stats.stdout.trim(), new RegExp(`^${name}\\|[\\d.]+[KMG]?i?B / 64MiB\\|[23]$`), `its name, its memory against its cgroup's 64 MiB limit, its pids: ${said(stats, 'top and stats')}`);
  const raw = await curl([`http://d/v1.41/containers/${name}/stats?stream=false&one-shot=true`]);
  const j = JSON.parse(raw.stdout || '{}');
  t.equal(j.memory_stats?.limit, 64 * 1024 * 1024, `stats' memory_stats.limit is the cgroup's: ${said(raw, 'top and stats')}`);
  t.ok(j.cpu_stats?.cpu_usage?.total_usage > 0 && j.cpu_stats?.system_cpu_usage > 0 && j.pids_stats?.current >= 2, `CPU time and pids from the cgroup: ${said(raw, 'top and stats')}`);
  const stream = await curl(['--max-time', '2.5', `http://d/v1.41/containers/${name}/stats`], 10_000);
  const samples = stream.stdout.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
  t.ok(samples.length >= 2 && samples.every((x) => x.id && x.memory_stats.limit === 64 * 1024 * 1024), `the stream: a sample a second: ${said(stream, 'top and stats')}`);
  const gone = await curl(['-w', ' %{http_code}', `http://d/v1.41/containers/no-such-${name}/top`]);
  t.match(gone.stdout, /No such container.* 404$/s, `top of a container that does not exist: 404: ${said(gone, 'top and stats')}`);
  await docker(['rm', '-f', name]);
});

test('docker network ls/create/inspect/rm and docker volume ls/create/inspect/rm, and a run with -v vol:/data', async (t) => {
  const net = s.name('net');
  const created = await docker(['network', 'create', '--subnet', '10.213.7.0/24', net]);
  t.match(created.stdout.trim(), /^[0-9a-f]{64}$/, `docker network create prints the id: ${said(created, 'Networks and volumes')}`);
  const ls = await docker(['network', 'ls', '--format', '{{.Name}} {{.Driver}}']);
  t.match(ls.stdout, new RegExp(`^${net} bridge$`, 'm'), `docker network ls lists it: ${said(ls, 'Networks and volumes')}`);
  t.match(ls.stdout, /^none null$/m, `beside docker's none: ${said(ls, 'Networks and volumes')}`);
  const inspect = await docker(['network', 'inspect', '-f', '{{range .IPAM.Config}}{{.Subnet}} {{.Gateway}}{{end}}', net]);
  t.equal(inspect.stdout.trim(), '10.213.7.0/24 10.213.7.1', `docker network inspect: its subnet and gateway: ${said(inspect, 'Networks and volumes')}`);
  const twice = await curl(['-X', 'POST', '-H', 'Content-Type: application/json', '-d', JSON.stringify({ Name: net }), '-w', ' %{http_code}', 'http://d/v1.41/networks/create']);
  t.match(twice.stdout, /already exists.* 409$/s, `a name in use: 409: ${said(twice, 'Networks and volumes')}`);
  const bad = await curl(['-X', 'POST', '-H', 'Content-Type: application/json', '-d', JSON.stringify({ Name: `${net}x`, IPAM: { Config: [{ Subnet: '10.213.8.1/24' }] } }), '-w', ' %{http_code}', 'http://d/v1.41/networks/create']);
  t.match(bad.stdout, /not a network address.* 400$/s, `a bad subnet: 400: ${said(bad, 'Networks and volumes')}`);
  const connect = await curl(['-X', 'POST', '-d', '{}', '-w', ' %{http_code}', `http://d/v1.41/networks/${net}/connect`]);
  t.match(connect.stdout, / 501$/, `connect (which chapter 06 cannot do) answers 501: ${said(connect, 'Networks and volumes')}`);
  const rm = await docker(['network', 'rm', net]);
  t.equal(rm.code, 0, `docker network rm: ${said(rm, 'Networks and volumes')}`);
  const after = await curl(['-w', ' %{http_code}', `http://d/v1.41/networks/${net}`]);
  t.match(after.stdout, / 404$/, `the network is gone: 404: ${said(after, 'Networks and volumes')}`);

  const vol = s.name('vol');
  const v = await docker(['volume', 'create', vol]);
  t.equal(v.stdout.trim(), vol, `docker volume create: ${said(v, 'Networks and volumes')}`);
  const vls = await docker(['volume', 'ls', '--format', '{{.Driver}} {{.Name}}']);
  t.match(vls.stdout, new RegExp(`^local ${vol}$`, 'm'), `docker volume ls lists it: ${said(vls, 'Networks and volumes')}`);
  const mp = await docker(['volume', 'inspect', '-f', '{{.Mountpoint}}', vol]);
  t.equal(mp.stdout.trim(), join(s.root, 'volumes', vol), `docker volume inspect: its folder in the store: ${said(mp, 'Networks and volumes')}`);
  const write = await docker(['run', '--rm', '-v', `${vol}:/data`, 'busybox', 'sh', '-c', 'echo kept > /data/f']);
  t.equal(write.code, 0, `docker run -v ${vol}:/data: ${said(write, 'Networks and volumes')}`);
  const user = s.name('voluser');
  await docker(['run', '-d', '--name', user, '-v', `${vol}:/data`, 'busybox', 'sleep', '300']);
  const read = await docker(['exec', user, 'cat', '/data/f']);
  t.equal(read.stdout, 'kept\n', `the volume outlives its first container: ${said(read, 'Networks and volumes')}`);
  const inUse = await curl(['-X', 'DELETE', '-w', ' %{http_code}', `http://d/v1.41/volumes/${vol}`]);
  t.match(inUse.stdout, /volume is in use.* 409$/s, `a volume a container uses is not removed: 409: ${said(inUse, 'Networks and volumes')}`);
  await docker(['rm', '-f', user]);
  const vrm = await docker(['volume', 'rm', vol]);
  t.equal(vrm.code, 0, `docker volume rm once no container uses it: ${said(vrm, 'Networks and volumes')}`);
  const none = await curl(['-w', ' %{http_code}', `http://d/v1.41/volumes/${vol}`]);
  t.match(none.stdout, /no such volume.* 404$/s, `the volume is gone: 404: ${said(none, 'Networks and volumes')}`);
  t.notOk(existsSync(join(s.root, 'volumes', vol)), 'and so is its folder');
});

test('containers outlive the daemon: kill -9 of mydockerd, its containers run on; a new daemon finds them, stops and removes them', async (t) => {
  const name = s.name('survivor');
  const d = await docker(['run', '-d', '--name', name, 'busybox', 'sleep', '300']);
  t.equal(d.code, 0, `docker run -d: ${said(d, 'The restore')}`);
  const gone = s.name('autorm');
  const a = await docker(['run', '-d', '--rm', '--name', gone, 'busybox', 'sleep', '2']);
  t.equal(a.code, 0, `docker run -d --rm: ${said(a, 'The restore')}`);
  const pid = Number((await docker(['inspect', '-f', '{{.State.Pid}}', name])).stdout.trim());
  t.ok(pid > 0, 'the container has a pid');
  daemon!.kill('SIGKILL');
  await new Promise((r) => daemon!.once('exit', r));
  await sleep(500);
  t.ok(existsSync(`/proc/${pid}`), `kill -9 of the daemon leaves the container running (pid ${pid}) (${BOOK}, "The restore")`);
  await sleep(2500); // the --rm container ends while no daemon runs
  await startDaemon();
  const ps = await docker(['ps', '--format', '{{.Names}}']);
  t.match(ps.stdout, new RegExp(`^${name}$`, 'm'), `the new daemon finds the container in the store: ${said(ps, 'The restore')}`);
  await waitFor(() => !existsSync(join(s.root, 'containers', a.stdout.trim())), 10_000, 'the --rm container that ended while no daemon ran to be removed');
  const stop = await docker(['stop', '-t', '1', name]);
  t.equal(stop.code, 0, `and stops it: ${said(stop, 'The restore')}`);
  const rm = await docker(['rm', name]);
  t.equal(rm.code, 0, `and removes it: ${said(rm, 'The restore')}`);
});

test('one daemon per store; -H tcp:// only on loopback; SIGTERM stops it cleanly (socket and pidfile gone)', async (t) => {
  const second = spawnSync(MYDOCKERD, ['--root', s.root, '-H', `unix://${join(dir, 'second.sock')}`, '--pidfile', join(dir, 'second.pid')], { encoding: 'utf8', timeout: 20_000 });
  t.equal(second.status, 1, `a second daemon on the same store is refused: exit ${second.status}, stderr ${second.stderr} (${BOOK}, "Running mydockerd")`);
  t.match(second.stderr, /another mydockerd is running/, `with one line: ${second.stderr}`);
  t.notOk(existsSync(join(dir, 'second.sock')), 'and makes no socket');
  const open = spawnSync(MYDOCKERD, ['--root', s.root, '-H', 'tcp://0.0.0.0:2375'], { encoding: 'utf8', timeout: 20_000 });
  t.equal(open.status, 1, `-H tcp://0.0.0.0:2375 is refused: exit ${open.status} (${BOOK}, "Who may talk to the daemon")`);
  t.match(open.stderr, /^mydockerd: refusing to listen on tcp:\/\/0\.0\.0\.0:2375/, `with one line: ${open.stderr}`);
  const tls = spawnSync(MYDOCKERD, ['--root', s.root, '-H', 'tcp://0.0.0.0:2376', '--tlsverify'], { encoding: 'utf8', timeout: 20_000 });
  t.match(tls.stderr, /TLS .* not supported/, `TLS is refused as not supported yet: ${tls.stderr}`);

  // a container that dies of TERM and HUP: the daemon's own signals are not its
  const trap = s.name('traps');
  const started = await docker(['run', '-d', '--name', trap, 'busybox', 'sh', '-c', 'trap "exit 9" TERM HUP; while true; do sleep 0.2; done']);
  t.equal(started.code, 0, `docker run -d: ${said(started, 'Running mydockerd')}`);
  const hup = daemon!;
  hup.kill('SIGHUP');
  await sleep(300);
  const alive = await curl(['http://d/_ping']);
  t.equal(alive.stdout, 'OK', `SIGHUP is ignored: ${said(alive, 'Running mydockerd')}`);
  const code = await stopDaemon();
  t.equal(code, 0, `SIGTERM: mydockerd exits 0 (${daemonLog.slice(-300)})`);
  t.notOk(existsSync(sock), `the socket ${sock} is removed`);
  t.notOk(existsSync(pidfile), `the pidfile ${pidfile} is removed`);
  await sleep(500);
  const after = await mydocker(['ps', '--filter', `name=${trap}`], { root: s.root });
  t.match(after.stdout, /Up /, `the daemon's SIGHUP and SIGTERM never reach its containers: ${after.stdout} ${after.stderr} (${BOOK}, "Running mydockerd")`);
  await mydocker(['rm', '-f', trap], { root: s.root });
});

noLeaks(t, s.before);
