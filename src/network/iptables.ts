// chapter: 06-network
// iptables, through Debian's iptables (the nft backend): mydocker's rules live only
// in chains of its own, entered by one jump each from the built-in chains. A
// built-in chain's policy is never touched, and every rule a container adds is
// written down first and deleted with it.
import { RuntimeError } from '../errors.js';

export interface Rule {
  table: 'nat' | 'filter';
  chain: string;
  args: string[];
}

/** DNAT for published ports: entered from PREROUTING (from outside) and OUTPUT (from this host itself) */
export const NAT_CHAIN = 'MYDOCKER';
/** MASQUERADE of the networks' traffic leaving their bridge */
const POSTROUTING_CHAIN = 'MYDOCKER-POSTROUTING';
/** traffic in and out of the bridges, accepted whatever FORWARD's policy */
const FORWARD_CHAIN = 'MYDOCKER-FORWARD';

function iptables(table: string, args: string[]): { ok: boolean; stderr: string } {
  // -w: wait for the xtables lock (another run may be adding its rules)
  // a monitor's exit command runs with an empty environment: iptables lives in sbin
  const env = { ...process.env, PATH: process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' };
  // node:child_process loads here, not with the module: a run without a bridge never needs it
  const { spawnSync } = process.getBuiltinModule('node:child_process');
  const r = spawnSync('iptables', ['-w', '-t', table, ...args], { encoding: 'utf8', env });
  if (r.error) throw new RuntimeError(`iptables: ${r.error.message}`, 'runtime', { cause: r.error });
  return { ok: r.status === 0, stderr: r.stderr.trim() };
}

export function addRule(r: Rule): void {
  const res = iptables(r.table, ['-A', r.chain, ...r.args]);
  if (!res.ok) throw new RuntimeError(`iptables -t ${r.table} -A ${r.chain} ${r.args.join(' ')}: ${res.stderr}`);
}

/** delete one copy of the rule; false if there was none (released already) */
export function deleteRule(r: Rule): boolean {
  return iptables(r.table, ['-D', r.chain, ...r.args]).ok;
}

function ensureRule(r: Rule, position?: number): void {
  if (iptables(r.table, ['-C', r.chain, ...r.args]).ok) return;
  const res = position ? iptables(r.table, ['-I', r.chain, String(position), ...r.args]) : iptables(r.table, ['-A', r.chain, ...r.args]);
  if (!res.ok) throw new RuntimeError(`iptables -t ${r.table} ${r.chain} ${r.args.join(' ')}: ${res.stderr}`);
}

function ensureChain(table: string, chain: string): void {
  if (!iptables(table, ['-n', '-L', chain]).ok) iptables(table, ['-N', chain]);
}

/** our chains and the jumps into them (made once, kept: docker keeps its chains too) */
export function ensureChains(): void {
  ensureChain('nat', NAT_CHAIN);
  ensureChain('nat', POSTROUTING_CHAIN);
  ensureChain('filter', FORWARD_CHAIN);
  const toLocal = ['-m', 'addrtype', '--dst-type', 'LOCAL', '-j', NAT_CHAIN];
  ensureRule({ table: 'nat', chain: 'PREROUTING', args: toLocal });
  // <step 6.5>
  // packets this host sends to itself (127.0.0.1:PORT) never pass PREROUTING
  ensureRule({ table: 'nat', chain: 'OUTPUT', args: toLocal });
  // </step 6.5>
  ensureRule({ table: 'nat', chain: 'POSTROUTING', args: ['-j', POSTROUTING_CHAIN] });
  ensureRule({ table: 'filter', chain: 'FORWARD', args: ['-j', FORWARD_CHAIN] }, 1);
}

/** what a bridge network needs: its traffic forwarded, masqueraded on the way out */
export function networkRules(subnet: string, bridge: string): Rule[] {
  // <replaced-by 6.3>
  //~ void subnet; // its traffic leaving the bridge is masqueraded from step 6.3 on
  // </replaced-by 6.3>
  return [
    // <step 6.3>
    // containers reaching the world: their source becomes the host's outgoing address
    { table: 'nat', chain: POSTROUTING_CHAIN, args: ['-s', subnet, '!', '-o', bridge, '-j', 'MASQUERADE'] },
    // </step 6.3>
    // <step 6.5>
    // the host's own 127.0.0.1 DNAT'd to a container: a loopback source cannot leave on the bridge
    { table: 'nat', chain: POSTROUTING_CHAIN, args: ['-s', '127.0.0.0/8', '-o', bridge, '-j', 'MASQUERADE'] },
    // </step 6.5>
    { table: 'filter', chain: FORWARD_CHAIN, args: ['-i', bridge, '-j', 'ACCEPT'] },
    { table: 'filter', chain: FORWARD_CHAIN, args: ['-o', bridge, '-j', 'ACCEPT'] },
  ];
}

export const ensureRules = (rules: Rule[]) => rules.forEach((r) => ensureRule(r));
