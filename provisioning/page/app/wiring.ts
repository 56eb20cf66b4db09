// The hardware wiring as the page shows it beside the fields: which GPIO pins buttons, relays and LEDs share (the
// schema refuses that as a whole-configuration error, named beside no field), what uses a relay, fresh ids.

import { asArray, asNumber, asString, getAt, type Json } from './json.ts';

export type WiredKind = 'button' | 'relay' | 'LED';

/** One pin in use: by which kind of part, at which index of its list, under which id. */
export interface PinUse {
  readonly kind: WiredKind;
  readonly index: number;
  readonly id: string;
  readonly pin: number;
}

/** The three lists as far as the page knows them (a section still loading is undefined: it uses no pin). */
export interface Wiring {
  readonly buttons?: Json | undefined;
  readonly relays?: Json | undefined;
  readonly leds?: Json | undefined;
}

function usesOf(kind: WiredKind, list: Json | undefined): PinUse[] {
  return asArray(list).flatMap((item, index) => {
    const pin = asNumber(getAt(item, 'pin'));
    return pin === undefined ? [] : [{ kind, index, id: asString(getAt(item, 'id')), pin }];
  });
}

/** Every pin given in the three lists, buttons first. */
export function pinUses(wiring: Wiring): PinUse[] {
  return [...usesOf('button', wiring.buttons), ...usesOf('relay', wiring.relays), ...usesOf('LED', wiring.leds)];
}

/** How a part is named to a person: `relay door`, `LED 2` when it has no id yet. */
export function partName(use: Pick<PinUse, 'kind' | 'index' | 'id'>): string {
  return `${use.kind} ${use.id === '' ? String(use.index + 1) : use.id}`;
}

/** The other parts wired to the pin of the part at `kind`/`index` (none when it has no pin). */
export function sharingPin(wiring: Wiring, kind: WiredKind, index: number): PinUse[] {
  const uses = pinUses(wiring);
  const own = uses.find((use) => use.kind === kind && use.index === index);
  if (own === undefined) return [];
  return uses.filter((use) => use.pin === own.pin && use !== own);
}

/** A note for the pin field of that part when another part has the same pin; undefined when none does. */
export function pinConflict(wiring: Wiring, kind: WiredKind, index: number): string | undefined {
  const others = sharingPin(wiring, kind, index);
  if (others.length === 0) return undefined;
  return `GPIO ${others[0]!.pin} is also ${others.map(partName).join(', ')}: each pin can be wired once.`;
}

/** What pulses relay `relayId`, from the `doorbell` section: its door codes (by name) and the chime. */
export function relayUsers(doorbell: Json | undefined, relayId: string): string[] {
  // A door code without a relay opens `door` (the schema's default).
  const codes = asArray(getAt(doorbell, 'doorCodes')).flatMap((code, i) =>
    (asString(getAt(code, 'relay')) || 'door') === relayId ? [`door code ${asString(getAt(code, 'name')) || String(i + 1)}`] : []);
  const chime = getAt(doorbell, 'chime.relay');
  return typeof chime === 'string' && chime === relayId ? [...codes, 'the chime'] : codes;
}

/** `prefix` and the first number from the list's length + 1 on that no item of `list` has as its id. */
export function nextId(prefix: string, list: Json | undefined): string {
  const ids = new Set(asArray(list).map((item) => asString(getAt(item, 'id'))));
  let n = asArray(list).length + 1;
  while (ids.has(`${prefix}${n}`)) n++;
  return `${prefix}${n}`;
}
