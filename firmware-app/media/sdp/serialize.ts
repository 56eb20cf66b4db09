// SDP serializer (RFC 8866 §5): a SessionDescription back to text in the grammar's line order, every line ended by
// CRLF (§5: "MUST be CRLF" for what we send).
import type { Attribute, Connection, MediaDescription, SdpLine, SessionDescription } from './types.ts';

/** The text of `description`, CRLF line ends. */
export function serializeSdp(description: SessionDescription): string {
  const out: string[] = ['v=0'];
  const o = description.origin;
  out.push(`o=${o.username} ${o.sessionId} ${o.sessionVersion} ${o.netType} ${o.addrType} ${o.address}`);
  out.push(`s=${description.sessionName}`);
  pushOther(out, description.otherLines, ['i', 'u', 'e', 'p']);
  if (description.connection !== undefined) out.push(connectionLine(description.connection));
  pushOther(out, description.otherLines, ['b']);
  for (const t of description.timing) {
    out.push(`t=${t.start} ${t.stop}`);
    for (const r of t.repeats) out.push(`r=${r}`);
  }
  pushOther(out, description.otherLines, ['z', 'k']);
  pushAttributes(out, description.attributes);
  for (const m of description.media) pushMedia(out, m);
  return `${out.join('\r\n')}\r\n`;
}

function pushMedia(out: string[], m: MediaDescription): void {
  const port = m.portCount === undefined ? String(m.port) : `${m.port}/${m.portCount}`;
  out.push(`m=${m.media} ${port} ${m.proto} ${m.formats.join(' ')}`);
  pushOther(out, m.otherLines, ['i']);
  for (const c of m.connections) out.push(connectionLine(c));
  pushOther(out, m.otherLines, ['b', 'k']);
  pushAttributes(out, m.attributes);
}

function connectionLine(c: Connection): string {
  return `c=${c.netType} ${c.addrType} ${c.address}`;
}

function pushOther(out: string[], lines: readonly SdpLine[], types: readonly string[]): void {
  for (const type of types) for (const line of lines) if (line.type === type) out.push(`${type}=${line.value}`);
}

function pushAttributes(out: string[], attributes: readonly Attribute[]): void {
  for (const a of attributes) out.push(a.value === undefined ? `a=${a.name}` : `a=${a.name}:${a.value}`);
}
