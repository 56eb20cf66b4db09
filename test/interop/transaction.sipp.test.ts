// Interop: our transport and transaction layers against the real sipp (Debian sip-tester) on loopback.

import { afterEach, describe, expect, it } from 'vitest';
import { createSystemClock } from '../../firmware-app/platform/Clock.ts';
import type { Logger } from '../../firmware-app/platform/Logger.ts';
import { type SipMessage, parseMessage, serializeMessage } from '../../firmware-app/sip/message/index.ts';
import {
  type ClientTransactionUser, type ServerTransaction, TransactionLayer, newBranch,
} from '../../firmware-app/sip/transaction/index.ts';
import { createTcpTransport } from '../../firmware-app/sip/transport/tcp.ts';
import { TransportLayer } from '../../firmware-app/sip/transport/TransportLayer.ts';
import type { Inbound, Transport, TransportProtocol } from '../../firmware-app/sip/transport/types.ts';
import { createUdpTransport } from '../../firmware-app/sip/transport/udp.ts';
import { type SippOptions, type SippRun, freePort, runSipp, sippFailure, sippReady } from '../support/sipp.ts';

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {} };

interface Stack {
  readonly protocol: TransportProtocol;
  readonly port: number;
  readonly transactions: TransactionLayer;
  readonly transport: TransportLayer;
  /** Datagrams / frames that arrived, dropped ones included. */
  readonly inbound: Inbound[];
  /** Bytes we handed to the socket (dropped ones included), as text. */
  readonly sent: string[];
  /** Drop the next n inbound messages before the transport layer sees them. */
  dropInbound(n: number): void;
  /** Drop the next n outbound messages before they reach the socket. */
  dropOutbound(n: number): void;
  onRequest(handler: (tx: ServerTransaction) => void): void;
  close(): Promise<void>;
}

async function startStack(protocol: TransportProtocol): Promise<Stack> {
  const clock = createSystemClock();
  const transport = new TransportLayer(quiet);
  const inbound: Inbound[] = [];
  const sent: string[] = [];
  let dropIn = 0;
  let dropOut = 0;
  const events = {
    ...transport.events,
    message: (message: Inbound) => {
      inbound.push(message);
      if (dropIn > 0) {
        dropIn--;
        return;
      }
      transport.receive(message);
    },
  };
  const driver: Transport =
    protocol === 'udp'
      ? await createUdpTransport({ host: '127.0.0.1', port: 0, logger: quiet }, events)
      : await createTcpTransport({ host: '127.0.0.1', port: 0, listen: true, clock, logger: quiet }, events);
  // A lossy wrapper: what it drops never reaches the socket, as if the network had lost it.
  const lossy: Transport = {
    protocol: driver.protocol,
    reliable: driver.reliable,
    local: driver.local,
    localAddressFor: (target, flowId) => driver.localAddressFor(target, flowId),
    send: async (bytes, target, flowId) => {
      sent.push(Buffer.from(bytes).toString('latin1'));
      if (dropOut > 0) {
        dropOut--;
        return { ok: true, flow: { id: 'dropped', protocol: driver.protocol, local: driver.local, remote: target } };
      }
      return driver.send(bytes, target, flowId);
    },
    close: () => driver.close(),
  };
  transport.add(lossy);
  const transactions = new TransactionLayer({ clock, transport, logger: quiet });
  transport.setUser(transactions);
  let handler: (tx: ServerTransaction) => void = () => {};
  transactions.setUser({ request: (tx) => handler(tx), ack: () => {} });
  return {
    protocol,
    port: driver.local.port,
    transactions,
    transport,
    inbound,
    sent,
    dropInbound: (n) => {
      dropIn = n;
    },
    dropOutbound: (n) => {
      dropOut = n;
    },
    onRequest: (h) => {
      handler = h;
    },
    close: () => driver.close(),
  };
}

