// chapter: 03-rootfs step 3.1
// The rootfs step: an image's config fills in what the flags left open, and its
// layers become the container's root filesystem (mounted by the init).
import { applyImageConfig } from '../image/config.js';
import { openImageStore, type Image } from '../image/store.js';
import type { Step } from '../container/step.js';
import { parseVolume, prepareRootfs, type Volume } from './prepare.js';

declare module '../container/config.js' {
  interface RunOptions {
    /** absent: chapter 01's mode, the command runs on the host's files */
    image?: string;
    volumes: string[];
    workdir?: string;
    entrypoint?: string;
  }
}

declare module '../container/step.js' {
  interface RunContext {
    image?: Image;
    volumes?: Volume[];
  }
}

declare module '../container/state.js' {
  interface ContainerState {
    /** where the init mounts the container's root filesystem */
    rootfs?: string;
  }
}

export const rootfsStep: Step = {
  name: 'rootfs',
  configure(ctx) {
    // everything that can be wrong with the request is found before anything is made
    const o = ctx.options;
    ctx.volumes = o.volumes.map((v) => parseVolume(ctx.root, v));
    if (o.image) ctx.image = openImageStore(ctx.root).get(o.image);
    ctx.spec = applyImageConfig(ctx.spec, o, ctx.image?.config);
  },
  prepare(ctx) {
    if (!ctx.image) return;
    const { root, id, spec } = ctx;
    spec.rootfs = prepareRootfs({ root, id, hostname: spec.hostname, layers: ctx.image.layers, volumes: ctx.volumes ?? [] });
    ctx.state.update({ rootfs: spec.rootfs.target });
  },
};
