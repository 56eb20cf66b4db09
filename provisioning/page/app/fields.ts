/// <reference lib="dom" />
// Form fields: each one a labelled input bound to a path of the form's section, with its field errors beside it.

import { html } from 'htm/preact';
import type { ComponentChildren, VNode } from 'preact';
import { errorsAt, fieldId, secretIsSet, value, type Form } from './form.ts';
import { asArray, asString, join, type Json } from './json.ts';

interface FieldProps {
  readonly form: Form;
  readonly path: string;
  readonly label: string;
  readonly hint?: string;
}

const inputValue = (event: Event): string => (event.currentTarget as HTMLInputElement).value;

/** The frame every field shares: label, the control, a hint, the errors (announced to screen readers). */
function Field(props: FieldProps & { readonly children: ComponentChildren; readonly id: string }): VNode {
  const errors = errorsAt(props.form, [props.path]);
  return html`<div class=${errors.length > 0 ? 'field invalid' : 'field'}>
    <label for=${props.id}>${props.label}</label>
    ${props.children}
    ${props.hint !== undefined ? html`<small class="hint" id=${`${props.id}-hint`}>${props.hint}</small>` : null}
    ${errors.length > 0 ? html`<div class="error" id=${`${props.id}-error`} role="alert">${errors.join(' · ')}</div>` : null}
  </div>`;
}

function describedBy(props: FieldProps, id: string): string | undefined {
  const ids = [props.hint !== undefined ? `${id}-hint` : '', errorsAt(props.form, [props.path]).length > 0 ? `${id}-error` : ''];
  return ids.filter((x) => x !== '').join(' ') || undefined;
}

function aria(props: FieldProps, id: string): Record<string, string | undefined> {
  const invalid = errorsAt(props.form, [props.path]).length > 0;
  return { id, 'aria-invalid': invalid ? 'true' : undefined, 'aria-describedby': describedBy(props, id) };
}

/**
 * A text input; empty removes the key (the schema's default or "absent" applies). `suggestions` are offered while
 * typing (a datalist): any other text is still sent, for the schema to judge.
 */
export function TextField(props: FieldProps & {
  readonly placeholder?: string;
  readonly multiline?: boolean;
  readonly autocomplete?: string;
  readonly suggestions?: readonly string[];
}): VNode {
  const id = fieldId(props.form, props.path);
  const onInput = (event: Event): void => {
    const text = inputValue(event);
    props.form.set(props.path, text === '' ? undefined : text);
  };
  const list = props.suggestions !== undefined && props.suggestions.length > 0 ? `${id}-suggestions` : undefined;
  const common = { ...aria(props, id), value: asString(value(props.form, props.path)), onInput, placeholder: props.placeholder, autocomplete: props.autocomplete ?? 'off' };
  return html`<${Field} ...${props} id=${id}>
    ${props.multiline === true ? html`<textarea rows="4" spellcheck="false" ...${common} />` : html`<input type="text" spellcheck="false" list=${list} ...${common} />`}
    ${list !== undefined ? html`<datalist id=${list}>${props.suggestions?.map((item) => html`<option value=${item} />`)}</datalist>` : null}
  <//>`;
}

/**
 * A number input (a phone shows digits only, with a decimal point when `step` has a fraction); empty removes the key.
 * Text that is no number is sent as text, for the schema to name.
 */
export function NumberField(props: FieldProps & { readonly min?: number; readonly max?: number; readonly step?: number }): VNode {
  const id = fieldId(props.form, props.path);
  const current = value(props.form, props.path);
  const onInput = (event: Event): void => {
    const text = inputValue(event).trim();
    const number = Number(text);
    props.form.set(props.path, text === '' ? undefined : Number.isFinite(number) ? number : text);
  };
  return html`<${Field} ...${props} id=${id}>
    <input type="number" inputmode=${Number.isInteger(props.step ?? 1) ? 'numeric' : 'decimal'} ...${aria(props, id)} min=${props.min} max=${props.max} step=${props.step ?? 1}
      value=${typeof current === 'number' || typeof current === 'string' ? String(current) : ''} onInput=${onInput} />
  <//>`;
}

/** A choice among fixed values; `optional` adds "(none)", which removes the key. */
export function SelectField(props: FieldProps & { readonly options: ReadonlyArray<readonly [string, string]>; readonly optional?: boolean }): VNode {
  const id = fieldId(props.form, props.path);
  const current = asString(value(props.form, props.path));
  const onChange = (event: Event): void => {
    const chosen = inputValue(event);
    props.form.set(props.path, chosen === '' ? undefined : chosen);
  };
  const known = props.options.some(([v]) => v === current);
  return html`<${Field} ...${props} id=${id}>
    <select ...${aria(props, id)} value=${current} onChange=${onChange}>
      ${props.optional === true || current === '' ? html`<option value="">(none)</option>` : null}
      ${!known && current !== '' ? html`<option value=${current}>${current} (unknown)</option>` : null}
      ${props.options.map(([v, label]) => html`<option value=${v}>${label}</option>`)}
    </select>
  <//>`;
}

