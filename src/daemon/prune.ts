// chapter: 09-daemon
// commit, changes and the prunes, over the core's functions: commitImage (chapter 03),
// containerChanges, pruneContainers (chapter 05) and pruneImages (chapter 03's rmi,
// image by image).
import { RuntimeError } from '../errors.js';
import { containerChanges } from '../image/changes.js';
import { commitImage, pruneImages } from '../image/commands.js';
import { pruneContainers } from '../lifecycle/commands.js';
import { allContainers } from '../lifecycle/containers.js';
import { recordContainer, recordImageLines } from './events.js';
import { queryFilters, reply, type Route } from './router.js';

/** the prunes' filters: only those this daemon honours; any other is a 400, never ignored */
function pruneFilters(q: URLSearchParams, allowed: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of queryFilters(q)) {
    const at = f.indexOf('=');
    const [key, value] = [f.slice(0, at), f.slice(at + 1)];
    if (!allowed.includes(key)) throw new RuntimeError(`invalid filter '${key}'${allowed.length ? ` (mydockerd prunes with ${allowed.join(', ')} only)` : ''}`, 'usage');
    out.set(key, value);
  }
  return out;
}

export function pruneRoutes(root: string): Route[] {
  return [
    {
      method: 'POST',
      path: '/commit',
      async handler(call) {
        const q = call.query;
        const container = q.get('container');
        if (!container) throw new RuntimeError('commit needs ?container=', 'usage');
        const repo = q.get('repo');
        const tag = q.get('tag');
        const ref = repo ? (tag ? `${repo}:${tag}` : repo) : undefined;
        const id = await commitImage(root, ref ? [container, ref] : [container], q.getAll('changes').filter(Boolean), q.get('comment') || undefined);
        recordContainer(root, 'commit', container, { imageID: id });
        reply(call, 201, { Id: id });
      },
    },
    {
      method: 'GET',
      path: '/containers/{id}/changes',
      handler: (call) => {
        const changes = containerChanges(root, call.params.id);
        reply(call, 200, changes.length ? changes : null);
      },
    },
    {
      method: 'POST',
      path: '/containers/prune',
      async handler(call) {
        pruneFilters(call.query, []);
        const before = new Map(allContainers(root).map((c) => [c.config.id, c]));
        const { deleted, space } = await pruneContainers(root);
        for (const id of deleted) recordContainer(root, 'destroy', before.get(id) ?? id);
        reply(call, 200, { ContainersDeleted: deleted.length ? deleted : null, SpaceReclaimed: space });
      },
    },
    {
      method: 'POST',
      path: '/images/prune',
      handler(call) {
        // docker image prune: dangling=true; docker image prune -a: dangling=false
        const dangling = pruneFilters(call.query, ['dangling']).get('dangling') ?? 'true';
        if (!['true', 'false', '1', '0'].includes(dangling)) throw new RuntimeError(`invalid filter 'dangling=${dangling}'`, 'usage');
        const { lines, space } = pruneImages(root, dangling === 'false' || dangling === '0');
        recordImageLines('', lines);
        const deleted = lines.map((l) => {
          const at = l.indexOf(': ');
          return { [l.slice(0, at)]: l.slice(at + 2) };
        });
        reply(call, 200, { ImagesDeleted: deleted.length ? deleted : null, SpaceReclaimed: space });
      },
    },
  ];
}
