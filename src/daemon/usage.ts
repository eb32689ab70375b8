// chapter: 09-daemon
// top and stats: what runs in a container and what it uses, from chapter 05's
// record and chapter 02's cgroup (src/lifecycle/top.ts, src/lifecycle/stats.ts).
// stats streams a sample a second until the container ends or the client leaves;
// stream=false answers one, taken a second after a first so that the CPU's share
// can be computed (one-shot=true: at once, without the previous sample).
import { setTimeout as sleep } from 'node:timers/promises';
import { containerStats, type Stats } from '../lifecycle/stats.js';
import { topContainer } from '../lifecycle/top.js';
import { flag, open, reply, type Route } from './router.js';

export function usageRoutes(root: string): Route[] {
  return [
    {
      method: 'GET',
      path: '/containers/{id}/top',
      handler: (call) => reply(call, 200, topContainer(root, call.params.id, call.query.get('ps_args') || undefined)),
    },
    {
      method: 'GET',
      path: '/containers/{id}/stats',
      async handler(call) {
        const ref = call.params.id;
        const stream = call.query.get('stream') === null || flag(call.query, 'stream');
        let sample = containerStats(root, ref); // a 404 or 409 before the answer starts
        if (!stream) {
          if (!flag(call.query, 'one-shot')) {
            await sleep(1000);
            sample = containerStats(root, ref, sample);
          }
          return reply(call, 200, sample);
        }
        const out = open(call, 200, { 'Content-Type': 'application/json' });
        for (;;) {
          out.write(`${JSON.stringify(sample)}\n`);
          await sleep(1000);
          if (out.closed) break;
          let next: Stats;
          try {
            next = containerStats(root, ref, sample);
          } catch {
            break; // it has ended, or is gone
          }
          sample = next;
        }
        out.end();
      },
    },
  ];
}
