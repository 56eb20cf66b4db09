// One bell press's routing plan, run to its end: each step rings all its targets at once (one CallGroup, the first
// to answer wins) for its ringSec, then the next step; a step outside its schedule is skipped.

import { errorMessage } from '../errors.ts';
import type { RoutingStep } from '../config/schema.ts';
import type { Clock, TimerHandle } from '../platform/Clock.ts';
import type { Logger } from '../platform/Logger.ts';
import type { Call, CallEndReason } from '../sip/dialog/types.ts';
import type { DoorEventSink, DoorPhone } from './ports.ts';
import type { Schedules } from './schedule.ts';

/** How a plan ends: someone answered, or every step was tried (the last attempt's final status, when it had one). */
export type PlanOutcome =
  | { readonly kind: 'answered'; readonly call: Call; readonly step: number }
  | { readonly kind: 'exhausted'; readonly status?: number };

export interface RingPlanOptions {
  readonly button: string;
  readonly steps: readonly RoutingStep[];
  readonly phone: Pick<DoorPhone, 'call'>;
  readonly schedules: Pick<Schedules, 'allows'>;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly events: DoorEventSink;
  /** Each call the plan places, as soon as it has it (the station logs the call's life). */
  readonly placed: (call: Call) => void;
  /** Called once, unless the plan is stopped first. */
  readonly finished: (outcome: PlanOutcome) => void;
}

type PlanState =
  | { readonly kind: 'ready' }
  /** `phone.call` is finding the targets (the CallGroup is not back yet); the step's time already runs. */
  | { readonly kind: 'placing'; readonly step: number; readonly timer: TimerHandle }
  | { readonly kind: 'ringing'; readonly step: number; readonly call: Call; readonly timer: TimerHandle; readonly unsubscribe: () => void }
  | { readonly kind: 'finished' };

export class RingPlan {
  readonly #o: RingPlanOptions;
  #state: PlanState = { kind: 'ready' };
  /** The final status of the last attempt that ended by itself (486, 603 …); undefined after a timeout. */
  #lastStatus: number | undefined;

  constructor(options: RingPlanOptions) {
    this.#o = options;
  }

  /** The step being rung, or undefined before the start and after the end. */
  get step(): number | undefined {
    const state = this.#state;
    return state.kind === 'placing' || state.kind === 'ringing' ? state.step : undefined;
  }

  start(): void {
    if (this.#state.kind === 'ready') this.#next(0);
  }

  /** Cancels the plan's timer and stops following its call; hangs nothing up (the stack closes its calls itself). */
  stop(): void {
    this.#leave();
    this.#state = { kind: 'finished' };
  }

  /** Rings the first step from `from` on whose schedule is open, or ends the plan. */
  #next(from: number): void {
    const { steps, schedules, logger, button } = this.#o;
    for (let step = from; step < steps.length; step++) {
      const routing = steps[step]!;
      if (schedules.allows(routing.schedule)) {
        this.#place(step, routing);
        return;
      }
      logger.info('stepSkipped', { button, step, schedule: routing.schedule ?? '' });
    }
    this.#finish({ kind: 'exhausted', ...(this.#lastStatus !== undefined ? { status: this.#lastStatus } : {}) });
  }

  #place(step: number, routing: RoutingStep): void {
    const timer = this.#o.clock.setTimer(routing.ringSec * 1000, () => this.#timedOut());
    const placing: PlanState = { kind: 'placing', step, timer };
    this.#state = placing;
    let pending: Promise<Call>;
    try {
      pending = this.#o.phone.call(routing.targets);
    } catch (error) {
      pending = Promise.reject(error);
    }
    pending.then(
      (call) => this.#placedCall(placing, call, routing),
      (error: unknown) => {
        if (this.#state !== placing) return;
        this.#o.logger.warn('callFailed', { button: this.#o.button, step, error: errorMessage(error) });
        this.#moveOn(undefined);
      },
    ).catch((error: unknown) => this.#o.logger.error('doorbellFailed', { in: 'ringPlan', error: errorMessage(error) }));
  }

  #placedCall(placing: PlanState & { kind: 'placing' }, call: Call, routing: RoutingStep): void {
    const { logger, events, button } = this.#o;
    if (this.#state !== placing) {
      // The step's time ran out (or the plan stopped) before the call was placed: nobody follows it any more.
      logger.info('callAbandoned', { call: call.id, button, step: placing.step });
      call.hangup();
      return;
    }
    const offEstablished = call.events.on('established', () => this.#answered(call));
    const offEnded = call.events.on('ended', (info) => this.#attemptEnded(call, info));
    const unsubscribe = (): void => {
      offEstablished();
      offEnded();
    };
    this.#state = { kind: 'ringing', step: placing.step, call, timer: placing.timer, unsubscribe };
    const fields = { call: call.id, button, step: placing.step, targets: routing.targets.join(',') };
    logger.info('callStarted', fields);
    events.record('callStarted', fields);
    this.#o.placed(call);
    if (call.state === 'confirmed') this.#answered(call);
    else if (call.state === 'ended') this.#attemptEnded(call, { reason: 'failed' });
  }

  #answered(call: Call): void {
    const state = this.#state;
    if (state.kind !== 'ringing' || state.call !== call) return;
    this.#leave();
    this.#finish({ kind: 'answered', call, step: state.step });
  }

  /** Busy, declined, failed, nobody to ring: the next step at once. */
  #attemptEnded(call: Call, info: { readonly reason: CallEndReason; readonly status?: number }): void {
    const state = this.#state;
    if (state.kind !== 'ringing' || state.call !== call) return;
    this.#moveOn(info.status);
  }

  #timedOut(): void {
    const state = this.#state;
    if (state.kind !== 'placing' && state.kind !== 'ringing') return;
    this.#o.logger.info('stepTimedOut', { button: this.#o.button, step: state.step, ...(state.kind === 'ringing' ? { call: state.call.id } : {}) });
    this.#leave();
    if (state.kind === 'ringing') state.call.hangup();
    this.#moveOn(undefined);
  }

  #moveOn(status: number | undefined): void {
    const state = this.#state;
    if (state.kind !== 'placing' && state.kind !== 'ringing') return;
    this.#leave();
    this.#lastStatus = status;
    this.#next(state.step + 1);
  }

  /** Lets go of the current attempt: its timer and its listeners. */
  #leave(): void {
    const state = this.#state;
    if (state.kind === 'placing' || state.kind === 'ringing') state.timer.cancel();
    if (state.kind === 'ringing') state.unsubscribe();
  }

  #finish(outcome: PlanOutcome): void {
    this.#state = { kind: 'finished' };
    this.#o.finished(outcome);
  }
}
