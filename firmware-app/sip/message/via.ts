// Via header grammar (RFC 3261 §20.42, §25.1 via-parm) with RFC 3581 rport and RFC 5118 IPv6.

import { COMMA, SEMI, SLASH, TOKEN, equalsLower, pack, packedEnd, packedStart, parseDecimal, skipLws, scanClass } from './chars.ts';
import { fail } from './errors.ts';
import { PARAM_SCAN, paramMap, scanParam } from './params.ts';
import { text } from './text.ts';
import { URI, scanHost, scanPort } from './uri.ts';

/** Offsets of the last via-parm scanned by `scanVia` (scratch). */
const VIA = {
  transportStart: 0,
  transportEnd: 0,
  hostStart: 0,
  hostEnd: 0,
  port: -1,
  paramsStart: 0,
  paramsEnd: 0,
  branchStart: -1,
  branchEnd: -1,
  receivedStart: -1,
  receivedEnd: -1,
  /** -2 absent, -1 present without value, else the value. */
  rport: -2,
  /** Index just after the name of a valueless `rport` (where `=port` goes), else -1. */
  rportNameEnd: -1,
};

function scanToken(bytes: Uint8Array, p: number, end: number): number {
  const q = scanClass(bytes, p, end, TOKEN);
  if (q === p) fail('BAD_VIA', 'Via sent-protocol is incomplete');
  return q;
}

function expectSlash(bytes: Uint8Array, p: number, end: number): number {
  p = skipLws(bytes, p, end);
  if (bytes[p] !== SLASH) fail('BAD_VIA', 'Via sent-protocol needs protocol/version/transport');
  return skipLws(bytes, p + 1, end);
}

/** Whether `SIP/2.0/` (name in any case) starts at `p`. */
function isSip20Slash(bytes: Uint8Array, p: number, end: number): boolean {
  return p + 8 <= end && (bytes[p]! | 0x20) === 0x73 && (bytes[p + 1]! | 0x20) === 0x69 && (bytes[p + 2]! | 0x20) === 0x70 &&
    bytes[p + 3] === SLASH && bytes[p + 4] === 50 && bytes[p + 5] === 46 && bytes[p + 6] === 48 && bytes[p + 7] === SLASH;
}

/**
 * Scans one via-parm starting at `p` (leading white space allowed); returns the index where it
 * ends: at a top-level comma or at `end`. Fills the VIA scratch.
 */
export function scanVia(bytes: Uint8Array, p: number, end: number): number {
  p = skipLws(bytes, p, end);
  if (isSip20Slash(bytes, p, end)) {
    p = skipLws(bytes, p + 8, end); // the common spelling
  } else {
    p = scanToken(bytes, p, end); // protocol-name
    p = expectSlash(bytes, p, end);
    p = scanToken(bytes, p, end); // protocol-version
    p = expectSlash(bytes, p, end);
  }
  VIA.transportStart = p;
  p = scanToken(bytes, p, end);
  VIA.transportEnd = p;
  const hostStart = skipLws(bytes, p, end);
  if (hostStart === p) fail('BAD_VIA', 'Via needs white space before sent-by');
  VIA.hostStart = hostStart;
  p = scanHost(bytes, hostStart, end, 'BAD_VIA');
  VIA.hostEnd = p;
  p = skipLws(bytes, p, end);
  p = scanPort(bytes, p, end, 'BAD_VIA');
  VIA.port = URI.port;
  VIA.paramsStart = p;
  VIA.branchStart = VIA.branchEnd = VIA.receivedStart = VIA.receivedEnd = -1;
  VIA.rport = -2;
  VIA.rportNameEnd = -1;
  for (;;) {
    const q = skipLws(bytes, p, end);
    if (q >= end || bytes[q] !== SEMI) {
      VIA.paramsEnd = p;
      p = q;
      break;
    }
    p = scanParam(bytes, q, end, 'BAD_VIA', true);
    const { nameStart, nameEnd, valueStart, valueEnd } = PARAM_SCAN;
    const nameLength = nameEnd - nameStart;
    if (nameLength !== 6 && nameLength !== 8 && nameLength !== 5) continue; // not branch, received or rport
    if (equalsLower(bytes, nameStart, nameEnd, 'branch')) {
      if (valueStart < 0) fail('BAD_VIA', 'Via branch without value');
      VIA.branchStart = valueStart;
      VIA.branchEnd = valueEnd;
    } else if (equalsLower(bytes, nameStart, nameEnd, 'received')) {
      if (valueStart < 0) fail('BAD_VIA', 'Via received without value');
      VIA.receivedStart = valueStart;
      VIA.receivedEnd = valueEnd;
    } else if (equalsLower(bytes, nameStart, nameEnd, 'rport')) {
      VIA.rport = valueStart < 0 ? -1 : parseDecimal(bytes, valueStart, valueEnd, 65535);
      VIA.rportNameEnd = valueStart < 0 ? nameEnd : -1;
      if (VIA.rport === -1 && valueStart >= 0) fail('BAD_VIA', 'Via rport is not a port');
    }
  }
  if (p < end && bytes[p] !== COMMA) fail('BAD_VIA', 'unexpected character in Via');
  return p;
}

