// RFC 4733 receiving: each digit exactly once and in order, whatever the network and the PBX do to the packets.
import { describe, expect, it } from 'vitest';
import { DtmfReceiver, type ReceivedDigit } from '../../../firmware-app/media/rtp/DtmfReceiver.ts';
import { DtmfSender } from '../../../firmware-app/media/rtp/DtmfSender.ts';
import { buildRtp, parseRtp } from '../../../firmware-app/media/rtp/packet.ts';
import { RtpSender } from '../../../firmware-app/media/rtp/RtpSender.ts';
import { type DtmfDigit, encodeTelephoneEvent } from '../../../firmware-app/media/rtp/telephoneEvent.ts';
import { FakeClock } from '../../../firmware-app/platform/FakeClock.ts';
import { seeded } from './bytes.ts';

const PT = 101;

interface EventSpec {
  readonly timestamp: number;
  readonly event: number;
  readonly duration: number;
  readonly end?: boolean;
  readonly marker?: boolean;
  readonly ssrc?: number;
}

/** The datagram of one telephone-event packet. */
function datagram(spec: EventSpec, sequenceNumber = 0): Uint8Array {
  const payload = encodeTelephoneEvent({ event: spec.event, end: spec.end ?? false, volume: 10, duration: spec.duration });
  return buildRtp({ payloadType: PT, marker: spec.marker ?? false, sequenceNumber, timestamp: spec.timestamp, ssrc: spec.ssrc ?? 7 }, payload);
}

/** The packets a well-behaved sender makes for one 100 ms event: start, update, end ×3. */
function event(timestamp: number, code: number, options: { marker?: boolean; ssrc?: number } = {}): EventSpec[] {
  const base = { timestamp, event: code, ssrc: options.ssrc };
  return [
    { ...base, duration: 400, marker: options.marker ?? true },
    { ...base, duration: 800, end: true },
    { ...base, duration: 800, end: true },
    { ...base, duration: 800, end: true },
  ];
}

function setup(options: { minDurationMs?: number } = {}) {
  const clock = new FakeClock();
  const digits: ReceivedDigit[] = [];
  const receiver = new DtmfReceiver({ clock, clockRate: 8000, ...options, received: (d) => digits.push(d) });
  /** Packets in, 20 ms apart, as bytes through the RTP parser. */
  const deliver = (specs: readonly EventSpec[]) => {
    for (const spec of specs) {
      const parsed = parseRtp(datagram(spec));
      if (!parsed.ok) throw new Error(parsed.reason);
      receiver.packet(parsed.packet);
      clock.advance(20);
    }
  };
  return { clock, digits, receiver, deliver, text: () => digits.map((d) => d.digit).join('') };
}

