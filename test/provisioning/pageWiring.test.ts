// The page's pure wiring helpers (pins shared among buttons, relays and LEDs; what uses a relay; fresh ids) and the
// refusals answered by code only that the page puts beside a field (a wrong setup code).
import { describe, expect, it } from 'vitest';
import { fieldErrors } from '../../provisioning/page/app/api.ts';
import type { Json } from '../../provisioning/page/app/json.ts';
import { nextId, partName, pinConflict, pinUses, relayUsers, sharingPin, type Wiring } from '../../provisioning/page/app/wiring.ts';

const wiring: Wiring = {
  buttons: [{ id: '1', pin: 17, plan: [] }, { id: '2', plan: [] }],
  relays: [{ id: 'door', pin: 22 }, { id: 'gong', pin: 17 }, { id: '', pin: 5 }],
  leds: [{ id: 'status', pin: 22 }, { id: 'porch' }],
};

describe('pins in use', () => {
  it('lists every given pin by kind and index, parts without a pin left out', () => {
    expect(pinUses(wiring).map((use) => [use.kind, use.index, use.pin])).toEqual([
      ['button', 0, 17], ['relay', 0, 22], ['relay', 1, 17], ['relay', 2, 5], ['LED', 0, 22],
    ]);
    expect(pinUses({})).toEqual([]);
    expect(pinUses({ relays: [{ id: 'door', pin: '22' }] }), 'a pin typed as text is no pin yet').toEqual([]);
  });

  it('names the other parts on the same pin, never the part itself', () => {
    expect(sharingPin(wiring, 'relay', 1).map(partName)).toEqual(['button 1']);
    expect(sharingPin(wiring, 'LED', 0).map(partName)).toEqual(['relay door']);
    expect(sharingPin(wiring, 'relay', 2)).toEqual([]);
    expect(sharingPin(wiring, 'LED', 1), 'no pin: nothing to share').toEqual([]);
    expect(pinConflict(wiring, 'relay', 0)).toBe('GPIO 22 is also LED status: each pin can be wired once.');
    expect(pinConflict(wiring, 'relay', 2)).toBeUndefined();
  });

  it('counts two relays with the same id apart by their index', () => {
    const twins: Wiring = { relays: [{ id: 'door', pin: 4 }, { id: 'door', pin: 4 }] };
    expect(pinConflict(twins, 'relay', 0)).toBe('GPIO 4 is also relay door: each pin can be wired once.');
    expect(pinConflict(twins, 'relay', 1)).toBe('GPIO 4 is also relay door: each pin can be wired once.');
  });

  it('names a part without an id by its place in the list', () => {
    expect(partName({ kind: 'relay', index: 2, id: '' })).toBe('relay 3');
    expect(partName({ kind: 'LED', index: 0, id: 'status' })).toBe('LED status');
  });
});

describe('relay users', () => {
  const doorbell: Json = {
    doorCodes: [{ name: 'family', relay: 'door' }, { name: 'parcel', relay: 'box' }, { name: 'guest' }],
    chime: { relay: 'gong', pulseMs: 500 },
  };

  it('names the door codes (a code without a relay opens door) and the chime', () => {
    expect(relayUsers(doorbell, 'door')).toEqual(['door code family', 'door code guest']);
    expect(relayUsers(doorbell, 'box')).toEqual(['door code parcel']);
    expect(relayUsers(doorbell, 'gong')).toEqual(['the chime']);
    expect(relayUsers(doorbell, 'spare')).toEqual([]);
    expect(relayUsers(undefined, 'door'), 'the doorbell section still loading').toEqual([]);
  });
});

describe('fresh ids', () => {
  it('counts on from the list length past ids already taken', () => {
    expect(nextId('relay', [{ id: 'door' }])).toBe('relay2');
    expect(nextId('relay', [{ id: 'door' }, { id: 'relay3' }])).toBe('relay4');
    expect(nextId('led', [])).toBe('led1');
    expect(nextId('led', null)).toBe('led1');
  });
});

describe('field errors of a refusal', () => {
  const byCode = { WRONG_SETUP_CODE: ['setupCode', 'not the code'] } as const;

  it('puts a refusal answered by code only beside its field', () => {
    expect(fieldErrors({ code: 'WRONG_SETUP_CODE', message: 'wrong setup code' }, byCode)).toEqual({ setupCode: 'not the code' });
  });

  it('keeps the device’s own field errors, which win, and adds nothing for other codes', () => {
    expect(fieldErrors({ code: 'INVALID', message: 'x', fields: { password: 'too short' } }, byCode)).toEqual({ password: 'too short' });
    expect(fieldErrors({ code: 'WRONG_SETUP_CODE', message: 'x', fields: { setupCode: 'from the device' } }, byCode)).toEqual({ setupCode: 'from the device' });
    expect(fieldErrors({ code: 'LOCKED_OUT', message: 'too many' }, byCode)).toEqual({});
    expect(fieldErrors({ code: 'toString', message: 'x' }, byCode), 'a code that is a name on Object.prototype').toEqual({});
  });
});
