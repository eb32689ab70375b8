// chapter: 09-daemon
// The exec endpoints. `docker exec` is three requests: create (the daemon writes the
// command down and answers an id), start (the connection is hijacked, as for attach,
// and the process runs: chapter 05's execCommand, its stdio wired to the connection
// instead of the CLI's), then json (the CLI asks for the exit code). The exec records
// live in the daemon's memory, as dockerd's do: they mean nothing once it has gone.
const { closeSync, openSync } = process.getBuiltinModule('node:fs');
import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import type { Attachment } from '../container/stdio.js';
import { ERROR_KINDS, RuntimeError } from '../errors.js';
import { execCommand } from '../lifecycle/exec.js';
import { getContainer, isRunning } from '../lifecycle/containers.js';
import { native, O_CLOEXEC } from '../native.js';
import { frame, upgrade, type StreamName } from './frames.js';
import { open, readBody, reply, type Call, type Out, type Route } from './router.js';

interface ExecRecord {
  ID: string;
  ContainerID: string;
  Running: boolean;
  ExitCode: number | null;
  Pid: number;
  OpenStdin: boolean;
  OpenStdout: boolean;
  OpenStderr: boolean;
  ProcessConfig: { tty: boolean; entrypoint: string; arguments: string[]; privileged: boolean; user: string };
  /** what execCommand is asked */
  env: string[];
  workdir?: string;
  /** a copy of its terminal's master while it runs (-t): for resize */
  master?: number;
}

const execs = new Map<string, ExecRecord>();

const strings = (v: unknown, field: string): string[] => {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) throw new RuntimeError(`json: ${field} must be an array of strings`, 'usage');
  return v as string[];
};

function getContainerOrNone(root: string, id: string): unknown {
  try {
    return getContainer(root, id);
  } catch {
    return undefined;
  }
}

function findExec(id: string): ExecRecord {
  const e = execs.get(id);
  if (!e) throw new RuntimeError(`No such exec instance: ${id}`, 'notFound');
  return e;
}

/** POST /containers/{id}/exec: the command written down, not run yet */
async function create(root: string, call: Call): Promise<void> {
  const body = await readBody<Record<string, unknown>>(call);
  const c = getContainer(root, call.params.id);
  if (!isRunning(c.state)) throw new RuntimeError(`Container ${c.config.id} is not running`, 'conflict');
  const cmd = strings(body.Cmd, 'Cmd');
  if (!cmd.length) throw new RuntimeError('No exec command specified', 'usage');
  if (body.Privileged === true) throw new RuntimeError('exec --privileged is not supported by mydockerd', 'usage');
  const workdir = typeof body.WorkingDir === 'string' && body.WorkingDir ? body.WorkingDir : undefined;
  if (workdir && !workdir.startsWith('/')) throw new RuntimeError(`the working directory '${workdir}' is invalid, it needs to be an absolute path`, 'usage');
  // the records of execs that have ended in containers that are gone: nobody can ask for them
  for (const [old, r] of execs) if (!r.Running && !getContainerOrNone(root, r.ContainerID)) execs.delete(old);
  const id = randomBytes(32).toString('hex');
  execs.set(id, {
    ID: id,
    ContainerID: c.config.id,
    Running: false,
    ExitCode: null,
    Pid: 0,
    OpenStdin: body.AttachStdin === true,
    OpenStdout: body.AttachStdout === true,
    OpenStderr: body.AttachStderr === true,
    ProcessConfig: { tty: body.Tty === true, entrypoint: cmd[0], arguments: cmd.slice(1), privileged: false, user: typeof body.User === 'string' ? body.User : '' },
    env: strings(body.Env, 'Env'),
    workdir,
  });
  reply(call, 201, { Id: id });
}

/**
 * The process's stdio on the client's connection: pipes whose output is framed
 * (stream 1, stream 2), or with -t the terminal's master, raw both ways. What the
 * client sends is its stdin; its end (the client closed its half) closes the pipe.
 */
function connectionIO(out: Out, input: Duplex | undefined, e: ExecRecord): Attachment {
  const net = process.getBuiltinModule('node:net');
  const childEnds: number[] = [];
  const outputs: Promise<void>[] = [];
  const reader = (fd: number, each: (d: Buffer) => void) =>
    new Promise<void>((done) => {
      const s = new net.Socket({ fd, readable: true, writable: false });
      s.on('data', each);
      s.on('end', done);
      s.on('error', () => done());
      s.on('close', () => done());
    });
  if (e.ProcessConfig.tty) {
    let drained!: (p: Promise<void>) => void;
    const whenDrained = new Promise<Promise<void>>((r) => (drained = r));
    return {
      stdio: [-1, -1, -1], // unused: the addon opens the terminal inside the container
      spawned: () => {},
      connect(master) {
        e.master = native.dupCloexec(master);
        const term = new (process.getBuiltinModule('node:tty').ReadStream)(master);
        if (input && e.OpenStdin) input.on('data', (d: Buffer) => term.write(d)).resume();
        else input?.resume(); // drained: the client's end of its half is not its leaving
        drained(
          new Promise<void>((done) => {
            term.on('data', (d: Buffer) => out.write(d));
            term.on('error', () => done()); // EIO: the last slave fd closed
            term.on('end', done);
            term.on('close', () => done());
          }).then(() => void term.destroy()),
        );
      },
      drained: whenDrained.then((p) => p),
      restore: () => {
        if (e.master !== undefined) closeSync(e.master);
        e.master = undefined;
      },
    };
  }
  let stdin: number;
  if (input && e.OpenStdin) {
    const [r, w] = native.pipe2(O_CLOEXEC);
    stdin = r;
    childEnds.push(r);
    const sink = new net.Socket({ fd: w, readable: false, writable: true });
    sink.on('error', () => {});
    input.pipe(sink); // the client's end of its half ends the pipe: the command reads EOF
  } else {
    stdin = openSync('/dev/null', 'r');
    childEnds.push(stdin);
    input?.resume();
  }
  const output = (stream: StreamName, wanted: boolean) => {
    const [r, w] = native.pipe2(O_CLOEXEC);
    childEnds.push(w);
    outputs.push(reader(r, (d) => wanted && out.write(frame(stream, d))));
    return w;
  };
  return {
    stdio: [stdin, output('stdout', e.OpenStdout), output('stderr', e.OpenStderr)],
    spawned: () => childEnds.splice(0).forEach((fd) => closeSync(fd)),
    connect: () => {},
    drained: Promise.all(outputs).then(() => {}),
    restore: () => {},
  };
}

