// Helpers of the SDP tests: parse-or-throw and unwrap for results the test expects to succeed.
import { parseSdp } from '../../../firmware-app/media/sdp/parse.ts';
import type { SdpResult } from '../../../firmware-app/media/sdp/result.ts';
import type { SessionDescription } from '../../../firmware-app/media/sdp/types.ts';

export function unwrap<T>(result: SdpResult<T>): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.detail}`);
  return result.value;
}

export function sdp(text: string): SessionDescription {
  return unwrap(parseSdp(text));
}

export const LOCAL = { address: '192.168.1.10', port: 40000 } as const;
