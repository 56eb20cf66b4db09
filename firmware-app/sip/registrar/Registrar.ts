// Built-in registrar and location service for standalone mode (RFC 3261 §10.3, RFC 5626 §6 instances, NAT-aware bindings).

import { SummaryLog } from '../../platform/SummaryLog.ts';
import type { DigestServerApi } from '../auth/types.ts';
import { type ResponseInit, type SipMessage, SipParseError } from '../message/index.ts';
import { type NonInviteServerTransaction, type SipContext, hostport } from '../transaction/index.ts';
import { bareHost } from '../transport/flows.ts';
import type { Address, TransportProtocol } from '../transport/types.ts';
import { AuthGate } from './AuthGate.ts';
import { BindingTable } from './BindingTable.ts';
import { type ExpiryPolicy, type RequestedContact, readContactRequest, unescape } from './contacts.ts';
import type { Binding, RegistrarApi, RegistrarConfig } from './types.ts';
import { outOfOrder, planUpdate } from './update.ts';

export const DEFAULT_MIN_EXPIRES = 60;
export const DEFAULT_MAX_EXPIRES = 3600;
/** Granted when the REGISTER names no expiry (then clamped to maxExpires). */
export const DEFAULT_EXPIRES = 3600;
export const DEFAULT_MAX_CONTACTS = 5;

/**
 * The door station as registrar for its few indoor users (softphones), each with its own password.
 *
 * - Single domain: the Request-URI and the To host may name any domain or address (the phones
 *   know the device by IP address, mDNS name or realm alike); only the To user matters.
 * - Authentication comes first, before anything about the registration is looked at or answered,
 *   and an unknown user gets the very same 401 as a wrong password; repeated failures slow the
 *   answers down and then lock the user name (see AuthGate).
 * - Failures and refusals are counted and logged as at most one line a minute (see SummaryLog).
 * - A binding keeps where its REGISTER came from (source address, protocol, flow): requests to
 *   the user go there, whatever private address the phone wrote in its Contact.
 * - Every change of one REGISTER is committed at once or not at all (§10.3 step 7).
 */
export class Registrar implements RegistrarApi {
  readonly #ctx: SipContext;
  readonly #gate: AuthGate;
  readonly #rejected: SummaryLog;
  readonly #table: BindingTable;
  #passwords = new Map<string, string>();
  #policy: ExpiryPolicy = { min: DEFAULT_MIN_EXPIRES, max: DEFAULT_MAX_EXPIRES, fallback: DEFAULT_EXPIRES };
  #maxContacts = DEFAULT_MAX_CONTACTS;

