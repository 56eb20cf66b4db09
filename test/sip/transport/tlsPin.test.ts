// normalizeSha256Pin: the one reading of a certificate pin, shared by the schema and sip/transport/tls.ts.
import { describe, expect, it } from 'vitest';
import { normalizeSha256Pin } from '../../../firmware-app/sip/transport/tlsPin.ts';

const HEX = '00ff'.repeat(16);

describe('normalizeSha256Pin', () => {
  it('turns both written forms, any case, into 64 lowercase hex digits', () => {
    expect(normalizeSha256Pin(HEX.toUpperCase())).toBe(HEX);
    expect(normalizeSha256Pin(HEX.match(/../g)!.join(':'))).toBe(HEX);
    expect(normalizeSha256Pin(` ${HEX.toUpperCase().match(/../g)!.join(':')}\n`)).toBe(HEX);
  });

  it('refuses mixed forms, stray colons and wrong lengths', () => {
    expect(normalizeSha256Pin(`${HEX.slice(0, 4)}:${HEX.slice(4).match(/../g)!.join(':')}`)).toBeUndefined();
    expect(normalizeSha256Pin(`:${HEX.match(/../g)!.join(':')}`)).toBeUndefined();
    expect(normalizeSha256Pin(HEX.slice(2))).toBeUndefined();
    expect(normalizeSha256Pin(`${HEX}00`)).toBeUndefined();
    expect(normalizeSha256Pin('')).toBeUndefined();
  });
});
