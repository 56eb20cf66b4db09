// A DoorPhone for the door application's tests: the UA's typed events, and calls a test drives by hand (ring,
// answer, end with a status), outgoing and incoming.

import { Emitter } from '../../../firmware-app/platform/Emitter.ts';
import type { Call, CallEndReason, CallEvents, CallState, HangupOptions, IncomingCall } from '../../../firmware-app/sip/dialog/types.ts';
import type { SipMessage } from '../../../firmware-app/sip/message/index.ts';
import type { Party } from '../../../firmware-app/sip/transaction/index.ts';
import type { UserAgentEvents } from '../../../firmware-app/sip/ua/UserAgent.ts';
import type { DoorPhone } from '../../../firmware-app/doorbell/ports.ts';

/** An outgoing call (one CallGroup of a routing step) the test rings, answers and ends. */
export class FakeCall implements Call {
  readonly id: string;
  readonly direction = 'outgoing' as const;
  readonly events = new Emitter<CallEvents>();
  readonly targets: readonly string[];
  readonly remote: Party;
  /** hangup() calls, with their options. */
  readonly hangups: Array<HangupOptions | undefined> = [];
  #state: CallState = 'calling';

  constructor(id: string, targets: readonly string[]) {
    this.id = id;
    this.targets = targets;
    this.remote = { uri: `sip:${targets[0] ?? 'nobody'}@flat.example` };
  }

  get state(): CallState {
    return this.#state;
  }

  /** 180 Ringing from the far end. */
  ring(): void {
    this.#state = 'early';
    this.events.emit('ringing', { status: 180, reason: 'Ringing', early: false });
  }

  /** 200 OK (and our ACK). */
  answer(): void {
    this.#state = 'confirmed';
    this.events.emit('established');
  }

  /** The call is over for this reason (486 busy: `end('rejected', 486)`). */
  end(reason: CallEndReason, status?: number): void {
    if (this.#state === 'ended') return;
    this.#state = 'ended';
    this.events.emit('ended', { reason, ...(status !== undefined ? { status } : {}) });
  }

  /** CANCEL (487 at once) or BYE, as the real call would end after them. */
  hangup(options?: HangupOptions): void {
    this.hangups.push(options);
    if (this.#state === 'confirmed') this.end('localBye');
    else this.end('cancelled', 487);
  }
}

/** An incoming call: records what the door did with it. */
export class FakeIncomingCall implements IncomingCall {
  readonly id: string;
  readonly direction = 'incoming' as const;
  readonly events = new Emitter<CallEvents>();
  readonly remote: Party;
  readonly request = {} as SipMessage;
  /** `ring`, `answer`, `reject 603`, `hangup`, in order. */
  readonly actions: string[] = [];
  #state: CallState = 'calling';

  constructor(id: string, from: string) {
    this.id = id;
    this.remote = { uri: from };
  }

  get state(): CallState {
    return this.#state;
  }

  ring(): void {
    this.actions.push('ring');
    this.#state = 'early';
    this.events.emit('ringing', { status: 180, reason: 'Ringing', early: false });
  }

  answer(): Promise<void> {
    this.actions.push('answer');
    if (this.#state === 'ended') return Promise.reject(new Error('the call is over'));
    this.#state = 'confirmed';
    this.events.emit('established');
    return Promise.resolve();
  }

  reject(status: number, reason: string): void {
    this.actions.push(`reject ${status} ${reason}`);
    this.end('rejected', status);
  }

  hangup(): void {
    this.actions.push('hangup');
    this.end(this.#state === 'confirmed' ? 'localBye' : 'rejected', this.#state === 'confirmed' ? undefined : 480);
  }

  /** The caller hangs up (BYE) or gives up (CANCEL). */
  end(reason: CallEndReason, status?: number): void {
    if (this.#state === 'ended') return;
    this.#state = 'ended';
    this.events.emit('ended', { reason, ...(status !== undefined ? { status } : {}) });
  }
}

export class FakePhone implements DoorPhone {
  /** Errors thrown by listeners (the door application's bugs): a test expects none. */
  readonly listenerErrors: unknown[] = [];
  readonly events = new Emitter<UserAgentEvents>((_event, error) => this.listenerErrors.push(error));
  readonly calls: FakeCall[] = [];
  registered = false;
  /** Makes the next call() fail (no route, a bug below). */
  failNext: Error | undefined;
  #ids = 0;

  call(targets: readonly string[]): Promise<Call> {
    const failure = this.failNext;
    this.failNext = undefined;
    if (failure !== undefined) return Promise.reject(failure);
    const call = new FakeCall(`call-${++this.#ids}`, targets);
    this.calls.push(call);
    return Promise.resolve(call);
  }

  /** The last call placed. */
  get last(): FakeCall {
    const call = this.calls.at(-1);
    if (call === undefined) throw new Error('no call was placed');
    return call;
  }

  /** An INVITE that passed the UA's policy, from `from` (and the built-in registrar's `user` when it knows one). */
  incoming(from: string, user?: string): FakeIncomingCall {
    const call = new FakeIncomingCall(`in-${++this.#ids}`, from);
    this.events.emit('callIncoming', call, { from, source: { host: '192.0.2.10', port: 5060 }, ...(user !== undefined ? { user } : {}) });
    return call;
  }

  /** The far end of `call` types `keys`, one digit each. */
  type(call: Call, keys: string): void {
    for (const digit of keys) this.events.emit('dtmfReceived', call, { digit, source: 'rfc4733' });
  }
}
