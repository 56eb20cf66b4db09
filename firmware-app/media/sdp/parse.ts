// SDP parser (RFC 8866 §5): text or bytes in, a SessionDescription or a typed failure out; never throws, and the work
// is linear in the input, which limits.ts bounds. Lenient where real phones are sloppy (LF line ends, a missing s= or
// t=, extra spaces), strict where a wrong value would mislead us (numbers, addresses, payload types, known attributes).
import { isValidAddress } from './address.ts';
import { attributeProblem } from './attributes.ts';
import { MAX_FORMATS, MAX_MEDIA_SECTIONS } from './limits.ts';
import { splitLines } from './lines.ts';
import { fail, ok, quote, type SdpResult } from './result.ts';
import type { Attribute, Connection, MediaDescription, Origin, SdpLine, SessionDescription, Timing } from './types.ts';

/** Line types we keep without reading them; any other unknown type is ignored (§5: "MUST be ignored"). */
const KEPT = new Set(['i', 'u', 'e', 'p', 'b', 'z', 'k']);
const DIGITS = /^\d{1,20}$/;
const TOKEN = /^[!#$%&'*+\-.^_`{|}~0-9A-Za-z]+$/;

interface MediaDraft {
  media: string;
  port: number;
  portCount?: number;
  proto: string;
  formats: string[];
  connections: Connection[];
  attributes: Attribute[];
  otherLines: SdpLine[];
}

/** Parses an SDP body (a message body's bytes, or text). */
export function parseSdp(body: Uint8Array | string): SdpResult<SessionDescription> {
  const split = splitLines(body);
  if (!split.ok) return split;
  const lines = split.value;
  if (lines[0]?.type !== 'v' || lines[0].value !== '0') return fail('SDP_MALFORMED', 'does not start with v=0');
  let origin: Origin | undefined;
  let sessionName: string | undefined;
  let connection: Connection | undefined;
  const timing: { start: string; stop: string; repeats: string[] }[] = [];
  const attributes: Attribute[] = [];
  const otherLines: SdpLine[] = [];
  const media: MediaDraft[] = [];
  for (let i = 1; i < lines.length; i++) {
    const { type, value } = lines[i]!;
    const current = media[media.length - 1];
    switch (type) {
      case 'v':
        return fail('SDP_MALFORMED', 'second v= line');
      case 'o': {
        if (origin !== undefined || current !== undefined) return fail('SDP_MALFORMED', 'misplaced o= line');
        const parsed = parseOrigin(value);
        if (parsed === undefined) return fail('SDP_MALFORMED', `bad o= ${quote(value)}`);
        origin = parsed;
        break;
      }
      case 's':
        if (sessionName !== undefined || current !== undefined) return fail('SDP_MALFORMED', 'misplaced s= line');
        sessionName = value;
        break;
      case 'c': {
        const parsed = parseConnection(value);
        if (parsed === undefined) return fail('SDP_MALFORMED', `bad c= ${quote(value)}`);
        if (current !== undefined) current.connections.push(parsed);
        else if (connection !== undefined) return fail('SDP_MALFORMED', 'second session-level c= line');
        else connection = parsed;
        break;
      }
      case 't': {
        const parts = value.split(' ').filter((p) => p !== '');
        if (current !== undefined || parts.length !== 2 || !parts.every((p) => DIGITS.test(p))) {
          return fail('SDP_MALFORMED', `bad t= ${quote(value)}`);
        }
        timing.push({ start: parts[0]!, stop: parts[1]!, repeats: [] });
        break;
      }
      case 'r': {
        const last = timing[timing.length - 1];
        if (last === undefined || current !== undefined) return fail('SDP_MALFORMED', 'r= without t=');
        last.repeats.push(value);
        break;
      }
      case 'm': {
        if (media.length >= MAX_MEDIA_SECTIONS) return fail('SDP_TOO_LARGE', `over ${MAX_MEDIA_SECTIONS} m= lines`);
        const parsed = parseMediaLine(value);
        if (typeof parsed === 'string') return fail('SDP_MALFORMED', parsed);
        media.push(parsed);
        break;
      }
      case 'a': {
        const attribute = parseAttribute(value);
        if (attribute === undefined) return fail('SDP_MALFORMED', `bad a= ${quote(value)}`);
        const problem = attributeProblem(attribute);
        if (problem !== undefined) return fail('SDP_MALFORMED', `${problem} ${quote(value)}`);
        (current?.attributes ?? attributes).push(attribute);
        break;
      }
      default:
        if (KEPT.has(type)) (current?.otherLines ?? otherLines).push({ type, value });
    }
  }
  if (origin === undefined) return fail('SDP_MALFORMED', 'no o= line');
  for (const m of media) {
    if (m.port !== 0 && m.connections.length === 0 && connection === undefined) {
      return fail('SDP_MALFORMED', `no c= line for m=${m.media}`);
    }
  }
  return ok({
    origin,
    sessionName: sessionName ?? '-',
    ...(connection === undefined ? {} : { connection }),
    timing: timing.length === 0 ? [{ start: '0', stop: '0', repeats: [] }] : (timing as readonly Timing[]),
    attributes,
    otherLines,
    media: media as readonly MediaDescription[],
  });
}

function parseOrigin(value: string): Origin | undefined {
  const p = value.split(' ').filter((part) => part !== '');
  if (p.length !== 6 || !DIGITS.test(p[1]!) || !DIGITS.test(p[2]!) || !TOKEN.test(p[3]!) || !TOKEN.test(p[4]!)) return undefined;
  if (!isValidAddress(p[4]!, p[5]!)) return undefined;
  return { username: p[0]!, sessionId: p[1]!, sessionVersion: p[2]!, netType: p[3]!, addrType: p[4]!, address: p[5]! };
}

function parseConnection(value: string): Connection | undefined {
  const p = value.split(' ').filter((part) => part !== '');
  if (p.length !== 3 || !TOKEN.test(p[0]!) || !TOKEN.test(p[1]!) || !isValidAddress(p[1]!, p[2]!)) return undefined;
  return { netType: p[0]!, addrType: p[1]!, address: p[2]! };
}

/** `m=<media> <port>[/<count>] <proto> <fmt> …`, or why not. */
function parseMediaLine(value: string): MediaDraft | string {
  const p = value.split(' ').filter((part) => part !== '');
  if (p.length < 4) return `bad m= ${quote(value)}`;
  const [media, portText, proto] = p as [string, string, string];
  const formats = p.slice(3);
  const portMatch = /^(\d{1,5})(?:\/(\d{1,5}))?$/.exec(portText);
  if (!TOKEN.test(media) || !/^[A-Za-z0-9/_.-]+$/.test(proto) || portMatch === null) return `bad m= ${quote(value)}`;
  const port = Number(portMatch[1]);
  const portCount = portMatch[2] === undefined ? undefined : Number(portMatch[2]);
  if (port > 65535 || portCount === 0) return `bad m= port ${quote(portText)}`;
  if (formats.length > MAX_FORMATS) return `over ${MAX_FORMATS} formats on m=${media.slice(0, 20)}`;
  if (isRtpProfile(proto)) {
    // RFC 3551 §6: an RTP payload type is 0–127.
    if (!formats.every((f) => /^\d{1,3}$/.test(f) && Number(f) <= 127)) return `bad payload type on m=${media.slice(0, 20)}`;
  } else if (!formats.every((f) => TOKEN.test(f) || /^[\w/.:-]+$/.test(f))) {
    return `bad format on m=${media.slice(0, 20)}`;
  }
  const draft: MediaDraft = { media, port, proto, formats, connections: [], attributes: [], otherLines: [] };
  if (portCount !== undefined) draft.portCount = portCount;
  return draft;
}

function parseAttribute(value: string): Attribute | undefined {
  const colon = value.indexOf(':');
  const name = colon < 0 ? value : value.slice(0, colon);
  if (!TOKEN.test(name)) return undefined;
  return colon < 0 ? { name } : { name, value: value.slice(colon + 1) };
}

/** RTP/AVP, RTP/SAVP, RTP/AVPF, UDP/TLS/RTP/SAVPF …: profiles whose formats are RTP payload types. */
export function isRtpProfile(proto: string): boolean {
  return proto.split('/').includes('RTP');
}
