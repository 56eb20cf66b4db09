// RFC 3263 §4.3 failover over the transaction layer: a new transaction (new branch) per target on timeout,
// transport error or 503 (RFC 3261 §21.5.4); the last outcome reported once; the order from a resolver.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../../firmware-app/platform/FakeClock.ts';
import type { SipMessage } from '../../../firmware-app/sip/message/index.ts';
import {
  type ClientTransaction, type TargetFailoverOptions, type TargetFailure, TransactionLayer, type TransactionTransport, failover,
} from '../../../firmware-app/sip/transaction/index.ts';
import { FakeDns } from '../../../firmware-app/sip/transport/FakeDns.ts';
import { createResolver } from '../../../firmware-app/sip/transport/resolver.ts';
import type { Target } from '../../../firmware-app/sip/transport/types.ts';
import { makeRequest, makeResponse } from '../../support/sipMessages.ts';
import {
  CollectingLogger, RecordingClientUser, RecordingTransport, type Sent, advance, flush, inboundOf, sendFailed,
} from './harness.ts';

const FIRST: Target = { protocol: 'udp', host: '192.0.2.1', port: 5060 };
const SECOND: Target = { protocol: 'udp', host: '192.0.2.2', port: 5060 };
const THIRD: Target = { protocol: 'udp', host: '192.0.2.3', port: 5060 };
const TIMER_F = 32_000; // 64·T1, also Timer B

/**
 * A transaction layer over a RecordingTransport in which sends to `unreachable` hosts fail (and are still
 * recorded), a recording client TU, and the targets given up with their reasons.
 */
function setup() {
  const clock = new FakeClock();
  const recording = new RecordingTransport(clock);
  const unreachable = new Set<string>();
  const transport: TransactionTransport = {
    send: (bytes, target, flowId) => {
      recording.failWith = unreachable.has(target.host) ? sendFailed() : undefined;
      return recording.send(bytes, target, flowId);
    },
    sendResponse: (bytes, request, inbound) => recording.sendResponse(bytes, request, inbound),
    responseVia: (request, inbound) => recording.responseVia(request, inbound),
    isReliable: (protocol) => recording.isReliable(protocol),
  };
  const layer = new TransactionLayer({ clock, transport, logger: new CollectingLogger() });
  const tu = new RecordingClientUser(clock);
  const failed: Array<[host: string, reason: TargetFailure]> = [];
  const built: Array<[host: string, attempt: number]> = [];

  /** Failover over the transaction layer, each attempt a new transaction with a request built for its target. */
  function start(method: string, targets: readonly Target[], extra: Partial<TargetFailoverOptions> = {}) {
    let transaction: ClientTransaction | undefined;
    const run = failover({
      targets,
      send: (target, attempt, user) => {
        built.push([target.host, attempt]);
        transaction = layer.sendRequest(makeRequest({ method, requestUri: `sip:flat@${target.host}`, sentBy: '192.0.2.10:5060' }), target, user);
      },
      user: tu,
      onTargetFailed: (target, reason) => failed.push([target.host, reason]),
      ...extra,
    });
    return {
      get current() {
        return run.current;
      },
      /** The current attempt's transaction (a CANCEL for an INVITE copies its request's top Via). */
      get transaction() {
        return transaction!;
      },
      cancel: () => run.cancel(),
    };
  }

  /** Requests (by method) sent to `host`, in order. */
  function sentTo(host: string, method: string): Sent[] {
    return recording.sent.filter((s) => s.target?.host === host && s.message.isRequest && s.message.method === method);
  }

  /** The peer at `request`'s target answers it. */
  function answer(request: SipMessage, status: number): void {
    layer.response(makeResponse(request, status, { toTag: `to-${status}` }), inboundOf(request));
  }

  return { clock, recording, unreachable, layer, tu, failed, built, start, sentTo, answer };
}

