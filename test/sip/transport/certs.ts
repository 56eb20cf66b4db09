// Throwaway test PKI made with the openssl CLI in a temp dir: a CA, a server certificate it signs, a stranger CA
// and a self-signed server certificate. Node's crypto cannot create certificates, hence the CLI.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface TestPki {
  /** The trusted test CA (PEM). */
  readonly ca: string;
  /** A CA nobody trusts (PEM). */
  readonly strangerCa: string;
  /** Server key and certificate signed by `ca`, for DNS:pbx.test and IP:127.0.0.1. */
  readonly serverKey: string;
  readonly serverCert: string;
  /** A self-signed server certificate for DNS:fritz.test and IP:127.0.0.1, with its key. */
  readonly selfSignedKey: string;
  readonly selfSignedCert: string;
  /** Removes the temp dir. */
  dispose(): void;
}

/** Is the openssl CLI on PATH? */
export function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

const CA_EXTENSIONS = ['basicConstraints=critical,CA:TRUE', 'keyUsage=critical,keyCertSign,cRLSign', 'subjectKeyIdentifier=hash'];

function serverExtensions(names: string): string[] {
  return [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature',
    'extendedKeyUsage=serverAuth',
    `subjectAltName=${names}`,
  ];
}

/** Creates the PKI (P-256 keys, valid for two days). */
export function createTestPki(): TestPki {
  const dir = mkdtempSync(path.join(tmpdir(), 'sip-doorbell-tls-'));
  const file = (name: string): string => path.join(dir, name);
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], timeout: 10_000 });
  };
  const extFile = (name: string, lines: string[]): string => {
    writeFileSync(file(name), `${lines.join('\n')}\n`);
    return file(name);
  };
  const key = (name: string): void => openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file(name));
  const selfSigned = (name: string, subject: string, extensions: string[]): void => {
    key(`${name}.key`);
    openssl('req', '-new', '-key', file(`${name}.key`), '-subj', subject, '-out', file(`${name}.csr`));
    openssl('x509', '-req', '-in', file(`${name}.csr`), '-signkey', file(`${name}.key`), '-days', '2', '-extfile', extFile(`${name}.ext`, extensions), '-out', file(`${name}.pem`));
  };
  const signed = (name: string, subject: string, issuer: string, extensions: string[]): void => {
    key(`${name}.key`);
    openssl('req', '-new', '-key', file(`${name}.key`), '-subj', subject, '-out', file(`${name}.csr`));
    openssl(
      'x509', '-req', '-in', file(`${name}.csr`),
      '-CA', file(`${issuer}.pem`), '-CAkey', file(`${issuer}.key`), '-set_serial', String(Date.now()),
      '-days', '2', '-extfile', extFile(`${name}.ext`, extensions), '-out', file(`${name}.pem`),
    );
  };

  selfSigned('ca', '/CN=sip-doorbell test CA', CA_EXTENSIONS);
  selfSigned('stranger', '/CN=stranger CA', CA_EXTENSIONS);
  signed('server', '/CN=pbx.test', 'ca', serverExtensions('DNS:pbx.test,IP:127.0.0.1'));
  selfSigned('fritz', '/CN=fritz.test', serverExtensions('DNS:fritz.test,IP:127.0.0.1'));

  const read = (name: string): string => readFileSync(file(name), 'utf8');
  return {
    ca: read('ca.pem'),
    strangerCa: read('stranger.pem'),
    serverKey: read('server.key'),
    serverCert: read('server.pem'),
    selfSignedKey: read('fritz.key'),
    selfSignedCert: read('fritz.pem'),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
