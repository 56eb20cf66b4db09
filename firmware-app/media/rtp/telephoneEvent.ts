// The RFC 4733 telephone-event payload (§2.3): event, end bit, volume, duration; and the DTMF digits it names (§3.2).

import { readUint16, writeUint16 } from './bytes.ts';

/** A DTMF digit as the application sees it. */
export type DtmfDigit = '0' | '1' | '2' | '3' | '4' | '5' | '6' | '7' | '8' | '9' | '*' | '#' | 'A' | 'B' | 'C' | 'D';

/** Event codes 0–15 in order (§3.2). */
const DIGITS: readonly DtmfDigit[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#', 'A', 'B', 'C', 'D'];

/** One telephone-event payload, 4 octets on the wire. */
export interface TelephoneEvent {
  /** 0–255; 0–15 are DTMF digits. */
  readonly event: number;
  /** The E bit: this packet ends the event. */
  readonly end: boolean;
  /** Power level as 0 to −63 dBm0, given positive (0–63). */
  readonly volume: number;
  /** Duration so far, in RTP timestamp units of the event's clock (0–65535). */
  readonly duration: number;
}

export const TELEPHONE_EVENT_LENGTH = 4;

/** The digit of an event code, undefined for the non-DTMF events (flash, tones …). */
export function digitOfEvent(event: number): DtmfDigit | undefined {
  return DIGITS[event];
}

/** The event code of a digit. */
export function eventOfDigit(digit: DtmfDigit): number {
  return DIGITS.indexOf(digit);
}

/** Reads the first event of a payload; shorter than 4 octets gives undefined. */
export function decodeTelephoneEvent(payload: Uint8Array): TelephoneEvent | undefined {
  if (payload.length < TELEPHONE_EVENT_LENGTH) return undefined;
  return {
    event: payload[0]!,
    end: (payload[1]! & 0x80) !== 0,
    volume: payload[1]! & 0x3f,
    duration: readUint16(payload, 2),
  };
}

/** Writes the payload into `into` (4 octets from offset 0) or a new buffer; fields are clamped to their widths. */
export function encodeTelephoneEvent(event: TelephoneEvent, into: Uint8Array = new Uint8Array(TELEPHONE_EVENT_LENGTH)): Uint8Array {
  into[0] = event.event & 0xff;
  // The R bit stays 0 (§2.3: reserved, the receiver ignores it).
  into[1] = (event.end ? 0x80 : 0) | Math.min(63, Math.max(0, Math.round(event.volume)));
  writeUint16(into, 2, Math.min(0xffff, Math.max(0, Math.round(event.duration))));
  return into.subarray(0, TELEPHONE_EVENT_LENGTH);
}
