// chapter: 03-rootfs step 3.1
// `run`'s flags for images, names and volumes. A first word that is an absolute
// path is still chapter 01's COMMAND on the host's files; anything else is an image.
import { list, str, UsageError, type OptionGroup } from '../toolkit/args.js';
import { checkAnyReference } from '../image/reference.js';

export const rootfsOptions: OptionGroup = {
  options: [
    { long: 'name', value: 'name', desc: 'Assign a name to the container' },
    { long: 'rm', desc: 'Remove the container when it exits' },
    { long: 'volume', short: 'v', value: 'src:dst[:ro]', repeat: true, desc: 'Bind a host path or a named volume (repeatable)' },
    { long: 'workdir', short: 'w', value: 'dir', desc: 'Working directory inside the container' },
    { long: 'entrypoint', value: 'cmd', desc: "Overwrite the image's ENTRYPOINT" },
  ],
  fill(v, o, rest) {
    o.image = rest[0].startsWith('/') ? undefined : rest[0];
    if (o.image !== undefined) imageReference(o.image); // `run ''`, `run ../x`: docker's "invalid reference format"
    o.command = o.image ? rest.slice(1) : rest;
    o.workdir = str(v.workdir);
    if (o.workdir !== undefined && !o.workdir.startsWith('/')) throw new UsageError(`the working directory "${o.workdir}" is invalid: it needs to be an absolute path`);
    o.name = str(v.name);
    o.rm = v.rm === true;
    o.volumes = list(v.volume);
    o.entrypoint = str(v.entrypoint);
  },
};

function imageReference(image: string): void {
  try {
    checkAnyReference(image);
  } catch (e) {
    throw new UsageError((e as Error).message, { cause: e });
  }
}
