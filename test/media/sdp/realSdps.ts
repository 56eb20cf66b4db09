// SDP offers in the shape real stacks send them, written for these tests from what each stack is known to put on the
// wire (codec lists, attribute habits, line ends); addresses are documentation or private ones.

export function crlf(lines: readonly string[]): string {
  return `${lines.join('\r\n')}\r\n`;
}

/** Linphone (liblinphone 5): opus and speex first, PCMU/PCMA, G729 fmtp without rtpmap, three telephone-events, video. */
export const LINPHONE_OFFER = crlf([
  'v=0',
  'o=alice 1829 3044 IN IP4 192.168.1.23',
  's=Talk',
  'c=IN IP4 192.168.1.23',
  't=0 0',
  'a=rtcp-xr:rcvr-rtt=all:10000 stat-summary=loss,dup,jitt,TTL voip-metrics',
  'a=record:off',
  'm=audio 7078 RTP/AVP 96 97 98 0 8 18 101 99 100',
  'a=rtpmap:96 opus/48000/2',
  'a=fmtp:96 useinbandfec=1',
  'a=rtpmap:97 speex/16000',
  'a=fmtp:97 vbr=on',
  'a=rtpmap:98 speex/8000',
  'a=fmtp:98 vbr=on',
  'a=fmtp:18 annexb=yes',
  'a=rtpmap:101 telephone-event/48000',
  'a=rtpmap:99 telephone-event/16000',
  'a=rtpmap:100 telephone-event/8000',
  'a=rtcp-fb:* trr-int 1000',
  'a=rtcp-fb:* ccm tmmbr',
  'm=video 9078 RTP/AVP 96 97',
  'a=rtpmap:96 VP8/90000',
  'a=rtpmap:97 H264/90000',
  'a=fmtp:97 profile-level-id=42801F',
  'a=rtcp-fb:* trr-int 1000',
  'a=rtcp-fb:96 nack pli',
]);

/** baresip 3.x: G722/PCMU/PCMA with one telephone-event, ptime, and its label/ssrc attributes. */
export const BARESIP_OFFER = crlf([
  'v=0',
  'o=- 1407553412 2092436743 IN IP4 192.168.1.50',
  's=-',
  'c=IN IP4 192.168.1.50',
  't=0 0',
  'a=tool:baresip 3.10.1',
  'm=audio 10000 RTP/AVP 9 0 8 101',
  'b=AS:64',
  'a=rtpmap:9 G722/8000',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
  'a=sendrecv',
  'a=label:1',
  'a=rtcp-rsize',
  'a=ssrc:2713394541 cname:3e8bd1e6-12cf-4ad4-9b4b-5d7c4ff1b1e8',
  'a=ptime:20',
]);

/** Twinkle 1.10: speex, PCMA, PCMU, GSM; LF-only line ends as some builds write them. */
export const TWINKLE_OFFER = [
  'v=0',
  'o=twinkle 1179235524 1234 IN IP4 192.168.1.60',
  's=-',
  'c=IN IP4 192.168.1.60',
  't=0 0',
  'm=audio 8000 RTP/AVP 98 97 8 0 3 101',
  'a=rtpmap:98 speex/16000',
  'a=rtpmap:97 speex/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:3 GSM/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
  'a=ptime:20',
  '',
].join('\n');

/** Asterisk (chan_pjsip): G722 first, events 0-16, maxptime, session name "Asterisk". */
export const ASTERISK_OFFER = crlf([
  'v=0',
  'o=- 1707138893 1707138895 IN IP4 10.0.0.5',
  's=Asterisk',
  'c=IN IP4 10.0.0.5',
  't=0 0',
  'm=audio 14562 RTP/AVP 9 0 8 101',
  'a=rtpmap:9 G722/8000',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
  'a=ptime:20',
  'a=maxptime:150',
  'a=sendrecv',
]);

/** Asterisk putting the call on hold: the same session, version + 1, a=sendonly. */
export const ASTERISK_HOLD = ASTERISK_OFFER.replace('1707138895', '1707138896').replace('a=sendrecv', 'a=sendonly');

/** A FRITZ!Box (FRITZ!OS 7/8) calling out: G722, PCMA, PCMU, a=rtcp with the port, direction before ptime. */
export const FRITZBOX_OFFER = crlf([
  'v=0',
  'o=- 2890844526 2890844526 IN IP4 192.168.178.1',
  's=-',
  'c=IN IP4 192.168.178.1',
  't=0 0',
  'm=audio 7078 RTP/AVP 9 8 0 101',
  'a=rtpmap:9 G722/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
  'a=sendrecv',
  'a=rtcp:7079',
  'a=ptime:20',
]);

/** An old RFC 2543 style hold: the address zeroed, no direction attribute. */
export const RFC2543_HOLD = crlf([
  'v=0',
  'o=phone 100 101 IN IP4 192.168.1.70',
  's=-',
  'c=IN IP4 0.0.0.0',
  't=0 0',
  'm=audio 4000 RTP/AVP 0 101',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
]);

/** Linphone with mandatory SRTP (SDES): RTP/SAVP and two crypto lines. */
export const LINPHONE_SRTP_OFFER = crlf([
  'v=0',
  'o=alice 2001 2002 IN IP4 192.168.1.23',
  's=Talk',
  'c=IN IP4 192.168.1.23',
  't=0 0',
  'm=audio 7078 RTP/SAVP 0 8 101',
  'a=rtpmap:101 telephone-event/8000',
  'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:32',
  'a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj KDR=4',
]);
