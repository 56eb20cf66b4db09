// Media benchmark: the same G.711 (PCMU) call against the same peer, once with our door station and once with
// baresip (Debian package) as the door side, in one run. Run through `npm run bench -- media`.
//
// The peer is this process: a minimal SIP UAS on 127.0.0.1 (bench/support/sipPeer.ts) whose SDP answer points at
// an RTP socket here that stamps every arriving packet with process.hrtime.bigint() and sends a 20 ms PCMU stream
// back on an absolute schedule (bench/support/rtpPeer.ts), so the door decodes and plays as in a real call.
// The call lasts from the ACK until the peer's BYE, BENCH_MEDIA_SECONDS later. Per call and door side:
//   - CPU per call-second: utime + stime of the door's process (all threads) at the ACK and at the end, over the
//     seconds between, as a share of one core;
//   - peak RSS (VmHWM, over the process's whole life, start-up included) and RSS (VmRSS) at the end;
//   - send gaps: the time between consecutive RTP packets from the door, p50, p99, max: from tcpdump's kernel
//     stamps on lo (bench/support/wireCapture.ts: the door's send times) when tcpdump can capture here, else from
//     the arrival times in this process (the door's send times plus this process's own wake-up jitter).
//     `apt-get install tcpdump`; capturing needs root or CAP_NET_RAW.
// Each side runs BENCH_MEDIA_RUNS calls in quiet conditions and as many with BENCH_MEDIA_BUSY spinning processes
// (default: one per core but one, "the other core busy"), interleaved so drift hits both sides alike; medians.
// A floor row (bench/support/floorSender.ts: a node process that only sends, on an absolute timer schedule, no SIP)
// shows what node's timers allow on this machine in the same conditions.
// BENCH_MEDIA_SIDES=ours,baresip,floor (the default) picks what runs.

import { availableParallelism, loadavg } from 'node:os';
import { execFileSync } from 'node:child_process';
import { bounded, buildDoor, positiveInt, repoRoot, sleep, wantedSides } from './support/benchRun.ts';
import { busyCores } from './support/busyCores.ts';
import { runFloorSender } from './support/floorSender.ts';
import { type DoorSide, type RunningDoor, baresipSide, oursSide } from './support/doorSides.ts';
import { percent, table, times } from './support/format.ts';
import { median } from './support/measure.ts';
import { cpuSeconds, memory } from './support/procStats.ts';
import { RtpPeer } from './support/rtpPeer.ts';
import { type GapStats, sendGaps } from './support/sendGaps.ts';
import { type PeerCall, SipPeer } from './support/sipPeer.ts';
import { type WireCapture, startWireCapture } from './support/wireCapture.ts';

const RUNS = positiveInt('BENCH_MEDIA_RUNS', 3);
const SECONDS = positiveInt('BENCH_MEDIA_SECONDS', 60);
const BUSY = positiveInt('BENCH_MEDIA_BUSY', Math.max(1, availableParallelism() - 1));

const TARGET_P99_QUIET_MS = 21;
const TARGET_P99_BUSY_MS = 22;

type Variant = 'quiet' | 'busy';

/** Whether send gaps come from tcpdump's stamps (decided once at start: see wireTiming()). */
let useWire = false;

/** Starts tcpdump on the capture port when the run uses it. */
async function startWire(rtp: RtpPeer): Promise<WireCapture | undefined> {
  return useWire ? startWireCapture(rtp.port) : undefined;
}

/** Tries tcpdump once; the run uses it when it works, and says so either way. */
async function wireTiming(rtp: RtpPeer): Promise<string> {
  try {
    await (await startWireCapture(rtp.port)).stop();
    useWire = true;
    return 'send gaps from tcpdump stamps on lo (kernel, at send)';
  } catch (error) {
    return `send gaps from arrival times in this process (no tcpdump capture: ${(error as Error).message.split('\n')[0]})`;
  }
}

/** One call's figures; memory and level are NaN for the floor (not a door). */
interface Measured {
  /** CPU seconds per call-second (1 = one core). */
  readonly cpuShare: number;
  readonly peakKb: number;
  readonly rssKb: number;
  readonly gaps: GapStats;
  readonly levelDbfs: number;
}

type Outcome = { readonly ok: true; readonly m: Measured } | { readonly ok: false; readonly error: string };

