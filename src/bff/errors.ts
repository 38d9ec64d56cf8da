/**
 * The relay's error type, and the one place upstream failures become relay error codes. No
 * upstream message or body ever reaches a response.
 * @module
 */
import { ERROR_MESSAGES, ERROR_STATUS, type ErrorBody, type ErrorCode } from '../protocol/index.ts';
import { PingOneApiError, PingOneError } from '../pingone/index.ts';

export interface RelayErrorExtras {
  field?: string;
  attemptsRemaining?: number;
  retryAfterSeconds?: number;
  lockedUntil?: string;
}

export class RelayError extends Error {
  override name = 'RelayError';
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    readonly extras: RelayErrorExtras = {},
  ) {
    super(ERROR_MESSAGES[code]);
    this.status = ERROR_STATUS[code];
  }

  body(): ErrorBody {
    return { error: { code: this.code, message: this.message, ...this.extras } };
  }
}

/** What kind of resource a failed upstream call was about, to name a 404 precisely. */
export type UpstreamSubject = 'device' | 'authentication' | 'other';

const DETAIL_CODES: Partial<Record<string, ErrorCode>> = {
  INVALID_OTP: 'OTP_INVALID',
  OTP_REPLAYED: 'OTP_REPLAYED',
  OTP_EXPIRED: 'OTP_EXPIRED',
  OATH_RESYNC_REQUIRED: 'OATH_RESYNC_REQUIRED',
  DELIVERY_FAILED: 'DELIVERY_FAILED',
  INVALID_STATE: 'INVALID_STATE',
};

/** Maps any error thrown by the PingOne client to a relay error; anything else is rethrown. */
export function fromUpstream(error: unknown, subject: UpstreamSubject = 'other'): RelayError {
  if (error instanceof RelayError) return error;
  if (!(error instanceof PingOneError)) throw error;
  if (!(error instanceof PingOneApiError)) {
    return new RelayError(error.kind === 'timeout' ? 'UPSTREAM_TIMEOUT' : 'UPSTREAM_UNAVAILABLE');
  }
  const retry =
    error.retryAfterSeconds !== undefined ? { retryAfterSeconds: error.retryAfterSeconds } : {};
  if (error.status === 429) {
    if (error.detailCode === 'DEVICE_LOCKED' || error.detailCode === 'USER_LOCKED') {
      return new RelayError('AUTHENTICATOR_LOCKED', {
        ...retry,
        ...(error.lockExpiresAt ? { lockedUntil: error.lockExpiresAt } : {}),
      });
    }
    return new RelayError('RATE_LIMITED', { retryAfterSeconds: error.retryAfterSeconds ?? 60 });
  }
  if (error.status === 404) {
    return new RelayError(
      subject === 'device'
        ? 'DEVICE_NOT_FOUND'
        : subject === 'authentication'
          ? 'AUTHENTICATION_NOT_FOUND'
          : 'NOT_FOUND',
    );
  }
  if (error.status === 400) {
    const mapped = error.detailCode ? DETAIL_CODES[error.detailCode] : undefined;
    if (mapped === 'OTP_INVALID') {
      // The wrong code that uses up the last attempt also says until when the device is locked.
      return new RelayError('OTP_INVALID', {
        ...(error.attemptsRemaining !== undefined
          ? { attemptsRemaining: error.attemptsRemaining }
          : {}),
        ...(error.lockExpiresAt ? { lockedUntil: error.lockExpiresAt } : {}),
      });
    }
    if (mapped) return new RelayError(mapped);
    if (error.code === 'LIMIT_EXCEEDED') return new RelayError('DEVICE_LIMIT');
    if (error.code === 'REQUEST_FAILED') return new RelayError('DELIVERY_FAILED');
    const target = error.details.find((detail) => detail.target)?.target ?? '';
    if (/phone/i.test(target)) return new RelayError('PHONE_INVALID');
    if (/email/i.test(target)) return new RelayError('EMAIL_INVALID');
    if (/attestation|assertion|origin|credential/i.test(target)) {
      return new RelayError('CREDENTIAL_INVALID');
    }
    if (/serial/i.test(target)) return new RelayError('BAD_REQUEST', { field: 'serialNumber' });
    return new RelayError('BAD_REQUEST');
  }
  if (error.status === 409) return new RelayError('INVALID_STATE');
  // 401/403 with a worker token mean the relay is misconfigured: the browser can do nothing.
  return new RelayError('UPSTREAM_UNAVAILABLE');
}
