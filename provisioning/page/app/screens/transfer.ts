/// <reference lib="dom" />
// Maintenance: the configuration as a file (with passwords and door codes encrypted under a passphrase, or without
// them), its import, and the event log as a download.

import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import type { VNode } from 'preact';
import { fieldErrors, type Api } from '../api.ts';
import type { Json } from '../json.ts';
import { LabelledInput } from './auth.ts';

const MIN_PASSPHRASE = 10;

type Outcome = { readonly ok: boolean; readonly text: string; readonly fields?: Readonly<Record<string, string>> } | undefined;

/** Saves `data` as a JSON file through a temporary link (the answer of a POST cannot be a plain link). */
function saveJson(data: Json, name: string): void {
  const url = URL.createObjectURL(new Blob([`${JSON.stringify(data, null, 2)}\n`], { type: 'application/json' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function Said({ outcome }: { readonly outcome: Outcome }): VNode | null {
  if (outcome === undefined) return null;
  return html`<span class=${outcome.ok ? 'ok' : 'error'} role="status">${outcome.text}</span>`;
}

/** The export with every secret encrypted under a passphrase the owner chooses (and must keep). */
export function ExportWithSecrets({ api }: { readonly api: Api }): VNode {
  const [passphrase, setPassphrase] = useState('');
  const [repeat, setRepeat] = useState('');
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>(undefined);
  const short = passphrase !== '' && [...passphrase].length < MIN_PASSPHRASE ? `At least ${MIN_PASSPHRASE} characters.` : undefined;
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    if (passphrase === '' || short !== undefined || passphrase !== repeat) {
      setOutcome({ ok: false, text: 'Type the same passphrase of at least 10 characters twice.' });
      return;
    }
    setBusy(true);
    const result = await api.send('POST', '/api/export', { passphrase });
    setBusy(false);
    if (!result.ok) {
      setOutcome({ ok: false, text: result.error.message, ...(result.error.fields !== undefined ? { fields: result.error.fields } : {}) });
      return;
    }
    saveJson(result.data, `sip-doorbell-config-encrypted-${new Date().toISOString().slice(0, 10)}.json`);
    setPassphrase('');
    setRepeat('');
    setOutcome({ ok: true, text: 'Downloaded. Keep the passphrase: the file cannot be imported with its passwords without it.' });
  };
  return html`<form class="card" onSubmit=${submit} novalidate>
    <h2>Export with passwords</h2>
    <p>The whole configuration, with the SIP and indoor passwords and the door codes encrypted under a passphrase you choose.</p>
    <${LabelledInput} id="export-passphrase" label="Passphrase" type="password" value=${passphrase} autocomplete="new-password"
      error=${short ?? outcome?.fields?.['passphrase']} onInput=${setPassphrase} />
    <${LabelledInput} id="export-repeat" label="Passphrase again" type="password" value=${repeat} autocomplete="new-password"
      error=${repeat !== '' && repeat !== passphrase ? 'The two passphrases differ.' : undefined} onInput=${setRepeat} />
    <div class="actions"><button type="submit" id="export-encrypted" disabled=${busy}>Download with passwords</button><${Said} outcome=${outcome} /></div>
  </form>`;
}

/** Reads a chosen file as JSON; undefined when it is not JSON. */
async function readJson(file: File): Promise<Json | undefined> {
  try {
    return JSON.parse(await file.text()) as Json;
  } catch {
    return undefined;
  }
}

/** Replaces the whole configuration with an exported file; invalid files show their field errors and change nothing. */
export function ImportConfig({ api }: { readonly api: Api }): VNode {
  const [file, setFile] = useState<{ readonly name: string; readonly config: Json } | undefined>(undefined);
  const [passphrase, setPassphrase] = useState('');
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>(undefined);
  const choose = async (event: Event): Promise<void> => {
    const chosen = (event.currentTarget as HTMLInputElement).files?.[0];
    setOutcome(undefined);
    if (chosen === undefined) {
      setFile(undefined);
      return;
    }
    const config = await readJson(chosen);
    if (config === undefined) {
      setFile(undefined);
      setOutcome({ ok: false, text: `${chosen.name} is not a JSON file.` });
      return;
    }
    setFile({ name: chosen.name, config });
  };
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    if (file === undefined) {
      setOutcome({ ok: false, text: 'Choose a file first.' });
      return;
    }
    setBusy(true);
    const result = await api.send('POST', '/api/import', { config: file.config, ...(passphrase !== '' ? { passphrase } : {}) });
    setBusy(false);
    if (!result.ok) {
      const fields = fieldErrors(result.error, {
        PASSPHRASE_REQUIRED: ['passphrase', 'This file holds encrypted passwords: type the passphrase it was exported with.'],
        WRONG_PASSPHRASE: ['passphrase', 'Not the passphrase this file was exported with (or the file was changed).'],
      });
      setOutcome({ ok: false, text: result.error.message, fields });
      return;
    }
    setPassphrase('');
    setOutcome({ ok: true, text: `${file.name} imported and applied.` });
  };
  const fileFields = Object.entries(outcome?.fields ?? {}).filter(([key]) => key !== 'passphrase' && key !== 'config');
  return html`<form class="card" onSubmit=${submit} novalidate>
    <h2>Import</h2>
    <p>Replaces the whole configuration with an exported file. Passwords and door codes the file leaves out stay as they are.</p>
    <div class=${outcome?.fields?.['config'] !== undefined ? 'field invalid' : 'field'}>
      <label for="import-file">Configuration file</label>
      <input id="import-file" type="file" accept="application/json,.json" onChange=${(event: Event) => void choose(event)} />
      ${outcome?.fields?.['config'] !== undefined ? html`<div class="error" role="alert">${outcome.fields['config']}</div>` : null}
    </div>
    <${LabelledInput} id="import-passphrase" label="Passphrase" type="password" value=${passphrase} autocomplete="off"
      hint="Only for a file exported with passwords." error=${outcome?.fields?.['passphrase']} onInput=${setPassphrase} />
    ${fileFields.length > 0
      ? html`<div class="error-box" role="alert">Nothing was imported. Fix these in the file:
          <ul>${fileFields.map(([key, message]) => html`<li key=${key}><code>${key || '(file)'}</code>: ${message}</li>`)}</ul></div>`
      : null}
    <div class="actions"><button type="submit" id="import-config" disabled=${busy || file === undefined}>Import</button><${Said} outcome=${outcome} /></div>
  </form>`;
}
