// The press classifier: raw edges in (bounces included), presses out at the first edge.

import { describe, expect, it } from 'vitest';
import { FakeButton } from '../../hal/fake/FakeButton.ts';
import { PressFilter } from '../../firmware-app/doorbell/PressFilter.ts';
import { FakeClock } from '../../firmware-app/platform/FakeClock.ts';

const edge = (pressed: boolean, at: number) => ({ pressed, at });

describe('PressFilter', () => {
  it('reports the first down edge as a press at once', () => {
    const filter = new PressFilter(40);
    expect(filter.edge(edge(true, 1000))).toBe(true);
  });

  it('ignores every edge within debounceMs of the last accepted one', () => {
    const filter = new PressFilter(40);
    const presses = [edge(true, 0), edge(false, 3), edge(true, 6), edge(false, 20), edge(true, 39)].map((e) => filter.edge(e));
    expect(presses).toEqual([true, false, false, false, false]);
    expect(filter.bounces).toBe(4);
    // At debounceMs the edge counts again: a release, then a second press later.
    expect(filter.edge(edge(false, 40))).toBe(false);
    expect(filter.edge(edge(true, 79))).toBe(false);
    expect(filter.edge(edge(true, 80))).toBe(true);
  });

  it('a release is accepted (it opens the next window) but is never a press', () => {
    const filter = new PressFilter(40);
    expect(filter.edge(edge(false, 0))).toBe(false);
    expect(filter.edge(edge(true, 10))).toBe(false);
    expect(filter.edge(edge(true, 50))).toBe(true);
  });

  it('two down edges without a release between them (a lost edge) are two presses when far enough apart', () => {
    const filter = new PressFilter(40);
    expect(filter.edge(edge(true, 0))).toBe(true);
    expect(filter.edge(edge(true, 500))).toBe(true);
  });

  it('an edge stamped before the last accepted one (a clock that stepped back) is taken, not ignored forever', () => {
    const filter = new PressFilter(40);
    filter.edge(edge(true, 10_000));
    expect(filter.edge(edge(false, 5))).toBe(false);
    expect(filter.edge(edge(true, 60))).toBe(true);
  });

  it('a FakeButton bouncing ten times is one press; pressing again after release is another', () => {
    const clock = new FakeClock();
    const button = new FakeButton('1', clock);
    const filter = new PressFilter(40);
    let presses = 0;
    button.onEdge((e) => {
      if (filter.edge(e)) presses++;
    });
    button.bounce(10, 2);
    clock.advance(1000);
    expect(presses).toBe(1);
    button.edge(false);
    clock.advance(1000);
    button.bounce(5, 3);
    clock.advance(1000);
    expect(presses).toBe(2);
  });
});
