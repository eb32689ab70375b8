// Chapter 03 benchmark: `mydocker run --rm busybox /bin/true` beside `runc run` of a
// bundle made from the same busybox tarball, in one hyperfine run. Target: ≤ 2.0× runc.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '..', '..');
const mydocker = join(repo, 'bin', 'mydocker');
const work = mkdtempSync(join(tmpdir(), 'mydocker-bench-03-'));
try {
  const tar = join(work, 'busybox.tar');
  execFileSync('bash', [join(repo, 'scripts', 'build-busybox-rootfs.sh'), tar], { stdio: 'ignore' });
  const root = join(work, 'root');
  execFileSync(mydocker, ['--root', root, 'import', tar, 'busybox'], { stdio: 'ignore' });

  // the runc bundle: the same files, runc's default spec, /bin/true
  const bundle = join(work, 'bundle');
  mkdirSync(join(bundle, 'rootfs'), { recursive: true });
  execFileSync('tar', ['-xf', tar, '-C', join(bundle, 'rootfs')]);
  execFileSync('runc', ['spec', '--bundle', bundle]);
  const spec = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8'));
  spec.process.terminal = false;
  spec.process.args = ['/bin/true'];
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec));

  const json = join(work, 'hyperfine.json');
  execFileSync(
    'hyperfine',
    ['-N', '--warmup', '3', '--runs', '20', '--export-json', json,
      '-n', 'mydocker run --rm busybox /bin/true', `${mydocker} --root ${root} run --rm busybox /bin/true`,
      '-n', 'runc run (same busybox)', `runc --root ${join(work, 'runc-state')} run --bundle ${bundle} mydocker-bench-${process.pid}`],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const [ours, runc] = JSON.parse(readFileSync(json, 'utf8')).results;
  const ms = (r) => (r.median * 1000).toFixed(1);
  const ratio = ours.median / runc.median;
  console.log('\n## 03-rootfs: run an image (median of 20)');
  console.log(`  ${ours.command.padEnd(40)} ${ms(ours).padStart(8)} ms`);
  console.log(`  ${runc.command.padEnd(40)} ${ms(runc).padStart(8)} ms`);
  console.log(`  ratio ${ratio.toFixed(2)}× runc (target ≤ 2.0×) ${ratio <= 2 ? 'ok' : 'MISSED'}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
