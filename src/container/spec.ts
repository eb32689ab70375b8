// chapter: 01-namespaces
// What the CLI hands to the container's init over fd 3: everything the init needs
// to turn itself into the container, as plain JSON. The init imports only the
// type of this file, so nothing here runs in the container's start-up path.
// <chapter 04-security>
import type { SecuritySpec } from '../security/apply.js';
// </chapter 04-security>

export interface InitSpec {
  hostname: string;
  /** argv of the user's command; args[0] is a path, or a name looked up in PATH */
  args: string[];
  env: string[];
  cwd: string;
  /** -t: the init makes a terminal for the command (in the container's own /dev/pts) */
  tty: boolean;
  // <chapter 02-cgroups>
  /** cgroup.procs files the init writes itself into right before exec */
  cgroupProcs?: string[];
  // </chapter 02-cgroups>
  /** the container's root filesystem (chapter 03); absent: the host's files */
  rootfs?: RootfsSpec;
  // <chapter 04-security>
  /** capabilities, user, no_new_privs, seccomp: applied right before execve */
  security?: SecuritySpec;
  // </chapter 04-security>
}

export interface RootfsSpec {
  /** overlay layers, top first */
  lower: string[];
  upper: string;
  work: string;
  /** where the overlay is mounted inside the init's mount namespace */
  target: string;
  readonlyPaths: string[];
  maskedPaths: string[];
  /** bind mounts: volumes, and the generated /etc/hostname, /etc/hosts, /etc/resolv.conf */
  mounts: MountSpec[];
}

export interface MountSpec {
  source: string;
  /** absolute path inside the container */
  target: string;
  readonly: boolean;
}

/** init → CLI over fd 4, one JSON object a line */
export interface InitMessage {
  /** with -t: the fd number of the terminal's master side in the init (the CLI takes a copy) */
  pty?: number;
  /** sent right before execve */
  exec?: true;
  /** with exec: the init's own time from its process start, without waiting for "go" (ms) */
  ms?: number;
  /** the init gave up: this message, this exit status */
  error?: string;
  code?: number;
}
