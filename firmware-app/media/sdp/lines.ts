// Cuts an SDP body into `type=value` lines (RFC 8866 §5): CRLF or a lone LF ends a line (§5 asks parsers to accept
// LF), the text must be UTF-8 without NUL or stray CR, and the limits of limits.ts hold before any further work.
import { MAX_SDP_BYTES, MAX_SDP_LINES } from './limits.ts';
import { fail, ok, quote, type SdpResult } from './result.ts';
import type { SdpLine } from './types.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes and splits `body` into lines; blank lines (a trailing one is common) are skipped. */
export function splitLines(body: Uint8Array | string): SdpResult<readonly SdpLine[]> {
  const size = typeof body === 'string' ? body.length : body.byteLength;
  if (size > MAX_SDP_BYTES) return fail('SDP_TOO_LARGE', `${size} bytes, over ${MAX_SDP_BYTES}`);
  let text: string;
  if (typeof body === 'string') {
    text = body;
  } else {
    try {
      text = utf8.decode(body);
    } catch {
      return fail('SDP_MALFORMED', 'not UTF-8');
    }
  }
  if (text.includes('\0')) return fail('SDP_MALFORMED', 'NUL byte');
  const raw = text.split('\n');
  if (raw.length > MAX_SDP_LINES + 1) return fail('SDP_TOO_LARGE', `over ${MAX_SDP_LINES} lines`);
  const lines: SdpLine[] = [];
  for (const piece of raw) {
    const line = piece.endsWith('\r') ? piece.slice(0, -1) : piece;
    if (line === '') continue;
    if (line.includes('\r')) return fail('SDP_MALFORMED', 'CR inside a line');
    const type = line.charCodeAt(0);
    // §5: exactly one lower-case letter, then '=' with no space around it.
    if (line.length < 2 || line[1] !== '=' || type < 0x61 || type > 0x7a) return fail('SDP_MALFORMED', `bad line ${quote(line)}`);
    lines.push({ type: line[0]!, value: line.slice(2) });
  }
  return ok(lines);
}
