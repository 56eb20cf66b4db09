// The parser benchmark's subjects: our parser, four npm peers and a CRLF-scan floor, each doing the
// same workload on a datagram: parse it, then read the fields a UA needs to route the message.

import { createRequire } from 'node:module';
import { Core } from 'sip.js';
import { parseMessage } from '../../firmware-app/sip/message/index.ts';
import { boundFields, extractBound } from './bound.ts';
import { Fields, type Subject } from './fields.ts';

export { Fields, type Subject } from './fields.ts';

// CommonJS peers, loaded as published (the bench bundle keeps every package external).
const requireCjs = createRequire(import.meta.url);
const sip = requireCjs('sip') as typeof import('sip');
const drachtio = requireCjs('drachtio-sip') as typeof import('drachtio-sip');
const jssipParser = requireCjs('jssip/lib/Parser') as typeof import('jssip/lib/Parser');

// ---- ours: parses the bytes as delivered, no string conversion -----------------------------------

const oursFields = new Fields();

function ours(buf: Buffer): number {
  const m = parseMessage(buf);
  const r = oursFields;
  r.method = m.method;
  r.status = m.status;
  const via = m.topVia;
  r.branch = via.branch;
  r.host = via.host;
  r.port = via.port;
  r.fromTag = m.from.tag;
  r.toTag = m.to.tag;
  r.callId = m.callId;
  const cseq = m.cseq;
  r.cseqSeq = cseq.seq;
  r.cseqMethod = cseq.method;
  const contact = m.contact;
  r.contact = contact === '*' ? '*' : contact.length > 0 ? contact[0]!.uri : undefined;
  r.bodyLength = m.body.length;
  return r.bodyLength + r.cseqSeq;
}

// ---- sip (npm "sip"): everything is parsed eagerly, reading is property access --------------------

const sipFields = new Fields();

function sipNpm(buf: Buffer): number {
  const m = sip.parse(buf.toString());
  if (m === undefined) return -1;
  const h = m.headers;
  const r = sipFields;
  const cseq = h.cseq!;
  r.method = m.method ?? cseq.method;
  r.status = m.status ?? 0;
  const via = h.via![0]!;
  r.branch = via.params.branch ?? undefined;
  r.host = via.host;
  r.port = via.port;
  r.fromTag = h.from!.params.tag ?? undefined;
  r.toTag = h.to!.params.tag ?? undefined;
  r.callId = h['call-id']!;
  r.cseqSeq = cseq.seq;
  r.cseqMethod = cseq.method;
  const contact = h.contact;
  r.contact = contact === undefined ? undefined : contact === '*' ? '*' : contact[0]?.uri;
  r.bodyLength = m.content.length;
  return r.bodyLength + r.cseqSeq;
}

// ---- drachtio-sip: headers stay raw strings; getParsedHeader parses on every call ----------------

const drachtioFields = new Fields();

function drachtioSip(buf: Buffer): number {
  const m = new drachtio.SipMessage(buf.toString());
  const r = drachtioFields;
  const cseq = m.getParsedHeader('cseq');
  r.method = m.method ?? cseq.method;
  r.status = m.status ?? 0;
  const via = m.getParsedHeader('via')[0]!;
  r.branch = via.params.branch ?? undefined;
  r.host = via.host;
  r.port = via.port;
  r.fromTag = m.getParsedHeader('from').params.tag ?? undefined;
  r.toTag = m.getParsedHeader('to').params.tag ?? undefined;
  r.callId = m.getParsedHeader('call-id');
  r.cseqSeq = cseq.seq;
  r.cseqMethod = cseq.method;
  // getParsedHeader throws on an absent header.
  r.contact = m.has('contact') ? m.getParsedHeader('contact')[0]?.uri : undefined;
  r.bodyLength = m.body?.length ?? 0;
  return r.bodyLength + r.cseqSeq;
}

// ---- jssip: PEG grammar; top Via, From, To, CSeq, Contact parsed during parseMessage -------------

const jssipFields = new Fields();
/** parseMessage stores its `ua` argument on requests (for reply()); parsing never reads it. */
const FAKE_UA: object = {};

