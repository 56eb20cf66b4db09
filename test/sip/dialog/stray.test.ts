// 2xx responses to an INVITE that no transaction takes (RFC 3261 §13.2.2.4, RFC 6026 §7.2): ACKed and released with
// a BYE only when they answer an INVITE we sent; a forged one (top Via naming us, tags made up) gets nothing at all.
import { describe, expect, it, vi } from 'vitest';
import { type SipMessage, serializeMessage } from '../../../firmware-app/sip/message/index.ts';
import { newBranch } from '../../../firmware-app/sip/transaction/index.ts';
import { DEVICE, PEER, type Scenario, T1, scenario, sdp, settle } from './harness.ts';

const VICTIM = { host: '203.0.113.66', port: 5060 };
const PHONE_CONTACT = '<sip:flat-phone@198.51.100.7:5070>';

/** A 200 OK to an INVITE as a stranger forges it: our address in the top Via, everything else made up. */
function forged200(n: number, contact: string, callId = `forged-${n}@attacker`, fromTag = `f${n}`): Uint8Array {
  return serializeMessage({
    isRequest: false,
    status: 200,
    reason: 'OK',
    headers: [
      ['Via', `SIP/2.0/UDP ${DEVICE.host}:${DEVICE.port};branch=${newBranch()}`],
      ['From', `<sip:door@${DEVICE.host}>;tag=${fromTag}`],
      ['To', `<sip:v@${VICTIM.host}>;tag=t${n}`],
      ['Call-ID', callId],
      ['CSeq', '1 INVITE'],
      ['Contact', contact],
    ],
  });
}

function sentTo(s: Scenario, host: string): number {
  return s.network.sent.filter((p) => p.to.host === host).length;
}

/** A 200 from a fork the call never saw (new To tag), sent by the peer after everything else. */
async function lateFork(s: Scenario, invite: SipMessage, toTag: string): Promise<void> {
  await s.peer.respond(invite, 200, { toTag, headers: [['Contact', `<sip:${toTag}@${PEER.host}:${PEER.port}>`]], body: sdp(PEER.host) });
}

describe('a stray 2xx to an INVITE', () => {
  it('that answers no INVITE of ours gets no ACK and no BYE, and is not logged at info level', async () => {
    const s = scenario();
    const resolve = vi.spyOn(s.ctx.resolver, 'resolve');
    for (let n = 0; n < 20; n++) await s.peer.send(forged200(n, `<sip:v@${VICTIM.host}:${VICTIM.port}>`));
    await s.peer.send(forged200(20, '<sip:v@victim.example.com>'));
    await s.peer.send(forged200(21, `<sip:v@${VICTIM.host}:${VICTIM.port};transport=tcp>`));
    await s.advance(64 * T1 + 1000, 1000);
    expect(sentTo(s, VICTIM.host)).toBe(0);
    expect(s.network.sent.filter((p) => p.from.host === DEVICE.host)).toEqual([]);
    expect(resolve).not.toHaveBeenCalled();
    expect(s.dns.totalQueries).toBe(0);
    expect(s.logger.lines.filter((l) => !l.includes('debug'))).toEqual([]);
    expect(s.logger.lines.filter((l) => l.includes('strayResponseDropped'))).toHaveLength(22);
  });

  it('with the Call-ID of a live call of ours but another From tag is dropped too', async () => {
    const s = scenario();
    s.call();
    await settle();
    const invite = s.peer.last('INVITE');
    await s.peer.send(forged200(1, `<sip:v@${VICTIM.host}:${VICTIM.port}>`, invite.callId, 'not-ours'));
    await s.advance(2000);
    expect(sentTo(s, VICTIM.host)).toBe(0);
    expect(s.peer.requests('ACK')).toEqual([]);
  });

  it('of a fork of our call is ACKed and BYEd while the call lives and for 64·T1 after its transaction ended, then dropped', async () => {
    const s = scenario();
    const { call, log } = s.call();
    await settle();
    const invite = s.peer.last('INVITE');
    await s.peer.respond(invite, 200, { toTag: 'p1', headers: [['Contact', PHONE_CONTACT]], body: sdp(PEER.host) });
    expect(log).toEqual(['established']);
    call.hangup();
    await settle();
    await s.peer.respond(s.peer.last('BYE'), 200);
    expect(log).toEqual(['established', 'ended localBye']);

    await s.advance(64 * T1 + 1000, 1000); // Timer M: the INVITE transaction is gone
    expect(s.transactions.size.client).toBe(0);
    await lateFork(s, invite, 'late1');
    expect(s.peer.last('ACK').to.tag).toBe('late1');
    expect(s.peer.last('BYE').to.tag).toBe('late1');
    await s.peer.respond(s.peer.last('BYE'), 200);

    await s.advance(64 * T1, 1000); // 64·T1 after the transaction ended: forgotten
    const fromDevice = (): number => s.network.sent.filter((p) => p.from.host === DEVICE.host).length;
    const sent = fromDevice();
    await lateFork(s, invite, 'late2');
    await s.advance(2000);
    expect(fromDevice()).toBe(sent);
    expect(s.logger.lines.filter((l) => l.includes('strayResponseDropped'))).toHaveLength(1);
  });

  it('of a rejected call is still ours until 64·T1 after its transaction ended (Timer D)', async () => {
    const s = scenario();
    const { log } = s.call();
    await settle();
    const invite = s.peer.last('INVITE');
    await s.peer.respond(invite, 486, { toTag: 'busy' });
    expect(log).toEqual(['ended rejected 486']);
    await s.advance(64 * T1 + 1000, 1000); // Timer D (32 s) ended the transaction
    await lateFork(s, invite, 'late1');
    expect(s.peer.last('ACK').to.tag).toBe('late1');
    expect(s.peer.last('BYE').to.tag).toBe('late1');
  });
});
