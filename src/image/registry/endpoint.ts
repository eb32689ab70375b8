// chapter: 07-images
// Where a registry is, and how far it is trusted. Docker's rules:
//   - "docker.io" is served by registry-1.docker.io;
//   - HTTPS always, its certificates checked against the system's CAs plus
//     MYDOCKER_EXTRA_CA_CERTS (bin/mydocker moves NODE_EXTRA_CA_CERTS there);
//   - plain HTTP only for a registry on loopback (localhost, 127.0.0.0/8, ::1) or one
//     listed in MYDOCKER_INSECURE_REGISTRIES (comma-separated host[:port] or IPv4
//     CIDR, like dockerd's --insecure-registry), and only when HTTPS did not answer.
const { readFileSync } = process.getBuiltinModule('node:fs');
import tls from 'node:tls';
import { RuntimeError } from '../../errors.js';
import { DEFAULT_DOMAIN } from '../reference.js';

export const HUB_API_HOST = 'registry-1.docker.io';

/** the host[:port] that serves a reference's domain */
export const apiHost = (domain: string) => (domain === DEFAULT_DOMAIN ? HUB_API_HOST : domain);

/** the host part of host[:port] or [v6]:port, without brackets */
export function hostname(hostPort: string): string {
  const v6 = /^\[([^\]]+)\]/.exec(hostPort);
  if (v6) return v6[1];
  const colon = hostPort.lastIndexOf(':');
  return colon < 0 ? hostPort : hostPort.slice(0, colon);
}

const ipv4 = (s: string) => (/^\d+\.\d+\.\d+\.\d+$/.test(s) ? s.split('.').reduce((n, o) => n * 256 + Number(o), 0) : undefined);

function inCidr(ip: string, cidr: string): boolean {
  const [net, bits] = cidr.split('/');
  const [a, b] = [ipv4(ip), ipv4(net)];
  const n = Number(bits);
  if (a === undefined || b === undefined || !(n >= 0 && n <= 32)) return false;
  const mask = n === 0 ? 0 : 2 ** 32 - 2 ** (32 - n);
  return (a & mask) >>> 0 === (b & mask) >>> 0;
}

/** docker's rule: may this registry be spoken to over plain HTTP? */
export function allowsPlainHttp(hostPort: string, insecure: string = process.env.MYDOCKER_INSECURE_REGISTRIES ?? ''): boolean {
  const host = hostname(hostPort).toLowerCase();
  if (host === 'localhost' || host === '::1' || inCidr(host, '127.0.0.0/8')) return true;
  return insecure
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean)
    .some((entry) => entry === hostPort.toLowerCase() || entry === host || (entry.includes('/') && inCidr(host, entry)));
}

let trusted: 'node' | 'extra' | 'system' = 'node';

/**
 * the CAs HTTPS trusts: Node's bundle and MYDOCKER_EXTRA_CA_CERTS; `system`: the
 * system's store too. Reading the system's store and replacing the default costs
 * ~150 ms here, so it is only done when a certificate did not verify without it.
 * Returns false when there was nothing left to add.
 */
export function trustCAs(system = false, env: NodeJS.ProcessEnv = process.env): boolean {
  const want = system ? 'system' : env.MYDOCKER_EXTRA_CA_CERTS ? 'extra' : 'node';
  const rank = { node: 0, extra: 1, system: 2 };
  if (rank[want] <= rank[trusted]) return false;
  trusted = want;
  const extra: string[] = [];
  const file = env.MYDOCKER_EXTRA_CA_CERTS;
  if (file) {
    let pem: string;
    try {
      pem = readFileSync(file, 'utf8');
    } catch (e) {
      throw new RuntimeError(`MYDOCKER_EXTRA_CA_CERTS: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, 'runtime', { cause: e });
    }
    extra.push(...(pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []));
    if (extra.length === 0) throw new RuntimeError(`MYDOCKER_EXTRA_CA_CERTS: no PEM certificate in ${file}`);
  }
  const systemCAs = system ? tls.getCACertificates('system') : [];
  tls.setDefaultCACertificates([...new Set([...tls.getCACertificates('default'), ...systemCAs, ...extra])]);
  return true;
}

/** a TLS failure that says the server is not who it claims: never a reason to try plain HTTP */
export function isCertificateError(e: unknown): boolean {
  const code = String((e as { code?: string })?.code ?? '');
  return /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ALTNAME/.test(code);
}
