// chapter: 09-daemon
// The HTTP server: node:http on a unix socket (or a loopback TCP port), every
// request through the router. A request that asks to upgrade (attach) arrives as
// node's 'upgrade' event, with the raw connection: the handler takes it over.
import { createServer, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { archiveRoutes } from './archive.js';
import { containerRoutes } from './containers.js';
import { eventRoutes } from './events.js';
import { execRoutes } from './exec.js';
import { imageRoutes } from './images.js';
import { networkRoutes } from './networks.js';
import { pruneRoutes } from './prune.js';
import { registryRoutes } from './registry.js';
import { saveRoutes } from './save.js';
import { router, type Route } from './router.js';
import { systemRoutes } from './system.js';
import { usageRoutes } from './usage.js';

/** endpoints of later slices (501 until then) */
const later: Route[] = [
  ...['/plugins', '/swarm', '/services', '/nodes', '/secrets', '/configs'].map((path) => ({ method: 'GET', path })),
];

export function apiServer(root: string, cgroupParent?: string): Server {
  const handle = router([
    ...systemRoutes(root), ...containerRoutes(root, cgroupParent), ...execRoutes(root), ...usageRoutes(root), ...archiveRoutes(root), ...networkRoutes(root), ...imageRoutes(root), ...later,
    ...registryRoutes(root), ...pruneRoutes(root), ...saveRoutes(root), ...eventRoutes(),
  ]);
  const server = createServer((req, res) => void handle(req, res));
  // HTTP upgrade (attach): the connection is the handler's from here on
  server.on('upgrade', (req, socket: Duplex, head: Buffer) => {
    socket.on('error', () => {}); // a client that disconnects mid-stream
    // node stops parsing at the headers: the request's body (exec start's JSON) comes
    // first on the connection, and only what follows it is the client's stdin
    const length = Number(req.headers['content-length'] ?? 0);
    if (!(Number.isInteger(length) && length >= 0 && length <= 1 << 20)) return void socket.destroy();
    let got = head;
    const ready = () => {
      socket.removeListener('data', more);
      socket.pause(); // until its reader is there (which resumes it)
      if (got.length > length) socket.unshift(got.subarray(length));
      void handle(req, undefined, socket, got.subarray(0, length));
    };
    const more = (d: Buffer) => {
      got = Buffer.concat([got, d]);
      if (got.length >= length) ready();
    };
    if (got.length >= length) ready();
    else socket.on('data', more);
  });
  server.on('clientError', (_e, socket) => socket.destroy());
  return server;
}
