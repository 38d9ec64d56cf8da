/**
 * A typed client for the relay's API (`/mfa/v1`). Every request sends the session cookie
 * (`credentials: 'include'`), state-changing requests carry the anti-forgery header, and every
 * failure is an `MfaApiError` with a stable `code`.
 * @module
 */
import { isErrorCode, type ErrorCode } from '../protocol/errors.ts';
import { CSRF_HEADER, DEFAULT_API_BASE } from '../protocol/http.ts';
import type {
  ActivationRequest,
  ActivationView,
  AssertionRequest,
  AuthenticationView,
  Compatibility,
  CreateDeviceRequest,
  CreatedDeviceView,
  DevicesView,
  DeviceView,
  OtpRequest,
  SessionView,
} from '../protocol/schemas.ts';

/** Failures that happen before or instead of a relay answer. */
export type ClientErrorCode = 'NETWORK' | 'TIMEOUT' | 'ABORTED' | 'BAD_RESPONSE';
export type MfaErrorCode = ErrorCode | ClientErrorCode;

export interface MfaApiErrorDetails {
  status?: number;
  field?: string;
  attemptsRemaining?: number;
  retryAfterSeconds?: number;
  lockedUntil?: string;
}

/** A failed call. `code` is stable and is also the i18n key of the message shown. */
export class MfaApiError extends Error {
  override readonly name = 'MfaApiError';
  readonly code: MfaErrorCode;
  readonly status: number | undefined;
  readonly field: string | undefined;
  readonly attemptsRemaining: number | undefined;
  readonly retryAfterSeconds: number | undefined;
  readonly lockedUntil: string | undefined;

  constructor(code: MfaErrorCode, message: string, details: MfaApiErrorDetails = {}) {
    super(message);
    this.code = code;
    this.status = details.status;
    this.field = details.field;
    this.attemptsRemaining = details.attemptsRemaining;
    this.retryAfterSeconds = details.retryAfterSeconds;
    this.lockedUntil = details.lockedUntil;
  }
}

export interface MfaClientOptions {
  /** Base URL of the relay's API. Default `/mfa/v1` on the page's origin. */
  baseUrl?: string;
  /** Milliseconds before a request is given up with `TIMEOUT`. Default 15 000. */
  timeoutMs?: number;
  /** The `fetch` to use; tests pass their own. Default `globalThis.fetch`. */
  fetch?: typeof fetch;
}

/** Per-call options: an `AbortSignal` that cancels the request (`ABORTED`). */
export interface CallOptions {
  signal?: AbortSignal;
}

export interface MfaClient {
  readonly baseUrl: string;
  openSession(ticket: string, options?: CallOptions): Promise<SessionView>;
  getSession(options?: CallOptions): Promise<SessionView>;
  endSession(options?: CallOptions): Promise<void>;

  startAuthentication(
    input?: { compatibility?: Compatibility },
    options?: CallOptions,
  ): Promise<AuthenticationView>;
  getAuthentication(id: string, options?: CallOptions): Promise<AuthenticationView>;
  selectDevice(
    id: string,
    input: { deviceId: string; compatibility?: Compatibility },
    options?: CallOptions,
  ): Promise<AuthenticationView>;
  submitOtp(id: string, input: OtpRequest, options?: CallOptions): Promise<AuthenticationView>;
  submitAssertion(
    id: string,
    input: AssertionRequest,
    options?: CallOptions,
  ): Promise<AuthenticationView>;
  resendCode(id: string, options?: CallOptions): Promise<AuthenticationView>;
  cancelAuthentication(id: string, options?: CallOptions): Promise<void>;

