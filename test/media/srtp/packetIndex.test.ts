// The ROC guess of RFC 3711 Appendix A at the edges of both halves of the sequence space.
import { describe, expect, it } from 'vitest';
import { advanceRollover, guessRoc, packetIndex } from '../../../firmware-app/media/srtp/packetIndex.ts';

describe('SRTP packet index estimation (RFC 3711 §3.3.1)', () => {
  it('keeps the ROC for packets near s_l and moves it for packets across the wrap', () => {
    expect(guessRoc({ roc: 3, highestSeq: 100 }, 101)).toBe(3);
    expect(guessRoc({ roc: 3, highestSeq: 100 }, 50)).toBe(3);
    expect(guessRoc({ roc: 3, highestSeq: 100 }, 65500)).toBe(2); // late packet from before the wrap
    expect(guessRoc({ roc: 3, highestSeq: 65500 }, 10)).toBe(4); // first packets after the wrap
    expect(guessRoc({ roc: 3, highestSeq: 65500 }, 65000)).toBe(3);
    expect(guessRoc({ roc: 0, highestSeq: 10 }, 65535)).toBe(-1); // before the first packet: never valid
  });

  it('computes i = 2^16 · ROC + SEQ, beyond 32 bits too', () => {
    expect(packetIndex(1, 0)).toBe(65536);
    expect(packetIndex(0xffffffff, 0xffff)).toBe(2 ** 48 - 1);
  });

  it('moves s_l and the ROC forward only', () => {
    expect(advanceRollover({ roc: 0, highestSeq: 65535 }, 1, 0)).toEqual({ roc: 1, highestSeq: 0 });
    expect(advanceRollover({ roc: 1, highestSeq: 5 }, 1, 9)).toEqual({ roc: 1, highestSeq: 9 });
    expect(advanceRollover({ roc: 1, highestSeq: 5 }, 1, 3)).toEqual({ roc: 1, highestSeq: 5 });
    expect(advanceRollover({ roc: 1, highestSeq: 5 }, 0, 65530)).toEqual({ roc: 1, highestSeq: 5 });
  });
});
