// The init's own steps inside the new namespaces (see src/init-steps.ts).
import { MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_PRIVATE, MS_REC, native } from '../native.js';
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
