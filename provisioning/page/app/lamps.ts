/// <reference lib="dom" />
// The relays and LEDs as the live status shows them, and the latest bell press.

import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import type { VNode } from 'preact';
import type { DeviceStatus } from '../../ports.ts';

export function RelayLamps({ status }: { readonly status: DeviceStatus }): VNode {
  const relays = status.relays ?? [];
  return html`<ul class="lamps" aria-label="Relays">
    ${relays.length === 0 ? html`<li class="muted">No relays configured.</li>` : null}
    ${relays.map((relay) => html`<li class=${relay.active ? 'lamp on' : 'lamp'} data-relay=${relay.id}>
      <span class="dot" aria-hidden="true"></span> Relay ${relay.id}: <strong>${relay.active ? 'on' : 'off'}</strong>
    </li>`)}
  </ul>`;
}

export function LedLamps({ status }: { readonly status: DeviceStatus }): VNode {
  const leds = status.leds ?? [];
  return html`<ul class="lamps" aria-label="LEDs">
    ${leds.length === 0 ? html`<li class="muted">No LEDs configured.</li>` : null}
    ${leds.map((led) => html`<li class=${led.pattern === 'off' ? 'lamp' : 'lamp on'} data-led=${led.id}>
      <span class="dot" aria-hidden="true"></span> LED ${led.id}: <strong>${led.pattern}</strong>
    </li>`)}
  </ul>`;
}

/** How long a press stays lit. */
const LIT_MS = 3000;

/** The latest `buttonPressed` of the event log, lit for a few seconds after it happened. */
export function ButtonIndicator({ status }: { readonly status: DeviceStatus }): VNode {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 500);
    return () => window.clearInterval(timer);
  }, []);
  const press = (status.recentEvents ?? []).find((event) => event.kind === 'buttonPressed');
  const lit = press !== undefined && now - press.at < LIT_MS;
  const button = press?.fields['button'];
  return html`<p class=${lit ? 'lamp on' : 'lamp'} id="button-indicator" role="status">
    <span class="dot" aria-hidden="true"></span>
    ${press === undefined ? 'No press since start.' : html`Last press${button !== undefined ? ` (button ${String(button)})` : ''}: ${new Date(press.at).toLocaleTimeString()}`}
  </p>`;
}
