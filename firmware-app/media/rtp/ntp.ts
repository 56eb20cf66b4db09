// NTP timestamps for RTCP sender reports (RFC 3550 §4) and the round-trip time from LSR/DLSR (§6.4.1).

/** Seconds from 1900-01-01 (NTP era 0) to 1970-01-01 (Unix epoch). */
const NTP_UNIX_OFFSET_S = 2_208_988_800;

/** A 64-bit NTP timestamp as its two 32-bit halves. */
export interface NtpTime {
  readonly seconds: number;
  readonly fraction: number;
}

/** NTP time of `unixMs` (wall-clock milliseconds since 1970; the composition root supplies them). */
export function ntpFromUnixMs(unixMs: number): NtpTime {
  const wholeSeconds = Math.floor(unixMs / 1000);
  return {
    seconds: (wholeSeconds + NTP_UNIX_OFFSET_S) % 2 ** 32,
    fraction: Math.min(2 ** 32 - 1, Math.floor(((unixMs - wholeSeconds * 1000) / 1000) * 2 ** 32)),
  };
}

/** The middle 32 bits of an NTP timestamp (units of 1/65536 s), as LSR carries them (§6.4.1). */
export function compactNtp(time: NtpTime): number {
  return (((time.seconds & 0xffff) << 16) | (time.fraction >>> 16)) >>> 0;
}

/** A delay in ms as DLSR units of 1/65536 s, saturating at the field's 32 bits. */
export function dlsrFromMs(ms: number): number {
  return Math.min(2 ** 32 - 1, Math.max(0, Math.round((ms * 65536) / 1000)));
}

/**
 * Round-trip time in ms from a report block about our stream received at `arrival` (compact NTP of our clock):
 * A − LSR − DLSR (§6.4.1). Undefined when the far end has not had a sender report of ours yet (LSR 0), or when the
 * result is negative (a peer that fills the fields in wrongly).
 */
export function roundTripMs(arrival: number, lastSenderReport: number, delaySinceLastSenderReport: number): number | undefined {
  if (lastSenderReport === 0) return undefined;
  const units = (arrival - lastSenderReport - delaySinceLastSenderReport) | 0;
  return units < 0 ? undefined : (units * 1000) / 65536;
}
