// chapter: 05-lifecycle step 5.6
// `mydocker exec`: a new process in a running container. Everything is decided
// here, from the container's record and its PID 1: which namespaces (those of
// PID 1 that differ from ours), which cgroups (the container's own), which
// credentials and seccomp filter (chapter 04's, from exec.json), which user, env
// and working directory. The addon's nsExec (native/exec.cc) only makes the calls:
// Node itself never enters the container, and the command is exec'd by a small
// sealed stub (native/exec-stub.c), never by a clone of the CLI (CVE-2019-5736).
const { closeSync, constants, openSync, readFileSync, statSync } = process.getBuiltinModule('node:fs');
import { basename, join } from 'node:path';
import { containerEnv, exitStatus } from '../container/config.js';
import { processStartTime } from '../container/state.js';
import { attach } from '../container/stdio.js';
// <chapter 09-daemon>
import type { Attachment } from '../container/stdio.js';
// </chapter 09-daemon>
import { RuntimeError } from '../errors.js';
import { native, waitPidfd } from '../native.js';
import { ownFile } from '../paths.js';
import { secureJoin } from '../secure-join.js';
import type { SecuritySpec } from '../security/apply.js';
import { sealedFile } from '../container/selfexe.js';
import { resolveUser, UserError, type ExecUser } from '../security/user.js';
import { readExecRecord } from './exec-step.js';
import { getContainer, isRunning, type Container } from './containers.js';

export interface ExecOptions {
  interactive: boolean;
  tty: boolean;
  detach: boolean;
  env: string[];
  workdir?: string;
  user?: string;
  command: string[];
  // <chapter 09-daemon>
  /** where its stdin, stdout and stderr go instead of the CLI's own (the daemon: a hijacked connection) */
  io?: Attachment;
  // </chapter 09-daemon>
}

/** PID 1's namespaces, in the order they are joined: the mount namespace last (after it, host paths mean nothing) */
const NAMESPACES = ['cgroup', 'ipc', 'uts', 'net', 'pid', 'mnt'];

export async function execCommand(root: string, ref: string, o: ExecOptions): Promise<number> {
  const c = getContainer(root, ref);
  if (!isRunning(c.state)) throw new RuntimeError(`container ${c.config.id} is not running`);
  const pid = c.state.pid!;
  const security = readExecRecord(root, c.config.id).security;
  if (!security) throw new RuntimeError(`container ${c.config.id} has no security record: it cannot be joined`);

  const procs = (c.state.cgroups ?? []).filter((d) => basename(d) === c.config.id).map((d) => join(d, 'cgroup.procs'));
  return withJoinFds(pid, procs, (namespaces, cgroupProcs) => {
    // the fds name PID 1's namespaces only if PID 1 is still the process we looked at
    if (processStartTime(pid) !== c.state.pidStart) throw new RuntimeError(`container ${c.config.id} is not running`);
    return execIn(c, pid, security, o, namespaces, cgroupProcs);
  });
}

/**
 * what a process joining PID 1 enters, as fds for nsExec: PID 1's namespaces that are
 * not ours, and the cgroup.procs files given (opened for writing); closed once fn is done
 */
export async function withJoinFds<T>(pid: number, procs: string[], fn: (namespaces: number[], cgroupProcs: number[]) => Promise<T>): Promise<T> {
  const fds: number[] = [];
  const open = (path: string, flags: number) => {
    const fd = openSync(path, flags);
    fds.push(fd);
    return fd;
  };
  try {
    const namespaces = joinedNamespaces(pid).map((ns) => open(`/proc/${pid}/ns/${ns}`, constants.O_RDONLY));
    return await fn(namespaces, procs.map((p) => open(p, constants.O_WRONLY)));
  } finally {
    fds.forEach((fd) => closeSync(fd));
  }
}

const EXEC_STUB = ownFile('native/build/Release/mydocker-exec-stub');

/**
 * nsExec with the stub: a clone of the CLI has the host's node as its /proc/self/exe
 * until it execs, and the command's path (or its #! line, or its ELF interpreter) is
 * resolved in the container, where "/proc/self/exe" names that binary. So the clone
 * execs the stub first, from a read-only bind mount in no namespace (chapter 04's seal),
 * and the stub execs the command: whatever the container reaches is read-only.
 */
export function sealedNsExec(o: Omit<Parameters<typeof native.nsExec>[0], 'stub'>): ReturnType<typeof native.nsExec> {
  const stub = sealedFile(EXEC_STUB);
  try {
    return native.nsExec({ ...o, stub: stub.fd });
  } finally {
    stub.close(); // the stub has exec'd (or failed): the mount lives as long as a process runs it
  }
}

