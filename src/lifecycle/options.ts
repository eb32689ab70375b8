// chapter: 05-lifecycle step 5.1
// run's -d: the container is handed to its monitor and run returns its id;
// --stop-signal: what `stop` sends first (default the image's STOPSIGNAL, else SIGTERM).
import { str, type OptionGroup } from '../toolkit/args.js';
// <replaced-by 5.7>
//~ import { UsageError } from '../toolkit/args.js';
// </replaced-by 5.7>
import { signalNumber } from './signame.js';

declare module '../container/config.js' {
  interface RunOptions {
    /** -d: run in the background, print the container's id */
    detach: boolean;
    /** --stop-signal, as given (a name or a number) */
    stopSignal?: string;
  }
}

export const detachOptions: OptionGroup = {
  options: [
    { long: 'detach', short: 'd', desc: 'Run the container in the background and print its ID' },
    { long: 'stop-signal', value: 'signal', desc: 'Signal to stop the container (default the image\'s, else "SIGTERM")' },
  ],
  fill(v, o) {
    o.detach = v.detach === true;
    // <replaced-by 5.7>
    //~ if (o.detach && (o.tty || o.interactive)) throw new UsageError('run -d with -i or -t: a terminal and stdin in the background arrive in step 5.7');
    // </replaced-by 5.7>
    if (o.detach) o.lateInit = true; // the monitor starts the init (src/lifecycle/step.ts)
    o.stopSignal = str(v['stop-signal']);
    if (o.stopSignal !== undefined) signalNumber(o.stopSignal); // a bad one fails before anything is made
  },
};
