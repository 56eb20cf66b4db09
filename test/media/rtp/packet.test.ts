// RTP packet parse/build (RFC 3550 §5.1): bytes in, bytes out, malformed datagrams as reasons.
import { describe, expect, it } from 'vitest';
import { InternalError } from '../../../firmware-app/errors.ts';
import { buildRtp, parseRtp, type RtpPacket } from '../../../firmware-app/media/rtp/packet.ts';
import { hex, seeded } from './bytes.ts';

function parsed(bytes: Uint8Array): RtpPacket {
  const result = parseRtp(bytes);
  if (!result.ok) throw new Error(`not parsed: ${result.reason}`);
  return result.packet;
}

describe('parseRtp', () => {
  it('reads every fixed header field and gives the payload as a view into the datagram', () => {
    const bytes = hex('80 e0 ff fe  00 01 e2 40  de ad be ef  01 02 03');
    const packet = parsed(bytes);
    expect(packet).toMatchObject({
      marker: true, payloadType: 96, sequenceNumber: 0xfffe, timestamp: 123456, ssrc: 0xdeadbeef,
      csrcs: [], extension: undefined, paddingLength: 0,
    });
    expect([...packet.payload]).toEqual([1, 2, 3]);
    expect(packet.payload.buffer).toBe(bytes.buffer);
    expect(packet.payload.byteOffset).toBe(12);
  });

  it('reads CSRCs, skips a header extension by its length and strips padding', () => {
    const bytes = hex([
      'b2 08 00 07  00 00 00 a0  00 00 00 01', // V=2 P=1 X=1 CC=2, PT 8
      '00 00 00 0a  00 00 00 0b', // two CSRCs
      'be de 00 02  11 22 33 44  55 66 77 88', // extension: profile 0xbede, 2 words
      'aa bb', // payload
      '00 00 03', // padding, count 3
    ].join(''));
    const packet = parsed(bytes);
    expect(packet.csrcs).toEqual([10, 11]);
    expect(packet.extension?.profile).toBe(0xbede);
    expect([...packet.extension!.data]).toEqual([0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88]);
    expect(packet.paddingLength).toBe(3);
    expect([...packet.payload]).toEqual([0xaa, 0xbb]);
  });

  it('accepts an empty payload', () => {
    expect(parsed(hex('80 00 00 01 00 00 00 00 00 00 00 01')).payload.length).toBe(0);
  });

  it.each([
    ['shorter than the fixed header', '80 00 00 01 00 00 00 00 00 00 00', 'tooShort'],
    ['empty', '', 'tooShort'],
    ['version 1', '40 00 00 01 00 00 00 00 00 00 00 01', 'badVersion'],
    ['version 0 (a STUN packet)', '00 01 00 00 21 12 a4 42 00 00 00 00', 'badVersion'],
    ['CSRC count past the end', '83 00 00 01 00 00 00 00 00 00 00 01 00 00 00 0a', 'csrcPastEnd'],
    ['extension header cut short', '90 00 00 01 00 00 00 00 00 00 00 01 be de', 'extensionPastEnd'],
    ['extension length past the end', '90 00 00 01 00 00 00 00 00 00 00 01 be de 00 02 00 00 00 00', 'extensionPastEnd'],
    ['padding longer than the packet', 'a0 00 00 01 00 00 00 00 00 00 00 01 aa 09', 'badPadding'],
    ['padding count of zero', 'a0 00 00 01 00 00 00 00 00 00 00 01 aa 00', 'badPadding'],
  ])('refuses a datagram %s', (_name, bytes, reason) => {
    expect(parseRtp(hex(bytes))).toEqual({ ok: false, reason });
  });

  it('never throws on random datagrams', () => {
    const random = seeded(7);
    const next = () => Math.floor(random() * 256);
    for (let i = 0; i < 2000; i++) {
      const bytes = Uint8Array.from({ length: next() % 40 }, next);
      if (bytes.length > 0) bytes[0] = (bytes[0]! & 0x3f) | 0x80;
      const result = parseRtp(bytes);
      if (result.ok) {
        const p = result.packet;
        expect(p.payload.byteOffset + p.payload.length + p.paddingLength).toBe(bytes.length);
      }
    }
  });
});

describe('buildRtp', () => {
  const fields = { marker: true, payloadType: 0, sequenceNumber: 65535, timestamp: 0xfffffff0, ssrc: 0x01020304 };

  it('writes the header in network order, then the payload', () => {
    expect(buildRtp(fields, hex('ff 7f'))).toEqual(hex('80 80 ff ff ff ff ff f0 01 02 03 04 ff 7f'));
    expect(buildRtp({ ...fields, marker: false, csrcs: [5] }, hex('01'))).toEqual(hex('81 00 ff ff ff ff ff f0 01 02 03 04 00 00 00 05 01'));
  });

  it('writes into the caller\'s buffer and returns the view of the octets written', () => {
    const buffer = new Uint8Array(200).fill(0xee);
    const view = buildRtp(fields, hex('aa bb cc'), buffer);
    expect(view.buffer).toBe(buffer.buffer);
    expect(view.length).toBe(15);
    expect(buffer[15]).toBe(0xee);
  });

  it('round-trips through parseRtp', () => {
    const bytes = buildRtp({ ...fields, csrcs: [1, 0xffffffff] }, new Uint8Array(160).fill(0xd5));
    const packet = parsed(bytes);
    expect(packet).toMatchObject({ ...fields, csrcs: [1, 0xffffffff] });
    expect(packet.payload.length).toBe(160);
  });

  it('treats a field out of range or a buffer too small as our bug', () => {
    expect(() => buildRtp({ ...fields, payloadType: 128 }, hex('00'))).toThrow(InternalError);
    expect(() => buildRtp({ ...fields, sequenceNumber: 65536 }, hex('00'))).toThrow(InternalError);
    expect(() => buildRtp(fields, hex('00 00'), new Uint8Array(13))).toThrow(/do not fit/);
  });
});
