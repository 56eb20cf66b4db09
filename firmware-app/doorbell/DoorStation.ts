// The door application: bell presses, the chime, call routing, incoming calls, door codes and the status LEDs, as
// one state machine on the injected clock over the UA (ARCHITECTURE.md: the doorbell layer; nothing here does I/O).

import { errorMessage } from '../errors.ts';
import type { Config } from '../config/schema.ts';
import type { TimerHandle } from '../platform/Clock.ts';
import type { UserAgentEvents } from '../sip/ua/UserAgent.ts';
import type { Call, IncomingCall } from '../sip/dialog/types.ts';
import { logCall } from './callLog.ts';
import { ConnectedCall } from './ConnectedCall.ts';
import type { DoorCodes } from './DoorCodes.ts';
import { DoorRelays } from './DoorRelays.ts';
import { type SipMode, decideIncoming } from './incomingCalls.ts';
import { Indicators, type Registration } from './Indicators.ts';
import type { DoorbellPlatform, DoorEventSink, DoorHardware, DoorPhone, DoorTones } from './ports.ts';
import { PressFilter } from './PressFilter.ts';
import { type PlanOutcome, RingPlan } from './RingPlan.ts';
import type { Schedules } from './schedule.ts';

export interface DoorStationOptions {
  readonly buttons: Config['buttons'];
  readonly doorbell: Config['doorbell'];
  readonly sipMode: SipMode;
  readonly phone: DoorPhone;
  readonly hardware: DoorHardware;
  readonly tones: DoorTones;
  readonly codes: Pick<DoorCodes, 'begin'>;
  readonly schedules: Pick<Schedules, 'allows'>;
  readonly events: DoorEventSink;
  readonly platform: DoorbellPlatform;
}

/** The door's one state; every transition goes through DoorStation's #enter. */
export type DoorState =
  | { readonly kind: 'idle' }
  /** A press's routing plan rings its steps. */
  | { readonly kind: 'calling'; readonly button: string; readonly plan: RingPlan }
  /** Someone answered the door's call. */
  | { readonly kind: 'connected'; readonly button: string; readonly session: ConnectedCall; readonly unsubscribe: () => void }
  /** An incoming call rings at the door (`incoming.others: ring`) until a press answers it or `ringSec` passes. */
  | { readonly kind: 'incomingRinging'; readonly call: IncomingCall; readonly timer: TimerHandle; readonly unsubscribe: () => void }
  /** An incoming call answered: by the door itself for an allow-listed caller (`listening`), or by a press. */
  | { readonly kind: 'incomingConnected'; readonly listening: boolean; readonly session: ConnectedCall; readonly unsubscribe: () => void }
  | { readonly kind: 'stopped' };

/** Final statuses after which the visitor hears the busy tone rather than the information tone. */
const BUSY_STATUSES: ReadonlySet<number> = new Set([486, 600, 603]);
/** Registration failures that mean our credentials are wrong (the LEDs show an error until a registration succeeds). */
const AUTH_STATUSES: ReadonlySet<number> = new Set([401, 403, 407]);

export class DoorStation {
  readonly #o: DoorStationOptions;
  readonly #relays: DoorRelays;
  readonly #indicators: Indicators;
  readonly #plans: ReadonlyMap<string, Config['buttons'][number]['plan']>;
  /** Owner of the busy / information tone after a plan found nobody. */
  readonly #noAnswerTone = {};
  /** Owner of the tone a door opened from the page plays. */
  readonly #pageTone = {};
  /** The log subscriptions of calls not yet ended. */
  readonly #liveCalls = new Set<() => void>();
  #subscriptions: Array<() => void> = [];
  #state: DoorState = { kind: 'idle' };
  #registration: Registration;

  constructor(options: DoorStationOptions) {
    this.#o = options;
    const { clock, logger } = options.platform;
    this.#indicators = new Indicators(options.hardware.leds.values(), clock, logger);
    this.#relays = new DoorRelays(options.hardware.relays, logger, () => this.#indicators.fault());
    this.#plans = new Map(options.buttons.map((button) => [button.id, button.plan]));
    this.#registration = options.sipMode === 'standalone' ? 'registered' : 'pending';
  }

  get state(): DoorState {
    return this.#state;
  }

