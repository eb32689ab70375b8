// The init's steps, in order: each does nothing when its part of the spec is empty.
// Like src/steps.ts for the CLI, this list is where a chapter adds a line.
import type { InitStep } from './container/step.js';
import { hostname, privateMounts } from './container/namespaces.js';
import { terminal } from './container/namespaces.js';
import { procfs } from './container/namespaces.js';

export const initSteps: InitStep[] = [
  privateMounts,
  procfs,
  hostname,
  terminal,
];
