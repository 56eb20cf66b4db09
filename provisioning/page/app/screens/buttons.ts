// Bell buttons and their routing plans: each step rings its targets in parallel for a time, then the next step.

import { html } from 'htm/preact';
import type { VNode } from 'preact';
import type { ScreenProps } from '../App.ts';
import { ArrayEditor, CheckField, ListField, NumberField, SelectField, TextField } from '../fields.ts';
import type { Form } from '../form.ts';
import { asArray, asString, getAt } from '../json.ts';
import { scheduleOptions, useSection, type Options } from '../options.ts';
import { href } from '../router.ts';
import { SectionForm } from '../SectionForm.ts';

function Plan(props: { readonly form: Form; readonly path: string; readonly schedules: Options; readonly users: string }): VNode {
  const { form } = props;
  return html`<${ArrayEditor} form=${form} path=${props.path} legend="Routing plan" itemName="step" max=${8}
    newItem=${() => ({ targets: [], ringSec: 30 })}
    item=${(step: string, index: number) => html`<div class="step">
      <p class="step-title">Step ${index + 1}</p>
      <${ListField} form=${form} path=${`${step}.targets`} label="Ring these (at the same time)" placeholder="flat, 2001, sip:kitchen@pbx.lan"
        hint=${props.users === '' ? 'Numbers or SIP URIs through the PBX.' : `Indoor users: ${props.users}; or numbers / SIP URIs.`} />
      <${NumberField} form=${form} path=${`${step}.ringSec`} label="Ring time (seconds)" min=${5} max=${600} />
      <${SelectField} form=${form} path=${`${step}.schedule`} label="Only during schedule" optional=${true} options=${props.schedules}
        hint="Outside the schedule this step is skipped." />
    </div>`} />`;
}

export function ButtonsScreen({ api }: ScreenProps): VNode {
  const schedules = scheduleOptions(useSection(api, 'schedules'));
  const sip = useSection(api, 'sip');
  const users = asArray(getAt(sip, 'users')).map((user) => asString(getAt(user, 'username'))).filter((name) => name !== '').join(', ');
  return html`<h1>Buttons</h1>
    <p class="muted">The debounce of every button and the longest call are on the <a href=${href('general')}>General screen</a>.</p>
    <${SectionForm} api=${api} section="buttons" title="Bell buttons and routing" empty=${[]}
      intro="Each press runs the button's plan: step 1 rings its targets together; if nobody answers in the ring time, the next step.">
      ${(form: Form) => html`<${ArrayEditor} form=${form} path="" legend="Buttons" itemName="button" max=${16}
        newItem=${() => ({ id: String(asArray(form.draft).length + 1), activeLow: true, plan: [] })}
        item=${(button: string) => html`<div class="button-item">
          <div class="row">
            <${TextField} form=${form} path=${`${button}.id`} label="Button id" />
            <${NumberField} form=${form} path=${`${button}.pin`} label="GPIO (BCM number)" min=${0} max=${53}
              hint="Needed on a device; the simulator ignores it. Relay and LED pins: Hardware screen." />
          </div>
          <${CheckField} form=${form} path=${`${button}.activeLow`} label="Pressed pulls the pin to ground (usual wiring)" fallback=${true} />
          <${Plan} form=${form} path=${`${button}.plan`} schedules=${schedules} users=${users} />
        </div>`} />`}
    <//>`;
}
