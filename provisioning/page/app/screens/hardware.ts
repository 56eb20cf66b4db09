// Hardware wiring: the GPIO driver and chip, the relays and the LEDs with their BCM pins and active levels (the
// `gpio`, `relays` and `leds` sections); the buttons' pins are on the Buttons screen and shown here for the overview.

import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import type { VNode } from 'preact';
import type { ScreenProps } from '../App.ts';
import { ArrayEditor, CheckField, NumberField, SelectField, TextField } from '../fields.ts';
import type { Form } from '../form.ts';
import { asArray, asString, getAt, type Json } from '../json.ts';
import { useSection } from '../options.ts';
import { href } from '../router.ts';
import { SectionForm } from '../SectionForm.ts';
import { nextId, partName, pinConflict, relayUsers, type Wiring } from '../wiring.ts';

/** The schema's limits (firmware-app/config/schema.ts): BCM pins 0–53, 8 relays, 8 LEDs, pulses 50 ms–30 s. */
const MAX_PIN = 53;
const MAX_ITEMS = 8;

const DRIVERS = [
  ['auto', 'Automatic'],
  ['sysfs', 'sysfs'],
  ['chardev', 'Character device (gpiod tools)'],
] as const;

/** The pin's hint: what it is, and the part it clashes with when another one has the same pin. */
function pinHint(wiring: Wiring, kind: 'relay' | 'LED', index: number): string {
  return pinConflict(wiring, kind, index) ?? 'The BCM number, not the header pin. Empty: not wired.';
}

function Relays({ form, wiring, doorbell }: { readonly form: Form; readonly wiring: Wiring; readonly doorbell: Json | undefined }): VNode {
  return html`<${ArrayEditor} form=${form} path="" legend="Relays" itemName="relay" max=${MAX_ITEMS}
    newItem=${() => ({ id: nextId('relay', form.draft), activeLow: false, maxPulseMs: 10000 })}
    item=${(relay: string, index: number) => {
      const users = relayUsers(doorbell, asString(getAt(form.draft, `${relay}.id`)));
      return html`<div class="relay-item">
        <div class="row">
          <${TextField} form=${form} path=${`${relay}.id`} label="Relay id"
            hint=${users.length > 0 ? `Used by ${users.join(', ')}: renaming it needs them changed too.` : 'Door codes and the chime name the relay by this id.'} />
          <${NumberField} form=${form} path=${`${relay}.pin`} label="GPIO (BCM number)" min=${0} max=${MAX_PIN}
            hint=${pinHint(wiring, 'relay', index)} />
          <${NumberField} form=${form} path=${`${relay}.maxPulseMs`} label="Longest pulse (ms)" min=${50} max=${30000} step=${50}
            hint="50 to 30000 ms; no pulse on this relay lasts longer." />
        </div>
        <${CheckField} form=${form} path=${`${relay}.activeLow`} label="Active low: the relay switches on when the pin is low (many relay boards)" fallback=${false} />
      </div>`;
    }} />`;
}

function Leds({ form, wiring }: { readonly form: Form; readonly wiring: Wiring }): VNode {
  return html`<${ArrayEditor} form=${form} path="" legend="LEDs" itemName="LED" max=${MAX_ITEMS}
    newItem=${() => ({ id: nextId('led', form.draft), activeLow: false })}
    item=${(led: string, index: number) => html`<div class="led-item">
      <div class="row">
        <${TextField} form=${form} path=${`${led}.id`} label="LED id" />
        <${NumberField} form=${form} path=${`${led}.pin`} label="GPIO (BCM number)" min=${0} max=${MAX_PIN}
          hint=${pinHint(wiring, 'LED', index)} />
      </div>
      <${CheckField} form=${form} path=${`${led}.activeLow`} label="Active low: the LED lights when the pin is low (wired to 3.3 V)" fallback=${false} />
    </div>`} />`;
}

/** The buttons' pins, read only: they are edited with each button's routing plan. */
function ButtonPins({ buttons }: { readonly buttons: Json | undefined }): VNode {
  const list = asArray(buttons);
  return html`<section class="card">
    <h2>Bell buttons</h2>
    ${buttons === undefined ? html`<p class="muted">Loading…</p>` : html`<ul class="pins">
      ${list.map((button, index) => {
        const pin = getAt(button, 'pin');
        const name = partName({ kind: 'button', index, id: asString(getAt(button, 'id')) });
        return html`<li>${name}: <strong>${typeof pin === 'number' ? `GPIO ${pin}` : 'not wired'}</strong></li>`;
      })}
    </ul>`}
    <p><a href=${href('buttons')}>Change the buttons' pins on the Buttons screen</a></p>
  </section>`;
}

export function HardwareScreen({ api }: ScreenProps): VNode {
  // Each form checks its pins against the other lists as saved; a save loads them again.
  const [saves, setSaves] = useState(0);
  const saved = (): void => setSaves((n) => n + 1);
  const buttons = useSection(api, 'buttons', saves);
  const relays = useSection(api, 'relays', saves);
  const leds = useSection(api, 'leds', saves);
  const doorbell = useSection(api, 'doorbell', saves);
  return html`<h1>Hardware</h1>
    <p class="muted">How the door station is wired. Pins are BCM GPIO numbers (0 to ${MAX_PIN}); each pin can be wired
      once among buttons, relays and LEDs. A change applies at once (the GPIO re-arms when no call is in progress).
      The simulator keeps its virtual hardware and ignores pins.</p>
    <${SectionForm} api=${api} section="relays" title="Door opener and other relays" empty=${[]} onSaved=${saved}
      intro="The door opener and, if there is one, the house's gong. Pulse one on the Self-test screen after wiring it.">
      ${(form: Form) => html`<${Relays} form=${form} wiring=${{ buttons, relays: form.draft, leds }} doorbell=${doorbell} />`}
    <//>
    <${SectionForm} api=${api} section="leds" title="Status LEDs" empty=${[]} onSaved=${saved}
      intro="Every LED shows the door's state: on = ready, a short flash every 2 s = not registered, fast blinking = ringing, slow blinking = in a call.">
      ${(form: Form) => html`<${Leds} form=${form} wiring=${{ buttons, relays, leds: form.draft }} />`}
    <//>
    <${ButtonPins} buttons=${buttons} />
    <${SectionForm} api=${api} section="gpio" title="GPIO driver" onSaved=${saved}>
      ${(form: Form) => html`<div class="row">
        <${SelectField} form=${form} path="driver" label="Driver" options=${DRIVERS}
          hint="Automatic takes sysfs where the kernel still has it, else the character device through gpiomon and gpioset; the journal says which at start." />
        <${TextField} form=${form} path="chip" label="GPIO chip label" placeholder="pinctrl-bcm2711"
          hint="Empty: the Pi's main chip is found by its label (pinctrl-rp1 on a Pi 5, pinctrl-bcm2711, pinctrl-bcm2835)." />
      </div>`}
    <//>`;
}
