/// <reference lib="dom" />
// Door codes (typed on the answering phone's keypad; write-only: read as `code: { set }`, a new one sent as digits)
// and the chime (the house's gong on a relay). Both live in the `doorbell` section.

import { html } from 'htm/preact';
import type { VNode } from 'preact';
import type { ScreenProps } from '../App.ts';
import { ArrayEditor, NumberField, SecretField, SelectField, TextField } from '../fields.ts';
import { fieldId, value, type Form } from '../form.ts';
import { asArray, isObject } from '../json.ts';
import { idOptions, scheduleOptions, useSection } from '../options.ts';
import { SectionForm } from '../SectionForm.ts';

export function DoorCodesScreen({ api }: ScreenProps): VNode {
  const relays = idOptions(useSection(api, 'relays'));
  const schedules = scheduleOptions(useSection(api, 'schedules'));
  return html`<h1>Door codes</h1>
    <${SectionForm} api=${api} section="doorbell" title="Door codes"
      intro="During a call from the door, the answering phone types a code and # (or pauses): the door opens. Codes are stored hashed and never shown again.">
      ${(form: Form) => html`
        <${ArrayEditor} form=${form} path="doorCodes" legend="Codes" itemName="code" max=${32}
          newItem=${() => ({ name: '', relay: relays[0]?.[0] ?? 'door', pulseMs: 3000 })}
          item=${(path: string) => html`<div>
            <div class="row">
              <${TextField} form=${form} path=${`${path}.name`} label="Name" hint="For the event log (family, parcel); never the code." />
              <${SecretField} form=${form} path=${`${path}.code`} label="Code" inputMode="numeric"
                hint="1 to 16 digits. Leave empty to keep the current code (renamed codes need theirs again)." />
            </div>
            <div class="row">
              <${SelectField} form=${form} path=${`${path}.relay`} label="Relay" options=${relays} />
              <${NumberField} form=${form} path=${`${path}.pulseMs`} label="Open for (ms)" min=${50} max=${30000} step=${50}
                hint="At most the relay's longest pulse (Hardware screen)." />
              <${SelectField} form=${form} path=${`${path}.schedule`} label="Only during schedule" optional=${true} options=${schedules} />
            </div>
          </div>`} />
        <fieldset>
          <legend>Wrong codes</legend>
          <div class="row">
            <${NumberField} form=${form} path="codeEntry.maxWrongPerCall" label="Wrong codes per call before hanging up" min=${1} max=${10} />
            <${NumberField} form=${form} path="codeEntry.lockAfterWrong" label="Wrong codes in a row that lock code entry" min=${1} max=${100} />
            <${NumberField} form=${form} path="codeEntry.lockMinutes" label="Lock for (minutes)" min=${1} max=${1440} />
          </div>
        </fieldset>
        <fieldset>
          <legend>Typing a code</legend>
          <${NumberField} form=${form} path="codeEntry.submitAfterMs" label="Take the code after a pause of (ms)" min=${1000} max=${30000} step=${100}
            hint="A code ends with # or with this pause after its last digit (1000 to 30000 ms)." />
        </fieldset>`}
    <//>`;
}

function Chime({ form, relays }: { readonly form: Form; readonly relays: ReadonlyArray<readonly [string, string]> }): VNode {
  const enabled = isObject(value(form, 'chime') ?? null);
  const id = fieldId(form, 'chime-enabled');
  const doorRelays = new Set(asArray(value(form, 'doorCodes')).map((code) => (isObject(code) ? String(code['relay'] ?? 'door') : '')));
  const toggle = (event: Event): void => {
    const on = (event.currentTarget as HTMLInputElement).checked;
    const free = relays.find(([relay]) => !doorRelays.has(relay))?.[0] ?? relays[0]?.[0] ?? '';
    form.set('chime', on ? { relay: free, pulseMs: 500 } : undefined);
  };
  return html`
    <div class="field check"><input type="checkbox" id=${id} checked=${enabled} onChange=${toggle} />
      <label for=${id}>Ring the house's gong on every press</label></div>
    ${enabled ? html`<div class="row">
      <${SelectField} form=${form} path="chime.relay" label="Gong relay" options=${relays}
        hint="A relay of its own: never one that opens the door." />
      <${NumberField} form=${form} path="chime.pulseMs" label="Pulse (ms)" min=${50} max=${5000} step=${50}
        hint="50 to 5000 ms, and at most the relay's longest pulse (Hardware screen)." />
    </div>` : null}`;
}

export function ChimeScreen({ api }: ScreenProps): VNode {
  const relays = idOptions(useSection(api, 'relays'));
  return html`<h1>Chime</h1>
    <${SectionForm} api=${api} section="doorbell" title="Chime"
      intro="The existing gong rings on every press, whatever happens on the SIP side.">
      ${(form: Form) => html`<${Chime} form=${form} relays=${relays} />`}
    <//>`;
}