describe('failover over the transaction layer (RFC 3263 §4.3)', () => {
  it('on Timer F of the first target, sends a new transaction to the second, whose 200 reaches the user', async () => {
    const s = setup();
    const failover = s.start('REGISTER', [FIRST, SECOND]);
    await flush();
    expect(failover.current).toEqual(FIRST);
    await advance(s.clock, TIMER_F - 1);
    expect(s.sentTo(SECOND.host, 'REGISTER')).toHaveLength(0);
    expect(s.sentTo(FIRST.host, 'REGISTER').length).toBeGreaterThan(1); // Timer E retransmissions meanwhile
    await advance(s.clock, 1);
    const [second] = s.sentTo(SECOND.host, 'REGISTER');
    expect(second).toMatchObject({ at: TIMER_F, target: SECOND });
    expect(failover.current).toEqual(SECOND);
    expect(failover.transaction.request.topVia.branch).toBe(second!.message.topVia.branch);
    // A new transaction: a new branch (§4.3), built for the second target.
    expect(second!.message.topVia.branch).not.toBe(s.sentTo(FIRST.host, 'REGISTER')[0]!.message.topVia.branch);
    expect(second!.message.requestUri).toBe('sip:flat@192.0.2.2');
    expect(s.built).toEqual([[FIRST.host, 0], [SECOND.host, 1]]);
    expect(s.failed).toEqual([[FIRST.host, 'timeout']]);
    expect(s.tu.timeouts).toEqual([]);

    s.answer(second!.message, 200);
    expect(s.tu.statuses).toEqual([200]);
    await advance(s.clock, 2 * TIMER_F);
    expect(s.tu.timeouts).toEqual([]);
    expect(s.failed).toHaveLength(1);
    expect(s.sentTo(FIRST.host, 'REGISTER').every((sent) => sent.at < TIMER_F)).toBe(true); // the first stays given up
  });

  it('an INVITE moves on at Timer B (32 s) the same way', async () => {
    const s = setup();
    s.start('INVITE', [FIRST, SECOND]);
    await advance(s.clock, TIMER_F);
    expect(s.sentTo(SECOND.host, 'INVITE').map((sent) => sent.at)).toEqual([TIMER_F]);
    expect(s.failed).toEqual([[FIRST.host, 'timeout']]);
  });

  it('a transport error on the first target moves to the second at once', async () => {
    const s = setup();
    s.unreachable.add(FIRST.host);
    const failover = s.start('OPTIONS', [FIRST, SECOND]);
    await flush();
    expect(s.sentTo(FIRST.host, 'OPTIONS')).toHaveLength(1); // no retransmission after a transport error
    const [second] = s.sentTo(SECOND.host, 'OPTIONS');
    expect(second).toMatchObject({ at: 0 });
    expect(failover.current).toEqual(SECOND);
    expect(s.failed).toEqual([[FIRST.host, 'transportError']]);
    expect(s.tu.transportErrors).toEqual([]);
    s.answer(second!.message, 200);
    expect(s.tu.statuses).toEqual([200]);
  });

  it('a 503 from the first target moves to the second; the 503 is ACKed there and not passed up', async () => {
    const s = setup();
    s.start('INVITE', [FIRST, SECOND]);
    await flush();
    const first = s.sentTo(FIRST.host, 'INVITE')[0]!.message;
    s.answer(first, 100); // provisional responses go up, from any attempt
    s.answer(first, 503);
    await flush();
    expect(s.sentTo(FIRST.host, 'ACK')).toHaveLength(1); // §17.1.1.3: the transaction ACKs its non-2xx
    const second = s.sentTo(SECOND.host, 'INVITE')[0]!.message;
    expect(second.topVia.branch).not.toBe(first.topVia.branch);
    expect(s.failed).toEqual([[FIRST.host, 'serviceUnavailable']]);
    s.answer(second, 180);
    s.answer(second, 200);
    expect(s.tu.statuses).toEqual([100, 180, 200]);
  });

  it('a 503 after a 180 is the answer: no further target, and the target is not given up (it rang)', async () => {
    const s = setup();
    s.start('INVITE', [FIRST, SECOND]);
    await flush();
    const first = s.sentTo(FIRST.host, 'INVITE')[0]!.message;
    s.answer(first, 180);
    s.answer(first, 503);
    await flush();
    expect(s.tu.statuses).toEqual([180, 503]);
    expect(s.sentTo(SECOND.host, 'INVITE')).toHaveLength(0);
    expect(s.failed).toEqual([]);
  });

  it('a non-INVITE 503 moves on too', async () => {
    const s = setup();
    s.start('REGISTER', [FIRST, SECOND]);
    await flush();
    s.answer(s.sentTo(FIRST.host, 'REGISTER')[0]!.message, 503);
    await flush();
    s.answer(s.sentTo(SECOND.host, 'REGISTER')[0]!.message, 401);
    expect(s.tu.statuses).toEqual([401]); // any other final response is the answer: no further failover
    expect(s.failed).toEqual([[FIRST.host, 'serviceUnavailable']]);
  });

  it('ignores what an abandoned attempt reports later (a failed ACK for its 503)', async () => {
    const s = setup();
    s.start('INVITE', [FIRST, SECOND]);
    await flush();
    s.unreachable.add(FIRST.host); // the ACK for the 503 will fail: the old transaction reports a transport error
    s.answer(s.sentTo(FIRST.host, 'INVITE')[0]!.message, 503);
    await flush();
    expect(s.sentTo(FIRST.host, 'ACK')).toHaveLength(1);
    expect(s.sentTo(SECOND.host, 'INVITE')).toHaveLength(1);
    expect(s.tu.transportErrors).toEqual([]);
    expect(s.failed).toEqual([[FIRST.host, 'serviceUnavailable']]);
  });

  it('after a final answer, a later transport error of that transaction goes to the user, with no failover', async () => {
    const s = setup();
    s.start('INVITE', [FIRST, SECOND]);
    await flush();
    s.unreachable.add(FIRST.host);
    s.answer(s.sentTo(FIRST.host, 'INVITE')[0]!.message, 486);
    await flush();
    expect(s.tu.statuses).toEqual([486]);
    expect(s.tu.transportErrors.map((e) => e.code)).toEqual(['SEND_FAILED']);
    expect(s.sentTo(SECOND.host, 'INVITE')).toHaveLength(0);
    expect(s.failed).toEqual([]);
  });
});

