// chapter: 01-namespaces
// The commands: one line per feature's list. main.ts loads this file once the global
// flags are read: `mydocker --version` loads no command's code.
import type { CommandDef } from '../toolkit/command.js';
import { run } from '../run.js';
import { newId } from '../container/id.js';
// <step 1.4>
import { foreground } from './foreground.js';
// </step 1.4>
import { runOptions, runOptionsFrom } from './run-options.js';
// <step 3.1>
import { imageCommands } from '../image/cli.js';
import { reclaimWith } from '../container/sweep.js';
import { reclaimCgroups } from '../cgroups/fs.js';
// </step 3.1>
// <step 5.1>
import { lifecycleCommands } from '../lifecycle/cli.js';
// </step 5.1>
// <step 6.2>
import { networkCommands } from '../network/cli.js';
import { reclaimNetwork } from '../network/state.js';
// </step 6.2>
// <step 7.1>
import { registryCommands } from '../image/registry/cli.js';
// </step 7.1>
// <chapter 09-daemon>
import { archiveCommands } from '../image/archive-cli.js';
// </chapter 09-daemon>

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
      // <replaced-by 1.4>
      //~ const status = await run(g.root, o, {}, id);
      // </replaced-by 1.4>
      // <step 1.4>
      const status = await run(g.root, o, foreground, id); // the CLI's one container: its signals are the container's
      // </step 1.4>
      // <step 5.1>
      if (o.detach) process.stdout.write(`${id}\n`); // run -d's printer: its one answer is the container's id
      // </step 5.1>
      return status;
    },
  },
  // <step 3.1>
  ...imageCommands,
  // </step 3.1>
  // <step 5.1>
  ...lifecycleCommands,
  // </step 5.1>
  // <step 6.2>
  ...networkCommands,
  // </step 6.2>
  // <step 7.1>
  ...registryCommands,
  // </step 7.1>
  // <chapter 09-daemon>
  ...archiveCommands,
  // </chapter 09-daemon>
];

// <step 3.1>
// What the steps of src/steps.ts give back once a container has ended (each one's
// Step.reclaim, e.g. cgroupStep's), for the sweep and rm, which every command may run.
// Named from their own small modules: loading every step would cost each command ~10 ms.
reclaimWith([
  reclaimCgroups, // its cgroup directories
  // </step 3.1>
  // <step 6.2>
  reclaimNetwork, // its address, its ports, its DNAT rules
  // </step 6.2>
  // <step 3.1>
]);
// </step 3.1>
