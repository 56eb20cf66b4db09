// Requests inside a dialog (RFC 3261 §12.2.2, §14.2, §8.2; RFC 3311; SIP INFO DTMF): re-INVITE hold and resume,
// UPDATE, INFO, OPTIONS, and the 481/405/420/500/491 answers.
import { describe, expect, it } from 'vitest';
import { PEER, T1, scenario, sdp, settle, text } from './harness.ts';
import { establishedIncoming, peerAcks, peerSends, responsesTo } from './peerCalls.ts';

describe('re-INVITE and UPDATE (§14.2, RFC 3311)', () => {
  it('answers a hold re-INVITE and a resume re-INVITE with 200 + answer and reports holdChanged', async () => {
    const s = scenario();
    const c = await establishedIncoming(s);
    const hold = await peerSends(s, c, 'INVITE', { body: sdp(PEER.host, 'sendonly', 2) });
    const held = responsesTo(s, 'INVITE').at(-1)!;
    expect(held.status).toBe(200);
    expect(held.cseq.seq).toBe(hold.cseq.seq);
    expect(held.contentType).toBe('application/sdp');
    expect(held.header('contact')).toBe('<sip:door@192.0.2.10:5060>');
    expect(c.entry.sdh.offersReceived.at(-1)).toBe(sdp(PEER.host, 'sendonly', 2));
    await peerAcks(s, c, { seq: hold.cseq.seq });

    const resume = await peerSends(s, c, 'INVITE', { body: sdp(PEER.host, 'sendrecv', 3) });
    expect(responsesTo(s, 'INVITE').at(-1)!.status).toBe(200);
    await peerAcks(s, c, { seq: resume.cseq.seq });
    expect(c.entry.log).toEqual(['ringing 180 early', 'established', 'hold true', 'hold false']);
  });

  it('retransmits the 200 of a re-INVITE until its ACK, and BYEs when none comes', async () => {
    const s = scenario();
    const c = await establishedIncoming(s);
    await peerSends(s, c, 'INVITE', { body: sdp(PEER.host, 'inactive', 2) });
    await s.advance(4 * T1);
    expect(responsesTo(s, 'INVITE').filter((r) => r.status === 200)).toHaveLength(1 + 3); // initial 200 + re-INVITE 200 at 0, T1, 3·T1
    await s.advance(64 * T1, 1000);
    const bye = s.peer.last('BYE');
    await s.peer.respond(bye, 200);
    expect(c.entry.log.at(-1)).toBe('ended timeout');
  });

  it('answers 488 to an unacceptable re-INVITE offer and keeps the call', async () => {
    const s = scenario();
    const c = await establishedIncoming(s);
    c.entry.sdh.failCreateAnswer = true;
    await peerSends(s, c, 'INVITE', { body: sdp(PEER.host, 'sendrecv', 2) });
    expect(responsesTo(s, 'INVITE').at(-1)!.status).toBe(488);
    expect(c.entry.call.state).toBe('confirmed');
  });

  it('answers an UPDATE offer in its 200', async () => {
    const s = scenario();
    const c = await establishedIncoming(s);
    await peerSends(s, c, 'UPDATE', { body: sdp(PEER.host, 'sendonly', 2) });
    const ok = responsesTo(s, 'UPDATE').at(-1)!;
    expect(ok.status).toBe(200);
    expect(text(ok.body)).toContain('m=audio');
    expect(c.entry.log.at(-1)).toBe('hold true');
  });

  it('answers a second re-INVITE before the first was answered with 500 and Retry-After', async () => {
    const s = scenario();
    const c = await establishedIncoming(s);
    let release: (() => void) | undefined;
    c.entry.sdh.createAnswer = () => new Promise((resolve) => {
      release = () => resolve({ contentType: 'application/sdp', bytes: new TextEncoder().encode(sdp('192.0.2.10')) });
    });
    await peerSends(s, c, 'INVITE', { body: sdp(PEER.host, 'sendrecv', 2) });
    await peerSends(s, c, 'INVITE', { body: sdp(PEER.host, 'sendrecv', 3) });
    const second = responsesTo(s, 'INVITE').at(-1)!;
    expect(second.status).toBe(500);
    expect(second.header('retry-after')).toBeDefined();
    release!();
    await settle();
    expect(responsesTo(s, 'INVITE').at(-1)!.status).toBe(200);
  });
});