describe('when every target fails, the user gets the last outcome once', () => {
  it('timeouts: one timeout, at the end of the last target\'s Timer F', async () => {
    const s = setup();
    s.start('OPTIONS', [FIRST, SECOND, THIRD]);
    await advance(s.clock, 10 * TIMER_F);
    expect(s.tu.timeouts).toEqual([3 * TIMER_F]);
    expect(s.tu.responses).toEqual([]);
    expect(s.failed).toEqual([[FIRST.host, 'timeout'], [SECOND.host, 'timeout'], [THIRD.host, 'timeout']]);
    expect(s.layer.size.client).toBe(0);
  });

  it('transport errors: one transport error, after trying each target once', async () => {
    const s = setup();
    for (const target of [FIRST, SECOND, THIRD]) s.unreachable.add(target.host);
    s.start('REGISTER', [FIRST, SECOND, THIRD]);
    await flush();
    await advance(s.clock, 2 * TIMER_F);
    expect(s.tu.transportErrors.map((e) => e.code)).toEqual(['SEND_FAILED']);
    expect(s.tu.timeouts).toEqual([]);
    expect(s.recording.sent.map((sent) => sent.target?.host)).toEqual([FIRST.host, SECOND.host, THIRD.host]);
    expect(s.failed.map(([, reason]) => reason)).toEqual(['transportError', 'transportError', 'transportError']);
  });

  it('503s: the last 503 reaches the user, once, and only it', async () => {
    const s = setup();
    s.start('INVITE', [FIRST, SECOND]);
    await flush();
    s.answer(s.sentTo(FIRST.host, 'INVITE')[0]!.message, 503);
    await flush();
    const last = s.sentTo(SECOND.host, 'INVITE')[0]!.message;
    s.answer(last, 503);
    s.answer(last, 503); // a retransmission is ACKed again by the transaction, not passed up
    await advance(s.clock, 2 * TIMER_F);
    expect(s.tu.statuses).toEqual([503]);
    expect(s.tu.responses[0]!.topVia.branch).toBe(last.topVia.branch);
    expect(s.sentTo(SECOND.host, 'ACK')).toHaveLength(2);
    expect(s.tu.timeouts).toEqual([]);
    expect(s.failed).toEqual([[FIRST.host, 'serviceUnavailable'], [SECOND.host, 'serviceUnavailable']]);
  });

  it('mixed failures: the outcome of the last target is the one reported', async () => {
    const s = setup();
    s.unreachable.add(FIRST.host);
    s.start('OPTIONS', [FIRST, SECOND]);
    await flush();
    await advance(s.clock, TIMER_F);
    expect(s.tu.timeouts).toEqual([TIMER_F]);
    expect(s.tu.transportErrors).toEqual([]);
    expect(s.failed).toEqual([[FIRST.host, 'transportError'], [SECOND.host, 'timeout']]);
  });

  it('a single target is simply a transaction whose outcome is reported', async () => {
    const s = setup();
    s.start('OPTIONS', [FIRST]);
    await advance(s.clock, TIMER_F);
    expect(s.tu.timeouts).toEqual([TIMER_F]);
    expect(s.failed).toEqual([[FIRST.host, 'timeout']]);
  });

  it('an empty target list is a programming error', () => {
    const s = setup();
    expect(() => s.start('OPTIONS', [])).toThrow(TypeError);
  });
});

