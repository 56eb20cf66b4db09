// HTTPS with the per-device certificate: made by openssl on first listen (key 0600), reused later, and the session
// cookie marked Secure.
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { request } from 'node:https';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness.ts';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const hasOpenssl = ((): boolean => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

function post(url: string, ca: string, body: unknown): Promise<{ status: number; setCookie: string[] }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', ca, servername: 'localhost', timeout: 5_000, headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, setCookie: res.headers['set-cookie'] ?? [] }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

it.skipIf(!hasOpenssl)('serves HTTPS with a self-signed per-device certificate and Secure cookies', async () => {
  h = await startHarness();
  const { url } = await h.server.listen('https://127.0.0.1:0/');
  expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/$/);
  const keyFile = path.join(h.stateDir, 'tls', 'key.pem');
  expect(statSync(keyFile).mode & 0o777).toBe(0o600);
  const cert = readFileSync(path.join(h.stateDir, 'tls', 'cert.pem'), 'utf8');
  const setup = await post(new URL('/api/setup', url).href, cert, { setupCode: h.setupCode, password: 'a long password' });
  expect(setup.status).toBe(200);
  const cookie = setup.setCookie.find((c) => c.startsWith('doorbell_session='))!;
  expect(cookie).toMatch(/; Secure/);
  expect(cookie).toMatch(/SameSite=Strict/);
  await h.server.close();
  const again = await startHarness({ stateDir: h.stateDir });
  await again.server.listen('https://127.0.0.1:0/');
  expect(readFileSync(path.join(h.stateDir, 'tls', 'cert.pem'), 'utf8')).toBe(cert);
  await again.server.close();
});

it('refuses a listen URL that is not http(s)://address:port/', async () => {
  h = await startHarness();
  await expect(h.server.listen('ftp://127.0.0.1:21/')).rejects.toMatchObject({ code: 'WEB_LISTEN_INVALID' });
  await expect(h.server.listen('http://127.0.0.1:8080/admin')).rejects.toMatchObject({ code: 'WEB_LISTEN_INVALID' });
});
