/// <reference lib="dom" />
// Named weekly schedules: routing steps, door codes and auto-answer entries refer to them by name.

import { html } from 'htm/preact';
import type { VNode } from 'preact';
import type { ScreenProps } from '../App.ts';
import { ArrayEditor, TextField } from '../fields.ts';
import { errorsAt, fieldId, value, type Form } from '../form.ts';
import { asArray, asString, isObject, type Json, type JsonObject } from '../json.ts';
import { SectionForm } from '../SectionForm.ts';

const DAYS = [['mon', 'Mon'], ['tue', 'Tue'], ['wed', 'Wed'], ['thu', 'Thu'], ['fri', 'Fri'], ['sat', 'Sat'], ['sun', 'Sun']] as const;

function DaysField({ form, path }: { readonly form: Form; readonly path: string }): VNode {
  const chosen = new Set(asArray(value(form, path)).map((day) => asString(day)));
  const toggle = (day: string): void => {
    const next = new Set(chosen);
    if (next.has(day)) next.delete(day);
    else next.add(day);
    form.set(path, DAYS.map(([d]) => d).filter((d) => next.has(d)));
  };
  const errors = errorsAt(form, [path]);
  return html`<fieldset class=${errors.length > 0 ? 'days invalid' : 'days'}>
    <legend>Days</legend>
    ${DAYS.map(([day, label]) => html`<span class="day">
      <input type="checkbox" id=${fieldId(form, `${path}.${day}`)} checked=${chosen.has(day)} onChange=${() => toggle(day)} />
      <label for=${fieldId(form, `${path}.${day}`)}>${label}</label>
    </span>`)}
    ${errors.length > 0 ? html`<div class="error" role="alert">${errors.join(' · ')}</div>` : null}
  </fieldset>`;
}

/** The schedules with `from` renamed to `to`, in the same order. */
function renamed(schedules: Json, from: string, to: string): JsonObject {
  return Object.fromEntries(Object.entries(isObject(schedules) ? schedules : {}).map(([name, windows]) => [name === from ? to : name, windows]));
}

function Schedule({ form, name }: { readonly form: Form; readonly name: string }): VNode {
  const id = fieldId(form, `${name}-name`);
  const rename = (event: Event): void => {
    const next = (event.currentTarget as HTMLInputElement).value.trim();
    if (next !== '' && next !== name && !(isObject(form.draft) && Object.hasOwn(form.draft, next))) form.set('', renamed(form.draft, name, next));
  };
  return html`<div class="item">
    <div class="field"><label for=${id}>Schedule name</label>
      <input id=${id} type="text" value=${name} onChange=${rename} spellcheck="false" autocomplete="off" /></div>
    <${ArrayEditor} form=${form} path=${name} legend=${`Times of ${name}`} itemName="window" max=${14}
      newItem=${() => ({ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '07:00', to: '22:00' })}
      item=${(window: string) => html`<div>
        <${DaysField} form=${form} path=${`${window}.days`} />
        <div class="row">
          <${TextField} form=${form} path=${`${window}.from`} label="From (HH:MM)" placeholder="07:00" />
          <${TextField} form=${form} path=${`${window}.to`} label="To (HH:MM)" placeholder="22:00" hint="Before From: runs past midnight." />
        </div>
      </div>`} />
    <button type="button" class="secondary" onClick=${() => form.set(name, undefined)}>Remove schedule ${name}</button>
  </div>`;
}

export function SchedulesScreen({ api }: ScreenProps): VNode {
  return html`<h1>Schedules</h1>
    <${SectionForm} api=${api} section="schedules" title="Weekly schedules" empty=${{}}
      intro="Routing steps, door codes and auto-answer entries can be limited to a schedule (local time of the door station, in the time zone set on the General screen).">
      ${(form: Form) => {
        const names = isObject(form.draft) ? Object.keys(form.draft) : [];
        let fresh = names.length + 1;
        while (names.includes(`schedule${fresh}`)) fresh++;
        return html`
          ${names.length === 0 ? html`<p class="muted">No schedules yet.</p>` : null}
          ${names.map((name) => html`<${Schedule} key=${name} form=${form} name=${name} />`)}
          <button type="button" class="secondary" onClick=${() => form.set(`schedule${fresh}`, [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '07:00', to: '22:00' }])}>Add schedule</button>`;
      }}
    <//>`;
}
