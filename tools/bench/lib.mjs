// What every benchmark shares: hyperfine with a clean environment, the statistics
// of its runs, and the rows of the suite's table.
//
// A benchmark prints what it measured for a reader (to stdout), and one `@row JSON`
// line per figure, which tools/bench.mjs gathers into one table (and --json):
//   { figure, ours, peer, peerName, ratio, target, met, spread, note }
// ours/peer are medians in `unit` (ms unless told); ratio = ours / peer;
// target is the ratio's ceiling, or its floor for a figure where more is better (a
// rate: `higher: true`); spread is "p25–p75" of ours.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const repo = resolve(import.meta.dirname, '..', '..');
export const mydocker = join(repo, 'bin', 'mydocker');
/**
 * what every command sees: a host's environment can slow every node start (REFERENCE.md).
 * Containers get no network (dockerd's --bridge=none), as runc's and crun's bundles have
 * none but a loopback: like is compared with like (06-network measures the network).
 */
export const cleanEnv = { PATH: process.env.PATH, MYDOCKER_DEFAULT_NETWORK: 'none' };

/** a scratch directory, removed by the returned function */
export function workDir(name) {
  const dir = mkdtempSync(join(tmpdir(), `mydocker-bench-${name}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

/** statistics of a list of times (ms) */
export function stats(times) {
  const s = [...times].sort((a, b) => a - b);
  return { median: quantile(s, 0.5), min: s[0], max: s[s.length - 1], p25: quantile(s, 0.25), p75: quantile(s, 0.75), runs: s.length };
}

/**
 * time commands with hyperfine, one after the other, in one run:
 * commands is [[name, commandLine], …]; returns { name: stats (ms) }
 */
export function hyperfine(commands, { runs = 20, warmup = 3, dir, env = cleanEnv, prepare, timeout = 600_000 } = {}) {
  const json = join(dir, `hyperfine-${process.hrtime.bigint()}.json`);
  execFileSync(
    'hyperfine',
    ['-N', '--warmup', String(warmup), '--runs', String(runs), ...(prepare ? ['--prepare', prepare] : []), '--export-json', json, ...commands.flatMap(([name, cmd]) => ['-n', name, cmd])],
    { stdio: ['ignore', 'ignore', 'inherit'], env, timeout },
  );
  const out = {};
  for (const r of JSON.parse(readFileSync(json, 'utf8')).results) out[r.command] = stats(r.times.map((t) => t * 1000));
  return out;
}

/** one figure of the table; prints it for the suite and a line for a reader */
export function row({ figure, ours, peer, peerName, target, unit = 'ms', note, higher = false }) {
  const ratio = ours.median / peer.median;
  const r = {
    figure,
    ours: round(ours.median),
    peer: round(peer.median),
    peerName,
    unit,
    ratio: round(ratio, 2),
    target,
    higher,
    met: target === undefined ? null : higher ? ratio >= target : ratio <= target,
    spread: ours.p25 === undefined ? null : `${round(ours.p25)}–${round(ours.p75)}`,
    runs: ours.runs ?? null,
    note: note ?? null,
  };
  const verdict = r.met === null ? '' : r.met ? ' ok' : ' MISSED';
  console.log(`  ${figure}: ${r.ours} ${unit} vs ${peerName} ${r.peer} ${unit} = ${r.ratio}×${target === undefined ? '' : ` (target ${higher ? '≥' : '≤'} ${target}×)`}${verdict}`);
  console.log(`@row ${JSON.stringify(r)}`);
  return r;
}

function round(v, digits = 1) {
  return Number(v.toFixed(digits));
}
