/**
 * Errors of the PingOne client. Messages are fixed text plus status and error code: never an
 * upstream body, a token, a secret or a one-time code.
 * @module
 */

export type PingOneErrorKind = 'api' | 'timeout' | 'unavailable' | 'bad_response' | 'auth';

export interface PingOneErrorDetail {
  code?: string;
  target?: string;
  message?: string;
  innerError?: Record<string, unknown>;
}

export class PingOneError extends Error {
  readonly kind: PingOneErrorKind;

  constructor(kind: PingOneErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PingOneError';
    this.kind = kind;
  }
}

export interface PingOneApiErrorInit {
  status: number;
  code: string;
  detailCode?: string;
  details?: PingOneErrorDetail[];
  attemptsRemaining?: number;
  retryAfterSeconds?: number;
  lockExpiresAt?: string;
  upstreamId?: string;
}

/** PingOne answered with an error body (4xx, or 429). */
export class PingOneApiError extends PingOneError {
  readonly status: number;
  readonly code: string;
  readonly detailCode?: string;
  readonly details: PingOneErrorDetail[];
  readonly attemptsRemaining?: number;
  readonly retryAfterSeconds?: number;
  readonly lockExpiresAt?: string;
  readonly upstreamId?: string;

  constructor(init: PingOneApiErrorInit) {
    super(
      'api',
      `PingOne refused the request: ${String(init.status)} ${init.code}${
        init.detailCode !== undefined ? ` (${init.detailCode})` : ''
      }`,
    );
    this.name = 'PingOneApiError';
    this.status = init.status;
    this.code = init.code;
    this.details = init.details ?? [];
    if (init.detailCode !== undefined) this.detailCode = init.detailCode;
    if (init.attemptsRemaining !== undefined) this.attemptsRemaining = init.attemptsRemaining;
    if (init.retryAfterSeconds !== undefined) this.retryAfterSeconds = init.retryAfterSeconds;
    if (init.lockExpiresAt !== undefined) this.lockExpiresAt = init.lockExpiresAt;
    if (init.upstreamId !== undefined) this.upstreamId = init.upstreamId;
  }
}

/**
 * Timeout (kind 'timeout'), network failure or 5xx (kind 'unavailable', status?), HTML, invalid
 * JSON or an unexpected shape (kind 'bad_response'), token not obtainable (kind 'auth').
 */
export class PingOneUnavailableError extends PingOneError {
  readonly status?: number;
  readonly retryAfterSeconds?: number;

  constructor(
    kind: Exclude<PingOneErrorKind, 'api'>,
    message: string,
    init: { status?: number; retryAfterSeconds?: number; cause?: unknown } = {},
  ) {
    super(kind, message, init.cause !== undefined ? { cause: init.cause } : undefined);
    this.name = 'PingOneUnavailableError';
    if (init.status !== undefined) this.status = init.status;
    if (init.retryAfterSeconds !== undefined) this.retryAfterSeconds = init.retryAfterSeconds;
  }
}

export const badResponse = (what: string, status?: number): PingOneUnavailableError =>
  new PingOneUnavailableError(
    'bad_response',
    `PingOne sent an unexpected ${what}`,
    status !== undefined ? { status } : {},
  );

/**
 * `Retry-After` as whole seconds from now: delta-seconds or an HTTP date. Undefined when absent
 * or unparseable.
 */
export function parseRetryAfter(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^[0-9]{1,9}$/.test(text)) return Number(text);
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - nowMs) / 1000));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Upstream constants go into messages and logs, so only plain identifiers are kept. */
function safeCode(value: unknown): string | undefined {
  return typeof value === 'string' && /^[A-Za-z0-9_.-]{1,100}$/.test(value) ? value : undefined;
}

const optionalString = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : undefined;

/** Builds the error for a 4xx answer from its (possibly unparseable) P1Error body. */
export function apiErrorFrom(
  status: number,
  body: unknown,
  retryAfterSeconds: number | undefined,
): PingOneApiError {
  const init: PingOneApiErrorInit = { status, code: 'UNKNOWN' };
  if (retryAfterSeconds !== undefined) init.retryAfterSeconds = retryAfterSeconds;
  if (!isRecord(body)) return new PingOneApiError(init);
  const code = safeCode(body.code);
  if (code === undefined) return new PingOneApiError(init);
  init.code = code;
  const upstreamId = safeCode(body.id);
  if (upstreamId !== undefined) init.upstreamId = upstreamId;
  const details: PingOneErrorDetail[] = [];
  for (const entry of Array.isArray(body.details) ? (body.details as unknown[]) : []) {
    if (!isRecord(entry)) continue;
    const detail: PingOneErrorDetail = {};
    const detailCode = safeCode(entry.code);
    const target = optionalString(entry.target);
    const message = optionalString(entry.message);
    if (detailCode !== undefined) detail.code = detailCode;
    if (target !== undefined) detail.target = target;
    if (message !== undefined) detail.message = message;
    if (isRecord(entry.innerError)) {
      detail.innerError = entry.innerError;
      const { attemptsRemaining, lockExpiresAt } = entry.innerError;
      if (
        init.attemptsRemaining === undefined &&
        typeof attemptsRemaining === 'number' &&
        Number.isInteger(attemptsRemaining) &&
        attemptsRemaining >= 0
      ) {
        init.attemptsRemaining = attemptsRemaining;
      }
      if (init.lockExpiresAt === undefined && typeof lockExpiresAt === 'string') {
        init.lockExpiresAt = lockExpiresAt;
      }
    }
    details.push(detail);
  }
  init.details = details;
  const first = details[0]?.code;
  if (first !== undefined) init.detailCode = first;
  return new PingOneApiError(init);
}
