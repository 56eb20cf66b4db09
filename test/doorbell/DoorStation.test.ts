// The door's outgoing side on a fake clock: a press rings the plan's targets, an answer connects, a code opens the
// door; ring timeouts, busy and closed schedules move through the plan; presses, bounces and the chime.

import { describe, expect, it } from 'vitest';
import { doorRig } from './support/doorRig.ts';

describe('DoorStation: press → call → answer → code → relay', () => {
  it('rings the first step at the first edge, connects on answer and opens the door for the right code', async () => {
    const rig = doorRig();
    const callsWhenLedChanged: number[] = [];
    const led = rig.led();
    const set = led.set.bind(led);
    led.set = (pattern) => {
      callsWhenLedChanged.push(rig.phone.calls.length);
      set(pattern);
    };
    rig.button().press();
    // Leading edge: the call is placed in the same tick as the edge, no debounce wait, before the LEDs change.
    expect(rig.phone.calls).toHaveLength(1);
    expect(callsWhenLedChanged).toEqual([1]);
    expect(rig.phone.last.targets).toEqual(['flat']);
    await rig.settle();
    expect(rig.station.state.kind).toBe('calling');
    // The press and the chime are recorded at once; the call when the UA has placed it.
    expect(rig.events.kinds()).toEqual(['chimeRang', 'buttonPressed', 'callStarted']);

    rig.phone.last.ring();
    rig.phone.last.answer();
    expect(rig.station.state.kind).toBe('connected');
    expect(rig.events.of('callAnswered')).toEqual([{ call: 'call-1', direction: 'outgoing' }]);

    rig.phone.type(rig.phone.last, '1234#');
    await rig.settle();
    expect(rig.relay('door').pulses).toEqual([{ at: 0, askedMs: 3000, ms: 3000 }]);
    expect(rig.events.of('doorOpened')).toEqual([{ relay: 'door', call: 'call-1', code: 'family' }]);
    expect(rig.tones.started).toEqual(['doorOpened']);
    expect(rig.lines('doorOpened')).toEqual(['info doorOpened relay=door call=call-1 code=family ms=3000']);
    expect(rig.lines('relayPulsed')).toContain('info relayPulsed relay=door ms=3000 for=door');
    // The digits are a secret: they appear in no log line and no event.
    expect(rig.logger.lines.join('\n')).not.toContain('1234');
    expect(JSON.stringify(rig.events.entries)).not.toContain('1234');

    await rig.advance(3000);
    expect(rig.lines('relayReleased')).toContain('info relayReleased relay=door reason=elapsed');

    rig.phone.last.end('remoteBye');
    expect(rig.station.state.kind).toBe('idle');
    expect(rig.events.of('callEnded')).toEqual([{ call: 'call-1', reason: 'remoteBye', durationMs: 3000, direction: 'outgoing' }]);
    expect(rig.phone.listenerErrors).toEqual([]);
  });

  it('hangs up after the third wrong code, and a code outside its schedule opens nothing', async () => {
    const rig = doorRig();
    rig.button().press();
    await rig.settle();
    rig.phone.last.answer();
    rig.phone.type(rig.phone.last, '999#');
    await rig.settle();
    // The parcel code is right but only by day: at 22:00 it is refused.
    expect(rig.relay('box').pulses).toHaveLength(1);
    rig.setWall(Date.UTC(2026, 2, 2, 22, 0));
    rig.phone.type(rig.phone.last, '999#');
    await rig.settle();
    expect(rig.relay('box').pulses).toHaveLength(1);
    expect(rig.events.of('doorCodeRejected')).toEqual([{ call: 'call-1', reason: 'outsideSchedule', wrongInCall: 1 }]);

    for (const wrong of ['1111#', '2222#']) {
      rig.phone.type(rig.phone.last, wrong);
      await rig.settle();
    }
    expect(rig.events.of('doorCodeRejected').map((f) => f.wrongInCall)).toEqual([1, 2, 3]);
    expect(rig.phone.last.hangups).toHaveLength(1);
    expect(rig.station.state.kind).toBe('idle');
    expect(rig.relay('door').pulses).toEqual([]);
  });

  it('locks code entry after lockAfterWrong wrong codes over two calls: the right code opens nothing until lockMinutes passed', async () => {
    const rig = doorRig();
    const answeredCall = async (): Promise<void> => {
      rig.button().press();
      await rig.settle();
      rig.phone.last.answer();
    };
    for (let call = 0; call < 2; call++) {
      await answeredCall();
      for (const wrong of ['1111#', '2222#', '3333#']) {
        rig.phone.type(rig.phone.last, wrong);
        await rig.settle();
      }
      expect(rig.station.state.kind).toBe('idle'); // hung up after the third
      await rig.advance(1000);
    }
    // Six wrong in a row: one security line, and the lock in the event log.
    expect(rig.lines('doorCodesLocked')).toHaveLength(1);
    expect(rig.events.kinds()).toContain('doorCodesLocked');
    await answeredCall();
    rig.phone.type(rig.phone.last, '1234#');
    await rig.settle();
    expect(rig.relay('door').pulses).toEqual([]);
    expect(rig.events.of('doorCodeRejected').at(-1)).toMatchObject({ reason: 'locked' });
    rig.phone.last.end('remoteBye');
    await rig.advance(15 * 60_000);
    await answeredCall();
    rig.phone.type(rig.phone.last, '1234#');
    await rig.settle();
    expect(rig.relay('door').pulses).toHaveLength(1);
  });

  it('takes digits only from the call the door is in, and none once it ended', async () => {
    const rig = doorRig();
    rig.button().press();
    await rig.settle();
    const call = rig.phone.last;
    // Before the answer (early media, another phone of the group) digits count for nothing.
    rig.phone.type(call, '1234#');
    await rig.settle();
    call.answer();
    const stranger = rig.phone.incoming('sip:someone@example.org');
    rig.phone.type(stranger, '1234#');
    await rig.settle();
    expect(rig.relay('door').pulses).toEqual([]);
    call.end('remoteBye');
    rig.phone.type(call, '1234#');
    await rig.settle();
    expect(rig.relay('door').pulses).toEqual([]);
  });
});