/** One call from `side` to the peer; every step bounded, the door always stopped. */
async function oneCall(side: DoorSide, sip: SipPeer, rtp: RtpPeer): Promise<Outcome> {
  rtp.reset();
  let door: RunningDoor | undefined;
  let call: PeerCall | undefined;
  let wire: WireCapture | undefined;
  try {
    wire = await startWire(rtp);
    const calling = sip.nextCall(rtp.port, 15_000);
    calling.catch(() => {}); // awaited below; a door that fails to start leaves it to time out unobserved
    door = await side.start(sip.uri, SECONDS);
    call = await Promise.race([calling, door.exited]);
    const ackedAt = await bounded(Promise.race([call.ackedAt, door.exited]), 5000, 'the door never sent the ACK for our 200 OK');
    rtp.startSending(call.offer.host, call.offer.port);
    const cpuAtStart = cpuSeconds(door.pid);
    const endedEarly = Promise.race([call.endedByDoor, door.exited]).then((reason) => {
      throw new Error(`the call ended before ${SECONDS} s: ${reason}`);
    });
    endedEarly.catch(() => {});
    await Promise.race([sleep(SECONDS * 1000), endedEarly]);
    const endedAt = process.hrtime.bigint();
    const cpu = cpuSeconds(door.pid) - cpuAtStart;
    const mem = memory(door.pid);
    rtp.stopSending();
    const offer = call.offer;
    const byeStatus = await call.hangUp();
    call = undefined;
    const stamps = await wire?.stop();
    wire = undefined;
    const callSeconds = Number(endedAt - ackedAt) / 1e9;
    const gaps = sendGaps(rtp.arrivals(), ackedAt, endedAt, stamps);
    if (gaps === undefined) {
      return { ok: false, error: `the door sent ${rtp.arrivals().length} RTP packet(s) to ${rtp.port} during the call ` +
        `(its offer: audio at ${offer.host}:${offer.port}, PT ${offer.payloadTypes.join(' ')}; we sent it ${rtp.sent()}); ` +
        `its last lines:\n${door.output()}` };
    }
    if (byeStatus !== 200) console.log(`    note: the door answered our BYE with ${byeStatus === 0 ? 'nothing' : byeStatus}`);
    return { ok: true, m: { cpuShare: cpu / callSeconds, peakKb: mem.peakKb, rssKb: mem.rssKb, gaps, levelDbfs: rtp.levelDbfs() } };
  } catch (error) {
    const message = (error as Error).message;
    return { ok: false, error: door === undefined || message.includes('printed:') ? message : `${message}; its last lines:\n${door.output()}` };
  } finally {
    rtp.stopSending();
    await call?.hangUp();
    await door?.stop();
    await wire?.stop().catch(() => {});
  }
}

/** One floor stream to the capture, as long as a call; its gaps from its first packet to its last. */
async function floorCall(rtp: RtpPeer): Promise<Outcome> {
  rtp.reset();
  let wire: WireCapture | undefined;
  try {
    wire = await startWire(rtp);
    const run = await runFloorSender('127.0.0.1', rtp.port, SECONDS, (port) => rtp.startSending('127.0.0.1', port));
    rtp.stopSending();
    const stamps = await wire?.stop();
    wire = undefined;
    const arrivals = rtp.arrivals();
    // Its whole stream (no SIP, no ACK): from just before the first arrival to the last.
    const gaps = arrivals.length < 2 ? undefined : sendGaps(arrivals, arrivals[0]!.at - 1_000_000_000n, arrivals[arrivals.length - 1]!.at, stamps);
    if (gaps === undefined) return { ok: false, error: `the floor sender's packets did not arrive (${arrivals.length})` };
    if (run.received < SECONDS * 40) return { ok: false, error: `the floor received ${run.received} of the peer's packets` };
    // Node sending and receiving one stream and nothing else: the least CPU a door in node can need (memory not measured).
    return { ok: true, m: { cpuShare: run.cpuMicros / 1e6 / SECONDS, peakKb: NaN, rssKb: NaN, gaps, levelDbfs: NaN } };
  } catch (error) {
    await wire?.stop().catch(() => {});
    return { ok: false, error: (error as Error).message };
  }
}

const ms = (v: number): string => v.toFixed(1);
const kb = (v: number): string => (Number.isNaN(v) ? '—' : `${Math.round(v).toLocaleString('en-US')} kB`);
const share = (v: number): string => (Number.isNaN(v) ? '—' : percent(v));

function describe(m: Measured): string {
  const g = m.gaps;
  const usage = Number.isNaN(m.cpuShare) ? '' : `CPU ${share(m.cpuShare)} of a core, VmHWM ${kb(m.peakKb)}, RSS ${kb(m.rssKb)}; `;
  const level = Number.isNaN(m.levelDbfs) ? '' : `, first ${ms(g.firstMs)} ms after the ACK, level ${m.levelDbfs.toFixed(1)} dBFS`;
  const arrival = useWire ? ` (arrival p99 ${ms(g.arrivalP99Ms)})` : '';
  return `${usage}gaps p50 ${ms(g.p50Ms)} p99 ${ms(g.p99Ms)}${arrival} max ${ms(g.maxMs)} ms, ${g.over40} over 40 ms; ` +
    `${g.packets} packets (PT ${g.payloadTypes}), ${g.lost} lost, ${g.reordered} reordered${level}`;
}

