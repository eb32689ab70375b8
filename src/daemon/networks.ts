// chapter: 09-daemon
// The networks and volumes endpoints: chapter 06's network commands and the volume
// commands (src/rootfs/volumes.ts), their answers in docker's shapes. Connecting a
// running container to another network is something chapter 06 cannot do (a
// container's network is chosen when it starts): those two answer 501.
import { RuntimeError } from '../errors.js';
import { create, inspectNetworks, listNetworkRows, pruneNetworks, removeNetworks } from '../network/commands.js';
import { createVolume, inspectVolume, listVolumes, pruneVolumes, removeVolume } from '../rootfs/volumes.js';
import { readBody, reply, type Route } from './router.js';

type Json = Record<string, unknown>;

/** docker's two networks that are not bridges: none, host */
const pseudo = (name: string, driver: string): Json => ({ Name: name, Id: name, Created: '0001-01-01T00:00:00Z', Scope: 'local', Driver: driver, EnableIPv6: false, IPAM: { Driver: 'default', Config: [] }, Internal: false, Attachable: false, Containers: {}, Options: {}, Labels: {} });

function network(root: string, ref: string): Json {
  if (ref === 'none') return pseudo('none', 'null');
  if (ref === 'host') return pseudo('host', 'host');
  return { Internal: false, Attachable: false, Labels: {}, ...inspectNetworks(root, [ref])[0] };
}

const text = (v: unknown, field: string): string | undefined => {
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw new RuntimeError(`json: ${field} must be a string`, 'usage');
  return v;
};

export function networkRoutes(root: string): Route[] {
  return [
    { method: 'GET', path: '/networks', handler: (call) => reply(call, 200, listNetworkRows(root).map((r) => network(root, r.pseudo ? r.name : r.id))) },
    { method: 'GET', path: '/networks/{id}', handler: (call) => reply(call, 200, network(root, call.params.id)) },
    {
      method: 'POST',
      path: '/networks/create',
      async handler(call) {
        const body = await readBody<Json>(call);
        const name = text(body.Name, 'Name');
        if (!name) throw new RuntimeError('network name cannot be empty', 'usage');
        const driver = text(body.Driver, 'Driver');
        if (driver && driver !== 'bridge') throw new RuntimeError(`network driver "${driver}" is not supported by mydockerd: only "bridge"`, 'usage');
        if (body.EnableIPv6 === true || body.Internal === true) throw new RuntimeError('IPv6 and internal networks are not supported by mydockerd', 'usage');
        const configs = (((body.IPAM ?? {}) as Json).Config ?? []) as Json[];
        if (!Array.isArray(configs) || configs.length > 1) throw new RuntimeError('IPAM.Config: mydockerd takes at most one subnet', 'usage');
        const c = configs[0] ?? {};
        const id = create(root, { name, subnet: text(c.Subnet, 'Subnet'), gateway: text(c.Gateway, 'Gateway'), ipRange: text(c.IPRange, 'IPRange') });
        reply(call, 201, { Id: id, Warning: '' });
      },
    },
    {
      method: 'DELETE',
      path: '/networks/{id}',
      handler(call) {
        if (['none', 'host'].includes(call.params.id)) throw new RuntimeError(`${call.params.id} is a pre-defined network and cannot be removed`, 'usage');
        for (const o of removeNetworks(root, [call.params.id])) if (o.error) throw o.error;
        reply(call, 204);
      },
    },
    { method: 'POST', path: '/networks/prune', handler: (call) => reply(call, 200, { NetworksDeleted: pruneNetworks(root) }) },
    // chapter 06 chooses a container's network when it starts: no connect to a running one
    { method: 'POST', path: '/networks/{id}/connect' },
    { method: 'POST', path: '/networks/{id}/disconnect' },

    { method: 'GET', path: '/volumes', handler: (call) => reply(call, 200, { Volumes: listVolumes(root), Warnings: [] }) },
    { method: 'GET', path: '/volumes/{name}', handler: (call) => reply(call, 200, inspectVolume(root, call.params.name)) },
    {
      method: 'POST',
      path: '/volumes/create',
      async handler(call) {
        const body = await readBody<Json>(call);
        reply(call, 201, createVolume(root, text(body.Name, 'Name'), text(body.Driver, 'Driver')));
      },
    },
    {
      method: 'DELETE',
      path: '/volumes/{name}',
      handler(call) {
        removeVolume(root, call.params.name);
        reply(call, 204);
      },
    },
    { method: 'POST', path: '/volumes/prune', handler: (call) => reply(call, 200, pruneVolumes(root)) },
  ];
}
