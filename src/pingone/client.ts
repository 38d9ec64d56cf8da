/**
 * The PingOne MFA API client: users, devices, device authentications, remembered browsers,
 * policies and settings, over an injectable transport (real HTTPS or the embedded engine).
 * @module
 */
import { apiErrorFrom, badResponse, parseRetryAfter, PingOneUnavailableError } from './errors.ts';
import { regionUrls } from './regions.ts';
import {
  embeddedList,
  parseAuthentication,
  parseCreatedDevice,
  parseDevice,
  parseJsonObject,
  parseMfaPolicy,
  parsePolicy,
  parseSettings,
  parseUser,
} from './schemas.ts';
import { TokenSource } from './token.ts';
import {
  backoffMs,
  delay,
  exchange,
  platformTransport,
  TRANSACTION_HEADER,
  transactionIdOf,
  type Exchange,
} from './transport.ts';
import type {
  CallOptions,
  Device,
  DeviceAuthentication,
  DeviceCreate,
  PingOneClient,
  PingOneClientOptions,
  PingOneEvent,
} from './types.ts';

export const MEDIA = {
  json: 'application/json',
  activate: 'application/vnd.pingidentity.device.activate+json',
  sendActivationCode: 'application/vnd.pingidentity.device.sendActivationCode+json',
  reorder: 'application/vnd.pingidentity.devices.reorder+json',
  select: 'application/vnd.pingidentity.device.select+json',
  otpCheck: 'application/vnd.pingidentity.otp.check+json',
  assertionCheck: 'application/vnd.pingidentity.assertion.check+json',
  cancel: 'application/vnd.pingidentity.cancel.push.authentication+json',
  payloadCheck: 'application/vnd.pingidentity.payload.check+json',
} as const;

/** The engine's remembered-browser payload type (docs/engine.md, "Remembered devices"). */
export const REMEMBER_PAYLOAD_TYPE = 'MFA_ELEMENTS_BROWSER';

/** Statuses worth another try of an idempotent read. */
const RETRYABLE = new Set([429, 500, 502, 503, 504]);
/** A longer Retry-After is not waited for: the caller gets the error at once. */
const MAX_RETRY_AFTER_SECONDS = 5;

const ID = /^[A-Za-z0-9-]{1,64}$/;
/** A cookie pair: a token name, and a value without separators or control characters. */
const COOKIE_PAIR =
  /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,128}=[\x21\x23-\x2B\x2D-\x3A\x3C-\x5B\x5D-\x7E]{0,4096}$/;

/** Only checked ids go into URLs: a URL is never built from raw text. */
function id(value: string): string {
  if (typeof value !== 'string' || !ID.test(value)) throw new RangeError('invalid id');
  return value;
}

