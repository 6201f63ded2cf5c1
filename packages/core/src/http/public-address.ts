/**
 * Which IP addresses count as public, and a DNS lookup for `net.connect` that refuses the
 * others. The check runs on the addresses the socket is about to connect to, after DNS, so a
 * public-looking host name that resolves to 127.0.0.1 or 169.254.169.254 is caught too.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/** The `code` of the error a refused address fails with. */
export const NON_PUBLIC_ADDRESS = 'EHEROGEN_NON_PUBLIC_ADDRESS';

/** Loopback, private, link-local, shared, reserved, multicast and unspecified ranges. */
const NON_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  NON_PUBLIC.addSubnet(network, prefix, 'ipv4');
}
// IPv4-mapped IPv6 addresses (::ffff:127.0.0.1) are matched by the IPv4 rules above.
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  NON_PUBLIC.addSubnet(network, prefix, 'ipv6');
}

/** True for an IP address on the public internet; false for anything else (including non-IPs). */
export function isPublicAddress(address: string): boolean {
  const bare = address.replace(/^\[|\]$/g, '');
  const family = isIP(bare);
  if (family === 0) return false;
  return !NON_PUBLIC.check(bare, family === 6 ? 'ipv6' : 'ipv4');
}

export function nonPublicAddressError(hostname: string, address: string): Error {
  const what = hostname === address ? address : `${hostname} resolves to ${address}, which`;
  return Object.assign(new Error(`${what} is a private, loopback or reserved address`), {
    code: NON_PUBLIC_ADDRESS,
  });
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for `net.connect` / `tls.connect` that resolves as usual and fails when any
 * address of the host is not public (a name with one private address among public ones is
 * refused: the connection could land on either).
 */
export function publicOnlyLookup(
  hostname: string,
  options: LookupOptions,
  callback: LookupCallback,
): void {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
    if (error) {
      callback(error, options.all ? [] : '');
      return;
    }
    const refused = addresses.find((entry) => !isPublicAddress(entry.address));
    if (refused) {
      callback(nonPublicAddressError(hostname, refused.address), options.all ? [] : '');
      return;
    }
    if (options.all) callback(null, addresses);
    else callback(null, addresses[0]!.address, addresses[0]!.family);
  });
}
