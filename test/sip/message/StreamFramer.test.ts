// StreamFramer: message framing on TCP/TLS by Content-Length (RFC 3261 §18.3) and CRLF keep-alives (RFC 5626 §4.4.1).
import { describe, expect, it } from 'vitest';
import { StreamFramer, type StreamFramerOptions, parseMessage } from '../../../firmware-app/sip/message/index.ts';
import { INVITE_HEADERS, INVITE_LINE, latin1, parseErrorOf, utf8, wire } from './wire.ts';

type FramerEvent = ['message', string] | ['keepAlive', 'ping' | 'pong'];

/** A framer that records what it reports, frames as one-char-per-byte text. */
function recorder(options: StreamFramerOptions = {}): { framer: StreamFramer; events: FramerEvent[] } {
  const events: FramerEvent[] = [];
  const framer = new StreamFramer(
    { message: (frame) => events.push(['message', latin1(frame)]), keepAlive: (kind) => events.push(['keepAlive', kind]) },
    options,
  );
  return { framer, events };
}

function join(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const withBody = (body: string): Uint8Array => wire(INVITE_LINE, [...INVITE_HEADERS, `Content-Length: ${utf8(body).length}`], body);
const MSG_A = withBody('v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n');
const MSG_B = wire('SIP/2.0 100 Trying', [...INVITE_HEADERS, 'Content-Length: 0']);
// A body holding an empty line of its own, like a multipart body: framing must go by Content-Length.
const MSG_C = withBody('--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b--\r\n');
const PING = utf8('\r\n\r\n');
const PONG = utf8('\r\n');

describe('StreamFramer', () => {
  it('cuts several messages out of one chunk', () => {
    const { framer, events } = recorder();
    framer.push(join(MSG_A, MSG_B, MSG_C));
    expect(events).toEqual([['message', latin1(MSG_A)], ['message', latin1(MSG_B)], ['message', latin1(MSG_C)]]);
    expect(framer.pending).toBe(0);
  });

  it('hands out frames that parseMessage reads with their bodies', () => {
    const frames: Uint8Array[] = [];
    const framer = new StreamFramer({ message: (f) => frames.push(f), keepAlive: () => undefined });
    framer.push(join(MSG_A, MSG_C));
    expect(frames.map((f) => latin1(parseMessage(f).body))).toEqual(['v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\n', '--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b--\r\n']);
  });

  it('assembles one message pushed one byte at a time', () => {
    const { framer, events } = recorder();
    for (let i = 0; i < MSG_A.length; i++) {
      expect(events).toEqual([]);
      framer.push(MSG_A.subarray(i, i + 1));
    }
    expect(events).toEqual([['message', latin1(MSG_A)]]);
  });

  it('waits for a body split across chunks', () => {
    const { framer, events } = recorder();
    framer.push(MSG_A.subarray(0, MSG_A.length - 10));
    expect(events).toEqual([]);
    expect(framer.pending).toBe(MSG_A.length - 10);
    framer.push(MSG_A.subarray(MSG_A.length - 10));
    expect(events).toEqual([['message', latin1(MSG_A)]]);
    expect(framer.pending).toBe(0);
  });

  it('frames a body that holds an empty line when it arrives after the head', () => {
    const { framer, events } = recorder();
    const head = latin1(MSG_C).indexOf('\r\n\r\n') + 4;
    framer.push(MSG_C.subarray(0, head));
    framer.push(MSG_C.subarray(head, head + 5));
    framer.push(MSG_C.subarray(head + 5));
    expect(events).toEqual([['message', latin1(MSG_C)]]);
  });

  it('keeps the start of the next message while waiting for it', () => {
    const { framer, events } = recorder();
    framer.push(join(MSG_B, MSG_A.subarray(0, 20)));
    expect(events).toEqual([['message', latin1(MSG_B)]]);
    expect(framer.pending).toBe(20);
    framer.push(MSG_A.subarray(20));
    expect(events).toEqual([['message', latin1(MSG_B)], ['message', latin1(MSG_A)]]);
  });

  it('on a server connection reports a double CRLF as ping and skips a lone CRLF (RFC 5626 §4.4.1, RFC 3261 §7.5)', () => {
    const { framer, events } = recorder();
    framer.push(PING);
    framer.push(PONG);
    framer.push(join(PING, MSG_B, PING));
    expect(events).toEqual([['keepAlive', 'ping'], ['keepAlive', 'ping'], ['message', latin1(MSG_B)], ['keepAlive', 'ping']]);
    expect(framer.pending).toBe(0);
  });

  it('on a client connection reports every CRLF as pong', () => {
    const { framer, events } = recorder({ role: 'client' });
    framer.push(PONG);
    framer.push(join(PONG, MSG_B, PONG));
    expect(events).toEqual([['keepAlive', 'pong'], ['keepAlive', 'pong'], ['message', latin1(MSG_B)], ['keepAlive', 'pong']]);
  });

  it('on a server connection reports one ping when its two CRLFs arrive in two chunks', () => {
    const { framer, events } = recorder();
    framer.push(MSG_B);
    framer.push(PONG);
    framer.push(PONG);
    framer.push(MSG_B);
    expect(events).toEqual([['message', latin1(MSG_B)], ['keepAlive', 'ping'], ['message', latin1(MSG_B)]]);
  });

  it('does not frame a ping cut after its first CR as a message', () => {
    const { framer, events } = recorder();
    framer.push(PING.subarray(0, 1));
    framer.push(PING.subarray(1));
    framer.push(MSG_B);
    expect(events).toEqual([['keepAlive', 'ping'], ['message', latin1(MSG_B)]]);
  });

  it('on a client connection reports a pong cut between its CR and LF, and frames the next message without it', () => {
    const { framer, events } = recorder({ role: 'client' });
    framer.push(PONG.subarray(0, 1));
    framer.push(PONG.subarray(1));
    framer.push(MSG_B);
    expect(events).toEqual([['keepAlive', 'pong'], ['message', latin1(MSG_B)]]);
  });

  it('does not take the empty line of a message for a keep-alive', () => {
    const { framer, events } = recorder();
    const head = latin1(MSG_B).length - 2;
    framer.push(MSG_B.subarray(0, head));
    framer.push(MSG_B.subarray(head));
    expect(events).toEqual([['message', latin1(MSG_B)]]);
  });

  it('reads the compact Content-Length and tolerates white space around the colon', () => {
    const { framer, events } = recorder();
    const compact = wire(INVITE_LINE, [...INVITE_HEADERS, 'l  :  4 '], 'abcd');
    framer.push(join(compact, MSG_B));
    expect(events).toEqual([['message', latin1(compact)], ['message', latin1(MSG_B)]]);
  });

  it('takes a missing Content-Length as an empty body', () => {
    const { framer, events } = recorder();
    const bare = wire(INVITE_LINE, [...INVITE_HEADERS]);
    framer.push(join(bare, MSG_B));
    expect(events).toEqual([['message', latin1(bare)], ['message', latin1(MSG_B)]]);
  });

  it.each(['abc', '-1', '', '12x'])('throws BAD_CONTENT_LENGTH for Content-Length %j: the stream cannot be framed', (value) => {
    const { framer } = recorder();
    const err = parseErrorOf(() => framer.push(wire(INVITE_LINE, [...INVITE_HEADERS, `Content-Length: ${value}`])));
    expect(err.code).toBe('BAD_CONTENT_LENGTH');
  });

  it('throws FRAME_TOO_LARGE when no end of headers comes within the limit', () => {
    const { framer } = recorder({ maxMessageBytes: 64 });
    framer.push(utf8('INVITE sip:bob@biloxi.example.com SIP/2.0\r\n'));
    expect(parseErrorOf(() => framer.push(utf8(`Subject: ${'x'.repeat(40)}`))).code).toBe('FRAME_TOO_LARGE');
  });

  it('throws FRAME_TOO_LARGE as soon as Content-Length announces a message over the limit', () => {
    const { framer, events } = recorder({ maxMessageBytes: 1000 });
    const head = wire(INVITE_LINE, [...INVITE_HEADERS, 'Content-Length: 5000']);
    expect(parseErrorOf(() => framer.push(head)).code).toBe('FRAME_TOO_LARGE');
    expect(events).toEqual([]);
  });

  it('accepts a message of exactly the limit', () => {
    const { framer, events } = recorder({ maxMessageBytes: MSG_A.length });
    framer.push(MSG_A);
    expect(events).toHaveLength(1);
  });

  it('ignores empty chunks', () => {
    const { framer, events } = recorder();
    framer.push(new Uint8Array(0));
    expect([events, framer.pending]).toEqual([[], 0]);
  });
});
