/**
 * The backend-for-frontend relay: the only thing between a browser and tenant-wide PingOne
 * credentials. Identity comes from the sealed session cookie alone; every device id is checked
 * against the session user's devices before anything goes upstream.
 * @module
 */
import { randomBytes } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { parse as parseCookies } from 'hono/utils/cookie';
import { parsePhoneNumberWithError } from 'libphonenumber-js/max';
import type { Logger } from 'pino';
import {
  assertionToPing,
  pingCreationToJson,
  pingRequestToJson,
  registrationToPing,
  type DeviceAuthentication,
  type PingOneClient,
} from '../pingone/index.ts';
import {
  activationRequest,
  assertionRequest,
  AUTHENTICATION_STATUSES,
  createDeviceRequest,
  emptyRequest,
  orderRequest,
  otpRequest,
  renameRequest,
  selectDeviceRequest,
  sessionRequest,
  startAuthenticationRequest,
  type AuthenticationStatus,
  type AuthenticationView,
  type CreateDeviceRequest,
  type Purpose,
  type SessionView,
} from '../protocol/index.ts';
import { createAudit, type Audit } from './audit.ts';
import { fromUpstream, RelayError, type UpstreamSubject } from './errors.ts';
import { checkCsrfHeader, checkJsonType, checkOrigin, isUnsafe, readBody } from './guards.ts';
import { buildOpenApi } from './openapi.ts';
import { policyReader, SENDS_CODES, type PolicyInfo } from './policy.ts';
import type { LimitKeys, LimitKind, RateLimits } from './rate-limits.ts';
import { amrFor, type ResultSigner } from './result.ts';
import type { RememberCookies, SessionData, SessionManager } from './session.ts';
import { formatUsername, TicketError, type TicketVerifier } from './tickets.ts';
import { deviceView, isUserDevice } from './views.ts';

export interface RelayOptions {
  pingone: PingOneClient;
  sessions: SessionManager;
  remember: RememberCookies;
  tickets: TicketVerifier;
  results: ResultSigner;
  limits: RateLimits;
  logger: Logger;
  /** Browser-facing origin of this server (`https://login.example.com`). */
  publicOrigin: string;
  /** Other origins whose pages may call the relay with credentials. */
  allowedOrigins?: readonly string[];
  /** Where the API lives. Default `/mfa/v1`. */
  mountPath?: string;
  /** Where `healthz` and `readyz` live. Default `/mfa`. */
  healthPath?: string;
  /** `{{sub}}` / `{{email}}` template mapping a ticket to a PingOne username. Default `{{sub}}`. */
  usernameFormat?: string;
  /** Create users that do not exist upstream (only for the embedded engine). */
  createUnknownUsers?: boolean;
  mfaPolicyId?: string;
  /** How long after an MFA completion device changes are allowed. Default 300. */
  stepUpSeconds?: number;
  /** `aud` of signed results when the ticket has no `iss`. Default the public origin. */
  resultAudience?: string;
  /** Take the client address from `X-Forwarded-For` (behind a trusted proxy only). */
  trustProxy?: boolean;
  now?: () => number;
}

interface Env {
  Variables: { session: SessionData | undefined; ip: string; transactionId: string };
  Bindings: { incoming?: { socket?: { remoteAddress?: string } } };
}
type Ctx = Context<Env>;

/** Every route of the API, relative to the mount path (also drives the 405 answers). */
export const ROUTES: readonly (readonly [method: string, path: string])[] = [
  ['POST', '/session'],
  ['GET', '/session'],
  ['DELETE', '/session'],
  ['POST', '/authentications'],
  ['GET', '/authentications/:id'],
  ['DELETE', '/authentications/:id'],
  ['POST', '/authentications/:id/device'],
  ['POST', '/authentications/:id/otp'],
  ['POST', '/authentications/:id/assertion'],
  ['POST', '/authentications/:id/resend'],
  ['GET', '/devices'],
  ['POST', '/devices'],
  ['PUT', '/devices/order'],
  ['PATCH', '/devices/:id'],
  ['DELETE', '/devices/:id'],
  ['POST', '/devices/:id/activation'],
  ['POST', '/devices/:id/activation-code'],
  ['GET', '/openapi.json'],
  ['GET', '/.well-known/jwks.json'],
];

const MAX_AUTHENTICATIONS = 4;
const RESEAL_AFTER_MS = 60_000;
const HANDLE = /^[A-Za-z0-9_-]{22}$/;

