// The benchmarks (`npm run bench`; not tests: a missed target is reported, not failed).
// Runs every tools/bench/NN-*.mjs in order, each in its own node process, or only
// those named by the arguments (a file name, or its number: `npm run bench -- 01 03`),
// and ends with one table: figure, ours, peer, ratio, target, met. Each figure is a
// median from one run beside its peer (tools/bench/lib.mjs): compare ratios, never
// absolute times across machines.
//   --json [FILE]   also write the table as JSON (default build/bench.json)
// hyperfine's progress goes to stderr. Needs root (it starts containers) and the
// machine to itself (timings, and the tests' leak checks), so run it under the
// tests' lock:   sudo flock /tmp/mydocker-tests.lock npm run bench
// Exit status: 0 when every benchmark ran (whatever its ratios), 1 otherwise.
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

const dir = resolve(import.meta.dirname, 'bench');
const all = readdirSync(dir).filter((f) => /^\d\d-.*\.mjs$/.test(f)).sort();
const args = process.argv.slice(2);
let json;
const wanted = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--json') json = args[i + 1] && !args[i + 1].startsWith('-') && !/^\d\d?$/.test(args[i + 1]) ? args[++i] : join(dir, '..', '..', 'build', 'bench.json');
  else wanted.push(args[i]);
}
const chosen = wanted.length
  ? wanted.map((w) => {
      const name = basename(w);
      const f = all.find((f) => f === name || f === `${name}.mjs` || f.startsWith(`${name.padStart(2, '0')}-`));
      if (!f) {
        console.error(`bench: no benchmark "${w}" in tools/bench (have: ${all.join(', ')})`);
        process.exit(1);
      }
      return f;
    })
  : all;
if (process.getuid?.() !== 0) {
  console.error('bench: the benchmarks start containers: run them as root (sudo flock /tmp/mydocker-tests.lock npm run bench)');
  process.exit(1);
}

const rows = [];
const failed = [];
for (const f of chosen) {
  const bench = f.replace(/\.mjs$/, '');
  const ok = await new Promise((done) => {
    let text = '';
    // in a network namespace of its own (loopback up): whatever a benchmark's containers
    // do to networking (a bridge, iptables rules) never reaches the host's
    const child = spawn('unshare', ['--net', 'sh', '-c', 'ip link set lo up; exec "$0" "$@"', process.execPath, join(dir, f)], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, MYDOCKER_DEFAULT_NETWORK: 'none' },
    });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d) => {
      text += d;
      const lines = text.split('\n');
      text = lines.pop();
      for (const line of lines) {
        if (line.startsWith('@row ')) rows.push({ bench, ...JSON.parse(line.slice(5)) });
        else console.log(line);
      }
    });
    child.on('close', (code, signal) => done(code === 0 && !signal));
  });
  if (!ok) failed.push(f);
}

console.log(`\n## summary (medians; ratio = ours / peer)`);
const table = [
  ['benchmark', 'figure', 'ours', 'peer', 'ratio', 'target', 'met'],
  ...rows.map((r) => [
    r.bench,
    r.figure,
    `${r.ours} ${r.unit}${r.spread ? ` (${r.spread})` : ''}`,
    `${r.peer} ${r.unit} ${r.peerName}`,
    `${r.ratio}×`,
    r.target === undefined || r.target === null ? '' : `${r.higher ? '≥' : '≤'} ${r.target}×`,
    r.met === null ? '' : r.met ? 'yes' : 'NO',
  ]),
];
const widths = table[0].map((_, i) => Math.max(...table.map((t) => t[i].length)));
for (const [i, t] of table.entries()) {
  console.log(`  ${t.map((c, j) => c.padEnd(widths[j])).join('  ')}`.trimEnd());
  if (i === 0) console.log(`  ${widths.map((w) => '-'.repeat(w)).join('  ')}`);
}
for (const f of failed) console.log(`  ${f}: FAILED to run`);
if (json) {
  mkdirSync(dirname(json), { recursive: true });
  writeFileSync(json, JSON.stringify({ date: new Date().toISOString(), node: process.version, rows, failed }, null, 2) + '\n');
  console.log(`\n(table written to ${json})`);
}
process.exit(failed.length ? 1 : 0);
