/// <reference lib="dom" />
// Maintenance: export and import of the configuration, log download, the page's password, factory reset, version.

import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import type { VNode } from 'preact';
import { fieldErrors } from '../api.ts';
import type { ScreenProps } from '../App.ts';
import { href } from '../router.ts';
import { LabelledInput } from './auth.ts';
import { ExportWithSecrets, ImportConfig } from './transfer.ts';

function ChangePassword({ api }: Pick<ScreenProps, 'api'>): VNode {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [outcome, setOutcome] = useState<{ readonly ok: boolean; readonly text: string; readonly fields?: Readonly<Record<string, string>> } | undefined>(undefined);
  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    if (next === '' || next !== repeat) {
      setOutcome({ ok: false, text: 'Type the same new password twice.' });
      return;
    }
    const result = await api.send('POST', '/api/password', { current, next }, { quiet: true });
    if (result.ok) {
      setCurrent('');
      setNext('');
      setRepeat('');
      setOutcome({ ok: true, text: 'Password changed.' });
    } else {
      setOutcome({ ok: false, text: result.error.message, fields: fieldErrors(result.error, { WRONG_PASSWORD: ['current', 'Not the current password.'] }) });
    }
  };
  return html`<form class="card" onSubmit=${submit} novalidate>
    <h2>Password of this page</h2>
    <${LabelledInput} id="password-current" label="Current password" type="password" value=${current} autocomplete="current-password"
      error=${outcome?.fields?.['current']} onInput=${setCurrent} />
    <${LabelledInput} id="password-next" label="New password" type="password" value=${next} autocomplete="new-password"
      error=${outcome?.fields?.['next']} onInput=${setNext} />
    <${LabelledInput} id="password-repeat" label="New password again" type="password" value=${repeat} autocomplete="new-password"
      error=${repeat !== '' && repeat !== next ? 'The two passwords differ.' : undefined} onInput=${setRepeat} />
    <div class="actions"><button type="submit">Change password</button>
      ${outcome !== undefined ? html`<span class=${outcome.ok ? 'ok' : 'error'} role="status">${outcome.text}</span>` : null}</div>
  </form>`;
}

function FactoryReset({ api, recheck }: Pick<ScreenProps, 'api' | 'recheck'>): VNode {
  const [typed, setTyped] = useState('');
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const reset = async (event: Event): Promise<void> => {
    event.preventDefault();
    const result = await api.send('POST', '/api/factory-reset', { confirm: typed.trim() });
    if (!result.ok) {
      setProblem(result.error.message);
      return;
    }
    await recheck(); // the device is back to setup: the page shows the setup screen
  };
  return html`<form class="card danger" onSubmit=${reset} novalidate>
    <h2>Factory reset</h2>
    <p>Deletes the whole configuration, the password of this page and the door codes. The door station then needs setting up again with a new setup code.</p>
    <${LabelledInput} id="reset-confirm" label="Type RESET to confirm" type="text" value=${typed} autocomplete="off"
      error=${problem} onInput=${setTyped} />
    <div class="actions"><button type="submit" class="danger" disabled=${typed.trim() !== 'RESET'}>Reset to factory settings</button></div>
  </form>`;
}

export function MaintenanceScreen({ api, status, recheck }: ScreenProps): VNode {
  return html`<h1>Maintenance</h1>
    <div class="grid">
      <section class="card">
        <h2>Configuration</h2>
        <p>The configuration as a file, without passwords or door codes.</p>
        <p><a class="button" id="export-plain" href="/api/export" download="sip-doorbell-config.json">Download configuration</a></p>
      </section>
      <section class="card">
        <h2>Event log</h2>
        <p>Button presses, calls, door openings and refused codes, newest first. How many it keeps: <a href=${href('general')}>General screen</a>.</p>
        <p><a class="button" id="log-download" href="/api/log" download="sip-doorbell-log.json">Download log</a></p>
      </section>
      <section class="card">
        <h2>Version</h2>
        <p>sip-doorbell <strong id="version">${status.version}</strong> (${status.mode === 'simulate' ? 'simulator' : 'device'})</p>
      </section>
    </div>
    <div class="grid">
      <${ExportWithSecrets} api=${api} />
      <${ImportConfig} api=${api} />
    </div>
    <${ChangePassword} api=${api} />
    <${FactoryReset} api=${api} recheck=${recheck} />`;
}