  /** A press that comes from the page's test call, not a button: as if button `id` was pressed. False for no such button. */
  press(id: string): boolean {
    if (!this.#plans.has(id) || this.#state.kind === 'stopped') return false;
    this.#guard('pressed', () => this.#pressed(id));
    return true;
  }

  /**
   * The owner opens the door from the page: relay `relay` pulsed for its door code's time (3 s without one), logged
   * and recorded like a code's opening, `by` naming who. Returns the milliseconds granted, 0 when nothing opened.
   */
  openDoor(relay: string, by: string): number {
    if (this.#state.kind === 'stopped') return 0;
    const ms = this.#o.doorbell.doorCodes.find((code) => code.relay === relay)?.pulseMs ?? 3000;
    const granted = this.#relays.pulse(relay, ms, 'door');
    if (granted <= 0) return 0;
    this.#o.platform.logger.info('doorOpened', { relay, by, ms: granted });
    this.#o.events.record('doorOpened', { relay, by });
    this.#o.tones.startTone(this.#pageTone, 'doorOpened');
    return granted;
  }

  /** The page's hardware self-test: relay `relay` for `ms` (cut to its maximum by the HAL); the milliseconds granted. */
  testRelay(relay: string, ms: number): number {
    if (this.#state.kind === 'stopped') return 0;
    return this.#relays.pulse(relay, ms, 'selfTest');
  }

  /** The page's LED self-test: every LED blinks fast for `ms`, then shows the state again. False once stopped. */
  testLeds(ms: number): boolean {
    if (this.#state.kind === 'stopped') return false;
    this.#indicators.test(ms);
    return true;
  }

  /** Follows the buttons and the UA from now on; the LEDs show the state. */
  start(): void {
    if (this.#subscriptions.length > 0 || this.#state.kind === 'stopped') return;
    const { hardware, phone, platform, doorbell } = this.#o;
    this.#relays.start();
    for (const [id, button] of hardware.buttons) {
      const filter = new PressFilter(doorbell.debounceMs);
      this.#subscriptions.push(button.onEdge((edge) => {
        if (filter.edge(edge)) this.#guard('pressed', () => this.#pressed(id));
      }));
    }
    for (const button of this.#o.buttons) {
      if (!hardware.buttons.has(button.id)) platform.logger.warn('buttonMissing', { button: button.id });
    }
    const on = <E extends keyof UserAgentEvents>(event: E, listener: UserAgentEvents[E]): void => {
      this.#subscriptions.push(phone.events.on(event, listener));
    };
    on('callIncoming', (call, info) => this.#incoming(call, info));
    on('dtmfReceived', (call, info) => this.#digit(call, info.digit));
    if (this.#o.sipMode === 'registered') {
      on('registered', () => this.#registrationChanged('registered', {}));
      on('registrationFailed', (info) => this.#registrationChanged(AUTH_STATUSES.has(info.status ?? 0) ? 'authFailed' : 'failed', {
        reason: info.reason, ...(info.status !== undefined ? { status: info.status } : {}),
      }));
      if (phone.registered) this.#registrationChanged('registered', {});
    }
    this.#refresh();
  }

  /**
   * Stops following everything: timers cancelled, code entry closed, relays back to rest, LEDs off. Hangs nothing up
   * (the stack's close sends the BYEs and CANCELs).
   */
  stop(): void {
    const state = this.#state;
    if (state.kind === 'stopped') return;
    if (state.kind === 'calling') state.plan.stop();
    if (state.kind === 'connected' || state.kind === 'incomingConnected') state.session.close();
    if (state.kind === 'incomingRinging') {
      state.timer.cancel();
      this.#o.tones.stopTone(state.call);
    }
    if ('unsubscribe' in state) state.unsubscribe();
    this.#o.tones.stopTone(this.#noAnswerTone);
    for (const unsubscribe of [...this.#subscriptions, ...this.#liveCalls]) unsubscribe();
    this.#subscriptions = [];
    this.#relays.stop();
    this.#indicators.off();
    this.#enter({ kind: 'stopped' });
  }

  /** The one place the state changes; `first` runs before the LEDs follow (an INVITE must not wait for a GPIO write). */
  #enter(next: DoorState, first?: () => void): void {
    this.#o.platform.logger.debug('doorState', { from: this.#state.kind, to: next.kind });
    this.#state = next;
    first?.();
    // A transition made inside `first` (a plan over at once) has shown its own state already.
    if (this.#state === next) this.#refresh();
  }

  #refresh(): void {
    const kind = this.#state.kind;
    if (kind === 'stopped') return;
    const activity = kind === 'calling' || kind === 'incomingRinging' ? 'ringing' : kind === 'idle' ? 'idle' : 'inCall';
    this.#indicators.show({ registration: this.#registration, activity });
  }

  /** A bug in one press costs that press, never the button's driver. */
  #guard(what: string, fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.#o.platform.logger.error('doorbellFailed', { in: what, error: errorMessage(error) });
    }
  }

  #pressed(button: string): void {
    const state = this.#state;
    try {
      // The call first: the time from the edge to the INVITE is what a visitor waits for.
      if (state.kind === 'idle') this.#ring(button);
      else if (state.kind === 'incomingRinging') this.#answer(state.call, { button });
    } finally {
      // Whatever the call did, even a bug in it: the press is logged and the chime rings (it needs no SIP).
      this.#o.platform.logger.info('buttonPressed', { button, state: state.kind });
      this.#chime();
      this.#o.events.record('buttonPressed', { button });
    }
  }

  #chime(): void {
    const chime = this.#o.doorbell.chime;
    if (chime === undefined) return;
    const ms = this.#relays.pulse(chime.relay, chime.pulseMs, 'chime');
    if (ms <= 0) return;
    this.#o.platform.logger.info('chimeRang', { relay: chime.relay, ms });
    this.#o.events.record('chimeRang', { relay: chime.relay, ms });
  }

