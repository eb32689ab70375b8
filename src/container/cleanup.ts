// chapter: 01-namespaces
import { log } from '../log.js';

/** Undo steps, run last-in first-out: whatever `run` made, it takes down again. */
export class Cleanup {
  private steps: { what: string; undo: () => void | Promise<void> }[] = [];

  add(what: string, undo: () => void | Promise<void>): void {
    this.steps.push({ what, undo });
  }

  async run(): Promise<void> {
    for (const step of this.steps.splice(0).reverse()) {
      try {
        await step.undo();
        log.debug(`cleanup: ${step.what}`);
      } catch (e) {
        log.warn(`cleanup: ${step.what}: ${(e as Error).message}`);
      }
    }
  }
}
