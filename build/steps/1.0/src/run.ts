// run: yours to write, from step 1.1 of book/01-namespaces.md on.
import type { RunOptions } from './container/config.js';
import { RuntimeError } from './errors.js';

export async function run(_root: string, o: RunOptions, _door: unknown, _id: string): Promise<number> {
  throw new RuntimeError(`TODO step 1.1: run ${o.command[0]} as PID 1 of a new PID namespace, and return its exit status`);
}
