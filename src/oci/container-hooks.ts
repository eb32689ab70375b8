// chapter: 08-oci
// The two hooks the container's init runs itself, inside the container's namespaces
// (config.md#posix-platform-hooks): createContainer after the bundle's mounts and
// before pivot_root (its path resolves on the host; it starts in the container's
// root, as runc does), startContainer at `start`, after the wait on exec.fifo and
// right before the command (its path resolves in the container). Each reads the
// state on stdin. A failing startContainer hook writes its reason into hook.fifo,
// where `start` waits for it (the init's report pipe has gone quiet by then).
const { openSync, writeSync } = process.getBuiltinModule('node:fs');
import { runHooks } from './hooks.js';
import type { OciHook, OciState } from './spec.js';

declare module './config.js' {
  interface OciInitSpec {
    /** createContainer and startContainer: run by the init; state and result set by create */
    hooks?: { createContainer: OciHook[]; startContainer: OciHook[]; state?: OciState; result?: string };
  }
}

type Hooks = NonNullable<import('./config.js').OciInitSpec['hooks']>;

/** in the init, before pivot_root: status "creating", as runc passes it */
export function createContainerHooks(hooks: Hooks | undefined, root: string): void {
  if (hooks?.createContainer.length) runHooks('createContainer', hooks.createContainer, { ...hooks.state!, status: 'creating' }, root);
}

let resultFd = -1;

/** before pivot_root: the FIFO `start` reads a failure from (the host's path is in reach only now) */
export function openHookResult(hooks: Hooks | undefined): void {
  if (hooks?.startContainer.length && hooks.result) resultFd = openSync(hooks.result, 'r+');
}

/** in the init, after `start` let it go: status "created" (runc's), a failure told to `start` */
export function startContainerHooks(hooks: Hooks | undefined): void {
  if (!hooks?.startContainer.length) return;
  try {
    runHooks('startContainer', hooks.startContainer, { ...hooks.state!, status: 'created' });
  } catch (e) {
    if (resultFd >= 0) writeSync(resultFd, (e as Error).message);
    throw e;
  }
}
