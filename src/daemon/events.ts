// chapter: 09-daemon
// GET /events: what this daemon did, as dockerd's event messages. Each endpoint
// that changes something records an event here once it has succeeded (container
// create, start, die, destroy; image pull, push, tag, untag, delete, load; commit);
// a container's end is seen by watching its record, as the wait endpoint does.
// The log is the daemon's memory: the last 1000 events, for ?since= (what the CLI
// did without the daemon is not in it: dockerd's log is its own too). A request
// gets the past events in [since, until] and then, unless until has passed, the
// new ones as they happen; ?filters= narrows both by type, event, container, image.
import { RuntimeError } from '../errors.js';
import type { ContainerState } from '../container/state.js';
import { getContainer, waitState, type Container } from '../lifecycle/containers.js';
import { open, queryFilters, type Route } from './router.js';

interface Message {
  status?: string;
  id?: string;
  from?: string;
  Type: 'container' | 'image';
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: 'local';
  time: number;
  timeNano: number;
}

const KEEP = 1000;
const past: Message[] = [];
const listeners = new Set<(m: Message) => void>();

/** record one event: kept for ?since=, and sent to every open /events stream */
export function record(type: Message['Type'], action: string, id: string, attributes: Record<string, string> = {}): void {
  const nano = BigInt(Date.now()) * 1_000_000n + process.hrtime.bigint() % 1_000_000n;
  const m: Message = { Type: type, Action: action, Actor: { ID: id, Attributes: attributes }, scope: 'local', time: Number(nano / 1_000_000_000n), timeNano: Number(nano) };
  // the fields of API versions before 1.22, which the docker CLI still reads
  if (type === 'container') Object.assign(m, { status: action, id, from: attributes.image ?? '' });
  if (type === 'image') Object.assign(m, { status: action, id });
  past.push(m);
  if (past.length > KEEP) past.shift();
  for (const l of listeners) l(m);
}

/** a container's event, with its name and image, as dockerd's Attributes (c: read before it was removed) */
export function recordContainer(root: string, action: string, ref: string | Container, extra: Record<string, string> = {}): void {
  try {
    const { config } = typeof ref === 'string' ? getContainer(root, ref) : ref;
    record('container', action, config.id, { image: config.imageRef ?? config.image ?? '', name: config.name, ...extra });
  } catch {
    record('container', action, ref as string, extra); // already gone
  }
}

/** rmi's lines as events: "Untagged: busybox:latest" (untag, of image id), "Deleted: sha256:…" (delete) */
export function recordImageLines(id: string, lines: string[]): void {
  for (const line of lines) {
    const at = line.indexOf(': ');
    const [what, value] = [line.slice(0, at), line.slice(at + 2)];
    if (what === 'Untagged') record('image', 'untag', id, { name: value });
    if (what === 'Deleted') record('image', 'delete', value, { name: value });
  }
}

const ended = new Set<string>();

/** die, once per start of the container: when its record says it ended */
export function recordDie(root: string, id: string, s: ContainerState): void {
  const key = `${id}@${s.startedAt}`;
  if (ended.has(key)) return;
  ended.add(key);
  setTimeout(() => ended.delete(key), 60_000).unref();
  recordContainer(root, 'die', id, { exitCode: String(s.exitCode ?? 0) });
}

/** a started container: its die event once it ends */
export async function watchDie(root: string, id: string): Promise<void> {
  const s = await waitState(root, id, (s) => s.status !== 'running', Infinity);
  if (s) recordDie(root, id, s);
}

/** ?since= / ?until=: Unix seconds, with a fraction (the CLI turns "10m" into one) */
function seconds(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (!v) return undefined;
  if (!/^\d+(\.\d+)?$/.test(v)) throw new RuntimeError(`invalid value for "${name}": "${v}" (Unix seconds)`, 'usage');
  return Number(v) * 1000;
}

const FILTERS = ['type', 'event', 'container', 'image'];

/** the filters as a test of a message: values of one key are alternatives, keys all must hold */
function matcher(q: URLSearchParams): (m: Message) => boolean {
  const want = new Map<string, string[]>();
  for (const f of queryFilters(q)) {
    const at = f.indexOf('=');
    const [key, value] = [f.slice(0, at), f.slice(at + 1)];
    if (!FILTERS.includes(key)) throw new RuntimeError(`invalid filter '${key}' (mydockerd's events filter by ${FILTERS.join(', ')})`, 'usage');
    want.set(key, [...(want.get(key) ?? []), value]);
  }
  const one = (key: string, m: Message): boolean => {
    const values = want.get(key)!;
    if (key === 'type') return values.includes(m.Type);
    if (key === 'event') return values.includes(m.Action);
    if (key === 'container') return m.Type === 'container' && values.some((v) => m.Actor.ID.startsWith(v) || m.Actor.Attributes.name === v);
    return (m.Type === 'image' && values.some((v) => m.Actor.ID === v || m.Actor.ID.startsWith(`sha256:${v}`) || m.Actor.Attributes.name === v)) || (m.Type === 'container' && values.includes(m.Actor.Attributes.image));
  };
  return (m) => [...want.keys()].every((key) => one(key, m));
}

export function eventRoutes(): Route[] {
  return [
    {
      method: 'GET',
      path: '/events',
      async handler(call) {
        const since = seconds(call.query, 'since');
        const until = seconds(call.query, 'until');
        const match = matcher(call.query);
        const out = open(call, 200, { 'Content-Type': 'application/json' });
        const inTime = (m: Message) => m.timeNano / 1e6 >= (since ?? Infinity) && (until === undefined || m.timeNano / 1e6 <= until);
        const send = (m: Message) => void (match(m) && out.write(`${JSON.stringify(m)}\n`));
        if (since !== undefined) past.filter(inTime).forEach(send);
        if (until !== undefined && until <= Date.now()) return out.end();
        await new Promise<void>((done) => {
          const listener = (m: Message) => (until === undefined || m.timeNano / 1e6 <= until) && send(m);
          listeners.add(listener);
          const timer = until === undefined ? undefined : setTimeout(finish, Math.min(until - Date.now(), 2 ** 31 - 1)); // a timer's longest wait
          const poll = setInterval(() => out.closed && finish(), 500); // the client went away
          function finish() {
            listeners.delete(listener);
            clearTimeout(timer);
            clearInterval(poll);
            done();
          }
        });
        out.end();
      },
    },
  ];
}