/** the namespaces of PID 1 that are not already ours (setns into our own would be a no-op, or EINVAL) */
function joinedNamespaces(pid: number): string[] {
  return NAMESPACES.filter((ns) => {
    const theirs = statSync(`/proc/${pid}/ns/${ns}`);
    const ours = statSync(`/proc/self/ns/${ns}`);
    return theirs.ino !== ours.ino || theirs.dev !== ours.dev;
  });
}

/** -u or the container's user, looked up in the container's own /etc/passwd and /etc/group */
function execUser(pid: number, security: SecuritySpec, user: string | undefined): ExecUser {
  const rootfs = `/proc/${pid}/root`;
  const read = (path: string) => {
    try {
      return readFileSync(secureJoin(rootfs, path), 'utf8');
    } catch {
      return undefined; // no /etc/passwd: numeric ids only
    }
  };
  try {
    return resolveUser(user ?? security.user ?? '', security.groupAdd, read('/etc/passwd'), read('/etc/group'));
  } catch (e) {
    if (e instanceof UserError) throw new RuntimeError(e.message, 'cannotRun');
    throw e;
  }
}

async function execIn(c: Container, pid: number, security: SecuritySpec, o: ExecOptions, namespaces: number[], cgroupProcs: number[]): Promise<number> {
  const user = execUser(pid, security, o.user);
  const env = containerEnv({ env: o.env, tty: o.tty }, c.config.hostname, c.config.env);
  const caps = security.capabilities.reduce((m, cap) => m | (1n << BigInt(cap)), 0n);
  // the BPF the run compiled for its init (a record from before that: compiled now)
  const seccomp = security.seccompBpf ? Buffer.from(security.seccompBpf, 'base64') : security.seccomp ? native.seccompLoad(security.seccomp, true) : undefined;

  const devnull = openSync('/dev/null', 'r+');
  const terminal = o.tty && !o.detach; // the addon opens it in the container: our stdio is a placeholder
  // <replaced-by 09-daemon>
  //~ const io = o.detach ? undefined : attach({ interactive: o.interactive, tty: terminal });
  // </replaced-by 09-daemon>
  // <chapter 09-daemon>
  const io = o.detach ? undefined : (o.io ?? attach({ interactive: o.interactive, tty: terminal }));
  // </chapter 09-daemon>
  const stdio: [number, number, number] = o.detach || terminal ? [devnull, devnull, devnull] : io!.stdio;
  let child: ReturnType<typeof native.nsExec>;
  try {
    child = sealedNsExec({
      file: o.command[0],
      path: env.find((e) => e.startsWith('PATH='))?.slice(5) ?? '',
      argv: o.command,
      env,
      cwd: o.workdir ?? c.config.cwd,
      stdio,
      terminal,
      cgroupProcs,
      namespaces,
      caps,
      noNewPrivs: security.noNewPrivileges,
      uid: user.uid,
      gid: user.gid,
      groups: user.groups,
      seccomp,
    });
  } catch (e) {
    io?.restore();
    throw execFailure(o.command[0], o.workdir ?? c.config.cwd, e as NodeJS.ErrnoException);
  } finally {
    closeSync(devnull);
    io?.spawned();
  }
  if (o.detach) {
    closeSync(child.pidfd); // it runs on, reaped by whoever inherits it
    return 0;
  }
  if (child.master !== undefined) {
    closeSync(child.slave!); // the process holds it now: its last close is the end of output
    io!.connect(child.master);
  }
  const exit = await waitPidfd(child.pidfd);
  closeSync(child.pidfd);
  await io!.drained;
  io!.restore();
  return exitStatus(exit);
}

/** the init's words and docker's statuses (src/init.ts): 127 not found, 126 cannot run */
function execFailure(file: string, cwd: string, e: NodeJS.ErrnoException): RuntimeError {
  if (e.syscall === 'chdir') return new RuntimeError(`cannot change to working directory ${cwd}: no such directory`, 'cannotRun');
  if (e.syscall !== 'execve') return new RuntimeError(`cannot join the container: ${e.message}`, 'runtime', { cause: e });
  if (e.code === 'ENOENT' || e.code === 'ENOTDIR')
    return new RuntimeError(file.includes('/') ? `exec: "${file}": no such file or directory` : `exec: "${file}": executable file not found in $PATH`, 'commandNotFound');
  if (e.code === 'EACCES' || e.code === 'EISDIR' || e.code === 'EPERM') return new RuntimeError(`exec: "${file}": permission denied`, 'cannotRun');
  if (e.code === 'ENOEXEC') return new RuntimeError(`exec: "${file}": exec format error`, 'cannotRun');
  return new RuntimeError(`exec: "${file}": ${e.message}`, 'cannotRun', { cause: e });
}
