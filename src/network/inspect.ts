// chapter: 06-network step 6.1
// inspect's NetworkSettings, in docker's shape: the address while the container
// runs, its published ports as {"80/tcp": [{HostIp, HostPort}]}.
import type { NetworkState } from './state.js';

export function networkSettings(n: NetworkState | undefined, running: boolean): Record<string, unknown> {
  const live = running && n?.mode === 'bridge';
  const ports: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of live ? n.ports : []) (ports[`${p.containerPort}/${p.proto}`] ??= []).push({ HostIp: p.hostIp, HostPort: String(p.hostPort) });
  const endpoint = {
    NetworkID: live ? n.networkId : '',
    Gateway: live ? n.gateway : '',
    IPAddress: live ? n.ip : '',
    IPPrefixLen: live ? n.prefix : 0,
  };
  return {
    Bridge: '',
    Ports: ports,
    SandboxKey: '',
    Gateway: endpoint.Gateway,
    IPAddress: endpoint.IPAddress,
    IPPrefixLen: endpoint.IPPrefixLen,
    Networks: n ? { [n.mode === 'bridge' ? n.network! : n.mode]: endpoint } : {},
  };
}
