// Ambient types for the untyped peer parsers the parser benchmark compares against.
// Only what bench/parser/subjects.ts reads is declared, as the packages actually return it
// (checked against node_modules: sip 0.0.6, drachtio-sip 0.6.3, jssip 3.13.8).

/** `sip` (kirm/sip.js on npm as "sip"): regex-based, parses every header eagerly into plain objects. */
declare module 'sip' {
  export interface AddressHeader {
    /** Display name as written, quotes kept. */
    readonly name?: string;
    readonly uri: string;
    readonly params: Readonly<Record<string, string | null | undefined>>;
  }
  export interface ViaHeader {
    readonly version: string;
    readonly protocol: string;
    readonly host: string;
    readonly port?: number;
    readonly params: Readonly<Record<string, string | null | undefined>>;
  }
  export interface Headers {
    readonly via?: readonly ViaHeader[];
    readonly from?: AddressHeader;
    readonly to?: AddressHeader;
    readonly 'call-id'?: string;
    readonly cseq?: { readonly seq: number; readonly method: string };
    readonly contact?: readonly AddressHeader[] | '*';
    readonly [name: string]: unknown;
  }
  export interface Message {
    /** Requests only; a response carries its method in CSeq. */
    readonly method?: string;
    readonly uri?: string;
    /** Responses only. */
    readonly status?: number;
    readonly reason?: string;
    readonly headers: Headers;
    /** The body, cut to Content-Length; a Buffer argument is decoded as latin1. */
    readonly content: string;
  }
  /** Returns undefined when the message does not parse; header parse errors are swallowed. */
  export function parse(data: string | Uint8Array): Message | undefined;
}

/** `drachtio-sip`: splits the message into raw header strings; `getParsedHeader` parses on each call. */
declare module 'drachtio-sip' {
  // Its header parser (lib/parser.js) is sip's parseAOR/parseVia: the same shapes.
  import type { AddressHeader, ViaHeader } from 'sip';
  export type { AddressHeader, ViaHeader };
  export class SipMessage {
    /** Throws when the message does not parse. */
    constructor(raw: string);
    readonly method?: string;
    readonly status?: number;
    readonly body?: string;
    has(name: string): boolean;
    get(name: string): string | undefined;
    /** Throws a TypeError when the header is absent: check `has` first. */
    getParsedHeader(name: 'via' | 'Via'): ViaHeader[];
    getParsedHeader(name: 'from' | 'From' | 'to' | 'To'): AddressHeader;
    getParsedHeader(name: 'contact' | 'Contact'): AddressHeader[];
    getParsedHeader(name: 'cseq' | 'CSeq'): { seq: number; method: string };
    /** Headers without a parser of their own come back as the raw value. */
    getParsedHeader(name: 'call-id' | 'Call-ID'): string;
  }
}

/** jssip's internal parser module (not in its typings). */
declare module 'jssip/lib/Parser' {
  /** A jssip URI object; `toString()` serializes it again. */
  export interface Uri {
    readonly scheme: string;
    readonly user: string | undefined;
    readonly host: string;
    readonly port: number | undefined;
    toString(): string;
  }
  export interface IncomingMessage {
    /** Request method; for a response, the CSeq method. */
    readonly method: string;
    /** Responses only. */
    readonly status_code?: number;
    readonly via: { readonly host: string; readonly port?: number; readonly branch?: string };
    readonly from_tag?: string;
    readonly to_tag?: string;
    readonly call_id: string;
    readonly cseq: number;
    readonly body: string;
    /** Parses (and caches) a header; CSeq gives {value, method}, Contact a NameAddrHeader. */
    parseHeader(name: 'cseq'): { readonly value: number; readonly method: string } | undefined;
    parseHeader(name: 'contact'): { readonly uri: Uri } | undefined;
  }
  /**
   * Parses a whole message string. `ua` is only stored on requests (IncomingRequest#ua) for
   * `reply()`; parsing never touches it. Returns undefined (and logs through `debug`) on failure.
   */
  export function parseMessage(data: string, ua: object): IncomingMessage | undefined;
}
