// The steps of `run`, in order: the one place where a chapter adds a line to
// run's flow. Each hook runs for every step before the next hook (src/run.ts).
import type { Step } from './container/step.js';

export const steps: Step[] = [
];
