// SRTP and SRTCP protect/unprotect: a known packet, round trips, tampering, replay and the ROC rollover.
import { describe, expect, it } from 'vitest';
import { SrtpReceiver } from '../../../firmware-app/media/srtp/SrtpReceiver.ts';
import { SrtpSender } from '../../../firmware-app/media/srtp/SrtpSender.ts';
import { SRTP_SUITES, type SrtpSuite } from '../../../firmware-app/media/srtp/suites.ts';
import { createNodeSrtpCrypto } from '../../../firmware-app/platform/srtpCrypto.ts';
import { hex, rtcpPacket, rtpPacket, toHex } from './support.ts';

const crypto = createNodeSrtpCrypto();
const KEY = { masterKey: hex('E1F97A0D3E018BE0D64FA32C06DE4139'), masterSalt: hex('0EC675AD498AFEEBB6960B3AABE6') };
const SHA1_80 = SRTP_SUITES.AES_CM_128_HMAC_SHA1_80;
const SHA1_32 = SRTP_SUITES.AES_CM_128_HMAC_SHA1_32;

function pair(suite: SrtpSuite = SHA1_80): { sender: SrtpSender; receiver: SrtpReceiver } {
  return { sender: new SrtpSender(crypto, suite, KEY), receiver: new SrtpReceiver(crypto, suite, KEY) };
}

const payload = (n: number): Uint8Array => Uint8Array.from({ length: 160 }, (_, i) => (i + n) & 0xff);

describe('SRTP with a known packet (the self-test vectors libsrtp and others share)', () => {
  // Plain RTP seq 0x1234, SSRC 0xcafebabe, 16 bytes of 0xab; AES_CM_128_HMAC_SHA1_80 with the B.3 master key.
  const plain = hex('800f1234decafbadcafebabe abababababababababababababababab');
  const protectedHex = '800f1234decafbadcafebabe4e55dc4ce79978d88ca4d215949d2402b78d6acc99ea179b8dbb';

  it('protects it into the known ciphertext and tag, and unprotects it back', () => {
    const { sender, receiver } = pair();
    const srtp = sender.protectRtp(plain);
    expect(toHex(srtp)).toBe(protectedHex);
    const result = receiver.unprotectRtp(srtp);
    expect(result.ok && toHex(result.packet)).toBe(toHex(plain));
  });

  it('protects the known RTCP packet with SRTCP index 1 into the known bytes', () => {
    const { sender, receiver } = pair();
    const rtcp = hex('81c8000bcafebabe abababababababababababababababab');
    sender.protectRtcp(rtcp); // index 0
    const srtcp = sender.protectRtcp(rtcp); // index 1
    expect(toHex(srtcp)).toBe('81c8000bcafebabe7128035be487b9bdbef89041f977a5a880000001993e08cd54d6c1230798');
    const result = receiver.unprotectRtcp(srtcp);
    expect(result.ok && toHex(result.packet)).toBe(toHex(rtcp));
  });
});

describe.each([
  ['AES_CM_128_HMAC_SHA1_80', SHA1_80, 10],
  ['AES_CM_128_HMAC_SHA1_32', SHA1_32, 4],
] as const)('SRTP %s', (_name, suite, tagLength) => {
  it('round-trips RTP packets, encrypting the payload and leaving the header in clear', () => {
    const { sender, receiver } = pair(suite);
    for (let seq = 100; seq < 110; seq++) {
      const rtp = rtpPacket(seq, 0x11223344, payload(seq), seq * 160);
      const srtp = sender.protectRtp(rtp);
      expect(srtp).toHaveLength(rtp.length + tagLength);
      expect(srtp.subarray(0, 12)).toEqual(rtp.subarray(0, 12));
      expect(srtp.subarray(12, rtp.length)).not.toEqual(rtp.subarray(12));
      const result = receiver.unprotectRtp(srtp);
      expect(result).toEqual({ ok: true, packet: rtp });
    }
  });

  it('round-trips RTCP with a 10-byte tag (RFC 4568: _32 shortens only SRTP tags)', () => {
    const { sender, receiver } = pair(suite);
    const rtcp = rtcpPacket(0x11223344);
    const srtcp = sender.protectRtcp(rtcp);
    expect(srtcp).toHaveLength(rtcp.length + 4 + 10);
    expect(receiver.unprotectRtcp(srtcp)).toEqual({ ok: true, packet: rtcp });
  });

  it('rejects a packet whose tag, header or payload was changed, and leaves it undecrypted', () => {
    const { sender, receiver } = pair(suite);
    const srtp = sender.protectRtp(rtpPacket(7, 0x11223344, payload(7)));
    for (const at of [srtp.length - 1, 1, 20]) {
      const forged = srtp.slice();
      forged[at]! ^= 0x01;
      const copy = forged.slice();
      expect(receiver.unprotectRtp(forged)).toEqual({ ok: false, reason: 'auth-failed' });
      expect(forged).toEqual(copy);
    }
    expect(receiver.unprotectRtp(srtp).ok).toBe(true);
  });

  it('rejects a replayed packet, and one older than the 64-packet window', () => {
    const { sender, receiver } = pair(suite);
    const packets = Array.from({ length: 70 }, (_, i) => sender.protectRtp(rtpPacket(1000 + i, 0x11223344, payload(i))));
    const first = packets[0]!.slice();
    const fifth = packets[5]!;
    for (const packet of packets.slice(0, 69)) expect(receiver.unprotectRtp(packet.slice()).ok).toBe(true);
    expect(receiver.unprotectRtp(fifth.slice())).toEqual({ ok: false, reason: 'replayed' });
    expect(receiver.unprotectRtp(first)).toEqual({ ok: false, reason: 'too-old' });
    expect(receiver.unprotectRtp(packets[69]!).ok).toBe(true);
  });

  it('rejects a replayed SRTCP packet and a forged one', () => {
    const { sender, receiver } = pair(suite);
    const srtcp = sender.protectRtcp(rtcpPacket(0x11223344));
    const copy = srtcp.slice();
    const forged = srtcp.slice();
    forged[10]! ^= 0x80;
    expect(receiver.unprotectRtcp(forged)).toEqual({ ok: false, reason: 'auth-failed' });
    expect(receiver.unprotectRtcp(srtcp).ok).toBe(true);
    expect(receiver.unprotectRtcp(copy)).toEqual({ ok: false, reason: 'replayed' });
  });
});

