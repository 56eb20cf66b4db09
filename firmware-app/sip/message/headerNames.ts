// Header names interned to small integers (RFC 3261 §7.3.3 compact forms included), undici-style.

/** Ids of the headers the stack reads by id. 0 means "not a known header". */
export const H = {
  unknown: 0,
  via: 1,
  from: 2,
  to: 3,
  callId: 4,
  cseq: 5,
  contact: 6,
  contentLength: 7,
  contentType: 8,
  maxForwards: 9,
  expires: 10,
  route: 11,
  recordRoute: 12,
  wwwAuthenticate: 13,
  proxyAuthenticate: 14,
  authorization: 15,
  proxyAuthorization: 16,
  minExpires: 17,
  require: 18,
  proxyRequire: 19,
  supported: 20,
  unsupported: 21,
  allow: 22,
  accept: 23,
  retryAfter: 24,
  sessionExpires: 25,
  minSE: 26,
  event: 27,
  referTo: 28,
  contentEncoding: 29,
  userAgent: 30,
  server: 31,
  subject: 32,
  acceptEncoding: 33,
  acceptLanguage: 34,
  allowEvents: 35,
  referredBy: 36,
  date: 37,
  timestamp: 38,
  warning: 39,
  authenticationInfo: 40,
  contentDisposition: 41,
  rseq: 42,
  rack: 43,
  path: 44,
  serviceRoute: 45,
  subscriptionState: 46,
  replyTo: 47,
  inReplyTo: 48,
  alertInfo: 49,
  callInfo: 50,
  errorInfo: 51,
  contentLanguage: 52,
  mimeVersion: 53,
  organization: 54,
  priority: 55,
  pAssertedIdentity: 56,
  privacy: 57,
  reason: 58,
  replaces: 59,
} as const;

/** Canonical spelling, list-ness (RFC 3261 `#` rules: values may be comma-joined) and compact form. */
const DEFS: ReadonlyArray<readonly [id: number, canonical: string, list: boolean, compact?: string]> = [
  [H.via, 'Via', true, 'v'],
  [H.from, 'From', false, 'f'],
  [H.to, 'To', false, 't'],
  [H.callId, 'Call-ID', false, 'i'],
  [H.cseq, 'CSeq', false],
  [H.contact, 'Contact', true, 'm'],
  [H.contentLength, 'Content-Length', false, 'l'],
  [H.contentType, 'Content-Type', false, 'c'],
  [H.maxForwards, 'Max-Forwards', false],
  [H.expires, 'Expires', false],
  [H.route, 'Route', true],
  [H.recordRoute, 'Record-Route', true],
  [H.wwwAuthenticate, 'WWW-Authenticate', false],
  [H.proxyAuthenticate, 'Proxy-Authenticate', false],
  [H.authorization, 'Authorization', false],
  [H.proxyAuthorization, 'Proxy-Authorization', false],
  [H.minExpires, 'Min-Expires', false],
  [H.require, 'Require', true],
  [H.proxyRequire, 'Proxy-Require', true],
  [H.supported, 'Supported', true, 'k'],
  [H.unsupported, 'Unsupported', true],
  [H.allow, 'Allow', true],
  [H.accept, 'Accept', true],
  [H.retryAfter, 'Retry-After', false],
  [H.sessionExpires, 'Session-Expires', false, 'x'],
  [H.minSE, 'Min-SE', false],
  [H.event, 'Event', false, 'o'],
  [H.referTo, 'Refer-To', false, 'r'],
  [H.contentEncoding, 'Content-Encoding', true, 'e'],
  [H.userAgent, 'User-Agent', false],
  [H.server, 'Server', false],
  [H.subject, 'Subject', false, 's'],
  [H.acceptEncoding, 'Accept-Encoding', true],
  [H.acceptLanguage, 'Accept-Language', true],
  [H.allowEvents, 'Allow-Events', true, 'u'],
  [H.referredBy, 'Referred-By', false, 'b'],
  [H.date, 'Date', false],
  [H.timestamp, 'Timestamp', false],
  [H.warning, 'Warning', true],
  [H.authenticationInfo, 'Authentication-Info', false],
  [H.contentDisposition, 'Content-Disposition', false],
  [H.rseq, 'RSeq', false],
  [H.rack, 'RAck', false],
  [H.path, 'Path', true],
  [H.serviceRoute, 'Service-Route', true],
  [H.subscriptionState, 'Subscription-State', false],
  [H.replyTo, 'Reply-To', false],
  [H.inReplyTo, 'In-Reply-To', true],
  [H.alertInfo, 'Alert-Info', true],
  [H.callInfo, 'Call-Info', true],
  [H.errorInfo, 'Error-Info', true],
  [H.contentLanguage, 'Content-Language', true],
  [H.mimeVersion, 'MIME-Version', false],
  [H.organization, 'Organization', false],
  [H.priority, 'Priority', false],
  [H.pAssertedIdentity, 'P-Asserted-Identity', true],
  [H.privacy, 'Privacy', true],
  [H.reason, 'Reason', true],
  [H.replaces, 'Replaces', false],
];

