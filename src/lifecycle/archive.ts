// chapter: 09-daemon
// `docker cp` (GET, HEAD and PUT /containers/ID/archive): files into and out of a
// running container, as tar streams. The container's files are reached through
// /proc/PID/root, its root as the kernel sees it — but a symlink met on the way is
// the container's, so it is resolved as the container would resolve it (secureJoin,
// chapter 03): an absolute link means the container's root, never the host's. A
// path that climbs above the root (`/../../etc`) is refused outright.
const { closeSync, constants, linkSync, lstatSync, mkdirSync, openSync, readlinkSync, symlinkSync, unlinkSync, writeSync } = process.getBuiltinModule('node:fs');
import { basename, dirname, join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { create, Parser, type ReadEntry } from 'tar';
import { RuntimeError } from '../errors.js';
import { secureJoin } from '../secure-join.js';
import { getContainer, isRunning, type Container } from './containers.js';

/** docker's X-Docker-Container-Path-Stat: Go's os.FileMode bits for the type */
const GO_MODE = { dir: 2 ** 31, symlink: 2 ** 27, device: 2 ** 26, pipe: 2 ** 25, socket: 2 ** 24, setuid: 2 ** 23, setgid: 2 ** 22, char: 2 ** 21, sticky: 2 ** 20 };

export interface PathStat {
  name: string;
  size: number;
  mode: number;
  mtime: string;
  linkTarget: string;
}

function running(root: string, ref: string): Container {
  const c = getContainer(root, ref);
  if (!isRunning(c.state)) throw new RuntimeError(`Container ${c.config.id} is not running: mydockerd copies files only to and from running containers`, 'conflict');
  return c;
}

/** the path, made absolute in the container; refused if it climbs above the root */
function containerPath(path: string): string {
  if (!path) throw new RuntimeError('Path cannot be empty', 'usage');
  let depth = 0;
  for (const part of path.split('/')) {
    if (part === '..') {
      if (depth === 0) throw new RuntimeError(`path "${path}" climbs out of the container's root`, 'usage');
      depth--;
    } else if (part && part !== '.') depth++;
  }
  return posix.normalize(`/${path}`);
}

/**
 * The host path of a container path: every component but the last resolved as the
 * container would (the last one stays as it is: a symlink is copied as a link, as
 * dockerd does), unless the path ends with / or /.
 */
function resolve(c: Container, path: string): { host: string; name: string } {
  const base = `/proc/${c.state.pid}/root`;
  const clean = containerPath(path);
  if (clean === '/' || path.endsWith('/') || path.endsWith('/.')) {
    const host = secureJoin(base, clean);
    return { host, name: clean === '/' ? '/' : basename(host) };
  }
  return { host: join(secureJoin(base, dirname(clean)), basename(clean)), name: basename(clean) };
}

function statOf(host: string, name: string, path: string, c: Container): PathStat {
  let st;
  try {
    st = lstatSync(host);
  } catch {
    throw new RuntimeError(`Could not find the file ${path} in container ${c.config.name}`, 'notFound');
  }
  const type = st.isDirectory() ? GO_MODE.dir : st.isSymbolicLink() ? GO_MODE.symlink : st.isFIFO() ? GO_MODE.pipe : st.isSocket() ? GO_MODE.socket : st.isCharacterDevice() ? GO_MODE.device | GO_MODE.char : st.isBlockDevice() ? GO_MODE.device : 0;
  const special = (st.mode & 0o4000 ? GO_MODE.setuid : 0) + (st.mode & 0o2000 ? GO_MODE.setgid : 0) + (st.mode & 0o1000 ? GO_MODE.sticky : 0);
  return { name, size: st.size, mode: type + special + (st.mode & 0o777), mtime: st.mtime.toISOString(), linkTarget: st.isSymbolicLink() ? readlinkSync(host) : '' };
}

/** HEAD: what the path is (docker cp asks before it copies in) */
export function statPath(root: string, ref: string, path: string): PathStat {
  const c = running(root, ref);
  const { host, name } = resolve(c, path);
  return statOf(host, name, path, c);
}

/** GET: the path as a tar stream, its entries named from its base name; and its stat */
export function archivePath(root: string, ref: string, path: string): { stat: PathStat; tar: Readable } {
  const c = running(root, ref);
  const { host, name } = resolve(c, path);
  const stat = statOf(host, name, path, c);
  const whole = name === '/';
  // symlinks inside go in as links (follow: false): the host never reads through them
  const tar = create({ cwd: whole ? host : dirname(host), follow: false, portable: false }, [whole ? '.' : basename(host)]) as unknown as Readable;
  return { stat, tar };
}

/**
 * Where an entry of the tar goes: its directory resolved the container's way (a symlink
 * in it, even one this same archive just made, points inside the root), its own name
 * as it is. Refused if it climbs above the root.
 */
function entryTarget(base: string, dir: string, name: string): string {
  const full = containerPath(posix.join(dir, name));
  if (full === '/') return base;
  return join(secureJoin(base, posix.dirname(full)), posix.basename(full));
}

/** an existing file or link in the way of an entry goes (a directory stays, for a directory) */
function makeRoom(target: string, directory: boolean): void {
  let st;
  try {
    st = lstatSync(target);
  } catch {
    return;
  }
  if (st.isDirectory()) {
    if (!directory) throw new RuntimeError(`cannot overwrite directory "${target}" with non-directory`, 'conflict');
    return;
  }
  unlinkSync(target);
}

/**
 * PUT: a tar stream extracted into a directory of the container, each entry placed as
 * the container would see it: a symlink is never followed out of the root, one of the
 * archive's own included. Files are owned by the container's root (docker's default).
 */
export async function extractInto(root: string, ref: string, path: string, body: Readable): Promise<void> {
  const c = running(root, ref);
  const base = `/proc/${c.state.pid}/root`;
  const dir = containerPath(path);
  const st = statOf(secureJoin(base, dir), basename(dir), path, c);
  if (!(st.mode & GO_MODE.dir)) throw new RuntimeError(`extraction point is not a directory: ${path}`, 'usage');
  const umask = process.umask(0);
  let failure: Error | undefined;
  const parser = new Parser({
    onReadEntry(entry: ReadEntry) {
      if (failure) return void entry.resume();
      try {
        const target = entryTarget(base, dir, entry.path);
        const mode = entry.mode ?? 0o644;
        if (entry.type === 'Directory') {
          makeRoom(target, true);
          mkdirSync(target, { recursive: true, mode: mode & 0o7777 });
          entry.resume();
        } else if (entry.type === 'SymbolicLink') {
          makeRoom(target, false);
          symlinkSync(entry.linkpath!, target); // kept as it is: the container resolves it, in its root
          entry.resume();
        } else if (entry.type === 'Link') {
          makeRoom(target, false);
          linkSync(entryTarget(base, dir, entry.linkpath!), target);
          entry.resume();
        } else if (entry.type === 'File' || entry.type === 'OldFile' || entry.type === 'ContiguousFile') {
          makeRoom(target, false);
          const fd = openSync(target, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, mode & 0o7777);
          entry.on('data', (d: Buffer) => writeSync(fd, d));
          entry.on('end', () => closeSync(fd));
        } else {
          throw new RuntimeError(`${entry.path}: ${entry.type} entries are not supported`, 'usage');
        }
      } catch (e) {
        failure = e as Error;
        entry.resume();
      }
    },
  });
  try {
    await pipeline(body, parser);
  } catch (e) {
    failure ??= e as Error;
  } finally {
    process.umask(umask);
  }
  if (failure) throw failure instanceof RuntimeError ? failure : new RuntimeError(`cannot copy into ${path}: ${failure.message}`, 'usage', { cause: failure });
}
