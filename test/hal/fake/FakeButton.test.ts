// FakeButton: press() is down now and up after the hold on the clock, bounce() the edges of a worn contact,
// edge() one raw edge; listeners get the clock's time and can unsubscribe.

import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../firmware-app/platform/FakeClock.ts';
import { FakeButton } from '../../../hal/fake/FakeButton.ts';
import type { ButtonEdge } from '../../../hal/gpio.ts';

function button() {
  const clock = new FakeClock(1000);
  const b = new FakeButton('1', clock);
  const edges: ButtonEdge[] = [];
  const off = b.onEdge((e) => edges.push(e));
  return { clock, b, edges, off };
}

describe('FakeButton', () => {
  it('press: down now, up after the hold', () => {
    const { clock, b, edges } = button();
    b.press(250);
    expect(b.down).toBe(true);
    clock.advance(250);
    expect(b.down).toBe(false);
    expect(edges).toEqual([{ pressed: true, at: 1000 }, { pressed: false, at: 1250 }]);
  });

  it('bounce: alternating edges gapMs apart, ending down for an even count', () => {
    const { clock, b, edges } = button();
    b.bounce(4, 3);
    clock.advance(100);
    expect(edges.map((e) => [e.pressed, e.at - 1000])).toEqual([[true, 0], [false, 3], [true, 6], [false, 9], [true, 12]]);
    expect(b.down).toBe(true);
  });

  it('edge: the same level twice is reported twice; unsubscribed listeners hear nothing', () => {
    const { b, edges, off } = button();
    b.edge(false);
    b.edge(false);
    off();
    b.edge(true);
    expect(edges).toHaveLength(2);
  });
});
