// chapter: 03-rootfs step 3.1
// The root filesystem part of the init's spec: what the CLI prepared (src/rootfs/
// prepare.ts) and the init mounts (src/rootfs/setup.ts).

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

declare module '../container/spec.js' {
  interface InitSpec {
    /** the container's root filesystem; absent: chapter 01's mode, the host's files */
    rootfs?: RootfsSpec;
  }
}
