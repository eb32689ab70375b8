// chapter: 09-daemon
// The containers endpoints. Each one calls the function the CLI's command calls
// (src/lifecycle/, src/run.ts's pipeline) and answers with what it returns: the
// daemon holds no container logic and no state of its own. A container is started
// under its monitor (chapter 05), as `run -d` does, so it outlives the daemon; its
// output is the monitor's json-file log, which attach and logs read.
const { closeSync, writeSync } = process.getBuiltinModule('node:fs');
import type { Duplex } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseOptions } from '../toolkit/args.js';
import { runOptions, runOptionsFrom } from '../cli/run-options.js';
import type { ContainerState } from '../container/state.js';
import { RuntimeError } from '../errors.js';
import { psList, removeContainers, statusText } from '../lifecycle/commands.js';
import { getContainer, isRunning, type Container } from '../lifecycle/containers.js';
import { inspectContainers } from '../lifecycle/inspect.js';
import { readLogs } from '../lifecycle/logs.js';
import { killContainers, stopContainer } from '../lifecycle/signal.js';
import { createContainer, startContainers } from '../lifecycle/start.js';
import { parseTimestamp } from '../lifecycle/since.js';
import { resizeTerminal, terminalOf } from '../lifecycle/terminal.js';
import { holdWhile, isAutoRemove, markAutoRemove, removedExits, removeWhenEnded } from './autoremove.js';
import { runArgs } from './create.js';
import { recordContainer, watchDie } from './events.js';
import { outputWriter, upgrade, type StreamName } from './frames.js';
import { flag, open, queryFilters, readBody, reply, type Call, type Out, type Route } from './router.js';

/** the state of the container now (swept), or undefined once it is gone */
function stateNow(root: string, id: string): ContainerState | undefined {
  try {
    return getContainer(root, id).state;
  } catch {
    return undefined;
  }
}

/** poll the record until test says yes, the container is gone (undefined) or the client left */
async function until(root: string, id: string, out: Out, test: (s: ContainerState) => boolean): Promise<ContainerState | undefined> {
  for (;;) {
    const s = stateNow(root, id);
    if (!s || test(s) || out.closed) return s;
    await sleep(50);
  }
}

/** docker ps's row */
function psRow(c: Container): Record<string, unknown> {
  const { config, state } = c;
  const ports = (state.network?.ports ?? []).filter(() => state.status === 'running');
  return {
    Id: config.id,
    Names: [`/${config.name}`],
    Image: config.imageRef ?? config.image ?? '',
    ImageID: config.image ?? '',
    Command: config.args.join(' '),
    Created: Math.floor(Date.parse(config.created) / 1000),
    Ports: ports.map((p) => ({ IP: p.hostIp || '0.0.0.0', PrivatePort: p.containerPort, PublicPort: p.hostPort, Type: p.proto })),
    Labels: {},
    State: isRunning(state) ? 'running' : state.status === 'running' ? 'exited' : state.status,
    Status: statusText(state),
    HostConfig: { NetworkMode: 'default' },
    NetworkSettings: { Networks: {} },
    Mounts: [],
  };
}


/** the streams a client asked for: ?stdout=1&stderr=1 */
function streams(q: URLSearchParams): Set<StreamName> {
  return new Set((['stdout', 'stderr'] as const).filter((s) => flag(q, s)));
}

/** docker's --since/--until over the API: Unix seconds (with a fraction); 0 means none */
function apiTime(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (!v || v === '0') return undefined;
  return parseTimestamp(v, name);
}

/** POST /containers/{id}/wait: the headers at once, the exit code once the condition holds */
async function wait(root: string, call: Call): Promise<void> {
  const condition = call.query.get('condition') || 'not-running';
  if (!['not-running', 'next-exit', 'removed'].includes(condition)) throw new RuntimeError(`invalid condition: "${condition}"`, 'usage');
  const c = getContainer(root, call.params.id);
  const id = c.config.id;
  const first = c.state;
  // the answer starts now (200, headers flushed): the client knows its wait is in place before it starts the container
  const out = open(call, 200, { 'Content-Type': 'application/json' });
  let last = first;
  const s = await until(root, id, out, (s) => {
    last = s;
    if (condition === 'not-running') return s.status !== 'running';
    if (condition === 'next-exit') return s.status === 'exited' && !(first.status === 'exited' && s.startedAt === first.startedAt);
    return false; // removed: until the record is gone
  });
  const code = s ? (s.exitCode ?? 0) : (removedExits.get(id) ?? last.exitCode ?? 0);
  out.write(`${JSON.stringify({ Error: null, StatusCode: code })}\n`);
  out.end();
}

