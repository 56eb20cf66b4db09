// The start-up benchmark's report: medians with min–max per side, the ratios against bare node and baresip, the
// share of the start that is node and our bundle's load, and PASS/MISS for the issue's targets.

import { table, times } from './format.ts';
import type { IdleMemory } from './procStats.ts';
import type { StartupSample } from './startupSides.ts';

/** Our median spawn → first REGISTER (ms). */
const TARGET_REGISTER_MS = 80;
/** Our median idle VmRSS over a bare node's. */
const TARGET_RSS_RATIO = 1.2;

interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

function spread(values: readonly number[]): Spread | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { median, min: sorted[0]!, max: sorted[sorted.length - 1]! };
}

type Results = ReadonlyMap<string, readonly StartupSample[]>;

function of(results: Results, side: string, pick: (s: StartupSample) => number | undefined): Spread | undefined {
  return spread((results.get(side) ?? []).flatMap((s) => {
    const v = pick(s);
    return v === undefined ? [] : [v];
  }));
}

const memoryOf = (pick: (m: IdleMemory) => number | undefined) => (s: StartupSample): number | undefined =>
  s.memory === undefined ? undefined : pick(s.memory);

const ms = (s: Spread | undefined): string => (s === undefined ? '—' : `${s.median.toFixed(1)} (${s.min.toFixed(0)}–${s.max.toFixed(0)})`);
const mib = (s: Spread | undefined): string =>
  s === undefined ? '—' : `${(s.median / 1024).toFixed(1)} (${(s.min / 1024).toFixed(1)}–${(s.max / 1024).toFixed(1)})`;
const ratio = (a: Spread | undefined, b: Spread | undefined): string => (a !== undefined && b !== undefined && b.median > 0 ? times(a.median / b.median) : '—');

export function printStartupResults(results: Results, failures: ReadonlyMap<string, number>): void {
  const sides = [...results.keys()];
  const runs = (side: string): string => `${results.get(side)!.length}${(failures.get(side) ?? 0) > 0 ? ` (+${failures.get(side)} failed)` : ''}`;
  const register = (side: string): Spread | undefined => of(results, side, (s) => s.registerMs);

  console.log('\nStart, ms from spawn: median (min–max)');
  const starts = sides.map((side) => [side, runs(side), ms(register(side)), ms(of(results, side, (s) => s.readyMs)),
    ms(of(results, side, (s) => s.registeredMs)), ms(of(results, side, (s) => s.exitMs))]);
  if (results.has('ours') && results.has('baresip')) {
    const [o, b] = [register('ours'), register('baresip')];
    const [or, br] = [of(results, 'ours', (s) => s.registeredMs), of(results, 'baresip', (s) => s.registeredMs)];
    starts.push(['ours/baresip', '', ratio(o, b), '', ratio(or, br), '']);
  }
  console.log(table([['side', 'runs', '→ first REGISTER', '→ READY=1', '→ registered (200)', '→ exit'], ...starts],
    ['left', 'right', 'right', 'right', 'right', 'right']));

  const rss = (side: string): Spread | undefined => of(results, side, memoryOf((m) => m.rssKb));
  const memorySides = sides.filter((side) => rss(side) !== undefined);
  if (memorySides.length > 0) {
    console.log(`\nIdle memory (registered, after the idle time), MiB: median (min–max)`);
    const rows = memorySides.map((side) => [side, mib(rss(side)), mib(of(results, side, memoryOf((m) => m.anonKb))),
      mib(of(results, side, memoryOf((m) => m.fileKb))), mib(of(results, side, memoryOf((m) => m.pssKb)))]);
    for (const side of ['ours', 'ours (snapshot)']) {
      for (const peer of ['bare node', 'baresip']) {
        if (results.has(side) && rss(peer) !== undefined) {
          const r = (pick: (m: IdleMemory) => number | undefined): string =>
            ratio(of(results, side, memoryOf(pick)), of(results, peer, memoryOf(pick)));
          rows.push([`${side}/${peer}`, r((m) => m.rssKb), r((m) => m.anonKb), r((m) => m.fileKb), r((m) => m.pssKb)]);
        }
      }
    }
    console.log(table([['side', 'VmRSS', 'RssAnon', 'RssFile', 'Pss'], ...rows], ['left', 'right', 'right', 'right', 'right']));
  }

  const nodeExit = of(results, 'node -e 0', (s) => s.exitMs);
  const versionExit = of(results, 'ours --version', (s) => s.exitMs);
  const ours = register('ours');
  if (nodeExit !== undefined && versionExit !== undefined) {
    console.log(`\n  node alone starts and exits in ${nodeExit.median.toFixed(1)} ms; with our bundle loaded (--version, no SIP) in ` +
      `${versionExit.median.toFixed(1)} ms: the bundle's load costs ≈ ${(versionExit.median - nodeExit.median).toFixed(1)} ms` +
      (ours !== undefined ? `; our first REGISTER comes ${(ours.median - versionExit.median).toFixed(1)} ms after that (config, state, stack, hal)` : ''));
  }

  console.log('\nTargets');
  const peer = register('baresip');
  const bareRss = rss('bare node');
  for (const side of ['ours', 'ours (snapshot)'].filter((name) => results.has(name) || name === 'ours')) {
    const start = register(side);
    const versus = start !== undefined && peer !== undefined ? ` (baresip ${peer.median.toFixed(1)} ms)` : '';
    const floor = register('node floor');
    const above = start !== undefined && floor !== undefined ? `; node floor ${floor.median.toFixed(1)} ms` : '';
    console.log(start === undefined ? `  MISS  ${side}: first REGISTER ≤ ${TARGET_REGISTER_MS} ms after start: no run measured`
      : `  ${start.median <= TARGET_REGISTER_MS ? 'PASS' : 'MISS'}  ${side}: first REGISTER ≤ ${TARGET_REGISTER_MS} ms after start (median): ` +
        `${start.median.toFixed(1)} ms${versus}${above}`);
    const sideRss = rss(side);
    console.log(sideRss === undefined || bareRss === undefined ? `  MISS  ${side}: idle RSS ≤ ${TARGET_RSS_RATIO}× bare node: not both measured`
      : `  ${sideRss.median <= TARGET_RSS_RATIO * bareRss.median ? 'PASS' : 'MISS'}  ${side}: idle RSS ≤ ${TARGET_RSS_RATIO}× bare node (median): ` +
        `${times(sideRss.median / bareRss.median)} (${(sideRss.median / 1024).toFixed(1)} MiB vs ${(bareRss.median / 1024).toFixed(1)} MiB)`);
  }
}
