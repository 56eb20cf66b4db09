// Our offer (RFC 3264 §5): one audio stream with our codecs in preference order, telephone-event/8000 (and /16000 when
// G.722 is offered), ptime and direction; with an SRTP policy our a=crypto lines (RFC 4568) on RTP/SAVP when SRTP is
// required, on RTP/AVP when it is only preferred (the best-effort convention of baresip and many PBXs). A re-offer
// (hold, resume, a new address or port) is the same call with a different LocalMedia; origin.ts makes its o= version
// one higher.
import { formatRtpmap } from './attributes.ts';
import { CODECS } from './codecs.ts';
import { checkLocal, ourSession, type LocalMedia } from './local.ts';
import { ok, type SdpResult } from './result.ts';
import { offerSdes } from './sdes.ts';
import { DTMF_EVENTS } from './telephoneEvent.ts';
import type { Attribute, SessionDescription } from './types.ts';

/** Dynamic payload types of our telephone-events (RFC 3551 §3: 96–127). */
export const TELEPHONE_EVENT_PT = { 8000: 101, 16000: 102 } as const;

/** Builds our offer; fails with SDP_BAD_LOCAL_ADDRESS rather than offer 0.0.0.0, :: or port 0. */
export function buildOffer(localMedia: LocalMedia): SdpResult<SessionDescription> {
  const checked = checkLocal(localMedia);
  if (!checked.ok) return checked;
  const local = checked.value;
  const sdes = offerSdes(local.srtp);
  if (!sdes.ok) return sdes;
  const formats: string[] = [];
  const attributes: Attribute[] = [];
  for (const name of local.codecs) {
    const spec = CODECS[name];
    formats.push(String(spec.staticPayloadType));
    attributes.push(formatRtpmap({ payloadType: spec.staticPayloadType, encoding: spec.name, clockRate: spec.rtpClockRate }));
  }
  const rates = local.codecs.includes('G722') ? ([8000, 16000] as const) : ([8000] as const);
  for (const rate of rates) {
    const pt = TELEPHONE_EVENT_PT[rate];
    formats.push(String(pt));
    attributes.push(formatRtpmap({ payloadType: pt, encoding: 'telephone-event', clockRate: rate }));
    attributes.push({ name: 'fmtp', value: `${pt} ${DTMF_EVENTS}` });
  }
  attributes.push(...sdes.value.attributes, { name: 'ptime', value: String(local.ptime) }, { name: local.direction });
  return ok({
    ...ourSession(local),
    media: [{ media: 'audio', port: local.port, proto: sdes.value.proto, formats, connections: [], attributes, otherLines: [] }],
  });
}
