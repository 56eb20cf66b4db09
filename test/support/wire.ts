// Reads the SIP messages a phone saw out of its trace or log (baresip -s, linphonec -l, twinkle.log) and checks
// the addresses the door station wrote into them (ARCHITECTURE.md "Addresses": never 0.0.0.0, :: or port 0).

/** One SIP message as a phone's trace shows it. */
export interface TracedMessage {
  /** Seen from the phone: `received` came from the other side (in these tests: the door), `sent` went to it. */
  readonly direction: 'received' | 'sent';
  /** The other side's address as the trace names it (`udp:127.0.0.1:5060`), or '' when it names none. */
  readonly remote: string;
  /** `INVITE sip:flat@127.0.0.1:5070 SIP/2.0` or `SIP/2.0 200 OK`. */
  readonly startLine: string;
  /** Header fields in order, folded lines joined, names as written. */
  readonly headers: ReadonlyArray<readonly [name: string, value: string]>;
  /** The body lines that look like SDP (`x=…`), joined with `\n`; '' without an SDP body. */
  readonly sdp: string;
}

/** A place in a trace where a message starts on the next line. */
interface Marker {
  readonly line: number;
  readonly direction: TracedMessage['direction'];
  readonly remote: string;
}

/** Splits text into lines without their CR/LF, and with terminal colour escapes removed. */
function linesOf(text: string): string[] {
  return text.replace(/\x1b\[[0-9;]*m/g, '\n').split(/\r*\n/);
}

const START_LINE = /^(?:[A-Za-z]+ \S+ SIP\/2\.0|SIP\/2\.0 \d{3}\b.*)$/;

/** A message read from the lines, and the index of the first line after it. */
interface Read {
  readonly message: TracedMessage;
  readonly next: number;
  /** The message announced a body that the trace did not show with it (a stream read split it off). */
  readonly bodyMissing: boolean;
}

/** The SDP-looking lines (`x=…`) from `index` on, and the index after them. */
function sdpLines(lines: readonly string[], index: number): { sdp: string[]; next: number } {
  const sdp: string[] = [];
  let i = index;
  for (; i < lines.length && /^[a-z]=/.test(lines[i]!); i++) sdp.push(lines[i]!);
  return { sdp, next: i };
}

/** Reads one message whose start line is `lines[index]`; undefined when that line is not a SIP start line. */
function readMessage(lines: readonly string[], index: number, marker: Marker): Read | undefined {
  const startLine = (lines[index] ?? '').trim();
  if (!START_LINE.test(startLine)) return undefined;
  const headers: Array<[string, string]> = [];
  let i = index + 1;
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') break;
    if (/^[ \t]/.test(line) && headers.length > 0) {
      headers[headers.length - 1]![1] += ` ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) break; // the trace went on with something else: the header section ended without a blank line
    headers.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
  }
  const length = Number(headers.find(([name]) => /^(content-length|l)$/i.test(name))?.[1] ?? 0);
  let sdp: string[] = [];
  if (lines[i] !== undefined && lines[i]!.trim() === '' && length > 0) ({ sdp, next: i } = sdpLines(lines, i + 1));
  const message = { direction: marker.direction, remote: marker.remote, startLine, headers, sdp: sdp.join('\n') };
  return { message, next: i, bodyMissing: length > 0 && sdp.length === 0 };
}

/**
 * Reads the messages after each marker: one, or several when a stream read held several; a body that a stream
 * read split from its headers (the next read of the same peer starts with it) joins its message.
 */
function collect(lines: readonly string[], markers: readonly Marker[]): TracedMessage[] {
  const messages: TracedMessage[] = [];
  const waitingForBody = new Map<string, number>();
  for (const marker of markers) {
    const key = `${marker.direction} ${marker.remote}`;
    let i = marker.line + 1;
    const pending = waitingForBody.get(key);
    if (pending !== undefined && /^[a-z]=/.test(lines[i] ?? '')) {
      const { sdp, next } = sdpLines(lines, i);
      messages[pending] = { ...messages[pending]!, sdp: sdp.join('\n') };
      waitingForBody.delete(key);
      i = next;
    }
    for (;;) {
      while (i < lines.length && lines[i]!.trim() === '' && i > marker.line + 1) i++;
      const read = readMessage(lines, i, marker);
      if (read === undefined) break;
      messages.push(read.message);
      if (read.bodyMissing) waitingForBody.set(key, messages.length - 1);
      else waitingForBody.delete(key);
      i = read.next;
    }
  }
  return messages;
}

/**
 * The messages in baresip's SIP trace (`baresip -s`: a `UDP 127.0.0.1:5060 -> 127.0.0.1:5070` line, then the
 * message). A message whose source port is the phone's own SIP port is one it sent; every other one it received.
 * That rule fits UDP and connections the door opens; over a TCP connection the phone opened, its source port is
 * an ephemeral one and its messages would count as received.
 */
export function baresipMessages(trace: string, phonePort: number): TracedMessage[] {
  const lines = linesOf(trace);
  const markers: Marker[] = [];
  lines.forEach((line, index) => {
    const match = /^(UDP|TCP|TLS|WSS?) (\S+) -> (\S+)\s*$/.exec(line);
    if (match === null) return;
    const [, protocol, source, destination] = match;
    const sent = source!.endsWith(`:${phonePort}`);
    markers.push({ line: index, direction: sent ? 'sent' : 'received', remote: `${protocol!.toLowerCase()}:${sent ? destination : source}` });
  });
  return collect(lines, markers);
}

/** The messages in linphonec's log (`-l file`, `-d 6`): belle-sip's `message sent to [...]` / `received [...] new bytes from [...]:`. */
export function linphoneMessages(log: string): TracedMessage[] {
  const lines = linesOf(log);
  const markers: Marker[] = [];
  lines.forEach((line, index) => {
    const sent = /message sent to \[(\w+):\/\/([^\]]+)\]/.exec(line);
    if (sent !== null) {
      markers.push({ line: index, direction: 'sent', remote: `${sent[1]!.toLowerCase()}:${sent[2]}` });
      return;
    }
    const received = /received \[\d+\] new bytes from \[(\w+):\/\/([^\]]+)\]/.exec(line);
    if (received !== null) markers.push({ line: index, direction: 'received', remote: `${received[1]!.toLowerCase()}:${received[2]}` });
  });
  return collect(lines, markers);
}

/**
 * The messages in Twinkle's log (~/.twinkle/twinkle.log with `log_show_sip=yes`): `Send to: udp:…` and
 * `Received from: udp:…`. Its `Send internal:` responses and the requests it could not route never left it.
 */
export function twinkleMessages(log: string): TracedMessage[] {
  const lines = linesOf(log);
  const markers: Marker[] = [];
  lines.forEach((line, index) => {
    const match = /^(Send to|Received from): (\S+)\s*$/.exec(line);
    if (match !== null) markers.push({ line: index, direction: match[1] === 'Send to' ? 'sent' : 'received', remote: match[2]! });
  });
  return collect(lines, markers);
}

/** The value of a message's first header field of that name (case-insensitive; compact forms not folded in). */
export function header(message: TracedMessage, name: string): string | undefined {
  return message.headers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1];
}

/**
 * The media direction of each SDP answer in a 2xx to an INVITE the phone received (one per CSeq: a retransmitted
 * 200 counts once), in order; `sendrecv` when the SDP names none (RFC 3264 §5.1). Shows how the door answered
 * the phone's hold (RFC 3264 §8.4: sendonly offered, recvonly or inactive answered) and resume.
 */
export function receivedAnswerDirections(messages: readonly TracedMessage[]): string[] {
  const seen = new Set<string>();
  const directions: string[] = [];
  for (const m of messages) {
    const cseq = header(m, 'CSeq') ?? '';
    if (m.direction !== 'received' || !/^SIP\/2\.0 2\d\d/.test(m.startLine) || !/ INVITE$/i.test(cseq) || m.sdp === '') continue;
    if (seen.has(cseq)) continue;
    seen.add(cseq);
    directions.push(/^a=(sendrecv|sendonly|recvonly|inactive)$/m.exec(m.sdp)?.[1] ?? 'sendrecv');
  }
  return directions;
}

/** True for an unspecified address: 0.0.0.0, ::, [::], 0:0:0:0:0:0:0:0, ::ffff:0.0.0.0. */
export function isWildcardHost(host: string): boolean {
  const bare = host.replace(/^\[/, '').replace(/\]$/, '').toLowerCase();
  if (bare === '0.0.0.0') return true;
  if (!bare.includes(':')) return false;
  return /^[0:]+$/.test(bare) || /^[0:]*:ffff:0\.0\.0\.0$/.test(bare);
}

/** Header fields that carry addresses of the sender (compact forms included). */
const ADDRESS_HEADERS = new Map<string, string>([
  ['contact', 'Contact'], ['m', 'Contact'],
  ['record-route', 'Record-Route'], ['route', 'Route'], ['path', 'Path'], ['service-route', 'Service-Route'],
  ['from', 'From'], ['f', 'From'], ['to', 'To'], ['t', 'To'],
  ['reply-to', 'Reply-To'], ['refer-to', 'Refer-To'], ['r', 'Refer-To'], ['referred-by', 'Referred-By'], ['b', 'Referred-By'],
  ['p-asserted-identity', 'P-Asserted-Identity'], ['p-preferred-identity', 'P-Preferred-Identity'],
]);

/** Fields a response copies from the request it answers (RFC 3261 §8.2.6.2): they are the requester's words. */
const ECHOED_IN_RESPONSES = new Set(['From', 'To']);

/** `host[:port]` problems of one address, or undefined when it is real. */
function addressFault(host: string, port: string | undefined): string | undefined {
  if (isWildcardHost(host)) return `the unspecified address ${host}`;
  if (port !== undefined && Number(port) === 0) return 'port 0';
  return undefined;
}

/** Every SIP/SIPS URI host and port in a header value (quoted display names skipped). */
function uriAddresses(value: string): Array<{ host: string; port: string | undefined }> {
  const unquoted = value.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const found: Array<{ host: string; port: string | undefined }> = [];
  for (const match of unquoted.matchAll(/sips?:(?:[^@\s;>?,"<]*@)?(\[[^\]]*\]|[^\s:;>?,"<]+)(?::(\d+))?/gi)) {
    found.push({ host: match[1]!, port: match[2] });
  }
  return found;
}

/** One header field or SDP line that carries a wildcard address or port 0. */
export interface WireFault {
  readonly message: TracedMessage;
  /** `Via sent-by`, `Via received`, `Contact`, `SDP c=` … */
  readonly where: string;
  /** `the unspecified address 0.0.0.0` or `port 0`. */
  readonly fault: string;
  /** The whole header field or SDP line. */
  readonly line: string;
}

/** `INVITE sip:… SIP/2.0 (received udp:127.0.0.1:5060): Contact carries port 0 in «Contact: <sip:…>»`. */
export function describeFault(f: WireFault): string {
  return `${f.message.startLine} (${f.message.direction} ${f.message.remote}): ${f.where} carries ${f.fault} in «${f.line}»`;
}

/** The faults in one message: each header field or SDP line that carries a wildcard address or port 0. */
export function wildcardFaults(message: TracedMessage): WireFault[] {
  const faults: WireFault[] = [];
  const isResponse = message.startLine.startsWith('SIP/2.0 ');
  // A registrar's answer to REGISTER lists the requester's own bindings as Contacts (RFC 3261 §10.3 step 8).
  const listsBindings = isResponse && / REGISTER$/i.test(header(message, 'CSeq') ?? '');
  const report = (where: string, line: string, fault: string): void => {
    faults.push({ message, where, fault, line });
  };
  for (const [name, value] of message.headers) {
    const lower = name.toLowerCase();
    if (lower === 'via' || lower === 'v') {
      for (const via of value.matchAll(/SIP\s*\/\s*2\.0\s*\/\s*[A-Za-z]+\s+(\[[^\]]*\]|[^\s;:,]+)(?:\s*:\s*(\d+))?([^,]*)/gi)) {
        // In a response the sent-by is the requester's own; received/rport are what the responder saw.
        const sentBy = isResponse ? undefined : addressFault(via[1]!, via[2]);
        if (sentBy !== undefined) report('Via sent-by', `${name}: ${value}`, sentBy);
        for (const param of via[3]!.matchAll(/;\s*(received|maddr|rport)\s*=\s*"?([^;,\s"]+)/gi)) {
          const fault = param[1]!.toLowerCase() === 'rport' ? addressFault('127.0.0.1', param[2]) : addressFault(param[2]!, undefined);
          if (fault !== undefined) report(`Via ${param[1]}`, `${name}: ${value}`, fault);
        }
      }
      continue;
    }
    const canonical = ADDRESS_HEADERS.get(lower);
    if (canonical === undefined || (isResponse && ECHOED_IN_RESPONSES.has(canonical))) continue;
    if (listsBindings && canonical === 'Contact') continue;
    for (const { host, port } of uriAddresses(value)) {
      const fault = addressFault(host, port);
      if (fault !== undefined) report(canonical, `${name}: ${value}`, fault);
    }
  }
  for (const line of message.sdp.split('\n')) {
    const match = /^([co])=.*\bIN\s+IP[46]\s+([^\s/]+)/.exec(line);
    if (match === null) continue;
    const fault = addressFault(match[2]!, undefined);
    if (fault !== undefined) report(`SDP ${match[1]}=`, line, fault);
  }
  return faults;
}

/**
 * Throws unless the phone received at least one message and none it received (none the door sent) carries
 * 0.0.0.0, `::` or port 0 in Via sent-by/received/rport, Contact, Record-Route, Route, From, To (requests only:
 * responses copy those from the request; nor the Contacts of a REGISTER answer, which are the phone's bindings)
 * or SDP `c=`/`o=`. An empty trace fails: it would prove nothing.
 */
export function assertNoWildcardAddresses(messages: readonly TracedMessage[]): void {
  const fromDoor = messages.filter((m) => m.direction === 'received');
  if (fromDoor.length === 0) throw new Error('the trace holds no message the phone received: nothing to check');
  const faults = fromDoor.flatMap(wildcardFaults);
  if (faults.length > 0) throw new Error(`the door put unspecified addresses on the wire:\n${faults.map(describeFault).join('\n')}`);
}
