// Wiring the container's stdin/stdout/stderr to the CLI's.
// Without -t: files and pipes are handed over as they are (nothing to copy, no
// output lost); a terminal is never handed over (a process holding a tty fd can
// push keystrokes into it with TIOCSTI), so it gets a pipe we copy through.
// Without -i, stdin is /dev/null.
// node:net and node:tty are loaded where they are used, never on the path of a run
// whose stdio is handed over: with their streams they cost ~10 ms of every start.
// With -t: a new pseudo-terminal; its slave becomes the container's stdio and
// controlling terminal, the CLI's own terminal goes raw and we copy both ways.
const { closeSync, openSync, readSync } = process.getBuiltinModule('node:fs');
import type { Socket } from 'node:net';
import { O_CLOEXEC, native } from '../native.js';
import type { Stdio } from './process.js';

export interface Attachment {
  stdio: Stdio;
  /** call once the container process exists: drops our copies of its ends */
  spawned(): void;
  /** with -t: the terminal's master side, once the init has made it */
  connect(master: number): void;
  /** resolves when every output stream reached its end */
  drained: Promise<void>;
  /** give the CLI's terminal back (idempotent) */
  restore(): void;
}

export function attach(opts: { interactive: boolean; tty: boolean }): Attachment {
  return opts.tty ? attachTerminal(opts.interactive) : attachPipes(opts.interactive);
}

function attachPipes(interactive: boolean): Attachment {
  const childEnds: number[] = [];
  const outputs: Promise<void>[] = [];
  const cleanups: (() => void)[] = [];

  let stdin: number;
  if (!interactive) {
    stdin = openSync('/dev/null', 'r');
    childEnds.push(stdin);
  } else if (native.isatty(0)) {
    const [r, w] = native.pipe2(O_CLOEXEC);
    stdin = r;
    childEnds.push(r);
    const sink = new (process.getBuiltinModule('node:net').Socket)({ fd: w, readable: false, writable: true });
    process.stdin.pipe(sink);
    cleanups.push(() => {
      process.stdin.unpipe(sink);
      process.stdin.pause();
      sink.destroy();
    });
  } else {
    stdin = 0;
  }
  const out = (fd: 1 | 2): number => {
    if (!native.isatty(fd)) return fd;
    const [r, w] = native.pipe2(O_CLOEXEC);
    childEnds.push(w);
    outputs.push(copy(new (process.getBuiltinModule('node:net').Socket)({ fd: r, readable: true, writable: false }), fd === 1 ? process.stdout : process.stderr));
    return w;
  };
  return {
    stdio: [stdin, out(1), out(2)], // process.stdout is a stream made on first use: only when copied to
    spawned: () => childEnds.splice(0).forEach((fd) => closeSync(fd)),
    connect: () => {},
    drained: Promise.all(outputs).then(() => {}),
    restore: () => cleanups.splice(0).forEach((f) => f()),
  };
}

/**
 * -t: the init opens a new terminal inside the container (its own /dev/pts, as runc
 * does) and we take a copy of the master side. Our terminal goes raw, so ^C and
 * friends travel as bytes to the container's terminal, which turns them into signals.
 */
function attachTerminal(interactive: boolean): Attachment {
  const devnull = openSync('/dev/null', 'r+');
  let master = -1;
  const size = () => {
    const t = process.stdout.isTTY ? process.stdout : process.stderr.isTTY ? process.stderr : null;
    if (master >= 0 && t?.columns && t.rows) native.setWinsize(master, t.rows, t.columns);
  };
  let raw = false;
  const restore = () => {
    process.removeListener('SIGWINCH', size);
    if (raw) {
      process.stdin.setRawMode(false);
      raw = false;
    }
    process.stdin.pause();
  };
  process.once('exit', restore);

  let drained!: (p: Promise<void>) => void;
  const whenDrained = new Promise<Promise<void>>((r) => (drained = r));
  return {
    // until it execs, the init keeps our stderr (so a crash is visible)
    stdio: [devnull, devnull, 2],
    spawned: () => closeSync(devnull),
    connect(fd: number) {
      master = fd;
      size();
      process.on('SIGWINCH', size);
      // our own copy of the master, for the last read: the stream closes its fd when it ends
      const last = native.dupCloexec(master);
      const term = new (process.getBuiltinModule('node:tty').ReadStream)(master); // a duplex stream on the master side
      drained(
        new Promise<void>((resolve) => {
          term.on('data', (d) => process.stdout.write(d));
          // the last slave fd closed: Linux reports EIO on the master, our "end of output"
          term.on('error', () => resolve());
          term.on('end', resolve);
          term.on('close', () => resolve());
        }).then(() => {
          term.destroy();
          // libuv stops at the hang-up, but the terminal may still hold output the
          // container wrote just before it exited: read until the kernel says EIO
          drainTerminal(last);
        }),
      );
      if (interactive) {
        if (process.stdin.isTTY) {
          process.stdin.setRawMode(true);
          raw = true;
        }
        process.stdin.on('data', (d) => term.write(d));
        process.stdin.resume();
      }
    },
    drained: whenDrained.then((p) => p),
    restore,
  };
}

/** read what a closed terminal still holds, then close our fd */
function drainTerminal(fd: number): void {
  const buf = Buffer.alloc(64 * 1024);
  try {
    for (let n; (n = readSync(fd, buf)) > 0; ) process.stdout.write(Buffer.from(buf.subarray(0, n))); // a copy: a full pipe queues the write
  } catch {
    // EIO: empty and hung up; EAGAIN: nothing more
  }
  closeSync(fd);
}

function copy(from: Socket, to: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    from.on('data', (d) => to.write(d));
    from.on('end', resolve);
    from.on('error', () => resolve());
    from.on('close', () => resolve());
  });
}