  listDevices(options?: CallOptions): Promise<DevicesView>;
  createDevice(input: CreateDeviceRequest, options?: CallOptions): Promise<CreatedDeviceView>;
  activateDevice(
    id: string,
    input: ActivationRequest,
    options?: CallOptions,
  ): Promise<ActivationView>;
  resendActivationCode(id: string, options?: CallOptions): Promise<void>;
  renameDevice(
    id: string,
    nickname: string,
    options?: CallOptions,
  ): Promise<{ device: DeviceView }>;
  orderDevices(
    order: readonly string[],
    options?: CallOptions,
  ): Promise<Pick<DevicesView, 'devices'>>;
  deleteDevice(id: string, options?: CallOptions): Promise<void>;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export function createMfaClient(options: MfaClientOptions = {}): MfaClient {
  const { baseUrl = DEFAULT_API_BASE, timeoutMs = 15_000 } = options;
  const base = baseUrl.replace(/\/+$/, '');
  const doFetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));

  async function call<T>(
    method: Method,
    path: string,
    body: unknown,
    { signal }: CallOptions = {},
  ): Promise<T> {
    if (signal?.aborted) throw new MfaApiError('ABORTED', 'The request was cancelled.');
    const timeout = new AbortController();
    const timer = setTimeout(() => {
      timeout.abort();
    }, timeoutMs);
    const onAbort = () => {
      timeout.abort();
    };
    signal?.addEventListener('abort', onAbort, { once: true });

    const headers: Record<string, string> = { Accept: 'application/json' };
    if (method !== 'GET') headers[CSRF_HEADER] = '1';
    if (body !== undefined) headers['Content-Type'] = 'application/json';

    try {
      let response: Response;
      try {
        response = await doFetch(`${base}${path}`, {
          method,
          headers,
          credentials: 'include',
          cache: 'no-store',
          signal: timeout.signal,
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        });
      } catch (error) {
        throw failure(error);
      }

      if (response.status === 204) return undefined as T;
      let parsed: unknown;
      try {
        parsed = await response.json();
      } catch (error) {
        // The deadline and the caller's abort cover reading the body too.
        if (signal?.aborted || timeout.signal.aborted) throw failure(error);
        throw new MfaApiError('BAD_RESPONSE', 'The answer was not JSON.', {
          status: response.status,
        });
      }
      if (!response.ok) throw toError(response.status, parsed);
      if (typeof parsed !== 'object' || parsed === null) {
        throw new MfaApiError('BAD_RESPONSE', 'The answer was not an object.', {
          status: response.status,
        });
      }
      return parsed as T;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }

    function failure(error: unknown): MfaApiError {
      if (signal?.aborted) return new MfaApiError('ABORTED', 'The request was cancelled.');
      if (timeout.signal.aborted) return new MfaApiError('TIMEOUT', 'The request timed out.');
      return new MfaApiError('NETWORK', error instanceof Error ? error.message : 'Network error.');
    }
  }

  const auth = (id: string) => `/authentications/${encodeURIComponent(id)}`;
  const device = (id: string) => `/devices/${encodeURIComponent(id)}`;

  return {
    baseUrl: base,
    openSession: (ticket, o) => call('POST', '/session', { ticket }, o),
    getSession: (o) => call('GET', '/session', undefined, o),
    endSession: (o) => call('DELETE', '/session', undefined, o),

    startAuthentication: (input = {}, o) => call('POST', '/authentications', input, o),
    getAuthentication: (id, o) => call('GET', auth(id), undefined, o),
    selectDevice: (id, input, o) => call('POST', `${auth(id)}/device`, input, o),
    submitOtp: (id, input, o) => call('POST', `${auth(id)}/otp`, input, o),
    submitAssertion: (id, input, o) => call('POST', `${auth(id)}/assertion`, input, o),
    resendCode: (id, o) => call('POST', `${auth(id)}/resend`, {}, o),
    cancelAuthentication: (id, o) => call('DELETE', auth(id), undefined, o),

    listDevices: (o) => call('GET', '/devices', undefined, o),
    createDevice: (input, o) => call('POST', '/devices', input, o),
    activateDevice: (id, input, o) => call('POST', `${device(id)}/activation`, input, o),
    resendActivationCode: (id, o) => call('POST', `${device(id)}/activation-code`, {}, o),
    renameDevice: (id, nickname, o) => call('PATCH', device(id), { nickname }, o),
    orderDevices: (order, o) => call('PUT', '/devices/order', { order }, o),
    deleteDevice: (id, o) => call('DELETE', device(id), undefined, o),
  };
}

/** Turns a relay error body into an `MfaApiError`; anything else is `BAD_RESPONSE`. */
function toError(status: number, body: unknown): MfaApiError {
  const error =
    typeof body === 'object' && body !== null && 'error' in body ? body.error : undefined;
  if (typeof error !== 'object' || error === null) {
    return new MfaApiError('BAD_RESPONSE', `Unexpected ${String(status)} answer.`, { status });
  }
  const fields = error as Record<string, unknown>;
  const code = isErrorCode(fields.code) ? fields.code : 'BAD_RESPONSE';
  const message = typeof fields.message === 'string' ? fields.message : code;
  const details: MfaApiErrorDetails = { status };
  if (typeof fields.field === 'string') details.field = fields.field;
  if (typeof fields.attemptsRemaining === 'number') {
    details.attemptsRemaining = fields.attemptsRemaining;
  }
  if (typeof fields.retryAfterSeconds === 'number') {
    details.retryAfterSeconds = fields.retryAfterSeconds;
  }
  if (typeof fields.lockedUntil === 'string') details.lockedUntil = fields.lockedUntil;
  return new MfaApiError(code, message, details);
}
