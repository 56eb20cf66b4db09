// Simulator: a virtual bell button per configured button; the relays and LEDs as the simulated hardware sets them.

import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { ActionButton } from '../action.ts';
import type { ScreenProps } from '../App.ts';
import { ButtonIndicator, LedLamps, RelayLamps } from '../lamps.ts';
import { idOptions, useSection } from '../options.ts';

export function SimulatorScreen({ api, status }: ScreenProps): VNode {
  const buttons = useSection(api, 'buttons');
  const ids = idOptions(buttons).map(([id]) => id);
  return html`<h1>Simulator</h1>
    <div class="grid">
      <section class="card">
        <h2>Bell buttons</h2>
        ${buttons === undefined ? html`<p class="muted">Loading…</p>` : null}
        <div class="bells">
          ${(ids.length === 0 && buttons !== undefined ? ['1'] : ids).map((id) => html`<${ActionButton} api=${api}
            url=${`/api/simulate/button/${encodeURIComponent(id)}`} label=${`Ring button ${id}`} className="bell" />`)}
        </div>
        <${ButtonIndicator} status=${status} />
        <p class="muted">Door state: ${status.door.state}${status.door.call !== undefined ? ` (call ${status.door.call})` : ''}</p>
      </section>
      <section class="card"><h2>Relays</h2><${RelayLamps} status=${status} /></section>
      <section class="card"><h2>LEDs</h2><${LedLamps} status=${status} /></section>
    </div>`;
}