/** One via-parm of a Via header. */
export interface Via {
  /** Transport as written, upper-cased: `UDP`, `TCP`, `TLS`, `WS` … */
  readonly transport: string;
  /** sent-by host; an IPv6 reference keeps its brackets. */
  readonly host: string;
  /** sent-by port, or undefined when absent (no 5060 default is filled in). */
  readonly port: number | undefined;
  readonly branch: string | undefined;
  readonly received: string | undefined;
  /** RFC 3581: undefined when absent, `true` when requested without value, else the port. */
  readonly rport: number | true | undefined;
  /** Every via-param, names lower-cased, `null` for a flag. */
  readonly params: ReadonlyMap<string, string | null>;
}

function transportName(bytes: Uint8Array, s: number, e: number): string {
  if (equalsLower(bytes, s, e, 'udp')) return 'UDP';
  if (equalsLower(bytes, s, e, 'tcp')) return 'TCP';
  if (equalsLower(bytes, s, e, 'tls')) return 'TLS';
  return text(bytes, s, e).toUpperCase();
}

/** Lazy view of one scanned via-parm: strings are made only when a property is read. */
class ViaValue implements Via {
  readonly transport: string;
  readonly port: number | undefined;
  readonly #bytes: Uint8Array;
  readonly #range: number;
  readonly #host: number;
  readonly #branch: number;

  /** Captures the via-parm [start, end) just scanned by `scanVia`. */
  constructor(bytes: Uint8Array, start: number, end: number) {
    this.transport = transportName(bytes, VIA.transportStart, VIA.transportEnd);
    this.port = VIA.port >= 0 ? VIA.port : undefined;
    this.#bytes = bytes;
    this.#range = pack(start, end);
    this.#host = pack(VIA.hostStart, VIA.hostEnd);
    this.#branch = VIA.branchStart >= 0 ? pack(VIA.branchStart, VIA.branchEnd) : -1;
  }

  /** @internal Where this via-parm ends in the message bytes. */
  get end(): number {
    return packedEnd(this.#range);
  }

  get host(): string {
    return text(this.#bytes, packedStart(this.#host), packedEnd(this.#host));
  }

  get branch(): string | undefined {
    return this.#branch < 0 ? undefined : text(this.#bytes, packedStart(this.#branch), packedEnd(this.#branch));
  }

  #rescan(): void {
    scanVia(this.#bytes, packedStart(this.#range), packedEnd(this.#range));
  }

  get received(): string | undefined {
    this.#rescan();
    return VIA.receivedStart >= 0 ? text(this.#bytes, VIA.receivedStart, VIA.receivedEnd) : undefined;
  }

  get rport(): number | true | undefined {
    this.#rescan();
    return VIA.rport === -2 ? undefined : VIA.rport === -1 ? true : VIA.rport;
  }

  /** Built on each read: parameters are read rarely, and a cache would cost every message a field. */
  get params(): ReadonlyMap<string, string | null> {
    this.#rescan();
    return paramMap(this.#bytes, VIA.paramsStart, VIA.paramsEnd, true);
  }

  /** @internal Where a server inserts `;received=` (end of the params) and `=port` for a bare rport. */
  insertionPoints(): { paramsEnd: number; rportNameEnd: number; hasReceived: boolean } {
    this.#rescan();
    return { paramsEnd: VIA.paramsEnd, rportNameEnd: VIA.rportNameEnd, hasReceived: VIA.receivedStart >= 0 };
  }

  toJSON(): object {
    return { transport: this.transport, host: this.host, port: this.port, branch: this.branch, received: this.received, rport: this.rport };
  }
}

/** Offsets for adding received/rport to a Via read by `readVia` (see ViaValue.insertionPoints). */
export function viaInsertionPoints(via: Via): { paramsEnd: number; rportNameEnd: number; hasReceived: boolean } {
  return (via as ViaValue).insertionPoints();
}

/** Validates the first via-parm at `start` and returns a lazy view of it. */
export function readVia(bytes: Uint8Array, start: number, end: number): Via {
  const parmStart = skipLws(bytes, start, end);
  const parmEnd = scanVia(bytes, parmStart, end);
  return new ViaValue(bytes, parmStart, parmEnd);
}

/** Validates the via-parms of one Via header value from `start`. */
export function validateVias(bytes: Uint8Array, start: number, end: number): void {
  let p = start;
  for (;;) {
    p = scanVia(bytes, p, end); // an empty element fails here
    if (p >= end) return;
    p++; // the comma
  }
}

/** End of the first via-parm of a Via value read by `readVia` (a comma or the end). */
export function lastViaEnd(via: Via): number {
  return (via as ViaValue).end;
}

/** Reads every via-parm of one Via header value into `out`. */
export function readVias(bytes: Uint8Array, start: number, end: number, out: Via[]): void {
  let p = start;
  for (;;) {
    const parmStart = skipLws(bytes, p, end);
    p = scanVia(bytes, parmStart, end);
    out.push(new ViaValue(bytes, parmStart, p));
    if (p >= end) return;
    p++;
  }
}
