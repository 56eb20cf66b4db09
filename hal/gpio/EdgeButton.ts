// A Button fed by a driver: the driver calls `level(pressed)` for every edge it sees, listeners get it with the HAL
// clock's time. A listener that throws is logged and the others still hear the edge.

import type { Button, ButtonEdge } from '../gpio.ts';
import type { HalClock, HalLogger } from '../ports.ts';

export class EdgeButton implements Button {
  readonly id: string;
  readonly #clock: HalClock;
  readonly #logger: HalLogger;
  readonly #listeners = new Set<(edge: ButtonEdge) => void>();

  constructor(id: string, clock: HalClock, logger: HalLogger) {
    this.id = id;
    this.#clock = clock;
    this.#logger = logger;
  }

  onEdge(listener: (edge: ButtonEdge) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** One edge seen by the driver now. */
  level(pressed: boolean): void {
    const edge: ButtonEdge = { pressed, at: this.#clock.now() };
    for (const listener of [...this.#listeners]) {
      try {
        listener(edge);
      } catch (error) {
        this.#logger.error('buttonListenerFailed', { button: this.id, error: error instanceof Error ? error.message : String(error) });
      }
    }
  }
}
