// chapter: 07-images step 7.3
// `run --pull missing|always|never`: before anything else, an image that is not in
// the store is pulled (its progress on stderr, as docker's), so that the rootfs
// step finds it. A reference by digest is resolved here to the image's id.
// The store and the registry client load only when a run names an image: every
// command's start-up imports this file for its options.
import { str, UsageError, type OptionGroup } from '../../toolkit/args.js';
import type { Step } from '../../container/step.js';
import { RuntimeError } from '../../errors.js';
import { familiarName } from '../reference.js';
import { hostPlatform, parsePlatform } from './manifest.js';

declare module '../../container/config.js' {
  interface RunOptions {
    /** when to pull the image (docker's default: missing) */
    pull?: 'missing' | 'always' | 'never';
    platform?: string;
  }
}

export const pullOptions: OptionGroup = {
  options: [
    { long: 'pull', value: 'policy', desc: 'Pull the image before running: "missing" (default), "always", "never"' },
    { long: 'platform', value: 'os/arch[/variant]', desc: 'The platform to pull from a multi-platform image' },
  ],
  fill(v, o) {
    const pull = str(v.pull) ?? 'missing';
    if (!['missing', 'always', 'never'].includes(pull)) throw new UsageError(`invalid pull option: '${pull}': must be one of "always", "missing", "never"`);
    o.pull = pull as RunOptions['pull'];
    o.platform = str(v.platform);
    if (o.platform) {
      try {
        parsePlatform(o.platform);
      } catch (e) {
        throw new UsageError((e as Error).message, { cause: e });
      }
    }
  },
};

type RunOptions = import('../../container/config.js').RunOptions;

export const pullStep: Step = {
  name: 'pull',
  async configure(ctx) {
    const o = ctx.options;
    if (!o.image || /^(sha256:)?[0-9a-f]{64}$/.test(o.image)) return; // an id is never pulled
    const [{ hex, openImageStore }, { checkPlatform, findLocal, pullReference }] = await Promise.all([import('../store.js'), import('./local.js')]);
    const store = openImageStore(ctx.root);
    if (/^[0-9a-f]{4,63}$/.test(o.image) && store.find(o.image)) return; // a short id we have (else: a name)
    const platform = o.platform ? parsePlatform(o.platform) : hostPlatform();
    const ref = pullReference(o.image);
    let image = o.pull === 'always' ? undefined : findLocal(store, ref, platform);
    if (!image && o.pull !== 'never') {
      if (o.pull !== 'always') process.stderr.write(`Unable to find image '${familiarName(ref)}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}' locally\n`);
      const { pullImage } = await import('./pull.js'); // the registry client and node-tar load only now
      await pullImage(ctx.root, o.image, { platform, out: process.stderr });
      image = findLocal(store, ref, platform);
    }
    if (!image) throw new RuntimeError(`No such image: ${familiarName(ref)}${ref.tag ? `:${ref.tag}` : `@${ref.digest}`}`, 'notFound');
    if (o.platform) checkPlatform(store, image, platform, ref); // a local image of another platform is not the one asked for
    if (ref.digest) o.image = hex(image.id); // the rootfs step looks images up by tag or id
  },
};
