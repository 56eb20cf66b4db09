// Our offer (RFC 3264 §5): codecs in our order, telephone-events, ptime, direction, and never an unusable address.
import { describe, expect, it } from 'vitest';
import { buildOffer } from '../../../firmware-app/media/sdp/offer.ts';
import { serializeSdp } from '../../../firmware-app/media/sdp/serialize.ts';
import { LOCAL, unwrap } from './support.ts';

describe('buildOffer', () => {
  it('offers PCMU, PCMA, G722 with telephone-event/8000 and /16000, ptime 20, sendrecv by default', () => {
    const text = serializeSdp(unwrap(buildOffer(LOCAL)));
    expect(text).toBe(
      [
        'v=0',
        'o=sip-doorbell 0 0 IN IP4 192.168.1.10',
        's=sip-doorbell',
        'c=IN IP4 192.168.1.10',
        't=0 0',
        'm=audio 40000 RTP/AVP 0 8 9 101 102',
        'a=rtpmap:0 PCMU/8000',
        'a=rtpmap:8 PCMA/8000',
        'a=rtpmap:9 G722/8000',
        'a=rtpmap:101 telephone-event/8000',
        'a=fmtp:101 0-15',
        'a=rtpmap:102 telephone-event/16000',
        'a=fmtp:102 0-15',
        'a=ptime:20',
        'a=sendrecv',
        '',
      ].join('\r\n'),
    );
  });

  it('follows the configured codec order and leaves out telephone-event/16000 without G.722', () => {
    const offer = unwrap(buildOffer({ ...LOCAL, codecs: ['PCMA', 'PCMU'], ptime: 30, direction: 'sendonly' }));
    expect(offer.media[0]!.formats).toEqual(['8', '0', '101']);
    expect(offer.media[0]!.attributes).toContainEqual({ name: 'ptime', value: '30' });
    expect(offer.media[0]!.attributes).toContainEqual({ name: 'sendonly' });
  });

  it('writes IN IP6 for an IPv6 address', () => {
    const offer = unwrap(buildOffer({ ...LOCAL, address: '2001:db8::10' }));
    expect(offer.connection).toEqual({ netType: 'IN', addrType: 'IP6', address: '2001:db8::10' });
    expect(offer.origin.addrType).toBe('IP6');
  });

  it.each([
    ['0.0.0.0', 40000],
    ['::', 40000],
    ['0:0:0:0:0:0:0:0', 40000],
    ['door.example', 40000],
    ['', 40000],
    ['192.168.1.10', 0],
    ['192.168.1.10', 70000],
    ['192.168.1.10', 1.5],
  ])('refuses to offer address %j port %d (SDP_BAD_LOCAL_ADDRESS)', (address, port) => {
    const result = buildOffer({ address, port });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.code).toBe('SDP_BAD_LOCAL_ADDRESS');
  });

  it('refuses an empty codec list and a ptime that is not 10–60 ms in steps of 10', () => {
    expect(buildOffer({ ...LOCAL, codecs: [] }).ok).toBe(false);
    expect(buildOffer({ ...LOCAL, ptime: 25 }).ok).toBe(false);
  });
});
