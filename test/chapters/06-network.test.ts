// Chapter 06 — networks: a bridge, a veth pair per container, addresses from an
// IPAM under a lock, NAT out and published ports in. Everything runs inside a
// network namespace this file makes (the CLI under `ip netns exec`), with a second
// namespace as the outside world joined to it by a veth: no bridge, route or
// iptables rule ever touches the machine's own. `ip` and `iptables-save` are the
// independent observers.
import t, { type Test } from 'tap';
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isRoot, killTree, mydocker, needsRoot, noLeaks, snapshot, tmpRoot, UNIQUE, waitFor } from '../harness/index.js';
import { importBusybox } from '../harness/fixtures.js';

const tag = randomBytes(3).toString('hex');
const HOST = `t06h-${UNIQUE}`; // where mydocker runs: the "host"
const OUT = `t06o-${UNIQUE}`; // the outside world
const HOST_IP = '192.0.2.1'; // TEST-NET-1, only inside our namespaces
const OUT_IP = '192.0.2.2';

const ip = (...args: string[]) => execFileSync('ip', args, { encoding: 'utf8' });
const inHost = (...args: string[]) => execFileSync('ip', ['netns', 'exec', HOST, ...args], { encoding: 'utf8' });

// the namespaces exist before the leak check's snapshot: their own mounts (/run/netns) are not leaks
if (isRoot) {
  ip('netns', 'add', HOST);
  ip('netns', 'add', OUT);
  ip('-n', HOST, 'link', 'set', 'lo', 'up');
  ip('-n', OUT, 'link', 'set', 'lo', 'up');
  ip('-n', HOST, 'link', 'add', `vh${tag}`, 'type', 'veth', 'peer', 'name', `vo${tag}`, 'netns', OUT);
  ip('-n', HOST, 'addr', 'add', `${HOST_IP}/24`, 'dev', `vh${tag}`);
  ip('-n', OUT, 'addr', 'add', `${OUT_IP}/24`, 'dev', `vo${tag}`);
  ip('-n', HOST, 'link', 'set', `vh${tag}`, 'up');
  ip('-n', OUT, 'link', 'set', `vo${tag}`, 'up');
}
const removeNamespaces = () => {
  for (const ns of [HOST, OUT]) spawnQuiet('ip', ['netns', 'del', ns]);
};
t.teardown(removeNamespaces);
process.on('exit', removeNamespaces); // a bailed-out or timed-out file too (their names live in the host's /run/netns)
function spawnQuiet(file: string, args: string[]): void {
  try {
    execFileSync(file, args, { stdio: 'ignore' });
  } catch {
    // gone already
  }
}

const before = snapshot();
const root = tmpRoot(t);
const unique = `n06-${UNIQUE}`;
let n = 0;
const name = (what: string) => `${unique}-${what}-${n++}`;
const md = (args: string[], timeoutMs = 60_000) => mydocker(args, { root, netns: HOST, timeoutMs });

t.before(async () => {
  if (!needsRoot) await importBusybox(root, 'busybox');
});

