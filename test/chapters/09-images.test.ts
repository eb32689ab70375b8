// Chapter 09, slice (c): the image and housekeeping endpoints of mydockerd, driven by
// the real docker CLI: tag, login (/auth) and push to a docker-registry on 127.0.0.1
// that wants a password (the credentials travel as X-Registry-Auth: the daemon has none
// of its own), pull back, commit, container prune and image prune. Everything runs in
// the sandbox's own network namespace, on a socket and a store of this file's own.
import t, { type Test } from 'tap';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mydocker, needsRoot, noLeaks, ownDir, UNIQUE } from '../harness/index.js';
import { busyboxTarball, rawTar } from '../harness/fixtures.js';
import { DOCKER, run, startDaemon, type Daemon, type Ran } from '../harness/daemon.js';
import { startRegistry, type Registry } from '../harness/registry.js';
import { busyboxSuite } from '../harness/suite.js';

const BOOK = 'book/09-daemon.md';
const SECTION = 'Images, housekeeping and the registry';
const USER = { user: 'tester', password: 'secret-pw-09' };

const s = busyboxSuite(t, 'md09i');
const dir = ownDir(mkdtempSync(join(tmpdir(), 'mydockerd-images-')));
chmodSync(dir, 0o755);
const cliConfig = ownDir(mkdtempSync(join(tmpdir(), 'mydockerd-cli-cfg-')));
const daemonConfig = ownDir(mkdtempSync(join(tmpdir(), 'mydockerd-own-cfg-'))); // empty: the daemon has no stored password
/** where a load that follows a climbing name would write (a known-wrong daemon does): removed whatever happens */
const escaped = `/tmp/mydockerd-escaped-${UNIQUE}`;
process.on('exit', () => {
  for (const d of [dir, cliConfig, daemonConfig, registry?.dir, escaped]) if (d) rmSync(d, { recursive: true, force: true });
});

/** what a failure message says about a command: what ran, how it ended, where the book explains it */
const said = (r: Ran) => `\`${r.cmd.slice(0, 300)}\` (${BOOK}, "${SECTION}"): exit ${r.code}, stdout ${JSON.stringify(r.stdout.slice(-400))}, stderr ${JSON.stringify(r.stderr.slice(-400))}`;

let registry: Registry | undefined;
let d: Daemon | undefined;
let setupError: string | undefined;

t.before(async () => {
  if (needsRoot) return;
  try {
    registry = await startRegistry({ basic: USER });
    d = await startDaemon({ root: s.root, sock: join(dir, 'd.sock'), cgroupParent: s.cgroupParent, dockerConfig: cliConfig, daemonEnv: { ...process.env, DOCKER_CONFIG: daemonConfig, HOME: daemonConfig } });
  } catch (e) {
    setupError = (e as Error).message;
  }
});
t.teardown(async () => {
  await d?.stop();
  const left = await mydocker(['ps', '-aq', '--no-trunc'], { root: s.root });
  const ids = left.stdout.split('\n').filter(Boolean);
  if (ids.length) await mydocker(['rm', '-f', ...ids], { root: s.root });
  await registry?.stop();
  for (const x of [dir, cliConfig, daemonConfig, registry?.dir]) if (x) rmSync(x, { recursive: true, force: true });
});

function test(name: string, fn: (t: Test, d: Daemon) => Promise<void>) {
  t.test(name, { skip: needsRoot || (!existsSync(DOCKER) && `no docker CLI at ${DOCKER}: scripts/setup-host.sh installs docker.io`) }, (t) =>
    setupError || !d ? Promise.resolve(void t.fail(setupError ?? 'no daemon')) : fn(t, d),
  );
}

