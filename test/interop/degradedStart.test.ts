// A valid configuration that cannot start (here: the SIP port held by another program, as after a crash left a
// process behind, or with another SIP program installed) must not end the door station: under systemd's
// Restart=always an exit ends in the start limit, and the door and its page stay dead. Started from its command line
// on 0.0.0.0 as the default configuration does, the door keeps its page up, says why on the status, answers actions
// with NOT_RUNNING, and starts by itself once the port is free: then a baresip phone registers and the bell rings it.

import { type Socket, createSocket } from 'node:dgram';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startBaresip } from '../support/baresip.ts';
import { startDoor } from '../support/doorProcess.ts';
import { setUpPage } from '../support/pageApi.ts';
import { listenerPort } from '../support/ports.ts';

const PASSWORD = 'flat-Pa55word';

async function holdUdp(port: number): Promise<Socket> {
  const socket = createSocket({ type: 'udp4', reuseAddr: false });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, '0.0.0.0', resolve);
  });
  return socket;
}

describe('a configuration that cannot start', () => {
  it('leaves the page up with the reason, and the door starts by itself once the SIP port is free', async () => {
    const port = await listenerPort('127.0.0.1', 1);
    const busy = await holdUdp(port);
    let held = true;
    onTestFinished(() => {
      if (held) busy.close();
    });
    const door = startDoor({
      simulate: true,
      config: {
        sip: { mode: 'standalone', listen: { host: '0.0.0.0', port, transports: ['udp'] }, domain: 'doorbell.test', users: [{ username: 'flat', password: PASSWORD }] },
        buttons: [{ id: 'front', plan: [{ targets: ['flat'], ringSec: 30 }] }],
      },
    });
    await door.waitForLine(/ error notRunning reason="TransportError BIND_FAILED: cannot bind UDP 0\.0\.0\.0:\d+: .*EADDRINUSE.*" attempt=1 retryInSec=2$/, 10_000);
    const api = await setUpPage(door);
    const status = (await (await api.get('api/status')).json()) as Record<string, unknown>;
    expect(status).toMatchObject({
      door: { state: 'stopped' },
      registration: { state: 'failed', reason: expect.stringMatching(/^not running: TransportError BIND_FAILED/) },
      notRunning: { reason: expect.stringMatching(/EADDRINUSE/), attempts: expect.any(Number) },
    });
    const refused = await api.post('api/actions/open-door');
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('NOT_RUNNING');
    // Still trying while the port is held (the second try 2 s after the first), and never exited.
    await door.waitForLine(/ error notRunning .* attempt=2 retryInSec=5$/, 10_000);

    const mark = door.lines().length;
    busy.close();
    held = false;
    await door.waitForLine(/ info runningAgain attempts=\d+$/, 15_000, mark);
    const after = (await (await api.get('api/status')).json()) as Record<string, unknown>;
    expect(after.notRunning).toBeUndefined();
    expect(after).toMatchObject({ registration: { state: 'standalone' }, door: { state: 'idle' } });

    const flat = startBaresip({ port: await listenerPort('127.0.0.1', 2), account: `<sip:flat@127.0.0.1:${port};transport=udp>;auth_pass=${PASSWORD};answermode=manual;regint=60` });
    onTestFinished(() => flat.stop());
    await door.waitForLine(/ info bindingAdded user=flat /, 10_000, mark);
    const heard = flat.mark();
    door.ring();
    await flat.waitFor(/Incoming call|ringing/i, 10_000, heard);
    expect(door.lines().slice(mark).some((l) => / started /.test(l)), 'the same process, not a restart').toBe(false);
    expect((await door.stop('SIGTERM')).code).toBe(0);
  }, 60_000);
});
