// Wiring the container's stdin/stdout/stderr to the CLI's.
// Without -t: files and pipes are handed over as they are (nothing to copy, no
// output lost); a terminal is never handed over (a process holding a tty fd can
// push keystrokes into it with TIOCSTI), so it gets a pipe we copy through.
// Without -i, stdin is /dev/null.
// node:net and node:tty are loaded where they are used, never on the path of a run
// whose stdio is handed over: with their streams they cost ~10 ms of every start.
// With -t: a new pseudo-terminal; its slave becomes the container's stdio and
// controlling terminal, the CLI's own terminal goes raw and we copy both ways.
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
  void opts; // -i and -t: step 1.5
  // the CLI's own stdin, stdout and stderr, handed over as they are
  return { stdio: [0, 1, 2], spawned: () => {}, connect: () => {}, drained: Promise.resolve(), restore: () => {} };
}
