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

/** Bad input from a peer on the network (a malformed message, a hostile SDP …). */
export class PeerInputError extends DoorbellError {}

/** An invariant of our own code broke: a bug, never the peer's fault. */
export class InternalError extends DoorbellError {}

/** The message of a thrown value for a log field: an Error's `message`, anything else as text. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
