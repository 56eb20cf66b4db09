// The root error class of sip-doorbell (every error we raise carries a stable string `code`), and error text for logs.
// This file imports nothing, so every layer (even sip/message, the bottom one) may use it.

/** Root of every error sip-doorbell raises on purpose. `code` is stable and safe to log. */
export class DoorbellError extends Error {
  /** A stable, machine-readable identifier such as `BAD_VIA` or `CONFIG_INVALID`. */
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/**
 * The code of an error that means "no resources now" (no RTP ports left): the media layer raises it, the SIP layer
 * answers 503 with Retry-After instead of 488. Here because both layers need it and neither may import the other.
 */
export const SESSION_RESOURCES = 'SESSION_RESOURCES';

/** Bad input from a peer on the network (a malformed message, a hostile SDP …). */
export class PeerInputError extends DoorbellError {}

/** An invariant of our own code broke: a bug, never the peer's fault. */
export class InternalError extends DoorbellError {}

/**
 * A thrown value as a log field that names it: `TransportError CONNECT_FAILED: cannot connect …` (class name, the
 * stable code when there is one, the message), `SyntaxError: Unexpected token …`; anything else as text.
 * The class name survives bundling because scripts/build.mjs keeps names.
 */
export function errorMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  // Node's system errors repeat their code in the message (`ENOENT: no such file …`): say it once.
  const named = typeof code === 'string' && code !== '' && !error.message.startsWith(code) ? `${error.name} ${code}` : error.name;
  return error.message === '' ? named : `${named}: ${error.message}`;
}
