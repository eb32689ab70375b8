// chapter: 01-namespaces step 1.2
import type { RuntimeError } from '../errors.js';
import { log } from '../log.js';

type Undo = (failure?: Error) => void | Promise<void>;

/** Undo steps, run last-in first-out: whatever `run` made, it takes down again. */
export class Cleanup {
  private steps: { what: string; undo: Undo }[] = [];
  private failure?: Error;

  add(what: string, undo: Undo): void {
    this.steps.push({ what, undo });
  }

  /** the pipeline failed with this error: steps are told */
  failed(e: Error): void {
    this.failure = e;
  }

  // <chapter 05-lifecycle>
  /** someone else owns what was made now (run -d: the container's monitor): nothing is undone */
  handOver(): void {
    this.steps.length = 0;
  }
  // </chapter 05-lifecycle>

  async run(): Promise<void> {
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await step.undo(this.failure);
        log.debug(`cleanup: ${step.what}`);
      } catch (e) {
        log.warn(`cleanup: ${step.what}: ${(e as Error).message}`);
        // the first failure stays the one reported; a failed undo goes beside it (-D shows it)
        if (this.failure instanceof Error) ((this.failure as RuntimeError).undoErrors ??= []).push(new Error(`cleanup: ${step.what}`, { cause: e }));
      }
    }
  }
}