const ID_LIMIT = 64;
const listHeader = new Uint8Array(ID_LIMIT);
const byLowerName = new Map<string, number>();

// Open-addressing table from a hash of (length, first and last byte, case-folded) to the id,
// verified byte by byte: the parser never hashes every byte of a name.
const SLOTS = 512;
const slotId = new Uint8Array(SLOTS);
const slotName: Uint8Array[] = new Array<Uint8Array>(SLOTS);

/** Folding with 0x20 lower-cases letters; other token characters already have that bit or are unique. */
function nameHash(length: number, first: number, last: number): number {
  return (Math.imul(length, 0x9e3779b1) ^ ((first | 0x20) << 7) ^ (last | 0x20)) >>> 3;
}

function addName(name: string, id: number): void {
  const lower = name.toLowerCase();
  byLowerName.set(lower, id);
  const bytes = new Uint8Array(lower.length);
  for (let i = 0; i < lower.length; i++) bytes[i] = lower.charCodeAt(i);
  let slot = nameHash(bytes.length, bytes[0]!, bytes[bytes.length - 1]!) & (SLOTS - 1);
  while (slotId[slot] !== 0) slot = (slot + 1) & (SLOTS - 1);
  slotId[slot] = id;
  slotName[slot] = bytes;
}

for (const [id, name, list, compact] of DEFS) {
  listHeader[id] = list ? 1 : 0;
  addName(name, id);
  if (compact !== undefined) addName(compact, id);
}

/** Id of the header name in the non-empty range [start, end), or 0 when unknown. */
export function internName(bytes: Uint8Array, start: number, end: number): number {
  let slot = nameHash(end - start, bytes[start]!, bytes[end - 1]!) & (SLOTS - 1);
  for (;;) {
    const id = slotId[slot]!;
    if (id === 0) return 0;
    const name = slotName[slot]!;
    if (name.length === end - start) {
      let i = 0;
      for (; i < name.length; i++) {
        // Fold only A-Z: `| 0x20` alone would also turn a CR (0x0D) into the `-` of a name.
        const c = bytes[start + i]!;
        if (c !== name[i] && (c < 0x41 || c > 0x5a || (c | 0x20) !== name[i])) break;
      }
      if (i === name.length) return id;
    }
    slot = (slot + 1) & (SLOTS - 1);
  }
}

/** Id of a header name given as a string (any case, long or compact form); 0 when unknown. */
export function headerIdOf(name: string): number {
  return byLowerName.get(name.toLowerCase()) ?? 0;
}

/** Whether values of this header may be joined by commas (and so are split by `headers()`). */
export function isListHeader(id: number): boolean {
  return listHeader[id] === 1;
}
