// chapter: 09-daemon
// save, load, export and diff on the command line: the same functions the daemon's
// /images/get, /images/load, /containers/ID/export and /containers/ID/changes call,
// with printers.
const { createReadStream, createWriteStream, renameSync, rmSync } = process.getBuiltinModule('node:fs');
import { help, str } from '../toolkit/args.js';
import type { CommandDef } from '../toolkit/command.js';
import { RuntimeError } from '../errors.js';

/** save's printer: the archive into FILE (whole, or not at all), or stdout when it is not a terminal */
async function saveCommand(root: string, refs: string[], output?: string): Promise<number> {
  const { saveImages } = await import('./archive.js');
  return toFileOrStdout(output, (open) => saveImages(root, refs, open));
}

/** a tar into FILE (whole, or not at all: written aside, then renamed), or stdout when it is not a terminal */
async function toFileOrStdout(output: string | undefined, write: (open: () => NodeJS.WritableStream) => Promise<void>): Promise<number> {
  if (!output && process.stdout.isTTY) throw new RuntimeError('cowardly refusing to write a tar to a terminal. Use the -o flag or redirect');
  if (!output) {
    await write(() => process.stdout);
    return 0;
  }
  const part = `${output}.part-${process.pid}`;
  try {
    await write(() => createWriteStream(part, { mode: 0o600 }));
    renameSync(part, output);
  } finally {
    rmSync(part, { force: true });
  }
  return 0;
}

/** export's printer: the container's files into FILE (whole, or not at all), or stdout when it is not a terminal */
async function exportCommand(root: string, args: string[], output?: string): Promise<number> {
  if (args.length !== 1) throw new RuntimeError('"export" requires exactly 1 argument: CONTAINER');
  const { exportContainer } = await import('./export.js');
  return toFileOrStdout(output, (open) => exportContainer(root, args[0], open));
}

async function loadCommand(root: string, input?: string): Promise<number> {
  const { loadImages } = await import('./archive.js');
  const lines = await loadImages(root, input ? createReadStream(input) : process.stdin);
  process.stdout.write(lines.map((l) => `${l}\n`).join(''));
  return 0;
}

async function diffCommand(root: string, args: string[]): Promise<number> {
  if (args.length !== 1) throw new RuntimeError('"diff" requires exactly 1 argument: CONTAINER');
  const { containerChanges } = await import('./changes.js');
  process.stdout.write(containerChanges(root, args[0]).map((c) => `${'CAD'[c.Kind]} ${c.Path}\n`).join(''));
  return 0;
}

export const archiveCommands: CommandDef[] = [
  {
    name: 'save',
    args: '[OPTIONS] IMAGE [IMAGE...]',
    desc: 'Save one or more images to a tar archive (docker save\'s format)',
    options: [{ long: 'output', short: 'o', value: 'file', desc: 'Write to a file, instead of STDOUT' }, help],
    root: true,
    readsOnly: true,
    interspersed: true,
    action: (opts, rest, g) => saveCommand(g.root, rest, str(opts.output)),
  },
  {
    name: 'load',
    args: '[OPTIONS]',
    desc: 'Load images from a tar archive (docker save\'s format)',
    options: [{ long: 'input', short: 'i', value: 'file', desc: 'Read from a tar archive file, instead of STDIN' }, help],
    root: true,
    action: (opts, _rest, g) => loadCommand(g.root, str(opts.input)),
  },
  {
    name: 'export',
    args: '[OPTIONS] CONTAINER',
    desc: "Export a container's filesystem as a tar archive",
    options: [{ long: 'output', short: 'o', value: 'file', desc: 'Write to a file, instead of STDOUT' }, help],
    root: true,
    readsOnly: true,
    interspersed: true,
    action: (opts, rest, g) => exportCommand(g.root, rest, str(opts.output)),
  },
  {
    name: 'diff',
    args: 'CONTAINER',
    desc: "Inspect changes to files or directories on a container's filesystem",
    options: [help],
    root: true,
    readsOnly: true,
    action: (_opts, rest, g) => diffCommand(g.root, rest),
  },
];
