// Bell presses from a button's raw edges: a leading-edge debounce that acts on the first edge at once (the visitor's
// call starts with it) and takes the contact's bounces after it for what they are.

import type { ButtonEdge } from '../../hal/gpio.ts';

/**
 * One button's edges in, presses out. An edge within `debounceMs` of the last accepted edge is a bounce and ignored;
 * any other edge is accepted, and an accepted `pressed: true` edge is a press. Nothing waits for the contact to
 * settle: the press is reported with its first edge.
 */
export class PressFilter {
  readonly #debounceMs: number;
  #lastAccepted: number | undefined;
  #bounces = 0;

  constructor(debounceMs: number) {
    this.#debounceMs = Math.max(0, debounceMs);
  }

  /** Edges ignored as bounces so far. */
  get bounces(): number {
    return this.#bounces;
  }

  /** Takes one edge; true when it is a press. */
  edge(edge: ButtonEdge): boolean {
    const last = this.#lastAccepted;
    // An edge from before the last accepted one (a driver's clock stepping back) is taken, not ignored forever.
    if (last !== undefined && edge.at >= last && edge.at - last < this.#debounceMs) {
      this.#bounces++;
      return false;
    }
    this.#lastAccepted = edge.at;
    return edge.pressed;
  }
}
