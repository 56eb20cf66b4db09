// TLS transport driver (RFC 3261 §18, §26.3.1; RFC 5922 server identity): a verifying client, optionally a listener.

import { isIP, type Socket } from 'node:net';
import { checkServerIdentity, connect, createSecureContext, createServer, type PeerCertificate } from 'node:tls';
import { SHA256_PIN_FORMAT, normalizeSha256Pin } from './tlsPin.ts';
import { DoorbellError } from '../../errors.ts';
import type { Clock } from '../../platform/Clock.ts';
import type { Logger } from '../../platform/Logger.ts';
import { describeError, formatAddress } from './flows.ts';
import { type StreamCaps, capOptions } from './connectionCaps.ts';
import { StreamConnections, type StreamDialer } from './StreamConnections.ts';
import { listenOn, streamTransport } from './streamTransport.ts';
import { TransportError, type Target, type Transport, type TransportEvents } from './types.ts';

export interface TlsTransportOptions extends StreamCaps {
  /**
   * Trusted CA certificates (PEM). When given they replace the system CAs: only chains ending at one of them
   * verify. To trust a self-signed server certificate (a FRITZ!Box, a home Asterisk), give that certificate here.
   */
  readonly ca?: string | Buffer;
  /**
   * SHA-256 fingerprint of the server's leaf certificate (DER), as 64 hex digits or colon-separated pairs,
   * any case. A pin only ever narrows what is accepted: the chain must still verify (against `ca`, else the
   * system CAs) and the host name must still match; then the leaf's fingerprint must equal the pin.
   * A malformed pin makes the factory reject.
   */
  readonly pinnedSha256?: string;
  /** Also accept TLS connections on host:port with this key and certificate chain (PEM); no client certificates are asked for. */
  readonly listen?: { readonly key: string | Buffer; readonly cert: string | Buffer };
  /** Local address to listen on when `listen` is given (default `0.0.0.0`). */
  readonly host?: string;
  /** Local port to listen on when `listen` is given (default 0: a free one). */
  readonly port?: number;
  /** Close a connection after this long without traffic either way (default 5 min, see DEFAULT_IDLE_TIMEOUT_MS); 0 disables. */
  readonly idleTimeoutMs?: number;
  /** Give up connecting, TLS handshake included, after this long (default 10 s). */
  readonly connectTimeoutMs?: number;
  /** Largest framed message, body included (default 65535). */
  readonly maxMessageBytes?: number;
  readonly clock: Clock;
  readonly logger: Logger;
}

/**
 * Creates a TLS transport. Client connections always verify the server: rejectUnauthorized, the name
 * `target.serverName ?? target.host` checked against the certificate (RFC 6125 rules of Node's
 * checkServerIdentity; IP literals against IP SANs) and sent as SNI when it is a name, then the pin.
 * A failed check is `{ ok: false, error: TLS_VERIFY_FAILED }` with the reason in the message.
 * There is deliberately no option to accept an unverified certificate.
 */
export async function createTlsTransport(options: TlsTransportOptions, events: TransportEvents): Promise<Transport> {
  const pin = options.pinnedSha256 === undefined ? undefined : normalizePin(options.pinnedSha256);
  // Parsed once: a CA bundle per connection is costly on a Pi.
  const secureContext = createSecureContext(options.ca === undefined ? {} : { ca: options.ca });
  const dialer: StreamDialer = {
    readyEvent: 'secureConnect',
    open: (target) => {
      const name = expectedName(target);
      return connect({
        host: target.host,
        port: target.port,
        // RFC 6066 §3: SNI carries host names, never IP literals.
        ...(isIP(name) === 0 ? { servername: name } : {}),
        secureContext,
        rejectUnauthorized: true,
        checkServerIdentity: (_host, certificate) => verifyServer(name, certificate, pin),
      });
    },
    identityOf: expectedName,
    connectError: (error, target) => {
      if (error instanceof TransportError) return error;
      const code = (error as { code?: unknown }).code;
      if (typeof code === 'string' && X509_VERIFY_ERRORS.has(code)) {
        return new TransportError(
          'TLS_VERIFY_FAILED',
          `certificate of ${expectedName(target)} at ${formatAddress(target)} not trusted: ${describeError(error)}`,
          { cause: error },
        );
      }
      return new TransportError('CONNECT_FAILED', `no TLS connection to ${formatAddress(target)}: ${describeError(error)}`, { cause: error });
    },
  };
  const connections = new StreamConnections(
    {
      protocol: 'tls',
      dialer,
      clock: options.clock,
      logger: options.logger,
      idleTimeoutMs: options.idleTimeoutMs,
      connectTimeoutMs: options.connectTimeoutMs,
      maxMessageBytes: options.maxMessageBytes,
      ...capOptions(options),
    },
    events,
  );
  const host = options.host ?? '0.0.0.0';
  const port = options.port ?? 0;
  if (options.listen === undefined) return streamTransport(connections, { host, port }, undefined, options.logger);
  const server = createServer({ key: options.listen.key, cert: options.listen.cert }, (socket) => connections.accept(socket));
  // The caps apply from the first byte: a handshake that never ends must not hold a place for long.
  server.on('connection', (raw: Socket) => connections.acceptHandshake(raw));
  server.on('tlsClientError', (error, socket) => connections.handshakeFailed(socket.remoteAddress, socket.remotePort, describeError(error)));
  const local = await listenOn(server, host, port, 'tls', options.logger);
  return streamTransport(connections, local, server, options.logger);
}

/** The name the server certificate must carry: the target's server name, else its address. */
function expectedName(target: Target): string {
  return target.serverName ?? target.host;
}

/** checkServerIdentity replacement: Node's host name check against `name` (not the socket's host), then the pin. */
function verifyServer(name: string, certificate: PeerCertificate, pin: string | undefined): Error | undefined {
  const mismatch = checkServerIdentity(name, certificate);
  if (mismatch !== undefined) {
    return new TransportError('TLS_VERIFY_FAILED', `certificate does not match ${name}: ${mismatch.message}`, { cause: mismatch });
  }
  if (pin !== undefined && certificate.fingerprint256.replaceAll(':', '').toLowerCase() !== pin) {
    return new TransportError('TLS_VERIFY_FAILED', `certificate of ${name} does not match the pinned SHA-256 fingerprint (got ${certificate.fingerprint256})`);
  }
  return undefined;
}

/** `AB:CD:…` or `abcd…` → 64 lowercase hex digits, read as the config schema reads it (config/tlsPin.ts). */
function normalizePin(pin: string): string {
  const hex = normalizeSha256Pin(pin);
  if (hex === undefined) throw new DoorbellError('BAD_TLS_PIN', `pinnedSha256 must be a SHA-256 fingerprint: ${SHA256_PIN_FORMAT}`);
  return hex;
}

/** OpenSSL's certificate verification errors as Node reports them in `error.code` (chain, validity, trust). */
const X509_VERIFY_ERRORS: ReadonlySet<string> = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_CRL',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECRYPT_CRL_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CRL_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'CRL_NOT_YET_VALID',
  'CRL_HAS_EXPIRED',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'ERROR_IN_CRL_LAST_UPDATE_FIELD',
  'ERROR_IN_CRL_NEXT_UPDATE_FIELD',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_CHAIN_TOO_LONG',
  'CERT_REVOKED',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);