  #ring(button: string): void {
    const { phone, schedules, platform, events } = this.#o;
    this.#o.tones.stopTone(this.#noAnswerTone);
    const plan: RingPlan = new RingPlan({
      button,
      steps: this.#plans.get(button) ?? [],
      phone, schedules, events,
      clock: platform.clock,
      logger: platform.logger,
      placed: (call) => logCall(call, { clock: platform.clock, events }, this.#liveCalls),
      finished: (outcome) => this.#planFinished(plan, button, outcome),
    });
    this.#enter({ kind: 'calling', button, plan }, () => plan.start());
  }

  #planFinished(plan: RingPlan, button: string, outcome: PlanOutcome): void {
    const state = this.#state;
    if (state.kind !== 'calling' || state.plan !== plan) return;
    if (outcome.kind === 'answered') {
      const call = outcome.call;
      const session = this.#session(call, undefined);
      const unsubscribe = call.events.on('ended', () => this.#callOver(call));
      this.#enter({ kind: 'connected', button, session, unsubscribe });
      return;
    }
    // Nobody answered: the visitor hears why, as a phone would (busy or declined, or nobody there at all).
    const tone = outcome.status !== undefined && BUSY_STATUSES.has(outcome.status) ? 'busy' : 'unavailable';
    this.#o.platform.logger.info('nobodyAnswered', { button, tone, ...(outcome.status !== undefined ? { status: outcome.status } : {}) });
    this.#o.tones.startTone(this.#noAnswerTone, tone);
    this.#enter({ kind: 'idle' });
  }

