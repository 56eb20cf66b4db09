// One REGISTER's changes to a user's bindings, planned before anything is stored (RFC 3261 §10.3 steps 6–7, RFC 5626 §6).

import type { SipMessage } from '../message/index.ts';
import type { Inbound } from '../transport/types.ts';
import type { StoredBinding } from './BindingTable.ts';
import { type RequestedContact, instanceKey } from './contacts.ts';
import type { Binding } from './types.ts';

/** A log line owed once the plan is committed. */
export interface BindingChange {
  readonly level: 'debug' | 'info';
  readonly event: 'bindingAdded' | 'bindingRefreshed' | 'bindingReplaced' | 'bindingRemoved' | 'bindingDropped';
  readonly binding: Binding;
  /** For bindingReplaced: the contact that took its place. */
  readonly by?: string;
}

export type UpdatePlan =
  | { readonly kind: 'commit'; readonly bindings: readonly StoredBinding[]; readonly changes: readonly BindingChange[] }
  | { readonly kind: 'outOfOrder' };

export interface UpdateInput {
  readonly user: string;
  readonly request: SipMessage;
  readonly inbound: Inbound;
  readonly now: number;
  /** The user's live bindings, newest first. */
  readonly current: readonly StoredBinding[];
  readonly contacts: readonly RequestedContact[];
  readonly maxContacts: number;
  /** A fresh order number (newer than every binding so far). */
  readonly nextOrder: () => number;
}

/**
 * Step 7: each Contact adds, refreshes or (expires 0) removes the bindings it `replaces`; all or
 * nothing. Newest first; above maxContacts the oldest go (the phone that stopped refreshing longest ago).
 */
export function planUpdate(input: UpdateInput): UpdatePlan {
  const { request, inbound } = input;
  let next = [...input.current];
  // Bindings this REGISTER wrote, with the older bindings each took the place of.
  const written = new Map<StoredBinding, readonly StoredBinding[]>();
  const removed: StoredBinding[] = [];
  for (const contact of input.contacts) {
    const replaced = next.filter((b) => replaces(b, contact));
    if (replaced.some((b) => !written.has(b) && outOfOrder(request, b))) return { kind: 'outOfOrder' };
    if (contact.expires === 0) {
      // A removal never takes back what this same request wrote: `old;expires=0` beside its successor.
      const gone = replaced.filter((b) => !written.has(b));
      next = next.filter((b) => !gone.includes(b));
      removed.push(...gone);
      continue;
    }
    next = next.filter((b) => !replaced.includes(b));
    const stored: StoredBinding = {
      binding: Object.freeze({
        username: input.user,
        contact: contact.uri,
        source: Object.freeze({ host: inbound.source.host, port: inbound.source.port }),
        protocol: inbound.flow.protocol,
        flowId: inbound.flow.id,
        expiresAt: input.now + contact.expires * 1000,
        ...(contact.instanceId === undefined ? {} : { instanceId: contact.instanceId }),
      }),
      callId: request.callId,
      cseq: request.cseq.seq,
      uriKey: contact.uriKey,
      regId: contact.regId,
      params: contact.params,
      order: input.nextOrder(),
    };
    // A binding this request wrote and replaced again hands on what it had replaced.
    written.set(stored, replaced.flatMap((b) => written.get(b) ?? [b]));
    for (const b of replaced) written.delete(b);
    next.unshift(stored);
  }
  const kept = next.slice(0, input.maxContacts);
  const changes: BindingChange[] = removed.map((b) => ({ level: 'info', event: 'bindingRemoved', binding: b.binding }));
  for (const [stored, olds] of written) {
    if (!kept.includes(stored)) continue;
    const refresh = olds.length === 1 && olds[0]!.uriKey === stored.uriKey && sameInstance(olds[0]!, stored);
    if (refresh) {
      changes.push({ level: 'debug', event: 'bindingRefreshed', binding: stored.binding });
      continue;
    }
    changes.push({ level: 'info', event: 'bindingAdded', binding: stored.binding });
    for (const old of olds) changes.push({ level: 'info', event: 'bindingReplaced', binding: old.binding, by: stored.binding.contact });
  }
  for (const b of next.slice(input.maxContacts)) changes.push({ level: 'info', event: 'bindingDropped', binding: b.binding });
  return { kind: 'commit', bindings: kept, changes };
}

/** §10.3 steps 6 and 7: the same Call-ID with a CSeq not higher than the stored one must not change the binding. */
export function outOfOrder(request: SipMessage, stored: StoredBinding): boolean {
  return stored.callId === request.callId && request.cseq.seq <= stored.cseq;
}

/**
 * Which stored bindings a Contact takes the place of: one device, one binding.
 * - The same contact URI (§19.1.4), whatever the instance: a phone restarted under a new
 *   `+sip.instance` (Linphone does) writes the same URI, and two bindings for one URI ring one
 *   phone twice.
 * - The same RFC 5626 instance and reg-id (§6: the pair keys the binding; a phone that moved
 *   networks keeps one binding). Without reg-id on either side, the same instance alone (§4.1:
 *   the instance id "uniquely identifies the device"). With a reg-id on one side only, two flows.
 */
export function replaces(stored: StoredBinding, contact: RequestedContact): boolean {
  if (stored.uriKey === contact.uriKey) return true;
  const instance = stored.binding.instanceId;
  if (instance === undefined || contact.instanceId === undefined) return false;
  return instanceKey(instance) === instanceKey(contact.instanceId) && stored.regId === contact.regId;
}

function sameInstance(a: StoredBinding, b: StoredBinding): boolean {
  const x = a.binding.instanceId;
  const y = b.binding.instanceId;
  return x === undefined || y === undefined ? x === y : instanceKey(x) === instanceKey(y);
}
