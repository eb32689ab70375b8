// chapter: 03-rootfs step 3.1
// runc refuses mounts over the container's /proc: a host path there would replace the
// container's own view of its processes (or hide what /proc masks). Both the CLI
// (-v's text) and the init (the path after the image's symlinks) ask this module.

/** the files under /proc runc lets a mount cover (lxcfs emulates them) */
export const PROC_MOUNT_OK = [
  '/proc/cpuinfo', '/proc/diskstats', '/proc/meminfo', '/proc/stat', '/proc/swaps',
  '/proc/uptime', '/proc/loadavg', '/proc/slabinfo', '/proc/net/dev', '/proc/sys/kernel/ns_last_pid',
];

/** runc's rule: nothing is mounted over the container's /proc or inside it (but PROC_MOUNT_OK) */
export function procMountError(target: string): string | undefined {
  if (target === '/proc') return '"/proc" cannot be mounted: the container has its own proc';
  if (target.startsWith('/proc/') && !PROC_MOUNT_OK.includes(target)) return `"${target}" cannot be mounted because it is inside /proc`;
  return undefined;
}
