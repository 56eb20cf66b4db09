/// <reference lib="dom" />
// One config section as a form: loaded with GET /api/config/<section>, saved whole with PUT. A 400 shows its field
// errors beside the fields and in a list at the top; the device saves nothing then, and the draft stays as typed.

import { html } from 'htm/preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import type { VNode } from 'preact';
import type { Api } from './api.ts';
import type { Form } from './form.ts';
import { setAt, type Json } from './json.ts';

export interface SectionFormProps {
  readonly api: Api;
  readonly section: string;
  readonly title: string;
  /** What the section is when the device has none yet (`buttons` may be absent). */
  readonly empty?: Json;
  readonly intro?: string;
  /** Told after every save the device accepted, with the section as saved (the screen's other forms may show it). */
  readonly onSaved?: (saved: Json) => void;
  /** What a save the device accepted says (default: saved and applied). */
  readonly savedText?: string;
  readonly children: (form: Form) => VNode;
}

type Load = { readonly state: 'loading' } | { readonly state: 'failed'; readonly message: string } | { readonly state: 'loaded'; readonly original: Json };

/** Field paths as the page uses them: relative to the section (a server naming `sip.account.user` is understood). */
function relative(section: string, fields: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(fields).map(([key, message]) => [key.startsWith(`${section}.`) ? key.slice(section.length + 1) : key, message]));
}

/** A field key as the list on top names it: `` is the section, a `/`-rooted key a path elsewhere (`/` the whole). */
function shownPath(section: string, key: string): string {
  if (key === '') return section;
  if (key.startsWith('/')) return key.length === 1 ? 'configuration' : key.slice(1);
  return key;
}

export function SectionForm(props: SectionFormProps): VNode {
  const [load, setLoad] = useState<Load>({ state: 'loading' });
  const [draft, setDraft] = useState<Json>(null);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [notice, setNotice] = useState<{ readonly kind: 'ok' | 'error'; readonly text: string } | undefined>(undefined);
  const [saving, setSaving] = useState(false);
  const url = `/api/config/${props.section}`;

  const reload = useCallback(async (): Promise<Json | undefined> => {
    const result = await props.api.get(url);
    if (!result.ok) {
      setLoad({ state: 'failed', message: result.error.message });
      return undefined;
    }
    const original = result.data ?? props.empty ?? null;
    setLoad({ state: 'loaded', original });
    setDraft(original);
    setErrors({});
    return original;
  }, [url]);

  useEffect(() => {
    void reload();
  }, [reload]);

  if (load.state === 'loading') return html`<section class="card"><h2>${props.title}</h2><p class="muted">Loading…</p></section>`;
  if (load.state === 'failed') {
    return html`<section class="card"><h2>${props.title}</h2><p class="error" role="alert">${load.message}</p>
      <button type="button" onClick=${() => void reload()}>Try again</button></section>`;
  }

  const form: Form = {
    draft,
    original: load.original,
    errors,
    idPrefix: props.section,
    set: (path, next) => setDraft((current) => setAt(current, path, next)),
  };
  const changed = JSON.stringify(draft) !== JSON.stringify(load.original);

  const save = async (event: Event): Promise<void> => {
    event.preventDefault();
    setSaving(true);
    setNotice(undefined);
    const result = await props.api.send('PUT', url, draft);
    setSaving(false);
    if (result.ok) {
      setNotice({ kind: 'ok', text: props.savedText ?? 'Saved and applied.' });
      const saved = await reload();
      props.onSaved?.(saved ?? draft);
      return;
    }
    setErrors(relative(props.section, result.error.fields ?? {}));
    setNotice({ kind: 'error', text: `Not saved: ${result.error.message}` });
  };

  const errorList = Object.entries(errors);
  return html`<form class="card" onSubmit=${save} novalidate>
    <h2>${props.title}</h2>
    ${props.intro !== undefined ? html`<p class="muted">${props.intro}</p>` : null}
    ${errorList.length > 0
      ? html`<div class="error-box" role="alert"><p>Nothing was saved. Please correct:</p>
          <ul>${errorList.map(([path, message]) => html`<li><code>${shownPath(props.section, path)}</code> ${message}</li>`)}</ul></div>`
      : null}
    ${props.children(form)}
    <div class="actions">
      <button type="submit" disabled=${saving || !changed}>${saving ? 'Saving…' : 'Save'}</button>
      <button type="button" class="secondary" disabled=${saving || !changed} onClick=${() => { setDraft(load.original); setErrors({}); setNotice(undefined); }}>Undo changes</button>
      ${notice !== undefined ? html`<span class=${notice.kind === 'ok' ? 'ok' : 'error'} role="status">${notice.text}</span>` : null}
    </div>
  </form>`;
}
