/**
 * Test harness for the relay: the real engine in memory behind the real PingOne client, with a
 * recording (and optionally fault-injecting) transport, a browser-like cookie jar, ticket minting
 * and the audit log captured.
 */
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { SignJWT } from 'jose';
import { pino } from 'pino';
import { createRelay, type RelayOptions } from '../../src/bff/app.ts';
import { createRateLimits, type RateLimitOptions } from '../../src/bff/rate-limits.ts';
import { createResultSigner, generateResultKey, type ResultSigner } from '../../src/bff/result.ts';
import { createRememberCookies, createSessionManager } from '../../src/bff/session.ts';
import { memoryStore } from '../../src/bff/store.ts';
import { createTicketVerifier } from '../../src/bff/tickets.ts';
import { outboxMessages } from '../../src/engine/context.ts';
import { createEngine, type Engine, type EngineOptions } from '../../src/engine/index.ts';
import { createPingOneClient, type PingOneClient } from '../../src/pingone/index.ts';
import { ERROR_MESSAGES, errorBody, isErrorCode } from '../../src/protocol/index.ts';
import { codeIn, snapshotDatabase, TestClock, totpCode } from './engine-harness.ts';

export const ORIGIN = 'http://localhost:5173';
export const MOUNT = '/mfa/v1';
export const TICKET_SECRET = 'ticket-secret-for-tests-0123456789abcdef';
export const AUDIENCE = 'mfa-elements';

export interface UpstreamCall {
  method: string;
  path: string;
  contentType: string | null;
  cookie: string | null;
}

/** Answers instead of the engine when it returns a Response. */
export type Fault = (request: Request) => Response | Promise<Response> | undefined;

export interface Reply {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
  text: string;
  setCookies: string[];
}

export interface SendOptions {
  body?: unknown;
  /** A raw body, sent as is. */
  raw?: string | Uint8Array | ReadableStream<Uint8Array>;
  headers?: Record<string, string | undefined>;
  /** Leave out the anti-forgery header. */
  noCsrf?: boolean;
  /** Origin header; `null` leaves it out. Default the relay's own origin. */
  origin?: string | null;
  /** Client address, through X-Forwarded-For. */
  ip?: string;
}

export interface RelayHarnessOptions {
  engine?: EngineOptions;
  relay?: Partial<RelayOptions>;
  limits?: RateLimitOptions;
  resultSecret?: string;
  allowedOrigins?: string[];
  /** Timeout of each PingOne call, in ms (the client's default is 10 s). */
  pingoneTimeoutMs?: number;
}

export class RelayHarness {
  readonly clock: TestClock;
  readonly engine: Engine;
  readonly pingone: PingOneClient;
  readonly calls: UpstreamCall[] = [];
  readonly auditLines: Record<string, unknown>[] = [];
  fault: Fault | undefined;
  app!: ReturnType<typeof createRelay>;
  results!: ResultSigner;
  /** The browser's cookie jar: name → value. */
  readonly jar = new Map<string, string>();

  private constructor(options: RelayHarnessOptions) {
    this.clock = new TestClock();
    this.engine = createEngine({
      baseUrl: 'http://engine.internal',
      allowedOrigins: [ORIGIN],
      ...options.engine,
      now: this.clock.now,
      log: () => undefined,
    });
    this.pingone = createPingOneClient({
      environmentId: this.engine.environmentId,
      clientId: this.engine.clientId,
      clientSecret: this.engine.clientSecret,
      apiBaseUrl: 'http://engine.internal/v1',
      authBaseUrl: 'http://engine.internal',
      now: this.clock.now,
      retryBaseDelayMs: 1,
      ...(options.pingoneTimeoutMs !== undefined ? { timeoutMs: options.pingoneTimeoutMs } : {}),
      transport: async (request) => {
        const url = new URL(request.url);
        this.calls.push({
          method: request.method,
          path: url.pathname + url.search,
          contentType: request.headers.get('content-type'),
          cookie: request.headers.get('cookie'),
        });
        const injected = await this.fault?.(request);
        return injected ?? this.engine.fetch(request);
      },
    });
  }

