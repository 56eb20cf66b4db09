// The start from a V8 startup snapshot (node --build-snapshot <bundle>, then node --snapshot-blob <blob> <bundle>):
// while node builds the snapshot, the program's modules are evaluated into it and main waits for the start from it.
import { startupSnapshot } from 'node:v8';

/** What of node:v8's `startupSnapshot` the start needs (tests give their own). */
export interface SnapshotHooks {
  isBuildingSnapshot(): boolean;
  setDeserializeMainFunction(main: () => void): void;
}

/**
 * Runs `main` now; or, while node is building a startup snapshot from the bundle, once node starts from that
 * snapshot. Nothing `main` does (sockets, timers, files, the native GPIO add-on) then happens at build time, where
 * node could not keep it; process.argv and process.env are those of the start from the snapshot.
 */
export function runNowOrFromSnapshot(main: () => void, hooks: SnapshotHooks = startupSnapshot): void {
  if (hooks.isBuildingSnapshot()) hooks.setDeserializeMainFunction(main);
  else main();
}
