/// <reference lib="dom" />
// Hardware self-test: pulse a relay, open the door, the LEDs and the bell button as the device reports them, a
// test call. (A microphone meter and a speaker tone need API routes the device does not offer yet.)

import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import type { VNode } from 'preact';
import { ActionButton } from '../action.ts';
import type { ScreenProps } from '../App.ts';
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
      <input id="pulse-ms" type="number" min="50" max="30000" step="50" value=${ms}
        onInput=${(e: Event) => setMs((e.currentTarget as HTMLInputElement).value)} /></div>
    <div class="field"><${ActionButton} api=${api} url="/api/actions/pulse-relay" label="Pulse relay" disabled=${chosen === ''}
      body=${() => (Number.isFinite(Number(ms)) && ms.trim() !== '' ? { relay: chosen, ms: Number(ms) } : { relay: chosen })} /></div>
  </div>`;
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
      </section>
      <section class="card">
        <h2>Test call</h2>
        <p class="muted">Rings the first button's plan as a press would (without the chime).</p>
        <${ActionButton} api=${api} url="/api/actions/test-call" label="Start test call" />
        <p class="muted">Door state: ${status.door.state}</p>
      </section>
    </div>
    <p class="muted">A microphone level meter and a speaker test tone are not offered by this device yet.</p>`;
}
