// chapter: 09-daemon
// GET, HEAD and PUT /containers/ID/archive: `docker cp` out of and into a container
// (src/lifecycle/archive.ts). The path's stat travels in a header, base64 JSON, as
// dockerd sends it: HEAD is that header alone (docker cp asks it before copying in).
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { RuntimeError } from '../errors.js';
import { archivePath, extractInto, statPath, type PathStat } from '../lifecycle/archive.js';
import { open, reply, type Call, type Route } from './router.js';

const statHeader = (s: PathStat) => ({ 'X-Docker-Container-Path-Stat': Buffer.from(JSON.stringify(s)).toString('base64') });

function pathOf(call: Call): string {
  const path = call.query.get('path');
  if (!path) throw new RuntimeError('Path cannot be empty', 'usage');
  return path;
}

export function archiveRoutes(root: string): Route[] {
  return [
    {
      method: 'GET', // and HEAD
      path: '/containers/{id}/archive',
      async handler(call) {
        if (call.method === 'HEAD') return void open(call, 200, statHeader(statPath(root, call.params.id, pathOf(call)))).end();
        const { stat, tar } = archivePath(root, call.params.id, pathOf(call));
        open(call, 200, { 'Content-Type': 'application/x-tar', ...statHeader(stat) });
        try {
          await pipeline(tar, call.res!);
        } catch {
          call.res!.destroy(); // a file that went away mid-copy, or the client: the stream ends short
        }
      },
    },
    {
      method: 'PUT',
      path: '/containers/{id}/archive',
      async handler(call) {
        await extractInto(root, call.params.id, pathOf(call), call.req as Readable);
        reply(call, 200);
      },
    },
  ];
}
