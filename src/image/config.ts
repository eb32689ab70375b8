// chapter: 03-rootfs step 3.1
// An image's config fills in what the flags left open, as docker does: --entrypoint
// replaces ENTRYPOINT (and drops CMD), a command replaces CMD, -w replaces WORKDIR,
// -e is applied over ENV. Pure: the spec in, a new spec out.
import { containerEnv, type RunOptions } from '../container/config.js';
import type { InitSpec } from '../container/spec.js';
import type { ContainerDefaults } from './store.js';

export function applyImageConfig(spec: InitSpec, o: RunOptions, c?: ContainerDefaults): InitSpec {
  if (!c) return o.workdir ? { ...spec, cwd: o.workdir } : spec;
  const entrypoint = o.entrypoint !== undefined ? (o.entrypoint ? [o.entrypoint] : []) : (c.Entrypoint ?? []);
  const cmd = o.command.length ? o.command : o.entrypoint !== undefined ? [] : (c.Cmd ?? []);
  return {
    ...spec,
    args: [...entrypoint, ...cmd],
    env: containerEnv(o, spec.hostname, c.Env ?? []),
    cwd: o.workdir ?? (c.WorkingDir || '/'),
  };
}