  static async start(options: RelayHarnessOptions = {}): Promise<RelayHarness> {
    const harness = new RelayHarness(options);
    const secret = randomBytes(32);
    const logStream = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        for (const line of chunk.toString('utf8').split('\n')) {
          if (line.trim()) harness.auditLines.push(JSON.parse(line) as Record<string, unknown>);
        }
        done();
      },
    });
    harness.results = await createResultSigner(
      options.resultSecret !== undefined
        ? { secret: options.resultSecret, issuer: `${ORIGIN}${MOUNT}`, now: harness.clock.now }
        : {
            privateKey: await generateResultKey(),
            issuer: `${ORIGIN}${MOUNT}`,
            now: harness.clock.now,
          },
    );
    harness.app = createRelay({
      pingone: harness.pingone,
      sessions: createSessionManager({
        secret,
        idleSeconds: 900,
        absoluteSeconds: 43_200,
        revoked: memoryStore({ now: harness.clock.now }),
        now: harness.clock.now,
      }),
      remember: createRememberCookies({ secret, now: harness.clock.now }),
      tickets: createTicketVerifier({
        secret: TICKET_SECRET,
        audience: AUDIENCE,
        replay: memoryStore({ now: harness.clock.now }),
        now: harness.clock.now,
      }),
      results: harness.results,
      limits: createRateLimits(options.limits ?? {}),
      logger: pino({ level: 'info', base: null }, logStream),
      publicOrigin: ORIGIN,
      allowedOrigins: options.allowedOrigins ?? [],
      createUnknownUsers: true,
      trustProxy: true,
      now: harness.clock.now,
      ...options.relay,
    });
    return harness;
  }

  /** A host-signed ticket (HS256) for `sub`. */
  async ticket(
    sub: string,
    purpose: 'signin' | 'enroll' | 'manage' = 'manage',
    claims: Record<string, unknown> = {},
  ): Promise<string> {
    const iat = Math.floor(this.clock.now() / 1000);
    return new SignJWT({ purpose, ...claims })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(sub)
      .setAudience(AUDIENCE)
      .setIssuer('https://host.example')
      .setIssuedAt(iat)
      .setExpirationTime(iat + 120)
      .setJti(randomUUID())
      .sign(new TextEncoder().encode(TICKET_SECRET));
  }

  /** Sends a request as a same-origin browser page would, with the cookie jar. */
  async send(method: string, path: string, options: SendOptions = {}): Promise<Reply> {
    const headers = new Headers();
    const unsafe = !['GET', 'HEAD', 'OPTIONS'].includes(method);
    if (options.origin !== null && (unsafe || options.origin !== undefined)) {
      headers.set('origin', options.origin ?? ORIGIN);
    }
    if (unsafe && !options.noCsrf) headers.set('x-mfa-csrf', '1');
    let body: BodyInit | undefined;
    if (options.raw !== undefined) body = options.raw as BodyInit;
    else if (options.body !== undefined) body = JSON.stringify(options.body);
    if (body !== undefined || (unsafe && method !== 'DELETE')) {
      headers.set('content-type', 'application/json');
    }
    if (options.ip) headers.set('x-forwarded-for', options.ip);
    if (this.jar.size > 0) {
      headers.set('cookie', [...this.jar].map(([name, value]) => `${name}=${value}`).join('; '));
    }
    for (const [name, value] of Object.entries(options.headers ?? {})) {
      if (value === undefined) headers.delete(name);
      else headers.set(name, value);
    }
    const init: RequestInit & { duplex?: 'half' } = { method, headers };
    if (body !== undefined) {
      init.body = body;
      if (body instanceof ReadableStream) init.duplex = 'half';
    }
    const response = await this.app.request(`${path.startsWith('/mfa') ? '' : MOUNT}${path}`, init);
    const text = await response.text();
    const setCookies = response.headers.getSetCookie();
    for (const cookie of setCookies) {
      const [pair = ''] = cookie.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at);
      const value = pair.slice(at + 1);
      if (/max-age=0/i.test(cookie) || value === '') this.jar.delete(name);
      else this.jar.set(name, value);
    }
    let parsed: Record<string, unknown>;
    try {
      parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      parsed = {};
    }
    return { status: response.status, headers: response.headers, body: parsed, text, setCookies };
  }

  /** Opens a session for `sub` with a fresh ticket. */
  async session(sub: string, purpose: 'signin' | 'enroll' | 'manage' = 'manage'): Promise<Reply> {
    const reply = await this.send('POST', '/session', {
      body: { ticket: await this.ticket(sub, purpose) },
    });
    assert.equal(reply.status, 201, reply.text);
    return reply;
  }

  /** Adds a TOTP device in the current session and activates it with a computed code. */
  async enrollTotp(): Promise<{ deviceId: string; secret: string }> {
    const created = await this.send('POST', '/devices', { body: { type: 'TOTP' } });
    assert.equal(created.status, 201, created.text);
    const secret = created.body.secret as string;
    const deviceId = (created.body.device as { id: string }).id;
    const activated = await this.send('POST', `/devices/${deviceId}/activation`, {
      body: { otp: totpCode(secret, this.clock.now()) },
    });
    assert.equal(activated.status, 200, activated.text);
    return { deviceId, secret };
  }

  /** Latest code delivered to `recipient` (from the engine's outbox). */
  lastCode(recipient: string): Promise<string> {
    const [message] = outboxMessages(this.engine.context, { to: recipient, limit: 1 });
    return Promise.resolve(codeIn(message?.text ?? '', recipient));
  }

  outboxCount(recipient: string): Promise<number> {
    return Promise.resolve(
      outboxMessages(this.engine.context, { to: recipient, limit: 1000 }).length,
    );
  }

  /** Upstream calls made while `work` ran. */
  async recording(work: () => Promise<unknown>): Promise<UpstreamCall[]> {
    const start = this.calls.length;
    await work();
    return this.calls.slice(start);
  }

  /** Upstream calls that change something (anything but GET and the token request). */
  static mutations(calls: UpstreamCall[]): UpstreamCall[] {
    return calls.filter((call) => call.method !== 'GET' && !call.path.endsWith('/as/token'));
  }

  /** Every table of the engine's database, for asserting that nothing changed upstream. */
  snapshotAll(): Record<string, unknown[]> {
    return snapshotDatabase(this.engine);
  }

  audits(event: string): Record<string, unknown>[] {
    return this.auditLines.filter((line) => line.event === event);
  }

  /** Changes the default MFA policy upstream, as a tenant administrator would. */
  async editPolicy(edit: (policy: Record<string, Record<string, unknown>>) => void): Promise<void> {
    const { engine } = this;
    const token = await engine
      .fetch(
        new Request(`http://engine.internal/${engine.environmentId}/as/token`, {
          method: 'POST',
          headers: {
            authorization: `Basic ${Buffer.from(`${engine.clientId}:${engine.clientSecret}`).toString('base64')}`,
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: 'grant_type=client_credentials',
        }),
      )
      .then(async (response) => ((await response.json()) as { access_token: string }).access_token);
    const base = `http://engine.internal/v1/environments/${engine.environmentId}/deviceAuthenticationPolicies`;
    const authorization = `Bearer ${token}`;
    const list = (await (
      await engine.fetch(new Request(base, { headers: { authorization } }))
    ).json()) as { _embedded: { deviceAuthenticationPolicies: Record<string, unknown>[] } };
    const policy = list._embedded.deviceAuthenticationPolicies.find((p) => p.default === true);
    if (!policy) throw new Error('no default MFA policy');
    // Read-only members are not sent back.
    const readOnly = new Set(['id', 'environment', '_links', 'createdAt', 'updatedAt']);
    const editable = Object.fromEntries(
      Object.entries(policy).filter(([key]) => !readOnly.has(key)),
    );
    edit(editable as Record<string, Record<string, unknown>>);
    const saved = await engine.fetch(
      new Request(`${base}/${String(policy.id)}`, {
        method: 'PUT',
        headers: { authorization, 'content-type': 'application/json' },
        body: JSON.stringify(editable),
      }),
    );
    if (saved.status !== 200) throw new Error(`policy not saved: ${await saved.text()}`);
    // The relay reads the policy at most once a minute.
    this.clock.advance(61_000);
  }

  close(): void {
    this.engine.close();
  }
}

