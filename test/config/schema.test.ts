// The config schema: strict everywhere (a misspelt key is an error naming it), tlsCa as PEM or a path, the pin as tls.ts reads it.
import { describe, expect, it } from 'vitest';
import { ConfigSchema, deviceIssues, tlsCaSource } from '../../firmware-app/config/schema.ts';
import { describeIssues } from '../../firmware-app/config/issues.ts';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n';
const PIN_HEX = 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90';
const PIN_PAIRS = PIN_HEX.toUpperCase().match(/../g)!.join(':');

function account(extra: object = {}): object {
  return { sip: { mode: 'registered', account: { registrar: 'pbx.example.org', user: 'door', password: 'door-secret', ...extra } } };
}

function issues(input: unknown): string[] {
  const parsed = ConfigSchema.safeParse(input);
  return parsed.success ? [] : describeIssues(parsed.error);
}

describe('ConfigSchema', () => {
  it('takes an empty file as the defaults: a standalone door station on port 5060', () => {
    const config = ConfigSchema.parse({});
    expect(config.sip.mode).toBe('standalone');
    expect(config.sip.listen).toEqual({ host: '0.0.0.0', port: 5060, transports: ['udp', 'tcp'] });
    expect(config.buttons).toEqual([{ id: '1', activeLow: true, plan: [] }]);
  });

  it.each([
    [{ sip: { account: { registrar: 'pbx', user: 'door', password: 'x', tlsCA: PEM } } }, 'sip.account.tlsCA: unknown key (did you mean tlsCa?)'],
    [{ sip: { listen: { Port: 5060 } } }, 'sip.listen.Port: unknown key (did you mean port?)'],
    [{ sip: { users: [{ username: 'flat', password: 'flat-secret', pasword: 'x' }] } }, 'sip.users.0.pasword: unknown key (did you mean password?)'],
    [{ sip: { mdoe: 'registered' } }, 'sip.mdoe: unknown key (did you mean mode?)'],
    [{ doorbell: { debounceMs: 40, ringSeconds: 30 } }, 'doorbell.ringSeconds: unknown key'],
    [{ verison: 1 }, 'verison: unknown key (did you mean version?)'],
  ])('refuses an unknown key, naming it: %j', (input, line) => {
    expect(issues(input)).toEqual([line]);
  });

  it('names every unknown key of one object on its own line', () => {
    expect(issues({ sip: { lisen: {}, Domain: 'x' } })).toEqual([
      'sip.lisen: unknown key (did you mean listen?)',
      'sip.Domain: unknown key (did you mean domain?)',
    ]);
  });

  it('names the field of a wrong type and never shows the value', () => {
    const lines = issues({ sip: { listen: { port: '5060x' }, users: [{ username: 'flat', password: 12345678 }] } });
    expect(lines).toEqual([
      expect.stringMatching(/^sip\.listen\.port: .*number/),
      expect.stringMatching(/^sip\.users\.0\.password: .*string/),
    ]);
    expect(lines.join('\n')).not.toMatch(/5060x|12345678/);
  });

  it('describes a config that is no object at all', () => {
    expect(issues([1, 2])).toEqual([expect.stringMatching(/^\(root\): .*object/)]);
  });

  it('takes tlsCa as PEM text or as a file path, and says which', () => {
    expect(issues(account({ tlsCa: PEM }))).toEqual([]);
    expect(issues(account({ tlsCa: '/etc/sip-doorbell/pbx-ca.pem' }))).toEqual([]);
    expect(issues(account({ tlsCa: 'pbx-ca.pem' }))).toEqual([]);
    expect(tlsCaSource(PEM)).toEqual({ pem: PEM });
    expect(tlsCaSource('pbx-ca.pem')).toEqual({ file: 'pbx-ca.pem' });
  });

  it('refuses tlsCa PEM text that holds no certificate, an empty one, or a "path" with line breaks', () => {
    expect(issues(account({ tlsCa: '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n' }))).toEqual([
      'sip.account.tlsCa: PEM text without a certificate (-----BEGIN CERTIFICATE-----)',
    ]);
    expect(issues(account({ tlsCa: '' }))).toEqual([expect.stringMatching(/^sip\.account\.tlsCa: /)]);
    expect(issues(account({ tlsCa: 'MIIBszCCAVmg\nAwIBAgIU' }))).toEqual([
      'sip.account.tlsCa: PEM text (-----BEGIN CERTIFICATE-----…) or the path of a PEM file',
    ]);
  });

  it('takes the pin exactly as the TLS transport reads it: 64 hex digits or 32 colon-separated pairs, any case', () => {
    for (const pin of [PIN_HEX, PIN_HEX.toUpperCase(), PIN_PAIRS, PIN_PAIRS.toLowerCase(), ` ${PIN_PAIRS} `]) {
      expect(issues(account({ tlsPinSha256: pin }))).toEqual([]);
    }
  });

  it.each([
    ['pairs and runs mixed', `${PIN_HEX.slice(0, 4)}:${PIN_PAIRS.slice(6)}`],
    ['a trailing colon', `${PIN_PAIRS}:`],
    ['63 digits', PIN_HEX.slice(1)],
    ['a SHA-1 length', PIN_PAIRS.slice(0, 59)],
    ['not hex', PIN_HEX.replace('a', 'g')],
  ])('refuses a pin the transport would refuse: %s', (_name, pin) => {
    expect(issues(account({ tlsPinSha256: pin }))).toEqual([
      'sip.account.tlsPinSha256: 64 hex digits, or 32 colon-separated pairs (AB:CD:…)',
    ]);
  });
});

