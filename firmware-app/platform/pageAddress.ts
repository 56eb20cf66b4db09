// Where a person types the page's address: a page listening on every address (0.0.0.0, ::) is announced under the
// machine's name on the local network (mDNS, `raspberrypi.local` on Raspberry Pi OS), which a phone can open.
import { hostname } from 'node:os';

/** `url` with a wildcard host replaced by `<host name>.local`; undefined when `url` already names one address. */
export function addressForPeople(url: string, machine: string = hostname()): string | undefined {
  const parsed = new URL(url);
  if (parsed.hostname !== '0.0.0.0' && parsed.hostname !== '[::]') return undefined;
  if (machine === '' || !/^[A-Za-z0-9-]+$/.test(machine)) return undefined;
  parsed.hostname = `${machine}.local`;
  return parsed.href;
}
