// chapter: 01-namespaces
// The entry point (bin/mydocker runs dist/cli.js): run the command line, then exit
// with its status once all output is written.
//   125  mydocker itself failed (bad flag, bad value, not root, …)
//   126  the command cannot be executed      127  the command was not found
//   otherwise the container's own status (128+N when killed by signal N)
import { UsageError } from './cli/args.js';
import { main } from './cli/main.js';
import { RuntimeError } from './errors.js';
import { log } from './log.js';

main(process.argv.slice(2)).then(
  (status) => exit(status),
  (e: unknown) => {
    const status = e instanceof RuntimeError ? e.status : 125;
    const message = e instanceof UsageError || e instanceof RuntimeError ? e.message : String((e as Error)?.stack ?? e);
    process.stderr.write(`mydocker: ${message}\n`);
    exit(status);
  },
);

/** exit once everything written so far has reached stdout and stderr */
function exit(status: number): void {
  log.debug(`exit status ${status}`);
  process.exitCode = status;
  process.stdout.write('', () => process.stderr.write('', () => process.exit(status)));
}
