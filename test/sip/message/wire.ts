// Helpers for the message-layer tests: SIP text as wire bytes (CRLF, UTF-8), RFC 4475 files and SipParseError capture.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { type NameAddr, SipParseError, type SipParseErrorCode, parseMessage, type SipMessage } from '../../../firmware-app/sip/message/index.ts';

const encoder = new TextEncoder();

/** UTF-8 bytes of `text`. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** One character per byte, so raw wire bytes (binary bodies, UTF-8) compare readably. */
export function latin1(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');
}

/** The header lines of the RFC 3261 §24.2 INVITE (F1), minus Contact and Content-Type. */
export const INVITE_HEADERS: readonly string[] = [
  'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds',
  'Max-Forwards: 70',
  'To: Bob <sip:bob@biloxi.example.com>',
  'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710@pc33.atlanta.example.com',
  'CSeq: 314159 INVITE',
];

export const INVITE_LINE = 'INVITE sip:bob@biloxi.example.com SIP/2.0';

/** Start line, header lines and body as wire bytes: CRLF after every line, an empty line, the body. */
export function wire(startLine: string, headers: readonly string[], body: string | Uint8Array = ''): Uint8Array {
  const head = utf8(`${startLine}\r\n${headers.map((h) => `${h}\r\n`).join('')}\r\n`);
  const tail = typeof body === 'string' ? utf8(body) : body;
  const out = new Uint8Array(head.length + tail.length);
  out.set(head, 0);
  out.set(tail, head.length);
  return out;
}

/** An INVITE with the F1 headers plus `extra` header lines. */
export function invite(extra: readonly string[] = [], body: string | Uint8Array = ''): Uint8Array {
  return wire(INVITE_LINE, [...INVITE_HEADERS, ...extra], body);
}

/** The INVITE F1 headers with the line starting with `name:` replaced by `line`. */
export function inviteWith(name: string, line: string): Uint8Array {
  const headers = INVITE_HEADERS.map((h) => (h.toLowerCase().startsWith(`${name.toLowerCase()}:`) ? line : h));
  return wire(INVITE_LINE, headers);
}

/** The RFC 4475 torture messages as shipped by the `sip` npm package. */
export const TORTURE_DIR = fileURLToPath(new URL('../../../node_modules/sip/test/messages/', import.meta.url));

/** A file of TORTURE_DIR as its bytes are: no string conversion (NUL bytes, UTF-8 and binary bodies stay intact). */
export function torture(file: string): Uint8Array {
  return new Uint8Array(readFileSync(TORTURE_DIR + file));
}

/** The Contact addresses of a message that has no wildcard Contact. */
export function contactsOf(m: SipMessage): NameAddr[] {
  const contact = m.contact;
  expect(contact).not.toBe('*');
  return contact as NameAddr[];
}

/** Runs `fn`, which must throw a SipParseError, and returns that error. */
export function parseErrorOf(fn: () => unknown): SipParseError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(SipParseError);
    return err as SipParseError;
  }
  return expect.fail('expected a SipParseError, but nothing was thrown');
}

/** Parses `bytes`, which must fail with `code`; returns the error. */
export function rejects(bytes: Uint8Array, code: SipParseErrorCode): SipParseError {
  const err = parseErrorOf(() => parseMessage(bytes));
  expect(err.code).toBe(code);
  return err;
}

/** The partial request kept on a parse error, which must be there. */
export function partialRequest(err: SipParseError): SipMessage {
  expect(err.request, `${err.code} should keep the request so that ${err.status} can be sent`).toBeDefined();
  return err.request as SipMessage;
}
