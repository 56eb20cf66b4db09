/// <reference lib="dom" />
// The provisioning page's entry: the stylesheet (bundled into app.css) and the app rendered into #app.

import { html, render } from 'htm/preact';
import { App } from './App.ts';
import './style.css';

const root = document.getElementById('app');
if (root !== null) {
  root.textContent = '';
  render(html`<${App} />`, root);
}
