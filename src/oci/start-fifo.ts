// chapter: 08-oci
// create and start are two commands, and the CLI that ran create is gone when start
// comes: the init cannot wait for "go" on a pipe to it. As runc does, it waits on a
// FIFO in the container's state folder (exec.fifo). create opens it and passes it to
// the init as an fd (the root of a user namespace could not open it: the state folder
// is the host root's), the init tells create it is ready ({created}), and then
// blocks reading it: `start` writes one byte and removes the FIFO (its absence then
// says "running"). The init holds it read-write, so a start that finds no reader
// (O_NONBLOCK: ENXIO) knows the init is gone.
const { closeSync, openSync, readSync } = process.getBuiltinModule('node:fs');
import { report } from '../container/init-io.js';
import type { InitStep } from '../container/step.js';
import { native } from '../native.js';
import { openHookResult, startContainerHooks } from './container-hooks.js';

declare module '../container/spec.js' {
  interface InitMessage {
    /** OCI create: the init is set up and waits for `start` (create returns) */
    created?: true;
  }
}

const REPORT_FD = 4;
let fifo = -1;
let devnull = -1;

/** after the cgroups' join, before the security step: create returns with the init in its cgroup */
export const startFifo: InitStep = {
  name: 'start fifo',
  setup(spec) {
    if (spec.oci?.startFifo === undefined) return;
    fifo = spec.oci.startFifo; // opened read-write by create
    devnull = openSync('/dev/null', 'w'); // the host's: the container may have none
    openHookResult(spec.oci.hooks);
  },
  beforeExec(spec) {
    if (spec.oci?.umask !== undefined) process.umask(spec.oci.umask); // the command's umask (process.user.umask)
    if (fifo < 0) return;
    report({ created: true });
    // create is about to exit: the reports from now on go nowhere (not to a closed pipe)
    native.dup2(devnull, REPORT_FD);
    closeSync(devnull);
    readSync(fifo, Buffer.alloc(1), 0, 1, null); // blocks until `start`
    closeSync(fifo);
    startContainerHooks(spec.oci!.hooks); // in the container, before the command
  },
};
