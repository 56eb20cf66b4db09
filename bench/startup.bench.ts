// Start-up benchmark: spawn → first REGISTER on the wire and spawn → READY=1, then idle memory while registered, for
// our door station beside a bare `node` and baresip (Debian package) in one run. Run through `npm run bench -- startup`.
//
// Our door starts as systemd/sip-doorbell.service starts it: the node flags and program arguments of its ExecStart=
// line (the bundle built from the source now in place of /usr/lib/sip-doorbell/sip-doorbell.js, throwaway config and
// state directories for /etc/sip-doorbell and /var/lib/sip-doorbell), plus `--simulate` because this machine has no
// GPIO; NOTIFY_SOCKET is a real AF_UNIX socket (test/systemd/notifyReceiver.py), so READY=1 goes through
// systemd-notify as on a device, and WATCHDOG_USEC comes from WatchdogSec=. Its account registers at a UDP registrar in
// this process (bench/support/benchRegistrar.ts: 401, then 200), which stamps the first REGISTER's arrival; baresip's
// account registers at one just like it. Once registered, each side idles BENCH_STARTUP_IDLE_SEC (default 5) and its
// VmRSS (and Pss) is read from /proc; a bare `node -e "setInterval(…)"` idles as long: the floor of any node program.
// Two probes that only start and exit tell what part of the start is node itself (`node -e 0`) and node loading our
// bundle (`--version`: no SIP, no config); `node floor` is node started as the unit starts ours sending one fixed
// REGISTER at once: no node program can register sooner. `ours (snapshot)` is ours started from a startup snapshot of
// the same bundle (bench/support/snapshotBlob.ts builds it as a device would); it is left out, with the reason printed,
// when the bundle cannot make one.
// The sides run one at a time, alternating (ours, bare node, baresip, probes, ours, …), BENCH_STARTUP_RUNS rounds
// (default 10) after one warm-up round that is not counted (file cache; our first start writes its state directory).
// BENCH_STARTUP_SIDES (default: all) picks sides by name; BENCH_DOOR_BUNDLE (a prebuilt bundle) and BENCH_DOOR_NODE_FLAGS
// (more node flags for ours, e.g. --cpu-prof) are for finding where the time and memory go.

import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { buildDoor, doorNodeFlags, positiveInt, repoRoot, wantedSides } from './support/benchRun.ts';
import { NotifyListener } from './support/notifyListener.ts';
import { buildSnapshotBlob } from './support/snapshotBlob.ts';
import { type StartupSample, type StartupSide, bareNodeSide, baresipStartupSide, exitProbe, nodeFloorSide, oursStartupSide } from './support/startupSides.ts';
import { printStartupResults } from './support/startupReport.ts';
import { readUnitCommand } from './support/unitCommand.ts';

const RUNS = positiveInt('BENCH_STARTUP_RUNS', 10);
const IDLE_SEC = positiveInt('BENCH_STARTUP_IDLE_SEC', 5);
/** Runs that may fail before the benchmark is abandoned as broken. */
const MAX_FAILURES = 3;

const load = (): string => loadavg().map((l) => l.toFixed(2)).join(' ');

