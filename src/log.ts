// chapter: 01-namespaces
// Debug and info messages (consola's small build: the full one costs ~20 ms at start).
// Errors the user must see are not logs: the CLI prints them as one line itself.
import { createConsola, LogLevels } from 'consola/basic';

export const log = createConsola({ level: LogLevels.warn, stdout: process.stderr, stderr: process.stderr });

export function setLogLevel(name: string): void {
  const level = (LogLevels as Record<string, number>)[name];
  if (level === undefined) throw new Error(`invalid log level "${name}": use debug, info, warn, error or fatal`);
  log.level = level;
}