function baseUrl(value: string, what: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`${what} is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new TypeError(`${what} must be http(s)`);
  }
  return value.replace(/\/+$/, '');
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

interface CallSpec {
  method: Method;
  /** Full URL; its path is what events show. */
  url: string;
  contentType?: string;
  body?: unknown;
  cookie?: string;
}

type Json = Record<string, unknown>;

export function createPingOneClient(options: PingOneClientOptions): PingOneClient {
  const environmentId = id(options.environmentId);
  const region = regionUrls(options.region ?? 'com');
  const apiBase = `${baseUrl(options.apiBaseUrl ?? region.apiBaseUrl, 'apiBaseUrl')}/environments/${environmentId}`;
  const authBase = `${baseUrl(options.authBaseUrl ?? region.authBaseUrl, 'authBaseUrl')}/${environmentId}`;
  const transport = options.transport ?? platformTransport(options.connectTimeoutMs ?? 3000);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxReadRetries = Math.max(0, options.maxReadRetries ?? 2);
  const retryBaseDelayMs = options.retryBaseDelayMs ?? 200;
  const now = options.now ?? Date.now;
  const onEvent = (event: PingOneEvent): void => {
    try {
      options.onEvent?.(event);
    } catch {
      // An audit sink failing must not fail the call.
    }
  };

  const tokens = new TokenSource({
    url: `${authBase}/as/token`,
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    method: options.tokenAuthMethod ?? 'basic',
    transport,
    timeoutMs,
    marginSeconds: options.tokenRefreshMarginSeconds ?? 60,
    now,
    onEvent,
  });

  /**
   * One logical call: token, request, the single re-authentication on 401, and — for GETs only —
   * retries on 429/5xx/network/timeouts. Returns the 2xx exchange; throws for anything else.
   */
  async function call(spec: CallSpec, o: CallOptions = {}): Promise<Exchange> {
    const transactionId = transactionIdOf(o.transactionId);
    const path = new URL(spec.url).pathname;
    const read = spec.method === 'GET';
    let reauthenticated = false;
    let retries = 0;
    for (let attempt = 1; ; attempt++) {
      const token = await tokens.get(o.signal);
      const event = (status: number, ms: number, error?: PingOneEvent['error']): void => {
        onEvent({
          event: 'pingone.call',
          method: spec.method,
          path,
          status,
          ms,
          attempt,
          transactionId,
          ...(error !== undefined ? { error } : {}),
        });
      };
      const retry = async (status: number, waitMs: number): Promise<void> => {
        retries++;
        onEvent({
          event: 'pingone.retry',
          method: spec.method,
          path,
          status,
          ms: waitMs,
          attempt,
          transactionId,
        });
        await delay(waitMs, o.signal);
      };

      let answer: Exchange;
      const started = performance.now();
      try {
        answer = await exchange(
          transport,
          (signal) => request(spec, token, transactionId, signal),
          timeoutMs,
          o.signal,
        );
      } catch (error) {
        const kind = error instanceof PingOneUnavailableError ? error.kind : 'unavailable';
        event(0, Math.round(performance.now() - started), kind === 'api' ? undefined : kind);
        if (read && retries < maxReadRetries && !o.signal?.aborted && kind !== 'bad_response') {
          await retry(0, backoffMs(retries + 1, retryBaseDelayMs));
          continue;
        }
        throw error;
      }
      const { status, headers } = answer;
      if (status === 401) {
        event(status, answer.ms, 'auth');
        tokens.invalidate(token);
        // A 401 means the call was not executed, so even a POST is sent once more.
        if (!reauthenticated) {
          reauthenticated = true;
          continue;
        }
        throw new PingOneUnavailableError('auth', 'PingOne refused the worker token', { status });
      }
      const retryAfter = parseRetryAfter(headers.get('retry-after'), now());
      if (read && RETRYABLE.has(status) && retries < maxReadRetries) {
        if (retryAfter === undefined || retryAfter <= MAX_RETRY_AFTER_SECONDS) {
          event(status, answer.ms, status === 429 ? undefined : 'unavailable');
          await retry(
            status,
            retryAfter !== undefined ? retryAfter * 1000 : backoffMs(retries + 1, retryBaseDelayMs),
          );
          continue;
        }
      }
      if (status >= 200 && status <= 299) {
        if (/html/i.test(headers.get('content-type') ?? '')) {
          event(status, answer.ms, 'bad_response');
          throw badResponse('content type', status);
        }
        event(status, answer.ms);
        return answer;
      }
      if (status >= 500) {
        event(status, answer.ms, 'unavailable');
        throw new PingOneUnavailableError(
          'unavailable',
          `PingOne is unavailable (${String(status)})`,
          { status, ...(retryAfter !== undefined ? { retryAfterSeconds: retryAfter } : {}) },
        );
      }
      if (status >= 400) {
        event(status, answer.ms);
        let body: unknown;
        try {
          body = JSON.parse(answer.body);
        } catch {
          body = undefined;
        }
        throw apiErrorFrom(status, body, retryAfter);
      }
      // 1xx/3xx: redirects are not followed, nothing else is expected.
      event(status, answer.ms, 'bad_response');
      throw badResponse('status', status);
    }
  }

  function request(
    spec: CallSpec,
    token: string,
    transactionId: string,
    signal: AbortSignal,
  ): Request {
    // Every header is built here; nothing from a browser request is ever forwarded.
    const headers = new Headers({
      Authorization: `Bearer ${token}`,
      Accept: 'application/json',
      [TRANSACTION_HEADER]: transactionId,
    });
    if (spec.contentType !== undefined) headers.set('Content-Type', spec.contentType);
    if (spec.cookie !== undefined) headers.set('Cookie', spec.cookie);
    return new Request(spec.url, {
      method: spec.method,
      headers,
      ...(spec.body !== undefined ? { body: JSON.stringify(spec.body) } : {}),
      signal,
      redirect: 'manual',
    });
  }

  async function json(spec: CallSpec, o: CallOptions | undefined): Promise<Json> {
    const answer = await call(spec, o);
    return parseJsonObject(answer.body, answer.headers.get('content-type'));
  }

  const users = (path = ''): string => `${apiBase}/users${path}`;
  const devices = (userId: string, path = ''): string => users(`/${id(userId)}/devices${path}`);
  const device = (userId: string, deviceId: string): string => devices(userId, `/${id(deviceId)}`);
  const authentications = (path = ''): string => `${authBase}/deviceAuthentications${path}`;

  const post = (url: string, contentType: string, body: unknown): CallSpec => ({
    method: 'POST',
    url,
    contentType,
    body,
  });

  async function getDevice(userId: string, deviceId: string, o?: CallOptions): Promise<Device> {
    return parseDevice(await json({ method: 'GET', url: device(userId, deviceId) }, o));
  }

  async function authAction(
    authenticationId: string,
    contentType: string,
    body: Json,
    o: CallOptions | undefined,
  ): Promise<DeviceAuthentication> {
    const url = authentications(`/${id(authenticationId)}`);
    return parseAuthentication(await json(post(url, contentType, body), o));
  }

  const ref = (value: string | undefined): { id: string } | undefined =>
    value === undefined ? undefined : { id: value };

  return {
    environmentId,

    async ensureToken(o) {
      await tokens.get(o?.signal);
    },

    async findUserByUsername(username, o) {
      const escaped = username.replace(/[\\"]/g, (char) => `\\${char}`);
      const query = new URLSearchParams({ filter: `username eq "${escaped}"` });
      const body = await json({ method: 'GET', url: `${users()}?${query.toString()}` }, o);
      const found = embeddedList(body, 'users').map(parseUser);
      // Never another user than the one asked for: exact match, else the one case-insensitive match.
      const exact = found.find((user) => user.username === username);
      if (exact) return exact;
      const folded = found.filter((user) => user.username.toLowerCase() === username.toLowerCase());
      return folded.length === 1 ? folded[0] : undefined;
    },

    async createUser(input, o) {
      const body = {
        username: input.username,
        ...(input.email !== undefined ? { email: input.email } : {}),
      };
      return parseUser(await json(post(users(), MEDIA.json, body), o));
    },

    async getUser(userId, o) {
      return parseUser(await json({ method: 'GET', url: users(`/${id(userId)}`) }, o));
    },

    async listDevices(userId, o) {
      const body = await json({ method: 'GET', url: devices(userId) }, o);
      return embeddedList(body, 'devices').map(parseDevice);
    },

    getDevice,

    async createDevice(userId, input, o) {
      return parseCreatedDevice(
        await json(post(devices(userId), MEDIA.json, createBody(input)), o),
      );
    },

    async activateDevice(userId, deviceId, input, o) {
      const body =
        'otp' in input
          ? {
              otp: input.otp,
              ...(input.oathResync !== undefined ? { oathResync: input.oathResync } : {}),
            }
          : { origin: input.origin, attestation: input.attestation };
      const answer = await call(post(device(userId, deviceId), MEDIA.activate, body), o);
      // Tolerates an empty success body by reading the device back.
      if (answer.body.trim() === '') return getDevice(userId, deviceId, o);
      return parseDevice(parseJsonObject(answer.body, answer.headers.get('content-type')));
    },

    async sendActivationCode(userId, deviceId, o) {
      // PingOne documents an empty body for this action.
      await call(
        { method: 'POST', url: device(userId, deviceId), contentType: MEDIA.sendActivationCode },
        o,
      );
    },

    async setNickname(userId, deviceId, nickname, o) {
      const answer = await call(
        {
          method: 'PUT',
          url: `${device(userId, deviceId)}/nickname`,
          contentType: MEDIA.json,
          body: { nickname },
        },
        o,
      );
      // PingOne answers `{nickname, _links}` only, so the device is read back unless it is whole.
      const body =
        answer.body.trim() === ''
          ? {}
          : parseJsonObject(answer.body, answer.headers.get('content-type'));
      if (
        typeof body.id === 'string' &&
        typeof body.type === 'string' &&
        typeof body.status === 'string'
      ) {
        return parseDevice(body);
      }
      return getDevice(userId, deviceId, o);
    },

    async setDeviceOrder(userId, deviceIds, o) {
      const order = deviceIds.map((deviceId) => ({ id: id(deviceId) }));
      await call(post(devices(userId), MEDIA.reorder, { order }), o);
    },

    async deleteDevice(userId, deviceId, o) {
      await call({ method: 'DELETE', url: device(userId, deviceId) }, o);
    },

    async initializeAuthentication(input, o) {
      if (input.oneTime !== undefined && input.selectedDeviceId !== undefined) {
        throw new RangeError('selectedDeviceId and oneTime exclude each other');
      }
      const oneTime = input.oneTime;
      const selectedDevice =
        oneTime !== undefined
          ? {
              oneTime: {
                type: oneTime.type,
                ...(oneTime.phone !== undefined ? { phone: oneTime.phone } : {}),
                ...(oneTime.email !== undefined ? { email: oneTime.email } : {}),
              },
            }
          : ref(input.selectedDeviceId);
      const body = {
        user: { id: input.userId },
        ...(input.policyId !== undefined ? { policy: { id: input.policyId } } : {}),
        ...(selectedDevice !== undefined ? { selectedDevice } : {}),
      };
      return parseAuthentication(await json(post(authentications(), MEDIA.json, body), o));
    },

    async initializeUsernameless(input, o) {
      const body = {
        ...(input.rpId !== undefined ? { rp: { id: input.rpId } } : {}),
        ...(input.policyId !== undefined ? { policy: { id: input.policyId } } : {}),
      };
      return parseAuthentication(await json(post(authentications(), MEDIA.json, body), o));
    },

    async getAuthentication(authenticationId, o) {
      const url = authentications(`/${id(authenticationId)}`);
      return parseAuthentication(await json({ method: 'GET', url }, o));
    },

    selectDevice(authenticationId, deviceId, compatibility, o) {
      const body = {
        device: { id: deviceId },
        ...(compatibility !== undefined ? { compatibility } : {}),
      };
      return authAction(authenticationId, MEDIA.select, body, o);
    },

    resendCode(authenticationId, deviceId, o) {
      return authAction(authenticationId, MEDIA.select, { device: { id: deviceId } }, o);
    },

    checkOtp(authenticationId, otp, o) {
      return authAction(authenticationId, MEDIA.otpCheck, { otp }, o);
    },

    checkAssertion(authenticationId, input, o) {
      const body = {
        origin: input.origin,
        assertion: input.assertion,
        ...(input.compatibility !== undefined ? { compatibility: input.compatibility } : {}),
      };
      return authAction(authenticationId, MEDIA.assertionCheck, body, o);
    },

    cancelAuthentication(authenticationId, reason, o) {
      return authAction(authenticationId, MEDIA.cancel, { reason }, o);
    },

    async createRememberedDevice(userId, input, o) {
      const body = {
        type: 'REMEMBER_ME',
        payload: { type: input.payloadType ?? REMEMBER_PAYLOAD_TYPE, value: input.payloadValue },
        policy: { id: input.policyId },
      };
      const answer = await call(post(devices(userId), MEDIA.json, body), o);
      const created = parseDevice(parseJsonObject(answer.body, answer.headers.get('content-type')));
      const cookie = answer.headers
        .getSetCookie()
        .map((header) => (header.split(';')[0] ?? '').trim())
        .find((pair) => COOKIE_PAIR.test(pair));
      if (cookie === undefined) throw badResponse('remembered device (no cookie)', answer.status);
      return { device: created, cookie };
    },

    async checkRememberedDevice(input, o) {
      // Only the stored pair goes upstream, never a browser's Cookie header.
      if (!COOKIE_PAIR.test(input.cookie)) throw new RangeError('invalid cookie');
      const body = {
        ...(input.userId !== undefined ? { user: { id: input.userId } } : {}),
        payload: { type: input.payloadType ?? REMEMBER_PAYLOAD_TYPE, value: input.payloadValue },
        policy: { id: input.policyId },
      };
      const spec: CallSpec = {
        ...post(authentications(), MEDIA.payloadCheck, body),
        cookie: input.cookie,
      };
      return parseAuthentication(await json(spec, o));
    },

    async getMfaSettings(o) {
      return parseSettings(await json({ method: 'GET', url: `${apiBase}/mfaSettings` }, o));
    },

    async listPolicies(o) {
      const body = await json({ method: 'GET', url: `${apiBase}/deviceAuthenticationPolicies` }, o);
      return embeddedList(body, 'deviceAuthenticationPolicies').map(parseMfaPolicy);
    },

    async getPolicy(policyId, o) {
      const url = `${apiBase}/deviceAuthenticationPolicies/${id(policyId)}`;
      return parseMfaPolicy(await json({ method: 'GET', url }, o));
    },

    async listFido2Policies(o) {
      const body = await json({ method: 'GET', url: `${apiBase}/fido2Policies` }, o);
      return embeddedList(body, 'fido2Policies').map(parsePolicy);
    },

    async getFido2Policy(fido2PolicyId, o) {
      const url = `${apiBase}/fido2Policies/${id(fido2PolicyId)}`;
      return parsePolicy(await json({ method: 'GET', url }, o));
    },
  };
}

/** The create body for each device type, in PingOne's field names. */
function createBody(input: DeviceCreate): Json {
  const common = {
    ...(input.nickname !== undefined ? { nickname: input.nickname } : {}),
    ...(input.policyId !== undefined ? { policy: { id: input.policyId } } : {}),
  };
  switch (input.type) {
    case 'SMS':
    case 'VOICE':
    case 'WHATSAPP':
      return {
        type: input.type,
        phone: input.phone,
        ...(input.extension !== undefined ? { extension: input.extension } : {}),
        ...(input.status !== undefined ? { status: input.status } : {}),
        ...common,
      };
    case 'EMAIL':
      return {
        type: input.type,
        email: input.email,
        ...(input.status !== undefined ? { status: input.status } : {}),
        ...common,
      };
    case 'TOTP':
      return { type: input.type, ...common };
    case 'FIDO2':
      return {
        type: input.type,
        ...(input.rpId !== undefined
          ? {
              rp: { id: input.rpId, ...(input.rpName !== undefined ? { name: input.rpName } : {}) },
            }
          : {}),
        ...common,
      };
    case 'OATH_TOKEN':
      return { type: input.type, serialNumber: input.serialNumber, ...common };
  }
}
