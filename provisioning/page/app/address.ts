// The page's own address (`web.listen`, `http://0.0.0.0:8080`) as a browser would open it after a change: a wildcard
// address is no place to go, so the host the browser uses now stands in for it. Only for showing a link: whether the
// text is a valid listen address is the schema's to say.

/** `web.listen` when the config has none (provisioning/placement.ts uses it too): every address on a device, loopback in the simulator. */
export function defaultPageListen(simulator: boolean): string {
  return simulator ? 'http://127.0.0.1:8080' : 'http://0.0.0.0:8080';
}

const WILDCARDS: ReadonlySet<string> = new Set(['0.0.0.0', '[::]']);

/**
 * The URL to open the page at once it listens on `listen`, with `currentHost` (the browser's `location.hostname`)
 * standing in for a wildcard address; undefined for text that is no URL, or port 0 (a free port chosen at start:
 * nobody can know it here).
 */
export function pageUrlAfter(listen: string, currentHost: string): string | undefined {
  let url: URL;
  try {
    url = new URL(listen.trim());
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (/:0\/?$/.test(listen.trim())) return undefined;
  const host = WILDCARDS.has(url.hostname) ? (currentHost.includes(':') && !currentHost.startsWith('[') ? `[${currentHost}]` : currentHost) : url.hostname;
  return `${url.protocol}//${host}${url.port === '' ? '' : `:${url.port}`}/`;
}
