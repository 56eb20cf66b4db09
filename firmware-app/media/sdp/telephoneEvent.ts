// RFC 4733 §2.4.1 / §7.1.1: the events a telephone-event payload type carries (fmtp "0-15", "0-16", "0-15,32-36" …;
// without fmtp, 0-15).

/** The DTMF events we send and understand: digits, * and #, A–D. */
export const DTMF_EVENTS = '0-15';

/** The event numbers an fmtp value lists, or undefined when it is malformed. */
export function parseEventList(fmtp: string | undefined): ReadonlySet<number> | undefined {
  const text = (fmtp ?? DTMF_EVENTS).trim() || DTMF_EVENTS;
  const events = new Set<number>();
  for (const part of text.split(',')) {
    const m = /^\s*(\d{1,3})(?:\s*-\s*(\d{1,3}))?\s*$/.exec(part);
    if (m === null) return undefined;
    const low = Number(m[1]);
    const high = m[2] === undefined ? low : Number(m[2]);
    if (high > 255 || low > high) return undefined;
    for (let e = low; e <= high; e++) events.add(e);
  }
  return events;
}

/** Whether the events include the digits 0–9, * and # (events 0–11: what a door code needs). */
export function carriesDtmf(events: ReadonlySet<number>): boolean {
  for (let e = 0; e <= 11; e++) if (!events.has(e)) return false;
  return true;
}
