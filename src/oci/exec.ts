// chapter: 08-oci
// `exec --process FILE ID`, what containerd's shim sends for `ctr task exec`: a
// process.json (the runtime-spec's `process`, read with config.json's own mapping)
// run inside a running container by chapter 05's setns exec (native/exec.cc, through
// its sealed stub: CVE-2019-5736): the init's namespaces, its cgroups, the process's
// capabilities, user and no_new_privs, and the container's seccomp filter (runc
// gives an exec'd process the config's).
const { closeSync, readFileSync } = process.getBuiltinModule('node:fs');
import { hostname, release } from 'node:os';
import { join, resolve } from 'node:path';
import { exitStatus } from '../container/config.js';
import { RuntimeError } from '../errors.js';
import { sealedNsExec, withJoinFds } from '../lifecycle/exec.js';
import { native, waitPidfd } from '../native.js';
import { nativeArch } from '../security/seccomp.js';
import { ConfigError, fromConfig } from './config.js';
import { may, status, writePidFile, type OciContainer } from './container.js';
import { ociNative } from './oci-syscalls.js';

export interface ExecOptions {
  process: string;
  detach: boolean;
  pidFile?: string;
  consoleSocket?: string;
}

export async function ociExec(c: OciContainer, o: ExecOptions): Promise<number> {
  const r = c.read();
  if (!may(status(c, r), 'exec')) throw new RuntimeError('cannot exec in a container that is not running', 'conflict');
  const read = (file: string, what: string) => {
    try {
      return JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new RuntimeError(`cannot read ${what} ${file}: ${(e as Error).message}`, 'usage', { cause: e });
    }
  };
  const config = read(join(r.bundle, 'config.json'), 'the bundle config');
  const proc = read(resolve(o.process), 'the process file');
  let sec, spec;
  try {
    ({ spec } = fromConfig({ ...config, process: proc }, r.bundle, c.id, { hostname: hostname(), seccomp: { arch: nativeArch(), kernel: release() } }));
    sec = spec.security!;
  } catch (e) {
    if (e instanceof ConfigError) throw new RuntimeError(e.message, 'usage', { cause: e });
    throw e;
  }
  if (spec.tty && !o.consoleSocket) throw new RuntimeError('cannot allocate tty if runc will detach without setting console socket', 'usage');
  const [uid, gid] = sec.user!.split(':').map(Number);

  try {
    const child = await withJoinFds(r.pid, r.procs, async (namespaces, cgroupProcs) =>
      sealedNsExec({
        file: spec.args[0],
        path: spec.env.find((e) => e.startsWith('PATH='))?.slice(5) ?? '',
        argv: spec.args,
        env: spec.env,
        cwd: spec.cwd,
        stdio: [0, 1, 2], // the shim's pipes
        terminal: spec.tty,
        cgroupProcs,
        namespaces,
        caps: (sec.sets?.permitted ?? sec.capabilities).reduce((m, cap) => m | (1n << BigInt(cap)), 0n),
        noNewPrivs: sec.noNewPrivileges,
        uid,
        gid,
        groups: sec.groupAdd.map(Number),
        seccomp: sec.seccomp ? native.seccompLoad(sec.seccomp, true) : undefined,
      }),
    );
    if (child.master !== undefined) {
      closeSync(child.slave!);
      try {
        ociNative.sendFd(o.consoleSocket!, child.master, 'console');
      } finally {
        closeSync(child.master);
      }
    }
    if (o.pidFile) writePidFile(o.pidFile, child.pid);
    if (o.detach) {
      closeSync(child.pidfd); // the shim, a subreaper, inherits and reaps it
      return 0;
    }
    const exit = await waitPidfd(child.pidfd);
    closeSync(child.pidfd);
    return exitStatus(exit);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.syscall === 'execve') throw new RuntimeError(`exec failed: ${spec.args[0]}: ${err.message}`, err.code === 'ENOENT' ? 127 : 126, { cause: e });
    throw e;
  }
}
