// The CVE-2019-5736 probe, shared by chapter 04 (run's init) and chapter 05 (exec):
// a tiny static program that the test installs, read-only, as the container's ELF
// interpreter, at the path the runtime's node binary names in PT_INTERP. A container
// whose command is /proc/self/exe (or a #! line naming it) then makes the kernel map
// whatever binary executes that command and jump here, so /proc/self/exe is that
// binary: if it is the host's node, on a writable mount, the container has won.
// It reports whether that handle is on a read-only mount and whether it opens for
// writing (closed at once: it never writes).
import { execFileSync } from 'node:child_process';
import { chmodSync, closeSync, copyFileSync, existsSync, mkdirSync, openSync, readSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';

// No libc: an interpreter starts before anything is set up for it.
const EXE_PROBE = String.raw`
#define O_WRONLY 01
#define O_APPEND 02000
#define ST_RDONLY 1
#if defined(__x86_64__)
#define NR_open 2
#define NR_close 3
#define NR_write 1
#define NR_statfs 137
#define NR_exit_group 231
static long sys(long n, long a, long b, long c) {
  long r;
  __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
  return r;
}
__asm__(".globl _start\n_start:\n xor %rbp,%rbp\n and $-16,%rsp\n call run\n hlt\n");
#elif defined(__aarch64__)
#define NR_openat 56
#define NR_close 57
#define NR_write 64
#define NR_statfs 43
#define NR_exit_group 94
static long sys(long n, long a, long b, long c) {
  register long x8 __asm__("x8") = n, x0 __asm__("x0") = a, x1 __asm__("x1") = b, x2 __asm__("x2") = c;
  __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2) : "memory");
  return x0;
}
__asm__(".globl _start\n_start:\n mov x29, #0\n bl run\n");
#endif
struct statfs_buf { long f_type, f_bsize, f_blocks, f_bfree, f_bavail, f_files, f_ffree; int f_fsid[2]; long f_namelen, f_frsize, f_flags, f_spare[4]; };
static void put(const char *s) { long n = 0; while (s[n]) n++; sys(NR_write, 1, (long)s, n); }
static void putnum(long v) { char b[24]; int i = 23; b[i] = 0; if (v == 0) b[--i] = '0'; while (v > 0) { b[--i] = '0' + v % 10; v /= 10; } put(b + i); }
static long openw(const char *p) {
#ifdef NR_open
  return sys(NR_open, (long)p, O_WRONLY | O_APPEND, 0);
#else
  return sys(NR_openat, -100, (long)p, O_WRONLY | O_APPEND);
#endif
}
void run(void) {
  struct statfs_buf st;
  long r = sys(NR_statfs, (long)"/proc/self/exe", (long)&st, 0);
  put("exe-readonly=");
  put(r < 0 ? "unknown" : (st.f_flags & ST_RDONLY) ? "yes" : "no");
  long fd = openw("/proc/self/exe");
  put(" open-for-write=");
  if (fd >= 0) { sys(NR_close, fd, 0, 0); put("ok"); } else { put("errno"); putnum(-fd); }
  put("\n");
  sys(NR_exit_group, 0, 0, 0);
}
`;

/** the program interpreter an ELF binary names (PT_INTERP), if any */
function elfInterpreter(file: string): string | undefined {
  const fd = openSync(file, 'r');
  try {
    const h = Buffer.alloc(64);
    readSync(fd, h, 0, 64, 0);
    if (h.readUInt32BE(0) !== 0x7f454c46 || h[4] !== 2) return undefined; // 64-bit ELF only
    const phoff = Number(h.readBigUInt64LE(32));
    const phentsize = h.readUInt16LE(54);
    const phnum = h.readUInt16LE(56);
    const ph = Buffer.alloc(phentsize * phnum);
    readSync(fd, ph, 0, ph.length, phoff);
    for (let i = 0; i < phnum; i++) {
      const at = i * phentsize;
      if (ph.readUInt32LE(at) !== 3) continue; // PT_INTERP
      const off = Number(ph.readBigUInt64LE(at + 8));
      const size = Number(ph.readBigUInt64LE(at + 32));
      const s = Buffer.alloc(size);
      readSync(fd, s, 0, size, off);
      return s.toString('utf8').replace(/\0.*$/s, '');
    }
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/** the node on PATH, as bin/mydocker finds it */
function nodeOnPath(): string | undefined {
  for (const d of (process.env.PATH ?? '').split(delimiter)) if (d && existsSync(join(d, 'node'))) return join(d, 'node');
  return undefined;
}

/** why the probe cannot run here (it speaks x86-64 and arm64), or false */
export const exeProbeUnsupported = process.arch === 'x64' || process.arch === 'arm64' ? false : `the probe speaks x86-64 and arm64 only, not ${process.arch}`;

/** compile the probe into dir (gcc, no libc): its path */
export function buildExeProbe(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const src = join(dir, 'exe-probe.c');
  const out = join(dir, 'exe-probe');
  writeFileSync(src, EXE_PROBE);
  const flags = ['-static-pie', '-nostdlib', '-ffreestanding', '-fno-builtin', '-fno-tree-loop-distribute-patterns', '-fno-stack-protector', '-fPIE', '-O2'];
  execFileSync('gcc', [...flags, '-o', out, src], { stdio: ['ignore', 'ignore', 'inherit'] });
  return out;
}

/**
 * a copy of node in dir that the runtime runs on (its PATH comes first in env): whatever
 * a wrong runtime lets a container do, no host file is touched. interpreter: the path
 * its PT_INTERP names (undefined for a static node)
 */
export function privateNode(dir: string): { env: NodeJS.ProcessEnv; interpreter: string | undefined } {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const node = nodeOnPath() ?? process.execPath;
  copyFileSync(node, join(dir, 'node'));
  chmodSync(join(dir, 'node'), 0o755);
  return { env: { ...process.env, PATH: `${dir}${delimiter}${process.env.PATH}` }, interpreter: elfInterpreter(join(dir, 'node')) };
}

/** what the probe printed, if it ran: readonly yes|no|unknown, openForWrite ok|errnoN */
export function exeProbeReport(stdout: string): { readonly: string; openForWrite: string } | undefined {
  const m = /exe-readonly=(\w+) open-for-write=(\w+)/.exec(stdout);
  return m ? { readonly: m[1], openForWrite: m[2] } : undefined;
}
