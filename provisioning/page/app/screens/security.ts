// Security: who may call the door (auto-answer, everyone else), the listening tone and SRTP.

import { html } from 'htm/preact';
import type { VNode } from 'preact';
import type { ScreenProps } from '../App.ts';
import { ArrayEditor, CheckField, NumberField, SelectField, TextField } from '../fields.ts';
import type { Form } from '../form.ts';
import { scheduleOptions, useSection } from '../options.ts';
import { href } from '../router.ts';
import { SectionForm } from '../SectionForm.ts';

export function SecurityScreen({ api }: ScreenProps): VNode {
  const schedules = scheduleOptions(useSection(api, 'schedules'));
  return html`<h1>Security</h1>
    <p class="muted">The SIP port (another one than 5060 keeps some scanners away) is on the
      <a href=${href('network')}>Network screen</a>, with the address of this page.</p>
    <${SectionForm} api=${api} section="doorbell" title="Who may call the door">
      ${(form: Form) => html`
        <${ArrayEditor} form=${form} path="incoming.autoAnswer" legend="Answered at once (listen in at the door)" itemName="caller" max=${32}
          newItem=${() => ({ from: '' })}
          item=${(path: string) => html`<div class="row">
            <${TextField} form=${form} path=${`${path}.from`} label="Caller" hint="An indoor user's name (standalone) or a SIP URI / its user part (PBX)." />
            <${SelectField} form=${form} path=${`${path}.schedule`} label="Only during schedule" optional=${true} options=${schedules} />
          </div>`} />
        <div class="row">
          <${SelectField} form=${form} path="incoming.others" label="Everyone else"
            options=${[['reject', 'Refused (603 Decline)'], ['ring', 'Rings at the door; a bell button answers']]} />
          <${NumberField} form=${form} path="incoming.ringSec" label="Ring at the door for (seconds)" min=${5} max=${600} />
        </div>
        <fieldset><legend>Listening tone</legend>
          <${CheckField} form=${form} path="incoming.listeningTone.enabled" label="A tone at the door when a call is answered at once" fallback=${true} />
          <${NumberField} form=${form} path="incoming.listeningTone.everySec" label="Repeat every (seconds, 0 = only at the start)" min=${0} max=${3600} />
        </fieldset>`}
    <//>
    <${SectionForm} api=${api} section="media" title="Encrypted audio (SRTP)">
      ${(form: Form) => html`<${SelectField} form=${form} path="srtp" label="SRTP"
        hint="SDES keys travel in the signalling, so SRTP is only offered over TLS."
        options=${[['off', 'Off'], ['optional', 'When the other side supports it'], ['required', 'Required: calls without it fail']]} />`}
    <//>`;
}
