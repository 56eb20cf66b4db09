// The RTCP report interval (RFC 3550 §6.3, simplified for a two-party call at 64 kbit/s).

import type { Random } from './random.ts';

/** §6.2: the minimum interval between reports. */
export const RTCP_MIN_INTERVAL_MS = 5000;

/**
 * Milliseconds until the next report: the 5 s minimum (§6.2; at our bandwidth and two members the computed interval
 * is far below it), halved before our first report (§6.2 allows it so a new participant is reported quickly), times
 * a factor uniform in [0.5, 1.5) so that participants do not synchronise (§6.3.1). We do no timer reconsideration,
 * so the e − 3/2 compensation that goes with it is not applied.
 */
export function rtcpIntervalMs(random: Random, options: { readonly initial?: boolean; readonly minimumMs?: number } = {}): number {
  const minimum = (options.minimumMs ?? RTCP_MIN_INTERVAL_MS) / (options.initial === true ? 2 : 1);
  const value = random();
  const unit = Number.isFinite(value) ? Math.min(Math.max(value, 0), 1) : 0.5;
  return minimum * (0.5 + unit);
}