describe('DoorStation: routing plans', () => {
  const plan = [
    { targets: ['anna', 'ben'], ringSec: 20 },
    { targets: ['caretaker'], ringSec: 15, schedule: 'night' },
    { targets: ['sip:office@pbx.example.org'], ringSec: 10 },
  ];

  it('rings a step for its ringSec, hangs that attempt up, skips a closed step and rings the next', async () => {
    const rig = doorRig({ buttons: [{ id: '1', plan }] });
    rig.button().press();
    await rig.settle();
    const first = rig.phone.last;
    expect(first.targets).toEqual(['anna', 'ben']);
    await rig.advance(19_999);
    expect(rig.phone.calls).toHaveLength(1);
    await rig.advance(1);
    expect(first.hangups).toHaveLength(1);
    expect(first.state).toBe('ended');
    // Step 1 (the caretaker, at night only) is skipped at noon.
    expect(rig.phone.calls.map((c) => c.targets)).toEqual([['anna', 'ben'], ['sip:office@pbx.example.org']]);
    expect(rig.events.of('callStarted')).toEqual([
      { call: 'call-1', button: '1', step: 0, targets: 'anna,ben' },
      { call: 'call-2', button: '1', step: 2, targets: 'sip:office@pbx.example.org' },
    ]);
    expect(rig.lines('stepSkipped')).toEqual(['info stepSkipped button=1 step=1 schedule=night']);
    rig.phone.last.answer();
    expect(rig.station.state.kind).toBe('connected');
  });

  it('rings the closed step when its schedule is open', async () => {
    const rig = doorRig({ buttons: [{ id: '1', plan }] });
    rig.setWall(Date.UTC(2026, 2, 2, 23, 0));
    rig.button().press();
    await rig.settle();
    rig.phone.last.end('rejected', 486);
    await rig.settle();
    expect(rig.phone.last.targets).toEqual(['caretaker']);
  });

  it('moves on at once when a step is busy, declined or has nobody to ring', async () => {
    const rig = doorRig({ buttons: [{ id: '1', plan }] });
    rig.button().press();
    await rig.settle();
    rig.phone.last.end('rejected', 486);
    await rig.settle();
    expect(rig.clock.now()).toBe(0);
    expect(rig.phone.calls).toHaveLength(2);
    // The next step (the caretaker's is closed, so the office) rings for its own 10 s.
    await rig.advance(9_999);
    expect(rig.phone.calls).toHaveLength(2);
    rig.phone.last.end('failed');
    await rig.settle();
    expect(rig.station.state.kind).toBe('idle');
    expect(rig.clock.pending).toBe(0);
  });

  it('plays busy when the last attempt was busy or declined, the information tone otherwise', async () => {
    for (const [status, tone] of [[486, 'busy'], [603, 'busy'], [600, 'busy'], [480, 'unavailable'], [undefined, 'unavailable']] as const) {
      const rig = doorRig();
      rig.button().press();
      await rig.settle();
      rig.phone.last.end('rejected', status);
      await rig.settle();
      expect(rig.tones.started, String(status)).toEqual([tone]);
      expect(rig.station.state.kind).toBe('idle');
    }
  });

  it('plays the information tone after the last step timed out, and when the plan is empty or its call fails', async () => {
    const timedOut = doorRig();
    timedOut.button().press();
    await timedOut.advance(30_000);
    expect(timedOut.tones.started).toEqual(['unavailable']);
    expect(timedOut.phone.last.hangups).toHaveLength(1);

    const empty = doorRig({ buttons: [{ id: '1', plan: [] }] });
    empty.button().press();
    expect(empty.phone.calls).toEqual([]);
    expect(empty.tones.started).toEqual(['unavailable']);
    expect(empty.station.state.kind).toBe('idle');
    expect(empty.relay('gong').pulses).toHaveLength(1);

    const failing = doorRig();
    failing.phone.failNext = new Error('no route');
    failing.button().press();
    await failing.settle();
    expect(failing.tones.started).toEqual(['unavailable']);
    expect(failing.lines('callFailed')).toEqual(['warn callFailed button=1 step=0 error="Error: no route"']);
  });

  it('a new press after a failed plan stops the busy tone and calls again', async () => {
    const rig = doorRig();
    rig.button().press();
    await rig.settle();
    rig.phone.last.end('rejected', 486);
    await rig.advance(500);
    rig.button().press();
    expect(rig.phone.calls).toHaveLength(2);
    const busy = rig.tones.log.findIndex((e) => e.op === 'start busy');
    expect(rig.tones.log.slice(busy).map((e) => e.op)).toEqual(['start busy', 'stop']);
    expect(rig.tones.log.at(-1)?.owner).toBe(rig.tones.log[busy]?.owner);
  });
});

