// Door codes typed as DTMF digits (RFC 4733 events or SIP INFO, one per key): entry per call, checking, lockout.

import type { Config, DoorCodeConfig } from '../config/schema.ts';
import { errorMessage } from '../errors.ts';
import type { Clock, TimerHandle } from '../platform/Clock.ts';
import type { Logger } from '../platform/Logger.ts';
import type { CodeHasher, DoorEventSink } from './ports.ts';
import type { Schedules } from './schedule.ts';

/** No code is longer (the hasher refuses more): the 16th digit submits what was typed. */
export const MAX_CODE_DIGITS = 16;
/** Digits kept while a check runs; a phone flooding DTMF loses the rest, never memory. */
const MAX_QUEUED_DIGITS = 64;

export type CodeOutcome =
  | { readonly kind: 'accepted'; readonly name: string; readonly relay: string; readonly pulseMs: number }
  | { readonly kind: 'rejected'; readonly reason: 'wrong' | 'outsideSchedule' | 'locked'; readonly wrongInCall: number; readonly hangUp: boolean };

/** Code entry in one call: the UA's digits go in, outcomes come out through the callback given to `begin`. */
export interface CodeEntry {
  digit(digit: string): void;
  /** The call ended: typed digits are dropped, the pause timer stops, no outcome is delivered any more. */
  close(): void;
}

export interface DoorCodesOptions {
  readonly codes: readonly DoorCodeConfig[];
  readonly entry: Config['doorbell']['codeEntry'];
  readonly hasher: CodeHasher;
  readonly schedules: Schedules;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly events: DoorEventSink;
}

/** What one check found, before the call's own counting. */
type Verdict = { readonly kind: 'accepted'; readonly code: DoorCodeConfig } | { readonly kind: 'wrong' | 'outsideSchedule' | 'locked' };

/**
 * The door codes of the configuration and the lockout over all calls. Every submitted code is checked against every
 * configured hash, so the time a check takes does not tell which code (if any) matched.
 */
export class DoorCodes {
  readonly #options: DoorCodesOptions;
  /** Wrong codes in a row over all calls; a correct code resets it, entering the lock too. */
  #wrongInARow = 0;
  #lockedUntil: number | undefined;

  constructor(options: DoorCodesOptions) {
    this.#options = options;
  }

  /** Starts code entry for one call (the door is in it); outcomes arrive through `on` after the async check. */
  begin(callId: string, on: (outcome: CodeOutcome) => void): CodeEntry {
    return new CallCodeEntry({
      callId,
      on,
      clock: this.#options.clock,
      logger: this.#options.logger,
      entry: this.#options.entry,
      check: (code) => this.#check(callId, code),
    });
  }

  /** While code entry is locked: when it opens again (clock ms); undefined when it is open. */
  get lockedUntil(): number | undefined {
    if (this.#lockedUntil !== undefined && this.#options.clock.now() >= this.#lockedUntil) this.#lockedUntil = undefined;
    return this.#lockedUntil;
  }

  async #check(callId: string, code: string): Promise<Verdict> {
    if (this.lockedUntil !== undefined) return { kind: 'locked' };
    const { codes, hasher, logger, schedules } = this.#options;
    const matches = await Promise.all(codes.map((door) => hasher.verify(code, door.hash).catch((error: unknown) => {
      logger.error('doorCodeCheckFailed', { callId, name: door.name, error: errorMessage(error) });
      return false;
    })));
    const matched = codes.filter((_, i) => matches[i] === true);
    if (matched.length === 0) {
      this.#countWrong();
      return { kind: 'wrong' };
    }
    const open = matched.find((door) => schedules.allows(door.schedule));
    if (open === undefined) return { kind: 'outsideSchedule' };
    this.#wrongInARow = 0;
    return { kind: 'accepted', code: open };
  }

