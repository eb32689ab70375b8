// chapter: 09-daemon
// The registry's front door: tag, push and login (/auth), over chapter 07's
// commands. The credentials are the client's: the docker CLI sends what `docker
// login` stored in ITS config as the X-Registry-Auth header (base64 of JSON), and
// /auth only checks them against the registry, as dockerd does; the daemon keeps
// no password of its own.
import { RuntimeError } from '../errors.js';
import { checkCredentials, tagCommand } from '../image/registry/commands.js';
import { pushImage } from '../image/registry/push.js';
import { openImageStore } from '../image/store.js';
import { normalizeRef } from '../image/reference.js';
import { registryAuth } from './auth.js';
import { record } from './events.js';
import { jsonProgress } from './images.js';
import { open, readBody, reply, type Route } from './router.js';

/** an image by name or id, or dockerd's 404 */
function mustExist(root: string, name: string): void {
  if (!openImageStore(root).find(name)) throw new RuntimeError(`No such image: ${name}`, 'notFound');
}

export function registryRoutes(root: string): Route[] {
  return [
    {
      method: 'POST',
      path: '/images/{name*}/tag',
      handler(call) {
        const repo = call.query.get('repo');
        if (!repo) throw new RuntimeError('repository name must have at least one component', 'usage');
        const tag = call.query.get('tag');
        mustExist(root, call.params.name);
        const target = tag ? `${repo}:${tag}` : repo;
        tagCommand(root, [call.params.name, target]); // a bad name: 400 (a ReferenceError is usage)
        record('image', 'tag', openImageStore(root).find(call.params.name)!.id, { name: normalizeRef(target) });
        reply(call, 201);
      },
    },
    {
      method: 'POST',
      path: '/images/{name*}/push',
      async handler(call) {
        const tag = call.query.get('tag');
        const name = tag ? `${call.params.name}:${tag}` : call.params.name;
        const credentials = registryAuth(call);
        const progress = jsonProgress(call);
        try {
          await pushImage(root, name, progress.stream, false, credentials);
          record('image', 'push', normalizeRef(name), { name: normalizeRef(name) });
        } catch (e) {
          const out = progress.started();
          if (!out) throw e; // nothing sent yet: an answer of the error's kind
          const message = (e as Error).message; // mid-stream: the error is the last message, as dockerd's
          out.write(`${JSON.stringify({ errorDetail: { message }, error: message })}\r\n`);
        }
        (progress.started() ?? open(call, 200, { 'Content-Type': 'application/json' })).end();
      },
    },
    {
      method: 'POST',
      path: '/auth',
      async handler(call) {
        const body = await readBody<{ username?: unknown; password?: unknown; serveraddress?: unknown }>(call);
        if (typeof body.username !== 'string' || typeof body.password !== 'string') throw new RuntimeError('/auth needs a username and a password (strings)', 'usage');
        const server = typeof body.serveraddress === 'string' && body.serveraddress ? body.serveraddress : undefined;
        await checkCredentials(server, { username: body.username, password: body.password });
        reply(call, 200, { Status: 'Login Succeeded', IdentityToken: '' });
      },
    },
  ];
}
