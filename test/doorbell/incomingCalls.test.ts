// The allow-list of callers the door answers by itself, and the decision for each incoming call.

import { describe, expect, it } from 'vitest';
import { comparableUri, decideIncoming, entryMatches, userPart } from '../../firmware-app/doorbell/incomingCalls.ts';

const open = { allows: (name: string | undefined) => name !== 'closed' };

describe('comparableUri and userPart', () => {
  it.each([
    ['sip:alice@pbx.example.org', 'alice@pbx.example.org'],
    ['SIPS:Alice@PBX.example.org;transport=tls', 'alice@pbx.example.org'],
    ['"Alice" <sip:alice@pbx.example.org:5061;user=phone>;tag=abc', 'alice@pbx.example.org:5061'],
    ['sip:alice@pbx.example.org?subject=hi', 'alice@pbx.example.org'],
    ['alice@pbx.example.org', 'alice@pbx.example.org'],
    ['sip:192.0.2.1', '192.0.2.1'],
  ])('%s → %s', (uri, expected) => {
    expect(comparableUri(uri)).toBe(expected);
  });

  it('takes the user part, or none', () => {
    expect(userPart('sip:**610@fritz.box')).toBe('**610');
    expect(userPart('<sip:Anna@pbx>')).toBe('anna');
    expect(userPart('sip:pbx.example.org')).toBeUndefined();
  });
});

describe('entryMatches', () => {
  it('a bare name is the registrar user the phone authenticated as (standalone: From does not count)', () => {
    expect(entryMatches({ from: 'anna' }, { from: 'sip:x@192.0.2.1', user: 'Anna' }, 'standalone')).toBe(true);
    expect(entryMatches({ from: 'anna' }, { from: 'sip:anna@192.0.2.1' }, 'standalone')).toBe(false);
    expect(entryMatches({ from: 'anna' }, { from: 'sip:ben@192.0.2.1', user: 'ben' }, 'standalone')).toBe(false);
  });

  it('registered mode: a bare name also matches From\'s user part', () => {
    expect(entryMatches({ from: '**610' }, { from: 'sip:**610@fritz.box' }, 'registered')).toBe(true);
    expect(entryMatches({ from: 'anna' }, { from: 'sip:annabel@pbx' }, 'registered')).toBe(false);
  });

  it('an entry with : or @ is a URI compared with From, without scheme, parameters and case, in registered mode only', () => {
    const entry = { from: 'sip:Ben@PBX.example.org' };
    expect(entryMatches(entry, { from: '<sips:ben@pbx.example.org;transport=tls>' }, 'registered')).toBe(true);
    // Standalone: From is what the caller wrote; a registered phone of bob's writing Ben's From is not Ben.
    expect(entryMatches(entry, { from: '<sips:ben@pbx.example.org;transport=tls>', user: 'bob' }, 'standalone')).toBe(false);
    expect(entryMatches({ from: 'ben@pbx.example.org' }, { from: 'sip:ben@pbx.example.org' }, 'registered')).toBe(true);
    expect(entryMatches(entry, { from: 'sip:ben@evil.example.org' }, 'registered')).toBe(false);
    // The registrar user does not stand in for a URI entry.
    expect(entryMatches(entry, { from: 'sip:x@192.0.2.1', user: 'ben' }, 'standalone')).toBe(false);
  });

  it('a port counts only when the entry names one', () => {
    expect(entryMatches({ from: 'sip:ben@pbx.example.org' }, { from: 'sip:ben@pbx.example.org:5062' }, 'registered')).toBe(true);
    expect(entryMatches({ from: 'sip:ben@pbx.example.org:5060' }, { from: 'sip:ben@pbx.example.org:5062' }, 'registered')).toBe(false);
  });
});

describe('decideIncoming', () => {
  const rules = (others: 'reject' | 'ring') => ({
    incoming: { autoAnswer: [{ from: 'anna', schedule: 'closed' }, { from: 'ben' }], others },
    sipMode: 'standalone' as const,
    schedules: open,
  });

  it('busy beats everything', () => {
    expect(decideIncoming(rules('ring'), { from: 'sip:ben@x', user: 'ben' }, true)).toEqual({ kind: 'busy' });
  });

  it('auto-answers an entry whose schedule is open', () => {
    expect(decideIncoming(rules('reject'), { from: 'sip:ben@x', user: 'ben' }, false)).toEqual({ kind: 'autoAnswer', entry: { from: 'ben' } });
    expect(decideIncoming(rules('reject'), { from: 'sip:anna@x', user: 'anna' }, false)).toEqual({ kind: 'reject' });
  });

  it('everyone else: reject or ring, as others says', () => {
    expect(decideIncoming(rules('reject'), { from: 'sip:stranger@x' }, false)).toEqual({ kind: 'reject' });
    expect(decideIncoming(rules('ring'), { from: 'sip:stranger@x' }, false)).toEqual({ kind: 'ring' });
  });
});