/** A checkbox; `fallback` is what the schema's default makes of an absent key. */
export function CheckField(props: FieldProps & { readonly fallback?: boolean }): VNode {
  const id = fieldId(props.form, props.path);
  const current = value(props.form, props.path);
  const errors = errorsAt(props.form, [props.path]);
  return html`<div class=${errors.length > 0 ? 'field check invalid' : 'field check'}>
    <input type="checkbox" id=${id} checked=${typeof current === 'boolean' ? current : props.fallback === true}
      onChange=${(event: Event) => props.form.set(props.path, (event.currentTarget as HTMLInputElement).checked)} />
    <label for=${id}>${props.label}</label>
    ${errors.length > 0 ? html`<div class="error" role="alert">${errors.join(' · ')}</div>` : null}
  </div>`;
}

/**
 * Some of fixed values, one checkbox each (`udp`, `tcp`): the list is kept in the options' order; none ticked sends
 * an empty list, for the schema to name.
 */
export function ChoicesField(props: FieldProps & { readonly options: ReadonlyArray<readonly [string, string]> }): VNode {
  const id = fieldId(props.form, props.path);
  const chosen = new Set(asArray(value(props.form, props.path)).map((item) => asString(item)));
  const errors = errorsAt(props.form, [props.path]);
  const toggle = (choice: string, on: boolean): void => {
    props.form.set(props.path, props.options.map(([v]) => v).filter((v) => (v === choice ? on : chosen.has(v))));
  };
  return html`<fieldset class=${errors.length > 0 ? 'choices invalid' : 'choices'} id=${id}
      aria-describedby=${[props.hint !== undefined ? `${id}-hint` : '', errors.length > 0 ? `${id}-error` : ''].filter((x) => x !== '').join(' ') || undefined}>
    <legend>${props.label}</legend>
    ${props.options.map(([choice, label]) => html`<span class="day">
      <input type="checkbox" id=${`${id}-${choice}`} checked=${chosen.has(choice)}
        onChange=${(event: Event) => toggle(choice, (event.currentTarget as HTMLInputElement).checked)} />
      <label for=${`${id}-${choice}`}>${label}</label>
    </span>`)}
    ${props.hint !== undefined ? html`<small class="hint" id=${`${id}-hint`}>${props.hint}</small>` : null}
    ${errors.length > 0 ? html`<div class="error" id=${`${id}-error`} role="alert">${errors.join(' · ')}</div>` : null}
  </fieldset>`;
}

/**
 * A write-only secret: shows whether the device has one (`{ "set": true }` as loaded, never the value) and takes a
 * new one; left empty, the loaded `{ set }` goes back and the device keeps what it has.
 */
export function SecretField(props: FieldProps & { readonly inputMode?: string }): VNode {
  const id = fieldId(props.form, props.path);
  const isSet = secretIsSet(props.form, props.path);
  const typed = value(props.form, props.path);
  const onInput = (event: Event): void => {
    const text = inputValue(event);
    props.form.set(props.path, text === '' ? (isSet ? { set: true } : undefined) : text);
  };
  const state = typeof typed === 'string' ? 'will be replaced' : isSet ? 'set' : 'not set';
  return html`<${Field} ...${props} label=${`${props.label} (${state})`} id=${id}
      hint=${props.hint ?? (isSet ? 'Leave empty to keep the current one.' : undefined)}>
    <input type="password" ...${aria(props, id)} autocomplete="new-password" inputmode=${props.inputMode}
      value=${typeof typed === 'string' ? typed : ''} onInput=${onInput} />
  <//>`;
}

/** A list of short strings typed as one line, separated by commas or spaces (taken when the field is left). */
export function ListField(props: FieldProps & { readonly placeholder?: string }): VNode {
  const id = fieldId(props.form, props.path);
  const items = asArray(value(props.form, props.path)).map((item) => asString(item));
  const onChange = (event: Event): void => {
    props.form.set(props.path, inputValue(event).split(/[\s,]+/).filter((item) => item !== ''));
  };
  return html`<${Field} ...${props} id=${id}>
    <input type="text" spellcheck="false" autocomplete="off" ...${aria(props, id)} placeholder=${props.placeholder}
      value=${items.join(', ')} onChange=${onChange} />
  <//>`;
}

/** A list of items, each rendered by `item`, with add and remove buttons. */
export function ArrayEditor(props: {
  readonly form: Form;
  readonly path: string;
  readonly legend: string;
  readonly itemName: string;
  readonly max: number;
  readonly newItem: () => Json;
  readonly item: (path: string, index: number) => VNode;
}): VNode {
  const items = asArray(value(props.form, props.path));
  const errors = Object.entries(props.form.errors).filter(([key]) => key === props.path).map(([, message]) => message);
  return html`<fieldset class="list">
    <legend>${props.legend}</legend>
    ${errors.length > 0 ? html`<div class="error" role="alert">${errors.join(' · ')}</div>` : null}
    ${items.length === 0 ? html`<p class="muted">None yet.</p>` : null}
    ${items.map((_, index) => html`<div class="item">
      ${props.item(join(props.path, index), index)}
      <button type="button" class="secondary" onClick=${() => props.form.set(join(props.path, index), undefined)}>
        Remove ${props.itemName} ${index + 1}
      </button>
    </div>`)}
    ${items.length < props.max
      ? html`<button type="button" class="secondary" onClick=${() => props.form.set(join(props.path, items.length), props.newItem())}>Add ${props.itemName}</button>`
      : null}
  </fieldset>`;
}

