// The `tlsCa` of a PBX account given as a file path: read relative to the config file into PEM text, as the stack
// takes it. Problems are log lines naming the field, never a value.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type Config, holdsPemCertificate, tlsCaSource } from '../config/schema.ts';
import { errorMessage } from '../errors.ts';
import type { Logger } from './Logger.ts';

export type TlsCaRead =
  | { readonly ok: true; readonly config: Config }
  | { readonly ok: false; readonly caFile: string; readonly error: string }
  | { readonly ok: false; readonly caFile: string; readonly error?: undefined };

/** A `tlsCa` that is a file path (relative to the config file) is read here, so that the stack gets PEM text. */
export function readTlsCa(config: Config, file: string): TlsCaRead {
  const account = config.sip.account;
  const source = account?.tlsCa === undefined ? undefined : tlsCaSource(account.tlsCa);
  if (account === undefined || source === undefined || 'pem' in source) return { ok: true, config };
  const caFile = path.resolve(path.dirname(file), source.file);
  let pem: string;
  try {
    pem = readFileSync(caFile, 'utf8');
  } catch (error) {
    return { ok: false, caFile, error: errorMessage(error) };
  }
  if (!holdsPemCertificate(pem)) return { ok: false, caFile };
  return { ok: true, config: { ...config, sip: { ...config.sip, account: { ...account, tlsCa: pem } } } };
}

/** readTlsCa with its problem logged (one line naming the field, never a value); undefined then. */
export function withTlsCaRead(config: Config, file: string, log: Logger): Config | undefined {
  const read = readTlsCa(config, file);
  if (read.ok) return read.config;
  if (read.error !== undefined) log.error('configUnreadable', { file, field: 'sip.account.tlsCa', error: read.error });
  else log.error('configInvalid', { file, issue: `sip.account.tlsCa: ${read.caFile} holds no PEM certificate (-----BEGIN CERTIFICATE-----)` });
  return undefined;
}