/** POST /containers/{id}/attach: the connection taken over (101), the container's output framed on it until it ends */
async function attach(root: string, call: Call): Promise<void> {
  const c = getContainer(root, call.params.id); // a 404 comes before the upgrade
  const id = c.config.id;
  const since = Date.now();
  const wanted = streams(call.query);
  let out: Out;
  if (call.socket) {
    const socket = call.socket;
    upgrade(socket);
    // stdin: typed into the container's terminal (-t); without one it is drained (a later
    // slice). The client's end of its half (docker closes its write side at once when it
    // sends no stdin) is not its leaving
    if (flag(call.query, 'stdin') && c.config.tty) typeInto(root, id, socket);
    else socket.resume();
    out = { write: (b) => void socket.write(b), end: () => socket.end(), get closed() { return socket.destroyed; } };
  } else out = open(call, 200, { 'Content-Type': 'application/vnd.docker.raw-stream' });
  const write = outputWriter(out, c.config.tty);
  const show = (e: { log: string; stream: StreamName }) => {
    if (out.closed) throw new Error('the client went away');
    if (wanted.has(e.stream)) write(e.stream, Buffer.from(e.log));
  };
  const reading = (async () => {
    const logs = flag(call.query, 'logs');
    if (!flag(call.query, 'stream')) return logs ? readLogs(root, id, { follow: false }, show) : undefined;
    // attach comes before start (docker run): follow from the container's (next) start
    // (or a start that failed: its record has a new end, and no new start)
  const started = await until(root, id, out, (s) => s.status === 'running' || s.startedAt !== c.state.startedAt || s.finishedAt !== c.state.finishedAt);
    if (!started || out.closed) return;
    await readLogs(root, id, { follow: true, since: logs ? undefined : since }, show);
  })();
  holdWhile(id, reading);
  try {
    await reading;
  } catch {
    // the client left, or the container went: the stream just ends
  }
  out.end();
}

/** the client's bytes into the container's terminal, once it runs (what came before waits) */
function typeInto(root: string, id: string, socket: Duplex): void {
  let master: number | undefined;
  const pending: Buffer[] = [];
  const write = (d: Buffer) => {
    try {
      writeSync(master!, d);
    } catch {
      // the terminal is gone: the container has ended
    }
  };
  socket.on('data', (d: Buffer) => (master === undefined ? pending.push(d) : write(d)));
  socket.resume();
  socket.once('close', () => master !== undefined && closeSync(master));
  void (async () => {
    for (let i = 0; i < 600 && master === undefined && !socket.destroyed; i++) {
      try {
        master = terminalOf(getContainer(root, id));
      } catch {
        await sleep(50); // not started yet
      }
    }
    pending.splice(0).forEach(write);
  })();
}