function jssip(buf: Buffer): number {
  const m = jssipParser.parseMessage(buf.toString(), FAKE_UA);
  if (m === undefined) return -1;
  const r = jssipFields;
  r.method = m.method;
  r.status = m.status_code ?? 0;
  r.branch = m.via.branch;
  r.host = m.via.host;
  r.port = m.via.port;
  r.fromTag = m.from_tag;
  r.toTag = m.to_tag;
  r.callId = m.call_id;
  r.cseqSeq = m.cseq;
  r.cseqMethod = m.parseHeader('cseq')!.method;
  r.contact = m.parseHeader('contact')?.uri;
  r.bodyLength = m.body.length;
  return r.bodyLength + r.cseqSeq;
}

// ---- sip.js (SIP.js): the same PEG grammar lineage as jssip -----------------------------------

const sipjsFields = new Fields();
const loggerFactory = new Core.LoggerFactory();
loggerFactory.builtinEnabled = false;
const sipjsLogger = loggerFactory.getLogger('bench');

interface SipJsCSeq {
  readonly value: number;
  readonly method: string;
}
interface SipJsContact {
  readonly uri: { toString(): string };
}

function sipJs(buf: Buffer): number {
  const m = Core.Parser.parseMessage(buf.toString(), sipjsLogger);
  if (m === undefined) return -1;
  const r = sipjsFields;
  r.method = m.method;
  r.status = m instanceof Core.IncomingResponseMessage ? (m.statusCode ?? 0) : 0;
  r.branch = m.viaBranch;
  r.host = m.via.host;
  r.port = m.via.port;
  r.fromTag = m.fromTag;
  r.toTag = m.toTag;
  r.callId = m.callId;
  r.cseqSeq = m.cseq;
  // parseHeader returns the grammar's untyped result (cached on the message by parseMessage).
  r.cseqMethod = (m.parseHeader('cseq') as SipJsCSeq).method;
  r.contact = (m.parseHeader('contact') as SipJsContact | undefined)?.uri;
  r.bodyLength = m.body.length;
  return r.bodyLength + r.cseqSeq;
}

// ---- floor: a plain loop over the bytes counting CRLF pairs -------------------------------------

const floorFields = new Fields();

function crlfScan(buf: Buffer): number {
  let count = 0;
  const n = buf.length - 1;
  for (let i = 0; i < n; i++) {
    if (buf[i] === 13 && buf[i + 1] === 10) count++;
  }
  return count;
}

export const OURS: Subject = { name: 'ours', kind: 'ours', run: ours, fields: oursFields };
export const FLOOR: Subject = { name: 'CRLF-scan floor', kind: 'floor', run: crlfScan, fields: floorFields };
export const BOUND: Subject = { name: 'extract-only bound', kind: 'bound', run: extractBound, fields: boundFields };
export const PEERS: readonly Subject[] = [
  { name: 'sip', kind: 'peer', run: sipNpm, fields: sipFields },
  { name: 'drachtio-sip', kind: 'peer', run: drachtioSip, fields: drachtioFields },
  { name: 'jssip', kind: 'peer', run: jssip, fields: jssipFields },
  { name: 'sip.js', kind: 'peer', run: sipJs, fields: sipjsFields },
];
export const SUBJECTS: readonly Subject[] = [OURS, ...PEERS, BOUND, FLOOR];

/** The workload fields as comparable strings (ports and URI objects stringified). */
export function normalize(f: Fields): Record<string, string> {
  const opt = (v: unknown): string => (v === undefined || v === null ? '(none)' : String(v));
  return {
    method: f.method,
    status: String(f.status),
    branch: opt(f.branch),
    host: f.host,
    port: f.port === undefined || f.port === null ? '(none)' : String(Number(f.port)),
    fromTag: opt(f.fromTag),
    toTag: opt(f.toTag),
    callId: f.callId,
    cseq: `${f.cseqSeq} ${f.cseqMethod}`,
    contact: opt(f.contact),
    bodyLength: String(f.bodyLength),
  };
}
