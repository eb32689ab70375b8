// The init's own steps inside the new namespaces (see src/init-steps.ts).
import { MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_PRIVATE, MS_REC, native } from '../native.js';
import { report } from './init-io.js';
import type { InitStep } from './step.js';

/** nothing we mount may propagate back to the host (systemd makes / shared) */
export const privateMounts: InitStep = {
  name: 'private mounts',
  setup() {
    native.mount(null, '/', null, MS_REC | MS_PRIVATE, null);
  },
};

/** a fresh proc for the new PID namespace: ps and /proc show only the container */
export const procfs: InitStep = {
  name: 'proc',
  setup: () => native.mount('proc', '/proc', 'proc', MS_NOSUID | MS_NODEV | MS_NOEXEC, null),
};

export const hostname: InitStep = {
  name: 'hostname',
  setup(spec) {
    native.sethostname(spec.hostname);
  },
};

/**
 * -t: a new terminal becomes the command's stdio and controlling terminal; the CLI
 * takes a copy of the master side.
 */
export const terminal: InitStep = {
  name: 'terminal',
  setup(spec) {
    if (!spec.tty) return;
    const { master, slave } = native.openpty();
    report({ pty: master });
    native.setsid();
    native.setControllingTty(slave);
    for (const fd of [0, 1, 2]) native.dup2(slave, fd);
  },
};
