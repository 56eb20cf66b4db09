/// <reference lib="dom" />
// Hardware self-test: pulse a relay, open the door, the LEDs and the bell button as the device reports them, an LED
// blink test, a speaker test tone, a microphone level meter, a test call.

import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import type { VNode } from 'preact';
import { ActionButton } from '../action.ts';
import type { ScreenProps } from '../App.ts';
import { asNumber, getAt, type Json } from '../json.ts';
import { ButtonIndicator, LedLamps, RelayLamps } from '../lamps.ts';

function PulseRelay({ api, relays }: Pick<ScreenProps, 'api'> & { readonly relays: readonly string[] }): VNode {
  const [relay, setRelay] = useState(relays[0] ?? '');
  const [ms, setMs] = useState('500');
  const chosen = relays.includes(relay) ? relay : (relays[0] ?? '');
  return html`<div class="row">
    <div class="field"><label for="pulse-relay">Relay</label>
      <select id="pulse-relay" value=${chosen} onChange=${(e: Event) => setRelay((e.currentTarget as HTMLSelectElement).value)}>
        ${relays.map((id) => html`<option value=${id}>${id}</option>`)}
      </select></div>
    <div class="field"><label for="pulse-ms">Pulse (ms)</label>
      <input id="pulse-ms" type="number" inputmode="numeric" min="50" max="30000" step="50" value=${ms}
        onInput=${(e: Event) => setMs((e.currentTarget as HTMLInputElement).value)} /></div>
    <div class="field"><${ActionButton} api=${api} url="/api/actions/pulse-relay" label="Pulse relay" disabled=${chosen === ''}
      body=${() => (Number.isFinite(Number(ms)) && ms.trim() !== '' ? { relay: chosen, ms: Number(ms) } : { relay: chosen })} /></div>
  </div>`;
}

/** The quietest level the device reports (silence), the bottom of the meter. */
const FLOOR_DBFS = -96;

function MicLevel({ api }: Pick<ScreenProps, 'api'>): VNode {
  const [level, setLevel] = useState<number | undefined>(undefined);
  return html`<p><${ActionButton} api=${api} url="/api/actions/mic-test" label="Measure the microphone (2 s)"
      onAnswer=${(data: Json) => setLevel(asNumber(getAt(data, 'levelDbfs')))} /></p>
    <p><label for="mic-level">Level</label>
      <meter id="mic-level" min=${FLOOR_DBFS} max="0" low="-50" high="-6" optimum="-20" value=${level ?? FLOOR_DBFS}></meter>
      <span id="mic-level-text" class="muted">${level === undefined ? 'not measured yet' : `${level.toFixed(1)} dBFS`}</span></p>`;
}

export function SelfTestScreen({ api, status }: ScreenProps): VNode {
  return html`<h1>Hardware self-test</h1>
    <div class="grid">
      <section class="card">
        <h2>Relays</h2>
        <${RelayLamps} status=${status} />
        <${PulseRelay} api=${api} relays=${(status.relays ?? []).map((r) => r.id)} />
        <p><${ActionButton} api=${api} url="/api/actions/open-door" label="Open the door" className="secondary" /></p>
      </section>
      <section class="card">
        <h2>Bell button</h2>
        <p class="muted">Press the real button: the indicator lights up.</p>
        <${ButtonIndicator} status=${status} />
      </section>
      <section class="card">
        <h2>LEDs</h2>
        <${LedLamps} status=${status} />
        <p class="muted">Every LED blinks fast for 3 s, then shows the status again.</p>
        <${ActionButton} api=${api} url="/api/actions/led-test" label="Test the LEDs" />
      </section>
      <section class="card">
        <h2>Speaker</h2>
        <p class="muted">The door's speaker plays a short tone (not during a call).</p>
        <${ActionButton} api=${api} url="/api/actions/speaker-test" label="Play a test tone" />
      </section>
      <section class="card">
        <h2>Microphone</h2>
        <p class="muted">Speak at the door while it listens (not during a call). Talking close by reads about −30 to −10 dBFS.</p>
        <${MicLevel} api=${api} />
      </section>
      <section class="card">
        <h2>Test call</h2>
        <p class="muted">Rings the first button's plan as a press would (without the chime).</p>
        <${ActionButton} api=${api} url="/api/actions/test-call" label="Start test call" />
        <p class="muted">Door state: ${status.door.state}</p>
      </section>
    </div>`;
}