  constructor(ctx: SipContext, config: RegistrarConfig, digest: DigestServerApi) {
    this.#ctx = ctx;
    this.#gate = new AuthGate({
      ctx, digest, respond: (tx, init) => this.#respond(tx, init), reject: (tx, init, cause) => this.#reject(tx, init, cause),
      isBoundSource: (username, source, protocol) => this.#isBoundSource(username, source, protocol),
    });
    this.#rejected = new SummaryLog({ clock: ctx.clock, logger: ctx.logger, level: 'warn', first: 'immediate', event: 'registerRejected', kindField: 'cause', distinct: ['user'] });
    this.#table = new BindingTable(ctx.clock, (binding) => this.#log('info', 'bindingExpired', binding));
    this.configure(config);
  }

  /**
   * Applies a new configuration live: passwords and limits change for the next REGISTER, bindings
   * of users no longer configured go at once, and lists above a lowered maxContactsPerUser are cut.
   */
  configure(config: RegistrarConfig): void {
    this.#passwords = new Map(config.users.map((u) => [u.username, u.password]));
    this.#gate.configure(config.realm, this.#passwords);
    const min = Math.max(0, config.minExpires ?? DEFAULT_MIN_EXPIRES);
    const max = Math.max(min, 1, config.maxExpires ?? DEFAULT_MAX_EXPIRES);
    this.#policy = { min, max, fallback: DEFAULT_EXPIRES };
    this.#maxContacts = Math.max(1, config.maxContactsPerUser ?? DEFAULT_MAX_CONTACTS);
    for (const binding of this.#table.retain(new Set(this.#passwords.keys()))) this.#log('info', 'bindingRemoved', binding, { cause: 'userRemoved' });
    for (const username of this.#passwords.keys()) {
      const list = this.#table.live(username);
      if (list.length <= this.#maxContacts) continue;
      for (const b of list.slice(this.#maxContacts)) this.#log('info', 'bindingDropped', b.binding);
      this.#table.commit(username, list.slice(0, this.#maxContacts));
    }
  }

  /** One binding per device: never two that reach the same contact URI, instance or source (see BindingTable.routable). */
  lookup(username: string): readonly Binding[] {
    return this.#table.routable(username).map((b) => b.binding);
  }

  bindingFor(source: Address): Binding | undefined {
    return this.#table.fromSource(source)?.binding;
  }

  /**
   * Whether a REGISTER from `source` comes from a phone holding a live binding of `username`: the same address and port,
   * or over TCP/TLS (whose source cannot be forged) the same host, as a phone that reconnected has a new port.
   */
  #isBoundSource(username: string, source: Address, protocol: TransportProtocol): boolean {
    if (this.#table.fromSource(source)?.binding.username === username) return true;
    if (protocol === 'udp') return false;
    const host = bareHost(source.host);
    return this.#table.live(username).some((b) => b.binding.protocol !== 'udp' && bareHost(b.binding.source.host) === host);
  }

  /** Answers one REGISTER. Never throws: bad input gets a 4xx, our own failure a 500, and nothing stored changes. */
  handle(tx: NonInviteServerTransaction): void {
    try {
      this.#register(tx);
    } catch (error) {
      if (error instanceof SipParseError) {
        // A header the parser kept for later (Contact of a request kept for a 400) breaks the grammar.
        this.#reject(tx, { status: 400, reason: 'Bad Request' }, error.code);
      } else {
        this.#ctx.logger.error('registrarFailed', { source: hostport(tx.inbound.source), error: String(error) });
        this.#respond(tx, { status: 500, reason: 'Server Internal Error' });
      }
    }
  }

  #register(tx: NonInviteServerTransaction): void {
    const request = tx.request;
    if (request.method !== 'REGISTER') {
      this.#respond(tx, { status: 405, reason: 'Method Not Allowed', headers: [['Allow', 'REGISTER']] });
      return;
    }
    // §10.3 step 3, first of all: an unauthenticated peer learns nothing but the challenge.
    const username = this.#gate.authenticate(tx);
    if (username === undefined) return;
    // Step 4: a user registers only its own address of record (no third-party registration).
    const user = unescape(request.to.parsedUri.user ?? '');
    if (user !== username) {
      this.#reject(tx, { status: 403, reason: 'Forbidden' }, 'toUserNotAuthUser');
      return;
    }
    // Step 2 (after authentication, so that the extensions we lack are told to registered users only).
    const required = request.headers('require');
    if (required.length > 0) {
      this.#reject(tx, { status: 420, reason: 'Bad Extension', headers: [['Unsupported', required.join(', ')]] }, 'unsupportedExtension');
      return;
    }
    const contacts = readContactRequest(request, this.#policy);
    switch (contacts.kind) {
      case 'reject':
        if (contacts.status === 423) {
          this.#reject(tx, { status: 423, reason: contacts.reason, headers: [['Min-Expires', String(this.#policy.min)]] }, 'intervalTooBrief');
        } else {
          this.#reject(tx, { status: 400, reason: contacts.reason }, 'badContact');
        }
        return;
      case 'query':
        this.#ok(tx, user);
        return;
      case 'removeAll':
        this.#removeAll(tx, user);
        return;
      case 'update':
        this.#update(tx, user, contacts.contacts);
        return;
    }
  }

  /** Step 6, `Contact: *`: every binding goes, unless one was written by a later REGISTER of this Call-ID. */
  #removeAll(tx: NonInviteServerTransaction, user: string): void {
    const current = this.#table.live(user);
    if (current.some((b) => outOfOrder(tx.request, b))) {
      this.#outOfOrder(tx);
      return;
    }
    this.#table.commit(user, []);
    for (const b of current) this.#log('info', 'bindingRemoved', b.binding);
    this.#ok(tx, user);
  }

  /** Step 7, planned in full before anything is stored (see planUpdate). */
  #update(tx: NonInviteServerTransaction, user: string, contacts: readonly RequestedContact[]): void {
    const plan = planUpdate({
      user, request: tx.request, inbound: tx.inbound, now: this.#ctx.clock.now(), current: this.#table.live(user), contacts,
      maxContacts: this.#maxContacts, nextOrder: () => this.#table.nextOrder(),
    });
    if (plan.kind === 'outOfOrder') {
      this.#outOfOrder(tx);
      return;
    }
    this.#table.commit(user, plan.bindings);
    for (const change of plan.changes) this.#log(change.level, change.event, change.binding, change.by === undefined ? {} : { by: change.by });
    // RFC 5626 over UDP would promise STUN keep-alive answers, which we do not give: only flows over TCP/TLS qualify.
    this.#ok(tx, user, tx.inbound.flow.protocol !== 'udp' && usesOutbound(tx.request, contacts));
  }

  /**
   * Step 8: 200 listing every current binding of the user with the seconds it has left; with `Require: outbound` when
   * the binding is an RFC 5626 flow (`outbound`), so the UA knows its pings are answered.
   */
  #ok(tx: NonInviteServerTransaction, user: string, outbound = false): void {
    const now = this.#ctx.clock.now();
    const headers = this.#table.live(user).map((b): readonly [string, string] => {
      const left = Math.max(1, Math.ceil((b.binding.expiresAt - now) / 1000));
      return ['Contact', `<${b.binding.contact}>${b.params};expires=${left}`];
    });
    this.#respond(tx, { status: 200, reason: 'OK', headers: outbound ? [...headers, ['Require', 'outbound']] : headers });
  }

  /**
   * Steps 6 and 7 say an out-of-order update "MUST be aborted and the request fails"; the commit rule
   * after them names the status for a failed update: 500, with every tentative change undone.
   */
  #outOfOrder(tx: NonInviteServerTransaction): void {
    this.#reject(tx, { status: 500, reason: 'Request Out Of Order' }, 'outOfOrder');
  }

  #reject(tx: NonInviteServerTransaction, init: ResponseInit, cause: string): void {
    this.#rejected.note(cause, hostport(tx.inbound.source), { user: toUserOf(tx.request), status: init.status });
    this.#respond(tx, init);
  }

  /** The transaction builds the bytes; a value that breaks the grammar is our bug, logged, never thrown. */
  #respond(tx: NonInviteServerTransaction, init: ResponseInit): void {
    try {
      tx.respond(init);
    } catch (error) {
      this.#ctx.logger.error('registrarResponseFailed', { status: init.status, error: String(error) });
    }
  }

  #log(level: 'debug' | 'info', event: string, b: Binding, extra: Readonly<Record<string, string>> = {}): void {
    this.#ctx.logger[level](event, { user: b.username, contact: b.contact, source: hostport(b.source), protocol: b.protocol, ...extra });
  }
}

/**
 * RFC 5626 §6: a REGISTER that binds a Contact with +sip.instance and reg-id, says `Supported: outbound` and came to us
 * directly (no Path: we are its edge proxy, and its connection is the flow) uses outbound, and its 200 says so.
 */
function usesOutbound(request: SipMessage, contacts: readonly RequestedContact[]): boolean {
  const supported = request.headers('supported').some((value) => value.split(',').some((tag) => tag.trim().toLowerCase() === 'outbound'));
  return supported && request.headers('path').length === 0 && contacts.some((c) => c.regId !== undefined && c.expires > 0);
}

/** The To user for a log line; a malformed To (a request kept for a 400) logs as empty. */
function toUserOf(request: SipMessage): string {
  try {
    return unescape(request.to.parsedUri.user ?? '');
  } catch {
    return '';
  }
}