test('tag, login (/auth) and push to a registry that wants a password, pull back; a wrong password and a push without login are refused', async (t, d) => {
  const target = `${registry!.host}/c09/busy:v1`;
  const tag = await d.docker(['tag', 'busybox', target]);
  t.equal(tag.code, 0, `docker tag: ${said(tag)}`);
  const listed = await d.docker(['images', '--format', '{{.Repository}}:{{.Tag}}']);
  t.match(listed.stdout, new RegExp(`^${registry!.host}/c09/busy:v1$`, 'm'), `the new tag is listed: ${said(listed)}`);
  const missing = await d.curl(['-X', 'POST', '-w', '\n%{http_code}', 'http://d/v1.41/images/no-such-image:1/tag?repo=x&tag=y']);
  t.match(missing.stdout, /"message":"No such image: no-such-image:1"\}\n\n404$/, `tagging a missing image: 404 and dockerd's message: ${said(missing)}`);

  const anonymous = await d.docker(['push', target]);
  t.not(anonymous.code, 0, `a push without credentials fails (the registry wants a password, the daemon has none of its own): ${said(anonymous)}`);
  t.match(anonymous.stdout + anonymous.stderr, /401|unauthorized|authentication required/i, `and says why: ${said(anonymous)}`);

  const wrong = await d.docker(['login', registry!.host, '-u', USER.user, '-p', 'not-the-password']);
  t.not(wrong.code, 0, `login with a wrong password fails: ${said(wrong)}`);
  t.match(wrong.stderr, /Error response from daemon/, `the daemon's error, printed by the CLI: ${said(wrong)}`);
  const login = await d.docker(['login', registry!.host, '-u', USER.user, '-p', USER.password]);
  t.equal(login.code, 0, `docker login: ${said(login)}`);
  t.match(login.stdout, /Login Succeeded/, `the CLI says so: ${said(login)}`);

  const push = await d.docker(['push', target]);
  t.equal(push.code, 0, `docker push after login (X-Registry-Auth carries the credentials): ${said(push)}`);
  t.match(push.stdout, /Pushed|Layer already exists/, `docker renders the push's progress stream: ${said(push)}`);
  t.match(push.stdout, /v1: digest: sha256:[0-9a-f]{64} size: \d+/, `and the pushed manifest's digest: ${said(push)}`);

  const rmi = await d.docker(['rmi', target]);
  t.equal(rmi.code, 0, `docker rmi of the pushed tag: ${said(rmi)}`);
  const pull = await d.docker(['pull', target]);
  t.equal(pull.code, 0, `docker pull of what was pushed, with the same credentials: ${said(pull)}`);
  const runIt = await d.docker(['run', '--rm', '--network', 'none', target, 'echo', 'pulled-back']);
  t.equal(runIt.stdout.trim(), 'pulled-back', `the image pulled back runs: ${said(runIt)}`);
  await d.docker(['rmi', target]);
});

