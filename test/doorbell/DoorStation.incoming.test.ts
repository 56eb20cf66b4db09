// Calls to the door: allow-listed callers are answered at once (the visitor hears the listening tone); others are
// declined or ring at the door until a press; a door already in a call answers 486.

import { describe, expect, it } from 'vitest';
import { doorRig } from './support/doorRig.ts';

const LISTEN = {
  chime: { relay: 'gong', pulseMs: 500 },
  incoming: { autoAnswer: [{ from: 'anna' }, { from: 'sip:Ben@pbx.example.org' }, { from: 'nightwatch', schedule: 'night' }] },
};

describe('DoorStation: allow-listed callers listen in', () => {
  it('answers at once, plays the listening tone at the start and every 60 s, and stops it with the call', async () => {
    const rig = doorRig({ doorbell: LISTEN });
    const call = rig.phone.incoming('sip:anna@192.0.2.10', 'anna');
    expect(call.actions).toEqual(['ring', 'answer']);
    expect(rig.station.state).toMatchObject({ kind: 'incomingConnected', listening: true });
    expect(rig.tones.started).toEqual(['listening']);
    expect(rig.lines('callAutoAnswered')).toEqual(['info callAutoAnswered call=in-1 from=sip:anna@192.0.2.10 user=anna entry=anna']);
    expect(rig.events.of('callIncoming')).toEqual([{ call: 'in-1', from: 'sip:anna@192.0.2.10', user: 'anna', outcome: 'autoAnswer' }]);
    await rig.advance(59_999);
    expect(rig.tones.started).toEqual(['listening']);
    await rig.advance(1);
    expect(rig.tones.started).toEqual(['listening', 'listening']);
    await rig.advance(60_000);
    expect(rig.tones.started).toHaveLength(3);
    call.end('remoteBye');
    expect(rig.station.state.kind).toBe('idle');
    expect(rig.tones.playing(call)).toBeUndefined();
    await rig.advance(600_000);
    expect(rig.tones.started).toHaveLength(3);
  });

  it('listeningTone everySec 0 plays it only at the start; disabled plays none', async () => {
    const once = doorRig({ doorbell: { ...LISTEN, incoming: { ...LISTEN.incoming, listeningTone: { everySec: 0 } } } });
    once.phone.incoming('sip:anna@192.0.2.10', 'anna');
    await once.advance(250_000);
    expect(once.tones.started).toEqual(['listening']);

    const silent = doorRig({ doorbell: { ...LISTEN, incoming: { ...LISTEN.incoming, listeningTone: { enabled: false } } } });
    silent.phone.incoming('sip:anna@192.0.2.10', 'anna');
    await silent.advance(250_000);
    expect(silent.tones.started).toEqual([]);
  });

  it('matches a URI entry on From (ignoring case, scheme and parameters) only in registered mode; in standalone mode a bare name only on the registrar user', () => {
    const pbx = doorRig({ doorbell: LISTEN, sipMode: 'registered' });
    const ben = pbx.phone.incoming('<sips:ben@PBX.example.org;transport=tls>');
    expect(ben.actions).toEqual(['ring', 'answer']);
    ben.end('remoteBye');
    const rig = doorRig({ doorbell: LISTEN });
    // Standalone: a registered phone writing Ben's URI as its From is not Ben.
    expect(rig.phone.incoming('<sips:ben@PBX.example.org;transport=tls>', 'bob').actions).toEqual(['reject 603 Decline']);
    // From says anna, but no phone of anna's registered from that address: a stranger writing a name.
    expect(rig.phone.incoming('sip:anna@203.0.113.9').actions).toEqual(['reject 603 Decline']);
  });

  it('in registered mode a bare name matches From\'s user part (the PBX vouches for it)', () => {
    const rig = doorRig({ doorbell: LISTEN, sipMode: 'registered' });
    expect(rig.phone.incoming('sip:Anna@pbx.example.org').actions).toEqual(['ring', 'answer']);
  });

  it('an entry outside its schedule does not answer', () => {
    const rig = doorRig({ doorbell: LISTEN });
    expect(rig.phone.incoming('sip:nightwatch@192.0.2.10', 'nightwatch').actions).toEqual(['reject 603 Decline']);
    rig.setWall(Date.UTC(2026, 2, 2, 23, 30));
    expect(rig.phone.incoming('sip:nightwatch@192.0.2.10', 'nightwatch').actions).toEqual(['ring', 'answer']);
  });

  it('an answered incoming call takes door codes and has the maximum call time', async () => {
    const rig = doorRig({ doorbell: { ...LISTEN, maxCallSec: 60, warnBeforeSec: 10 } });
    const call = rig.phone.incoming('sip:anna@192.0.2.10', 'anna');
    rig.phone.type(call, '1234#');
    await rig.settle();
    expect(rig.relay('door').pulses).toHaveLength(1);
    expect(rig.events.of('doorOpened')).toEqual([{ relay: 'door', call: 'in-1', code: 'family' }]);
    await rig.advance(50_000);
    expect(rig.tones.started).toEqual(['listening', 'doorOpened', 'callEnding']);
    await rig.advance(10_000);
    expect(call.actions).toEqual(['ring', 'answer', 'hangup']);
    expect(rig.station.state.kind).toBe('idle');
    expect(rig.events.of('callEnded')).toEqual([{ call: 'in-1', reason: 'localBye', durationMs: 60_000, direction: 'incoming' }]);
  });
});

