// Press benchmark: button edge → INVITE on the wire, for our door station and for baresip (Debian package) in one
// run. Run through `npm run bench -- press`.
//
// Both doors run side by side for the whole run and are pressed in turn (ours, baresip, ours, …: a drift of the
// machine hits both alike). A press is a line on the door's stdin: `ring` for ours (the simulator presses its bell
// button), `/dial <uri>` for baresip (its stdio module). The clock starts just before the line is written and stops
// when the INVITE's datagram reaches the peer, this process (bench/support/busyPeer.ts: a UDP socket on 127.0.0.1
// stamping arrivals with process.hrtime.bigint()), so both sides include the same pipe and loopback hops. The peer
// declines every INVITE with 486 Busy Here, waits for the ACK, and the next press comes SETTLE_MS later (more than
// the door's 40 ms debounce, so no press is swallowed as a bounce).
// BENCH_PRESS_COUNT presses per side are measured (default 100) after BENCH_PRESS_WARMUP (default 5) not measured.
// BENCH_PRESS_SIDES=ours,baresip (the default) picks the sides.

import { availableParallelism, loadavg } from 'node:os';
import { buildDoor, positiveInt, repoRoot, sleep, wantedSides } from './support/benchRun.ts';
import { BusyPeer } from './support/busyPeer.ts';
import { table, times } from './support/format.ts';
import { type PressDoor, type PressSide, baresipPressSide, oursPressSide } from './support/pressSides.ts';

const COUNT = positiveInt('BENCH_PRESS_COUNT', 100);
const WARMUP = positiveInt('BENCH_PRESS_WARMUP', 5);
const SETTLE_MS = 150;
const INVITE_TIMEOUT_MS = 2000;
/** Presses that may fail (no INVITE, no ACK) before the run is abandoned as broken. */
const MAX_FAILURES = 10;
/** Our median, button edge to INVITE. */
const TARGET_MEDIAN_MS = 1.5;

/** One press: milliseconds from the line's write to the INVITE's arrival; the call is over (ACKed) when it resolves. */
async function press(door: PressDoor, peer: BusyPeer): Promise<number> {
  const arriving = peer.nextInvite(INVITE_TIMEOUT_MS);
  arriving.catch(() => {}); // awaited below, raced with the door's exit
  const pressedAt = door.press();
  const arrival = await Promise.race([arriving, door.exited]);
  await Promise.race([arrival.acked, door.exited]);
  return Number(arrival.at - pressedAt) / 1e6;
}

interface Stats {
  readonly n: number;
  readonly median: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}

/** Nearest-rank percentile of sorted values. */
function rank(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function stats(values: readonly number[]): Stats | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { n: sorted.length, median, p90: rank(sorted, 90), p99: rank(sorted, 99), max: sorted[sorted.length - 1]! };
}

const ms = (v: number): string => `${v.toFixed(2)} ms`;

function printTable(rows: ReadonlyArray<readonly [string, Stats | undefined, number]>): void {
  const header = ['door side', 'presses', 'median', 'p90', 'p99', 'max'];
  const lines = rows.map(([name, s, failed]) => s === undefined ? [name, `0 (+${failed} failed)`, '—', '—', '—', '—']
    : [name, `${s.n}${failed > 0 ? ` (+${failed} failed)` : ''}`, ms(s.median), ms(s.p90), ms(s.p99), ms(s.max)]);
  const ours = rows.find(([name]) => name === 'ours')?.[1];
  const peer = rows.find(([name]) => name === 'baresip')?.[1];
  if (ours !== undefined && peer !== undefined) {
    const r = (a: number, b: number): string => (b > 0 ? times(a / b) : '—');
    lines.push(['ours/baresip', '', r(ours.median, peer.median), r(ours.p90, peer.p90), r(ours.p99, peer.p99), r(ours.max, peer.max)]);
  }
  console.log(table([header, ...lines], ['left', 'right', 'right', 'right', 'right', 'right']));
}

async function main(): Promise<void> {
  const bundle = await buildDoor(repoRoot());
  const peer = await BusyPeer.open();
  const wanted = wantedSides('BENCH_PRESS_SIDES', 'ours,baresip');
  const sides: PressSide[] = [oursPressSide(bundle), baresipPressSide].filter((side) => wanted.includes(side.name));
  console.log(`press benchmark: node ${process.version}, ${availableParallelism()} CPUs; button edge (a line on the door's stdin) → ` +
    `INVITE at a UDP peer on 127.0.0.1 (486 Busy Here, ACK, ${SETTLE_MS} ms settle); ${WARMUP} warm-up + ${COUNT} measured ` +
    `press(es) per side, sides alternating; load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const doors: PressDoor[] = [];
  const results = new Map<string, number[]>(sides.map((side) => [side.name, []]));
  const failures = new Map<string, number>(sides.map((side) => [side.name, 0]));
  let failed = 0;
  try {
    for (const side of sides) doors.push(await side.start(peer.uri));
    for (let i = 0; i < WARMUP + COUNT; i++) {
      for (const door of doors) {
        try {
          const took = await press(door, peer);
          if (i >= WARMUP) results.get(door.name)!.push(took);
        } catch (error) {
          failures.set(door.name, failures.get(door.name)! + 1);
          console.log(`  press ${i + 1} ${door.name} FAILED: ${(error as Error).message.replace(/\n/g, '\n      ')}`);
          if (++failed > MAX_FAILURES) throw new Error(`more than ${MAX_FAILURES} presses failed; ${door.name}'s last lines:\n${door.output()}`);
        }
        await sleep(SETTLE_MS);
      }
    }
  } finally {
    await Promise.all(doors.map((door) => door.stop()));
    peer.close();
  }
  if (peer.strays > 0) console.log(`  note: ${peer.strays} INVITE(s) arrived while no press waited (late ones from failed presses)`);

  console.log('\nButton edge → INVITE on the wire');
  const rows = sides.map((side) => [side.name, stats(results.get(side.name)!), failures.get(side.name)!] as const);
  printTable(rows);

  console.log('\nTargets');
  const ours = stats(results.get('ours') ?? []);
  const peerStats = stats(results.get('baresip') ?? []);
  const versus = ours !== undefined && peerStats !== undefined ? ` (${times(ours.median / peerStats.median)} baresip's ${ms(peerStats.median)})` : '';
  console.log(ours === undefined ? `  MISS  median < ${TARGET_MEDIAN_MS} ms: no press of ours measured`
    : `  ${ours.median < TARGET_MEDIAN_MS ? 'PASS' : 'MISS'}  median < ${TARGET_MEDIAN_MS} ms: ${ms(ours.median)}${versus}`);
}

await main();
