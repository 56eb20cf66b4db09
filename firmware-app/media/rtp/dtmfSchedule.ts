// When the packets of one RFC 4733 event go out (§2.5.1): updates every 50 ms, then the end packet three times.

/** One packet of an event, `atMs` after the event started; all of them carry the event's start timestamp. */
export interface DtmfStep {
  readonly atMs: number;
  /** §2.5.1: the first packet of an event sets the marker bit. */
  readonly marker: boolean;
  readonly end: boolean;
  /** Duration field, in ms (the sender converts it to timestamp units). */
  readonly durationMs: number;
}

export interface DtmfTiming {
  /** How long the digit sounds (e.g. 100 ms; gateways want at least 40). */
  readonly durationMs: number;
  /** Interval of the update packets (§2.5.1 suggests 50 ms). */
  readonly updateMs?: number;
  /** How often the end packet is sent (§2.5.1: the final packet is sent three times in all). */
  readonly endRepeats?: number;
  /** Spacing of the repeated end packets, so that one burst of loss does not take all of them. */
  readonly endSpacingMs?: number;
}

/**
 * The packets of one event. Each reports the duration elapsed when it leaves: the first at one update interval (a
 * zero duration is ignored by some receivers), the end packets the whole duration. The marker goes on the first,
 * whatever it is; an event shorter than one interval is its end packets only.
 */
export function dtmfSchedule(timing: DtmfTiming): DtmfStep[] {
  const update = timing.updateMs ?? 50;
  const repeats = Math.max(1, timing.endRepeats ?? 3);
  const spacing = timing.endSpacingMs ?? 20;
  const steps: DtmfStep[] = [];
  for (let at = update; at < timing.durationMs; at += update) {
    steps.push({ atMs: at, marker: steps.length === 0, end: false, durationMs: at });
  }
  for (let i = 0; i < repeats; i++) {
    steps.push({ atMs: timing.durationMs + i * spacing, marker: steps.length === 0, end: true, durationMs: timing.durationMs });
  }
  return steps;
}
