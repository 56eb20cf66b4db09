// Typed readers and writers for the attributes we understand: rtpmap, fmtp (RFC 8866 §6.6, §6.15), ptime and maxptime
// (§6.4, §6.5), crypto (RFC 4568 §9.1, key parameters kept as text) and rtcp (RFC 3605). parse.ts checks them with
// attributeProblem() so a bad number is a typed error early, and the readers never see nonsense.
import type { Attribute, Connection, MediaDescription } from './types.ts';

export interface Rtpmap {
  readonly payloadType: number;
  /** As written (`PCMU`, `telephone-event`); compare case-insensitively. */
  readonly encoding: string;
  readonly clockRate: number;
  readonly channels?: number;
}

export interface CryptoAttribute {
  readonly tag: number;
  readonly suite: string;
  /** `inline:<key||salt>[|lifetime][|MKI:length]`, possibly several joined by `;`: kept as text for the SRTP layer. */
  readonly keyParams: string;
  readonly sessionParams: readonly string[];
}

export interface RtcpAttribute {
  readonly port: number;
  readonly connection?: Connection;
}

const RTPMAP = /^(\d{1,3}) ([!#$%&'*+\-.^_`{|}~0-9A-Za-z]+)\/(\d{1,6})(?:\/(\d{1,2}))?$/;
const PTIME = /^(\d{1,5})(?:\.\d{1,3})?$/;
const CRYPTO = /^(\d{1,9}) ([A-Za-z0-9_]+) (\S+)((?: \S+)*)$/;
const RTCP = /^(\d{1,5})(?: (\S+) (\S+) (\S+))?$/;

export function parseRtpmap(value: string): Rtpmap | undefined {
  const m = RTPMAP.exec(value.trim());
  if (m === null) return undefined;
  const payloadType = Number(m[1]);
  const clockRate = Number(m[3]);
  const channels = m[4] === undefined ? undefined : Number(m[4]);
  if (payloadType > 127 || clockRate === 0 || channels === 0) return undefined;
  return channels === undefined ? { payloadType, encoding: m[2]!, clockRate } : { payloadType, encoding: m[2]!, clockRate, channels };
}

export function formatRtpmap(r: Rtpmap): Attribute {
  const channels = r.channels === undefined ? '' : `/${r.channels}`;
  return { name: 'rtpmap', value: `${r.payloadType} ${r.encoding}/${r.clockRate}${channels}` };
}

/** `a=fmtp:<format> <parameters>` → its two parts (parameters may be empty). */
export function parseFmtp(value: string): { readonly format: string; readonly parameters: string } | undefined {
  const space = value.indexOf(' ');
  const format = space < 0 ? value : value.slice(0, space);
  if (format === '') return undefined;
  return { format, parameters: space < 0 ? '' : value.slice(space + 1).trim() };
}

/** ptime / maxptime in milliseconds (a decimal part is allowed and dropped), or undefined when not a positive number. */
export function parseMilliseconds(value: string): number | undefined {
  const m = PTIME.exec(value.trim());
  if (m === null) return undefined;
  const ms = Number(m[1]);
  return ms > 0 ? ms : undefined;
}

export function parseCrypto(value: string): CryptoAttribute | undefined {
  const m = CRYPTO.exec(value.trim());
  if (m === null || !m[3]!.toLowerCase().startsWith('inline:')) return undefined;
  const sessionParams = m[4]!.split(' ').filter((p) => p !== '');
  return { tag: Number(m[1]), suite: m[2]!, keyParams: m[3]!, sessionParams };
}

export function formatCrypto(c: CryptoAttribute): Attribute {
  return { name: 'crypto', value: [String(c.tag), c.suite, c.keyParams, ...c.sessionParams].join(' ') };
}

export function parseRtcp(value: string): RtcpAttribute | undefined {
  const m = RTCP.exec(value.trim());
  if (m === null) return undefined;
  const port = Number(m[1]);
  if (port > 65535) return undefined;
  if (m[2] === undefined) return { port };
  return { port, connection: { netType: m[2], addrType: m[3]!, address: m[4]! } };
}

const READERS: ReadonlyMap<string, (value: string) => unknown> = new Map<string, (value: string) => unknown>([
  ['rtpmap', parseRtpmap],
  ['fmtp', parseFmtp],
  ['ptime', parseMilliseconds],
  ['maxptime', parseMilliseconds],
  ['rtcp', parseRtcp],
]);

/**
 * Why a known attribute is malformed, or undefined when it is fine (unknown attributes are always fine). a=crypto is
 * not checked here: a line we cannot read is one we cannot use (the SRTP policy decides), and its text holds a key,
 * which must never be quoted into a log line.
 */
export function attributeProblem(attribute: Attribute): string | undefined {
  const { name, value } = attribute;
  const reader = READERS.get(name);
  if (reader === undefined) return undefined;
  if (value === undefined || reader(value) === undefined) return `bad a=${name}`;
  return undefined;
}

/** Values of every `a=<name>:` of a section, in order. */
export function attributeValues(attributes: readonly Attribute[], name: string): string[] {
  const values: string[] = [];
  for (const a of attributes) if (a.name === name && a.value !== undefined) values.push(a.value);
  return values;
}

/** The rtpmap of one payload type of a media section, if it has one. */
export function rtpmapOf(media: MediaDescription, payloadType: number): Rtpmap | undefined {
  for (const value of attributeValues(media.attributes, 'rtpmap')) {
    const r = parseRtpmap(value);
    if (r?.payloadType === payloadType) return r;
  }
  return undefined;
}

/** Every rtpmap of a media section by payload type (the first one wins), read in one pass. */
export function rtpmapTable(media: MediaDescription): ReadonlyMap<number, Rtpmap> {
  const table = new Map<number, Rtpmap>();
  for (const value of attributeValues(media.attributes, 'rtpmap')) {
    const r = parseRtpmap(value);
    if (r !== undefined && !table.has(r.payloadType)) table.set(r.payloadType, r);
  }
  return table;
}

/** Every fmtp of a media section by format (the first one wins), read in one pass. */
export function fmtpTable(media: MediaDescription): ReadonlyMap<string, string> {
  const table = new Map<string, string>();
  for (const value of attributeValues(media.attributes, 'fmtp')) {
    const f = parseFmtp(value);
    if (f !== undefined && !table.has(f.format)) table.set(f.format, f.parameters);
  }
  return table;
}

/** The media section's `a=ptime`, if present and valid. */
export function ptimeOf(media: MediaDescription, name: 'ptime' | 'maxptime' = 'ptime'): number | undefined {
  const value = attributeValues(media.attributes, name)[0];
  return value === undefined ? undefined : parseMilliseconds(value);
}
