// chapter: 03-rootfs
// `run`'s chapter-03 step: from an image reference to a recorded container with a
// prepared root filesystem. It fills in the InitSpec from the image's config (the
// flags win) and hands back the record, which run keeps up to date.
import { readFileSync } from 'node:fs';
import { RuntimeError } from '../errors.js';
import { openImageStore } from '../image/store.js';
import { parseVolume, prepareRootfs } from '../rootfs/prepare.js';
import type { RunOptions } from '../run.js';
import { containerEnv } from '../run.js';
import type { InitSpec } from './spec.js';
import { createContainer, removeContainerDir, writeState, type ContainerConfig, type ContainerState } from './store.js';
import { shortId } from './id.js';

export interface ContainerRecord {
  config: ContainerConfig;
  running(pid: number): void;
  exited(status: number): void;
  /** the last step: on failure, why it never ran; with --rm, the record goes */
  finished(failure?: Error): void;
}

export function createRecord(root: string, id: string, o: RunOptions, spec: InitSpec): ContainerRecord {
  // everything that can be wrong with the request is checked before anything is made
  const volumes = o.volumes.map((v) => parseVolume(root, v));
  const image = o.image ? openImageStore(root).get(o.image) : undefined;
  if (image) {
    const c = image.config;
    const entrypoint = o.entrypoint !== undefined ? (o.entrypoint ? [o.entrypoint] : []) : (c.Entrypoint ?? []);
    const cmd = o.command.length ? o.command : o.entrypoint !== undefined ? [] : (c.Cmd ?? []);
    spec.args = [...entrypoint, ...cmd];
    spec.env = containerEnv(o, spec.hostname, c.Env ?? []);
    spec.cwd = o.workdir ?? (c.WorkingDir || '/');
    // <chapter 04-security>
    if (spec.security && spec.security.user === undefined && c.User) spec.security.user = c.User; // --user wins
    // </chapter 04-security>
  } else if (o.workdir) {
    spec.cwd = o.workdir;
  }
  if (spec.args.length === 0) throw new RuntimeError('no command specified');

  const config: ContainerConfig = {
    id,
    name: o.name ?? shortId(id),
    image: image?.id,
    imageRef: o.image,
    args: spec.args,
    env: spec.env,
    cwd: spec.cwd,
    hostname: spec.hostname,
    tty: o.tty,
    interactive: o.interactive,
    autoRemove: o.rm,
    volumes: o.volumes,
    created: new Date().toISOString(),
  };
  createContainer(root, config);
  try {
    if (image) spec.rootfs = prepareRootfs({ root, id, hostname: spec.hostname, layers: image.layers, volumes });
  } catch (e) {
    removeContainerDir(root, id);
    throw e;
  }

  let state: ContainerState = { status: 'created' };
  const save = (s: ContainerState) => writeState(root, id, (state = s));
  return {
    config,
    running(pid) {
      save({ status: 'running', pid, pidStart: processStartTime(pid), startedAt: new Date().toISOString() });
    },
    exited(status) {
      save({ ...state, status: 'exited', exitCode: status, finishedAt: new Date().toISOString() });
    },
    finished(failure) {
      if (o.rm) return removeContainerDir(root, id);
      if (failure && state.status !== 'exited') {
        const exitCode = failure instanceof RuntimeError ? failure.status : 125;
        save({ ...state, status: state.status === 'running' ? 'exited' : 'created', exitCode, error: failure.message, finishedAt: new Date().toISOString() });
      }
    },
  };
}

/** field 22 of /proc/<pid>/stat: with the pid, it names one process for good */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}
