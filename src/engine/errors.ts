/**
 * PingOne-style errors: every failure the engine answers with has the body
 * `{id, code, message, details[{code, target, message, innerError}]}`.
 * @module
 */
import { randomUUID } from 'node:crypto';

export interface ErrorDetail {
  code: string;
  target?: string;
  message: string;
  innerError?: Record<string, unknown>;
}

export interface P1ErrorBody {
  id: string;
  code: string;
  message: string;
  details?: ErrorDetail[];
}

/** Messages follow PingOne's "The request could not be completed. …" pattern. */
const MESSAGES: Record<string, string> = {
  INVALID_DATA:
    'The request could not be completed. One or more validation errors were in the request.',
  INVALID_REQUEST: 'The request could not be completed. The request was malformed or invalid.',
  INVALID_TOKEN:
    'The request could not be completed. The provided access token is invalid, expired, or has been revoked.',
  ACCESS_FAILED: 'The request could not be completed. You do not have access to this resource.',
  NOT_FOUND: 'The request could not be completed. The requested resource was not found.',
  METHOD_NOT_ALLOWED: 'The request could not be completed. The method is not allowed.',
  UNSUPPORTED_MEDIA_TYPE:
    'The request could not be completed. The request content type is not supported for this resource.',
  REQUEST_TOO_LARGE: 'The request could not be completed. The request body is too large.',
  LIMIT_EXCEEDED: 'The request could not be completed. A limit was exceeded.',
  REQUEST_LIMITED: 'The request could not be completed. Too many requests, try again later.',
  REQUEST_FAILED: 'The request could not be completed.',
  UNIQUENESS_VIOLATION:
    'The request could not be completed. A value that must be unique is already in use.',
  UNEXPECTED_ERROR: 'An unexpected error occurred.',
};

/** An HTTP error that renders as a PingOne error body. */
export class EngineError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details: ErrorDetail[] | undefined;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    code: string,
    details?: ErrorDetail[],
    options: { message?: string; headers?: Record<string, string> } = {},
  ) {
    super(options.message ?? MESSAGES[code] ?? MESSAGES.REQUEST_FAILED);
    this.name = 'EngineError';
    this.status = status;
    this.code = code;
    this.details = details;
    this.headers = options.headers ?? {};
  }

  toBody(): P1ErrorBody {
    const body: P1ErrorBody = { id: randomUUID(), code: this.code, message: this.message };
    if (this.details && this.details.length > 0) body.details = this.details;
    return body;
  }
}

export const invalidData = (details: ErrorDetail[]): EngineError =>
  new EngineError(400, 'INVALID_DATA', details);

export const invalidValue = (
  target: string,
  message: string,
  innerError?: Record<string, unknown>,
): EngineError =>
  invalidData([{ code: 'INVALID_VALUE', target, message, ...(innerError ? { innerError } : {}) }]);

export const invalidRequest = (message: string, code = 'INVALID_REQUEST'): EngineError =>
  new EngineError(400, 'INVALID_REQUEST', [{ code, message }]);

export const notFound = (): EngineError => new EngineError(404, 'NOT_FOUND');

export const methodNotAllowed = (allowed: readonly string[]): EngineError =>
  new EngineError(405, 'METHOD_NOT_ALLOWED', undefined, { headers: { Allow: allowed.join(', ') } });

/** RFC 6750 §3: a 401 for a bearer token says which scheme it wants. */
export const invalidToken = (): EngineError =>
  new EngineError(401, 'INVALID_TOKEN', undefined, {
    headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
  });

export const accessFailed = (): EngineError => new EngineError(403, 'ACCESS_FAILED');

export const unsupportedMediaType = (allowed: readonly string[]): EngineError =>
  new EngineError(415, 'UNSUPPORTED_MEDIA_TYPE', [
    {
      code: 'INVALID_VALUE',
      target: 'Content-Type',
      message: 'Unsupported content type.',
      innerError: { allowedValues: [...allowed] },
    },
  ]);

/** A request that is valid in shape but not allowed in the resource's current state. */
export const invalidState = (message: string): EngineError =>
  new EngineError(400, 'INVALID_REQUEST', [{ code: 'INVALID_STATE', message }]);