describe('cancel()', () => {
  it('tries no further target: the current attempt\'s timeout reaches the user', async () => {
    const s = setup();
    const failover = s.start('OPTIONS', [FIRST, SECOND]);
    failover.cancel();
    await advance(s.clock, 2 * TIMER_F);
    expect(s.sentTo(SECOND.host, 'OPTIONS')).toHaveLength(0);
    expect(s.tu.timeouts).toEqual([TIMER_F]);
    expect(s.failed).toEqual([[FIRST.host, 'timeout']]); // the target did fail: the resolver should know
  });

  it('lets a CANCELled INVITE report its 487, and a 503 after cancel is reported instead of failing over', async () => {
    const s = setup();
    const failover = s.start('INVITE', [FIRST, SECOND, THIRD]);
    await flush();
    s.answer(s.sentTo(FIRST.host, 'INVITE')[0]!.message, 503);
    await flush();
    failover.cancel();
    const invite = failover.transaction.request;
    s.answer(invite, 180);
    s.answer(invite, 503);
    await flush();
    expect(s.tu.statuses).toEqual([180, 503]);
    expect(s.sentTo(THIRD.host, 'INVITE')).toHaveLength(0);
  });
});

describe('with targets from the RFC 3263 resolver', () => {
  it('failover to the second target: SRV priority 10 first, priority 20 after it times out', async () => {
    const s = setup();
    const dns = new FakeDns()
      .addSrv('_sip._udp.example.com', { priority: 20, weight: 0, port: 5080, target: 'backup.example.com' })
      .addSrv('_sip._udp.example.com', { priority: 10, weight: 0, port: 5060, target: 'main.example.com' })
      .addA('main.example.com', '192.0.2.1')
      .addA('backup.example.com', '192.0.2.2');
    const resolver = createResolver({ dns, clock: s.clock, supported: ['udp'] });
    const targets = await resolver.resolve('sip:example.com');
    expect(targets.map((t) => `${t.host}:${t.port}`)).toEqual(['192.0.2.1:5060', '192.0.2.2:5080']);

    const failover = s.start('REGISTER', targets, { onTargetFailed: (target) => resolver.markFailed(target) });
    await advance(s.clock, TIMER_F);
    expect(failover.current).toEqual({ protocol: 'udp', host: '192.0.2.2', port: 5080, serverName: 'example.com' });
    const [second] = s.sentTo('192.0.2.2', 'REGISTER');
    expect(second!.target).toEqual(failover.current);
    s.answer(second!.message, 200);
    expect(s.tu.statuses).toEqual([200]);
    // markFailed demoted the first target: the next resolve starts with the one that answered.
    expect((await resolver.resolve('sip:example.com')).map((t) => t.host)).toEqual(['192.0.2.2', '192.0.2.1']);
  });
});

describe('failover with a sender that sends later', () => {
  it('works with a sender that sends later (an address still being looked up): attempt and current follow it', async () => {
    const s = setup();
    const sent: Array<{ host: string; attempt: number; request: SipMessage }> = [];
    const run = failover({
      targets: [FIRST, SECOND, THIRD],
      send: (target, attempt, user) => {
        void Promise.resolve().then(() => {
          const request = makeRequest({ method: 'INVITE', requestUri: `sip:flat@${target.host}`, sentBy: '192.0.2.10:5060' });
          sent.push({ host: target.host, attempt, request });
          s.layer.sendRequest(request, target, user);
        });
      },
      user: s.tu,
      onTargetFailed: (target, reason) => s.failed.push([target.host, reason]),
    });
    expect([run.attempt, run.current]).toEqual([0, FIRST]);
    await flush();
    s.answer(sent[0]!.request, 503);
    expect([run.attempt, run.current]).toEqual([1, SECOND]);
    await flush();
    expect(sent.map((x) => [x.host, x.attempt])).toEqual([[FIRST.host, 0], [SECOND.host, 1]]);
    s.answer(sent[1]!.request, 180);
    s.answer(sent[1]!.request, 200);
    expect(s.tu.statuses).toEqual([180, 200]);
    expect(s.failed).toEqual([[FIRST.host, 'serviceUnavailable']]);
  });

});
