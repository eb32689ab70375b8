// chapter: 01-namespaces
// Debug and info messages, through consola. Loading consola costs ~20 ms at start,
// so it is loaded only when a message is actually printed (by default only
// warnings are). Errors the user must see are not logs: the CLI prints them as one line.
import { createRequire } from 'node:module';
import type { ConsolaInstance } from 'consola';
import { RuntimeError } from './errors.js';

const LEVELS: Record<string, number> = { fatal: 0, error: 0, warn: 1, info: 3, debug: 4, trace: 5 };
let level = LEVELS.warn;
let consola: ConsolaInstance | undefined;

function logger(): ConsolaInstance {
  const require = createRequire(import.meta.url);
  consola ??= (require('consola/basic') as typeof import('consola/basic')).createConsola({
    level,
    stdout: process.stderr,
    stderr: process.stderr,
  });
  return consola;
}

const at =
  (min: number, method: 'debug' | 'info' | 'warn' | 'error') =>
  (message: string): void => {
    if (level >= min) logger()[method](message);
  };

export const log = { debug: at(4, 'debug'), info: at(3, 'info'), warn: at(1, 'warn'), error: at(0, 'error') };

/**
 * MYDOCKER_TRACE=1: one line on stderr per milestone of a command (`trace: 41.3 ms spawned`),
 * ms since this process started (node's own start included). What the book's appendix on
 * costs measures with; a plain write, so it costs nothing when off and next to nothing when on.
 */
export function trace(point: string): void {
  if (tracing) process.getBuiltinModule('node:fs').writeSync(2, `trace: ${performance.now().toFixed(1)} ms ${point}\n`);
}
const tracing = process.env.MYDOCKER_TRACE === '1';

/** -D: errors mydocker did not expect show their stack */
export const debugging = (): boolean => level >= LEVELS.debug;

export function setLogLevel(name: string): void {
  if (!(name in LEVELS)) throw new RuntimeError(`invalid log level "${name}": use debug, info, warn, error or fatal`, 'usage');
  level = LEVELS[name];
  if (consola) consola.level = level;
}
