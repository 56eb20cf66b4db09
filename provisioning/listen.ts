// The page's listen URL (`http://address:port/`, `https://…`; the config's `web.listen`) and listening on it.

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DoorbellError } from '../firmware-app/errors.ts';

export interface ListeningAddress {
  readonly https: boolean;
  /** Without brackets (`::1`, `127.0.0.1`, `localhost`). */
  readonly host: string;
  readonly port: number;
}

/** Parses a listen URL; anything but a bare `http(s)://host:port/` is a configuration error. */
export function listenAddress(url: string): ListeningAddress {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new DoorbellError('WEB_LISTEN_INVALID', `web.listen ${JSON.stringify(url)} is not a URL like http://0.0.0.0:8080/`);
  }
  if ((parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || (parsed.pathname !== '/' && parsed.pathname !== '')
    || parsed.search !== '' || parsed.username !== '' || parsed.port === '' && !/:0\/?$/.test(url)) {
    throw new DoorbellError('WEB_LISTEN_INVALID', `web.listen ${JSON.stringify(url)} must be http://address:port/ or https://address:port/`);
  }
  return { https: parsed.protocol === 'https:', host: parsed.hostname.replace(/^\[|\]$/g, ''), port: Number(parsed.port || 0) };
}

/** Listens and answers the URL a browser uses (the real port; a wildcard address shown as itself). */
export function listenOn(server: Server, address: ListeningAddress): Promise<string> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(new DoorbellError('WEB_LISTEN_FAILED', `cannot listen on ${address.host}:${address.port}: ${error.message}`, { cause: error }));
    server.once('error', onError);
    server.listen({ host: address.host, port: address.port }, () => {
      server.off('error', onError);
      const port = (server.address() as AddressInfo).port;
      const host = address.host.includes(':') ? `[${address.host}]` : address.host;
      resolve(`${address.https ? 'https' : 'http'}://${host}:${port}/`);
    });
  });
}
