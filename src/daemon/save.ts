// chapter: 09-daemon
// docker save, docker load and docker export: GET /images/{name}/get and /images/get?names=…
// answer the archive as a tar stream; POST /images/load takes one as the request's
// body and answers dockerd's JSON lines ({"stream": "Loaded image: …\n"});
// GET /containers/ID/export answers the container's files as a tar. The archive's
// format and its checks are src/image/archive.ts's, export's src/image/export.ts's.
import { loadImages, saveImages } from '../image/archive.js';
import { exportContainer } from '../image/export.js';
import { record } from './events.js';
import { open, type Call, type Route } from './router.js';
import { VERSION_HEADERS } from './version.js';

/** the archive of refs as the answer's body: the headers only once every image is found */
function save(root: string, call: Call, refs: string[]): Promise<void> {
  return saveImages(root, refs, () => {
    call.res!.writeHead(200, { ...VERSION_HEADERS, 'Content-Type': 'application/x-tar' });
    return call.res!;
  });
}

export function saveRoutes(root: string): Route[] {
  return [
    { method: 'GET', path: '/images/get', handler: (call) => save(root, call, call.query.getAll('names')) },
    { method: 'GET', path: '/images/{name*}/get', handler: (call) => save(root, call, [call.params.name]) },
    {
      method: 'GET',
      path: '/containers/{id}/export',
      handler: (call) =>
        exportContainer(root, call.params.id, () => {
          call.res!.writeHead(200, { ...VERSION_HEADERS, 'Content-Type': 'application/x-tar' });
          return call.res!;
        }),
    },
    {
      method: 'POST',
      path: '/images/load',
      async handler(call) {
        const lines = await loadImages(root, call.req);
        for (const line of lines) record('image', 'load', line.replace(/^Loaded image( ID)?: /, ''));
        const out = open(call, 200, { 'Content-Type': 'application/json' });
        for (const line of lines) out.write(`${JSON.stringify({ stream: `${line}\n` })}\r\n`);
        out.end();
      },
    },
  ];
}