  #session(call: Call, listeningTone: { readonly everySec: number } | undefined): ConnectedCall {
    const { doorbell, platform, events, tones, codes } = this.#o;
    return new ConnectedCall({
      call, limits: doorbell, clock: platform.clock, logger: platform.logger, events, tones, codes, relays: this.#relays,
      ...(listeningTone !== undefined ? { listeningTone } : {}),
    });
  }

  /** The answered call ended (hung up by either side, or by the door at its maximum time). */
  #callOver(call: Call): void {
    const state = this.#state;
    if ((state.kind !== 'connected' && state.kind !== 'incomingConnected') || state.session.call !== call) return;
    state.session.close();
    state.unsubscribe();
    this.#enter({ kind: 'idle' });
  }

  #digit(call: Call, digit: string): void {
    const state = this.#state;
    // Digits of the call the door is in, and of no other (a call being rejected, another phone of the group).
    if ((state.kind === 'connected' || state.kind === 'incomingConnected') && state.session.call.id === call.id) state.session.digit(digit);
  }

  #incoming(call: IncomingCall, info: Parameters<UserAgentEvents['callIncoming']>[1]): void {
    const { doorbell, sipMode, schedules, platform, events } = this.#o;
    const decision = decideIncoming({ incoming: doorbell.incoming, sipMode, schedules }, info, this.#state.kind !== 'idle');
    const caller = { call: call.id, from: info.from, ...(info.user !== undefined ? { user: info.user } : {}) };
    events.record('callIncoming', { ...caller, outcome: decision.kind });
    switch (decision.kind) {
      case 'busy':
        this.#reject(call, 486, 'Busy Here', 'busy');
        return;
      case 'reject':
        this.#reject(call, 603, 'Decline', 'notAllowed');
        return;
      case 'autoAnswer':
        platform.logger.info('callAutoAnswered', { ...caller, entry: decision.entry.from });
        logCall(call, { clock: platform.clock, events }, this.#liveCalls);
        call.ring();
        this.#answer(call, 'listening');
        return;
      case 'ring':
        this.#ringAtDoor(call, caller);
    }
  }

  #reject(call: IncomingCall, status: number, phrase: string, why: string): void {
    this.#o.platform.logger.info('callRejected', { call: call.id, status, why });
    call.reject(status, phrase);
  }

  /** `others: ring`: the door rings (ringback as its ringer) until a press answers or `ringSec` passes. */
  #ringAtDoor(call: IncomingCall, caller: Readonly<Record<string, string>>): void {
    const { doorbell, platform, events, tones } = this.#o;
    logCall(call, { clock: platform.clock, events }, this.#liveCalls);
    platform.logger.info('incomingRinging', { ...caller, ringSec: doorbell.incoming.ringSec });
    call.ring();
    tones.stopTone(this.#noAnswerTone);
    tones.startTone(call, 'ringback');
    const timer = platform.clock.setTimer(doorbell.incoming.ringSec * 1000, () => this.#stopRinging(call, 'noAnswer'));
    const unsubscribe = call.events.on('ended', () => this.#stopRinging(call, 'ended'));
    this.#enter({ kind: 'incomingRinging', call, timer, unsubscribe });
  }

  /** The ringing call ended by itself (the caller gave up) or nobody pressed in time (480). */
  #stopRinging(call: IncomingCall, why: 'noAnswer' | 'ended'): void {
    const state = this.#state;
    if (state.kind !== 'incomingRinging' || state.call !== call) return;
    state.timer.cancel();
    state.unsubscribe();
    this.#o.tones.stopTone(call);
    this.#enter({ kind: 'idle' });
    if (why === 'noAnswer') this.#reject(call, 480, 'Temporarily Unavailable', 'noAnswer');
  }

  /** Answers an incoming call: the door itself for an allow-listed caller (`listening`), or a press at the door. */
  #answer(call: IncomingCall, by: 'listening' | { readonly button: string }): void {
    const state = this.#state;
    if (state.kind === 'incomingRinging' && state.call === call) {
      state.timer.cancel();
      state.unsubscribe();
      this.#o.tones.stopTone(call);
    }
    this.#o.tones.stopTone(this.#noAnswerTone); // the last bell call's busy tone must not run into this one
    const listening = by === 'listening';
    const tone = this.#o.doorbell.incoming.listeningTone;
    // Nobody is listened to unknowingly: the tone starts with the answer, before any audio leaves the door.
    const session = this.#session(call, listening && tone.enabled ? { everySec: tone.everySec } : undefined);
    const unsubscribe = call.events.on('ended', () => this.#callOver(call));
    this.#enter({ kind: 'incomingConnected', listening, session, unsubscribe });
    if (!listening) this.#o.platform.logger.info('incomingAnswered', { call: call.id, button: by.button });
    call.answer().catch((error: unknown) => this.#o.platform.logger.warn('answerFailed', { call: call.id, error: errorMessage(error) }));
  }

  #registrationChanged(next: Registration, fields: Readonly<Record<string, string | number>>): void {
    if (next === this.#registration) return;
    this.#registration = next;
    this.#o.events.record(next === 'registered' ? 'registered' : 'registrationFailed', fields);
    this.#refresh();
  }
}
