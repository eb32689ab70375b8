// The commands: one line per feature's list. main.ts loads this file once the global
// flags are read: `mydocker --version` loads no command's code.
import type { CommandDef } from '../toolkit/command.js';
import { run } from '../run.js';
import { newId } from '../container/id.js';
import { runOptions, runOptionsFrom } from './run-options.js';

export const commands: CommandDef[] = [
  {
    name: 'run',
    args: '[OPTIONS] [IMAGE] COMMAND [ARG...]',
    desc: 'Run a command in a new container',
    options: runOptions,
    root: true,
    // run's code comes with the command list (one chunk fewer to load on its path);
    // every other command loads its code only when it runs
    action: async (opts, rest, g) => {
      const o = runOptionsFrom(opts, rest);
      const id = newId();
      const status = await run(g.root, o, {}, id);
      return status;
    },
  },
];
