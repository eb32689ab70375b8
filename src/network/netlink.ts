// chapter: 06-network
// rtnetlink, spoken directly: what `ip link`, `ip addr` and `ip route` send to the
// kernel, encoded here byte by byte (vishvananda/netlink does the same for Go). A
// message is a 16-byte header, a fixed struct for its family (ifinfomsg, ifaddrmsg,
// rtmsg) and attributes: {length, type, value} padded to 4 bytes, nested for
// structured values. The addon only gives us the socket (native/network.cc).
const { closeSync, openSync } = process.getBuiltinModule('node:fs');
import { constants } from 'node:os';
import { native } from '../native.js';

const NETLINK_ROUTE = 0;
// <linux/netlink.h>
const NLMSG_ERROR = 2;
const NLMSG_DONE = 3;
const NLM_F_REQUEST = 0x1;
const NLM_F_ACK = 0x4;
const NLM_F_EXCL = 0x200;
const NLM_F_CREATE = 0x400;
// <linux/rtnetlink.h>
const RTM_NEWLINK = 16;
const RTM_DELLINK = 17;
const RTM_GETLINK = 18;
const RTM_NEWADDR = 20;
const RTM_NEWROUTE = 24;
// <linux/if_link.h>: link attributes
const IFLA_IFNAME = 3;
const IFLA_MASTER = 10;
const IFLA_LINKINFO = 18;
const IFLA_NET_NS_PID = 19;
const IFLA_INFO_KIND = 1;
const IFLA_INFO_DATA = 2;
const VETH_INFO_PEER = 1;
const IFF_UP = 0x1;
// <linux/if_addr.h>, <linux/rtnetlink.h>: address and route attributes
const IFA_ADDRESS = 1;
const IFA_LOCAL = 2;
const IFA_BROADCAST = 4;
const RTA_GATEWAY = 5;
const RTA_OIF = 4;
const AF_UNSPEC = 0;
const AF_INET = 2;
const RT_TABLE_MAIN = 254;
const RTPROT_BOOT = 3;
const RT_SCOPE_UNIVERSE = 0;
const RTN_UNICAST = 1;

/** one attribute: u16 length (header + value, unpadded), u16 type, the value, padding to 4 */
function attr(type: number, value: Buffer): Buffer {
  const len = 4 + value.length;
  const out = Buffer.alloc((len + 3) & ~3);
  out.writeUInt16LE(len, 0);
  out.writeUInt16LE(type, 2);
  value.copy(out, 4);
  return out;
}
const str = (s: string) => Buffer.from(`${s}\0`);
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};
const ipv4 = (ip: string) => Buffer.from(ip.split('.').map(Number));
const nest = (type: number, ...attrs: Buffer[]) => attr(type, Buffer.concat(attrs));

/** struct ifinfomsg: family, pad, type, index, flags, change (16 bytes) */
function ifinfomsg(index = 0, flags = 0, change = 0): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt8(AF_UNSPEC, 0);
  b.writeInt32LE(index, 4);
  b.writeUInt32LE(flags, 8);
  b.writeUInt32LE(change, 12);
  return b;
}

/** struct ifaddrmsg: family, prefix length, flags, scope, index (8 bytes) */
function ifaddrmsg(prefix: number, index: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt8(AF_INET, 0);
  b.writeUInt8(prefix, 1);
  b.writeUInt32LE(index, 4);
  return b;
}

/** struct rtmsg: family, dst_len, src_len, tos, table, protocol, scope, type, flags (12 bytes) */
function rtmsg(dstLen: number): Buffer {
  return Buffer.from([AF_INET, dstLen, 0, 0, RT_TABLE_MAIN, RTPROT_BOOT, RT_SCOPE_UNIVERSE, RTN_UNICAST, 0, 0, 0, 0]);
}

const ERRNO_NAMES = new Map(Object.entries(constants.errno).map(([name, n]) => [n, name]));

export class NetlinkError extends Error {
  constructor(
    readonly what: string,
    readonly code: string,
  ) {
    super(`${what}: ${code}`);
  }
}

/** a NETLINK_ROUTE socket: in our network namespace, or in a process's (by its pid) */
export class Netlink {
  private seq = 0;
  private constructor(private fd: number) {}

  static open(pid?: number): Netlink {
    if (pid === undefined) return new Netlink(native.netlinkSocket(NETLINK_ROUTE));
    const nsfd = openSync(`/proc/${pid}/ns/net`, 'r');
    try {
      return new Netlink(native.netlinkSocket(NETLINK_ROUTE, nsfd));
    } finally {
      closeSync(nsfd);
    }
  }

  close(): void {
    closeSync(this.fd);
  }

