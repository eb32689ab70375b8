// The benchmarks (`npm run bench`; not tests: a missed target is reported, not failed).
// Runs every tools/bench/NN-*.mjs in order, each in its own node process, or only
// those named by the arguments (a file name, or its number: `npm run bench -- 01 03`).
// hyperfine's progress goes to stderr; each benchmark prints its medians and one or
// more `ratio …` lines, which are repeated at the end as a summary.
// Needs root (it starts containers) and the machine to itself (timings, and the
// tests' leak checks), so run it under the tests' lock:
//   sudo flock /tmp/mydocker-tests.lock npm run bench
// Exit status: 0 when every benchmark ran (whatever its ratios), 1 otherwise.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';

const dir = resolve(import.meta.dirname, 'bench');
const all = readdirSync(dir).filter((f) => /^\d\d-.*\.mjs$/.test(f)).sort();
const wanted = process.argv.slice(2);
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

const ratios = [];
const failed = [];
for (const f of chosen) {
  const out = await new Promise((done) => {
    let text = '';
    const child = spawn(process.execPath, [join(dir, f)], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.on('data', (d) => {
      text += d;
      process.stdout.write(d);
    });
    child.on('close', (code, signal) => done({ text, ok: code === 0 && !signal }));
  });
  if (!out.ok) failed.push(f);
  for (const line of out.text.split('\n')) if (/^\s*ratio /.test(line)) ratios.push(`${f.replace(/\.mjs$/, '')}: ${line.trim()}`);
}

console.log('\n## summary');
for (const r of ratios) console.log(`  ${r}`);
for (const f of failed) console.log(`  ${f}: FAILED to run`);
process.exit(failed.length ? 1 : 0);
