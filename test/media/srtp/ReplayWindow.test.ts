// The 64-packet replay window of RFC 3711 §3.3.2.
import { describe, expect, it } from 'vitest';
import { ReplayWindow } from '../../../firmware-app/media/srtp/ReplayWindow.ts';

describe('ReplayWindow', () => {
  it('accepts new indices in any order inside the window, once each', () => {
    const window = new ReplayWindow();
    for (const index of [10, 12, 11, 9]) {
      expect(window.check(index)).toBe('new');
      window.accept(index);
      expect(window.check(index)).toBe('replayed');
    }
  });

  it('refuses indices 64 or more below the highest, and forgets slots it slides over', () => {
    const window = new ReplayWindow();
    window.accept(100);
    expect(window.check(37)).toBe('new');
    expect(window.check(36)).toBe('too-old');
    window.accept(40);
    window.accept(104); // 40 is now 64 behind
    expect(window.check(40)).toBe('too-old');
    window.accept(1000); // a jump clears everything: 999 was never seen
    expect(window.check(999)).toBe('new');
    expect(window.check(1000)).toBe('replayed');
  });

  it('does not record an index that was only checked (a forged packet leaves no trace)', () => {
    const window = new ReplayWindow();
    window.accept(5);
    expect(window.check(6)).toBe('new');
    expect(window.check(6)).toBe('new');
  });
});
