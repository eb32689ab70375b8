// chapter: 01-namespaces
// A speculative init. `run`'s init is a second node: it boots in ~30 ms, and the CLI
// would only start it once it has loaded its commands and parsed the flags. So the
// entry (src/cli.ts) starts it first, for a command line that looks like a run in
// the foreground, before anything else loads; run adopts it (src/run.ts), and the
// init takes its stdio from the CLI once it gets its spec (InitSpec.stdio). A guess
// that was wrong costs nothing but the init's start: `run -d` and `--network host`
// start their own init later, and this one is killed.
import { startEarlyInit } from '../container/process.js';
import { foreground } from './foreground.js';

/** the global options that take a value (src/cli/main.ts) */
const GLOBAL_VALUES = ['--root', '-l', '--log-level'];

/** `[global options] run …`, as root, and neither detached nor on the host's network */
function foregroundRun(argv: string[]): boolean {
  let i = 0;
  while (i < argv.length && argv[i].startsWith('-')) i += GLOBAL_VALUES.includes(argv[i]) ? 2 : 1;
  if (argv[i] !== 'run' || process.getuid?.() !== 0) return false;
  const rest = argv.slice(i + 1);
  const detached = rest.some((a) => a === '--detach' || a === '--detach=true' || /^-[a-zA-Z]*d[a-zA-Z]*$/.test(a));
  const hostNetwork = rest.some((a, j) => /^--net(work)?=host$/.test(a) || (/^--net(work)?$/.test(a) && rest[j + 1] === 'host'));
  return !detached && !hostNetwork;
}

export function startSpeculativeInit(argv: string[]): void {
  if (foregroundRun(argv)) startEarlyInit(foreground.parentDeathSignal!);
}
