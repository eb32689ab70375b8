// chapter: 05-lifecycle step 5.1
// Signals by name or number, as docker's -s and --stop-signal take them.
import { constants } from 'node:os';
import { RuntimeError } from '../errors.js';

/** "KILL", "SIGKILL" or "9" → 9 */
export function signalNumber(name: string): number {
  const upper = name.toUpperCase();
  const n = /^\d+$/.test(name) ? Number(name) : (constants.signals as Record<string, number>)[upper.startsWith('SIG') ? upper : `SIG${upper}`];
  if (n === undefined || n < 1 || n > 64) throw new RuntimeError(`Invalid signal: ${name}`);
  return n;
}
