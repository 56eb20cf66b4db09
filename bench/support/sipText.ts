// The benchmark peers' reading of SIP over UDP (RFC 3261 §7): start line, header fields by lower-case full name
// (folded lines joined, compact forms expanded), body. A harness's reader, not the stack's parser.

/** One SIP message as text. */
export interface SipText {
  readonly startLine: string;
  /** Header fields by lower-case full name (compact forms expanded), in order. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body: string;
}

const COMPACT: Readonly<Record<string, string>> = { v: 'via', f: 'from', t: 'to', i: 'call-id', m: 'contact', l: 'content-length', c: 'content-type' };

/** The message in `text`, or undefined when its header ends nowhere. */
export function parseSip(text: string): SipText | undefined {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const lines = text.slice(0, end).split('\r\n');
  const headers: Array<[string, string]> = [];
  for (const line of lines.slice(1)) {
    if (/^[ \t]/.test(line) && headers.length > 0) {
      headers[headers.length - 1]![1] += ' ' + line.trim();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    headers.push([COMPACT[name] ?? name, line.slice(colon + 1).trim()]);
  }
  return { startLine: lines[0]!, headers, body: text.slice(end + 4) };
}

/** Whether it is a response (`SIP/2.0 <status>`). */
export function isResponse(msg: SipText): boolean {
  return msg.startLine.startsWith('SIP/2.0 ');
}

/** A request's method. */
export function methodOf(msg: SipText): string {
  return msg.startLine.split(' ')[0]!;
}

/** The first value of header field `name`, or '' when it has none. */
export function header(msg: SipText, name: string): string {
  return msg.headers.find(([n]) => n === name)?.[1] ?? '';
}

/** Every value of header field `name`, a comma-separated field split into its values (§7.3.1). */
export function allOf(msg: SipText, name: string): string[] {
  return msg.headers.filter(([n]) => n === name).flatMap(([, v]) => v.split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/).map((s) => s.trim()));
}