/** A request from us to sipp, with a fresh branch and our real sent-by. */
function ourRequest(stack: Stack, method: 'OPTIONS' | 'INVITE', sippPort: number): SipMessage {
  const sentBy = stack.transport.boundAddress(stack.protocol)!;
  const transport = stack.protocol.toUpperCase();
  const uri = `sip:sipp@127.0.0.1:${sippPort};transport=${stack.protocol}`;
  return parseMessage(serializeMessage({
    isRequest: true,
    method,
    requestUri: uri,
    headers: [
      ['Via', `SIP/2.0/${transport} ${sentBy.host}:${sentBy.port};branch=${newBranch()};rport`],
      ['Max-Forwards', '70'],
      ['From', `<sip:door@${sentBy.host}:${sentBy.port}>;tag=${newBranch().slice(7, 17)}`],
      ['To', `<${uri}>`],
      ['Call-ID', `${newBranch().slice(7)}@127.0.0.1`],
      ['CSeq', `1 ${method}`],
      ['Contact', `<sip:door@${sentBy.host}:${sentBy.port};transport=${stack.protocol}>`],
    ],
  }));
}

/** Collects what a client transaction reports; `final` settles on the first final response or failure. */
function collector(): { user: ClientTransactionUser; statuses: number[]; final: Promise<string> } {
  const statuses: number[] = [];
  let settle: (outcome: string) => void = () => {};
  const final = new Promise<string>((resolve) => {
    settle = resolve;
  });
  const user: ClientTransactionUser = {
    response: (response) => {
      statuses.push(response.status);
      if (response.status >= 200) settle(`response ${response.status}`);
    },
    timeout: () => settle('timeout'),
    transportError: (error) => settle(`transport error ${error.code}`),
  };
  return { user, statuses, final };
}

const sentCount = (stack: Stack, firstLine: string): number => stack.sent.filter((s) => s.startsWith(firstLine)).length;

const stacks: Stack[] = [];
afterEach(async () => {
  while (stacks.length > 0) await stacks.pop()!.close();
});

async function stack(protocol: TransportProtocol): Promise<Stack> {
  const s = await startStack(protocol);
  stacks.push(s);
  return s;
}

/** Runs a UAC sipp scenario against `stack` to its end. */
async function sippCalls(scenario: string, transport: SippOptions['transport'], stack: Stack, pauseMs = 0): Promise<SippRun> {
  const localPort = await freePort();
  return runSipp({ scenario, transport, localPort, remote: { host: '127.0.0.1', port: stack.port }, pauseMs, timeoutSeconds: 10 }).done;
}

/** Starts a UAS sipp on a fresh port and waits until it can take our first request. */
async function sippServer(scenario: string, transport: SippOptions['transport']): Promise<{ port: number; done: Promise<SippRun> }> {
  const port = await freePort();
  const { done } = runSipp({ scenario, transport, localPort: port, timeoutSeconds: 10 });
  await sippReady(transport, port);
  return { port, done };
}

/** Sends our request to sipp on `sippPort` through a client transaction; returns what the transaction reports. */
function sendToSipp(stack: Stack, method: 'OPTIONS' | 'INVITE', sippPort: number): ReturnType<typeof collector> {
  const c = collector();
  stack.transactions.sendRequest(ourRequest(stack, method, sippPort), { protocol: stack.protocol, host: '127.0.0.1', port: sippPort }, c.user);
  return c;
}

