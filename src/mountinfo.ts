// chapter: 02-cgroups step 2.1
// /proc/self/mountinfo, read once and parsed one way (proc(5)): the mount point is
// field 5, the filesystem type and its source and options follow the " - ".
const { readFileSync } = process.getBuiltinModule('node:fs');

export interface MountEntry {
  mountPoint: string;
  fstype: string;
  source: string;
  /** the filesystem's own options (for cgroup v1: its controllers) */
  superOptions: string[];
}

/** the kernel writes space, tab, newline and backslash as octal escapes */
const unescape = (s: string) => s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));

export function mountinfo(text = readFileSync('/proc/self/mountinfo', 'utf8')): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const [left, right] = line.split(' - ');
    if (!right) continue;
    const [fstype, source, superOptions = ''] = right.split(' ');
    out.push({ mountPoint: unescape(left.split(' ')[4]), fstype, source: unescape(source), superOptions: superOptions.split(',') });
  }
  return out;
}
