/// <reference lib="dom" />
// Network: where the door station takes SIP (`sip.listen`: address, port, UDP/TCP) and where this page itself listens
// (`web.listen`). A change of the page's address moves the page: the screen names the address to open next.

import { html } from 'htm/preact';
import { useState } from 'preact/hooks';
import type { VNode } from 'preact';
import { defaultPageListen, pageUrlAfter } from '../address.ts';
import type { ScreenProps } from '../App.ts';
import { ChoicesField, NumberField, TextField } from '../fields.ts';
import { value, type Form } from '../form.ts';
import { asString, getAt, type Json } from '../json.ts';
import { SectionForm } from '../SectionForm.ts';

const TRANSPORTS = [['udp', 'UDP'], ['tcp', 'TCP']] as const;

function SipListen({ form }: { readonly form: Form }): VNode {
  return html`
    <${TextField} form=${form} path="listen.host" label="SIP address" placeholder="0.0.0.0"
      hint="0.0.0.0 (the usual): every IPv4 address of the door station. One of its addresses: SIP answers there only." />
    <${NumberField} form=${form} path="listen.port" label="SIP port" min=${0} max=${65535}
      hint="5060 is the usual one; another port keeps some scanners away. The indoor phones or the PBX must use the same." />
    <${ChoicesField} form=${form} path="listen.transports" label="Take SIP over" options=${TRANSPORTS}
      hint="Most phones use UDP; keep both unless a phone or the PBX needs one of them only." />`;
}

/** The page's address field, and where to open the page once a changed address is saved. */
function PageListen({ form, simulator }: { readonly form: Form; readonly simulator: boolean }): VNode {
  const fallback = defaultPageListen(simulator);
  const typed = asString(value(form, 'listen'));
  const changed = typed !== asString(getAt(form.original, 'listen'));
  const next = changed ? pageUrlAfter(typed === '' ? fallback : typed, window.location.hostname) : undefined;
  return html`
    <${TextField} form=${form} path="listen" label="Address of this page" placeholder=${fallback}
      hint=${`http://address:port, or https://address:port (the door station makes its own certificate). Empty: ${fallback}. `
        + 'Careful: after a change the page moves to the new address and stops answering at this one; note the new address before you save.'} />
    ${next !== undefined ? html`<p class="hint" id="web-listen-next">Once saved, the page is at <strong>${next}</strong>.</p>` : null}`;
}

export function NetworkScreen({ api, status }: ScreenProps): VNode {
  const simulator = status.mode === 'simulate';
  const [moved, setMoved] = useState<string | undefined>(undefined);
  const saved = (section: Json): void => {
    setMoved(pageUrlAfter(asString(getAt(section, 'listen')) || defaultPageListen(simulator), window.location.hostname));
  };
  return html`<h1>Network</h1>
    <${SectionForm} api=${api} section="sip" title="SIP address and port"
      intro="Where the indoor phones (or the PBX) send calls and registrations. A change applies as soon as no call is in progress.">
      ${(form: Form) => html`<${SipListen} form=${form} />`}
    <//>
    <${SectionForm} api=${api} section="web" title="Address of this page" onSaved=${saved}
      savedText="Saved. The page moves to the new address now; open it there.">
      ${(form: Form) => html`<${PageListen} form=${form} simulator=${simulator} />`}
    <//>
    ${moved !== undefined ? html`<p class="card" role="status" id="web-listen-moved">The page's address is now
      <a href=${moved}>${moved}</a>: open it there if this page stops answering.</p>` : null}`;
}
