// chapter: 01-namespaces step 1.2
// The init's steps, in order: each does nothing when its part of the spec is empty.
// Like src/steps.ts for the CLI, this list is where a chapter adds a line.
import type { InitStep } from './container/step.js';
// <step 1.3>
import { hostname, privateMounts } from './container/namespaces.js';
// </step 1.3>
// <step 1.5>
import { terminal } from './container/namespaces.js';
// </step 1.5>
// <replaced-by 3.1 from 1.3>
//~ import { procfs } from './container/namespaces.js';
// </replaced-by 3.1>
// <step 2.1>
import { cgroupsInit } from './cgroups/join.js';
// </step 2.1>
// <chapter 08-oci>
import { ociRootfs } from './oci/rootfs.js';
import { startFifo } from './oci/start-fifo.js';
// </chapter 08-oci>
// <step 3.1>
import { rootfsInit } from './rootfs/setup.js';
// </step 3.1>
// <step 4.1>
import { securityInit } from './security/step.js';
// </step 4.1>

export const initSteps: InitStep[] = [
  // <step 2.1>
  cgroupsInit, // open cgroup.procs while /sys/fs/cgroup is in reach; join right before exec
  // </step 2.1>
  // <chapter 08-oci>
  startFifo, // OCI create: the init waits in its cgroup for `start`
  // </chapter 08-oci>
  // <step 1.3>
  privateMounts,
  // </step 1.3>
  // <replaced-by 3.1 from 1.3>
  //~ procfs,
  // </replaced-by 3.1>
  // <chapter 08-oci>
  ociRootfs, // an OCI bundle's root and mounts, then pivot_root (chapter 03's step then has nothing to do)
  // </chapter 08-oci>
  // <step 3.1>
  rootfsInit, // the image's files, then pivot_root (without an image: chapter 01's /proc)
  // </step 3.1>
  // <step 1.3>
  hostname,
  // </step 1.3>
  // <step 1.5>
  terminal,
  // </step 1.5>
  // <step 4.1>
  securityInit, // last: the user, capabilities, no_new_privs and seccomp the command runs with
  // </step 4.1>
];
