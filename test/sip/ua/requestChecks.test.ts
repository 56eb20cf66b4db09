// The UA's answers to out-of-dialog requests in RFC 3261 §8.2's order: method inspection (405, §8.2.1) before header
// inspection (420, §8.2.2.3), over the loop network with a phone on the allow-list.
import { describe, expect, it } from 'vitest';
import { UserAgent } from '../../../firmware-app/sip/ua/UserAgent.ts';
import { FakeSdh, PEER, type Scenario, scenario } from '../dialog/harness.ts';

const FROM = '"Flat" <sip:flat@198.51.100.7>;tag=f1';
const TO = '<sip:door@192.0.2.10>';

/** A UA in standalone mode (no registrar part) on the dialog harness, answering the peer at PEER. */
function withUa(): Scenario {
  const s = scenario();
  new UserAgent(s.ctx, { contactUser: 'k7q2x9vbw3tzk7q2', localUsers: ['door'], domain: 'door.test', allowList: [PEER.host] }, {
    dialogs: s.layer,
    media: () => new FakeSdh(),
  });
  return s;
}

async function send(s: Scenario, method: string, headers: ReadonlyArray<readonly [string, string]>): Promise<number> {
  await s.peer.request(method, { requestUri: 'sip:door@192.0.2.10:5060', callId: `${method}-1@198.51.100.7`, from: FROM, to: TO, cseq: 1, headers });
  const response = s.peer.responses().filter((r) => r.cseq.method === method).at(-1);
  if (response === undefined) throw new Error(`no answer to ${method}`);
  return response.status;
}

describe('out-of-dialog request checks (§8.2)', () => {
  it('answers 405, not 420, to a method it does not handle that requires an extension it lacks', async () => {
    const s = withUa();
    expect(await send(s, 'PUBLISH', [['Require', 'foo']])).toBe(405);
    expect(s.peer.lastResponse(405).headers('allow')).toContain('INVITE');
  });

  it('answers 405, not 420, to a REGISTER with an unknown Require when it runs no registrar', async () => {
    const s = withUa();
    expect(await send(s, 'REGISTER', [['Require', 'foo'], ['Contact', '<sip:flat@198.51.100.7:5070>']])).toBe(405);
  });

  it('still answers 420 with Unsupported to a method it handles', async () => {
    const s = withUa();
    expect(await send(s, 'OPTIONS', [['Require', 'foo, timer']])).toBe(420);
    expect(s.peer.lastResponse(420).headers('unsupported')).toEqual(['foo']);
  });

  it('answers 481 to a BYE outside any dialog, after the checks', async () => {
    const s = withUa();
    expect(await send(s, 'BYE', [])).toBe(481);
  });
});
