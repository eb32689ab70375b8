// chapter: 05-lifecycle step 5.2
// logs: the container's output, from docker's json-file log the monitor writes,
// one JSON object a line: {"log":"…","stream":"stdout"|"stderr","time":"…"}.
// Each stream goes back to where it came from: stdout to stdout, stderr to stderr.
// -f follows the file until the container has exited and every line is read.
const { closeSync, existsSync, openSync, readSync } = process.getBuiltinModule('node:fs');
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { exitFile } from '../container/exit.js';
import { containerDir } from '../container/store.js';
import { alive } from '../container/sweep.js';
import { getContainer } from './containers.js';

interface Entry {
  log: string;
  stream: 'stdout' | 'stderr';
  time: string;
}

/** where the entries go, as they are read: the CLI's printer, or (a daemon) a stream of its own */
type LogSink = (e: Entry) => void;

/** the CLI's printer: each entry back to the stream it came from, -t with its time */
const printEntry =
  (timestamps: boolean): LogSink =>
  (e) =>
    (e.stream === 'stderr' ? process.stderr : process.stdout).write(timestamps ? `${e.time} ${e.log}` : e.log);

export async function logsCommand(root: string, ref: string, o: { follow: boolean; tail?: number; timestamps: boolean; since?: number; until?: number }): Promise<number> {
  await readLogs(root, ref, o, printEntry(o.timestamps));
  return 0;
}

/** the container's log entries to show, -f until it has ended */
export async function readLogs(root: string, ref: string, o: { follow: boolean; tail?: number; since?: number; until?: number }, show: LogSink): Promise<void> {
  const c = getContainer(root, ref);
  const dir = containerDir(root, c.config.id);
  const file = join(dir, 'container.log'); // absent: an attached container, its output went to its terminal

  let offset = 0;
  let rest = '';
  // the log stays open once found: a container removed while we follow it (rm right after
  // wait) still has its last lines read from the file, which lives on while it is open
  let fd: number | undefined;
  /** the complete lines added since the last read */
  const readNew = (): Entry[] => {
    try {
      fd ??= openSync(file, 'r');
    } catch {
      return []; // not there (yet, or any more)
    }
    const buf = Buffer.alloc(64 * 1024);
    for (let n; (n = readSync(fd, buf, 0, buf.length, offset)) > 0; offset += n) rest += buf.toString('utf8', 0, n);
    const lines = rest.split('\n');
    rest = lines.pop()!;
    return lines
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Entry)
      .filter((e) => inTime(Date.parse(e.time)));
  };
  // docker's bounds: --since inclusive, --until inclusive (its times have ns, ours ms: an entry's own time finds it)
  const inTime = (t: number) => (o.since === undefined || t >= o.since) && (o.until === undefined || t <= o.until);
  try {
    const first = readNew();
    (o.tail === undefined ? first : o.tail === 0 ? [] : first.slice(-o.tail)).forEach(show);
    if (!o.follow) return;
    // the monitor writes exit.json after the last line: once it is there (or the
    // monitor is gone), one more read has everything
    for (;;) {
      const done = existsSync(exitFile(dir)) || !existsSync(dir) || !monitorAlive(root, c.config.id);
      readNew().forEach(show);
      if (done) return;
      await sleep(100);
    }
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function monitorAlive(root: string, id: string): boolean {
  try {
    const s = getContainer(root, id).state;
    return s.status === 'running' && alive(s.cli, s.cliStart);
  } catch {
    return false;
  }
}
