// Registration client contracts (RFC 3261 §10, RFC 5626 keep-alives, RFC 3263 failover).

import type { Credentials } from '../auth/types.ts';
import type { Address, Target, TransportProtocol } from '../transport/types.ts';

export interface RegistrationConfig {
  /** Registrar URI or host, e.g. `sip:pbx.example.org` or `192.168.178.1`. */
  readonly registrar: string;
  /** Tried when the registrar (every RFC 3263 target of it) fails. */
  readonly backupRegistrar?: string;
  /** Route requests through this proxy (loose routing) when set. */
  readonly outboundProxy?: string;
  /** Transport to use; default from RFC 3263 (UDP for sip:). */
  readonly protocol?: TransportProtocol;
  /** Address of record: `sip:door@example.org`. */
  readonly aor: string;
  readonly displayName?: string;
  /** Unguessable Contact user part: only requests to it are accepted while registered. */
  readonly contactUser: string;
  /** RFC 5626 instance id, `urn:uuid:…`, stable across restarts. */
  readonly instanceId: string;
  readonly credentials: Credentials;
  /** Requested expiry in seconds (default 600). */
  readonly expires?: number;
  /** UDP keep-alive interval in seconds (default 25, jittered ±20 %); TCP/TLS use CRLF pings. */
  readonly keepAliveSeconds?: number;
}

export type RegistrationState = 'idle' | 'registering' | 'registered' | 'failed' | 'stopped';

/** A type alias (not an interface) so that it fits Emitter's EventMap. */
export type RegistrationEvents = {
  registering(info: { readonly registrar: string; readonly attempt: number }): void;
  registered(info: { readonly expires: number; readonly publicAddress: Address | undefined; readonly registrar: string }): void;
  /**
   * `status` and `phrase` of the response that failed it, when one did. `retryInSeconds` undefined: no retry until
   * the configuration changes (a configured value that cannot be sent); every other failure is retried.
   */
  registrationFailed(info: { readonly reason: string; readonly status?: number; readonly phrase?: string; readonly retryInSeconds?: number }): void;
  unregistered(): void;
};

export interface RegisteredRoute {
  readonly target: Target;
  readonly flowId: string | undefined;
  readonly routeSet: readonly string[];
  readonly contactUri: string;
  /** The address in that Contact: the public one the registrar saw (NAT), else our local address toward it. */
  readonly contactAddress: Address;
}

export interface RegistrationClientApi {
  readonly state: RegistrationState;
  /** The registrar/proxy addresses we registered through: the UA accepts out-of-dialog requests from them. */
  readonly trustedSources: readonly Address[];
  /** The flow (TCP/TLS connection) the registration uses, if any: requests over it are trusted too. */
  readonly flowId: string | undefined;
  /**
   * While a binding is live: where it was registered (target and, over TCP/TLS, flow), its route set (the outbound
   * proxy) and the Contact URI the registrar holds. Requests to the PBX follow it (RFC 5626 §5.1: on the same flow,
   * with the same Contact, so the PBX can reach us back, NAT or not).
   */
  readonly route: RegisteredRoute | undefined;
  /**
   * Clock time (ms) until which the last 200 keeps our binding at the registrar, whatever failed since (a refresh,
   * a flow): the registrar may route calls to us until then. Undefined before the first 200 and after stop().
   */
  readonly bindingValidUntil: number | undefined;
  start(): void;
  /** Un-REGISTERs (Expires: 0) and stops all timers; resolves when done or after a short bound. */
  stop(): Promise<void>;
}
