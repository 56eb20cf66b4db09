// Who may call the door, and what the door does with each incoming call: the `doorbell.incoming` allow-list.

import type { Config } from '../config/schema.ts';
import type { Schedules } from './schedule.ts';

type IncomingConfig = Config['doorbell']['incoming'];
export type AutoAnswerEntry = IncomingConfig['autoAnswer'][number];

/** What the UA knows of the caller: From's URI (the caller wrote it) and the built-in registrar's user (authenticated). */
export interface CallerInfo {
  readonly from: string;
  readonly user?: string;
}

export type SipMode = 'standalone' | 'registered';

/** What becomes of one incoming call. */
export type IncomingDecision =
  | { readonly kind: 'busy' }
  | { readonly kind: 'autoAnswer'; readonly entry: AutoAnswerEntry }
  | { readonly kind: 'ring' }
  | { readonly kind: 'reject' };

/**
 * A URI reduced for comparison: lower case, without `<>`, the `sip:`/`sips:` scheme, parameters and headers
 * (`<sip:Alice@PBX.example.org;transport=tcp>` is `alice@pbx.example.org`).
 */
export function comparableUri(uri: string): string {
  let text = uri.trim();
  const open = text.indexOf('<');
  if (open >= 0) {
    const close = text.indexOf('>', open + 1);
    text = text.slice(open + 1, close < 0 ? undefined : close);
  }
  text = text.replace(/^sips?:/i, '');
  const end = text.search(/[;?]/);
  return (end < 0 ? text : text.slice(0, end)).toLowerCase();
}

/** The user part of a URI (`alice` of `sip:alice@host`), lower case; undefined without one. */
export function userPart(uri: string): string | undefined {
  const plain = comparableUri(uri);
  const at = plain.lastIndexOf('@');
  return at > 0 ? plain.slice(0, at) : undefined;
}

/** `user@host[:port]` of the entry against From: the port counts only when the entry names one. */
function sameAddress(entry: string, from: string): boolean {
  if (entry === from) return true;
  return !/:\d+$/.test(entry) && from.replace(/:\d+$/, '') === entry;
}

/**
 * Does this allow-list entry name the caller? A bare name is the built-in registrar's user the phone authenticated as,
 * and, in registered mode (where the PBX vouches for From), From's user part. An entry with `:` or `@` is a SIP URI
 * compared with From, in registered mode only: in standalone mode From is whatever the caller wrote (any registered
 * phone could claim to be another), so only the authenticated user counts. Case does not matter.
 */
export function entryMatches(entry: AutoAnswerEntry, caller: CallerInfo, sipMode: SipMode): boolean {
  const name = entry.from.trim();
  if (name.includes(':') || name.includes('@')) return sipMode === 'registered' && sameAddress(comparableUri(name), comparableUri(caller.from));
  const wanted = name.toLowerCase();
  if (caller.user !== undefined && caller.user.toLowerCase() === wanted) return true;
  return sipMode === 'registered' && userPart(caller.from) === wanted;
}

export interface IncomingRules {
  readonly incoming: Pick<IncomingConfig, 'autoAnswer' | 'others'>;
  readonly sipMode: SipMode;
  readonly schedules: Pick<Schedules, 'allows'>;
}

/**
 * The door's answer to a new call: busy while it is in another call; auto-answer for the first allow-list entry that
 * names the caller and whose schedule is open now; else ring at the door or reject, as `others` says.
 */
export function decideIncoming(rules: IncomingRules, caller: CallerInfo, doorBusy: boolean): IncomingDecision {
  if (doorBusy) return { kind: 'busy' };
  const entry = rules.incoming.autoAnswer.find((e) => entryMatches(e, caller, rules.sipMode) && rules.schedules.allows(e.schedule));
  if (entry !== undefined) return { kind: 'autoAnswer', entry };
  return { kind: rules.incoming.others === 'ring' ? 'ring' : 'reject' };
}
