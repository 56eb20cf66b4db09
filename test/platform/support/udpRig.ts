// What the RTP/RTCP socket driver's tests share, on real UDP sockets, loopback only: a range of free ports starting on
// an even one, pairs and plain sockets closed after each test, and a bounded poll for what arrives asynchronously.

import { createSocket, type Socket } from 'node:dgram';
import type { MediaReceivers, MediaSocketPair } from '../../../firmware-app/media/ports.ts';
import type { UdpMediaPorts } from '../../../firmware-app/platform/udpMediaPorts.ts';
import { listenerPort } from '../../support/ports.ts';

export const HOST = '127.0.0.1';
/** Every wait gives up after this long (a bind or a datagram on loopback takes microseconds). */
export const DEADLINE_MS = 2000;

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `done` every 2 ms; rejects naming `what` after DEADLINE_MS. */
export async function until(done: () => boolean, what: string): Promise<void> {
  const start = performance.now();
  while (!done()) {
    if (performance.now() - start > DEADLINE_MS) throw new Error(`${what}: not within ${DEADLINE_MS} ms`);
    await sleep(2);
  }
}

/** `span` free ports in a row on loopback, starting on an even one. */
export async function evenRange(span: number): Promise<{ min: number; max: number }> {
  const start = await listenerPort(HOST, span + 1);
  const min = start % 2 === 0 ? start : start + 1;
  return { min, max: min + span - 1 };
}

/** Keeps what a test file opens; `cleanup` (its afterEach) closes pairs, then plain sockets, then drivers. */
export function udpRig() {
  const drivers: UdpMediaPorts[] = [];
  const opened: MediaSocketPair[] = [];
  const sockets: Socket[] = [];
  return {
    /** The driver, closed after the test. */
    track(media: UdpMediaPorts): UdpMediaPorts {
      drivers.push(media);
      return media;
    },
    /** A pair from `media` on HOST, closed after the test. */
    async open(media: UdpMediaPorts, receivers: MediaReceivers): Promise<MediaSocketPair> {
      const pair = await media.open(HOST, receivers);
      opened.push(pair);
      return pair;
    },
    /** Binds `port` with a plain socket (closed after the test); rejects with EADDRINUSE while anything holds it. */
    bindPlain(port = 0): Promise<Socket> {
      return new Promise((resolve, reject) => {
        const socket = createSocket('udp4');
        socket.once('error', reject);
        socket.bind(port, HOST, () => {
          sockets.push(socket);
          resolve(socket);
        });
      });
    },
    /** Closes a plain socket now. */
    letGo(socket: Socket): void {
      sockets.splice(sockets.indexOf(socket), 1);
      socket.close();
    },
    async cleanup(): Promise<void> {
      for (const pair of opened.splice(0)) pair.close();
      for (const socket of sockets.splice(0)) socket.close();
      await Promise.all(drivers.splice(0).map((driver) => driver.close()));
    },
  };
}