describe('DoorStation: presses and the chime', () => {
  it('one call for a bouncing contact, and one chime', async () => {
    const rig = doorRig();
    rig.button().bounce(9, 3);
    await rig.advance(100);
    expect(rig.phone.calls).toHaveLength(1);
    expect(rig.events.of('buttonPressed')).toEqual([{ button: '1' }]);
    expect(rig.relay('gong').pulses).toHaveLength(1);
  });

  it('presses during a call start no second call but still ring the chime and are logged', async () => {
    const rig = doorRig();
    rig.button().press();
    await rig.advance(1000);
    rig.button().press(); // still ringing
    await rig.advance(1000);
    rig.phone.last.answer();
    rig.button().press(); // connected
    await rig.advance(1000);
    expect(rig.phone.calls).toHaveLength(1);
    expect(rig.relay('gong').pulses.map((p) => p.at)).toEqual([0, 1000, 2000]);
    expect(rig.events.of('buttonPressed')).toHaveLength(3);
    expect(rig.events.of('chimeRang')).toEqual([1, 2, 3].map(() => ({ relay: 'gong', ms: 500 })));
    expect(rig.lines('buttonPressed')).toEqual([
      'info buttonPressed button=1 state=idle', 'info buttonPressed button=1 state=calling', 'info buttonPressed button=1 state=connected',
    ]);
  });

  it('rings the chime whatever SIP can do: nobody to call, a failing UA', async () => {
    const rig = doorRig({ buttons: [{ id: '1', plan: [] }] });
    for (let i = 0; i < 3; i++) {
      rig.button().press();
      await rig.advance(5000);
    }
    expect(rig.relay('gong').pulses.map((p) => p.ms)).toEqual([500, 500, 500]);
    expect(rig.lines('chimeRang')).toHaveLength(3);
    expect(rig.lines('relayReleased')).toEqual(Array(3).fill('info relayReleased relay=gong reason=elapsed'));
  });

  it('each button rings its own plan', async () => {
    const rig = doorRig({ buttons: [{ id: 'upstairs', plan: [{ targets: ['anna'] }] }, { id: 'downstairs', plan: [{ targets: ['ben'] }] }] });
    rig.button('downstairs').press();
    await rig.settle();
    expect(rig.phone.last.targets).toEqual(['ben']);
    expect(rig.station.state).toMatchObject({ kind: 'calling', button: 'downstairs' });
  });
});

describe('DoorStation: maximum call time', () => {
  it('warns warnBeforeSec before maxCallSec, then hangs up', async () => {
    const rig = doorRig({ doorbell: { maxCallSec: 120, warnBeforeSec: 15 } });
    rig.button().press();
    await rig.advance(5000);
    rig.phone.last.answer();
    await rig.advance(104_999);
    expect(rig.tones.started).toEqual([]);
    await rig.advance(1);
    expect(rig.tones.started).toEqual(['callEnding']);
    expect(rig.tones.log.at(-1)?.owner).toBe(rig.phone.last);
    await rig.advance(14_999);
    expect(rig.phone.last.hangups).toEqual([]);
    await rig.advance(1);
    expect(rig.phone.last.hangups).toHaveLength(1);
    expect(rig.lines('callTimeLimit')).toEqual(['info callTimeLimit call=call-1 maxCallSec=120']);
    expect(rig.station.state.kind).toBe('idle');
    // The call's tones stop with it.
    expect(rig.tones.playing(rig.phone.last)).toBeUndefined();
    expect(rig.events.of('callEnded')).toEqual([{ call: 'call-1', reason: 'localBye', durationMs: 120_000, direction: 'outgoing' }]);
  });

  it('maxCallSec 0 never ends a call', async () => {
    const rig = doorRig({ doorbell: { maxCallSec: 0 } });
    rig.button().press();
    await rig.settle();
    rig.phone.last.answer();
    await rig.advance(24 * 3600_000);
    expect(rig.phone.last.state).toBe('confirmed');
    expect(rig.tones.started).toEqual([]);
  });
});
