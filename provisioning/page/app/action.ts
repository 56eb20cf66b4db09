// A button that starts a device action (POST) and says what came of it.

import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import type { VNode } from 'preact';
import type { Api } from './api.ts';
import { getAt, type Json } from './json.ts';

export function ActionButton(props: {
  readonly api: Api;
  readonly url: string;
  readonly label: string;
  readonly body?: Json | (() => Json);
  readonly className?: string;
  readonly disabled?: boolean;
  /** The device's answer when it succeeded (a measurement to show beside the button). */
  readonly onAnswer?: (data: Json) => void;
}): VNode {
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<{ readonly ok: boolean; readonly text: string } | undefined>(undefined);
  const run = async (): Promise<void> => {
    setBusy(true);
    setOutcome(undefined);
    const body = typeof props.body === 'function' ? props.body() : props.body;
    const result = await props.api.send('POST', props.url, body);
    setBusy(false);
    if (result.ok) {
      props.onAnswer?.(result.data);
      const detail = getAt(result.data, 'detail');
      setOutcome({ ok: true, text: typeof detail === 'string' ? detail : 'Done.' });
    } else {
      setOutcome({ ok: false, text: result.error.message });
    }
  };
  return html`<span class="action">
    <button type="button" class=${props.className} disabled=${busy || props.disabled === true} onClick=${() => void run()}>${props.label}</button>
    ${outcome !== undefined ? html`<span class=${outcome.ok ? 'ok' : 'error'} role="status">${outcome.text}</span>` : null}
  </span>`;
}
