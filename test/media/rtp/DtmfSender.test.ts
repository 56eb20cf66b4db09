// RFC 4733 sending: payload bytes, the packet schedule of one event, digits played one after another.
import { describe, expect, it } from 'vitest';
import { type DtmfPacket, DtmfSender } from '../../../firmware-app/media/rtp/DtmfSender.ts';
import { dtmfSchedule } from '../../../firmware-app/media/rtp/dtmfSchedule.ts';
import { decodeTelephoneEvent, digitOfEvent, encodeTelephoneEvent, eventOfDigit } from '../../../firmware-app/media/rtp/telephoneEvent.ts';
import { FakeClock } from '../../../firmware-app/platform/FakeClock.ts';
import { hex, toHex } from './bytes.ts';

describe('telephone-event payload', () => {
  it('encodes event, end bit, volume and duration in network order', () => {
    expect(toHex(encodeTelephoneEvent({ event: 5, end: false, volume: 10, duration: 400 }))).toBe('050a0190');
    expect(toHex(encodeTelephoneEvent({ event: 11, end: true, volume: 63, duration: 65535 }))).toBe('0bbfffff');
    expect(toHex(encodeTelephoneEvent({ event: 1, end: false, volume: 99, duration: 70_000 }))).toBe('013fffff');
  });

  it('decodes the first event of a payload, ignoring the reserved bit, and refuses a short one', () => {
    expect(decodeTelephoneEvent(hex('0b ca 03 20'))).toEqual({ event: 11, end: true, volume: 10, duration: 800 });
    expect(decodeTelephoneEvent(hex('0b 8a 03'))).toBeUndefined();
  });

  it('maps event codes 0–15 to 0–9 * # A–D and nothing else', () => {
    expect(Array.from({ length: 17 }, (_, i) => digitOfEvent(i) ?? '-').join('')).toBe('0123456789*#ABCD-');
    expect([eventOfDigit('*'), eventOfDigit('#'), eventOfDigit('D')]).toEqual([10, 11, 15]);
  });
});

describe('dtmfSchedule', () => {
  it('sends updates every 50 ms with the marker on the first, then the end packet three times', () => {
    expect(dtmfSchedule({ durationMs: 160 })).toEqual([
      { atMs: 50, marker: true, end: false, durationMs: 50 },
      { atMs: 100, marker: false, end: false, durationMs: 100 },
      { atMs: 150, marker: false, end: false, durationMs: 150 },
      { atMs: 160, marker: false, end: true, durationMs: 160 },
      { atMs: 180, marker: false, end: true, durationMs: 160 },
      { atMs: 200, marker: false, end: true, durationMs: 160 },
    ]);
  });

  it('puts the marker on the end packet of an event shorter than one update', () => {
    expect(dtmfSchedule({ durationMs: 40 }).map((s) => [s.atMs, s.marker, s.end])).toEqual([[40, true, true], [60, false, true], [80, false, true]]);
  });
});

describe('DtmfSender', () => {
  function setup(clockRate = 8000) {
    const clock = new FakeClock();
    const sent: Array<{ at: number } & DtmfPacket> = [];
    let timestamp = 1000;
    const sender = new DtmfSender({
      clock, clockRate, timestampNow: () => timestamp, transmit: (packet) => sent.push({ at: clock.now(), ...packet }),
    });
    return { clock, sent, sender, setTimestamp: (t: number) => (timestamp = t) };
  }

  it('sends one event with one timestamp, a growing duration and three end packets', () => {
    const { clock, sent, sender } = setup();
    sender.send(['5']);
    expect(sender.active).toBe(true);
    clock.advance(1000);
    expect(sent.map((p) => [p.at, p.marker, p.timestamp, toHex(p.payload)])).toEqual([
      [50, true, 1000, '050a0190'],
      [100, false, 1000, '058a0320'],
      [120, false, 1000, '058a0320'],
      [140, false, 1000, '058a0320'],
    ]);
    expect(sender.active).toBe(false);
  });

  it('counts the duration in units of a 16 kHz telephone-event clock', () => {
    const { clock, sent, sender } = setup(16_000);
    sender.send(['#']);
    clock.advance(1000);
    expect(toHex(sent.at(-1)!.payload)).toBe('0b8a0640');
  });

  it('plays queued digits one after another, each with its own timestamp, a pause between them', () => {
    const { clock, sent, sender, setTimestamp } = setup();
    sender.send(['1', '2']);
    sender.send(['3']);
    expect(sender.queued).toBe(2);
    clock.advance(140);
    setTimestamp(3000);
    clock.advance(100); // pause ends at 240: digit 2 starts with the timestamp of then
    setTimestamp(5000);
    clock.advance(1000);
    const starts = sent.filter((p) => p.marker).map((p) => [p.at, p.timestamp, p.payload[0]]);
    expect(starts).toEqual([[50, 1000, 1], [290, 3000, 2], [530, 5000, 3]]);
    expect(sent).toHaveLength(12);
  });

  it('sends nothing more after stop', () => {
    const { clock, sent, sender } = setup();
    sender.send(['1', '2']);
    clock.advance(60);
    sender.stop();
    clock.advance(1000);
    expect(sent).toHaveLength(1);
    expect([sender.active, sender.queued, clock.pending]).toEqual([false, 0, 0]);
  });
});
