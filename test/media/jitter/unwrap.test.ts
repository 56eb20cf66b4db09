// Extended sequence numbers and timestamps across the wrap, both directions.
import { describe, expect, it } from 'vitest';
import { unwrapSeq, unwrapTimestamp } from '../../../firmware-app/media/jitter/unwrap.ts';

describe('unwrap', () => {
  it('extends 16-bit sequence numbers to the nearest value, across the wrap either way', () => {
    expect(unwrapSeq(65535, 0)).toBe(65536);
    expect(unwrapSeq(65536, 65535)).toBe(65535);
    expect(unwrapSeq(131071 + 5, 3)).toBe(131075);
    expect(unwrapSeq(100, 90)).toBe(90);
    expect(unwrapSeq(0, 65000)).toBe(-536);
  });

  it('extends 32-bit timestamps the same way', () => {
    expect(unwrapTimestamp(0xffffff00, 0x10)).toBe(0x100000010);
    expect(unwrapTimestamp(0x100000010, 0xffffff00)).toBe(0xffffff00);
    expect(unwrapTimestamp(0x300000000 + 500, 340)).toBe(0x300000000 + 340);
  });
});
