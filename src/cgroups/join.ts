// chapter: 02-cgroups step 2.1
// The init's side of cgroups (on the container's start-up path: node:fs and the
// addon only). `run` moves the init into its cgroups from the outside while the init
// sets up (src/cgroups/step.ts): the init, let go once it is in, only makes its
// cgroup namespace right before execve. Given files instead, it opens them before
// pivot_root hides /sys/fs/cgroup and writes itself in right before execve: either
// way the limits hold from the command's first instruction.
const { openSync, writeSync } = process.getBuiltinModule('node:fs');
// <step 2.4>
import { CLONE_NEWCGROUP, native } from '../native.js';
// </step 2.4>
import type { InitStep } from '../container/step.js';

declare module '../container/spec.js' {
  interface InitSpec {
    /** cgroup.procs files the init writes itself into right before exec */
    cgroupProcs?: string[];
    /** the CLI has moved the init into its cgroups already (before "go") */
    cgroupJoined?: boolean;
    // <chapter 08-oci>
    /** the same files, opened by the CLI and passed as these fds (a user namespace's root may not open them) */
    cgroupProcsFds?: number[];
    /** false: no new cgroup namespace (an OCI config that lists none, or joins one) */
    cgroupNamespace?: boolean;
    // </chapter 08-oci>
  }
}

let procsFds: number[] = [];
let joined = false;

export const cgroupsInit: InitStep = {
  name: 'cgroups',
  setup(spec) {
    procsFds = (spec.cgroupProcs ?? []).map((file) => openSync(file, 'w'));
    joined = spec.cgroupJoined === true;
    // <chapter 08-oci>
    if (spec.cgroupProcsFds) procsFds = spec.cgroupProcsFds;
    if (spec.cgroupNamespace === false) newNamespace = false;
    // </chapter 08-oci>
  },
  beforeExec: () => joinCgroups(procsFds),
};

// <step 2.4>
let newNamespace = true; // a new cgroup namespace, unless the spec says otherwise (chapter 08)
// </step 2.4>

/** join the container's cgroups, then make them the root of a new cgroup namespace */
function joinCgroups(procsFds: number[]): void {
  if (!procsFds.length && !joined) return;
  // writing "0" to cgroup.procs moves the writer
  for (const fd of procsFds) writeSync(fd, '0');
  // <step 2.4>
  if (newNamespace) native.unshare(CLONE_NEWCGROUP);
  // </step 2.4>
}
