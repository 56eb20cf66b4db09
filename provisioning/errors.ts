// The JSON API's errors: one shape `{ error: { code, message, fields? } }` for every refusal, and the mapping of
// fastify's and its plugins' own errors (bad JSON, body too large, CSRF, rate limit) onto it.

import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { DoorbellError } from '../firmware-app/errors.ts';
import type { FieldErrors } from './ports.ts';
import type { Logger } from '../firmware-app/platform/Logger.ts';
import { errorMessage } from '../firmware-app/errors.ts';

/** The body of every error answer. */
export interface ApiErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly fields?: FieldErrors };
}

/** A refusal with an HTTP status, thrown by routes and hooks and answered by the error handler. */
export class ApiError extends DoorbellError {
  readonly statusCode: number;
  readonly fields: FieldErrors | undefined;
  /** Seconds for a Retry-After header (lockouts, rate limits). */
  readonly retryAfterSec: number | undefined;

  constructor(statusCode: number, code: string, message: string, extra: { fields?: FieldErrors; retryAfterSec?: number } = {}) {
    super(code, message);
    this.statusCode = statusCode;
    this.fields = extra.fields;
    this.retryAfterSec = extra.retryAfterSec;
  }
}

/** Sends `error` as the API's error body. */
export function sendApiError(reply: FastifyReply, error: ApiError): FastifyReply {
  if (error.retryAfterSec !== undefined) reply.header('retry-after', String(error.retryAfterSec));
  const body: ApiErrorBody = {
    error: { code: error.code, message: error.message, ...(error.fields === undefined ? {} : { fields: error.fields }) },
  };
  return reply.code(error.statusCode).type('application/json; charset=utf-8').send(body);
}

// fastify's own codes for input it refuses before a route runs; the text of their messages may quote the input,
// so each gets a fixed message of ours instead.
const FASTIFY_CODES: Readonly<Record<string, readonly [number, string, string]>> = {
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'BAD_JSON', 'the body is not valid JSON'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'BAD_JSON', 'the body is empty; send JSON'],
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'TOO_LARGE', 'the body is larger than 64 KiB'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'UNSUPPORTED_MEDIA_TYPE', 'send application/json'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'BAD_REQUEST', 'the Content-Length does not match the body'],
  FST_CSRF_MISSING_SECRET: [403, 'CSRF', 'the CSRF token is missing or wrong; reload the page'],
  FST_CSRF_INVALID_TOKEN: [403, 'CSRF', 'the CSRF token is missing or wrong; reload the page'],
};

/** The ApiError for anything a route or plugin threw; unknown errors are our bug (500, logged, no detail sent). */
export function toApiError(error: unknown, logger: Logger): ApiError {
  if (error instanceof ApiError) return error;
  // The device's storage refused a save (full, read-only, gone): the owner's fault to fix, not our bug; the log names
  // the file and the system's reason, the page says what happened and that nothing changed.
  if (error instanceof DoorbellError && error.code === 'CONFIG_NOT_SAVED') {
    logger.error('configNotSaved', { error: errorMessage(error) });
    return new ApiError(500, 'NOT_SAVED', 'the device could not write its configuration file (storage full or read-only?); nothing was changed — the device log says why');
  }
  const code = (error as Partial<FastifyError> | null)?.code;
  const known = typeof code === 'string' ? FASTIFY_CODES[code] : undefined;
  if (known !== undefined) return new ApiError(known[0], known[1], known[2]);
  const status = (error as Partial<FastifyError> | null)?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new ApiError(status, 'BAD_REQUEST', 'the request was refused');
  }
  logger.error('webError', { error: errorMessage(error) });
  return new ApiError(500, 'INTERNAL', 'internal error; see the device log');
}

/** Installs the error handler that answers every error in the API's shape. */
export function installErrorHandler(app: FastifyInstance, logger: Logger): void {
  app.setErrorHandler((error, _request, reply) => sendApiError(reply, toApiError(error, logger)));
}
