// Helpers for scenarios where the peer calls the device: its INVITE, ACK and in-dialog requests.
import type { SipMessage } from '../../../firmware-app/sip/message/index.ts';
import { PEER, PEER_CONTACT, PEER_PROXY, type Scenario, sdp, settle } from './harness.ts';

export const PEER_FROM = '"Flat" <sip:flat@pbx.example.com>;tag=peer1';
export const DOOR_TO = '<sip:door@pbx.example.com>';
export const DEVICE_URI = 'sip:door@192.0.2.10:5060';

export interface PeerCall {
  readonly invite: SipMessage;
  readonly entry: Scenario['incoming'][number];
  /** CSeq number of the peer's next request in the dialog. */
  cseq: number;
}

export interface InviteOptions {
  readonly callId?: string;
  readonly headers?: ReadonlyArray<readonly [string, string]>;
  readonly contact?: string;
  readonly recordRoute?: string;
  /** Undefined: a tiny SDP offer; null: no body (the offer then comes from us in the 200). */
  readonly body?: string | null;
}

/** The peer INVITEs the device (Record-Route through a proxy that is the peer itself). */
export async function peerInvites(s: Scenario, options: InviteOptions = {}): Promise<PeerCall> {
  const invite = await s.peer.request('INVITE', {
    requestUri: DEVICE_URI,
    callId: options.callId ?? 'in-1@198.51.100.7',
    from: PEER_FROM,
    to: DOOR_TO,
    cseq: 10,
    headers: [['Contact', options.contact ?? PEER_CONTACT], ['Record-Route', options.recordRoute ?? PEER_PROXY], ['Allow', 'INVITE, ACK, BYE, CANCEL, INFO'], ...(options.headers ?? [])],
    ...(options.body === null ? {} : { body: options.body ?? sdp(PEER.host) }),
  });
  const entry = s.incoming.at(-1);
  if (entry === undefined) throw new Error('the device made no incoming call');
  return { invite, entry, cseq: 11 };
}

/** The device's tag, from its last response with one. */
export function deviceTag(s: Scenario): string {
  const tag = s.peer.responses().filter((r) => r.to.tag !== undefined).at(-1)?.to.tag;
  if (tag === undefined) throw new Error('no tagged response yet');
  return tag;
}

/** §13.2.2.4 as the peer does it: ACK to the device's Contact with a new branch and the INVITE's CSeq number. */
export async function peerAcks(s: Scenario, call: PeerCall, options: { seq?: number; body?: string } = {}): Promise<SipMessage> {
  return s.peer.request('ACK', {
    requestUri: DEVICE_URI,
    callId: call.invite.callId,
    from: PEER_FROM,
    to: `${DOOR_TO};tag=${deviceTag(s)}`,
    cseq: options.seq ?? call.invite.cseq.seq,
    ...(options.body !== undefined ? { body: options.body } : {}),
  });
}

/** A request from the peer inside the dialog (next CSeq unless given). */
export async function peerSends(
  s: Scenario, call: PeerCall, method: string,
  options: { cseq?: number; headers?: ReadonlyArray<readonly [string, string]>; body?: string; contentType?: string; toTag?: string } = {},
): Promise<SipMessage> {
  const cseq = options.cseq ?? call.cseq++;
  return s.peer.request(method, {
    requestUri: DEVICE_URI,
    callId: call.invite.callId,
    from: PEER_FROM,
    to: `${DOOR_TO};tag=${options.toTag ?? deviceTag(s)}`,
    cseq,
    ...(options.headers !== undefined ? { headers: options.headers } : {}),
    ...(options.body !== undefined ? { body: options.body } : {}),
    ...(options.contentType !== undefined ? { contentType: options.contentType } : {}),
  });
}

/** The device's responses to requests of `method` (by CSeq method). */
export function responsesTo(s: Scenario, method: string): SipMessage[] {
  return s.peer.responses().filter((r) => r.cseq.method === method);
}

/** Peer calls, device rings and answers, peer ACKs: an established call. */
export async function establishedIncoming(s: Scenario, options: InviteOptions = {}): Promise<PeerCall> {
  const call = await peerInvites(s, options);
  call.entry.call.ring();
  const answered = call.entry.call.answer();
  await settle();
  await peerAcks(s, call);
  await answered;
  return call;
}