describe('ConfigSchema cross-references: a config that cannot work is refused at load, naming the field', () => {
  const HASH = `scrypt$14$8$1$${'A'.repeat(22)}==$${'B'.repeat(43)}=`;
  const users = [{ username: 'flat', password: 'flat-secret' }];
  const base = (extra: object = {}): object => ({ sip: { users }, ...extra });

  it.each([
    [{ buttons: [{ id: '1', plan: [{ targets: ['flta'] }] }] }, 'buttons.0.plan.0.targets.0: no indoor user flta under sip.users'],
    [{ doorbell: { callTargets: ['nobody'] } }, 'doorbell.callTargets.0: no indoor user nobody under sip.users'],
    [{ buttons: [{ id: '1', plan: [{ targets: ['flat'], schedule: 'nights' }] }] }, 'buttons.0.plan.0.schedule: no schedule named nights under schedules'],
    [{ buttons: [{ id: '1', plan: [] }], doorbell: { callTargets: ['flat'] } }, 'doorbell.callTargets: give either buttons[].plan or the older doorbell.callTargets, not both'],
    [{ doorbell: { doorCodes: [{ name: 'a', hash: HASH, relay: 'gate' }] } }, 'doorbell.doorCodes.0.relay: no relay gate under relays'],
    [{ relays: [{ id: 'door', maxPulseMs: 1000 }], doorbell: { doorCodes: [{ name: 'a', hash: HASH, pulseMs: 3000 }] } }, 'doorbell.doorCodes.0.pulseMs: longer than relay door\'s maxPulseMs (1000)'],
    [{ doorbell: { chime: { relay: 'door' }, doorCodes: [{ name: 'a', hash: HASH }] } }, 'doorbell.chime.relay: relay door opens the door (a door code uses it): the chime needs a relay of its own'],
    [{ relays: [{ id: 'door' }, { id: 'gong', maxPulseMs: 200 }], doorbell: { chime: { relay: 'gong', pulseMs: 500 } } }, 'doorbell.chime.pulseMs: longer than relay gong\'s maxPulseMs (200)'],
    [{ doorbell: { maxCallSec: 60, warnBeforeSec: 60 } }, 'doorbell.warnBeforeSec: must be shorter than maxCallSec (60)'],
    [{ doorbell: { incoming: { autoAnswer: [{ from: 'sip:flat@192.0.2.1' }] } } }, 'doorbell.incoming.autoAnswer.0.from: in standalone mode name a built-in user (a From URI can be forged by any caller)'],
    [{ doorbell: { incoming: { autoAnswer: [{ from: 'guest' }] } } }, 'doorbell.incoming.autoAnswer.0.from: no indoor user guest under sip.users'],
    [{ relays: [{ id: 'door' }, { id: 'door' }] }, 'relays: id door is used twice'],
    [{ buttons: [{ id: '1', pin: 17, plan: [] }], relays: [{ id: 'door', pin: 17 }] }, '(root): each GPIO pin may be used once among buttons, relays and leds'],
  ])('refuses %j', (extra, line) => {
    expect(issues(base(extra))).toEqual([line]);
  });

  it('refuses scrypt parameters a Pi cannot afford (more than 64 MiB per check), takes the default ones', () => {
    const costly = `scrypt$20$16$1$${'A'.repeat(22)}==$${'B'.repeat(43)}=`;
    expect(issues(base({ doorbell: { doorCodes: [{ name: 'a', hash: costly }] } }))).toEqual([
      'doorbell.doorCodes.0.hash: scrypt parameters needing more than 64 MiB per check (a Pi cannot afford them)',
    ]);
    expect(issues(base({ doorbell: { doorCodes: [{ name: 'a', hash: HASH }] } }))).toEqual([]);
  });

  it('in registered mode takes numbers and URIs as targets, and URI entries for callers the PBX vouches for', () => {
    const registered = { sip: { mode: 'registered', account: { registrar: 'pbx', user: 'door', password: 'x' } } };
    expect(issues({ ...registered, buttons: [{ id: '1', plan: [{ targets: ['**610', 'sip:+4917012345@pbx'] }] }], doorbell: { incoming: { autoAnswer: [{ from: 'sip:610@pbx' }] } } })).toEqual([]);
  });
});

describe('deviceIssues', () => {
  const HASH = `scrypt$14$8$1$${'A'.repeat(22)}==$${'B'.repeat(43)}=`;

  it('names a relay a door code or the chime uses when it has no pin; unused or wired relays are fine', () => {
    const config = ConfigSchema.parse({
      relays: [{ id: 'door' }, { id: 'gong' }, { id: 'spare' }, { id: 'gate', pin: 22 }],
      doorbell: { chime: { relay: 'gong' }, doorCodes: [{ name: 'a', hash: HASH, relay: 'door' }, { name: 'b', hash: HASH, relay: 'gate' }] },
    });
    expect(deviceIssues(config)).toEqual([
      'relays.0.pin: relay door is used by a door code but has no pin (a BCM GPIO number)',
      'relays.1.pin: relay gong is used by the chime but has no pin (a BCM GPIO number)',
    ]);
    expect(deviceIssues(ConfigSchema.parse({}))).toEqual([]);
  });
});
