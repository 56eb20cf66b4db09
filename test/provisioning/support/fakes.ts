// Fakes of the provisioning page's ports (config store, status, actions) holding known secrets, so a test can check
// that no response ever carries one.

import type { LogFields, Logger } from '../../../firmware-app/platform/Logger.ts';
import type { ActionResult, ConfigSection, ConfigStoreApi, DeviceActions, DeviceStatus, FieldErrors, SaveResult, StatusSource } from '../../../provisioning/ports.ts';

/** Secrets the fake store holds; a correct server never lets a browser see any of them. */
export const STORE_SECRETS = { sipPassword: 'sip-Secret-7731-xyzzy', doorCodeHash: 'scrypt$14$8$1$c2FsdHNhbHRzYWx0c2FsdA==$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2U=' };

export interface FakeStore extends ConfigStoreApi {
  readonly writes: Array<{ readonly section: ConfigSection; readonly value: unknown }>;
  readonly imports: unknown[];
  /** The next write answers these field errors instead of saving. */
  refuseNext(fields: FieldErrors): void;
  factoryResets: number;
}

export function fakeStore(): FakeStore {
  const sections = new Map<ConfigSection, unknown>([
    ['sip', { mode: 'registered', account: { user: 'door', password: STORE_SECRETS.sipPassword, registrar: 'pbx.example' } }],
    ['doorbell', { doorCodes: [{ name: 'family', hash: STORE_SECRETS.doorCodeHash, relay: 'door' }] }],
  ]);
  // What a real store does: secrets go out as `{ set: true }`, never their value.
  const redact = (section: ConfigSection): unknown => {
    const value = sections.get(section);
    if (section === 'sip') {
      const sip = value as { mode: string; account: Record<string, unknown> };
      return { ...sip, account: { ...sip.account, password: { set: true } } };
    }
    if (section === 'doorbell') {
      const door = value as { doorCodes: Array<Record<string, unknown>> };
      return { doorCodes: door.doorCodes.map((c) => ({ ...c, hash: undefined, code: { set: true } })) };
    }
    return value ?? {};
  };
  let refusal: FieldErrors | undefined;
  const store: FakeStore = {
    writes: [],
    imports: [],
    factoryResets: 0,
    startedFromBackup: false,
    refuseNext(fields) {
      refusal = fields;
    },
    read: redact,
    async write(section, value): Promise<SaveResult> {
      if (refusal !== undefined) {
        const fields = refusal;
        refusal = undefined;
        return { ok: false, fields };
      }
      store.writes.push({ section, value });
      if (section !== 'sip' && section !== 'doorbell') sections.set(section, value);
      return { ok: true };
    },
    exportRedacted: () => Object.fromEntries([...sections.keys()].map((s) => [s, redact(s)])),
    exportSealed(seal) {
      const sip = sections.get('sip') as { account: Record<string, unknown> };
      const door = sections.get('doorbell') as { doorCodes: Array<Record<string, unknown>> };
      return {
        ...Object.fromEntries(sections),
        sip: { ...sip, account: { ...sip.account, password: seal(String(sip.account.password), 'sip.account.password') } },
        doorbell: { doorCodes: door.doorCodes.map((c, i) => ({ ...c, hash: seal(String(c.hash), `doorbell.doorCodes.${i}.hash`) })) },
      };
    },
    async importConfig(value): Promise<SaveResult> {
      if (refusal !== undefined) {
        const fields = refusal;
        refusal = undefined;
        return { ok: false, fields };
      }
      store.imports.push(value);
      return { ok: true };
    },
    async factoryReset() {
      store.factoryResets += 1;
    },
  };
  return store;
}

export interface FakeStatus extends StatusSource {
  /** Changes the door state and tells the subscribers. */
  setDoor(state: string): void;
  readonly listeners: number;
  /** Resolves when the next subscriber arrives. */
  subscribed(): Promise<void>;
}

export function fakeStatus(): FakeStatus {
  let door = 'idle';
  const listeners = new Set<() => void>();
  let waiting: Array<() => void> = [];
  return {
    snapshot: (): DeviceStatus => ({
      version: '0.1.0', mode: 'simulate', sipMode: 'registered',
      registration: { state: 'registered', server: 'pbx.example' },
      door: { state: door }, refused: { policy: 2 }, recentEvents: [],
      relays: [{ id: 'door', active: false }], leds: [{ id: 'status', pattern: 'on' }], startedFromBackup: false,
      configOrigin: { from: 'file', problems: [] },
    }),
    subscribe(listener) {
      listeners.add(listener);
      for (const resolve of waiting) resolve();
      waiting = [];
      return () => listeners.delete(listener);
    },
    setDoor(state) {
      door = state;
      for (const listener of listeners) listener();
    },
    get listeners() {
      return listeners.size;
    },
    subscribed: () => new Promise((resolve) => waiting.push(resolve)),
  };
}

export interface FakeActions extends DeviceActions {
  readonly calls: string[];
  /** While true the audio self-tests are refused as a call holding the devices would refuse them. */
  audioBusy: boolean;
}

/** The level the fake microphone self-test reports. */
export const FAKE_MIC_LEVEL_DBFS = -9;

export function fakeActions(simulator = true): FakeActions {
  const calls: string[] = [];
  const ok = (call: string): ActionResult => {
    calls.push(call);
    return { ok: true };
  };
  const busy = { ok: false, code: 'AUDIO_BUSY', message: 'a call holds the microphone and speaker' } as const;
  const fake: FakeActions = {
    calls,
    audioBusy: false,
    openDoor: (relay) => ok(`openDoor ${relay ?? ''}`.trim()),
    testCall: (button) => ok(`testCall ${button ?? ''}`.trim()),
    pulseRelay: (relay, ms) => (relay === 'missing' ? { ok: false, code: 'NO_SUCH_RELAY', message: 'no relay missing' } : ok(`pulseRelay ${relay} ${ms ?? ''}`.trim())),
    ledTest: () => ok('ledTest'),
    speakerTest: () => (fake.audioBusy ? busy : ok('speakerTest')),
    micTest: async () => {
      if (fake.audioBusy) return busy;
      calls.push('micTest');
      return { ok: true, detail: `microphone level ${FAKE_MIC_LEVEL_DBFS.toFixed(1)} dBFS`, levelDbfs: FAKE_MIC_LEVEL_DBFS };
    },
    ...(simulator ? { pressButton: (id: string) => ok(`press ${id}`) } : {}),
  };
  return fake;
}

export interface MemoryLogger extends Logger {
  readonly lines: string[];
  count(event: string): number;
}

/** A Logger keeping `level event k=v` lines. */
export function memoryLogger(): MemoryLogger {
  const lines: string[] = [];
  const log = (level: string) => (event: string, fields?: LogFields): void => {
    lines.push(`${level} ${event}${Object.entries(fields ?? {}).map(([k, v]) => ` ${k}=${String(v)}`).join('')}`);
  };
  return {
    lines,
    debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error'),
    count: (event) => lines.filter((l) => l.split(' ')[1] === event).length,
  };
}
