// sipp scenario pieces the interop tests share: digest registration of an indoor user, requests inside a dialog,
// the 200 that answers one of them, and scenario files written for one test.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { onTestFinished } from 'vitest';

const SCENARIOS = path.resolve(import.meta.dirname, '../interop/scenarios');

/** sipp registers `user` with digest (the answer computed by sipp itself). */
export function registerScenario(user: string, password: string): string {
  const request = (cseq: number, auth: string): string => `<send retrans="500"><![CDATA[
      REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
      From: <sip:${user}@[remote_ip]:[remote_port]>;tag=[pid]SIPpTag[call_number]
      To: <sip:${user}@[remote_ip]:[remote_port]>
      Call-ID: [call_id]
      CSeq: ${cseq} REGISTER
      Contact: <sip:${user}@[local_ip]:[local_port];transport=[transport]>
      Expires: 60
      Max-Forwards: 70${auth}
      Content-Length: 0

    ]]></send>`;
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<scenario name="register-${user}">
  ${request(1, '')}
  <recv response="401" auth="true" />
  ${request(2, `\n      [authentication username=${user} password=${password}]`)}
  <recv response="200" />
</scenario>
`;
}

/**
 * A request inside the call's dialog; `from` and `to` are whole header lines (sipp as UAC keeps its From and
 * `[last_To:]`; as UAS it swaps what the INVITE carried). With `dtmf`, an application/dtmf-relay body for that key.
 */
export function inDialogRequest(method: string, cseq: number, party: { readonly from: string; readonly to: string }, dtmf?: string): string {
  const body = dtmf === undefined
    ? '      Content-Length: 0\n'
    : `      Content-Type: application/dtmf-relay\n      Content-Length: [len]\n\n      Signal=${dtmf}\n      Duration=160\n`;
  return `<send retrans="500"><![CDATA[
      ${method} [next_url] SIP/2.0
      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
      ${party.from}
      ${party.to}
      Call-ID: [call_id]
      CSeq: ${cseq} ${method}
      Max-Forwards: 70
${body}
    ]]></send>`;
}

/** Waits for the 200 to request `cseq` (sipp would take any 200 of the call: the CSeq check makes it this one's). */
export function okFor(cseq: number, method: string): string {
  return `<recv response="200">
    <action><ereg regexp="^ *${cseq} +${method} *$" search_in="hdr" header="CSeq:" check_it="true" assign_to="c${cseq}" /></action>
  </recv>
  <Reference variables="c${cseq}" />`;
}

/** Each digit as one INFO and its 200, CSeq from `firstCseq` on. */
export function infoDigits(digits: readonly string[], firstCseq: number, party: { readonly from: string; readonly to: string }): string {
  return digits.map((digit, i) => `${inDialogRequest('INFO', firstCseq + i, party, digit)}\n  ${okFor(firstCseq + i, 'INFO')}`).join('\n  ');
}

/**
 * Writes scenario files for this test into a temporary directory (removed when the test finishes) and returns a
 * writer giving each file's path as runSipp takes it (relative to test/interop/scenarios).
 */
export function scenarioWriter(): (name: string, xml: string) => string {
  const dir = mkdtempSync(path.join(tmpdir(), 'sipp-scenario-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return (name, xml) => {
    writeFileSync(path.join(dir, name), xml);
    return path.relative(SCENARIOS, path.join(dir, name));
  };
}