describe('DoorStation: other callers', () => {
  it('others: reject declines with 603', () => {
    const rig = doorRig({ doorbell: LISTEN });
    const call = rig.phone.incoming('sip:stranger@example.com');
    expect(call.actions).toEqual(['reject 603 Decline']);
    expect(rig.station.state.kind).toBe('idle');
    expect(rig.lines('callRejected')).toEqual(['info callRejected call=in-1 status=603 why=notAllowed']);
    expect(rig.events.of('callIncoming')).toEqual([{ call: 'in-1', from: 'sip:stranger@example.com', outcome: 'reject' }]);
  });

  it('others: ring rings at the door; the first press answers it, starts no call, and still rings the chime', async () => {
    const rig = doorRig({ doorbell: { ...LISTEN, incoming: { others: 'ring', ringSec: 20 } } });
    const call = rig.phone.incoming('sip:postman@example.com');
    expect(call.actions).toEqual(['ring']);
    expect(rig.station.state.kind).toBe('incomingRinging');
    expect(rig.tones.started).toEqual(['ringback']);
    expect(rig.tones.log.at(-1)?.owner).toBe(call);
    await rig.advance(5000);
    rig.button().press();
    expect(call.actions).toEqual(['ring', 'answer']);
    expect(rig.phone.calls).toEqual([]);
    expect(rig.relay('gong').pulses).toHaveLength(1);
    expect(rig.tones.playing(call)).toBeUndefined();
    // Answered by a press: the visitor knows someone is there, no listening tone.
    expect(rig.station.state).toMatchObject({ kind: 'incomingConnected', listening: false });
    await rig.advance(60_000);
    expect(rig.tones.started).toEqual(['ringback']);
    expect(rig.lines('incomingAnswered')).toEqual(['info incomingAnswered call=in-1 button=1']);
  });

  it('others: ring rejects with 480 when nobody presses within ringSec', async () => {
    const rig = doorRig({ doorbell: { incoming: { others: 'ring', ringSec: 20 } } });
    const call = rig.phone.incoming('sip:postman@example.com');
    await rig.advance(19_999);
    expect(call.actions).toEqual(['ring']);
    await rig.advance(1);
    expect(call.actions).toEqual(['ring', 'reject 480 Temporarily Unavailable']);
    expect(rig.tones.playing(call)).toBeUndefined();
    expect(rig.station.state.kind).toBe('idle');
    // The next press is an ordinary bell press again.
    rig.button().press();
    expect(rig.phone.calls).toHaveLength(1);
  });

  it('a caller who gives up while it rings at the door leaves the door idle and silent', async () => {
    const rig = doorRig({ doorbell: { incoming: { others: 'ring', ringSec: 20 } } });
    const call = rig.phone.incoming('sip:postman@example.com');
    call.end('cancelled', 487);
    expect(rig.station.state.kind).toBe('idle');
    expect(rig.tones.playing(call)).toBeUndefined();
    await rig.advance(30_000);
    expect(call.actions).toEqual(['ring']);
  });
});

describe('DoorStation: a busy door', () => {
  it('answers 486 to a call while the door calls, while in a call, and while another call rings or listens', async () => {
    const rig = doorRig({ doorbell: { ...LISTEN, incoming: { ...LISTEN.incoming, others: 'ring' } } });
    rig.button().press();
    await rig.settle();
    expect(rig.phone.incoming('sip:anna@192.0.2.10', 'anna').actions).toEqual(['reject 486 Busy Here']);
    rig.phone.last.answer();
    expect(rig.phone.incoming('sip:x@example.com').actions).toEqual(['reject 486 Busy Here']);
    rig.phone.last.end('remoteBye');

    const ringing = rig.phone.incoming('sip:x@example.com');
    expect(rig.phone.incoming('sip:anna@192.0.2.10', 'anna').actions).toEqual(['reject 486 Busy Here']);
    ringing.end('cancelled', 487);

    const listening = rig.phone.incoming('sip:anna@192.0.2.10', 'anna');
    expect(rig.phone.incoming('sip:ben@pbx.example.org').actions).toEqual(['reject 486 Busy Here']);
    // The rejected call's digits do not reach the listening call's code entry.
    expect(rig.station.state).toMatchObject({ kind: 'incomingConnected', session: { call: listening } });
    expect(rig.lines('callRejected').filter((l) => l.includes('why=busy'))).toHaveLength(4);
    expect(rig.events.of('callIncoming').map((f) => f.outcome)).toEqual(['busy', 'busy', 'ring', 'busy', 'autoAnswer', 'busy']);
  });
});
