/// <reference lib="dom" />
// General door settings (the `doorbell` section's own values): the time zone schedules run in, the bell button's
// debounce, the longest call and its warning tone, how many events the log keeps.

import { html } from 'htm/preact';
import type { VNode } from 'preact';
import type { ScreenProps } from '../App.ts';
import { NumberField, TextField } from '../fields.ts';
import { value, type Form } from '../form.ts';
import { SectionForm } from '../SectionForm.ts';

/** The browser's IANA time zones to pick from (none in an old browser: the field still takes typed text). */
function timeZones(): readonly string[] {
  const intl = Intl as { supportedValuesOf?: (key: string) => string[] };
  try {
    return intl.supportedValuesOf?.('timeZone') ?? [];
  } catch {
    return [];
  }
}

/** The phone's own time zone, offered as a one-tap choice. */
function browserZone(): string | undefined {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return typeof zone === 'string' && zone !== '' ? zone : undefined;
}

function TimeZone({ form }: { readonly form: Form }): VNode {
  const here = browserZone();
  const current = value(form, 'timeZone');
  return html`<fieldset>
    <legend>Time</legend>
    <${TextField} form=${form} path="timeZone" label="Time zone" placeholder="Europe/Berlin" suggestions=${timeZones()}
      hint="Schedules run in this time zone (an IANA name such as Europe/Berlin). Empty: the door station's system time zone." />
    ${here !== undefined && current !== here
      ? html`<button type="button" class="secondary small" id="doorbell-timeZone-here" onClick=${() => form.set('timeZone', here)}>Use this phone's: ${here}</button>`
      : null}
  </fieldset>`;
}

function Settings({ form }: { readonly form: Form }): VNode {
  return html`
    <${TimeZone} form=${form} />
    <fieldset>
      <legend>Bell buttons</legend>
      <${NumberField} form=${form} path="debounceMs" label="Ignore bounces within (ms)" min=${10} max=${500}
        hint="Edges this soon after a press are the contact bouncing. Raise it if one press rings twice." />
    </fieldset>
    <fieldset>
      <legend>Calls</legend>
      <div class="row">
        <${NumberField} form=${form} path="maxCallSec" label="Longest call (seconds, 0 = no limit)" min=${0} max=${7200}
          hint="Every call ends after this long, incoming ones too." />
        <${NumberField} form=${form} path="warnBeforeSec" label="Warning tone before the end (seconds)" min=${0} max=${120}
          hint="The visitor and the flat hear a tone this long before the call ends (0: no tone)." />
      </div>
    </fieldset>
    <fieldset>
      <legend>Event log</legend>
      <${NumberField} form=${form} path="eventLog.maxEntries" label="Events kept" min=${10} max=${10000}
        hint="Presses, calls and door openings; the oldest go first. Download the log on the Maintenance screen." />
    </fieldset>`;
}

export function GeneralScreen({ api }: ScreenProps): VNode {
  return html`<h1>General</h1>
    <${SectionForm} api=${api} section="doorbell" title="Time, presses, calls and the log">
      ${(form: Form) => html`<${Settings} form=${form} />`}
    <//>`;
}
