// Random identifiers from the CSPRNG pool: tokens of the asked length, never repeated; secureRandom in [0, 1).
import { describe, expect, it } from 'vitest';
import { newBranch, randomToken, secureRandom } from '../../../firmware-app/sip/transaction/ids.ts';

describe('randomToken', () => {
  it('gives hex of twice the asked length, unique over more draws than the pool holds', () => {
    const tokens = Array.from({ length: 2000 }, () => randomToken(12));
    expect(tokens.every((t) => /^[0-9a-f]{24}$/.test(t))).toBe(true);
    expect(new Set(tokens).size).toBe(tokens.length);
    expect(randomToken(5000)).toMatch(/^[0-9a-f]{10000}$/); // more than the pool: drawn directly
    expect(newBranch()).toMatch(/^z9hG4bK[0-9a-f]{24}$/);
  });
});

describe('secureRandom', () => {
  it('is in [0, 1), differs call to call and spreads over the range (through the pool and its refills)', () => {
    const values = Array.from({ length: 5000 }, () => secureRandom());
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true);
    expect(new Set(values).size).toBeGreaterThan(4990);
    const low = values.filter((v) => v < 0.5).length;
    expect(low).toBeGreaterThan(2300);
    expect(low).toBeLessThan(2700);
  });
});
