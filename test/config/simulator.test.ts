// The simulator's first-start config and the one line that tells the user what to do next.
import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../firmware-app/config/schema.ts';
import { type InterfaceAddress, randomDoorCode, reachableHost, simulatorConfig, simulatorReadyFields } from '../../firmware-app/config/simulator.ts';

const lan = (name: string, address: string): InterfaceAddress => ({ name, family: 'IPv4', address, internal: false });
const LOOPBACK: InterfaceAddress = { name: 'lo', family: 'IPv4', address: '127.0.0.1', internal: true };

describe('simulatorConfig', () => {
  it('writes a valid standalone config with one indoor user and a random password, once', () => {
    const written = new Map<string, string>();
    const files = { exists: (f: string) => written.has(f), writePrivate: (f: string, text: string) => void written.set(f, text) };
    expect(simulatorConfig('/state/config.json', files)).toEqual({ username: 'flat' });
    const config = ConfigSchema.parse(JSON.parse(written.get('/state/config.json')!));
    expect(config.sip.mode).toBe('standalone');
    expect(config.sip.users).toEqual([{ username: 'flat', password: expect.stringMatching(/^[a-z2-9]{12}$/) }]);
    expect(simulatorConfig('/state/config.json', files)).toBeUndefined();
  });

  it('ships the trial door code as its hash only, on the relay door, and lets the hint\'s softphone listen in', () => {
    const written = new Map<string, string>();
    const files = { exists: (f: string) => written.has(f), writePrivate: (f: string, text: string) => void written.set(f, text) };
    const hash = `scrypt$14$8$1$${'A'.repeat(22)}==$${'B'.repeat(43)}=`;
    simulatorConfig('/c.json', files, { doorCodeHash: hash });
    const config = ConfigSchema.parse(JSON.parse(written.get('/c.json')!));
    expect(config.doorbell.doorCodes).toEqual([{ name: 'trial', hash, relay: 'door', pulseMs: 3000 }]);
    expect(config.buttons).toEqual([{ id: '1', activeLow: true, plan: [{ targets: ['flat'], ringSec: 30 }] }]);
    expect(config.doorbell.incoming.autoAnswer).toEqual([{ from: 'flat' }]);
  });

  it('makes trial codes of six digits that differ', () => {
    const codes = Array.from({ length: 20 }, () => randomDoorCode());
    expect(codes.every((c) => /^\d{6}$/.test(c))).toBe(true);
    expect(new Set(codes).size).toBeGreaterThan(15);
  });
});

describe('reachableHost', () => {
  it('is the listen host when that is a real address', () => {
    expect(reachableHost('192.168.1.20', [lan('eth0', '10.0.0.5')])).toBe('192.168.1.20');
  });

  it('is a LAN address of this machine for 0.0.0.0 or ::, bridges and tunnels only as a last resort', () => {
    const interfaces = [LOOPBACK, lan('docker0', '172.17.0.1'), lan('wlan0', '192.168.1.20'), lan('eth0', '192.168.1.21')];
    expect(reachableHost('0.0.0.0', interfaces)).toBe('192.168.1.20');
    expect(reachableHost('::', interfaces)).toBe('192.168.1.20');
    expect(reachableHost('0.0.0.0', [LOOPBACK, lan('docker0', '172.17.0.1')])).toBe('172.17.0.1');
  });

  it('is loopback on a machine without a network', () => {
    expect(reachableHost('0.0.0.0', [LOOPBACK])).toBe('127.0.0.1');
  });
});

describe('simulatorReadyFields', () => {
  const standalone = (users: object[], callTargets = ['flat']): ReturnType<typeof ConfigSchema.parse> =>
    ConfigSchema.parse({ sip: { users }, ...(users.length > 0 ? { doorbell: { callTargets } } : {}) });

  it('names the user the bell calls, where to register, the file with the password, and how to ring', () => {
    const config = standalone([{ username: 'hall', password: 'hall-secret' }, { username: 'flat', password: 'flat-secret' }]);
    const fields = simulatorReadyFields(config, '/state/config.json', { host: '192.168.1.20', port: 5060, protocol: 'udp' });
    expect(fields).toEqual({ register: 'flat@192.168.1.20:5060', passwordIn: '/state/config.json', ring: 'type ring and Enter' });
    expect(JSON.stringify(fields)).not.toContain('secret');
  });

  it('says the transport when it is not UDP, and brackets an IPv6 host', () => {
    const config = standalone([{ username: 'flat', password: 'flat-secret' }]);
    expect(simulatorReadyFields(config, '/c.json', { host: 'fd00::20', port: 5062, protocol: 'tcp' })).toEqual({
      register: 'flat@[fd00::20]:5062', transport: 'tcp', passwordIn: '/c.json', ring: 'type ring and Enter',
    });
  });

  it('tells the trial door code when it was just made', () => {
    const config = standalone([{ username: 'flat', password: 'flat-secret' }]);
    expect(simulatorReadyFields(config, '/c.json', { host: '127.0.0.1', port: 5060, protocol: 'udp' }, '123456').doorCode)
      .toBe('123456# on the phone in a call opens the door');
  });

  it('says where to add a user when there is none', () => {
    expect(simulatorReadyFields(standalone([]), '/c.json', { host: '127.0.0.1', port: 5060, protocol: 'udp' })).toEqual({
      addUserIn: '/c.json', detail: 'no indoor user under sip.users to register a softphone with', ring: 'type ring and Enter',
    });
  });

  it('in registered mode, names the PBX the phones register with and whom the bell calls', () => {
    const config = ConfigSchema.parse({
      sip: { mode: 'registered', account: { registrar: 'fritz.box', user: 'door', password: 'door-secret' } },
      doorbell: { callTargets: ['**610', '**611'] },
    });
    const fields = simulatorReadyFields(config, '/c.json', { host: '127.0.0.1', port: 5060, protocol: 'udp' });
    expect(fields).toEqual({ registeredAt: 'fritz.box', calls: '**610,**611', ring: 'type ring and Enter' });
  });
});
