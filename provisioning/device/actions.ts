// What the page may make the device do (POST /api/actions/…, /api/simulate/button/<id>), on the door application and,
// in the simulator, on its virtual buttons. Each answer says what happened in words safe to show.

import type { DoorStation } from '../../firmware-app/doorbell/DoorStation.ts';
import type { DoorAudio } from '../../firmware-app/media/DoorAudio.ts';
import type { ActionResult, DeviceActions, MicTestResult } from '../ports.ts';

/** How long the LED self-test blinks, and how long the microphone self-test listens. */
export const LED_TEST_MS = 3000;
export const MIC_TEST_MS = 2000;

export interface ActionParts {
  /** `testLeds` is optional: without it the LED self-test is refused (`UNAVAILABLE`). */
  readonly station: Pick<DoorStation, 'press' | 'openDoor' | 'testRelay'> & Partial<Pick<DoorStation, 'testLeds'>>;
  /** The door's microphone and speaker; without them the audio self-tests are refused (`UNAVAILABLE`). */
  readonly audio?: Pick<DoorAudio, 'testSpeaker' | 'testMicrophone'>;
  /** Relay ids the configuration names, and the relay door codes open (the first code's; else `door`). */
  readonly relays: readonly string[];
  readonly doorRelay: string;
  /** Button ids in configuration order. */
  readonly buttons: readonly string[];
  /** Simulator only: presses a virtual button as a finger would (edges, debounce and all). */
  readonly pressVirtualButton?: (id: string) => boolean;
}

const fail = (code: string, message: string): ActionResult & { readonly ok: false } => ({ ok: false, code, message });
const AUDIO_BUSY = (): ActionResult & { readonly ok: false } => fail('AUDIO_BUSY', 'a call holds the microphone and speaker; try again when it is over');
const NO_AUDIO = (): ActionResult & { readonly ok: false } => fail('UNAVAILABLE', 'this device has no audio self-test');

async function micTest(audio: ActionParts['audio']): Promise<MicTestResult> {
  if (audio === undefined) return NO_AUDIO();
  const pending = audio.testMicrophone(MIC_TEST_MS);
  if (pending === undefined) return AUDIO_BUSY();
  const { levelDbfs, frames, cancelled } = await pending;
  if (cancelled) return fail('CANCELLED', 'a call started: the microphone and speaker went to the call; test again when it is over');
  if (frames === 0) return fail('MIC_SILENT', 'the microphone delivered no sound (not connected, or failing: see the log)');
  return { ok: true, detail: `microphone level ${levelDbfs.toFixed(1)} dBFS`, levelDbfs };
}

/** While the door application is not running, nothing can be done with its hardware or calls. */
const NOT_RUNNING = (): ActionResult & { readonly ok: false } => fail('NOT_RUNNING', 'the door application is not running (the status page says why); it starts again on its own');

/**
 * `running` gives the parts of now, undefined while the door application is not running: a saved configuration
 * replaces the door application and its relays.
 */
export function createDeviceActions(running: () => ActionParts | undefined, simulator: boolean): DeviceActions {
  /** `act` with the parts of now; NOT_RUNNING while there are none. */
  const withParts = <T>(act: (parts: ActionParts) => T): T | ReturnType<typeof NOT_RUNNING> => {
    const parts = running();
    return parts === undefined ? NOT_RUNNING() : act(parts);
  };
  return {
    openDoor: (asked) => withParts((parts) => {
      const relay = asked ?? parts.doorRelay;
      if (!parts.relays.includes(relay)) return fail('UNKNOWN_RELAY', `no relay ${relay}`);
      const ms = parts.station.openDoor(relay, 'page');
      return ms > 0 ? { ok: true, detail: `relay ${relay} pulsed for ${ms} ms` } : fail('RELAY_FAILED', `relay ${relay} could not be pulsed (not wired?)`);
    }),
    testCall: (asked) => withParts((parts) => {
      const button = asked ?? parts.buttons[0];
      if (button === undefined || !parts.station.press(button)) return fail('UNKNOWN_BUTTON', `no button ${button ?? ''}`.trim());
      return { ok: true, detail: `button ${button}'s plan rings` };
    }),
    pulseRelay: (relay, ms = 500) => withParts((parts) => {
      if (!parts.relays.includes(relay)) return fail('UNKNOWN_RELAY', `no relay ${relay}`);
      if (!Number.isInteger(ms) || ms <= 0) return fail('INVALID', 'ms must be a positive whole number');
      const granted = parts.station.testRelay(relay, ms);
      return granted > 0 ? { ok: true, detail: `relay ${relay} pulsed for ${granted} ms` } : fail('RELAY_FAILED', `relay ${relay} could not be pulsed (not wired?)`);
    }),
    ledTest: () => withParts(({ station }) => {
      if (station.testLeds === undefined) return fail('UNAVAILABLE', 'this device has no LED self-test');
      return station.testLeds(LED_TEST_MS) ? { ok: true, detail: `every LED blinks fast for ${LED_TEST_MS / 1000} s` } : fail('STOPPED', 'the door application is not running');
    }),
    speakerTest: () => withParts(({ audio }) => {
      if (audio === undefined) return NO_AUDIO();
      return audio.testSpeaker() ? { ok: true, detail: 'the speaker plays the door-opened tone' } : AUDIO_BUSY();
    }),
    micTest: async () => withParts(({ audio }) => micTest(audio)),
    ...(simulator
      ? {
        pressButton: (id: string): ActionResult => withParts((parts) => (parts.pressVirtualButton?.(id) === true ? { ok: true, detail: `button ${id} pressed` } : fail('UNKNOWN_BUTTON', `no button ${id}`))),
      }
      : {}),
  };
}
