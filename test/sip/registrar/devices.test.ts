// Built-in registrar, one device one binding (RFC 3261 §10.3 with §19.1.4 URI comparison, RFC 5626 §5.3 and §6 instances).
import { describe, expect, it } from 'vitest';
import type { Address } from '../../../firmware-app/sip/transport/types.ts';
import { CONTACT_A, CONTACT_B, INSTANCE, PHONE_A, PHONE_B, contactsOf, station } from './station.ts';

describe('Registrar: RFC 5626 instances', () => {
  it('replaces the binding of the same +sip.instance when the phone comes back from a new address', () => {
    const { register, registrar } = station();
    const first = register({ contacts: [`<${CONTACT_A}>;+sip.instance="<${INSTANCE}>";reg-id=1`] });
    // The 200 echoes the instance so that the phone finds its own binding.
    expect(first.contact).not.toBe('*');
    expect((first.contact as readonly { params: ReadonlyMap<string, string | null> }[])[0]!.params.get('+sip.instance')).toBe(`<${INSTANCE}>`);
    const moved = 'sip:flat1@10.8.0.14:5060';
    // Same instance, its UUID hex in upper case this time: still the same phone.
    const sameInstance = INSTANCE.replace(/[0-9a-f]{8}-/, (hex) => hex.toUpperCase());
    const response = register({
      contacts: [`<${moved}>;+sip.instance="<${sameInstance}>";reg-id=1`],
      callId: 'call-after-wifi-to-lte', from: { host: '198.51.100.200', port: 33333 },
    });
    expect(contactsOf(response)).toEqual([[moved, '3600']]);
    const bindings = registrar.lookup('flat1');
    expect(bindings).toHaveLength(1);
    expect(bindings[0]).toMatchObject({ contact: moved, instanceId: sameInstance, source: { host: '198.51.100.200', port: 33333 } });
    expect(registrar.bindingFor(PHONE_A)).toBeUndefined();
  });

  it('says Require: outbound (RFC 5626 §6) for a flow over TCP, never over UDP, where it would promise STUN answers', () => {
    const outbound = { contacts: [`<${CONTACT_A}>;+sip.instance="<${INSTANCE}>";reg-id=1`], headers: [['Supported', 'outbound']] as const };
    const overUdp = station().register({ ...outbound, protocol: 'udp' });
    expect(overUdp.status).toBe(200);
    expect(overUdp.headers('require')).toEqual([]);
    const overTcp = station().register({ ...outbound, protocol: 'tcp' });
    expect(overTcp.status).toBe(200);
    expect(overTcp.headers('require')).toEqual(['outbound']);
  });

  it('keeps the binding keyed by (instance, reg-id): the same pair from a new address replaces, another reg-id adds', () => {
    const { register, registrar } = station();
    register({ contacts: [`<${CONTACT_A}>;+sip.instance="<${INSTANCE}>";reg-id=1`] });
    const second = register({ contacts: [`<${CONTACT_B}>;+sip.instance="<${INSTANCE}>";reg-id=2`], from: PHONE_B, protocol: 'tcp', callId: 'flow-2' });
    // Two flows of one phone (RFC 5626 §6): both bound ...
    expect(contactsOf(second).map(([uri]) => uri)).toEqual([CONTACT_B, CONTACT_A]);
    // ... but a call takes one of them (§5.3: one contact per instance in the target set).
    expect(registrar.lookup('flat1').map((b) => b.contact)).toEqual([CONTACT_B]);
    const moved = 'sip:flat1@10.8.0.14:5060';
    const third = register({ contacts: [`<${moved}>;+sip.instance="<${INSTANCE}>";reg-id=1`], from: { host: '198.51.100.200', port: 33333 }, callId: 'flow-1-again' });
    expect(contactsOf(third).map(([uri]) => uri)).toEqual([moved, CONTACT_B]);
  });
});

