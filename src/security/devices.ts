// chapter: 04-security step 4.5
// The devices a container may use. CAP_MKNOD is one of docker's 14 capabilities:
// without a devices cgroup, container root could `mknod /dev/sda b 8 0` and read the
// host's disk. Docker lets it make any node (`m`) but read and write only its own
// few devices. On cgroup v1 that is the devices controller's allow-list, set here
// before the init starts; on cgroup v2 it takes an eBPF program (BPF_CGROUP_DEVICE),
// which we do not load yet, so there CAP_MKNOD is dropped instead (see the step).
const { writeFileSync } = process.getBuiltinModule('node:fs');
import { CgroupDirs } from '../cgroups/fs.js';
import type { Step } from '../container/step.js';
import { mountinfo } from '../mountinfo.js';

/** docker's default rules: make any node; use only null, zero, full, random, urandom, tty, console, ptmx, the ptys */
export const DEVICE_RULES = [
  'c *:* m',
  'b *:* m',
  'c 1:3 rwm',
  'c 1:5 rwm',
  'c 1:7 rwm',
  'c 1:8 rwm',
  'c 1:9 rwm',
  'c 5:0 rwm',
  'c 5:1 rwm',
  'c 5:2 rwm',
  'c 136:* rwm',
];

/** the capability to make device nodes: kept only where a devices cgroup limits what they open */
export const CAP_MKNOD = 27;

/** where the v1 devices controller is mounted (none on cgroup v2) */
export function devicesHierarchy(): string | undefined {
  return mountinfo().find((m) => m.fstype === 'cgroup' && m.superOptions.includes('devices'))?.mountPoint;
}

/** a devices cgroup's list: every device denied, then the rules in order (allow or deny) */
export function writeDeviceRules(dir: string, rules: { allow: boolean; rule: string }[]): void {
  writeFileSync(`${dir}/devices.deny`, 'a');
  for (const r of rules) writeFileSync(`${dir}/devices.${r.allow ? 'allow' : 'deny'}`, r.rule);
}

export const devicesStep: Step = {
  name: 'devices',
  prepare(ctx) {
    if (!ctx.spec.rootfs || ctx.options.security.privileged) return; // chapter 01's host files; --privileged: every device
    const base = ctx.cgroup ? devicesHierarchy() : undefined;
    if (!base) {
      // no v1 devices controller: no node the container makes may be usable
      const s = ctx.spec.security;
      if (s) s.capabilities = s.capabilities.filter((c) => c !== CAP_MKNOD);
      return;
    }
    // each directory is written down before it is made, as the cgroups step does: a CLI
    // killed right after a mkdir leaves nothing the sweep does not know of
    const dirs = new CgroupDirs((dir) => ctx.state.update({ cgroups: [...(ctx.state.current.cgroups ?? []), dir] }));
    dirs.make(base, `${ctx.options.cgroupParent}/${ctx.id}`, () => {});
    ctx.cleanup.add('remove the devices cgroup', () => dirs.remove());
    const dir = dirs.leaves[0];
    writeDeviceRules(dir, DEVICE_RULES.map((rule) => ({ allow: true, rule })));
    ctx.spec.cgroupProcs = [...(ctx.spec.cgroupProcs ?? []), `${dir}/cgroup.procs`];
  },
};