async function main(): Promise<void> {
  const root = repoRoot();
  const unit = readUnitCommand(path.join(root, 'systemd', 'sip-doorbell.service'), /(^|\/)sip-doorbell\.js$/);
  const bundle = await buildDoor(root);
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-startup-'));
  let notify: NotifyListener | undefined;
  const results = new Map<string, StartupSample[]>();
  const failures = new Map<string, number>();
  try {
    notify = await NotifyListener.open(root);
    // Ours again, started from a startup snapshot of the same bundle (node --build-snapshot, as a device would build
    // one), when the bundle can make one.
    const snapshot = buildSnapshotBlob(bundle, unit, dir);
    const fromSnapshot = snapshot.ok
      ? [oursStartupSide({ name: 'ours (snapshot)', nodeFlags: ['--snapshot-blob', snapshot.blob], bundle, unit, notify, dir: path.join(dir, 'snapshot') })]
      : [];
    const all: StartupSide[] = [
      oursStartupSide({ bundle, unit, notify, dir }),
      ...fromSnapshot,
      nodeFloorSide(unit),
      bareNodeSide,
      baresipStartupSide,
      // Both under the unit's environment (NODE_OPTIONS, malloc settings): their difference is our bundle's load alone.
      exitProbe('node -e 0', [...unit.nodeFlags, '-e', '0'], unit.env),
      exitProbe('ours --version', [...unit.nodeFlags, bundle, '--version'], unit.env),
    ];
    const wanted = wantedSides('BENCH_STARTUP_SIDES', all.map((side) => side.name).join(','));
    const sides = all.filter((side) => wanted.includes(side.name));
    console.log(`startup benchmark: node ${process.version}, ${availableParallelism()} CPUs; load average at start ${load()}`);
    console.log(`  ours as the unit starts it: ${unit.execStart}`);
    console.log(`    node flags from the unit: ${unit.nodeFlags.length > 0 ? unit.nodeFlags.join(' ') : '(none)'}; program: this tree's bundle; ` +
      `+ --simulate (no GPIO here: the simulator's buttons, relays and audio)`);
    console.log(`    environment from the unit: ${Object.entries(unit.env).map(([k, v]) => `${k}=${v}`).join(' ') || '(none)'}; + NOTIFY_SOCKET ` +
      `(the probes below get the unit's environment too; bare node and baresip get none)`);
    if (doorNodeFlags().length > 0) console.log(`    + BENCH_DOOR_NODE_FLAGS for ours: ${doorNodeFlags().join(' ')} (not the unit's: figures not comparable)`);
    console.log(snapshot.ok
      ? `  ours (snapshot): the same, with --snapshot-blob <a blob of the bundle, built in ${snapshot.ms.toFixed(0)} ms under the unit's ` +
        `${unit.nodeFlags.length > 0 ? `node flags and ` : ''}environment>`
      : `  ours (snapshot): not measured, no blob: ${snapshot.reason}`);
    console.log('  node floor: node as the unit starts it, sending one fixed REGISTER at once (the least any node program takes)');
    console.log(`  registrar: UDP on 127.0.0.1 in this process (401, then 200); ${RUNS} run(s) per side after 1 warm-up, sides ` +
      `alternating, one at a time; idle ${IDLE_SEC} s once registered, then VmRSS/Pss from /proc`);
    for (let round = 0; round <= RUNS; round++) {
      const warmUp = round === 0;
      const line: string[] = [];
      for (const side of sides) {
        try {
          const sample = await side.measure(warmUp ? 0 : IDLE_SEC * 1000);
          line.push(`${side.name} ${brief(sample)}`);
          if (!warmUp) results.set(side.name, [...(results.get(side.name) ?? []), sample]);
        } catch (error) {
          failures.set(side.name, (failures.get(side.name) ?? 0) + 1);
          line.push(`${side.name} FAILED`);
          console.log(`  ${side.name} FAILED: ${(error as Error).message.replace(/\n/g, '\n      ')}`);
          const failed = [...failures.values()].reduce((a, b) => a + b, 0);
          if (failed > MAX_FAILURES) throw new Error(`more than ${MAX_FAILURES} runs failed`);
        }
      }
      console.log(`  ${warmUp ? 'warm-up' : `run ${round}/${RUNS}`} (load ${loadavg()[0]!.toFixed(2)}): ${line.join(' | ')}`);
    }
  } finally {
    notify?.close();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(`load average at end ${load()}`);
  printStartupResults(results, failures);
}

/** One sample in a few characters, for the per-run line. */
function brief(s: StartupSample): string {
  const parts = [
    s.registerMs !== undefined ? `REGISTER ${s.registerMs.toFixed(0)} ms` : '',
    s.readyMs !== undefined ? `READY ${s.readyMs.toFixed(0)} ms` : '',
    s.exitMs !== undefined ? `exit ${s.exitMs.toFixed(0)} ms` : '',
    s.memory !== undefined ? `${(s.memory.rssKb / 1024).toFixed(1)} MiB` : '',
  ];
  return parts.filter((p) => p !== '').join(' ') || 'ok';
}

await main();