function cookieOf(c: { req: { header(name: string): string | undefined } }, name: string) {
  const header = c.req.header('cookie');
  return header === undefined ? undefined : parseCookies(header, name)[name];
}

export function createRelay(options: RelayOptions): Hono<Env> {
  const now = options.now ?? Date.now;
  const mountPath = options.mountPath ?? '/mfa/v1';
  const healthPath = options.healthPath ?? '/mfa';
  const stepUpMs = (options.stepUpSeconds ?? 300) * 1000;
  const usernameFormat = options.usernameFormat ?? '{{sub}}';
  const trusted = new Set([options.publicOrigin, ...(options.allowedOrigins ?? [])]);
  const corsOrigins = new Set(options.allowedOrigins ?? []);
  const { pingone, sessions, results, limits, remember } = options;
  const audit: Audit = createAudit(options.logger.child({ component: 'relay' }));
  const policy = policyReader(pingone, options.mfaPolicyId, now);
  const upstream = (c: Ctx) => ({ transactionId: c.get('transactionId') });

  async function call<T>(work: Promise<T>, subject: UpstreamSubject = 'other'): Promise<T> {
    try {
      return await work;
    } catch (error) {
      throw fromUpstream(error, subject);
    }
  }

  async function limit(c: Ctx, kind: LimitKind, keys: Omit<LimitKeys, 'ip'>): Promise<void> {
    const outcome = await limits.consume(kind, { ip: c.get('ip'), ...keys });
    if (!outcome.ok) {
      audit('relay.rate_limited', { kind, limit: outcome.code, ip: c.get('ip') });
      throw new RelayError(outcome.code, { retryAfterSeconds: outcome.retryAfterSeconds });
    }
  }

  function session(c: Ctx): SessionData {
    const current = c.get('session');
    if (!current) throw new RelayError('SESSION_REQUIRED');
    return current;
  }

  function allow(current: SessionData, ...purposes: Purpose[]): void {
    if (!purposes.includes(current.purpose)) throw new RelayError('PURPOSE_FORBIDDEN');
  }

  function stepUpValid(current: SessionData): boolean {
    return current.mfaAt !== undefined && now() - current.mfaAt <= stepUpMs;
  }

  function requireStepUp(current: SessionData, action: string): void {
    if (stepUpValid(current)) return;
    audit('relay.reauth_required', { action, user: current.userId });
    throw new RelayError('REAUTH_REQUIRED');
  }

  /** The device, if the session's user owns it; a 404 otherwise, before any upstream call. */
  function ownedDevice(current: SessionData, id: string): string {
    if (!/^[A-Za-z0-9-]{1,64}$/.test(id) || !(current.devices ?? []).includes(id)) {
      throw new RelayError('DEVICE_NOT_FOUND');
    }
    return id;
  }

  /** The upstream id (and selected device type) behind a handle this session was given. */
  function authenticationEntry(
    current: SessionData,
    handle: string,
  ): { id: string; deviceType: string | undefined } {
    if (HANDLE.test(handle)) {
      for (const entry of current.authentications) {
        const [known, id, deviceType] = entry.split('.');
        if (known === handle && id)
          return { id, deviceType: deviceType === '' ? undefined : deviceType };
      }
    }
    throw new RelayError('AUTHENTICATION_NOT_FOUND');
  }

  function authenticationId(current: SessionData, handle: string): string {
    return authenticationEntry(current, handle).id;
  }

  /** Records the authentication in the session, with the type of its selected device. */
  function trackAuthentication(current: SessionData, handle: string, da: DeviceAuthentication) {
    const selected = da.devices.find((device) => device.id === da.selectedDeviceId);
    const entry = `${handle}.${da.id}.${selected?.type ?? ''}`;
    const others = current.authentications.filter((known) => !known.startsWith(`${handle}.`));
    current.authentications = [...others, entry].slice(-MAX_AUTHENTICATIONS);
  }

  async function refreshDevices(c: Ctx, current: SessionData) {
    const devices = (await call(pingone.listDevices(current.userId, upstream(c)))).filter(
      isUserDevice,
    );
    current.devices = devices.map((device) => device.id);
    return devices;
  }

  function sessionView(current: SessionData, enrolled: boolean): SessionView {
    const stepUpUntil =
      current.mfaAt !== undefined && stepUpValid(current) ? current.mfaAt + stepUpMs : undefined;
    return {
      purpose: current.purpose,
      enrolled,
      ...(current.mfaAt !== undefined
        ? { mfaCompletedAt: new Date(current.mfaAt).toISOString() }
        : {}),
      ...(stepUpUntil !== undefined ? { stepUpUntil: new Date(stepUpUntil).toISOString() } : {}),
      expiresAt: new Date(sessions.expiresAt(current)).toISOString(),
    };
  }

  /** MFA is done: a new session id, the step-up clock restarted, and a signed result. */
  async function complete(c: Ctx, current: SessionData, deviceType: string): Promise<string> {
    const at = now();
    const rotated = await sessions.rotate(current, { mfaAt: at, mfaDeviceType: deviceType });
    c.set('session', rotated);
    audit('relay.mfa_completed', { user: rotated.userId, deviceType });
    return results.sign({
      sub: rotated.sub,
      audience: rotated.audience,
      amr: amrFor(deviceType),
      authTime: Math.floor(at / 1000),
      deviceType,
    });
  }

  function otpLengthCheck(info: PolicyInfo, deviceType: string | undefined, otp: string): void {
    if (deviceType !== undefined && !info.otpLengths(deviceType).includes(otp.length)) {
      throw new RelayError('OTP_FORMAT', { field: 'otp' });
    }
  }

  function normalisePhone(input: CreateDeviceRequest & { phone: string }): string {
    if (!/^\+[0-9 ().-]{6,24}$/.test(input.phone)) {
      throw new RelayError('PHONE_INVALID', { field: 'phone' });
    }
    try {
      const number = parsePhoneNumberWithError(input.phone);
      const kind = number.getType();
      // A landline takes calls, not texts; VoIP and premium numbers are refused (R-OOB-7).
      const landlineForText = input.type !== 'VOICE' && kind === 'FIXED_LINE';
      if (!number.isValid() || kind === 'VOIP' || kind === 'PREMIUM_RATE' || landlineForText) {
        throw new RelayError('PHONE_INVALID', { field: 'phone' });
      }
      return number.number;
    } catch (error) {
      if (error instanceof RelayError) throw error;
      throw new RelayError('PHONE_INVALID', { field: 'phone' });
    }
  }

  async function authenticationView(
    c: Ctx,
    current: SessionData,
    handle: string,
    da: DeviceAuthentication,
    info: PolicyInfo,
    remember: boolean,
  ): Promise<AuthenticationView> {
    const devices = da.devices.filter(isUserDevice);
    const known = (AUTHENTICATION_STATUSES as readonly string[]).includes(da.status);
    const status: AuthenticationStatus = known ? (da.status as AuthenticationStatus) : 'FAILED';
    const selected = devices.find((device) => device.id === da.selectedDeviceId);
    let result: string | undefined;
    if (status !== 'COMPLETED') trackAuthentication(current, handle, da);
    if (status === 'COMPLETED') {
      const deviceType = selected?.type ?? 'REMEMBER_ME';
      result = await complete(c, current, deviceType);
      forgetAuthentication(c, handle);
      if (remember && info.rememberSeconds !== undefined && deviceType !== 'REMEMBER_ME') {
        await rememberBrowser(c, info);
      }
    }
    return {
      id: handle,
      status,
      devices: devices.map(deviceView),
      ...(da.selectedDeviceId !== undefined ? { selectedDeviceId: da.selectedDeviceId } : {}),
      ...(status === 'ASSERTION_REQUIRED' && da.publicKeyCredentialRequestOptions
        ? {
            publicKeyOptions: pingRequestToJson(
              da.publicKeyCredentialRequestOptions,
            ) as unknown as Record<string, unknown>,
          }
        : {}),
      ...(status === 'OTP_REQUIRED' && selected
        ? { otpLength: Math.max(...info.otpLengths(selected.type)) }
        : {}),
      ...(result !== undefined ? { result } : {}),
      ...(status === 'FAILED' ? { failure: known ? (da.error?.code ?? 'FAILED') : 'UNKNOWN' } : {}),
      rememberBrowser: info.rememberSeconds !== undefined,
    };
  }

  function forgetAuthentication(c: Ctx, handle: string): void {
    const current = c.get('session');
    if (!current) return;
    current.authentications = current.authentications.filter(
      (entry) => !entry.startsWith(`${handle}.`),
    );
  }

  /** Keeps PingOne's remember cookie in the relay's own HttpOnly cookie; never the browser's. */
  async function rememberBrowser(c: Ctx, info: PolicyInfo): Promise<void> {
    const current = session(c);
    const payloadValue = randomBytes(32).toString('base64url');
    try {
      const created = await pingone.createRememberedDevice(
        current.userId,
        { payloadValue, policyId: info.id },
        upstream(c),
      );
      const seconds = info.rememberSeconds ?? 0;
      const sealed = await remember.seal({
        userId: current.userId,
        payloadValue,
        upstreamCookie: created.cookie,
        expiresAt: now() + seconds * 1000,
      });
      c.header('Set-Cookie', remember.cookie(sealed, seconds), { append: true });
      audit('relay.browser_remembered', { user: current.userId });
    } catch (error) {
      // The sign-in itself succeeded; a browser that is not remembered only asks again next time.
      audit('relay.remember_failed', {
        user: current.userId,
        code: error instanceof Error ? error.name : 'unknown',
      });
    }
  }

  const api = new Hono<Env>();

  // ---- cross-cutting: correlation id, client address, CORS, origin, CSRF, no caching
  api.use('*', async (c, next) => {
    c.set('transactionId', randomBytes(12).toString('base64url'));
    const forwarded = options.trustProxy
      ? c.req.header('x-forwarded-for')?.split(',')[0]?.trim()
      : undefined;
    const socketAddress = (c.env as Env['Bindings'] | undefined)?.incoming?.socket?.remoteAddress;
    c.set(
      'ip',
      forwarded !== undefined && forwarded !== '' ? forwarded : (socketAddress ?? 'local'),
    );
    const origin = c.req.header('origin');
    const cors = origin !== undefined && corsOrigins.has(origin);
    if (isUnsafe(c.req.method)) {
      checkOrigin(c.req, trusted);
      checkCsrfHeader(c.req);
      checkJsonType(c.req, c.req.method !== 'DELETE');
    }
    // Set before the handler runs (cheaper than rewriting the response after it); a handler may
    // still opt in to caching, as the public JWKS does.
    c.header('Cache-Control', 'no-store');
    if (cors) {
      c.header('Access-Control-Allow-Origin', origin);
      c.header('Access-Control-Allow-Credentials', 'true');
      c.header('Vary', 'Origin');
    }
    await next();
  });

  // Preflights: only allow-listed origins get CORS headers; everyone else gets a bare 204.
  api.options('*', (c) => {
    const origin = c.req.header('origin');
    if (origin === undefined || !corsOrigins.has(origin)) return c.body(null, 204);
    return c.body(null, 204, {
      'Access-Control-Allow-Origin': origin,
      'Access-Control-Allow-Credentials': 'true',
      'Access-Control-Allow-Methods': 'GET, POST, PUT, PATCH, DELETE',
      'Access-Control-Allow-Headers': 'Content-Type, X-MFA-CSRF',
      'Access-Control-Max-Age': '600',
      Vary: 'Origin',
    });
  });

  // ---- the session cookie: read before, re-sealed after (idle timeout slides)
  api.use('*', async (c, next) => {
    const cookie = cookieOf(c, sessions.cookieName);
    let unchanged: string | undefined;
    if (cookie !== undefined) {
      const read = await sessions.read(cookie);
      if (read.ok) {
        c.set('session', read.session);
        // Idle time is kept to the minute: an untouched session is re-sealed once a minute.
        if (now() - read.session.seenAt < RESEAL_AFTER_MS) unchanged = JSON.stringify(read.session);
      } else audit('relay.session_rejected', { problem: read.problem, ip: c.get('ip') });
    }
    await next();
    const current = c.get('session');
    if (current && c.res.status < 500 && JSON.stringify(current) !== unchanged) {
      c.header('Set-Cookie', sessions.cookie(await sessions.seal(current), current), {
        append: true,
      });
    }
  });

  // ---- session
  api.post('/session', async (c) => {
    const { ticket } = await readBody(c.req, sessionRequest);
    await limit(c, 'session', {});
    let claims;
    try {
      claims = await options.tickets.verify(ticket);
    } catch (error) {
      if (error instanceof TicketError) {
        audit('relay.ticket_rejected', { code: error.code, ip: c.get('ip') });
        throw new RelayError(error.code);
      }
      throw error;
    }
    let username: string;
    try {
      username = formatUsername(usernameFormat, claims);
    } catch {
      audit('relay.ticket_rejected', {
        code: 'TICKET_INVALID',
        reason: 'username',
        ip: c.get('ip'),
      });
      throw new RelayError('TICKET_INVALID');
    }
    let user = await call(pingone.findUserByUsername(username, upstream(c)));
    if (!user && options.createUnknownUsers) {
      user = await call(
        pingone.createUser(
          { username, ...(claims.email !== undefined ? { email: claims.email } : {}) },
          upstream(c),
        ),
      );
      audit('relay.user_created', { user: user.id });
    }
    // No user: the same answer as a bad ticket, so the relay does not reveal who exists.
    if (!user) {
      audit('relay.ticket_rejected', {
        code: 'TICKET_INVALID',
        reason: 'unknown_user',
        ip: c.get('ip'),
      });
      throw new RelayError('TICKET_INVALID');
    }
    const previous = c.get('session');
    if (previous) await sessions.revoke(previous);
    const fresh = sessions.create({
      userId: user.id,
      username,
      sub: claims.sub,
      purpose: claims.purpose,
      audience: options.resultAudience ?? claims.iss ?? options.publicOrigin,
    });
    c.set('session', fresh);
    const devices = await refreshDevices(c, fresh);
    audit('relay.session_started', { user: user.id, purpose: claims.purpose, ip: c.get('ip') });
    return c.json(
      sessionView(
        fresh,
        devices.some((device) => device.status === 'ACTIVE'),
      ),
      201,
    );
  });

  api.get('/session', async (c) => {
    const current = session(c);
    const devices = await refreshDevices(c, current);
    return c.json(
      sessionView(
        current,
        devices.some((device) => device.status === 'ACTIVE'),
      ),
    );
  });

  api.delete('/session', async (c) => {
    const current = session(c);
    await sessions.revoke(current);
    c.set('session', undefined);
    c.header('Set-Cookie', sessions.clearCookie(), { append: true });
    audit('relay.session_ended', { user: current.userId });
    return c.body(null, 204);
  });

  // ---- sign-in
  api.post('/authentications', async (c) => {
    const current = session(c);
    const input = await readBody(c.req, startAuthenticationRequest);
    const info = await call(policy());
    const handle = randomBytes(16).toString('base64url');
    let da: DeviceAuthentication | undefined;
    const remembered = await remember.read(cookieOf(c, remember.cookieName));
    if (remembered?.userId === current.userId && info.rememberSeconds !== undefined) {
      const checked = await call(
        pingone.checkRememberedDevice(
          {
            payloadValue: remembered.payloadValue,
            policyId: info.id,
            cookie: remembered.upstreamCookie,
            userId: current.userId,
          },
          upstream(c),
        ),
      );
      if (checked.status === 'COMPLETED') da = checked;
    }
    // Starting may send a code to the default device; a remembered browser sends nothing.
    if (!da) await limit(c, 'send', { user: current.userId, session: current.sid });
    da ??= await call(
      pingone.initializeAuthentication({ userId: current.userId, policyId: info.id }, upstream(c)),
    );
    if (input.compatibility && da.status === 'ASSERTION_REQUIRED' && da.selectedDeviceId) {
      da = await call(pingone.selectDevice(da.id, da.selectedDeviceId, input.compatibility));
    }
    audit('relay.authentication_started', { user: current.userId, status: da.status });
    return c.json(await authenticationView(c, current, handle, da, info, false), 201);
  });

  api.get('/authentications/:id', async (c) => {
    const current = session(c);
    const handle = c.req.param('id');
    const id = authenticationId(current, handle);
    const info = await call(policy());
    const da = await call(pingone.getAuthentication(id, upstream(c)), 'authentication');
    return c.json(await authenticationView(c, current, handle, da, info, false));
  });

  api.delete('/authentications/:id', (c) => {
    const current = session(c);
    const handle = c.req.param('id');
    authenticationId(current, handle);
    forgetAuthentication(c, handle);
    audit('relay.authentication_abandoned', { user: current.userId });
    return c.body(null, 204);
  });

  api.post('/authentications/:id/device', async (c) => {
    const current = session(c);
    const handle = c.req.param('id');
    const id = authenticationId(current, handle);
    const input = await readBody(c.req, selectDeviceRequest);
    ownedDevice(current, input.deviceId);
    const info = await call(policy());
    // Only choosing a device that is sent a code counts towards the send limits.
    const before = await call(pingone.getAuthentication(id, upstream(c)), 'authentication');
    const chosen = before.devices.find((device) => device.id === input.deviceId);
    if (chosen === undefined || SENDS_CODES.includes(chosen.type)) {
      await limit(c, 'send', {
        user: current.userId,
        session: current.sid,
        device: input.deviceId,
      });
    }
    const da = await call(
      pingone.selectDevice(id, input.deviceId, input.compatibility, upstream(c)),
      'authentication',
    );
    audit('relay.device_selected', { user: current.userId, device: input.deviceId });
    return c.json(await authenticationView(c, current, handle, da, info, false));
  });

  api.post('/authentications/:id/resend', async (c) => {
    const current = session(c);
    const handle = c.req.param('id');
    const id = authenticationId(current, handle);
    await readBody(c.req, emptyRequest);
    const info = await call(policy());
    const before = await call(pingone.getAuthentication(id, upstream(c)), 'authentication');
    const deviceId = before.selectedDeviceId;
    if (before.status !== 'OTP_REQUIRED' || deviceId === undefined) {
      throw new RelayError('INVALID_STATE');
    }
    const device = before.devices.find((candidate) => candidate.id === deviceId);
    if (device?.type === 'TOTP' || device?.type === 'OATH_TOKEN') {
      throw new RelayError('INVALID_STATE');
    }
    await limit(c, 'send', { user: current.userId, session: current.sid, device: deviceId });
    const da = await call(pingone.resendCode(id, deviceId, upstream(c)), 'authentication');
    audit('relay.code_resent', { user: current.userId, device: deviceId });
    return c.json(await authenticationView(c, current, handle, da, info, false));
  });

  api.post('/authentications/:id/otp', async (c) => {
    const current = session(c);
    const handle = c.req.param('id');
    const entry = authenticationEntry(current, handle);
    const id = entry.id;
    const input = await readBody(c.req, otpRequest);
    const info = await call(policy());
    await limit(c, 'check', { user: current.userId, session: current.sid });
    otpLengthCheck(info, entry.deviceType, input.otp);
    let da: DeviceAuthentication;
    try {
      da = await pingone.checkOtp(id, input.otp, upstream(c));
    } catch (error) {
      const mapped = fromUpstream(error, 'authentication');
      audit('relay.otp_rejected', { user: current.userId, code: mapped.code });
      throw mapped;
    }
    return c.json(await authenticationView(c, current, handle, da, info, input.remember === true));
  });

  api.post('/authentications/:id/assertion', async (c) => {
    const current = session(c);
    const handle = c.req.param('id');
    const id = authenticationId(current, handle);
    const input = await readBody(c.req, assertionRequest);
    const info = await call(policy());
    await limit(c, 'check', { user: current.userId, session: current.sid });
    const origin = c.req.header('origin') ?? options.publicOrigin;
    let da: DeviceAuthentication;
    try {
      da = await pingone.checkAssertion(
        id,
        {
          origin,
          assertion: assertionToPing(input.credential),
        },
        upstream(c),
      );
    } catch (error) {
      const mapped = fromUpstream(error, 'authentication');
      audit('relay.assertion_rejected', { user: current.userId, code: mapped.code });
      throw mapped.code === 'BAD_REQUEST' ? new RelayError('CREDENTIAL_INVALID') : mapped;
    }
    return c.json(await authenticationView(c, current, handle, da, info, input.remember === true));
  });

  // ---- devices
  api.get('/devices', async (c) => {
    const current = session(c);
    const info = await call(policy());
    const devices = await refreshDevices(c, current);
    return c.json({ devices: devices.map(deviceView), policy: info.view });
  });

  api.post('/devices', async (c) => {
    const current = session(c);
    allow(current, 'enroll', 'manage');
    const input = await readBody(c.req, createDeviceRequest);
    const info = await call(policy());
    if (!info.view.methods.includes(input.type)) throw new RelayError('FACTOR_NOT_ALLOWED');
    const existing = await refreshDevices(c, current);
    if (existing.some((device) => device.status === 'ACTIVE')) {
      requireStepUp(current, 'device.create');
    }
    await limit(c, 'create', { user: current.userId, session: current.sid });
    const common = {
      ...(input.nickname !== undefined ? { nickname: input.nickname } : {}),
      policyId: info.id,
    };
    let body: Parameters<PingOneClient['createDevice']>[1];
    switch (input.type) {
      case 'SMS':
      case 'WHATSAPP':
      case 'VOICE':
        body = {
          type: input.type,
          phone: normalisePhone(input),
          ...('extension' in input && input.extension !== undefined
            ? { extension: input.extension }
            : {}),
          status: 'ACTIVATION_REQUIRED',
          ...common,
        };
        break;
      case 'EMAIL':
        body = { type: 'EMAIL', email: input.email, status: 'ACTIVATION_REQUIRED', ...common };
        break;
      case 'OATH_TOKEN':
        body = { type: 'OATH_TOKEN', serialNumber: input.serialNumber, ...common };
        break;
      case 'TOTP':
        body = { type: 'TOTP', ...common };
        break;
      case 'FIDO2':
        body = { type: 'FIDO2', ...common };
        break;
    }
    if (body.type === 'SMS' || body.type === 'VOICE' || body.type === 'WHATSAPP') {
      await limit(c, 'send', { user: current.userId, session: current.sid });
    }
    const created = await call(pingone.createDevice(current.userId, body, upstream(c)), 'device');
    current.devices = [...(current.devices ?? []), created.id];
    audit('relay.device_created', { user: current.userId, device: created.id, type: input.type });
    return c.json(
      {
        device: deviceView(created),
        ...(created.secret !== undefined ? { secret: created.secret } : {}),
        ...(created.keyUri !== undefined ? { keyUri: created.keyUri } : {}),
        ...(created.publicKeyCredentialCreationOptions !== undefined
          ? {
              publicKeyOptions: pingCreationToJson(
                created.publicKeyCredentialCreationOptions,
              ) as unknown as Record<string, unknown>,
            }
          : {}),
      },
      201,
    );
  });

  // `order` is not a device id: other methods on it are 405, not a lookup of device "order".
  api.on(['GET', 'POST', 'PATCH', 'DELETE'], '/devices/order', (c) =>
    c.json(new RelayError('METHOD_NOT_ALLOWED').body(), 405, { Allow: 'PUT' }),
  );

  api.put('/devices/order', async (c) => {
    const current = session(c);
    allow(current, 'manage');
    const { order } = await readBody(c.req, orderRequest);
    for (const id of order) ownedDevice(current, id);
    if (new Set(order).size !== order.length)
      throw new RelayError('BAD_REQUEST', { field: 'order' });
    requireStepUp(current, 'device.reorder');
    await call(pingone.setDeviceOrder(current.userId, order, upstream(c)), 'device');
    audit('relay.devices_reordered', { user: current.userId });
    const devices = await refreshDevices(c, current);
    return c.json({ devices: devices.map(deviceView) });
  });

  api.patch('/devices/:id', async (c) => {
    const current = session(c);
    allow(current, 'manage');
    const id = ownedDevice(current, c.req.param('id'));
    const { nickname } = await readBody(c.req, renameRequest);
    requireStepUp(current, 'device.rename');
    const device = await call(
      pingone.setNickname(current.userId, id, nickname, upstream(c)),
      'device',
    );
    audit('relay.device_renamed', { user: current.userId, device: id });
    return c.json({ device: deviceView(device) });
  });

  api.delete('/devices/:id', async (c) => {
    const current = session(c);
    allow(current, 'enroll', 'manage');
    const id = ownedDevice(current, c.req.param('id'));
    const device = await call(pingone.getDevice(current.userId, id, upstream(c)), 'device');
    // Abandoning an unfinished enrollment needs no second factor; removing a working one does.
    if (device.status !== 'ACTIVATION_REQUIRED') {
      allow(current, 'manage');
      requireStepUp(current, 'device.delete');
    }
    await call(pingone.deleteDevice(current.userId, id, upstream(c)), 'device');
    current.devices = (current.devices ?? []).filter((known) => known !== id);
    audit('relay.device_deleted', { user: current.userId, device: id, type: device.type });
    return c.body(null, 204);
  });

  api.post('/devices/:id/activation', async (c) => {
    const current = session(c);
    allow(current, 'enroll', 'manage');
    const id = ownedDevice(current, c.req.param('id'));
    const input = await readBody(c.req, activationRequest);
    const info = await call(policy());
    await limit(c, 'check', { user: current.userId, session: current.sid });
    const device = await call(pingone.getDevice(current.userId, id, upstream(c)), 'device');
    if (device.status !== 'ACTIVATION_REQUIRED') throw new RelayError('INVALID_STATE');
    let activated;
    try {
      if ('otp' in input) {
        if (device.type === 'FIDO2') throw new RelayError('BAD_REQUEST', { field: 'credential' });
        otpLengthCheck(info, device.type, input.otp);
        activated = await pingone.activateDevice(
          current.userId,
          id,
          { otp: input.otp, ...(input.oathResync === true ? { oathResync: true } : {}) },
          upstream(c),
        );
      } else {
        if (device.type !== 'FIDO2') throw new RelayError('BAD_REQUEST', { field: 'otp' });
        activated = await pingone.activateDevice(
          current.userId,
          id,
          {
            origin: c.req.header('origin') ?? options.publicOrigin,
            attestation: registrationToPing(input.credential),
          },
          upstream(c),
        );
      }
    } catch (error) {
      const mapped = fromUpstream(error, 'device');
      audit('relay.activation_rejected', { user: current.userId, device: id, code: mapped.code });
      throw mapped.code === 'BAD_REQUEST' && 'credential' in input
        ? new RelayError('CREDENTIAL_INVALID')
        : mapped;
    }
    audit('relay.device_activated', { user: current.userId, device: id, type: device.type });
    // Activation proves possession of the device: it completes MFA for this session.
    const result = await complete(c, current, device.type);
    return c.json({ device: deviceView(activated), result });
  });

  api.post('/devices/:id/activation-code', async (c) => {
    const current = session(c);
    allow(current, 'enroll', 'manage');
    const id = ownedDevice(current, c.req.param('id'));
    await readBody(c.req, emptyRequest);
    const device = await call(pingone.getDevice(current.userId, id, upstream(c)), 'device');
    if (
      device.status !== 'ACTIVATION_REQUIRED' ||
      !['SMS', 'VOICE', 'EMAIL', 'WHATSAPP'].includes(device.type)
    ) {
      throw new RelayError('INVALID_STATE');
    }
    await limit(c, 'send', { user: current.userId, session: current.sid, device: id });
    await call(pingone.sendActivationCode(current.userId, id, upstream(c)), 'device');
    audit('relay.activation_code_sent', { user: current.userId, device: id });
    return c.body(null, 204);
  });

  // ---- documents
  const openapi = buildOpenApi(mountPath);
  api.get('/openapi.json', (c) => c.json(openapi));
  api.get('/.well-known/jwks.json', (c) => {
    c.header('Cache-Control', 'public, max-age=300');
    return c.json(results.jwks());
  });

  // ---- everything else under the mount: 405 on a known path, 404 otherwise
  const methodsByPath = new Map<string, string[]>();
  for (const [method, path] of ROUTES) {
    methodsByPath.set(path, [...(methodsByPath.get(path) ?? []), method]);
  }
  for (const [path, methods] of methodsByPath) {
    api.all(path, (c) =>
      c.json(new RelayError('METHOD_NOT_ALLOWED').body(), 405, { Allow: methods.join(', ') }),
    );
  }
  // A route, not notFound(): Hono drops a sub-app's notFound handler when it is mounted.
  api.all('*', (c) => c.json(new RelayError('NOT_FOUND').body(), 404));

  api.onError((error, c) => {
    const relayError =
      error instanceof RelayError
        ? error
        : (() => {
            try {
              return fromUpstream(error);
            } catch {
              options.logger.error({
                event: 'relay.unhandled',
                name: error.name,
                path: c.req.path,
              });
              return new RelayError('INTERNAL');
            }
          })();
    if (relayError.extras.retryAfterSeconds !== undefined) {
      c.header('Retry-After', String(relayError.extras.retryAfterSeconds));
    }
    c.header('Cache-Control', 'no-store');
    return c.json(relayError.body(), relayError.status as 400);
  });

  const app = new Hono<Env>();
  app.route(mountPath, api);
  for (const probe of ['healthz', 'readyz']) {
    app.use(`${healthPath}/${probe}`, async (c, next) => {
      await next();
      c.header('Cache-Control', 'no-store');
    });
  }
  app.get(`${healthPath}/healthz`, (c) => c.json({ status: 'ok' }));
  app.get(`${healthPath}/readyz`, async (c) => {
    try {
      // A real upstream read each time: a cached token or policy would hide an outage.
      await pingone.getMfaSettings();
      return c.json({ status: 'ready' });
    } catch (error) {
      options.logger.warn({
        event: 'relay.not_ready',
        reason: error instanceof Error ? error.name : 'unknown',
      });
      return c.json({ status: 'unavailable' }, 503);
    }
  });
  return app;
}
