// StreamFramer: cuts SIP messages out of a TCP/TLS byte stream (RFC 3261 §18.3) and spots RFC 5626 keep-alives.

import { CR, LF, equalsLower, skipWs, trimEnd } from './chars.ts';
import { fail } from './errors.ts';

export interface FramerEvents {
  /** One whole message (head and Content-Length bytes of body), ready for parseMessage. */
  message(frame: Uint8Array): void;
  /** RFC 5626 §4.4.1: `ping` is a double CRLF (answer it with one CRLF); `pong` a single CRLF. */
  keepAlive(kind: 'ping' | 'pong'): void;
}

export interface StreamFramerOptions {
  /** Largest message accepted, body included (default 65535). */
  readonly maxMessageBytes?: number;
}

const EMPTY = new Uint8Array(0);

/**
 * Feed it every chunk a stream delivers. It calls `message` once per framed message and
 * `keepAlive` for CRLF keep-alives. A frame that cannot be cut (oversize, or a Content-Length that
 * is not a number) throws SipParseError: the stream is garbled and its connection must be closed.
 */
export class StreamFramer {
  readonly #events: FramerEvents;
  readonly #max: number;
  #buffer: Uint8Array = EMPTY;
  /** Where the search for the end of the header section resumes in #buffer. */
  #scanFrom = 0;

  constructor(events: FramerEvents, options: StreamFramerOptions = {}) {
    this.#events = events;
    this.#max = options.maxMessageBytes ?? 65535;
  }

  /** Bytes held while waiting for the rest of a message. */
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

  #drain(): void {
    for (;;) {
      let buf = this.#buffer;
      // Keep-alives live between messages only.
      while (this.#scanFrom === 0 && buf.length >= 2 && buf[0] === CR && buf[1] === LF) {
        if (buf.length >= 4 && buf[2] === CR && buf[3] === LF) {
          buf = buf.subarray(4);
          this.#buffer = buf;
          this.#events.keepAlive('ping');
        } else {
          buf = buf.subarray(2);
          this.#buffer = buf;
          this.#events.keepAlive('pong');
        }
      }
      if (buf.length === 0) {
        this.#buffer = EMPTY;
        return;
      }
      const headEnd = this.#findHeadEnd(buf);
      if (headEnd < 0) {
        if (buf.length > this.#max) fail('FRAME_TOO_LARGE', `no end of headers within ${this.#max} bytes`);
        return;
      }
      const total = headEnd + contentLength(buf, headEnd);
      if (total > this.#max) fail('FRAME_TOO_LARGE', `message of ${total} bytes exceeds ${this.#max}`);
      if (buf.length < total) return;
      this.#buffer = buf.length === total ? EMPTY : buf.subarray(total);
      this.#scanFrom = 0;
      this.#events.message(buf.subarray(0, total));
    }
  }

  /** Index just past the CRLFCRLF ending the header section, or -1 when not yet received. */
  #findHeadEnd(buf: Uint8Array): number {
    for (let i = Math.max(this.#scanFrom, 3); i < buf.length; i++) {
      if (buf[i] === LF && buf[i - 1] === CR && buf[i - 2] === LF && buf[i - 3] === CR) {
        this.#scanFrom = i + 1;
        return i + 1;
      }
    }
    this.#scanFrom = Math.max(0, buf.length - 3);
    // #scanFrom also marks "inside a message" for keep-alive detection; keep it non-zero.
    if (this.#scanFrom === 0) this.#scanFrom = 3;
    return -1;
  }
}

/** Content-Length (or compact `l`) of the head [0, headEnd); 0 when absent (RFC 3261 §18.3). */
function contentLength(buf: Uint8Array, headEnd: number): number {
  let lineStart = 0;
  for (let i = 0; i < headEnd - 1; i++) {
    if (buf[i] !== CR || buf[i + 1] !== LF) continue;
    const colon = buf.indexOf(58, lineStart);
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
