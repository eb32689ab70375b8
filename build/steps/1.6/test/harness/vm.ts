// Runs a shell script as root inside a throwaway cgroup-v2-only VM: Debian's
// kernel under qemu (software emulation, TCG), the host's root filesystem
// shared read-only over virtio-9p (with a tmpfs overlay so it is writable
// inside), and a per-run share dir through which job.sh goes in and
// stdout/stderr/rc come back. The kernel and initramfs come from
// scripts/vm/prepare.sh; the guest side is scripts/vm/init.sh.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';

export interface VmResult {
  code: number;
  stdout: string;
  stderr: string;
  console: string;
  ms: number;
}

export interface VmOpts {
  timeoutMs?: number;
  memMiB?: number;
  cpus?: number;
}

export const VM_CACHE = process.env.MYDOCKER_VM_CACHE ?? '/var/cache/mydocker-vm';
const CONSOLE_MAX = 1 << 20; // keep at most the last 1 MiB of serial console

function findQemu(): string | null {
  for (const dir of (process.env.PATH ?? '/usr/bin').split(delimiter)) {
    const p = join(dir, 'qemu-system-x86_64');
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {}
  }
  return null;
}

/** null when a VM can be booted, else why not (usable as a tap `skip` reason) */
export function vmAvailable(): string | null {
  if (process.platform !== 'linux') return 'the test VM needs Linux';
  // qemu exports the host root with the caller's rights: as non-root the guest
  // would see a partial filesystem
  if (process.getuid?.() !== 0) return 'the test VM needs root: run the tests with sudo';
  for (const f of ['vmlinux', 'initramfs.cpio'])
    if (!existsSync(join(VM_CACHE, 'current', f)))
      return `test VM not prepared (no ${join(VM_CACHE, 'current', f)}): run scripts/vm/prepare.sh as root`;
  if (!findQemu()) return 'qemu-system-x86_64 not installed: run scripts/vm/prepare.sh as root';
  return null;
}

// Every qemu we started and its share dir, so that exit/SIGINT/SIGTERM can
// kill them (by pid only) and remove the dirs.
const running = new Map<ChildProcess, string>();
function killAll() {
  for (const [c, dir] of running) {
    if (c.pid) try { process.kill(c.pid, 'SIGKILL'); } catch {}
    rmSync(dir, { recursive: true, force: true });
  }
}
function onSignal(sig: NodeJS.Signals) {
  killAll();
  // we were only a bystander: if nobody else handles the signal, die of it as
  // the default action would have
  if (process.listenerCount(sig) === 1) {
    process.removeListener(sig, onSignal);
    process.kill(process.pid, sig);
  }
}
let hooked = false;
function hookExit() {
  if (hooked) return;
  hooked = true;
  process.on('exit', killAll);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

const tail = (s: string, n = 3000) => (s.length > n ? '...' + s.slice(-n) : s);

export async function runInVm(script: string, opts: VmOpts = {}): Promise<VmResult> {
  const { timeoutMs = 15 * 60_000, memMiB = 1024, cpus = 2 } = opts;
  const why = vmAvailable();
  if (why) throw new Error(why);
  const kdir = realpathSync(join(VM_CACHE, 'current'));
  const share = mkdtempSync(join(tmpdir(), 'mydocker-vm-'));
  // the job's `node` is the one running this (the guest sees the host's root, so
  // the same path), not whichever comes first in the guest's default PATH
  const nodeDir = dirname(process.execPath);
  writeFileSync(join(share, 'job.sh'), `PATH='${nodeDir.replaceAll("'", `'\\''`)}':$PATH\n${script}`);

  // Kernel command line. norandmaps: TCG reuses translated code far better
  // when libraries land at the same addresses in every process (fork+exec of a
  // dynamic binary ~2x faster); mitigations=off: nothing to protect in here.
  // mydocker_modules (no dot in the name) reaches /init as an env variable.
  const append = [
    'console=ttyS0 quiet panic=-1 mitigations=off norandmaps',
    'cgroup_no_v1=all systemd.unified_cgroup_hierarchy=1',
    /\s/.test(kdir) ? '' : `mydocker_modules=${kdir}/lib/modules`,
  ].join(' ');
  const args = [
    '-accel', 'tcg', '-M', 'pc', '-cpu', 'max', // "max" runs node ~20% faster than qemu64
    '-smp', String(cpus), '-m', String(memMiB),
    '-nodefaults', '-nographic', '-serial', 'stdio', '-no-reboot', // no NIC: no network but lo
    '-kernel', join(kdir, 'vmlinux'), '-initrd', join(kdir, 'initramfs.cpio'), '-append', append,
    // multidevs=remap: / spans several host filesystems; keep inode numbers unique
    '-fsdev', 'local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap',
    '-device', 'virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot',
    '-fsdev', `local,id=vmshare,path=${share},security_model=none,multidevs=remap`,
    '-device', 'virtio-9p-pci,fsdev=vmshare,mount_tag=vmshare',
  ];

  const start = Date.now();
  hookExit();
  const qemu = spawn(findQemu()!, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  running.set(qemu, share);
  let serial = '';
  const collect = (d: string) => {
    serial += d;
    if (serial.length > 2 * CONSOLE_MAX) serial = serial.slice(-CONSOLE_MAX);
  };
  qemu.stdout!.setEncoding('utf8').on('data', collect);
  qemu.stderr!.setEncoding('utf8').on('data', collect);

  try {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (qemu.pid) try { process.kill(qemu.pid, 'SIGKILL'); } catch {}
    }, timeoutMs);
    const exit = await new Promise<{ code: number | null; signal: string | null }>((resolve, reject) => {
      qemu.on('error', reject);
      qemu.on('close', (code, signal) => resolve({ code, signal }));
    }).finally(() => {
      clearTimeout(timer);
      running.delete(qemu);
    });
    const ms = Date.now() - start;
    if (timedOut) throw new Error(`VM timed out after ${timeoutMs} ms; console:\n${tail(serial)}`);
    const read = (f: string) => (existsSync(join(share, f)) ? readFileSync(join(share, f), 'utf8') : null);
    const rc = read('rc');
    if (rc === null || /\[init [\d.]+\] FATAL/.test(serial))
      throw new Error(
        `VM did not run the job (qemu exit ${exit.code ?? exit.signal}); console:\n${tail(serial)}`,
      );
    return { code: Number(rc.trim()), stdout: read('stdout') ?? '', stderr: read('stderr') ?? '', console: serial, ms };
  } finally {
    if (qemu.exitCode === null && qemu.signalCode === null && qemu.pid) try { process.kill(qemu.pid, 'SIGKILL'); } catch {}
    rmSync(share, { recursive: true, force: true });
  }
}
