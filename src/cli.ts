// chapter: 01-namespaces
// The entry point (bin/mydocker runs dist/cli.js): run the command line, then exit
// with its status once all output is written.
//   125  mydocker itself failed (bad flag, bad value, not root, …)
//   126  the command cannot be executed      127  the command was not found
//   otherwise the container's own status (128+N when killed by signal N)
import { UsageError } from './toolkit/args.js';
import { main } from './cli/main.js';
import { printable, RuntimeError } from './errors.js';
// <step 1.7>
import { causeLines } from './errors.js';
// </step 1.7>
import { debugging, log, trace } from './log.js';

// process.stdout and process.stderr are streams Node makes on first use, and making
// one loads Node's stream modules (~4 ms, ~7 for a pipe). Note the ones this command
// made: only those can hold output that exit() must wait for.
const opened = new Set<NodeJS.WriteStream>();
for (const name of ['stdout', 'stderr'] as const) {
  const make = Object.getOwnPropertyDescriptor(process, name)!.get!;
  Object.defineProperty(process, name, {
    configurable: true,
    enumerable: true,
    get: () => {
      const stream = make.call(process) as NodeJS.WriteStream;
      opened.add(stream);
      return stream;
    },
  });
}

let settled = false;
trace('cli loaded');
main(process.argv.slice(2)).then(
  (status) => {
    settled = true;
    exit(status);
  },
  (e: unknown) => {
    settled = true;
    process.stderr.write(`mydocker: ${errorLine(e)}\n`);
    // <step 1.7>
    if (debugging()) for (const line of causeLines(e)) process.stderr.write(`${line}\n`); // -D: what lies under it
    // </step 1.7>
    exit(e instanceof RuntimeError ? e.status : 125);
  },
);
// the event loop ran dry while the command still awaited something that can no longer
// happen: without this, Node would end the process with status 0, as if it had worked
process.on('beforeExit', () => {
  if (settled) return;
  process.stderr.write('mydocker: internal error: the command stopped before it finished\n');
  process.exit(125);
});

/** every failure is one printable line (what the user typed may hold control characters); only with -D does an unexpected error show its stack */
function errorLine(e: unknown): string {
  if (e instanceof UsageError) return printable(/See '/.test(e.message) ? e.message : `${e.message.replace(/\.$/, '')}. See 'mydocker ${e.command ? `${e.command} ` : ''}--help'.`);
  if (e instanceof RuntimeError) return printable(e.message);
  if (debugging()) return String((e as Error)?.stack ?? e);
  return printable(String((e as Error)?.message ?? e).split('\n')[0]);
}

/** exit once everything written so far has reached stdout and stderr (a pipe's writes are asynchronous) */
function exit(status: number): void {
  log.debug(`exit status ${status}`);
  trace(`exit ${status}`);
  process.exitCode = status;
  const pending = [...opened];
  const next = (): void => void (pending.length ? pending.shift()!.write('', next) : process.exit(status));
  next();
}