  #countWrong(): void {
    // A check that was already running when another call tripped the lock does not trip it again.
    if (this.lockedUntil !== undefined) return;
    const { entry, clock, logger, events } = this.#options;
    this.#wrongInARow += 1;
    if (this.#wrongInARow < entry.lockAfterWrong) return;
    const wrong = this.#wrongInARow;
    this.#wrongInARow = 0;
    this.#lockedUntil = clock.now() + entry.lockMinutes * 60_000;
    logger.warn('doorCodesLocked', { minutes: entry.lockMinutes, wrong });
    events.record('doorCodesLocked', { minutes: entry.lockMinutes, wrong });
  }
}

interface CallCodeEntryOptions {
  readonly callId: string;
  readonly on: (outcome: CodeOutcome) => void;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly entry: Config['doorbell']['codeEntry'];
  readonly check: (code: string) => Promise<Verdict>;
}

/**
 * One call's entry: `typing` collects digits; `checking` waits for the verdict and queues what arrives meanwhile;
 * `closed` (the call ended, or the call was told to hang up) ignores everything.
 */
class CallCodeEntry implements CodeEntry {
  readonly #options: CallCodeEntryOptions;
  #state: 'typing' | 'checking' | 'closed' = 'typing';
  #typed = '';
  #pause: TimerHandle | undefined;
  #queued: string[] = [];
  #wrongInCall = 0;

  constructor(options: CallCodeEntryOptions) {
    this.#options = options;
  }

  digit(digit: string): void {
    if (this.#state === 'closed') return;
    if (this.#state === 'checking') {
      if (this.#queued.length < MAX_QUEUED_DIGITS) this.#queued.push(digit);
      return;
    }
    this.#take(digit);
  }

  close(): void {
    this.#state = 'closed';
    this.#typed = '';
    this.#queued = [];
    this.#stopPause();
  }

  #take(digit: string): void {
    if (digit === '*') {
      this.#typed = '';
      this.#stopPause();
    } else if (digit === '#') {
      this.#submit();
    } else if (/^[0-9]$/.test(digit)) {
      this.#typed += digit;
      if (this.#typed.length >= MAX_CODE_DIGITS) {
        this.#submit();
        return;
      }
      // Phones without a # key: a pause after the last digit submits too.
      this.#stopPause();
      this.#pause = this.#options.clock.setTimer(this.#options.entry.submitAfterMs, () => {
        this.#pause = undefined;
        if (this.#state === 'typing') this.#submit();
      });
    }
    // A–D and anything else a phone may send are not part of a code.
  }

  #submit(): void {
    this.#stopPause();
    const code = this.#typed;
    this.#typed = '';
    if (code === '') return; // a lone # is no attempt
    this.#state = 'checking';
    this.#options.check(code).then(
      (verdict) => this.#settle(verdict),
      (error: unknown) => {
        this.#options.logger.error('doorCodeCheckFailed', { callId: this.#options.callId, error: errorMessage(error) });
        this.#settle({ kind: 'wrong' });
      },
    );
  }

  #settle(verdict: Verdict): void {
    if (this.#state === 'closed') return;
    const outcome = this.#outcomeOf(verdict);
    if (outcome.kind === 'rejected' && outcome.hangUp) this.close();
    try {
      this.#options.on(outcome); // digits arriving meanwhile still queue: the state is `checking` or `closed`
    } catch (error) {
      this.#options.logger.error('doorCodeOutcomeFailed', { callId: this.#options.callId, error: errorMessage(error) });
    }
    if (this.#state !== 'checking') return;
    this.#state = 'typing';
    while (this.#state === 'typing' && this.#queued.length > 0) this.#take(this.#queued.shift()!);
  }

  #outcomeOf(verdict: Verdict): CodeOutcome {
    if (verdict.kind === 'accepted') {
      const { name, relay, pulseMs } = verdict.code;
      return { kind: 'accepted', name, relay, pulseMs };
    }
    this.#wrongInCall += 1;
    const hangUp = this.#wrongInCall >= this.#options.entry.maxWrongPerCall;
    return { kind: 'rejected', reason: verdict.kind, wrongInCall: this.#wrongInCall, hangUp };
  }

  #stopPause(): void {
    this.#pause?.cancel();
    this.#pause = undefined;
  }
}