describe('SRTP rollover counter (RFC 3711 §3.3.1)', () => {
  it('counts the wrap 65535 → 0 on both sides, also when packets around it are reordered', () => {
    const { sender, receiver } = pair();
    const seqs = [65532, 65533, 65534, 65535, 0, 1, 2, 3];
    const packets = seqs.map((seq) => sender.protectRtp(rtpPacket(seq, 0xabcdef01, payload(seq))));
    // Order of arrival: 65535 comes after 0 and 1.
    const order = [0, 1, 2, 4, 5, 3, 6, 7];
    for (const i of order) expect(receiver.unprotectRtp(packets[i]!.slice())).toEqual({ ok: true, packet: rtpPacket(seqs[i]!, 0xabcdef01, payload(seqs[i]!)) });
  });

  it('uses ROC 1 after the wrap: seq 0 then differs from a seq 0 sent with ROC 0', () => {
    const { sender } = pair();
    sender.protectRtp(rtpPacket(65535, 1, payload(0)));
    const afterWrap = sender.protectRtp(rtpPacket(0, 1, payload(0)));
    const fresh = new SrtpSender(crypto, SHA1_80, KEY).protectRtp(rtpPacket(0, 1, payload(0)));
    expect(afterWrap).not.toEqual(fresh);
    // A receiver that starts after the wrap (ROC 0 for it) cannot authenticate it: the ROC is in the tag.
    expect(new SrtpReceiver(crypto, SHA1_80, KEY).unprotectRtp(afterWrap)).toEqual({ ok: false, reason: 'auth-failed' });
  });

  it('leaves CSRCs and a header extension in clear and encrypts only what follows them', () => {
    const { sender, receiver } = pair();
    // V=2, X=1, CC=1: 12 + 4 (CSRC) + 4 (extension header) + 4 (one extension word) = 24 header bytes.
    const rtp = hex('91000005 00000000 00000001 0000abcd bede0001 10ff0000 01020304 05060708');
    const srtp = sender.protectRtp(rtp);
    expect(srtp.subarray(0, 24)).toEqual(rtp.subarray(0, 24));
    expect(srtp.subarray(24, 32)).not.toEqual(rtp.subarray(24));
    expect(receiver.unprotectRtp(srtp)).toEqual({ ok: true, packet: rtp });
    // An extension length that runs past the packet is malformed, not a crash.
    const broken = hex('90000006 00000000 00000001 bede00ff 00000000 00000000000000000000');
    expect(receiver.unprotectRtp(broken)).toEqual({ ok: false, reason: 'malformed' });
  });

  it('keeps separate state per SSRC and drops malformed packets', () => {
    const { sender, receiver } = pair();
    const a = sender.protectRtp(rtpPacket(10, 1, payload(1)));
    const b = sender.protectRtp(rtpPacket(10, 2, payload(2)));
    expect(receiver.unprotectRtp(a).ok).toBe(true);
    expect(receiver.unprotectRtp(b).ok).toBe(true);
    expect(receiver.unprotectRtp(new Uint8Array(15))).toEqual({ ok: false, reason: 'malformed' });
    expect(receiver.unprotectRtcp(new Uint8Array(20))).toEqual({ ok: false, reason: 'malformed' });
  });
});
