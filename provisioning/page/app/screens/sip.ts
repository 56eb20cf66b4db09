// The SIP screen: standalone (the door station is the registrar of the indoor phones) or a PBX account.

import { html } from 'htm/preact';
import type { VNode } from 'preact';
import type { ScreenProps } from '../App.ts';
import { ArrayEditor, ListField, NumberField, SecretField, SelectField, TextField } from '../fields.ts';
import { value, type Form } from '../form.ts';
import { SectionForm } from '../SectionForm.ts';

function Standalone({ form }: { readonly form: Form }): VNode {
  return html`
    <${TextField} form=${form} path="domain" label="SIP domain" hint="The phones register as user@this-domain at the door station's address." placeholder="doorbell.local" />
    <${ArrayEditor} form=${form} path="users" legend="Indoor phones (users that register here)" itemName="user" max=${16}
      newItem=${() => ({ username: '' })}
      item=${(path: string) => html`<div class="row">
        <${TextField} form=${form} path=${`${path}.username`} label="User name" />
        <${SecretField} form=${form} path=${`${path}.password`} label="Password" hint="At least 8 characters." />
      </div>`} />`;
}

function Account({ form }: { readonly form: Form }): VNode {
  const tls = value(form, 'account.transport') === 'tls';
  return html`<fieldset>
    <legend>PBX account</legend>
    <${TextField} form=${form} path="account.registrar" label="Registrar" placeholder="sip:pbx.example.org or 192.168.178.1" />
    <${TextField} form=${form} path="account.user" label="User" hint="The extension or user name the PBX gave the door." />
    <${TextField} form=${form} path="account.authUser" label="Authentication user" hint="Only when it differs from the user." />
    <${SecretField} form=${form} path="account.password" label="Password" />
    <${SelectField} form=${form} path="account.transport" label="Transport" optional=${true}
      options=${[['udp', 'UDP'], ['tcp', 'TCP'], ['tls', 'TLS']]} />
    <${TextField} form=${form} path="account.outboundProxy" label="Outbound proxy" />
    <${TextField} form=${form} path="account.backupRegistrar" label="Backup registrar" />
    <${NumberField} form=${form} path="account.expires" label="Registration expiry (seconds)" min=${60} max=${86400} />
    <${TextField} form=${form} path="account.realm" label="Realm" hint="Only answer challenges for this realm (optional)." />
    ${tls ? html`
      <${TextField} form=${form} path="account.tlsCa" label="TLS CA certificate" multiline=${true}
        hint="PEM text (-----BEGIN CERTIFICATE-----…) or the path of a PEM file; empty: the system's CAs." />
      <${TextField} form=${form} path="account.tlsPinSha256" label="Server certificate SHA-256 fingerprint (optional)" />` : null}
  </fieldset>`;
}

export function SipScreen({ api }: ScreenProps): VNode {
  return html`<h1>SIP</h1>
    <${SectionForm} api=${api} section="sip" title="SIP mode and account">
      ${(form: Form) => html`
        <${SelectField} form=${form} path="mode" label="Mode"
          options=${[['standalone', 'Standalone: indoor phones register with the door station'], ['registered', 'PBX account: the door registers with a SIP server']]} />
        <${TextField} form=${form} path="displayName" label="Display name" placeholder="Door" />
        ${value(form, 'mode') === 'registered' ? html`<${Account} form=${form} />` : html`<${Standalone} form=${form} />`}
        <${ListField} form=${form} path="peerAllowList" label="Direct calls allowed from (IP addresses)"
          hint="Calls without a registrar are accepted only from these addresses." />`}
    <//>`;
}