/** cgroupParent: the daemon's --cgroup-parent, for a container that names none */
export function containerRoutes(root: string, cgroupParent?: string): Route[] {
  return [
    {
      method: 'POST',
      path: '/containers/create',
      async handler(call) {
        const body = await readBody<Record<string, unknown>>(call);
        const { opts, rest } = parseOptions(runArgs(body, call.query.get('name'), cgroupParent), runOptions);
        const o = runOptionsFrom(opts, rest);
        const id = await createContainer(root, o);
        if ((body.HostConfig as { AutoRemove?: boolean } | undefined)?.AutoRemove === true) markAutoRemove(root, id);
        recordContainer(root, 'create', id);
        reply(call, 201, { Id: id, Warnings: [] });
      },
    },
    {
      method: 'GET',
      path: '/containers/json',
      handler(call) {
        const limit = Number(call.query.get('limit') ?? -1); // docker ps -n N, -l (the last one)
        const list = psList(root, { all: flag(call.query, 'all') || limit > 0, filters: queryFilters(call.query) });
        reply(call, 200, (limit > 0 ? list.slice(0, limit) : list).map(psRow));
      },
    },
    {
      method: 'GET',
      path: '/containers/{id}/json',
      handler(call) {
        const c = inspectContainers(root, [call.params.id])[0] as { Id: string; HostConfig: Record<string, unknown> };
        c.HostConfig = { NetworkMode: 'default', LogConfig: { Type: 'json-file', Config: {} }, RestartPolicy: { Name: 'no', MaximumRetryCount: 0 }, ...c.HostConfig, AutoRemove: c.HostConfig.AutoRemove === true || isAutoRemove(root, c.Id) };
        reply(call, 200, { Platform: 'linux', Driver: 'overlay', Mounts: [], ...c });
      },
    },
    {
      method: 'POST',
      path: '/containers/{id}/start',
      async handler(call) {
        const c = getContainer(root, call.params.id);
        if (isRunning(c.state)) return reply(call, 304);
        try {
          for await (const o of startContainers(root, [c.config.id], { attach: false, interactive: false })) if (o.error) throw o.error;
          recordContainer(root, 'start', c);
          void watchDie(root, c.config.id);
        } finally {
          if (isAutoRemove(root, c.config.id)) void removeWhenEnded(root, c.config.id); // a start that failed too: the record says exited
        }
        reply(call, 204);
      },
    },
    {
      method: 'POST',
      path: '/containers/{id}/wait',
      handler: (call) => wait(root, call),
    },
    {
      method: 'POST',
      path: '/containers/{id}/attach',
      handler: (call) => attach(root, call),
    },
    {
      method: 'GET',
      path: '/containers/{id}/logs',
      async handler(call) {
        const q = call.query;
        const wanted = streams(q);
        if (wanted.size === 0) throw new RuntimeError('Bad parameters: you must choose at least one stream', 'usage');
        const c = getContainer(root, call.params.id);
        const tail = q.get('tail');
        if (tail && tail !== 'all' && !/^\d+$/.test(tail)) throw new RuntimeError(`invalid value for "tail": "${tail}"`, 'usage');
        const o = { follow: flag(q, 'follow'), tail: !tail || tail === 'all' ? undefined : Number(tail), since: apiTime(q, 'since'), until: apiTime(q, 'until') };
        const timestamps = flag(q, 'timestamps');
        const out = open(call, 200, { 'Content-Type': 'application/vnd.docker.raw-stream' });
        const write = outputWriter(out, c.config.tty);
        try {
          await readLogs(root, c.config.id, o, (e) => {
            if (out.closed) throw new Error('the client went away');
            if (wanted.has(e.stream)) write(e.stream, Buffer.from(timestamps ? `${e.time} ${e.log}` : e.log));
          });
        } catch {
          // the client left
        }
        out.end();
      },
    },
    {
      method: 'POST',
      path: '/containers/{id}/stop',
      async handler(call) {
        const c = getContainer(root, call.params.id);
        if (!isRunning(c.state)) return reply(call, 304);
        const t = call.query.get('t');
        if (t !== null && !/^-?\d+$/.test(t)) throw new RuntimeError(`invalid value for "t": "${t}"`, 'usage');
        await stopContainer(root, c, t === null ? 10 : Math.max(0, Number(t)));
        reply(call, 204);
      },
    },
    {
      method: 'POST',
      path: '/containers/{id}/kill',
      async handler(call) {
        const ref = call.params.id;
        const c = getContainer(root, ref);
        if (!isRunning(c.state)) throw new RuntimeError(`Cannot kill container: ${ref}: Container ${c.config.id} is not running`, 'conflict');
        for await (const o of killContainers(root, [c.config.id], call.query.get('signal') || 'KILL')) if (o.error) throw o.error;
        reply(call, 204);
      },
    },
    {
      method: 'DELETE',
      path: '/containers/{id}',
      async handler(call) {
        const c = getContainer(root, call.params.id);
        for await (const o of removeContainers(root, [c.config.id], flag(call.query, 'force'))) if (o.error) throw o.error;
        recordContainer(root, 'destroy', c);
        reply(call, 204);
      },
    },
    {
      method: 'POST',
      path: '/containers/{id}/resize',
      handler(call) {
        const [h, w] = [Number(call.query.get('h')), Number(call.query.get('w'))];
        if (!(h > 0 && w > 0 && h < 65536 && w < 65536)) throw new RuntimeError('resize: h and w must be numbers from 1 to 65535', 'usage');
        resizeTerminal(getContainer(root, call.params.id), h, w);
        reply(call, 200);
      },
    },
    // later slices
    ...['/containers/{id}/restart', '/containers/{id}/pause', '/containers/{id}/unpause', '/containers/{id}/rename', '/containers/{id}/update'].map((path) => ({ method: 'POST', path })),
  ];
}