describe('Registrar: one device, one binding (duplicate bindings ring a phone twice)', () => {
  const OLD = 'urn:uuid:00000000-0000-0000-0000-000000000001';
  const NEW = 'urn:uuid:00000000-0000-0000-0000-000000000002';
  /** The port the phone's restarted socket got from the NAT router. */
  const RESTARTED: Address = { host: '203.0.113.5', port: 40999 };

  it('replaces the binding of the same Contact URI registered again under a new +sip.instance (Linphone after a restart)', () => {
    const { register, registrar, logger } = station();
    register({ contacts: [`<${CONTACT_A}>;+sip.instance="<${OLD}>"`] });
    const response = register({ contacts: [`<${CONTACT_A}>;+sip.instance="<${NEW}>"`], from: RESTARTED, callId: 'after-restart' });
    expect(response.status).toBe(200);
    expect(contactsOf(response)).toEqual([[CONTACT_A, '3600']]);
    expect(registrar.lookup('flat1')).toEqual([expect.objectContaining({ contact: CONTACT_A, instanceId: NEW, source: RESTARTED })]);
    expect(registrar.bindingFor(PHONE_A)).toBeUndefined();
    expect(logger.lines).toContainEqual(expect.objectContaining({ level: 'info', event: 'bindingReplaced', fields: expect.objectContaining({ contact: CONTACT_A, source: '203.0.113.5:40312', by: CONTACT_A }) }));
  });

  it('replaces by Contact URI whatever the instance: none before, one now, and the other way round', () => {
    const { register, registrar } = station();
    register();
    register({ contacts: [`<${CONTACT_A}>;+sip.instance="<${NEW}>"`], from: RESTARTED, callId: 'with-instance' });
    expect(registrar.lookup('flat1').map((b) => b.instanceId)).toEqual([NEW]);
    register({ contacts: [`<${CONTACT_A}>`], callId: 'without-instance' });
    expect(registrar.lookup('flat1')).toHaveLength(1);
    expect(registrar.lookup('flat1')[0]!.instanceId).toBeUndefined();
  });

  it('compares the Contact URI as §19.1.4 does: host case, escapes and other parameters aside, but not the port or transport', () => {
    const { register, registrar } = station();
    register({ contacts: [`<${CONTACT_A}>;+sip.instance="<${OLD}>"`] });
    register({ contacts: [`<sip:%66lat1@192.168.1.20:5060;ob>;+sip.instance="<${NEW}>"`], from: RESTARTED, callId: 'escaped' });
    expect(registrar.lookup('flat1')).toHaveLength(1);
    const tcp = 'sip:flat1@192.168.1.20:5060;transport=tcp';
    const other = register({ contacts: [`<${tcp}>`], from: PHONE_B, callId: 'tcp' });
    expect(contactsOf(other).map(([uri]) => uri)).toEqual([tcp, 'sip:%66lat1@192.168.1.20:5060;ob']);
  });

  it('with instance and reg-id, a new registration whose Contact URI equals another binding’s replaces that binding too', () => {
    const { register, registrar } = station();
    register({ contacts: [`<${CONTACT_A}>;+sip.instance="<${OLD}>";reg-id=1`] });
    const response = register({ contacts: [`<${CONTACT_A}>;+sip.instance="<${NEW}>";reg-id=1`], from: RESTARTED, callId: 'after-restart' });
    expect(contactsOf(response)).toEqual([[CONTACT_A, '3600']]);
    expect(registrar.lookup('flat1').map((b) => b.instanceId)).toEqual([NEW]);
  });

  it('removes by Contact URI with expires 0 whatever the instance, and lists nothing after an un-REGISTER', () => {
    const { register, registrar } = station();
    register({ contacts: [`<${CONTACT_A}>;+sip.instance="<${OLD}>"`] });
    expect(register({ contacts: [`<${CONTACT_A}>`], expires: 0, callId: 'unregister' }).contact).toEqual([]);
    expect(registrar.lookup('flat1')).toEqual([]);
  });

  it('keeps the new binding when one REGISTER removes the old Contact beside it, in either order', () => {
    for (const order of [0, 1]) {
      const { register, registrar } = station();
      register({ contacts: [`<${CONTACT_A}>`] });
      const both = [`<${CONTACT_A}>;expires=0`, `<${CONTACT_A}>;+sip.instance="<${NEW}>";reg-id=1;expires=600`];
      const response = register({ contacts: order === 0 ? both : [...both].reverse(), callId: 'flow-recovery' });
      expect(contactsOf(response)).toEqual([[CONTACT_A, '600']]);
      expect(registrar.lookup('flat1').map((b) => b.instanceId)).toEqual([NEW]);
      // The later un-REGISTER of that instance leaves nothing behind.
      register({ contacts: [`<${CONTACT_A}>;+sip.instance="<${NEW}>";reg-id=1`], expires: 0, callId: 'flow-recovery' });
      expect(registrar.lookup('flat1')).toEqual([]);
    }
  });

  it('refuses a reordered REGISTER whose Contact would replace a binding written later under its Call-ID', () => {
    const { register, registrar } = station();
    register({ contacts: [`<${CONTACT_A}>;+sip.instance="<${OLD}>"`], cseq: 10 });
    expect(register({ contacts: [`<${CONTACT_A}>;+sip.instance="<${NEW}>"`], cseq: 9 }).status).toBe(500);
    expect(registrar.lookup('flat1').map((b) => b.instanceId)).toEqual([OLD]);
  });

  it('never returns two bindings that reach one source: the newest wins, the 200 still lists both', () => {
    const { register, registrar } = station();
    register({ contacts: [`<${CONTACT_A}>`], callId: 'first' });
    const response = register({ contacts: ['<sip:flat1@192.168.1.20:5062>'], callId: 'second' });
    expect(contactsOf(response).map(([uri]) => uri)).toEqual(['sip:flat1@192.168.1.20:5062', CONTACT_A]);
    expect(registrar.lookup('flat1').map((b) => b.contact)).toEqual(['sip:flat1@192.168.1.20:5062']);
    // The same address and port over another protocol is another destination.
    register({ contacts: [`<${CONTACT_B}>`], protocol: 'tcp', callId: 'third' });
    expect(registrar.lookup('flat1').map((b) => [b.contact, b.protocol])).toEqual([[CONTACT_B, 'tcp'], ['sip:flat1@192.168.1.20:5062', 'udp']]);
  });
});
