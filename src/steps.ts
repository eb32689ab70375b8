// chapter: 01-namespaces step 1.2
// The steps of `run`, in order: the one place where a chapter adds a line to
// run's flow. Each hook runs for every step before the next hook (src/run.ts).
import type { Step } from './container/step.js';
// <step 2.1>
import { cgroupStep } from './cgroups/step.js';
// </step 2.1>
// <step 3.1>
import { recordStep } from './container/record.js';
import { rootfsStep } from './rootfs/step.js';
// </step 3.1>
// <step 4.4>
import { cgroupfsStep } from './security/cgroupfs.js';
// </step 4.4>
// <step 4.5>
import { devicesStep } from './security/devices.js';
// </step 4.5>
// <step 4.1>
import { securityStep } from './security/step.js';
// </step 4.1>
// <step 6.1>
import { networkStep } from './network/step.js';
// </step 6.1>
// <step 7.3>
import { pullStep } from './image/registry/step.js';
// </step 7.3>
// <step 5.1>
import { detachStep } from './lifecycle/step.js';
import { execRecordStep } from './lifecycle/exec-step.js';
// </step 5.1>

export const steps: Step[] = [
  // <step 7.3>
  pullStep, // a missing image is pulled before anything is made
  // </step 7.3>
  // <step 3.1>
  recordStep, // the container's folder and state.json: everything after is written down
  rootfsStep, // the image's config and files
  // </step 3.1>
  // <step 2.1>
  cgroupStep, // limits in place before the command starts
  // </step 2.1>
  // <step 4.5>
  devicesStep, // only its own devices can be opened (CAP_MKNOD makes any node)
  // </step 4.5>
  // <step 4.4>
  cgroupfsStep, // its own cgroups, read-only, at /sys/fs/cgroup
  // </step 4.4>
  // <step 4.1>
  securityStep, // capabilities, user, no_new_privs, seccomp (applied by the init)
  // </step 4.1>
  // <step 5.1>
  execRecordStep, // what `exec` gives a process joining it: the container's security
  detachStep, // -d: the monitor starts the init, and owns the container once it runs
  // </step 5.1>
  // <step 6.1>
  // after detach: --network host wraps whichever spawner starts the init
  networkStep, // an address, a veth into the container's namespace, published ports (set up while the init waits)
  // </step 6.1>
];
