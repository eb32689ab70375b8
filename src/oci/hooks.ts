// chapter: 08-oci
// Hooks (config.md#posix-platform-hooks): programs the runtime runs at fixed points
// of the lifecycle, in the config's order, each with the container's state JSON on
// its stdin. A prestart/createRuntime/createContainer/startContainer/poststart hook
// that fails fails the command; a poststop hook that fails is only logged (the
// container is gone anyway). The container's init runs two of them itself
// (createContainer, startContainer): this file stays light for its start-up path,
// node:child_process is loaded only when a hook runs.
import { RuntimeError } from '../errors.js';
import type { OciHook, OciState } from './spec.js';

/** cwd: where the hook starts (createContainer: the container's root, as runc does) */
export function runHooks(kind: string, hooks: OciHook[], state: OciState, cwd?: string): void {
  if (!hooks.length) return;
  const { spawnSync } = process.getBuiltinModule('node:child_process');
  for (const h of hooks) {
    const r = spawnSync(h.path, (h.args ?? [h.path]).slice(1), {
      argv0: h.args?.[0] ?? h.path,
      cwd,
      env: Object.fromEntries((h.env ?? []).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])),
      input: JSON.stringify(state),
      stdio: ['pipe', 'ignore', 'pipe'],
      timeout: h.timeout ? h.timeout * 1000 : undefined,
    });
    // a hook that exits without reading its stdin: EPIPE, as Go's exec (runc) ignores it
    if (r.error && (r.error as NodeJS.ErrnoException).code !== 'EPIPE') throw new RuntimeError(`${kind} hook ${h.path}: ${r.error.message}`);
    if (r.status !== 0) throw new RuntimeError(`${kind} hook ${h.path} failed: ${r.signal ?? `exit status ${r.status}`}${r.stderr?.length ? `: ${r.stderr.toString().trim()}` : ''}`);
  }
}
