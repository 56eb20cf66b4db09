// StreamFramer: cuts SIP messages out of a TCP/TLS byte stream (RFC 3261 §18.3) and spots RFC 5626 keep-alives.

import { CR, LF, equalsLower, skipWs, trimEnd } from './chars.ts';
import { fail } from './errors.ts';
import { indexOfByte } from './text.ts';

export interface FramerEvents {
  /** One whole message (head and Content-Length bytes of body), ready for parseMessage. */
  message(frame: Uint8Array): void;
  /**
   * RFC 5626 §4.4.1 keep-alives between messages: a server-side framer reports `ping` for a
   * double CRLF (answer it with one CRLF); a client-side framer reports `pong` for a CRLF.
   */
  keepAlive(kind: 'ping' | 'pong'): void;
}

export interface StreamFramerOptions {
  /** Largest message accepted, body included (default 65535). */
  readonly maxMessageBytes?: number;
  /**
   * `client` on a connection we opened (the peer answers our pings with pongs), `server` on one
   * the peer opened (the peer pings us). Default `server`.
   */
  readonly role?: 'client' | 'server';
}

const EMPTY = new Uint8Array(0);

/**
 * Feed it every chunk a stream delivers. It calls `message` once per framed message and
 * `keepAlive` for CRLF keep-alives. A frame that cannot be cut (oversize, or a Content-Length that
 * is not a number) throws SipParseError: the stream is garbled and its connection must be closed.
 * Stray CRLFs before a message are skipped (RFC 3261 §7.5).
 */
export class StreamFramer {
  readonly #events: FramerEvents;
  readonly #max: number;
  readonly #client: boolean;
  #buffer: Uint8Array = EMPTY;
  /** Bytes of a message (not keep-alives) are at the start of #buffer. */
  #inMessage = false;
  /** Where the search for the end of the header section resumes in #buffer. */
  #searchFrom = 0;

  constructor(events: FramerEvents, options: StreamFramerOptions = {}) {
    this.#events = events;
    this.#max = options.maxMessageBytes ?? 65535;
    this.#client = options.role === 'client';
  }

  /** Bytes held while waiting for the rest of a message or keep-alive. */
  get pending(): number {
    return this.#buffer.length;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.#buffer.length === 0) {
      this.#buffer = chunk;
    } else {
      const joined = new Uint8Array(this.#buffer.length + chunk.length);
      joined.set(this.#buffer, 0);
      joined.set(chunk, this.#buffer.length);
      this.#buffer = joined;
    }
    this.#drain();
  }

  #consume(n: number): void {
    this.#buffer = this.#buffer.length === n ? EMPTY : this.#buffer.subarray(n);
  }

  /** Takes keep-alives off the front; false when more bytes are needed to decide. */
  #keepAlives(): boolean {
    for (;;) {
      const buf = this.#buffer;
      if (buf.length === 0 || buf[0] !== CR) return true;
      if (buf.length < 2) return false;
      if (buf[1] !== LF) return true; // not a keep-alive: framed as a message, and rejected by the parser
      if (this.#client) {
        this.#consume(2);
        this.#events.keepAlive('pong');
        continue;
      }
      if (buf.length < 3 || (buf[2] === CR && buf.length < 4)) return false;
      if (buf[2] === CR && buf[3] === LF) {
        this.#consume(4);
        this.#events.keepAlive('ping');
      } else {
        this.#consume(2);
      }
    }
  }

  #drain(): void {
    for (;;) {
      if (!this.#inMessage) {
        if (!this.#keepAlives()) return;
        if (this.#buffer.length === 0) return;
        this.#inMessage = true;
        this.#searchFrom = 0;
      }
      const buf = this.#buffer;
      const headEnd = findHeadEnd(buf, this.#searchFrom);
      if (headEnd < 0) {
        if (buf.length > this.#max) fail('FRAME_TOO_LARGE', `no end of headers within ${this.#max} bytes`);
        this.#searchFrom = Math.max(0, buf.length - 3);
        return;
      }
      const total = headEnd + contentLength(buf, headEnd);
      if (total > this.#max) fail('FRAME_TOO_LARGE', `message of ${total} bytes exceeds ${this.#max}`);
      this.#searchFrom = headEnd - 4; // found again at once while the body is still arriving
      if (buf.length < total) return;
      this.#consume(total);
      this.#inMessage = false;
      this.#events.message(buf.subarray(0, total));
    }
  }
}

/** Index just past the first CRLFCRLF at or after `from`, or -1. */
function findHeadEnd(buf: Uint8Array, from: number): number {
  for (let i = from + 3; i < buf.length; i++) {
    if (buf[i] === LF && buf[i - 1] === CR && buf[i - 2] === LF && buf[i - 3] === CR) return i + 1;
  }
  return -1;
}

/** Content-Length (or compact `l`) of the head [0, headEnd); 0 when absent (RFC 3261 §18.3). */
function contentLength(buf: Uint8Array, headEnd: number): number {
  let lineStart = 0;
  for (let i = 0; i < headEnd - 1; i++) {
    if (buf[i] !== CR || buf[i + 1] !== LF) continue;
    const colon = indexOfByte(buf, 58, lineStart);
    if (colon > lineStart && colon < i) {
      const nameEnd = trimEnd(buf, lineStart, colon);
      if (equalsLower(buf, lineStart, nameEnd, 'content-length') || equalsLower(buf, lineStart, nameEnd, 'l')) {
        const s = skipWs(buf, colon + 1, i);
        const e = trimEnd(buf, s, i);
        let n = 0;
        if (s === e) fail('BAD_CONTENT_LENGTH', 'empty Content-Length on a stream');
        for (let k = s; k < e; k++) {
          const d = buf[k]! - 48;
          if (d < 0 || d > 9 || n > 1e9) fail('BAD_CONTENT_LENGTH', 'Content-Length is not a number');
          n = n * 10 + d;
        }
        return n;
      }
    }
    lineStart = i + 2;
  }
  return 0;
}
