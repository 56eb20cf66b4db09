// The far end vanishes mid-call (the phone frozen: no BYE, no RTP, no ICMP): the door station, started from its
// command line, ends the call after media.rtpTimeoutSec with a BYE and frees its RTP ports; while the phone holds
// the call (sendonly), silence is no reason to hang up.

import { describe, expect, it, onTestFinished } from 'vitest';
import { type Baresip, startBaresip } from '../support/baresip.ts';
import { type DoorProcess, PASSWORD, startDoor } from '../support/doorProcess.ts';
import { listenerPort } from '../support/ports.ts';

/** The key=value fields of a log line. */
function fieldsOf(line: string): Record<string, string> {
  return Object.fromEntries([...line.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1]!, m[2]!]));
}

async function rig(): Promise<{ door: DoorProcess; flat: Baresip }> {
  const door = startDoor({
    simulate: true,
    config: {
      sip: { mode: 'standalone', listen: { host: '0.0.0.0', port: 0, transports: ['udp'] }, domain: 'doorbell.test', users: [{ username: 'flat', password: PASSWORD }] },
      doorbell: { callTargets: ['flat'] },
      media: { codecs: ['PCMU'], rtpTimeoutSec: 2 },
    },
  });
  const port = await door.port('udp');
  const flat = startBaresip({
    port: await listenerPort('127.0.0.1', 2),
    account: `<sip:flat@127.0.0.1:${port};transport=udp>;auth_pass=${PASSWORD};answermode=auto;regint=60`,
    toneSeconds: 20,
  });
  onTestFinished(() => flat.stop());
  await door.waitForLine(/ info bindingAdded user=flat /, 10_000);
  return { door, flat };
}

describe('RTP inactivity', () => {
  it('a phone that vanishes mid-call is hung up after rtpTimeoutSec (2 s), with one mediaFailed line', async () => {
    const { door, flat } = await rig();
    const mark = door.lines().length;
    door.ring();
    await door.waitForLine(/ mediaStarted /, 10_000, mark);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    flat.freeze();
    const frozenAt = Date.now();
    const failed = await door.waitForLine(/ warn mediaFailed /, 6000, mark);
    const waited = Date.now() - frozenAt;
    expect(failed).toMatch(/reason="no RTP for 2 s"/);
    expect(waited).toBeGreaterThanOrEqual(1500);
    const stopped = await door.waitForLine(/ mediaStopped /, 3000, mark);
    expect(stopped).toMatch(/ sent=\d{2,} received=\d{2,}/);
    // The door sent a BYE into the silence; thawed, the phone gets its retransmission and the call ends cleanly.
    const at = flat.mark();
    flat.thaw();
    await flat.waitFor(/terminated/, 5000, at);
    await door.waitForLine(/ callEnded .*reason=localBye/, 5000, mark);
    expect(door.lines().slice(mark).filter((line) => / mediaFailed /.test(line))).toHaveLength(1);
  }, 30_000);

  it('a phone holding the call sends nothing for longer than the timeout, and the call stays up', async () => {
    const { door, flat } = await rig();
    const mark = door.lines().length;
    door.ring();
    await door.waitForLine(/ callEstablished /, 10_000, mark);
    const at = flat.mark();
    flat.command('/hold');
    // Its re-INVITE offers sendonly and the door's 200 answers recvonly (both in baresip's SIP trace).
    await flat.waitFor(/a=recvonly/, 5000, at);
    expect(flat.output().slice(at)).toContain('a=sendonly');
    await new Promise((resolve) => setTimeout(resolve, 4000));
    const after = door.lines().slice(mark);
    expect(after.filter((line) => / mediaFailed | callEnded /.test(line)), after.join('\n')).toEqual([]);
    // Held, the phone sent (almost) nothing for those 4 s, and we sent nothing back (recvonly).
    flat.command('/hangup');
    const stopped = fieldsOf(await door.waitForLine(/ mediaStopped /, 5000, mark));
    expect(Number(stopped.received)).toBeLessThan(50);
    expect(Number(stopped.sent)).toBeLessThan(50);
    await door.waitForLine(/ callEnded .*reason=remoteBye/, 5000, mark);
  }, 30_000);
});
