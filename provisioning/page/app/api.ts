/// <reference lib="dom" />
// The JSON API client: same-origin fetch with the session cookie, the CSRF token on every state-changing request,
// errors as `{ error: { code, message, fields? } }` turned into results (nothing thrown at the screens).

import type { Json } from './json.ts';

export interface ApiError {
  readonly code: string;
  readonly message: string;
  /** Field errors by path inside the request body (`account.password`). */
  readonly fields?: Readonly<Record<string, string>>;
}

export type ApiResult = { readonly ok: true; readonly status: number; readonly data: Json } | { readonly ok: false; readonly status: number; readonly error: ApiError };

export interface Api {
  get(url: string): Promise<ApiResult>;
  /** POST/PUT with the CSRF token. `quiet`: a 401 is this request's answer (wrong password), not a lost session. */
  send(method: 'POST' | 'PUT', url: string, body?: Json, options?: { readonly quiet?: boolean }): Promise<ApiResult>;
}

/** A 401 means setup is still to be done (SETUP_REQUIRED) or there is no session (anything else). */
export type AuthLost = (code: string) => void;

function errorOf(status: number, body: Json | undefined): ApiError {
  const error = typeof body === 'object' && body !== null && !Array.isArray(body) ? body['error'] : undefined;
  if (typeof error === 'object' && error !== null && !Array.isArray(error)) {
    const fields = error['fields'];
    return {
      code: typeof error['code'] === 'string' ? error['code'] : `HTTP_${status}`,
      message: typeof error['message'] === 'string' ? error['message'] : `The door station answered ${status}.`,
      ...(typeof fields === 'object' && fields !== null && !Array.isArray(fields)
        ? { fields: Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, String(v)])) }
        : {}),
    };
  }
  return { code: `HTTP_${status}`, message: `The door station answered ${status}.` };
}

async function bodyOf(response: Response): Promise<Json | undefined> {
  if (!(response.headers.get('content-type') ?? '').includes('json')) return undefined;
  try {
    return (await response.json()) as Json;
  } catch {
    return undefined;
  }
}

/** The client; `authLost` is told about every 401 that is not `quiet`. */
export function createApi(authLost: AuthLost): Api {
  let csrfToken: string | undefined;
  async function call(method: string, url: string, body: Json | undefined, quiet: boolean): Promise<ApiResult> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (method !== 'GET' && csrfToken !== undefined) headers['x-csrf-token'] = csrfToken;
    let response: Response;
    try {
      response = await fetch(url, { method, headers, credentials: 'same-origin', ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    } catch {
      return { ok: false, status: 0, error: { code: 'NETWORK', message: 'The door station does not answer. Is it on and on this network?' } };
    }
    const data = await bodyOf(response);
    // The token comes with the status; any other answer that carries one (setup, login) refreshes it.
    if (typeof data === 'object' && data !== null && !Array.isArray(data) && typeof data['csrfToken'] === 'string') csrfToken = data['csrfToken'];
    if (response.ok) return { ok: true, status: response.status, data: data ?? null };
    const error = errorOf(response.status, data);
    if (response.status === 401 && !quiet) authLost(error.code);
    return { ok: false, status: response.status, error };
  }
  return {
    get: (url) => call('GET', url, undefined, false),
    send: (method, url, body, options) => call(method, url, body, options?.quiet === true),
  };
}

/**
 * The field errors of a refusal, with those the device answers by code only (`WRONG_SETUP_CODE`) put on the field
 * they are about; `byCode` maps a code to that field and the message to show there. The device's own `fields` win.
 */
export function fieldErrors(error: ApiError, byCode: Readonly<Record<string, readonly [field: string, message: string]>>): Record<string, string> {
  const known = Object.hasOwn(byCode, error.code) ? byCode[error.code] : undefined;
  return { ...(known !== undefined ? { [known[0]]: known[1] } : {}), ...error.fields };
}