/** run -d in the host namespace: the container's id */
async function detached(t: Test, args: string[]): Promise<string> {
  const r = await md(['run', '-d', ...args]);
  t.equal(r.code, 0, `run -d ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}
/** busybox's wget crashes writing to -O- (Debian's 1.35): an HTTP/1.0 GET through nc, and the body out of the answer */
const nc = (host: string, port: number, path = '/') => `printf 'GET ${path} HTTP/1.0\\r\\n\\r\\n' | nc -w 5 ${host} ${port}`;
const body = (answer: string) => answer.slice(answer.indexOf('\r\n\r\n') + 4);
const inspect = async (ref: string, format: string) => (await md(['inspect', '-f', format, ref])).stdout.trim();

/** an HTTP GET from a namespace, by a node of our own (bounded: 5 s) */
async function httpGet(ns: string, url: string): Promise<string> {
  const code = `fetch(${JSON.stringify(url)}, { signal: AbortSignal.timeout(5000) }).then((r) => r.text()).then((b) => process.stdout.write(b), (e) => { process.stderr.write(String(e)); process.exit(1); })`;
  try {
    const { stdout } = await promisify(execFile)('ip', ['netns', 'exec', ns, process.execPath, '-e', code], { timeout: 10_000 });
    return stdout;
  } catch (e) {
    return `(failed: ${(e as Error).message.split('\n')[0]})`;
  }
}

const linkNames = (ns: string) => ip('-n', ns, '-o', 'link').split('\n').filter(Boolean).map((l) => l.split(': ')[1].split('@')[0]);
/** the rules, without counters and comments */
const rules = () =>
  inHost('iptables-save')
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.replace(/\[\d+:\d+\]/, ''))
    .join('\n');
const ipam = (net: string) => JSON.parse(readFileSync(join(root, 'networks', `${net}.json`), 'utf8')) as { allocations: Record<string, string>; ports: Record<string, string> };

t.test('containers on the default network reach each other and the gateway; -p answers on 127.0.0.1 and the outside address', { skip: needsRoot }, async (t) => {
  const web = await detached(t, ['--name', name('web'), '-p', '8080:80', '-p', '80', 'busybox', 'timeout', '120', 'httpd', '-f', '-p', '80', '-h', '/etc']);
  const addr = await inspect(web, '{{.NetworkSettings.IPAddress}}');
  const gateway = await inspect(web, '{{.NetworkSettings.Gateway}}');
  t.match(addr, /^\d+\.\d+\.\d+\.\d+$/, `inspect: an address (${addr})`);
  // the observer: the bridge holds the gateway's address, and the container's veth is on it
  t.match(inHost('ip', '-o', '-4', 'addr', 'show', 'dev', 'mydocker0'), new RegExp(`inet ${gateway.replace(/\./g, '\\.')}/`), 'the bridge mydocker0 has the gateway address');
  t.equal(inHost('ip', '-o', 'link', 'show', 'master', 'mydocker0').trim().split('\n').length, 1, 'one veth on the bridge');

  const hostname = web.slice(0, 12);
  const client = await md(['run', '--rm', 'busybox', 'sh', '-c', `${nc(addr, 80, '/hostname')} | tail -n 1 && ping -c1 -W3 ${gateway} >/dev/null && echo gateway-ok; ip -o -4 addr show dev eth0`]);
  t.equal(client.code, 0, `client: ${client.stderr}`);
  t.match(client.stdout, `${hostname}\n`, 'a second container reaches the first by its address');
  t.match(client.stdout, 'gateway-ok', 'and pings the gateway');
  t.notMatch(client.stdout.split('\n').pop() ?? '', `inet ${addr}/`, 'with an address of its own');

  const ps = (await md(['ps'])).stdout;
  const row = ps.split('\n').find((l) => l.startsWith(hostname)) ?? '';
  t.match(row, '0.0.0.0:8080->80/tcp', 'ps PORTS: 0.0.0.0:8080->80/tcp');
  const ephemeral = Number([...row.matchAll(/0\.0\.0\.0:(\d+)->80\/tcp/g)].map((m) => m[1]).find((p) => p !== '8080'));
  const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
  t.ok(ephemeral >= lo && ephemeral <= hi, `-p 80 got a host port from the ephemeral range (${ephemeral})`);
  t.match(await inspect(web, '{{json .NetworkSettings.Ports}}'), '"80/tcp":[{"HostIp":"0.0.0.0","HostPort":"8080"}', 'inspect: NetworkSettings.Ports');

  t.equal(await httpGet(HOST, 'http://127.0.0.1:8080/hostname'), `${hostname}\n`, "the namespace's own 127.0.0.1:8080 reaches the container (OUTPUT DNAT)");
  t.equal(await httpGet(HOST, `http://127.0.0.1:${ephemeral}/hostname`), `${hostname}\n`, 'and the ephemeral port');
  t.equal(await httpGet(OUT, `http://${HOST_IP}:8080/hostname`), `${hostname}\n`, 'the outside world reaches it at the host address (PREROUTING DNAT)');
  const viaHost = await md(['run', '--rm', '--network', 'host', 'busybox', 'sh', '-c', nc('127.0.0.1', 8080, '/hostname')]);
  t.equal(body(viaHost.stdout), `${hostname}\n`, '--network host: a container in the host namespace reaches it on 127.0.0.1 too');
  t.equal((await md(['rm', '-f', web])).code, 0, 'rm -f');
  t.equal(await httpGet(HOST, 'http://127.0.0.1:8080/hostname').then((s) => s.startsWith('(failed')), true, 'after rm -f the port answers no more');
});