/** A 6-digit code that no TOTP window of ±2 steps around `nowMs` accepts for `secret`. */
export function wrongTotpCode(secret: string, nowMs: number): string {
  const valid = new Set([-2, -1, 0, 1, 2].map((step) => totpCode(secret, nowMs, step)));
  for (let n = 0; ; n++) {
    const candidate = String(n).padStart(6, '0');
    if (!valid.has(candidate)) return candidate;
  }
}

/**
 * Rate limits wide enough for tests about other things (the relay's limits run on the wall clock,
 * not the test clock); the rules named in `keep` stay at their defaults.
 */
export function relaxedLimits(keep: readonly string[] = []): RateLimitOptions {
  const rules: Record<string, { points: number; durationSeconds: number }> = {};
  for (const kind of ['send', 'check', 'create', 'session']) {
    for (const dimension of ['ip', 'user', 'session', 'device']) {
      const name = `${kind}.${dimension}`;
      if (!keep.includes(name)) rules[name] = { points: 100_000, durationSeconds: 60 };
    }
  }
  return { rules };
}

/**
 * Asserts an error answer as the protocol defines it: the status and code, the protocol's generic
 * message, the field at fault when given, not cacheable, JSON, and no stack trace or source path.
 */
export function assertRelayError(reply: Reply, status: number, code: string, field?: string): void {
  assert.equal(
    reply.status,
    status,
    `expected ${status} ${code}, got ${reply.status}: ${reply.text}`,
  );
  const parsed = errorBody.safeParse(reply.body);
  if (!parsed.success) assert.fail(`error body shape: ${reply.text}`);
  assert.equal(parsed.data.error.code, code, `expected ${code}: ${reply.text}`);
  assert.ok(isErrorCode(code), `${code} is a protocol error code`);
  assert.equal(parsed.data.error.message, ERROR_MESSAGES[code], 'the protocol message');
  if (field !== undefined) assert.equal(parsed.data.error.field, field, reply.text);
  assert.equal(reply.headers.get('cache-control'), 'no-store', 'errors are not cached');
  assert.match(reply.headers.get('content-type') ?? '', /^application\/json/);
  assert.doesNotMatch(reply.text, /\bat .*:\d+:\d+|Error:|node_modules|\.ts\b/, 'no stack trace');
}

/** Runs `work`, asserting it sent nothing upstream and changed nothing in the engine. */
export async function nothingUpstream(
  harness: RelayHarness,
  work: () => Promise<Reply>,
): Promise<Reply> {
  const snapshot = harness.snapshotAll();
  let reply: Reply | undefined;
  const calls = await harness.recording(async () => {
    reply = await work();
  });
  assert.deepEqual(calls, [], `nothing may go upstream: ${JSON.stringify(calls)}`);
  assert.deepEqual(harness.snapshotAll(), snapshot, 'engine state unchanged');
  assert.ok(reply, 'a reply');
  return reply;
}
