// The record every benchmark subject fills with the workload's fields, and the subject's shape.

/**
 * What the workload reads from one message. Each subject writes into its own record (one shape,
 * no allocation of its own); the record keeps only the last message's values alive, as a UA
 * handing the values on would.
 */
export class Fields {
  /** Request method; for a response, the method the API gives (its CSeq method). */
  method = '';
  /** Response status; 0 for a request. */
  status = 0;
  branch: string | undefined = undefined;
  host = '';
  /** Top Via sent-by port as the API gives it (number, string or undefined). */
  port: unknown = undefined;
  fromTag: string | undefined = undefined;
  toTag: string | undefined = undefined;
  callId = '';
  cseqSeq = 0;
  cseqMethod = '';
  /** The first Contact URI in the API's own representation (string or URI object); undefined when absent. */
  contact: unknown = undefined;
  bodyLength = 0;
}

export interface Subject {
  /** Row label. */
  readonly name: string;
  /**
   * `ours`; `peer`, an npm parser the targets compare with; `bound`, the extract-only lower bound
   * (bench/parser/bound.ts); `floor`, the CRLF scan, which parses nothing.
   */
  readonly kind: 'ours' | 'peer' | 'bound' | 'floor';
  /** The workload: parse a datagram and read the fields into `fields`. Throws or returns -1 on failure. */
  readonly run: (buf: Buffer) => number;
  readonly fields: Fields;
}