t.test('a container reaches the outside world with its source masqueraded to the host address', { skip: needsRoot }, async (t) => {
  const server: ChildProcess = spawn('ip', [
    'netns', 'exec', OUT, process.execPath, '-e',
    `const s = require('http').createServer((q, r) => r.end(q.socket.remoteAddress.replace('::ffff:', ''))).listen(8099, '${OUT_IP}', () => console.log('up')); setTimeout(() => process.exit(0), 60000).unref(); setTimeout(() => s.close(), 60000);`,
  ], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.teardown(() => killTree(server.pid!));
  await new Promise((r) => server.stdout!.once('data', r));
  const r = await md(['run', '--rm', 'busybox', 'sh', '-c', nc(OUT_IP, 8099)]);
  t.equal(r.code, 0, `nc: ${r.stderr}`);
  t.equal(body(r.stdout), HOST_IP, `the server saw the host's address (${HOST_IP}), not the container's`);
});

t.test('--network none has only lo; --network host shares the namespace', { skip: needsRoot }, async (t) => {
  const devs = (out: string) => out.split('\n').slice(2).map((l) => l.split(':')[0].trim()).filter(Boolean).sort();
  const none = await md(['run', '--rm', '--network', 'none', 'busybox', 'cat', '/proc/net/dev']);
  t.same(devs(none.stdout), ['lo'], '--network none: lo only');
  const host = await md(['run', '--rm', '--network', 'host', 'busybox', 'cat', '/proc/net/dev']);
  t.same(devs(host.stdout), linkNames(HOST).sort(), "--network host: the host namespace's interfaces");
  const inspectNone = await detached(t, ['--network', 'none', 'busybox', 'true']);
  t.same(await inspect(inspectNone, '{{json .NetworkSettings.Networks}}').then((s) => Object.keys(JSON.parse(s))), ['none'], 'inspect: Networks has none');
  await md(['rm', '-f', inspectNone]);
});

t.test('concurrent runs get distinct addresses; after rm -f of all, links, rules and the IPAM file are as before', { skip: needsRoot }, async (t) => {
  const net = `${unique}-net`;
  const c = await md(['network', 'create', '--subnet', '10.77.0.0/24', net]);
  t.equal(c.code, 0, `network create: ${c.stderr}`);
  t.match((await md(['network', 'ls'])).stdout, net, 'network ls lists it');
  // the network's bridge and its rules come with its first container
  t.equal((await md(['run', '--rm', '--network', net, 'busybox', 'true'])).code, 0, 'a first container');
  const links = linkNames(HOST);
  const ruleText = rules();
  t.same(ipam(net).allocations, {}, 'the first container gave its address back');

  const N = 20;
  const runs = await Promise.all(Array.from({ length: N }, () => md(['run', '-d', '--network', net, '-p', '80', 'busybox', 'sleep', '60'], 120_000)));
  const ids = runs.filter((r) => r.code === 0).map((r) => r.stdout.trim());
  t.equal(ids.length, N, `${N} concurrent run -d succeed: ${runs.find((r) => r.code !== 0)?.stderr ?? ''}`);
  const addrs = (await md(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', ...ids])).stdout.trim().split('\n');
  t.equal(new Set(addrs).size, N, `${N} distinct addresses`);
  t.ok(addrs.every((a) => /^10\.77\.0\.(\d+)$/.test(a) && !['0', '1', '255'].includes(a.split('.')[3])), 'all in the subnet; never the network, gateway or broadcast address');
  t.equal(Object.keys(ipam(net).allocations).length, N, 'the IPAM file holds them');
  t.equal(new Set(Object.keys(ipam(net).ports)).size, N, `${N} distinct host ports`);
  t.equal(inHost('ip', '-o', 'link', 'show', 'master', (await networkBridge(net))).trim().split('\n').length, N, `${N} veths on the bridge`);

  t.equal((await md(['network', 'rm', net])).code, 125, 'network rm refused while containers are attached');
  // four rm -f at once, five containers each: the file stays under its time budget
  const removed = await Promise.all([0, 1, 2, 3].map((k) => md(['rm', '-f', ...ids.filter((_, i) => i % 4 === k)], 120_000)));
  t.ok(removed.every((r) => r.code === 0), `rm -f of all: ${removed.map((r) => r.stderr).join('')}`);
  t.same(linkNames(HOST), links, 'ip link: as before');
  t.equal(rules(), ruleText, 'iptables-save: as before');
  t.same(ipam(net), { ...ipam(net), allocations: {}, ports: {} }, 'the IPAM file: no allocation, no port');
  const rm = await md(['network', 'rm', net]);
  t.equal(rm.code, 0, `network rm once unused: ${rm.stderr}`);
  t.notMatch((await md(['network', 'ls'])).stdout, net, 'gone from network ls');
  t.notOk(linkNames(HOST).some((l) => l.startsWith('br-')), 'its bridge is gone');
});

async function networkBridge(net: string): Promise<string> {
  const r = JSON.parse((await md(['network', 'inspect', net])).stdout) as { Options: Record<string, string> }[];
  return r[0].Options['com.docker.network.bridge.name'];
}

t.test('a full /30 network refuses the next container with 125, and nothing is half-made', { skip: needsRoot }, async (t) => {
  const net = `${unique}-tiny`;
  t.equal((await md(['network', 'create', '--subnet', '10.78.0.0/30', net])).code, 0, 'network create /30');
  const first = await detached(t, ['--network', net, 'busybox', 'sleep', '60']);
  t.equal(await inspect(first, '{{.NetworkSettings.IPAddress}}'), '10.78.0.2', 'the one host address that is neither network, gateway nor broadcast');
  const links = linkNames(HOST);
  const ruleText = rules();
  const second = await md(['run', '-d', '--network', net, '-p', '8081:80', 'busybox', 'sleep', '60']);
  t.equal(second.code, 125, 'the second: 125');
  t.match(second.stderr, /no available IPv4 address/, `"no available IPv4 address": ${second.stderr.trim()}`);
  t.same(linkNames(HOST), links, 'no veth left by the refused run');
  t.equal(rules(), ruleText, 'no rule left by it');
  t.same(Object.values(ipam(net).allocations), [first], 'only the first holds an address');
  const bad = await md(['run', '--rm', '--network', net, '--ip', '10.99.0.5', 'busybox', 'true']);
  t.equal(bad.code, 125, '--ip outside the subnet: 125');
  await md(['rm', '-f', first]);
  t.equal((await md(['network', 'prune', '-f'])).code, 0, 'network prune');
  t.notMatch((await md(['network', 'ls'])).stdout, net, 'prune removed the unused network');
});

t.test('killing the monitor leaves no veth, rule or allocation after the sweep', { skip: needsRoot }, async (t) => {
  // the default bridge and its network's rules exist first (the test may run alone: check --step 6.4 --only)
  t.equal((await md(['run', '--rm', 'busybox', 'true'])).code, 0, 'a container on the default network');
  const links = linkNames(HOST);
  const ruleText = rules();
  const id = await detached(t, ['--name', name('orphan'), '-p', '9090:80', 'busybox', 'sleep', '60']);
  t.match(rules(), '--dport 9090', 'its DNAT rule is in');
  const pid = Number(await inspect(id, '{{.State.Pid}}'));
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const monitor = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  process.kill(monitor, 'SIGKILL');
  await waitFor(() => !readFileSync(`/proc/${pid}/stat`, 'utf8').match(/^\S+ \(.*\) [^Z]/) || undefined, 10_000, 'the container to die with its monitor').catch(() => undefined);
  await md(['ps', '-a']); // any command sweeps
  t.same(linkNames(HOST), links, 'no veth');
  t.equal(rules(), ruleText, 'no rule');
  t.notOk(Object.values(ipam('bridge').allocations).includes(id), 'no allocation');
  await md(['rm', '-f', id]);
});

noLeaks(t, before);
