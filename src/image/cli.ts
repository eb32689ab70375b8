// chapter: 03-rootfs step 3.1
// The image commands of the command line. Each loads its code only when it runs.
import { help, list, str, type OptSpec } from '../toolkit/args.js';
import type { CommandDef } from '../toolkit/command.js';

const imageOptions: OptSpec[] = [
  { long: 'change', short: 'c', value: 'instruction', repeat: true, desc: 'Apply a Dockerfile instruction: CMD, ENTRYPOINT, ENV, WORKDIR, USER' },
  { long: 'message', short: 'm', value: 'text', desc: 'Commit message' },
  help,
];

const commands = () => import('./commands.js');

export const imageCommands: CommandDef[] = [
  {
    name: 'import',
    args: '[OPTIONS] FILE|- [REPOSITORY[:TAG]]',
    desc: 'Import a root filesystem tarball (plain or gzip) as a one-layer image',
    options: imageOptions,
    root: true,
    interspersed: true,
    action: async (opts, rest, g) => (await commands()).importCommand(g.root, rest, list(opts.change), str(opts.message)),
  },
  {
    name: 'commit',
    args: '[OPTIONS] CONTAINER [REPOSITORY[:TAG]]',
    desc: "Create a new image from a container's changes",
    options: imageOptions,
    root: true,
    interspersed: true,
    action: async (opts, rest, g) => (await commands()).commitCommand(g.root, rest, list(opts.change), str(opts.message)),
  },
  {
    name: 'images',
    args: '[OPTIONS] [REPOSITORY[:TAG]]',
    desc: 'List images',
    options: [{ long: 'quiet', short: 'q', desc: 'Only show image IDs' }, help],
    root: true,
    readsOnly: true,
    interspersed: true,
    action: async (opts, rest, g) => (await commands()).imagesCommand(g.root, rest, opts.quiet === true),
  },
  {
    name: 'rmi',
    args: '[OPTIONS] IMAGE [IMAGE...]',
    desc: 'Remove one or more images',
    options: [{ long: 'force', short: 'f', desc: 'Remove the image even if a container uses it (it stays, untagged, until then)' }, help],
    root: true,
    interspersed: true,
    action: async (opts, rest, g) => (await commands()).rmiCommand(g.root, rest, opts.force === true),
  },
];