describe('DtmfReceiver', () => {
  it('gives a digit once for an event whose end packet arrives three times, with its duration', () => {
    const { digits, deliver } = setup();
    deliver(event(1000, 5));
    expect(digits).toEqual([{ digit: '5', durationMs: 100 }]);
  });

  it('receives the digits a DtmfSender sends, through RTP bytes, in order, each once', () => {
    const clock = new FakeClock();
    const rtp = new RtpSender({ payloadType: 0, clockRate: 8000, random: seeded(9) });
    const digits: ReceivedDigit[] = [];
    const receiver = new DtmfReceiver({ clock, clockRate: 8000, received: (d) => digits.push(d) });
    const sender = new DtmfSender({
      clock, clockRate: 8000, timestampNow: () => rtp.timestampAt(Math.floor(clock.now() / 20)),
      transmit: (packet) => {
        const bytes = rtp.build({ payloadType: PT, timestamp: packet.timestamp, marker: packet.marker }, packet.payload);
        const parsed = parseRtp(bytes);
        if (parsed.ok) receiver.packet(parsed.packet);
      },
    });
    const code: DtmfDigit[] = ['1', '9', '9', '*', '0', '#', 'A', 'D'];
    sender.send(code);
    clock.advance(10_000);
    expect(digits.map((d) => d.digit)).toEqual(code);
    expect(digits.every((d) => d.durationMs === 100)).toBe(true);
  });

  it('accepts events without the marker bit (some PBXs never set it)', () => {
    const { text, deliver } = setup();
    deliver([...event(1000, 1, { marker: false }), ...event(3000, 2, { marker: false })]);
    expect(text()).toBe('12');
  });

  it('tolerates a lost start: the first packet seen starts the event', () => {
    const { digits, deliver } = setup();
    deliver(event(1000, 3).slice(1));
    expect(digits).toEqual([{ digit: '3', durationMs: 100 }]);
  });

  it('tells two presses of the same key apart by their timestamps', () => {
    const { text, deliver } = setup();
    deliver([...event(1000, 5), ...event(2600, 5), ...event(4200, 5)]);
    expect(text()).toBe('555');
  });

  it('ends an event whose end packets were all lost when the next event starts, keeping the order', () => {
    const { digits, deliver } = setup();
    deliver([event(1000, 4)[0]!, { timestamp: 1000, event: 4, duration: 800 }, ...event(3000, 2)]);
    expect(digits).toEqual([{ digit: '4', durationMs: 100 }, { digit: '2', durationMs: 100 }]);
  });

  it('ends an event whose end packets were all lost after the end timeout, with the last duration heard', () => {
    const { clock, digits, deliver } = setup();
    deliver([event(1000, 8)[0]!, { timestamp: 1000, event: 8, duration: 640 }]);
    expect(digits).toEqual([]);
    clock.advance(300);
    expect(digits).toEqual([{ digit: '8', durationMs: 80 }]);
    deliver([{ timestamp: 1000, event: 8, duration: 800, end: true }]); // its late end packet
    expect(digits).toHaveLength(1);
    expect(clock.pending).toBe(0);
  });

  it('keeps an event alive while its updates keep coming (a key held for 2 s)', () => {
    const { digits, deliver } = setup();
    const updates = Array.from({ length: 40 }, (_, i) => ({ timestamp: 500, event: 0, duration: (i + 1) * 400 }));
    deliver(updates.flatMap((u) => [u, u])); // every update twice, 20 ms apart: 40 ms between updates
    expect(digits).toEqual([]);
    deliver([{ timestamp: 500, event: 0, duration: 16_000, end: true }]);
    expect(digits).toEqual([{ digit: '0', durationMs: 2000 }]);
  });

  it('gives one digit for a key held past the 16-bit duration, sent in two segments (RFC 4733 §2.5.1.3)', () => {
    const { digits, deliver } = setup();
    const first = [400, 32_000, 65_535].map((duration) => ({ timestamp: 1000, event: 1, duration }));
    const second = [400, 8000].map((duration) => ({ timestamp: 1000 + 65_535, event: 1, duration }));
    deliver([...first, ...second, { timestamp: 1000 + 65_535, event: 1, duration: 8000, end: true }]);
    expect(digits).toEqual([{ digit: '1', durationMs: (65_535 + 8000) / 8 }]);
  });

  it('takes a new timestamp after a short event whose end was lost for a second press, not a segment', () => {
    const { text, deliver } = setup();
    deliver([
      { timestamp: 1000, event: 1, duration: 400, marker: true }, { timestamp: 1000, event: 1, duration: 800 },
      { timestamp: 1800, event: 1, duration: 400, marker: true }, { timestamp: 1800, event: 1, duration: 800, end: true },
    ]);
    expect(text()).toBe('11');
  });

  it('ignores duplicated and reordered packets, and late packets of an event already ended', () => {
    const { text, deliver } = setup();
    const [start1, end1] = event(1000, 1);
    const [start2, end2] = event(3000, 2);
    deliver([start1!, start1!, end1!, start1!, start2!, end1!, end2!, start2!, end1!, end2!]);
    expect(text()).toBe('12');
  });

  it('ignores an older event that arrives after a newer one started, so digits stay in order', () => {
    const { text, deliver } = setup();
    deliver([...event(3000, 2), ...event(1000, 1), ...event(5000, 3)]);
    expect(text()).toBe('23');
  });

  it('follows event timestamps across the 32-bit wrap', () => {
    const { text, deliver } = setup();
    deliver([...event(2 ** 32 - 800, 6), ...event(800, 7)]);
    expect(text()).toBe('67');
  });

  it('starts over for a new SSRC, even one whose timestamps are behind the old stream', () => {
    const { text, deliver } = setup();
    deliver([...event(100_000_000, 1, { ssrc: 1 }), ...event(5000, 2, { ssrc: 2 })]);
    expect(text()).toBe('12');
  });

  it('drops events shorter than the minimum duration', () => {
    const { text, deliver } = setup({ minDurationMs: 40 });
    deliver([
      { timestamp: 1000, event: 1, duration: 240, end: true, marker: true }, // 30 ms: too short
      { timestamp: 2000, event: 2, duration: 320, end: true, marker: true }, // 40 ms: enough
    ]);
    expect(text()).toBe('2');
  });

  it('ignores non-DTMF events and payloads too short to be an event', () => {
    const { text, deliver, receiver } = setup();
    deliver([...event(1000, 16), ...event(2000, 255)]);
    receiver.packet({ ssrc: 7, timestamp: 3000, payload: new Uint8Array([1, 0x8a, 3]) });
    expect(text()).toBe('');
  });

  it('drops an event in progress when stopped, and gives nothing afterwards', () => {
    const { clock, digits, deliver, receiver } = setup();
    deliver([event(1000, 9)[0]!]);
    receiver.stop();
    clock.advance(1000);
    expect(digits).toEqual([]);
    expect(clock.pending).toBe(0);
  });

  it('gives each digit exactly once, in order, under random duplication, loss of redundant ends and reordering', () => {
    const random = seeded(2026);
    for (let round = 0; round < 200; round++) {
      const { text, deliver, clock } = setup();
      const code = Array.from({ length: 6 }, () => Math.floor(random() * 16));
      let packets = code.flatMap((c, i) => {
        const [start, update, ...ends] = [...event(1000 + i * 2000, c).slice(0, 1), { timestamp: 1000 + i * 2000, event: c, duration: 600 }, ...event(1000 + i * 2000, c).slice(1)];
        const kept = ends.filter(() => random() < 0.5);
        return [start!, update!, ...(kept.length > 0 ? kept : [ends[0]!])];
      });
      packets = packets.flatMap((p) => (random() < 0.2 ? [p, p] : [p]));
      for (let i = 0; i + 1 < packets.length; i++) {
        if (random() < 0.3) [packets[i], packets[i + 1]] = [packets[i + 1]!, packets[i]!];
      }
      deliver(packets);
      clock.advance(1000);
      expect(text(), `round ${round}`).toBe(code.map((c) => '0123456789*#ABCD'[c]).join(''));
    }
  });
});
