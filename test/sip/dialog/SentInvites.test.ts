// SentInvites: the bounded memory of our INVITEs (Call-ID, From tag) that decides whether a stray 2xx is ours.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../firmware-app/platform/FakeClock.ts';
import { SENT_INVITES_CAPACITY, SentInvites } from '../../../firmware-app/sip/dialog/SentInvites.ts';

const LINGER = 32_000;

describe('SentInvites', () => {
  it('knows an INVITE by Call-ID and From tag, both', () => {
    const sent = new SentInvites(new FakeClock(), LINGER);
    sent.add('c1', 'a');
    expect(sent.has('c1', 'a')).toBe(true);
    expect(sent.has('c1', 'b')).toBe(false);
    expect(sent.has('c2', 'a')).toBe(false);
    expect(sent.has('c1', undefined)).toBe(false);
  });

  it('keeps a live call however long it lasts', () => {
    const clock = new FakeClock();
    const sent = new SentInvites(clock, LINGER);
    sent.add('c1', 'a');
    clock.advance(10 * 3600_000);
    expect(sent.has('c1', 'a')).toBe(true);
  });

  it('forgets an ended call the linger time after its transactions are gone, not before', () => {
    const clock = new FakeClock();
    const sent = new SentInvites(clock, LINGER);
    sent.add('c1', 'a');
    let alive = true;
    sent.release('c1', 'a', () => alive);
    clock.advance(LINGER + 1000);
    alive = false; // the transaction ends here
    clock.advance(LINGER - 1);
    expect(sent.has('c1', 'a')).toBe(true); // kept at least LINGER after the transaction ended
    clock.advance(LINGER);
    expect(sent.has('c1', 'a')).toBe(false);
    expect(sent.size).toBe(0);
  });

  it('forgets an ended call whose transactions are already gone after the linger time', () => {
    const clock = new FakeClock();
    const sent = new SentInvites(clock, LINGER);
    sent.add('c1', 'a');
    sent.release('c1', 'a', () => false);
    clock.advance(LINGER - 1);
    expect(sent.has('c1', 'a')).toBe(true);
    clock.advance(1);
    expect(sent.has('c1', 'a')).toBe(false);
  });

  it(`holds at most ${SENT_INVITES_CAPACITY} entries: the oldest ended call makes room first, else the oldest`, () => {
    const clock = new FakeClock();
    const sent = new SentInvites(clock, LINGER);
    for (let n = 0; n < SENT_INVITES_CAPACITY; n++) sent.add(`c${n}`, 't');
    sent.release('c7', 't', () => false);
    sent.add('new1', 't');
    expect(sent.size).toBe(SENT_INVITES_CAPACITY);
    expect(sent.has('c7', 't')).toBe(false);
    expect(sent.has('c0', 't')).toBe(true);
    sent.add('new2', 't');
    expect(sent.has('c0', 't')).toBe(false);
    for (let n = 0; n < 1000; n++) sent.add(`more${n}`, 't');
    expect(sent.size).toBe(SENT_INVITES_CAPACITY);
    expect(sent.has('more999', 't')).toBe(true);
  });
});
