// CallMedia: the UA's glue to the media side: events under the application's call, digits once whatever way they
// come, and a dead far end hung up.
import { describe, expect, it } from 'vitest';
import { Emitter } from '../../../firmware-app/platform/Emitter.ts';
import type { Call, CallEvents, SessionDescriptionHandler, SessionMediaContext } from '../../../firmware-app/sip/dialog/types.ts';
import { CallMedia } from '../../../firmware-app/sip/ua/CallMedia.ts';
import type { UserAgentEvents } from '../../../firmware-app/sip/ua/UserAgent.ts';

function fakeCall(id: string): Call & { hangups: number; state: Call['state'] } {
  const call = {
    id,
    direction: 'outgoing' as const,
    state: 'confirmed' as Call['state'],
    remote: { uri: 'sip:flat@doorbell.test' },
    events: new Emitter<CallEvents>(() => {}),
    hangups: 0,
    hangup() {
      call.hangups++;
      call.state = 'ended';
    },
  };
  return call as unknown as Call & { hangups: number; state: Call['state'] };
}

function rig() {
  const events = new Emitter<UserAgentEvents>((event, error) => {
    throw new Error(`${event}: ${String(error)}`);
  });
  const seen: string[] = [];
  events.on('dtmfReceived', (call, info) => seen.push(`${call.id} ${info.digit} ${info.source}`));
  events.on('mediaStarted', (call, report) => seen.push(`${call.id} started ${String(report.codec)}`));
  events.on('mediaStopped', (call) => seen.push(`${call.id} stopped`));
  const logged: string[] = [];
  const logger = { debug: (e: string) => logged.push(e), info: (e: string) => logged.push(e), warn: (e: string) => logged.push(e), error: (e: string) => logged.push(e) };
  const contexts: SessionMediaContext[] = [];
  const factory = (_local: unknown, context: SessionMediaContext): SessionDescriptionHandler => {
    contexts.push(context);
    return { createOffer: () => Promise.reject(new Error('unused')), createAnswer: () => Promise.reject(new Error('unused')), setAnswer: () => Promise.resolve(), close: () => {} };
  };
  return { media: new CallMedia(events, logger, factory), contexts, seen, logged };
}

describe('CallMedia', () => {
  it('reports media and RFC 4733 digits under the group a member call rings for', () => {
    const { media, contexts, seen } = rig();
    const member = fakeCall('m1');
    const group = fakeCall('g1');
    media.forCall({ host: '192.0.2.10', port: 5060 }, 'udp').bind(member);
    media.group(group, [member]);
    contexts[0]!.started({ codec: 'PCMU' });
    contexts[0]!.dtmf({ digit: '5', durationMs: 100 });
    contexts[0]!.stopped({});
    expect(seen).toEqual(['g1 started PCMU', 'g1 5 rfc4733', 'g1 stopped']);
  });

  it('takes a call\'s digits from the first way they arrive: a phone sending RFC 4733 and INFO counts each key once', () => {
    const { media, contexts, seen, logged } = rig();
    const call = fakeCall('c1');
    media.forCall({ host: '192.0.2.10', port: 5060 }, 'udp').bind(call);
    contexts[0]!.dtmf({ digit: '1', durationMs: 100 });
    media.digit(call, { digit: '1', source: 'info' });
    contexts[0]!.dtmf({ digit: '2', durationMs: 100 });
    media.digit(call, { digit: '2', source: 'info' });
    expect(seen).toEqual(['c1 1 rfc4733', 'c1 2 rfc4733']);
    expect(logged).toEqual(['dtmfIgnored', 'dtmfIgnored']);
    // Another call may use INFO.
    const other = fakeCall('c2');
    media.digit(other, { digit: '9', source: 'info' });
    expect(seen.at(-1)).toBe('c2 9 info');
  });

  it('takes no RFC 4733 digit while the call is still early (early media is not the answering person)', () => {
    const { media, contexts, seen } = rig();
    const call = fakeCall('c1');
    call.state = 'early';
    media.forCall({ host: '192.0.2.10', port: 5060 }, 'udp').bind(call);
    contexts[0]!.dtmf({ digit: '4', durationMs: 100 });
    expect(seen).toEqual([]);
    call.state = 'confirmed';
    contexts[0]!.dtmf({ digit: '4', durationMs: 100 });
    expect(seen).toEqual(['c1 4 rfc4733']);
  });

  it('hangs the call up once when its media fails, and ignores reports after the call ended', () => {
    const { media, contexts, seen, logged } = rig();
    const call = fakeCall('c1');
    media.forCall({ host: '192.0.2.10', port: 5060 }, 'tls').bind(call);
    expect(contexts[0]!.secureSignalling).toBe(true);
    contexts[0]!.failed('no RTP for 30 s');
    contexts[0]!.failed('no RTP for 30 s');
    expect(call.hangups).toBe(1);
    expect(logged).toEqual(['mediaFailed']);
    contexts[0]!.dtmf({ digit: '3', durationMs: 100 });
    expect(seen).toEqual([]);
  });
});