interface Summary {
  readonly runs: number;
  readonly failed: number;
  readonly cpuShare: number;
  readonly peakKb: number;
  readonly rssKb: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly worstP99Ms: number;
  readonly maxMs: number;
}

function summarize(outcomes: readonly Outcome[]): Summary | undefined {
  const ok = outcomes.flatMap((o) => (o.ok ? [o.m] : []));
  if (ok.length === 0) return undefined;
  return {
    runs: ok.length,
    failed: outcomes.length - ok.length,
    cpuShare: median(ok.map((m) => m.cpuShare)),
    peakKb: median(ok.map((m) => m.peakKb)),
    rssKb: median(ok.map((m) => m.rssKb)),
    p50Ms: median(ok.map((m) => m.gaps.p50Ms)),
    p99Ms: median(ok.map((m) => m.gaps.p99Ms)),
    worstP99Ms: Math.max(...ok.map((m) => m.gaps.p99Ms)),
    maxMs: median(ok.map((m) => m.gaps.maxMs)),
  };
}

function printTable(title: string, rows: ReadonlyArray<readonly [string, Summary | undefined]>): void {
  console.log(`\n${title}`);
  const header = ['door side', 'runs', 'CPU/call-s', 'peak RSS', 'RSS at end', 'gap p50', 'gap p99', 'gap max'];
  const row = (name: string, s: Summary | undefined): string[] =>
    s === undefined ? [name, '0', '—', '—', '—', '—', '—', '—']
      : [name, `${s.runs}${s.failed > 0 ? ` (+${s.failed} failed)` : ''}`, share(s.cpuShare), kb(s.peakKb), kb(s.rssKb), `${ms(s.p50Ms)} ms`, `${ms(s.p99Ms)} ms`, `${ms(s.maxMs)} ms`];
  const lines = rows.map(([name, s]) => row(name, s));
  const ours = rows.find(([name]) => name === 'ours')?.[1];
  const peer = rows.find(([name]) => name === 'baresip')?.[1];
  if (ours !== undefined && peer !== undefined) {
    const r = (a: number, b: number): string => (b > 0 ? times(a / b) : '—');
    lines.push(['ours/baresip', '', r(ours.cpuShare, peer.cpuShare), r(ours.peakKb, peer.peakKb), r(ours.rssKb, peer.rssKb),
      r(ours.p50Ms, peer.p50Ms), r(ours.p99Ms, peer.p99Ms), r(ours.maxMs, peer.maxMs)]);
  }
  console.log(table([header, ...lines], ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right']));
}

/** The 1, 5 and 15 minute load averages. */
function loadText(): string {
  return loadavg().map((l) => l.toFixed(2)).join(' ');
}

function baresipVersion(): string {
  try {
    const text = execFileSync('baresip', ['-h'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 5000 });
    return /baresip v(\S+)/.exec(text)?.[1] ?? 'version unknown';
  } catch (error) {
    const out = String((error as { stdout?: unknown }).stdout ?? '') + String((error as { stderr?: unknown }).stderr ?? '');
    return /baresip v(\S+)/.exec(out)?.[1] ?? 'not runnable';
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  const root = repoRoot();
  const bundle = await buildDoor(root);
  const sip = await SipPeer.open();
  const rtp = await RtpPeer.open();
  const timing = await wireTiming(rtp);
  const wanted = wantedSides('BENCH_MEDIA_SIDES', 'ours,baresip,floor');
  const subjects: ReadonlyArray<{ readonly name: string; readonly call: () => Promise<Outcome> }> = [
    ...[oursSide(bundle), baresipSide].map((side) => ({ name: side.name, call: () => oneCall(side, sip, rtp) })),
    { name: 'floor', call: () => floorCall(rtp) },
  ].filter((subject) => wanted.includes(subject.name));
  console.log(`media benchmark: node ${process.version}, baresip ${baresipVersion()}, ${availableParallelism()} CPUs; ` +
    `${SECONDS} s PCMU calls to one peer (node UAS + RTP capture on 127.0.0.1), ${RUNS} quiet and ${RUNS} busy run(s) per door side ` +
    `(busy: ${BUSY} spinning process(es)); medians reported; ${timing}; load average ${loadText()}`);
  const results = new Map<string, Outcome[]>();
  try {
    for (let run = 0; run < RUNS; run++) {
      for (const variant of ['quiet', 'busy'] as const satisfies readonly Variant[]) {
        // Alternate which side goes first, so a slow drift of the machine does not always favour the same one.
        const order = run % 2 === 0 ? subjects : [...subjects].reverse();
        for (const subject of order) {
          const busy = variant === 'busy' ? busyCores(BUSY) : undefined;
          let outcome: Outcome;
          try {
            outcome = await subject.call();
          } finally {
            await busy?.stop();
          }
          const key = `${subject.name}/${variant}`;
          results.set(key, [...(results.get(key) ?? []), outcome]);
          const label = `  run ${run + 1}/${RUNS} ${variant.padEnd(5)} ${subject.name.padEnd(7)}`;
          console.log(outcome.ok ? `${label} ${describe(outcome.m)}` : `${label} FAILED: ${outcome.error.replace(/\n/g, '\n      ')}`);
          await sleep(500); // let the stopped door's sockets and exit settle before the next one starts
        }
      }
    }
  } finally {
    sip.close();
    rtp.close();
  }

  const s = (key: string): Summary | undefined => summarize(results.get(key) ?? []);
  const rowsOf = (variant: Variant): Array<[string, Summary | undefined]> => subjects.map((subject) => [subject.name, s(`${subject.name}/${variant}`)]);
  printTable('Quiet (no load started by the benchmark), medians', rowsOf('quiet'));
  printTable(`Busy (${BUSY} spinning process(es) during the call), medians`, rowsOf('busy'));

  console.log('\nTargets');
  const mark = (ok: boolean): string => (ok ? 'PASS' : 'MISS');
  const targets: string[] = [];
  const oursQuiet = s('ours/quiet');
  const peerQuiet = s('baresip/quiet');
  const oursBusy = s('ours/busy');
  if (oursQuiet === undefined || peerQuiet === undefined) {
    targets.push(`MISS  CPU per call-second ≤ baresip's: ${oursQuiet === undefined ? 'no call of ours completed' : 'no baresip call completed'}`);
  } else {
    targets.push(`${mark(oursQuiet.cpuShare <= peerQuiet.cpuShare)}  CPU per call-second ≤ baresip's (quiet, medians): ` +
      `${times(oursQuiet.cpuShare / peerQuiet.cpuShare)} (ours ${percent(oursQuiet.cpuShare)}, baresip ${percent(peerQuiet.cpuShare)} of a core)`);
  }
  const p99Target = (summary: Summary | undefined, limit: number, what: string): string =>
    summary === undefined ? `MISS  send-gap p99 ≤ ${limit} ms ${what}: no call of ours completed`
      : `${mark(summary.p99Ms <= limit)}  send-gap p99 ≤ ${limit} ms ${what}: ${ms(summary.p99Ms)} ms (median of ${summary.runs}; worst run ${ms(summary.worstP99Ms)} ms)`;
  targets.push(p99Target(oursQuiet, TARGET_P99_QUIET_MS, '(quiet)'));
  targets.push(p99Target(oursBusy, TARGET_P99_BUSY_MS, `(${BUSY} core(s) busy)`));
  for (const line of targets) console.log(`  ${line}`);

  // Not targets: whether each limit is within reach of a node process at all on this machine (the floor).
  console.log('\nReach (not a target): the floor, a node process that only sends and receives one RTP stream on an absolute timer schedule');
  const floorQuiet = s('floor/quiet');
  if (floorQuiet !== undefined && peerQuiet !== undefined) {
    console.log(`  ${floorQuiet.cpuShare <= peerQuiet.cpuShare ? 'under' : 'OVER '} baresip's CPU: floor ${percent(floorQuiet.cpuShare)} of a core ` +
      `(${times(floorQuiet.cpuShare / peerQuiet.cpuShare)} baresip's)${oursQuiet === undefined ? '' : `; ours is ${times(oursQuiet.cpuShare / floorQuiet.cpuShare)} the floor`}`);
  }
  for (const [variant, limit] of [['quiet', TARGET_P99_QUIET_MS], ['busy', TARGET_P99_BUSY_MS]] as const) {
    const floor = s(`floor/${variant}`);
    console.log(floor === undefined ? `  —     ${variant}: no floor run`
      : `  ${floor.p99Ms <= limit ? 'under' : 'OVER '} ${limit} ms ${variant}: floor p99 ${ms(floor.p99Ms)} ms, max ${ms(floor.maxMs)} ms`);
  }
  console.log(`\nload average at the end: ${loadText()} (anything else running on the machine shares its cores with the calls)`);
  const misses = targets.filter((t) => t.startsWith('MISS')).length;
  console.log(`\n${targets.length - misses}/${targets.length} targets met; ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

await main();
