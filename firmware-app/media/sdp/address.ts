// Address checks for c=, o= and our own offers (RFC 8866 §5.7, §9 grammar): IP literals, FQDNs, and the
// unspecified addresses that must never be ours (ARCHITECTURE: Addresses) but mean "hold" from a peer (RFC 3264 §8.4).

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/;
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

export function isIpv4(text: string): boolean {
  const m = IPV4.exec(text);
  return m !== null && m.slice(1).every((octet) => Number(octet) <= 255);
}

export function isIpv6(text: string): boolean {
  if (text.length > 45 || !text.includes(':')) return false;
  let groups = text.split(':');
  let budget = 8;
  const last = groups[groups.length - 1]!;
  if (last.includes('.')) {
    if (!isIpv4(last)) return false;
    groups = groups.slice(0, -1).concat(['0', '0']);
  }
  const doubleColon = text.indexOf('::');
  if (doubleColon >= 0) {
    if (text.indexOf('::', doubleColon + 1) >= 0) return false;
    const filled = groups.filter((g) => g !== '');
    budget -= 1;
    return filled.length <= budget && filled.every((g) => HEX_GROUP.test(g));
  }
  return groups.length === budget && groups.every((g) => HEX_GROUP.test(g));
}

/** A connection or origin address as RFC 8866 allows it for IN IP4 / IN IP6 (multicast `/ttl[/count]` suffixes too). */
export function isValidAddress(addrType: string, address: string): boolean {
  const slash = address.indexOf('/');
  const host = slash < 0 ? address : address.slice(0, slash);
  if (slash >= 0 && !/^(\/\d{1,5}){1,2}$/.test(address.slice(slash))) return false;
  if (addrType === 'IP4') return isIpv4(host) || (!/^[\d.]+$/.test(host) && HOSTNAME.test(host));
  if (addrType === 'IP6') return isIpv6(host) || HOSTNAME.test(host);
  // Another address type (RFC 8866 §5.7 leaves room): a token, which we never use.
  return /^[!#$%&'*+\-.^_`{|}~0-9A-Za-z:]+$/.test(address);
}

/** 0.0.0.0, ::, 0:0:0:0:0:0:0:0 … (RFC 2543 hold from a peer; never an address of ours). */
export function isUnspecified(address: string): boolean {
  if (address === '0.0.0.0') return true;
  return isIpv6(address) && address.split(/[:.]/).every((g) => g === '' || /^0+$/.test(g));
}

/** The SDP address type for an IP literal of ours, or undefined when it is not a usable unicast literal. */
export function addrTypeOf(address: string): 'IP4' | 'IP6' | undefined {
  if (isUnspecified(address)) return undefined;
  if (isIpv4(address)) return 'IP4';
  if (isIpv6(address)) return 'IP6';
  return undefined;
}
