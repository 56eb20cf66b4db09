/// <reference lib="dom" />
// The first-start setup (the one-time code shown on the device, a new password twice) and the login screen.

import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import type { VNode } from 'preact';
import { fieldErrors, type Api, type ApiResult } from '../api.ts';

interface InputProps {
  readonly id: string;
  readonly label: string;
  readonly type: 'text' | 'password';
  readonly value: string;
  readonly autocomplete: string;
  readonly error?: string | undefined;
  readonly hint?: string;
  readonly onInput: (value: string) => void;
}

export function LabelledInput(props: InputProps): VNode {
  const described = [props.hint !== undefined ? `${props.id}-hint` : '', props.error !== undefined ? `${props.id}-error` : ''].filter((x) => x !== '').join(' ');
  return html`<div class=${props.error !== undefined ? 'field invalid' : 'field'}>
    <label for=${props.id}>${props.label}</label>
    <input id=${props.id} type=${props.type} value=${props.value} autocomplete=${props.autocomplete} spellcheck="false"
      aria-invalid=${props.error !== undefined ? 'true' : undefined} aria-describedby=${described || undefined}
      onInput=${(event: Event) => props.onInput((event.currentTarget as HTMLInputElement).value)} />
    ${props.hint !== undefined ? html`<small class="hint" id=${`${props.id}-hint`}>${props.hint}</small>` : null}
    ${props.error !== undefined ? html`<div class="error" id=${`${props.id}-error`} role="alert">${props.error}</div>` : null}
  </div>`;
}

/** A refusal of the setup: the device's message on top, its field errors (a wrong code too) beside the fields. */
function failure(result: ApiResult): { readonly message: string; readonly fields: Readonly<Record<string, string>> } | undefined {
  if (result.ok) return undefined;
  const fields = fieldErrors(result.error, { WRONG_SETUP_CODE: ['setupCode', 'Not the code the door station printed: check it and type it again.'] });
  return { message: `Not set up: ${result.error.message.replace(/[.!?]$/, '')}.`, fields };
}

/** First start: nobody may use the device before entering the code it printed and choosing a password. */
export function SetupScreen(props: { readonly api: Api; readonly onDone: () => void }): VNode {
  const [code, setCode] = useState('');
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<ReturnType<typeof failure>>(undefined);
  const mismatch = repeat !== '' && repeat !== password ? 'The two passwords differ.' : undefined;

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    if (password !== repeat || password === '' || code.trim() === '') {
      const fields = {
        ...(code.trim() === '' ? { setupCode: 'Type the code the door station printed.' } : {}),
        ...(password === '' ? { password: 'Choose a password.' } : {}),
      };
      setProblem({ message: 'Enter the setup code and the same new password twice.', fields });
      return;
    }
    setBusy(true);
    const result = await props.api.send('POST', '/api/setup', { setupCode: code.trim(), password }, { quiet: true });
    setBusy(false);
    setProblem(failure(result));
    // Set up meanwhile (another browser): the login screen follows.
    if (result.ok || result.error.code === 'ALREADY_SET_UP') props.onDone();
  };
  return html`<main class="narrow"><form class="card" onSubmit=${submit} novalidate>
    <h1>Set up the door station</h1>
    <p>Enter the one-time setup code the door station printed at start (the terminal of the simulator, the journal on
      the device: <code>journalctl -u sip-doorbell</code>) and choose the password for this page.</p>
    <${LabelledInput} id="setup-code" label="Setup code" type="text" value=${code} autocomplete="one-time-code"
      error=${problem?.fields['setupCode']} onInput=${setCode} />
    <${LabelledInput} id="setup-password" label="New password" type="password" value=${password} autocomplete="new-password"
      error=${problem?.fields['password']} hint="At least 10 characters; a few words are easy to remember." onInput=${setPassword} />
    <${LabelledInput} id="setup-repeat" label="New password again" type="password" value=${repeat} autocomplete="new-password"
      error=${mismatch} onInput=${setRepeat} />
    ${problem !== undefined ? html`<p class="error" role="alert">${problem.message}</p>` : null}
    <div class="actions"><button type="submit" disabled=${busy}>${busy ? 'Setting up…' : 'Set password'}</button></div>
  </form></main>`;
}

export function LoginScreen(props: { readonly api: Api; readonly onDone: () => void }): VNode {
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | undefined>(undefined);

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    setBusy(true);
    const result = await props.api.send('POST', '/api/login', { password }, { quiet: true });
    setBusy(false);
    setProblem(result.ok ? undefined : result.error.message);
    if (result.ok) {
      setPassword('');
      props.onDone();
    }
  };
  return html`<main class="narrow"><form class="card" onSubmit=${submit} novalidate>
    <h1>Door station</h1>
    <${LabelledInput} id="login-password" label="Password" type="password" value=${password} autocomplete="current-password"
      error=${problem} onInput=${setPassword} />
    <div class="actions"><button type="submit" disabled=${busy || password === ''}>${busy ? 'Logging in…' : 'Log in'}</button></div>
  </form></main>`;
}