/** exec -d: stdin, stdout and stderr all /dev/null */
function nowhere(): Attachment {
  const devnull = openSync('/dev/null', 'r+');
  return { stdio: [devnull, devnull, devnull], spawned: () => closeSync(devnull), connect: () => {}, drained: Promise.resolve(), restore: () => {} };
}

/** POST /exec/{id}/start: hijacked (or a plain streamed answer), the process run, its exit code kept for json */
async function start(root: string, call: Call): Promise<void> {
  const body = await readBody<{ Detach?: boolean; Tty?: boolean }>(call);
  const e = findExec(call.params.id);
  if (e.Running || e.ExitCode !== null) throw new RuntimeError(`Error: Exec command ${e.ID} has already run`, 'conflict');
  const c = getContainer(root, e.ContainerID);
  if (!isRunning(c.state)) throw new RuntimeError(`Container ${c.config.id} is not running`, 'conflict');
  const command = [e.ProcessConfig.entrypoint, ...e.ProcessConfig.arguments];
  const options = { interactive: e.OpenStdin, tty: e.ProcessConfig.tty, env: e.env, workdir: e.workdir, user: e.ProcessConfig.user || undefined, command };
  if (body.Detach === true) {
    // the daemon outlives the process, so it must reap it (a zombie in the container's
    // PID namespace would hold the namespace, and the container, after its PID 1 died):
    // run as attached, to nowhere. A command that cannot run fails in the spawn, before
    // execCommand's first await: by the next turn of the loop the promise has said so
    e.Running = true;
    const running = execCommand(root, e.ContainerID, { ...options, tty: false, detach: false, io: nowhere() });
    running
      .then(
        (code) => (e.ExitCode = code),
        (err) => (e.ExitCode = err instanceof RuntimeError && (err.kind === 'commandNotFound' || err.kind === 'cannotRun') ? ERROR_KINDS[err.kind].exit : 126),
      )
      .finally(() => (e.Running = false));
    await Promise.race([running, new Promise((r) => setImmediate(r))]);
    return reply(call, 200);
  }
  let out: Out;
  if (call.socket) {
    const socket = call.socket;
    upgrade(socket);
    out = { write: (b) => void socket.write(b), end: () => socket.end(), get closed() { return socket.destroyed; } };
  } else out = open(call, 200, { 'Content-Type': 'application/vnd.docker.raw-stream' });
  e.Running = true;
  try {
    e.ExitCode = await execCommand(root, e.ContainerID, { ...options, detach: false, io: connectionIO(out, call.socket, e) });
  } catch (err) {
    // the process never ran: dockerd's exit code for why (127 not found, 126 cannot run), and its words on the stream
    e.ExitCode = err instanceof RuntimeError && (err.kind === 'commandNotFound' || err.kind === 'cannotRun') ? ERROR_KINDS[err.kind].exit : 126;
    const message = Buffer.from(`OCI runtime exec failed: ${(err as Error).message}\r\n`);
    out.write(e.ProcessConfig.tty ? message : frame('stdout', message));
  } finally {
    e.Running = false;
  }
  out.end();
}

export function execRoutes(root: string): Route[] {
  return [
    { method: 'POST', path: '/containers/{id}/exec', handler: (call) => create(root, call) },
    { method: 'POST', path: '/exec/{id}/start', handler: (call) => start(root, call) },
    {
      method: 'POST',
      path: '/exec/{id}/resize',
      handler(call) {
        const e = findExec(call.params.id);
        const [h, w] = [Number(call.query.get('h')), Number(call.query.get('w'))];
        if (!(h > 0 && w > 0 && h < 65536 && w < 65536)) throw new RuntimeError('resize: h and w must be numbers from 1 to 65535', 'usage');
        if (e.master === undefined) throw new RuntimeError(`exec ${e.ID} has no terminal, or is not running`, 'conflict');
        native.setWinsize(e.master, h, w);
        reply(call, 200);
      },
    },
    {
      method: 'GET',
      path: '/exec/{id}/json',
      handler(call) {
        const { env: _env, workdir: _workdir, master: _master, ...e } = findExec(call.params.id);
        reply(call, 200, { ...e, CanRemove: false, DetachKeys: '' });
      },
    },
  ];
}
