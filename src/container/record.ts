// chapter: 03-rootfs step 3.1
// The record step: a container becomes a folder, <root>/containers/<id>/, with
// config.json (what was asked) and state.json (what happened), written the moment
// anything changes, so later commands find it without the CLI that ran it.
import { RuntimeError } from '../errors.js';
import { shortId } from './id.js';
import { processStartTime } from './state.js';
import { withStore } from './sweep.js';
import type { Step } from './step.js';
import { createContainer, removeContainerDir, writeState } from './store.js';

declare module './config.js' {
  interface RunOptions {
    name?: string;
    /** --rm: the record goes when the container ends */
    rm: boolean;
  }
}

export const recordStep: Step = {
  name: 'record',
  prepare({ root, id, options: o, spec, state, cleanup, image }) {
    // who runs it: should this process die, the next command's sweep cleans up after it
    state.update({ cli: process.pid, cliStart: processStartTime(process.pid) });
    const config = {
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
    withStore(root, () => createContainer(root, config, state.current));
    state.persist((s) => writeState(root, id, s));
    cleanup.add('record how it ended', (failure) => {
      if (o.rm) return removeContainerDir(root, id);
      const s = state.current;
      if (failure && s.status !== 'exited') {
        // docker keeps a container that failed to start, with the reason
        const exitCode = failure instanceof RuntimeError ? failure.status : 125;
        state.update({ status: s.status === 'running' ? 'exited' : 'created', exitCode, error: failure.message, finishedAt: new Date().toISOString() });
      }
    });
  },
};
