// A small typed event emitter (no node:events, so pure layers can use it); names are past tense.

/** Maps event names to listener signatures, e.g. `{ registered(info: Info): void }`. */
export type EventMap = { [event: string]: (...args: never[]) => void };

/**
 * Listeners run in order of registration. A listener that throws does not stop the others nor
 * unwind into protocol code: the error goes to `onListenerError` (the composition root logs it).
 */
export class Emitter<Events extends EventMap> {
  readonly #listeners = new Map<keyof Events, Array<Events[keyof Events]>>();
  readonly #onListenerError: (event: string, error: unknown) => void;

  constructor(onListenerError: (event: string, error: unknown) => void = () => {}) {
    this.#onListenerError = onListenerError;
  }

  on<E extends keyof Events>(event: E, listener: Events[E]): () => void {
    const list = this.#listeners.get(event) ?? [];
    list.push(listener);
    this.#listeners.set(event, list);
    return () => this.off(event, listener);
  }

  off<E extends keyof Events>(event: E, listener: Events[E]): void {
    const list = this.#listeners.get(event);
    if (list === undefined) return;
    const i = list.indexOf(listener);
    if (i >= 0) list.splice(i, 1);
  }

  emit<E extends keyof Events>(event: E, ...args: Parameters<Events[E]>): void {
    const list = this.#listeners.get(event);
    if (list === undefined) return;
    for (const listener of [...list]) {
      try {
        (listener as (...a: Parameters<Events[E]>) => void)(...args);
      } catch (error) {
        this.#onListenerError(String(event), error);
      }
    }
  }

  listenerCount(event: keyof Events): number {
    return this.#listeners.get(event)?.length ?? 0;
  }
}