describe('transactions against sipp', () => {
  for (const protocol of ['udp', 'tcp'] as const) {
    const sippTransport = protocol === 'udp' ? 'u1' : 't1';

    describe(`over ${protocol.toUpperCase()}`, () => {
      it('answers sipp\'s OPTIONS with 200 through a non-INVITE server transaction', async () => {
        const s = await stack(protocol);
        const methods: string[] = [];
        s.onRequest((tx) => {
          methods.push(tx.request.method);
          tx.respond({ status: 200, reason: 'OK', headers: [['Allow', 'INVITE, ACK, CANCEL, BYE, OPTIONS']] });
        });
        const run = await sippCalls('uac-options.xml', sippTransport, s);
        expect(run.code, sippFailure(run)).toBe(0);
        expect(methods).toEqual(['OPTIONS']);
        expect(sentCount(s, 'SIP/2.0 200 OK')).toBe(1);
      });

      it('rejects sipp\'s INVITE with 486: 100 Trying after 200 ms, the 486 retransmitted until the ACK', async () => {
        const s = await stack(protocol);
        let invite: ServerTransaction | undefined;
        s.onRequest((tx) => {
          invite = tx;
          setTimeout(() => tx.respond({ status: 486, reason: 'Busy Here' }), 300);
        });
        // sipp holds its ACK for 1 s after the 486: over UDP Timer G re-sends the 486 at +0.5 s, and the
        // next one (+1.5 s) is stopped by the ACK. Half a second of margin on either side for a busy machine.
        const run = await sippCalls('uac-invite-reject.xml', sippTransport, s, 1000);
        expect(run.code, sippFailure(run)).toBe(0);
        expect(sentCount(s, 'SIP/2.0 100 Trying')).toBe(1);
        expect(sentCount(s, 'SIP/2.0 486 Busy Here')).toBe(protocol === 'udp' ? 2 : 1);
        expect(invite?.state).toBe(protocol === 'udp' ? 'confirmed' : 'terminated');
      });

      it('takes an OPTIONS from sipp UAS: answered 200 and the transaction completes', async () => {
        const s = await stack(protocol);
        const sipp = await sippServer('uas-answer.xml', sippTransport);
        const c = sendToSipp(s, 'OPTIONS', sipp.port);
        expect(await c.final).toBe('response 200');
        const run = await sipp.done;
        expect(run.code, sippFailure(run)).toBe(0);
        expect(sentCount(s, 'OPTIONS ')).toBe(1);
      });

      it('places an INVITE with sipp UAS: 180, 486, and our ACK ends sipp\'s scenario', async () => {
        const s = await stack(protocol);
        const sipp = await sippServer('uas-invite.xml', sippTransport);
        const c = sendToSipp(s, 'INVITE', sipp.port);
        expect(await c.final).toBe('response 486');
        const run = await sipp.done;
        expect(run.code, sippFailure(run)).toBe(0);
        expect(c.statuses).toEqual([180, 486]);
        expect(sentCount(s, 'ACK ')).toBe(1);
        expect(sentCount(s, 'INVITE ')).toBe(1);
      });
    });
  }

  describe('over lossy UDP: retransmissions are what gets the answer', () => {
    it('sipp retransmits its OPTIONS after we lost the first; one transaction answers', async () => {
      const s = await stack('udp');
      s.dropInbound(1);
      let requests = 0;
      s.onRequest((tx) => {
        requests++;
        tx.respond({ status: 200, reason: 'OK' });
      });
      const run = await sippCalls('uac-options.xml', 'u1', s);
      expect(run.code, sippFailure(run)).toBe(0);
      expect(s.inbound.length).toBeGreaterThanOrEqual(2);
      expect(requests).toBe(1);
    });

    it('sipp retransmits its INVITE after we lost the first; the retransmission is absorbed into one transaction', async () => {
      const s = await stack('udp');
      s.dropInbound(1);
      let requests = 0;
      s.onRequest((tx) => {
        requests++;
        tx.respond({ status: 486, reason: 'Busy Here' });
      });
      const run = await sippCalls('uac-invite-reject.xml', 'u1', s);
      expect(run.code, sippFailure(run)).toBe(0);
      expect(requests).toBe(1);
    });

    it('sipp UAS never sees our first OPTIONS; Timer E\'s retransmission gets the 200', async () => {
      const s = await stack('udp');
      const sipp = await sippServer('uas-answer.xml', 'u1');
      s.dropOutbound(2);
      const c = sendToSipp(s, 'OPTIONS', sipp.port);
      expect(await c.final).toBe('response 200');
      const run = await sipp.done;
      expect(run.code, sippFailure(run)).toBe(0);
      // t=0 and t=500 ms were lost; t=1500 ms (Timer E doubled) got through.
      expect(sentCount(s, 'OPTIONS ')).toBe(3);
    });

    it('sipp UAS never sees our first INVITE; Timer A\'s retransmission gets 180/486, and we ACK', async () => {
      const s = await stack('udp');
      const sipp = await sippServer('uas-invite.xml', 'u1');
      s.dropOutbound(1);
      const c = sendToSipp(s, 'INVITE', sipp.port);
      expect(await c.final).toBe('response 486');
      const run = await sipp.done;
      expect(run.code, sippFailure(run)).toBe(0);
      expect(sentCount(s, 'INVITE ')).toBe(2);
      expect(sentCount(s, 'ACK ')).toBe(1);
    });
  });
}, 30_000);