describe('INFO DTMF', () => {
  it('reports application/dtmf-relay and application/dtmf digits in order, once per INFO', async () => {
    const s = scenario();
    const c = await establishedIncoming(s);
    await peerSends(s, c, 'INFO', { body: 'Signal=1\r\nDuration=160\r\n', contentType: 'application/dtmf-relay' });
    await peerSends(s, c, 'INFO', { body: '2', contentType: 'application/dtmf' });
    const third = await peerSends(s, c, 'INFO', { body: 'Signal= #\r\nDuration= 250\r\n', contentType: 'application/dtmf-relay' });
    await s.peer.send(third.bytes); // a retransmission: absorbed by the transaction layer
    expect(responsesTo(s, 'INFO').map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(c.entry.log.filter((l) => l.startsWith('dtmf'))).toEqual(['dtmf 1 160', 'dtmf 2', 'dtmf # 250']);
  });

  it('answers 415 to an INFO body it does not know and 400 to a malformed digit', async () => {
    const s = scenario();
    const c = await establishedIncoming(s);
    await peerSends(s, c, 'INFO', { body: '<xml/>', contentType: 'application/xml' });
    await peerSends(s, c, 'INFO', { body: 'Signal=Z', contentType: 'application/dtmf-relay' });
    expect(responsesTo(s, 'INFO').map((r) => r.status)).toEqual([415, 400]);
    expect(c.entry.log.filter((l) => l.startsWith('dtmf'))).toEqual([]);
  });
});

describe('what the layer answers itself (§8.2, §12.2.2)', () => {
  it('answers 481 for a request with a To tag that matches no dialog', async () => {
    const s = scenario();
    const c = await establishedIncoming(s);
    await peerSends(s, c, 'BYE', { toTag: 'not-ours' });
    expect(responsesTo(s, 'BYE').map((r) => r.status)).toEqual([481]);
    expect(c.entry.call.state).toBe('confirmed');
  });

  it('answers 405 with Allow to a method it does not handle', async () => {
    const s = scenario();
    const c = await establishedIncoming(s);
    await peerSends(s, c, 'REFER', { headers: [['Refer-To', '<sip:x@example.com>']] });
    const refused = responsesTo(s, 'REFER')[0]!;
    expect(refused.status).toBe(405);
    expect(refused.headers('allow')).toEqual(['INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS', 'INFO', 'UPDATE']);
  });

  it('answers 420 with Unsupported to a Require it does not know', async () => {
    const s = scenario();
    const c = await establishedIncoming(s);
    await peerSends(s, c, 'INFO', { headers: [['Require', '100rel, timer']] });
    const refused = responsesTo(s, 'INFO')[0]!;
    expect(refused.status).toBe(420);
    expect(refused.headers('unsupported')).toEqual(['100rel']);
  });

  it('checks the method before Require (§8.2.1 before §8.2.2): an unknown method that requires an unknown extension gets 405', async () => {
    const s = scenario();
    const c = await establishedIncoming(s);
    await peerSends(s, c, 'PUBLISH', { headers: [['Require', 'foo']] });
    expect(responsesTo(s, 'PUBLISH').map((r) => r.status)).toEqual([405]);
  });

  it('answers 500 to a request whose CSeq is lower than the last one', async () => {
    const s = scenario();
    const c = await establishedIncoming(s);
    await peerSends(s, c, 'INFO', { cseq: 20 });
    await peerSends(s, c, 'INFO', { cseq: 15 });
    expect(responsesTo(s, 'INFO').map((r) => r.status)).toEqual([200, 500]);
  });

  it('answers OPTIONS inside the dialog with 200, Allow and Accept', async () => {
    const s = scenario();
    const c = await establishedIncoming(s);
    await peerSends(s, c, 'OPTIONS');
    const ok = responsesTo(s, 'OPTIONS')[0]!;
    expect(ok.status).toBe(200);
    expect(ok.headers('allow')).toContain('INFO');
    expect(ok.headers('accept')).toContain('application/dtmf-relay');
  });
});
