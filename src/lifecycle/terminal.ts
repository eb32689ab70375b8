// chapter: 09-daemon
// The terminal of a running -t container, from outside: its monitor (chapter 05)
// holds the master side, so a copy of that fd (pidfd_getfd) is a way in. Bytes
// written to it are typed into the container's terminal (docker attach's stdin), and
// TIOCSWINSZ on it resizes the terminal (docker's resize).
const { closeSync, readdirSync, readlinkSync } = process.getBuiltinModule('node:fs');
import { alive } from '../container/sweep.js';
import { RuntimeError } from '../errors.js';
import { native } from '../native.js';
import type { Container } from './containers.js';

/** a copy of the container's terminal master (close it when done); an error when it has none or does not run */
export function terminalOf(c: Container): number {
  const { cli: monitor, cliStart } = c.state;
  if (!c.config.tty) throw new RuntimeError(`container ${c.config.id} has no terminal (it was not made with -t)`, 'conflict');
  if (c.state.status !== 'running' || !alive(monitor, cliStart)) throw new RuntimeError(`container ${c.config.id} is not running`, 'conflict');
  const pidfd = native.pidfdOpen(monitor!);
  try {
    // the monitor's fd that reads the pseudo-terminal multiplexer: its master side
    const fd = readdirSync(`/proc/${monitor}/fd`).find((n) => {
      try {
        return /ptmx$/.test(readlinkSync(`/proc/${monitor}/fd/${n}`));
      } catch {
        return false;
      }
    });
    if (fd === undefined) throw new RuntimeError(`container ${c.config.id}: its monitor holds no terminal`);
    return native.pidfdGetfd(pidfd, Number(fd));
  } finally {
    closeSync(pidfd);
  }
}

/** docker's resize: the terminal's rows and columns */
export function resizeTerminal(c: Container, rows: number, cols: number): void {
  const master = terminalOf(c);
  try {
    native.setWinsize(master, rows, cols);
  } finally {
    closeSync(master);
  }
}
