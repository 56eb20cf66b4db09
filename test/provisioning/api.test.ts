// The JSON API's answers: config sections, field errors, unknown sections, bad JSON, body limit, actions, export,
// the simulator's button, security headers.
import { afterEach, describe, expect, it } from 'vitest';
import { DoorbellError } from '../../firmware-app/errors.ts';
import { setUpHarness, type Harness } from './support/harness.ts';
import { FAKE_MIC_LEVEL_DBFS } from './support/fakes.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('config sections', () => {
  it('reads a section redacted and saves a valid one, logging configSaved with the section', async () => {
    let admin;
    ({ h, admin } = await setUpHarness());
    const sip = await admin.get('/api/config/sip');
    expect(sip.statusCode).toBe(200);
    expect(sip.json()).toMatchObject({ account: { password: { set: true } } });
    const saved = await admin.send({ method: 'PUT', url: '/api/config/audio', body: { volume: 80 } });
    expect(saved.statusCode).toBe(200);
    expect(saved.json()).toEqual({ ok: true, section: { volume: 80 } });
    expect(h.logger.lines).toContain('info configSaved section=audio from=127.0.0.1');
  });

  it('answers field errors with 400 INVALID and fields', async () => {
    let admin;
    ({ h, admin } = await setUpHarness());
    h.store.refuseNext({ 'account.registrar': 'a host name or address' });
    const refused = await admin.send({ method: 'PUT', url: '/api/config/sip', body: { mode: 'registered', account: { registrar: '' } } });
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toEqual({ error: { code: 'INVALID', message: expect.any(String), fields: { 'account.registrar': 'a host name or address' } } });
    expect(h.store.writes).toEqual([]);
  });

  it('answers a save the storage refused with 500 NOT_SAVED saying nothing changed, logs the file and reason, and keeps serving', async () => {
    let admin;
    ({ h, admin } = await setUpHarness());
    h.store.write = async () => {
      throw new DoorbellError('CONFIG_NOT_SAVED', "cannot save the configuration to /etc/sip-doorbell/config.json: Error EROFS: read-only file system");
    };
    const refused = await admin.send({ method: 'PUT', url: '/api/config/audio', body: { volume: 80 } });
    expect(refused.statusCode).toBe(500);
    expect(refused.json()).toEqual({ error: { code: 'NOT_SAVED', message: expect.stringContaining('nothing was changed') } });
    expect(h.logger.lines.find((line) => line.startsWith('error configNotSaved'))).toContain('EROFS');
    expect((await admin.get('/api/config/audio')).statusCode).toBe(200);
  });

  it('answers 404 for an unknown section', async () => {
    let admin;
    ({ h, admin } = await setUpHarness());
    expect((await admin.get('/api/config/secrets')).statusCode).toBe(404);
    const put = await admin.send({ method: 'PUT', url: '/api/config/__proto__', body: {} });
    expect(put.statusCode).toBe(404);
    expect(put.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });

  it('answers bad JSON, an empty body and an oversized body with a 4xx error, and keeps serving', async () => {
    let admin;
    ({ h, admin } = await setUpHarness());
    const bad = await admin.send({ method: 'PUT', url: '/api/config/audio', raw: '{"volume": 8' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: { code: 'BAD_JSON' } });
    const empty = await admin.send({ method: 'PUT', url: '/api/config/audio', raw: '' });
    expect(empty.statusCode).toBe(400);
    const huge = await admin.send({ method: 'PUT', url: '/api/config/audio', raw: JSON.stringify({ x: 'a'.repeat(70_000) }) });
    expect(huge.statusCode).toBe(413);
    const text = await h.server.app.inject({ method: 'PUT', url: '/api/config/audio', payload: 'volume=8', headers: { cookie: admin.cookie!, 'x-csrf-token': admin.csrfToken!, 'content-type': 'text/plain' } });
    expect(text.statusCode).toBe(415);
    expect(text.json()).toMatchObject({ error: { code: 'UNSUPPORTED_MEDIA_TYPE' } });
    expect((await admin.send({ method: 'PUT', url: '/api/config/audio', raw: '"loud"' })).statusCode).toBe(400);
    expect(h.store.writes).toEqual([]);
    expect((await admin.get('/api/status')).statusCode).toBe(200);
  });

  it('exports the redacted configuration as a download', async () => {
    let admin;
    ({ h, admin } = await setUpHarness());
    const exported = await admin.get('/api/export');
    expect(exported.statusCode).toBe(200);
    expect(exported.headers['content-disposition']).toMatch(/^attachment; filename="sip-doorbell-config-[0-9-]+\.json"$/);
    expect(exported.json()).toHaveProperty('sip');
  });
});

