// A bell button for tests and the simulator: `press()` makes the edges a finger makes, `bounce()` the ones a worn
// contact makes; listeners get them with the HAL clock's time, as from a real driver.

import type { Button, ButtonEdge } from '../gpio.ts';
import type { HalClock } from '../ports.ts';

/** How long a simulated press holds the button down. */
const HOLD_MS = 100;

export class FakeButton implements Button {
  readonly id: string;
  readonly #clock: HalClock;
  readonly #listeners = new Set<(edge: ButtonEdge) => void>();
  #down = false;

  constructor(id: string, clock: HalClock) {
    this.id = id;
    this.#clock = clock;
  }

  /** Is the button held down now? */
  get down(): boolean {
    return this.#down;
  }

  onEdge(listener: (edge: ButtonEdge) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Down now, up `holdMs` later on the clock. */
  press(holdMs = HOLD_MS): void {
    this.edge(true);
    this.#clock.setTimer(holdMs, () => this.edge(false));
  }

  /** Down, then `count` more edges `gapMs` apart (a bouncing contact), ending down when `count` is even. */
  bounce(count: number, gapMs = 2): void {
    this.edge(true);
    for (let i = 1; i <= count; i++) this.#clock.setTimer(i * gapMs, () => this.edge(i % 2 === 0));
  }

  /** One edge now (a level change; the same level twice is still reported, as noisy hardware does). */
  edge(pressed: boolean): void {
    this.#down = pressed;
    const edge: ButtonEdge = { pressed, at: this.#clock.now() };
    for (const listener of [...this.#listeners]) listener(edge);
  }
}
