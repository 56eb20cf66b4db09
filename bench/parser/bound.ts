// A lower bound for the parser benchmark, not a parser: it finds the workload's fields with native
// byte searches and makes their strings the way our parser does, and does nothing else: no
// validation, no header table, no objects, no compact forms, no folding. It is correct only on
// well-formed messages like the corpus (the benchmark checks its fields against ours first).
// What it costs is what any parser running in this process pays at least for the same workload,
// so "fastest peer / bound" shows how far the ≥10× target is reachable here at all.

import { methodName } from '../../firmware-app/sip/message/SipMessage.ts';
import { text } from '../../firmware-app/sip/message/text.ts';
import { Fields } from './fields.ts';

type IndexOf = (this: Uint8Array, value: number, from: number) => number;
/** Node's native memchr, the fastest way to find a byte more than a few bytes away. */
const find = Buffer.prototype.indexOf as unknown as IndexOf;
/** `branch=` and `tag=` (a JavaScript scan beats a native pattern search over such short spans). */
const BRANCH = [98, 114, 97, 110, 99, 104, 61];
const TAG = [116, 97, 103, 61];

const CR = 13;
const LF = 10;
const SP = 32;

export const boundFields = new Fields();

/** Index of the first byte in [p, end) that is one of `a`, `b`, `c`; `end` when none. */
function until(buf: Uint8Array, p: number, end: number, a: number, b: number, c: number): number {
  while (p < end) {
    const x = buf[p]!;
    if (x === a || x === b || x === c) return p;
    p++;
  }
  return end;
}

function decimal(buf: Uint8Array, p: number): number {
  let n = 0;
  for (let d = buf[p]! - 48; d >= 0 && d <= 9; d = buf[++p]! - 48) n = n * 10 + d;
  return n;
}

/** Start of the value of the `;name=` parameter in [p, end) (`name` with its `=`), or -1. */
function param(buf: Uint8Array, p: number, end: number, name: readonly number[]): number {
  for (; p < end; p++) {
    if (buf[p] !== 59) continue;
    let i = 0;
    while (i < name.length && buf[p + 1 + i] === name[i]) i++;
    if (i === name.length) return p + 1 + i;
  }
  return -1;
}

/** The tag parameter of a From/To value [v, end), searched after the `>` when there is one. */
function tagOf(buf: Uint8Array, v: number, end: number): string | undefined {
  const open = find.call(buf, 60, v);
  const t = param(buf, open >= 0 && open < end ? find.call(buf, 62, open) : v, end, TAG);
  return t < 0 ? undefined : text(buf, t, until(buf, t, end, 59, SP, CR));
}

export function extractBound(buf: Buffer): number {
  const r = boundFields;
  let lineEnd = find.call(buf, LF, 0);
  if (buf[0] === 83 && buf[1] === 73 && buf[2] === 80 && buf[3] === 47) {
    r.status = decimal(buf, find.call(buf, SP, 0) + 1);
  } else {
    r.status = 0;
    r.method = methodName(buf, 0, find.call(buf, SP, 0));
  }
  let viaSeen = false;
  let contentLength = -1;
  r.toTag = undefined;
  r.contact = undefined;
  let p = lineEnd + 1;
  while (buf[p] !== CR) {
    const colon = find.call(buf, 58, p);
    const nameLength = colon - p;
    const first = buf[p]! | 0x20;
    lineEnd = find.call(buf, LF, colon);
    const end = lineEnd - 1;
    let v = colon + 1;
    while (buf[v] === SP) v++;
    if (nameLength === 3 && first === 0x76 && !viaSeen) {
      viaSeen = true;
      const host = find.call(buf, SP, v) + 1;
      const hostEnd = until(buf, host, end, 58, 59, SP);
      r.host = text(buf, host, hostEnd);
      r.port = buf[hostEnd] === 58 ? decimal(buf, hostEnd + 1) : undefined;
      const branch = param(buf, hostEnd, end, BRANCH);
      r.branch = branch >= 0 ? text(buf, branch, until(buf, branch, end, 59, 44, SP)) : undefined;
    } else if (nameLength === 4 && first === 0x66) {
      r.fromTag = tagOf(buf, v, end);
    } else if (nameLength === 2 && first === 0x74) {
      r.toTag = tagOf(buf, v, end);
    } else if (nameLength === 7 && first === 0x63 && (buf[p + 1]! | 0x20) === 0x61) {
      r.callId = text(buf, v, end);
    } else if (nameLength === 4 && first === 0x63) {
      r.cseqSeq = decimal(buf, v);
      const m = find.call(buf, SP, v) + 1;
      r.cseqMethod = methodName(buf, m, end);
      if (r.status !== 0) r.method = r.cseqMethod;
    } else if (nameLength === 7 && first === 0x63 && r.contact === undefined) {
      const open = find.call(buf, 60, v);
      r.contact = open >= 0 && open < end ? text(buf, open + 1, find.call(buf, 62, open)) : text(buf, v, until(buf, v, end, 59, 44, SP));
    } else if (nameLength === 14 && first === 0x63) {
      contentLength = decimal(buf, v);
    }
    p = lineEnd + 1;
  }
  p += 2;
  r.bodyLength = contentLength >= 0 ? contentLength : buf.length - p;
  return r.bodyLength + r.cseqSeq;
}