  /** send one request (header + body), read until its answer: an ack, an error, or the reply */
  private request(what: string, type: number, flags: number, body: Buffer[]): Buffer | undefined {
    const seq = ++this.seq;
    const payload = Buffer.concat(body);
    const header = Buffer.alloc(16);
    header.writeUInt32LE(16 + payload.length, 0); // nlmsg_len
    header.writeUInt16LE(type, 4); // nlmsg_type
    header.writeUInt16LE(NLM_F_REQUEST | NLM_F_ACK | flags, 6); // nlmsg_flags
    header.writeUInt32LE(seq, 8); // nlmsg_seq; nlmsg_pid 0: the kernel fills in our port
    native.netlinkSend(this.fd, Buffer.concat([header, payload]));
    let reply: Buffer | undefined;
    for (;;) {
      const data = native.netlinkRecv(this.fd);
      for (let off = 0; off + 16 <= data.length; ) {
        const len = data.readUInt32LE(off);
        const mtype = data.readUInt16LE(off + 4);
        if (data.readUInt32LE(off + 8) === seq) {
          if (mtype === NLMSG_ERROR) {
            const err = -data.readInt32LE(off + 16); // struct nlmsgerr: -errno, then our header
            if (err !== 0) throw new NetlinkError(what, ERRNO_NAMES.get(err) ?? `errno ${err}`);
            return reply; // the ack
          }
          if (mtype === NLMSG_DONE) return reply;
          reply = data.subarray(off + 16, off + len);
        }
        off += (len + 3) & ~3;
      }
    }
  }

  /** RTM_GETLINK by name: the interface's index (ifinfomsg.ifi_index of the reply) */
  index(name: string): number {
    const reply = this.request(`link ${name}`, RTM_GETLINK, 0, [ifinfomsg(), attr(IFLA_IFNAME, str(name))]);
    if (!reply) throw new NetlinkError(`link ${name}`, 'ENODEV');
    return reply.readInt32LE(4);
  }

  /** ip link add NAME type bridge */
  addBridge(name: string): void {
    this.request(`create bridge ${name}`, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, [
      ifinfomsg(),
      attr(IFLA_IFNAME, str(name)),
      nest(IFLA_LINKINFO, attr(IFLA_INFO_KIND, str('bridge'))),
    ]);
  }

  /**
   * ip link add NAME type veth peer name PEER netns PID: the pair is made with its
   * peer already in the container's namespace under its final name, so no
   * temporary name ever shows on the host
   */
  addVeth(name: string, peer: string, peerPid: number): void {
    const peerInfo = Buffer.concat([ifinfomsg(), attr(IFLA_IFNAME, str(peer)), attr(IFLA_NET_NS_PID, u32(peerPid))]);
    this.request(`create veth ${name}`, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, [
      ifinfomsg(),
      attr(IFLA_IFNAME, str(name)),
      nest(IFLA_LINKINFO, attr(IFLA_INFO_KIND, str('veth')), nest(IFLA_INFO_DATA, attr(VETH_INFO_PEER, peerInfo))),
    ]);
  }

  /** ip link set NAME master BRIDGE up */
  setUp(name: string, master?: string): void {
    const attrs = master === undefined ? [] : [attr(IFLA_MASTER, u32(this.index(master)))];
    this.request(`set ${name} up`, RTM_NEWLINK, 0, [ifinfomsg(this.index(name), IFF_UP, IFF_UP), ...attrs]);
  }

  /** ip addr add IP/PREFIX broadcast BRD dev NAME */
  addAddress(name: string, ip: string, prefix: number, broadcast: string): void {
    this.request(`address ${ip}/${prefix} on ${name}`, RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL, [
      ifaddrmsg(prefix, this.index(name)),
      attr(IFA_LOCAL, ipv4(ip)),
      attr(IFA_ADDRESS, ipv4(ip)),
      attr(IFA_BROADCAST, ipv4(broadcast)),
    ]);
  }

  /** ip route add default via GATEWAY dev NAME */
  addDefaultRoute(gateway: string, name: string): void {
    this.request(`default route via ${gateway}`, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL, [
      rtmsg(0),
      attr(RTA_GATEWAY, ipv4(gateway)),
      attr(RTA_OIF, u32(this.index(name))),
    ]);
  }

  /** ip link del NAME (a veth takes its peer with it); false if there was none */
  deleteLink(name: string): boolean {
    try {
      this.request(`delete ${name}`, RTM_DELLINK, 0, [ifinfomsg(), attr(IFLA_IFNAME, str(name))]);
      return true;
    } catch (e) {
      if (e instanceof NetlinkError && e.code === 'ENODEV') return false;
      throw e;
    }
  }
}
