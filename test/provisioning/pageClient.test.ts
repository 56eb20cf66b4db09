// The page's pure parts: dotted-path edits of a section, field errors by path, and the API client (CSRF token,
// 401s that switch to setup or login, error bodies) against a fake fetch.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createApi } from '../../provisioning/page/app/api.ts';
import { errorsAt, fieldId, secretIsSet, type Form } from '../../provisioning/page/app/form.ts';
import { getAt, setAt, type Json } from '../../provisioning/page/app/json.ts';

describe('setAt and getAt', () => {
  it('set a nested value on a copy, creating objects and arrays on the way', () => {
    const section: Json = { mode: 'registered', account: { registrar: 'pbx.lan' } };
    const next = setAt(section, 'account.password', 'secret-1');
    expect(next).toEqual({ mode: 'registered', account: { registrar: 'pbx.lan', password: 'secret-1' } });
    expect(section).toEqual({ mode: 'registered', account: { registrar: 'pbx.lan' } });
    expect(setAt([], '0.plan.1.ringSec', 20)).toEqual([{ plan: [undefined, { ringSec: 20 }] }]);
    expect(getAt(next, 'account.password')).toBe('secret-1');
    expect(getAt(next, 'account.missing.deeper')).toBeUndefined();
  });

  it('removes a key, or an element from an array, when given undefined', () => {
    expect(setAt({ a: 1, b: 2 }, 'a', undefined)).toEqual({ b: 2 });
    expect(setAt({ users: [{ u: 'a' }, { u: 'b' }, { u: 'c' }] }, 'users.1', undefined)).toEqual({ users: [{ u: 'a' }, { u: 'c' }] });
    expect(setAt({ a: 1 }, '', { b: 2 })).toEqual({ b: 2 });
  });
});

describe('a form', () => {
  const form: Form = {
    draft: null,
    original: { account: { password: { set: true } }, users: [{ password: { set: false } }] },
    errors: { 'account.password': 'Required', '0.plan.1.targets.0': 'no indoor user x under sip.users', '0.plan.10.ringSec': 'too small' },
    idPrefix: 'buttons',
    set: () => undefined,
  };

  it('shows a field its own errors and those below it, not a sibling index sharing a prefix', () => {
    expect(errorsAt(form, ['account.password'])).toEqual(['Required']);
    expect(errorsAt(form, ['0.plan.1.targets'])).toEqual(['0: no indoor user x under sip.users']);
    expect(errorsAt(form, ['0.plan.1'])).toHaveLength(1);
    expect(errorsAt(form, ['0.plan.2'])).toEqual([]);
  });

  it('knows a secret is set only from the loaded { set: true }', () => {
    expect(secretIsSet(form, 'account.password')).toBe(true);
    expect(secretIsSet(form, 'users.0.password')).toBe(false);
    expect(secretIsSet(form, 'users.1.password')).toBe(false);
  });

  it('makes DOM ids from paths', () => {
    expect(fieldId(form, '0.plan.1.ringSec')).toBe('buttons-0-plan-1-ringSec');
  });
});

interface Call {
  readonly url: string;
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body: string | undefined;
}

/** A fetch answering each call with the next of `answers` and remembering the request. */
function fakeFetch(answers: ReadonlyArray<readonly [number, Json]>): Call[] {
  const calls: Call[] = [];
  let next = 0;
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    calls.push({ url, method: init.method ?? 'GET', headers: init.headers as Record<string, string>, body: init.body as string | undefined });
    const answer = answers[next++];
    if (answer === undefined) throw new TypeError('Failed to fetch');
    return new Response(JSON.stringify(answer[1]), { status: answer[0], headers: { 'content-type': 'application/json; charset=utf-8' } });
  });
  return calls;
}

describe('the API client', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
  });

  it('sends the CSRF token from /api/status on state-changing requests only', async () => {
    const calls = fakeFetch([[200, { registration: { state: 'standalone' }, csrfToken: 'token-1' }], [200, { ok: true }], [200, {}]]);
    const api = createApi(() => undefined);
    await api.get('/api/status');
    const saved = await api.send('PUT', '/api/config/media', { srtp: 'off' });
    await api.get('/api/config/media');
    expect(saved).toEqual({ ok: true, status: 200, data: { ok: true } });
    expect(calls[1]).toMatchObject({ method: 'PUT', body: '{"srtp":"off"}', headers: { 'x-csrf-token': 'token-1', 'content-type': 'application/json' } });
    expect(calls[2]!.headers['x-csrf-token']).toBeUndefined();
  });

  it('takes the new token a login answers with', async () => {
    const calls = fakeFetch([[200, { ok: true, csrfToken: 'after-login' }], [200, { ok: true }]]);
    const api = createApi(() => undefined);
    await api.send('POST', '/api/login', { password: 'long enough pw' }, { quiet: true });
    await api.send('POST', '/api/logout');
    expect(calls[0]!.headers['x-csrf-token']).toBeUndefined();
    expect(calls[1]!.headers['x-csrf-token']).toBe('after-login');
  });

  it('reports a 401 to the app (setup or login) unless the request is quiet', async () => {
    fakeFetch([
      [401, { error: { code: 'SETUP_REQUIRED', message: 'the device is not set up yet' } }],
      [401, { error: { code: 'WRONG_PASSWORD', message: 'wrong password' } }],
      [401, { error: { code: 'UNAUTHENTICATED', message: 'log in first' } }],
    ]);
    const lost: string[] = [];
    const api = createApi((code) => lost.push(code));
    await api.get('/api/status');
    const login = await api.send('POST', '/api/login', { password: 'x' }, { quiet: true });
    await api.get('/api/config/sip');
    expect(lost).toEqual(['SETUP_REQUIRED', 'UNAUTHENTICATED']);
    expect(login).toEqual({ ok: false, status: 401, error: { code: 'WRONG_PASSWORD', message: 'wrong password' } });
  });

  it('hands field errors of a 400 to the form and turns a network failure into a result', async () => {
    fakeFetch([[400, { error: { code: 'INVALID', message: 'check the fields', fields: { 'account.password': 'Required', '0.plan.1.ringSec': 'too small' } } }]]);
    const api = createApi(() => undefined);
    const result = await api.send('PUT', '/api/config/sip', {});
    expect(result).toEqual({ ok: false, status: 400, error: { code: 'INVALID', message: 'check the fields', fields: { 'account.password': 'Required', '0.plan.1.ringSec': 'too small' } } });
    const offline = await api.get('/api/status');
    expect(offline).toMatchObject({ ok: false, status: 0, error: { code: 'NETWORK' } });
  });
});
