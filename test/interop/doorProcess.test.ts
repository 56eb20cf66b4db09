// The built door station run from its command line with a config file (test/support/doorProcess.ts).

import { createSocket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { startDoor } from '../support/doorProcess.ts';

describe('the door station from its command line', () => {
  it('starts standalone on 127.0.0.1, reports its ports, challenges a REGISTER and stops on SIGTERM with exit code 0', async () => {
    const door = startDoor({
      config: { sip: { mode: 'standalone', listen: { host: '127.0.0.1', port: 0, transports: ['udp', 'tcp'] }, users: [{ username: 'flat', password: 'flat-secret-1' }] } },
      simulate: true,
    });
    const udp = await door.port('udp');
    const tcp = await door.port('tcp');
    expect(udp).toBeGreaterThan(0);
    expect(tcp).toBeGreaterThan(0);

    // A REGISTER for a configured user gets its challenge: the port read from the log is the one the process listens on.
    const socket = createSocket('udp4');
    try {
      const answer = new Promise<string>((resolve) => socket.once('message', (bytes) => resolve(bytes.toString('latin1'))));
      await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
      const local = socket.address().port;
      const register = [
        'REGISTER sip:127.0.0.1 SIP/2.0',
        `Via: SIP/2.0/UDP 127.0.0.1:${local};branch=z9hG4bK-doorprocess-1;rport`,
        'Max-Forwards: 70',
        'From: <sip:flat@doorbell.local>;tag=probe1',
        'To: <sip:flat@doorbell.local>',
        'Call-ID: doorprocess-register-1@127.0.0.1',
        'CSeq: 1 REGISTER',
        `Contact: <sip:flat@127.0.0.1:${local}>`,
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
      socket.send(register, udp, '127.0.0.1');
      const timeout = new Promise<string>((resolve) => setTimeout(() => resolve('(no answer within 5 s)'), 5000));
      expect(await Promise.race([answer, timeout])).toMatch(/^SIP\/2\.0 401 /);
    } finally {
      socket.close();
    }

    const exit = await door.stop('SIGTERM');
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(exit.ms).toBeLessThan(5000);
    // Lines may start with a timestamp (not when journald stamps them).
    expect(door.lines().some((line) => /(^|\s)info stopping signal=SIGTERM$/.test(line))).toBe(true);
    expect(door.lines().at(-1)).toMatch(/(^|\s)info stopped$/);
  }, 20_000);

  it('a broken config file: the door runs on its .bak and names the problem (no exit, no restart loop)', async () => {
    const backup = { sip: { mode: 'standalone', listen: { host: '127.0.0.1', port: 0, transports: ['udp'] }, users: [{ username: 'flat', password: 'flat-secret-1' }] }, web: { listen: 'http://127.0.0.1:0' } };
    const door = startDoor({ config: '{ "sip": ', backup, simulate: true });
    expect(await door.port('udp')).toBeGreaterThan(0);
    const text = door.lines().join('\n');
    expect(text).toMatch(/(^|\s)warn configFromBackup file=\S+config\.json backup=\S+config\.json\.bak problem="not JSON: /m);
    expect(await door.stop('SIGTERM')).toMatchObject({ code: 0, signal: null });
  }, 20_000);
});
