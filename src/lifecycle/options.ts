// chapter: 05-lifecycle
// run's -d: the container is handed to its monitor and run returns its id.
import { UsageError, type OptionGroup } from '../cli/args.js';

declare module '../container/config.js' {
  interface RunOptions {
    /** -d: run in the background, print the container's id */
    detach: boolean;
  }
}

export const detachOptions: OptionGroup = {
  options: [{ long: 'detach', short: 'd', desc: "Run the container in the background and print its ID" }],
  fill(v, o) {
    o.detach = v.detach === true;
    if (o.detach && o.tty) throw new UsageError('-d with -t is not supported yet: a detached container has no terminal here');
    if (o.detach && o.interactive) throw new UsageError('-d with -i is not supported yet: a detached container reads /dev/null');
  },
};
