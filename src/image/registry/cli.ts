// chapter: 07-images step 7.1
// The registry commands of the command line. Each loads its code only when it runs.
import { help, str, type OptSpec } from '../../toolkit/args.js';
import type { CommandDef } from '../../toolkit/command.js';

const commands = () => import('./commands.js');
const quiet: OptSpec = { long: 'quiet', short: 'q', desc: 'Suppress verbose output' };

export const registryCommands: CommandDef[] = [
  {
    name: 'pull',
    args: '[OPTIONS] NAME[:TAG|@DIGEST]',
    desc: 'Download an image from a registry',
    options: [
      quiet,
      // <step 7.3>
      { long: 'platform', value: 'os/arch[/variant]', desc: 'Pull the image of this platform from a multi-platform index' },
      // </step 7.3>
      help,
    ],
    root: true,
    interspersed: true,
    action: async (opts, rest, g) => (await commands()).pullCommand(g.root, rest, opts.quiet === true, str(opts.platform)),
  },
  // <step 7.6>
  {
    name: 'push',
    args: '[OPTIONS] NAME[:TAG]',
    desc: 'Upload an image to a registry',
    options: [quiet, help],
    root: true,
    interspersed: true,
    action: async (opts, rest, g) => (await commands()).pushCommand(g.root, rest, opts.quiet === true),
  },
  {
    name: 'tag',
    args: 'SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]',
    desc: 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE',
    options: [help],
    root: true,
    interspersed: true,
    action: async (_opts, rest, g) => (await commands()).tagCommand(g.root, rest),
  },
  // </step 7.6>
  // <step 7.2>
  {
    name: 'login',
    args: '[OPTIONS] [SERVER]',
    desc: 'Log in to a registry (credentials kept in $DOCKER_CONFIG/config.json)',
    options: [
      { long: 'username', short: 'u', value: 'user', desc: 'Username' },
      { long: 'password', short: 'p', value: 'password', desc: 'Password' },
      { long: 'password-stdin', desc: 'Take the password from stdin' },
      help,
    ],
    root: false,
    interspersed: true,
    action: async (opts, rest) => (await commands()).loginCommand(rest, str(opts.username), str(opts.password), opts['password-stdin'] === true),
  },
  {
    name: 'logout',
    args: '[SERVER]',
    desc: 'Log out from a registry',
    options: [help],
    root: false,
    interspersed: true,
    action: async (_opts, rest) => (await commands()).logoutCommand(rest),
  },
  // </step 7.2>
];
