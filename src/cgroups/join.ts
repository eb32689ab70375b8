// chapter: 02-cgroups
// The init's side of cgroups (on the container's start-up path: node:fs and the
// addon only). The files are opened before pivot_root hides /sys/fs/cgroup, and
// written right before execve, so the limits hold from the command's first instruction.
const { openSync, writeSync } = process.getBuiltinModule('node:fs');
import { CLONE_NEWCGROUP, native } from '../native.js';
import type { InitStep } from '../container/step.js';

declare module '../container/spec.js' {
  interface InitSpec {
    /** cgroup.procs files the init writes itself into right before exec */
    cgroupProcs?: string[];
  }
}

let procsFds: number[] = [];

export const cgroupsInit: InitStep = {
  name: 'cgroups',
  setup: (spec) => void (procsFds = (spec.cgroupProcs ?? []).map((file) => openSync(file, 'w'))),
  beforeExec: () => joinCgroups(procsFds),
};

/** join the container's cgroups, then make them the root of a new cgroup namespace */
function joinCgroups(procsFds: number[]): void {
  if (!procsFds.length) return;
  // writing "0" to cgroup.procs moves the writer
  for (const fd of procsFds) writeSync(fd, '0');
  native.unshare(CLONE_NEWCGROUP);
}
