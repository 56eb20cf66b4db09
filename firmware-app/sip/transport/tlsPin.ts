// The SHA-256 pin of a TLS server certificate as users write it: one reading for the config schema and the TLS transport.
// Pure and import-free, so that config/ (which does no I/O) and sip/transport/tls.ts share it.

/** How a pin is written, for error messages. */
export const SHA256_PIN_FORMAT = '64 hex digits, or 32 colon-separated pairs (AB:CD:…)';

/**
 * `AB:CD:…` (32 colon-separated pairs) or 64 hex digits, any case, surrounding spaces ignored → 64 lowercase hex
 * digits; undefined for anything else (mixed forms such as `ABCD:EF…` included).
 */
export function normalizeSha256Pin(pin: string): string | undefined {
  const text = pin.trim();
  if (/^[0-9a-f]{64}$/i.test(text)) return text.toLowerCase();
  if (/^[0-9a-f]{2}(?::[0-9a-f]{2}){31}$/i.test(text)) return text.replaceAll(':', '').toLowerCase();
  return undefined;
}
