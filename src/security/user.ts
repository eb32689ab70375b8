// chapter: 04-security step 4.2
// --user and --group-add, resolved in the container's own /etc/passwd and
// /etc/group, as docker does (moby/sys/user GetExecUser, GetAdditionalGroups):
// the init reads them after pivot_root, so a name means what the image says.
// Pure functions over the files' text, so they are tested without a container.

export interface ExecUser {
  uid: number;
  gid: number;
  /** setgroups(): the primary group, the user's groups (from /etc/group), --group-add */
  groups: number[];
  home: string;
}

export class UserError extends Error {}

const MAX_ID = 2 ** 31 - 1;

interface Entry {
  name: string;
  id: number;
  gid: number;
  home: string;
  members: string[];
}

/** name:password:UID:GID:GECOS:home:shell */
function passwdEntries(text: string | undefined): Entry[] {
  return lines(text).map((f) => ({ name: f[0] ?? '', id: int(f[2]), gid: int(f[3]), home: f[5] ?? '', members: [] }));
}

/** name:password:GID:user,user */
function groupEntries(text: string | undefined): Entry[] {
  return lines(text).map((f) => ({ name: f[0] ?? '', id: int(f[2]), gid: int(f[2]), home: '', members: f[3] ? f[3].split(',') : [] }));
}

function lines(text: string | undefined): string[][] {
  return (text ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(':'));
}

/** a misbehaving file's field reads as 0, as Go's Atoi with the error ignored */
function int(s: string | undefined): number {
  return /^-?\d+$/.test(s ?? '') ? Number(s) : 0;
}

/** a numeric id, or undefined for a name; out of range is an error */
function numeric(s: string): number | undefined {
  if (!/^-?\d+$/.test(s)) return undefined;
  const n = Number(s);
  if (n < 0 || n > MAX_ID) throw new UserError(`uids and gids must be in range 0-${MAX_ID}`);
  return n;
}

/**
 * USER[:GROUP] (names or numbers; "" is root) → ids. A name must be in the files,
 * a number need not. Without an explicit group, a user found in passwd gets its
 * primary group and every group that lists it as a member.
 */
export function resolveUser(spec: string, groupAdd: string[], passwd?: string, group?: string): ExecUser {
  const colon = spec.indexOf(':');
  const userArg = colon < 0 ? spec : spec.slice(0, colon);
  const groupArg = colon < 0 ? '' : spec.slice(colon + 1);
  const uidArg = numeric(userArg);
  const gidArg = numeric(groupArg);

  const u: ExecUser = { uid: 0, gid: 0, groups: [], home: '/' };
  const users = passwdEntries(passwd).filter((p) => (userArg === '' ? p.id === 0 : uidArg !== undefined ? p.id === uidArg : p.name === userArg));
  let matched: string | undefined;
  if (users.length) {
    matched = users[0].name;
    u.uid = users[0].id;
    u.gid = users[0].gid;
    u.home = users[0].home;
  } else if (userArg !== '') {
    if (uidArg === undefined) throw new UserError(`unable to find user ${userArg}: no matching entries in passwd file`);
    u.uid = uidArg;
  }

  let sgids: number[] = [];
  const groups = groupEntries(group);
  if (groupArg !== '') {
    const g = groups.find((e) => (gidArg !== undefined ? e.id === gidArg : e.name === groupArg));
    if (g) u.gid = g.id;
    else if (gidArg === undefined) throw new UserError(`unable to find group ${groupArg}: no matching entries in group file`);
    else u.gid = gidArg;
  } else if (matched !== undefined) {
    sgids = groups.filter((e) => e.members.includes(matched)).map((e) => e.id);
  }

  const added = groupAdd.map((a) => {
    const n = numeric(a);
    const g = groups.find((e) => (n !== undefined ? e.id === n : e.name === a));
    if (g) return g.id;
    if (n === undefined) throw new UserError(`unable to find group ${a}: no matching entries in group file`);
    return n;
  });
  u.groups = [...new Set([u.gid, ...sgids, ...added])];
  return u;
}
