/// <reference lib="dom" />
// The device status, kept live by server-sent events (`status` events carry the whole snapshot).

import { useEffect, useState } from 'preact/hooks';
import type { DeviceStatus } from '../../ports.ts';
import { isObject, type Json } from './json.ts';

/** What the page shows; the API's answers are trusted this far: an object with a registration. */
export function asStatus(data: Json): DeviceStatus | undefined {
  return isObject(data) && isObject(data['registration']) ? (data as unknown as DeviceStatus) : undefined;
}

export type Connection = 'live' | 'reconnecting';

/**
 * Follows /api/events while `enabled`. When the stream closes for good (the session ended, the device restarted)
 * `lost` is called, which asks /api/status again: a 401 there shows the login screen; otherwise the stream is
 * opened again a few seconds later.
 */
export function useLiveStatus(enabled: boolean, update: (status: DeviceStatus) => void, lost: () => Promise<void>): Connection {
  const [connection, setConnection] = useState<Connection>('reconnecting');
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    if (!enabled) return undefined;
    const source = new EventSource('/api/events');
    let retry: number | undefined;
    let closed = false;
    source.addEventListener('open', () => setConnection('live'));
    source.addEventListener('status', (event) => {
      try {
        const status = asStatus(JSON.parse((event as MessageEvent<string>).data) as Json);
        if (status !== undefined) update(status);
        setConnection('live');
      } catch {
        // A malformed event is skipped; the next snapshot replaces it.
      }
    });
    source.addEventListener('error', () => {
      setConnection('reconnecting');
      if (source.readyState !== EventSource.CLOSED) return; // the browser retries by itself
      void lost().then(() => {
        if (!closed) retry = window.setTimeout(() => setAttempt((n) => n + 1), 5000);
      });
    });
    return () => {
      closed = true;
      source.close();
      if (retry !== undefined) window.clearTimeout(retry);
    };
  }, [enabled, attempt]);
  return connection;
}