describe('actions', () => {
  it('passes relay and ms, refuses bad ones with field errors and answers the device refusal as 409', async () => {
    let admin;
    ({ h, admin } = await setUpHarness());
    expect((await admin.post('/api/actions/pulse-relay', { relay: 'door', ms: 250 })).statusCode).toBe(200);
    expect((await admin.post('/api/actions/pulse-relay', { relay: 'door', ms: -1 })).json()).toMatchObject({ error: { code: 'INVALID', fields: { ms: expect.any(String) } } });
    expect((await admin.post('/api/actions/pulse-relay', {})).statusCode).toBe(400);
    const missing = await admin.post('/api/actions/pulse-relay', { relay: 'missing' });
    expect(missing.statusCode).toBe(409);
    expect(missing.json()).toEqual({ error: { code: 'NO_SUCH_RELAY', message: 'no relay missing' } });
    expect((await admin.post('/api/actions/open-door', { relay: 'gate' })).statusCode).toBe(200);
    expect((await admin.post('/api/actions/test-call', { button: '2' })).statusCode).toBe(200);
    expect(h.actions.calls).toEqual(['pulseRelay door 250', 'openDoor gate', 'testCall 2']);
  });

  it('runs the LED, speaker and microphone self-tests; the microphone answers its level; a call holding the audio gets 409 AUDIO_BUSY', async () => {
    let admin;
    ({ h, admin } = await setUpHarness());
    expect((await admin.post('/api/actions/led-test', {})).json()).toEqual({ ok: true });
    expect((await admin.post('/api/actions/speaker-test', {})).json()).toEqual({ ok: true });
    const mic = await admin.post('/api/actions/mic-test', {});
    expect(mic.statusCode).toBe(200);
    expect(mic.json()).toEqual({ ok: true, detail: 'microphone level -9.0 dBFS', levelDbfs: FAKE_MIC_LEVEL_DBFS });
    expect(h.actions.calls).toEqual(['ledTest', 'speakerTest', 'micTest']);
    h.actions.audioBusy = true;
    for (const url of ['/api/actions/speaker-test', '/api/actions/mic-test']) {
      const refused = await admin.post(url, {});
      expect(refused.statusCode).toBe(409);
      expect(refused.json()).toMatchObject({ error: { code: 'AUDIO_BUSY', message: expect.any(String) } });
    }
    expect(h.actions.calls).toHaveLength(3);
  });

  it('presses a virtual button in the simulator and answers 404 on a device', async () => {
    let admin;
    ({ h, admin } = await setUpHarness());
    expect((await admin.post('/api/simulate/button/front')).statusCode).toBe(200);
    expect(h.actions.calls).toEqual(['press front']);
    await h.close();
    ({ h, admin } = await setUpHarness({ simulator: false }));
    const device = await admin.post('/api/simulate/button/front');
    expect(device.statusCode).toBe(404);
    expect(device.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });
});

describe('headers', () => {
  it('sends a self-only CSP without inline script, no-sniff and frame refusal; the session cookie is HttpOnly, Strict, Path=/', async () => {
    let admin;
    ({ h, admin } = await setUpHarness());
    const page = await admin.get('/');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    const login = await h.client().logIn();
    const cookie = String(login.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).not.toMatch(/Secure/i); // plain HTTP: the browser would drop a Secure cookie
  });
});
