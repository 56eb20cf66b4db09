// The DNS records RFC 3263 reads, the backend that answers the four queries, and the resolver's error.

import { DoorbellError } from '../../errors.ts';

/** A NAPTR record (RFC 3403) as RFC 3263 §4.1 reads it; `ttl` in seconds. */
export interface NaptrRecord {
  readonly order: number;
  readonly preference: number;
  readonly flags: string;
  /** `SIP+D2U`, `SIP+D2T`, `SIPS+D2T` … */
  readonly service: string;
  readonly regexp: string;
  /** The SRV name to query next (flag `S`). */
  readonly replacement: string;
  readonly ttl: number;
}

/** An SRV record (RFC 2782); `target` `.` means "decidedly not available at this domain". */
export interface SrvRecord {
  readonly priority: number;
  readonly weight: number;
  readonly port: number;
  readonly target: string;
  readonly ttl: number;
}

/** An A or AAAA record: a numeric address (IPv6 without brackets). */
export interface AddressRecord {
  readonly address: string;
  readonly ttl: number;
}

/**
 * The four DNS queries RFC 3263 needs. A name that does not exist (NXDOMAIN) or has no record of the type
 * (NODATA) resolves to `[]`; any other failure (timeout, SERVFAIL, refused) rejects.
 */
export interface DnsBackend {
  naptr(name: string): Promise<readonly NaptrRecord[]>;
  srv(name: string): Promise<readonly SrvRecord[]>;
  a(name: string): Promise<readonly AddressRecord[]>;
  aaaa(name: string): Promise<readonly AddressRecord[]>;
}

/** The query types of DnsBackend, and the record each one answers with. */
export type RecordType = 'naptr' | 'srv' | 'a' | 'aaaa';

export interface RecordOf {
  naptr: NaptrRecord;
  srv: SrvRecord;
  a: AddressRecord;
  aaaa: AddressRecord;
}

export type ResolveErrorCode =
  /** The string is not a URI. */
  | 'BAD_URI'
  /** Not `sip:` or `sips:`. */
  | 'UNSUPPORTED_SCHEME'
  /** The URI or the domain's NAPTR records ask only for transports we do not run. */
  | 'NO_SUPPORTED_TRANSPORT'
  /** DNS answered, and no address exists for the URI. */
  | 'NOT_FOUND'
  /** SRV says the service is decidedly not available (target `.`, RFC 2782). */
  | 'SERVICE_UNAVAILABLE'
  /** A DNS query failed (timeout, SERVFAIL …) and nothing usable was found otherwise. Worth retrying later. */
  | 'DNS_FAILED';

/** A URI that could not be turned into targets. DNS errors come wrapped as `DNS_FAILED`, the original as `cause`. */
export class ResolveError extends DoorbellError {
  declare readonly code: ResolveErrorCode;

  constructor(code: ResolveErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
