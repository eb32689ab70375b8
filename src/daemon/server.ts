// chapter: 09-daemon
// The HTTP server: node:http on a unix socket (or a loopback TCP port), every
// request through the router. A request that asks to upgrade (attach) arrives as
// node's 'upgrade' event, with the raw connection: the handler takes it over.
import { createServer, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { saveRoutes } from './save.js';
import { containerRoutes } from './containers.js';
import { eventRoutes } from './events.js';
import { imageRoutes } from './images.js';
import { pruneRoutes } from './prune.js';
import { registryRoutes } from './registry.js';
import { router, type Route } from './router.js';
import { systemRoutes } from './system.js';

/** endpoints of later slices: networks and volumes (501 until then) */
const later: Route[] = [
  ...['/networks', '/networks/{id}', '/volumes', '/volumes/{name}', '/plugins', '/swarm', '/services', '/nodes', '/secrets', '/configs'].map((path) => ({ method: 'GET', path })),
  ...['/networks/create', '/networks/{id}/connect', '/networks/{id}/disconnect', '/networks/prune', '/volumes/create', '/volumes/prune'].map((path) => ({ method: 'POST', path })),
  ...['/networks/{id}', '/volumes/{name}'].map((path) => ({ method: 'DELETE', path })),
];

export function apiServer(root: string, cgroupParent?: string): Server {
  const handle = router([...systemRoutes(root), ...containerRoutes(root, cgroupParent), ...imageRoutes(root), ...later, ...registryRoutes(root), ...pruneRoutes(root), ...saveRoutes(root), ...eventRoutes()]);
  const server = createServer((req, res) => void handle(req, res));
  // HTTP upgrade (attach): the connection is the handler's from here on
  server.on('upgrade', (req, socket: Duplex, head: Buffer) => {
    if (head.length) socket.unshift(head);
    socket.on('error', () => {}); // a client that disconnects mid-stream
    void handle(req, undefined, socket);
  });
  server.on('clientError', (_e, socket) => socket.destroy());
  return server;
}
