// The per-device HTTPS certificate: a self-signed ECDSA P-256 certificate made with the `openssl` CLI on first start
// and kept in `<stateDir>/tls/` (key 0600); never shipped in the package.

import { execFile } from 'node:child_process';
import { chmod, mkdir, readFile, rename } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { isIP } from 'node:net';
import { DoorbellError } from '../firmware-app/errors.ts';

export interface TlsFiles {
  readonly key: string;
  readonly cert: string;
}

function run(file: string, args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: 60_000 }, (error, _stdout, stderr) => {
      if (error === null) resolve();
      else reject(new DoorbellError('TLS_CERT_FAILED', `openssl could not make the page's certificate: ${String(stderr).trim().slice(0, 300) || error.message}`));
    });
  });
}

/** The subjectAltName entries: the listen address (unless a wildcard), loopback, and the device's name. */
export function subjectAltNames(listenHost: string): string {
  const names = new Set<string>(['DNS:localhost', 'IP:127.0.0.1', `DNS:${hostname()}`, `DNS:${hostname()}.local`]);
  const host = listenHost.replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0 && host !== '0.0.0.0' && host !== '::') names.add(`IP:${host}`);
  return [...names].join(',');
}

/** The key and certificate, made on first use; later starts read the same files. */
export async function deviceCertificate(stateDir: string, listenHost: string): Promise<TlsFiles> {
  const dir = path.join(stateDir, 'tls');
  const keyFile = path.join(dir, 'key.pem');
  const certFile = path.join(dir, 'cert.pem');
  try {
    return { key: await readFile(keyFile, 'utf8'), cert: await readFile(certFile, 'utf8') };
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ENOENT') throw error;
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const tempKey = `${keyFile}.new`;
  const tempCert = `${certFile}.new`;
  await run('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-sha256',
    '-days', '3650', '-subj', '/CN=sip-doorbell', '-addext', `subjectAltName=${subjectAltNames(listenHost)}`,
    '-keyout', tempKey, '-out', tempCert,
  ]);
  await chmod(tempKey, 0o600);
  // The certificate last: a crash between the renames leaves no certificate, and the next start makes both again.
  await rename(tempKey, keyFile);
  await rename(tempCert, certFile);
  return { key: await readFile(keyFile, 'utf8'), cert: await readFile(certFile, 'utf8') };
}