test('diff, export and commit: a container\'s changes listed (A, C, D), its files exported, then committed with --change as a new image, which runs; a missing container is a 404', async (t, d) => {
  const name = s.name('commit');
  const made = await d.docker(['run', '--name', name, '--network', 'none', 'busybox', 'sh', '-c', 'echo committed-file > /made; rm /etc/group; echo x >> /etc/passwd']);
  t.equal(made.code, 0, `the container to commit: ${said(made)}`);
  const diff = await d.docker(['diff', name]);
  t.equal(diff.code, 0, `docker diff: ${said(diff)}`);
  t.same(diff.stdout.trim().split('\n').sort(), ['A /made', 'C /etc', 'C /etc/passwd', 'D /etc/group'], `docker diff: the file added, the one changed (and its folder), the one deleted: ${said(diff)}`);
  const cliDiff = await mydocker(['diff', name], { root: s.root });
  t.equal(cliDiff.stdout, diff.stdout, `mydocker diff (the other front door) prints the same: ${JSON.stringify(cliDiff.stdout)} ${cliDiff.stderr}`);
  const exported = join(dir, 'export.tar');
  const exp = await d.docker(['export', '-o', exported, name]);
  t.equal(exp.code, 0, `docker export: ${said(exp)}`);
  const files = (await run('tar', ['-tf', exported])).stdout.split('\n').map((f) => f.replace(/^\.\//, '').replace(/\/$/, ''));
  t.ok(files.includes('made') && files.includes('bin/sh'), `the export has the container's new file and the image's files: ${files.length} entries, ${JSON.stringify(files.filter((f) => /^(made|bin\/sh)$/.test(f)))} (${BOOK}, "${SECTION}")`);
  t.notOk(files.includes('etc/group'), `and not the file the container deleted (the whiteout hides it): ${JSON.stringify(files.filter((f) => f.startsWith('etc/')))}`);
  const passwd = await run('tar', ['-xOf', exported, 'etc/passwd']);
  t.match(passwd.stdout, /nobody.*\nx\n$/, `etc/passwd is the container's version: ${said(passwd)}`);
  const cliExport = await mydocker(['export', '-o', join(dir, 'cli-export.tar'), name], { root: s.root });
  const cliFiles = (await run('tar', ['-tf', join(dir, 'cli-export.tar')])).stdout.split('\n').map((f) => f.replace(/^\.\//, '').replace(/\/$/, ''));
  t.same(cliFiles.sort(), [...files].sort(), `mydocker export (the other front door) holds the same files: ${cliExport.stderr}`);
  const commit = await d.docker(['commit', '-c', 'CMD ["cat", "/made"]', '-m', 'from the daemon', name, 'c09/committed:one']);
  t.equal(commit.code, 0, `docker commit: ${said(commit)}`);
  t.match(commit.stdout.trim(), /^sha256:[0-9a-f]{64}$/, `it prints the new image's id: ${said(commit)}`);
  const runIt = await d.docker(['run', '--rm', '--network', 'none', 'c09/committed:one']);
  t.equal(runIt.stdout.trim(), 'committed-file', `the new image holds the file and runs the committed CMD: ${said(runIt)}`);
  const none = await d.docker(['commit', `${name}-not-there`, 'c09/x']);
  t.not(none.code, 0, `committing a missing container fails: ${said(none)}`);
  t.match(none.stderr, /Error response from daemon: No such container/, `with dockerd's message: ${said(none)}`);
  await d.docker(['rm', name]);
});

test('save | load: docker save\'s archive (manifest.json, repositories, layer tars) loads back as the same image, which runs', async (t, d) => {
  const id = (await d.docker(['inspect', '-f', '{{.Id}}', 'busybox'])).stdout.trim();
  t.match(id, /^sha256:[0-9a-f]{64}$/, 'busybox is in the store');
  const file = join(dir, 'busybox-save.tar');
  const save = await d.docker(['save', '-o', file, 'busybox']);
  t.equal(save.code, 0, `docker save: ${said(save)}`);
  const list = await run('tar', ['-tf', file]);
  t.match(list.stdout, /^manifest\.json$/m, `the archive has manifest.json: ${said(list)}`);
  t.match(list.stdout, /^repositories$/m, `and repositories: ${said(list)}`);
  t.match(list.stdout, /^[0-9a-f]{64}\/layer\.tar$/m, `and a layer tar: ${said(list)}`);
  const manifest = await run('tar', ['-xOf', file, 'manifest.json']);
  t.match(manifest.stdout, /"RepoTags":\["busybox:latest"\]/, `manifest.json names the tag: ${said(manifest)}`);
  const rmi = await d.docker(['rmi', 'busybox']);
  t.equal(rmi.code, 0, `docker rmi busybox: ${said(rmi)}`);
  const load = await d.docker(['load', '-i', file]);
  t.equal(load.code, 0, `docker load: ${said(load)}`);
  t.match(load.stdout, /Loaded image: busybox:latest/, `it says what it loaded: ${said(load)}`);
  const again = (await d.docker(['inspect', '-f', '{{.Id}}', 'busybox'])).stdout.trim();
  t.equal(again, id, 'the loaded image has the id it was saved with (its config, byte for byte)');
  const runIt = await d.docker(['run', '--rm', '--network', 'none', 'busybox', 'echo', 'loaded-back']);
  t.equal(runIt.stdout.trim(), 'loaded-back', `the loaded image runs: ${said(runIt)}`);
  const cliFile = join(dir, 'busybox-cli-save.tar');
  const cliSave = await mydocker(['save', '-o', cliFile, 'busybox'], { root: s.root });
  t.equal(cliSave.code, 0, `mydocker save (the other front door): ${cliSave.stderr}`);
  await d.docker(['rmi', 'busybox']);
  const cliLoad = await d.docker(['load', '-i', cliFile]);
  t.match(cliLoad.stdout, /Loaded image: busybox:latest/, `docker load takes mydocker save's archive: ${said(cliLoad)}`);
  const third = (await d.docker(['inspect', '-f', '{{.Id}}', 'busybox'])).stdout.trim();
  t.equal(third, id, 'with the same id');
  const missing = await d.docker(['save', '-o', join(dir, 'none.tar'), 'no-such-image:9']);
  t.not(missing.code, 0, `saving a missing image fails: ${said(missing)}`);
  t.match(missing.stderr, /No such image: no-such-image:9/, `with dockerd's message: ${said(missing)}`);
});

test('docker load refuses an archive with a path that climbs out, and one whose layer is a symlink to a file outside it; neither leaves an image or a file behind', async (t, d) => {
  const layer = readFileSync(busyboxTarball());
  const diffId = `sha256:${createHash('sha256').update(layer).digest('hex')}`;
  const config = JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['sh'] }, rootfs: { type: 'layers', diff_ids: [diffId] } });
  const manifest = (tag: string) => JSON.stringify([{ Config: 'config.json', RepoTags: [tag], Layers: ['l1/layer.tar'] }]);
  const climbing = join(dir, 'climbing.tar');
  writeFileSync(climbing, rawTar([
    { path: 'manifest.json', data: manifest('c09/climb:1') },
    { path: 'config.json', data: config },
    { path: 'l1/', type: 'Directory' },
    { path: 'l1/layer.tar', data: layer },
    { path: `../../../../../../../../..${escaped}`, data: 'written outside the archive' },
  ]));
  const climb = await d.docker(['load', '-i', climbing]);
  t.not(climb.code, 0, `a path that climbs out is refused: ${said(climb)}`);
  t.match(climb.stderr, /leaves the archive/, `and the error says so: ${said(climb)}`);
  t.notOk(existsSync(escaped), `nothing was written outside the archive (${escaped})`);
  rmSync(escaped, { force: true });

  const linked = join(dir, 'linked.tar');
  writeFileSync(linked, rawTar([
    { path: 'manifest.json', data: manifest('c09/linked:1') },
    { path: 'config.json', data: config },
    { path: 'l1/', type: 'Directory' },
    { path: 'l1/layer.tar', type: 'SymbolicLink', linkpath: busyboxTarball() }, // a real layer, but the host's file
  ]));
  const link = await d.docker(['load', '-i', linked]);
  t.not(link.code, 0, `a layer that is a symlink is refused: ${said(link)}`);
  t.match(link.stderr, /symlink/, `and the error says so: ${said(link)}`);
  const images = await d.docker(['images', '--format', '{{.Repository}}:{{.Tag}}']);
  t.notMatch(images.stdout, /c09\/(climb|linked)/, `neither archive left an image: ${said(images)}`);
});

test('events: what the daemon did, in order (create, start, die with its exit code, destroy; tag, untag), within --since/--until, narrowed by --filter, and live', async (t, d) => {
  const now = () => (Date.now() / 1000).toFixed(3);
  const name = s.name('evt');
  const t0 = now();
  const ran = await d.docker(['run', '-d', '--name', name, '--network', 'none', 'busybox', 'sh', '-c', 'exit 3']);
  t.equal(ran.code, 0, `a container that exits 3: ${said(ran)}`);
  const waited = await d.docker(['wait', name]);
  t.equal(waited.stdout.trim(), '3', `it ended: ${said(waited)}`);
  await d.docker(['rm', name]);
  const tagged = await d.docker(['tag', 'busybox', 'c09/evt:1']);
  t.equal(tagged.code, 0, `tag: ${said(tagged)}`);
  await d.docker(['rmi', 'c09/evt:1']);
  await new Promise((r) => setTimeout(r, 50));
  const t1 = now();
  const format = ['--format', '{{.Type}} {{.Action}} {{.Actor.Attributes.name}}{{with .Actor.Attributes.exitCode}} {{.}}{{end}}'];

  const all = await d.docker(['events', '--since', t0, '--until', t1, ...format]);
  t.equal(all.code, 0, `docker events --since --until ends at --until: ${said(all)}`);
  const lines = all.stdout.split('\n').map((l) => l.trim()).filter(Boolean);
  const want = [`container create ${name}`, `container start ${name}`, `container die ${name} 3`, `container destroy ${name}`, 'image tag c09/evt:1', 'image untag c09/evt:1'];
  const at = want.map((w) => lines.indexOf(w));
  t.same(at.map((i) => i >= 0), want.map(() => true), `each event is there (${want.join('; ')}): ${said(all)}`);
  t.same([...at].sort((a, b) => a - b), at, `in the order they happened: ${said(all)}`);

  const dies = await d.docker(['events', '--since', t0, '--until', t1, '--filter', 'event=die', ...format]);
  t.same(dies.stdout.trim().split('\n'), [`container die ${name} 3`], `--filter event=die: only the die: ${said(dies)}`);
  const images = await d.docker(['events', '--since', t0, '--until', t1, '--filter', 'type=image', ...format]);
  t.same(images.stdout.trim().split('\n'), ['image tag c09/evt:1', 'image untag c09/evt:1'], `--filter type=image: only the image's events: ${said(images)}`);
  const before = await d.docker(['events', '--since', String(Number(t0) - 600), '--until', t0, '--filter', `container=${name}`, ...format]);
  t.equal(before.stdout.trim(), '', `nothing of the container before --since's time: ${said(before)}`);

  const live = d.docker(['events', '--until', String(Number(now()) + 6), '--filter', 'event=start', ...format], 30_000);
  await new Promise((r) => setTimeout(r, 1500)); // the stream is open before the container starts
  const second = s.name('evt');
  const up = await d.docker(['run', '--rm', '--name', second, '--network', 'none', 'busybox', 'true']);
  t.equal(up.code, 0, `a container run while the stream is open: ${said(up)}`);
  const seen = await live;
  t.equal(seen.code, 0, `the live stream ends at --until: ${said(seen)}`);
  t.same(seen.stdout.trim().split('\n'), [`container start ${second}`], `it showed the start as it happened (and nothing from before it opened): ${said(seen)}`);
  const bad = await d.curl(['-w', '\n%{http_code}', '--data-urlencode', 'filters={"color":["blue"]}', '-G', 'http://d/v1.41/events']);
  t.match(bad.stdout, /invalid filter 'color'.*\n\n400$/, `an unknown filter is a 400: ${said(bad)}`);
});

test('container prune: the stopped containers go, a running one stays; an unknown filter is a 400', async (t, d) => {
  const stopped = [s.name('pruned'), s.name('pruned')];
  for (const n of stopped) {
    const r = await d.docker(['run', '--name', n, '--network', 'none', 'busybox', 'true']);
    t.equal(r.code, 0, `a container that ends: ${said(r)}`);
  }
  const running = s.name('kept');
  const up = await d.docker(['run', '-d', '--name', running, '--network', 'none', 'busybox', 'sleep', '300']);
  t.equal(up.code, 0, `a running container: ${said(up)}`);
  const ids = await Promise.all(stopped.map(async (n) => (await d.docker(['inspect', '-f', '{{.Id}}', n])).stdout.trim()));
  const prune = await d.docker(['container', 'prune', '-f']);
  t.equal(prune.code, 0, `docker container prune: ${said(prune)}`);
  for (const id of ids) t.match(prune.stdout, new RegExp(`^${id}$`, 'm'), `it lists ${id.slice(0, 12)} as deleted: ${said(prune)}`);
  t.match(prune.stdout, /Total reclaimed space: /, `and the space it reclaimed: ${said(prune)}`);
  const ps = await d.docker(['ps', '-a', '--format', '{{.Names}}']);
  for (const n of stopped) t.notMatch(ps.stdout, new RegExp(`^${n}$`, 'm'), `${n} is gone: ${said(ps)}`);
  t.match(ps.stdout, new RegExp(`^${running}$`, 'm'), `the running one stays: ${said(ps)}`);
  const bad = await d.curl(['-X', 'POST', '-w', '\n%{http_code}', '--data-urlencode', 'filters={"color":["blue"]}', '-G', 'http://d/v1.41/containers/prune']);
  t.match(bad.stdout, /"message":"invalid filter 'color'.*\n\n400$/, `an unknown filter is refused, never ignored: ${said(bad)}`);
  await d.docker(['rm', '-f', running]);
});

test('image prune: a dangling image goes, a tagged one stays; -a removes unused images but not one a container uses', async (t, d) => {
  const name = s.name('dangler');
  await d.docker(['run', '--name', name, '--network', 'none', 'busybox', 'true']);
  const dangling = (await d.docker(['commit', name])).stdout.trim(); // no repository: <none>
  t.match(dangling, /^sha256:[0-9a-f]{64}$/, 'an untagged image to prune');
  const kept = await d.docker(['commit', name, 'c09/kept:1']);
  t.equal(kept.code, 0, `a tagged image: ${said(kept)}`);
  await d.docker(['rm', name]);
  const prune = await d.docker(['image', 'prune', '-f']);
  t.equal(prune.code, 0, `docker image prune: ${said(prune)}`);
  t.match(prune.stdout, new RegExp(`deleted: ${dangling}`, 'i'), `the dangling image is deleted: ${said(prune)}`);
  const images = await d.docker(['images', '-q', '--no-trunc']);
  t.notMatch(images.stdout, new RegExp(dangling), `and no longer listed: ${said(images)}`);
  const tagged = await d.docker(['images', '--format', '{{.Repository}}:{{.Tag}}']);
  t.match(tagged.stdout, /^c09\/kept:1$/m, `the tagged one stays: ${said(tagged)}`);

  const user = s.name('user');
  const up = await d.docker(['create', '--name', user, '--network', 'none', 'c09/kept:1', 'true']);
  t.equal(up.code, 0, `a container of c09/kept:1: ${said(up)}`);
  const all = await d.docker(['image', 'prune', '-a', '-f']);
  t.equal(all.code, 0, `docker image prune -a: ${said(all)}`);
  t.match(all.stdout, /untagged: busybox:latest/i, `busybox, which no container uses, goes: ${said(all)}`);
  const left = await d.docker(['images', '--format', '{{.Repository}}:{{.Tag}}']);
  t.match(left.stdout, /^c09\/kept:1$/m, `the image a container uses stays: ${said(left)}`);
  t.notMatch(left.stdout, /^busybox:latest$/m, `busybox is gone: ${said(left)}`);
  await d.docker(['rm', user]);
});

noLeaks(t, s.before);
