// Where the configuration page listens: `web.listen`, else the default address; at start, the default when the
// configured address cannot be listened on; after a save, the page moved there at once.

import { errorMessage } from '../firmware-app/errors.ts';
import type { Config } from '../firmware-app/config/schema.ts';
import type { Logger } from '../firmware-app/platform/Logger.ts';
import { defaultPageListen } from './page/app/address.ts';
import type { ProvisioningServer } from './server.ts';

/** Where the page listens: `web.listen`, else http://127.0.0.1:8080/ in the simulator, http://0.0.0.0:8080/ on a device. */
function pageUrl(config: Config, simulate: boolean): string {
  return config.web.listen ?? `${defaultPageListen(simulate)}/`;
}

/**
 * The page on `web.listen`; when that cannot be listened on (an address the Pi no longer has after a DHCP change, a
 * port another program took), on the default address instead, so that the owner can still reach the page and fix it.
 */
export async function listenOrDefault(web: ProvisioningServer, config: Config, simulate: boolean, log: Logger): Promise<{ readonly url: string }> {
  const configured = pageUrl(config, simulate);
  const fallback = `${defaultPageListen(simulate)}/`;
  try {
    return await web.listen(configured);
  } catch (error) {
    if (configured === fallback) throw error;
    log.error('webListenFailed', { url: configured, error: errorMessage(error), instead: fallback });
    return web.listen(fallback);
  }
}

/**
 * A saved `web.listen` moves the page at once (sessions stay), after the save's own answer has gone out; an address
 * that cannot be listened on leaves the page where it was, and says so.
 */
export function pageMover(web: ProvisioningServer, first: Config, simulate: boolean, log: Logger): (next: Config) => void {
  /** Where the page listens now (changed only by a move that worked), and where the newest save wants it. */
  let at = pageUrl(first, simulate);
  let wanted = at;
  let moving = Promise.resolve();
  return (next) => {
    wanted = pageUrl(next, simulate);
    moving = moving.then(async () => {
      if (wanted === at) return;
      await new Promise((resolve) => setTimeout(resolve, 500));
      const url = wanted;
      if (url === at) return;
      try {
        await web.move(url);
        at = url;
      } catch (error) {
        log.error('webMoveFailed', { url, error: errorMessage(error) });
      }
    });
  };
}
