// The status screen: a door that could not start (a red notice on top), registration, the current call, the last
// calls and door openings, refused SIP requests.

import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import type { VNode } from 'preact';
import type { DoorEvent, DoorEventKind } from '../../../../firmware-app/doorbell/ports.ts';
import type { DeviceStatus, NotRunning } from '../../../ports.ts';
import type { ScreenProps } from '../App.ts';

const CALL_KINDS: ReadonlySet<DoorEventKind> = new Set(['buttonPressed', 'callStarted', 'callAnswered', 'callEnded', 'callIncoming']);
const DOOR_KINDS: ReadonlySet<DoorEventKind> = new Set(['doorOpened', 'doorCodeRejected', 'doorCodesLocked', 'chimeRang']);

const KIND_LABELS: Readonly<Record<DoorEventKind, string>> = {
  buttonPressed: 'Bell pressed',
  callStarted: 'Call started',
  callAnswered: 'Call answered',
  callEnded: 'Call ended',
  callIncoming: 'Incoming call',
  doorOpened: 'Door opened',
  doorCodeRejected: 'Wrong door code',
  doorCodesLocked: 'Door codes locked',
  registered: 'Registered',
  registrationFailed: 'Registration failed',
  chimeRang: 'Chime rang',
};

const REGISTRATION_LABELS: Readonly<Record<string, readonly [string, string]>> = {
  registered: ['Registered', 'good'],
  registering: ['Registering…', 'warn'],
  failed: ['Not registered', 'bad'],
  standalone: ['Standalone (own registrar)', 'good'],
};

export function time(at: number): string {
  return new Date(at).toLocaleString();
}

function EventList(props: { readonly title: string; readonly events: readonly DoorEvent[] }): VNode {
  return html`<section class="card">
    <h2>${props.title}</h2>
    ${props.events.length === 0 ? html`<p class="muted">None yet.</p>` : html`<ul class="events">
      ${props.events.slice(0, 10).map((event) => html`<li>
        <time>${time(event.at)}</time> <strong>${KIND_LABELS[event.kind] ?? event.kind}</strong>
        ${Object.entries(event.fields).map(([key, value]) => html` <span class="fact">${key}: ${String(value)}</span>`)}
      </li>`)}
    </ul>`}
  </section>`;
}

function Row(props: { readonly label: string; readonly value: string | undefined }): VNode | null {
  return props.value === undefined || props.value === '' ? null : html`<dt>${props.label}</dt><dd>${props.value}</dd>`;
}

/** The factory configuration runs (no usable file), or the running one lacks something on this device. */
function ConfigNotice({ origin }: { readonly origin: DeviceStatus['configOrigin'] | undefined }): VNode | null {
  if (origin === undefined) return null;
  const kept = origin.keptAs !== undefined && origin.keptAs.length > 0 ? html` The unusable file was kept as ${origin.keptAs.join(', ')}.` : null;
  return html`${origin.from === 'factory' ? html`<p class="error-box" role="alert" id="config-origin">
      No usable configuration file (${origin.reason}): the door station runs on the factory configuration. Set it up
      here, or import a saved configuration (Maintenance); the first save writes the file.${kept}</p>` : null}
    ${origin.problems.length > 0 ? html`<div class="error-box" role="alert" id="config-problems">
      The door station runs without what this device cannot do; fix these settings:
      <ul>${origin.problems.map((problem) => html`<li>${problem}</li>`)}</ul></div>` : null}`;
}

/** Whole seconds from `now` until `at` (both wall-clock milliseconds), rounded up and never negative. */
export function secondsUntil(at: number, now: number): number {
  return Math.max(0, Math.ceil((at - now) / 1000));
}

/** The red notice for a door that could not start, as it reads at `now` (the browser's clock). */
export function NotRunningBanner({ notRunning, now }: { readonly notRunning: NotRunning; readonly now: number }): VNode {
  const reason = notRunning.reason.trim().replace(/\.+$/, '') || 'no reason given';
  // `attempts` have failed so far: the next try is the one after. The countdown changes every second, so only the
  // notice's arrival is announced, not each tick.
  return html`<div class="error-box" role="alert" id="not-running">
    <p><strong>The door is not running: ${reason}. Next try in <span aria-live="off">${secondsUntil(notRunning.nextTry, now)} s</span> (attempt ${notRunning.attempts + 1}).</strong></p>
    <p>Down since ${time(notRunning.since)}; the door station keeps trying on its own.</p>
  </div>`;
}

/** The notice, counting down by the browser's clock once a second while it is shown. */
function NotRunningNotice({ notRunning }: { readonly notRunning: NotRunning }): VNode {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, []);
  return html`<${NotRunningBanner} notRunning=${notRunning} now=${now} />`;
}

export function StatusScreen({ status }: ScreenProps): VNode {
  const registration = status.registration;
  const [label, tone] = REGISTRATION_LABELS[registration.state] ?? [registration.state, 'warn'];
  const refused = Object.entries(status.refused ?? {});
  const events = status.recentEvents ?? [];
  return html`<h1>Status</h1>
    ${status.notRunning !== undefined ? html`<${NotRunningNotice} notRunning=${status.notRunning} />` : null}
    <${ConfigNotice} origin=${status.configOrigin} />
    <div class="grid">
      <section class="card">
        <h2>SIP</h2>
        <p><span class=${`badge ${tone}`} id="registration-state">${label}</span></p>
        <dl>
          <${Row} label="Mode" value=${status.sipMode === 'registered' ? 'PBX account' : 'standalone'} />
          <${Row} label="Reason" value=${registration.reason} />
          <${Row} label="Server" value=${registration.server} />
          <${Row} label="Address the server sees" value=${registration.publicAddress} />
        </dl>
      </section>
      <section class="card">
        <h2>Door</h2>
        <dl>
          <${Row} label="State" value=${status.door.state} />
          <${Row} label="Current call" value=${status.door.call ?? 'none'} />
          <${Row} label="Version" value=${status.version} />
        </dl>
      </section>
      <section class="card">
        <h2>Refused SIP requests</h2>
        ${refused.length === 0 ? html`<p class="muted">None since start.</p>` : html`<dl>
          ${refused.map(([reason, count]) => html`<dt>${reason}</dt><dd>${count}</dd>`)}
        </dl>`}
      </section>
    </div>
    <div class="grid">
      <${EventList} title="Last calls" events=${events.filter((e) => CALL_KINDS.has(e.kind))} />
      <${EventList} title="Door openings" events=${events.filter((e) => DOOR_KINDS.has(e.kind))} />
    </div>`;
}
