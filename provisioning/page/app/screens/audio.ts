// Audio: the ALSA devices with microphone gain and speaker volume, and the codecs in the order they are offered.

import { html } from 'htm/preact';
import type { VNode } from 'preact';
import type { ScreenProps } from '../App.ts';
import { NumberField, TextField } from '../fields.ts';
import { errorsAt, value, type Form } from '../form.ts';
import { asArray, asString } from '../json.ts';
import { SectionForm } from '../SectionForm.ts';

const CODECS: Readonly<Record<string, string>> = { PCMU: 'G.711 µ-law (PCMU)', PCMA: 'G.711 A-law (PCMA)', G722: 'G.722 wideband' };

/** The codecs in use, in order, with up/down and on/off; the ones not in use follow, switched off. */
function CodecOrder({ form }: { readonly form: Form }): VNode {
  const used = asArray(value(form, 'codecs')).map((codec) => asString(codec));
  const unused = Object.keys(CODECS).filter((codec) => !used.includes(codec));
  const move = (index: number, by: number): void => {
    const next = [...used];
    const [codec] = next.splice(index, 1);
    if (codec !== undefined) next.splice(index + by, 0, codec);
    form.set('codecs', next);
  };
  const errors = errorsAt(form, ['codecs']);
  return html`<fieldset class=${errors.length > 0 ? 'invalid' : ''}>
    <legend>Codecs, most preferred first</legend>
    <ol class="codecs">
      ${used.map((codec, index) => html`<li>
        <span>${CODECS[codec] ?? codec}</span>
        <button type="button" class="secondary small" disabled=${index === 0} onClick=${() => move(index, -1)} aria-label=${`Move ${codec} up`}>↑</button>
        <button type="button" class="secondary small" disabled=${index === used.length - 1} onClick=${() => move(index, 1)} aria-label=${`Move ${codec} down`}>↓</button>
        <button type="button" class="secondary small" onClick=${() => form.set('codecs', used.filter((c) => c !== codec))}>Off</button>
      </li>`)}
    </ol>
    ${unused.map((codec) => html`<button type="button" class="secondary small" onClick=${() => form.set('codecs', [...used, codec])}>Use ${CODECS[codec]}</button> `)}
    ${errors.length > 0 ? html`<div class="error" role="alert">${errors.join(' · ')}</div>` : null}
  </fieldset>`;
}

export function AudioScreen({ api }: ScreenProps): VNode {
  return html`<h1>Audio</h1>
    <${SectionForm} api=${api} section="audio" title="Microphone and speaker">
      ${(form: Form) => html`
        <fieldset><legend>Microphone</legend><div class="row">
          <${TextField} form=${form} path="microphone.device" label="ALSA capture device" placeholder="default" hint="For example plughw:1,0; empty: the system default." />
          <${NumberField} form=${form} path="microphone.gain" label="Gain (1 = unchanged)" min=${0} max=${8} step=${0.1} />
        </div></fieldset>
        <fieldset><legend>Speaker</legend><div class="row">
          <${TextField} form=${form} path="speaker.device" label="ALSA playback device" placeholder="default" />
          <${NumberField} form=${form} path="speaker.volume" label="Volume (1 = unchanged)" min=${0} max=${8} step=${0.1} />
        </div></fieldset>`}
    <//>
    <${SectionForm} api=${api} section="media" title="Codecs"
      intro="G.711 first works with nearly every phone; some FRITZ!Box set-ups have trouble with G.722.">
      ${(form: Form) => html`<${CodecOrder} form=${form} />`}
    <//>`;
}
