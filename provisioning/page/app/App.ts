/// <reference lib="dom" />
// The page's shell: which screen the visitor may see (setup, login, the device's screens), the navigation, the
// live status every screen shares.

import { html } from 'htm/preact';
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import type { VNode } from 'preact';
import type { DeviceStatus } from '../../ports.ts';
import { createApi, type Api } from './api.ts';
import { asStatus, useLiveStatus, type Connection } from './live.ts';
import { href, useHashRoute } from './router.ts';
import { LoginScreen, SetupScreen } from './screens/auth.ts';
import { AudioScreen } from './screens/audio.ts';
import { ButtonsScreen } from './screens/buttons.ts';
import { ChimeScreen, DoorCodesScreen } from './screens/doorbell.ts';
import { GeneralScreen } from './screens/general.ts';
import { HardwareScreen } from './screens/hardware.ts';
import { MaintenanceScreen } from './screens/maintenance.ts';
import { NetworkScreen } from './screens/network.ts';
import { SchedulesScreen } from './screens/schedules.ts';
import { SecurityScreen } from './screens/security.ts';
import { SelfTestScreen } from './screens/selftest.ts';
import { SimulatorScreen } from './screens/simulator.ts';
import { SipScreen } from './screens/sip.ts';
import { StatusScreen } from './screens/status.ts';

type Auth = { readonly state: 'checking' | 'setup' | 'login' | 'ready' } | { readonly state: 'unreachable'; readonly message: string };

export interface ScreenProps {
  readonly api: Api;
  readonly status: DeviceStatus;
  readonly connection: Connection;
  /** Asks /api/status again (after logout or a factory reset the page falls back to login or setup). */
  readonly recheck: () => Promise<void>;
}

interface Route {
  readonly name: string;
  readonly label: string;
  readonly screen: (props: ScreenProps) => VNode;
  readonly simulatorOnly?: boolean;
}

const ROUTES: readonly Route[] = [
  { name: 'status', label: 'Status', screen: StatusScreen },
  { name: 'sip', label: 'SIP', screen: SipScreen },
  { name: 'buttons', label: 'Buttons', screen: ButtonsScreen },
  { name: 'schedules', label: 'Schedules', screen: SchedulesScreen },
  { name: 'codes', label: 'Door codes', screen: DoorCodesScreen },
  { name: 'chime', label: 'Chime', screen: ChimeScreen },
  { name: 'audio', label: 'Audio', screen: AudioScreen },
  { name: 'security', label: 'Security', screen: SecurityScreen },
  { name: 'network', label: 'Network', screen: NetworkScreen },
  { name: 'hardware', label: 'Hardware', screen: HardwareScreen },
  { name: 'general', label: 'General', screen: GeneralScreen },
  { name: 'selftest', label: 'Self-test', screen: SelfTestScreen },
  { name: 'maintenance', label: 'Maintenance', screen: MaintenanceScreen },
  { name: 'simulator', label: 'Simulator', screen: SimulatorScreen, simulatorOnly: true },
];

export function App(): VNode {
  const [auth, setAuth] = useState<Auth>({ state: 'checking' });
  const [status, setStatus] = useState<DeviceStatus | undefined>(undefined);
  const api = useMemo(() => createApi((code) => setAuth({ state: code === 'SETUP_REQUIRED' ? 'setup' : 'login' })), []);
  const route = useHashRoute();

  const recheck = useCallback(async (): Promise<void> => {
    const result = await api.get('/api/status');
    if (result.ok) {
      const snapshot = asStatus(result.data);
      if (snapshot === undefined) {
        setAuth({ state: 'unreachable', message: 'The door station sent a status this page does not understand.' });
        return;
      }
      setStatus(snapshot);
      setAuth({ state: 'ready' });
    } else if (result.status !== 401) {
      setAuth({ state: 'unreachable', message: result.error.message });
    } // a 401 has already switched to setup or login
  }, [api]);
  useEffect(() => {
    void recheck();
  }, [recheck]);
  const connection = useLiveStatus(auth.state === 'ready', setStatus, recheck);

  switch (auth.state) {
    case 'checking':
      return html`<main class="narrow"><p class="muted">Connecting to the door station…</p></main>`;
    case 'unreachable':
      return html`<main class="narrow"><div class="card"><h1>Door station</h1><p class="error" role="alert">${auth.message}</p>
        <button type="button" onClick=${() => void recheck()}>Try again</button></div></main>`;
    case 'setup':
      return html`<${SetupScreen} api=${api} onDone=${() => void recheck()} />`;
    case 'login':
      return html`<${LoginScreen} api=${api} onDone=${() => void recheck()} />`;
    case 'ready':
      break;
  }
  if (status === undefined) return html`<main class="narrow"><p class="muted">Loading…</p></main>`;

  const routes = ROUTES.filter((r) => r.simulatorOnly !== true || status.mode === 'simulate');
  const chosen = routes.find((r) => r.name === route) ?? routes[0]!;
  const logout = async (): Promise<void> => {
    await api.send('POST', '/api/logout');
    await recheck();
  };
  return html`<div class="shell">
    <header>
      <span class="brand">Door station</span>
      <span class=${`badge ${connection === 'live' ? 'good' : 'warn'}`} role="status">${connection === 'live' ? 'live' : 'reconnecting…'}</span>
      ${status.mode === 'simulate' ? html`<span class="badge">simulator</span>` : null}
      <button type="button" class="secondary small" onClick=${() => void logout()}>Log out</button>
    </header>
    <nav aria-label="Screens"><ul>
      ${routes.map((r) => html`<li><a href=${href(r.name)} aria-current=${r === chosen ? 'page' : undefined}>${r.label}</a></li>`)}
    </ul></nav>
    <main>
      ${status.startedFromBackup ? html`<p class="error-box" role="alert">The configuration file was unreadable or invalid at start: the door station runs on the backup copy (.bak). Check the settings and save them.</p>` : null}
      <${chosen.screen} key=${chosen.name} api=${api} status=${status} connection=${connection} recheck=${recheck} />
    </main>
  </div>`;
}
