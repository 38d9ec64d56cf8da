/**
 * The embedded, PingOne-compatible MFA engine: a Hono app over a libSQL file. Use it in-process
 * (`engine.fetch(request)`) or mount `engine.app` in an HTTP server.
 * @module
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { authenticationRoutes } from './authentications.ts';
import { defaultPolicyRow, newId, type EngineContext, type EngineEvent } from './context.ts';
import { generateKeys, type EngineKeys } from './crypto.ts';
import { deviceRoutes } from './devices.ts';
import { EngineError, methodNotAllowed, notFound } from './errors.ts';
import { defaultFido2Policies, defaultMfaPolicy, defaultMfaSettings } from './model/policy.ts';
import { adminRoutes, importOathTokens, outboxRoutes } from './outbox.ts';
import {
  fido2PolicyRoutes,
  mfaPolicyRoutes,
  savePolicy,
  settingsRoutes,
  writeSettings,
} from './policies.ts';
import { openDatabase, readMeta, transaction, writeMeta, type Db } from './store/db.ts';
import { requireBearer, tokenHandler } from './token.ts';
import { userRoutes } from './users.ts';

export interface EngineOptions {
  /** libSQL file path, or `:memory:` (the default). */
  database?: string;
  /** Fixed identity; generated when absent (and, for the environment id, kept in the database). */
  environmentId?: string;
  clientId?: string;
  clientSecret?: string;
  /** Keys for code hashes, sealed seeds and tokens. A database must always be opened with the same keys. */
  keys?: EngineKeys;
  /** The clock, in Unix ms. Tests inject one. */
  now?: () => number;
  /** Absolute URL the engine is reached at; HAL links start here. Default `http://localhost/engine`. */
  baseUrl?: string;
  /** WebAuthn relying party of the seeded FIDO2 policies. Default `localhost`. */
  relyingPartyId?: string;
  relyingPartyName?: string;
  /** Exact origins allowed in WebAuthn ceremonies. Default `http://localhost:5173`. */
  allowedOrigins?: readonly string[];
  /** Issuer written into TOTP key URIs by the seeded policy. Default `mfa-elements`. */
  issuer?: string;
  /** Seed the documented demo OATH token (see `DEMO_OATH_TOKEN`). Default true. */
  seedDemoToken?: boolean;
  /** Recipients whose messages fail to deliver, like a gateway's test numbers. */
  failingRecipients?: readonly string[];
  /** Lifetime of a device authentication. Default 15 minutes. */
  authenticationLifetimeSeconds?: number;
  /** Audit events; never carry codes, seeds or tokens. */
  log?: (event: EngineEvent) => void;
}

export interface Engine {
  app: Hono;
  fetch: (request: Request) => Promise<Response>;
  environmentId: string;
  clientId: string;
  clientSecret: string;
  context: EngineContext;
  close(): void;
}

/**
 * The seeded demo hardware token: a TOTP token (SHA1, 6 digits, 30 s) whose seed is RFC 6238's
 * test seed, so tests and people can compute its codes (`oathtool --totp -b <secret>`).
 */
export const DEMO_OATH_TOKEN = {
  serialNumber: '10000000000001',
  secret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ',
  type: 'TOTP',
  algorithm: 'SHA1',
  digits: 6,
  period: 30,
} as const;

/** Recipients that always fail, to exercise delivery errors end to end. */
export const FAILING_RECIPIENTS = ['+15005550001', 'undeliverable@example.invalid'] as const;

const CORRELATION_HEADER = 'X-Ping-External-Transaction-ID';

export function createEngine(options: EngineOptions = {}): Engine {
  const database = options.database ?? ':memory:';
  const db = openDatabase(database);
  const keys = options.keys ?? generateKeys();
  const now = options.now ?? Date.now;
  try {
    // Under the write lock: of processes starting together on a new file, one sets the keys.
    transaction(db, () => {
      checkKeys(db, keys);
    });
  } catch (error) {
    db.close();
    throw error;
  }

  // Read or create under the write lock, so processes starting together on a new file agree.
  const environmentId = transaction(db, () => {
    const id = options.environmentId ?? readMeta(db, 'environment_id') ?? newId();
    writeMeta(db, 'environment_id', id);
    return id;
  });
  const clientId = options.clientId ?? newId();
  const clientSecret = options.clientSecret ?? randomBytes(32).toString('base64url');

  const ctx: EngineContext = {
    db,
    keys,
    environmentId,
    now,
    baseUrl: (options.baseUrl ?? 'http://localhost/engine').replace(/\/+$/, ''),
    allowedOrigins: options.allowedOrigins ?? ['http://localhost:5173'],
    relyingPartyName: options.relyingPartyName ?? 'mfa-elements',
    authenticationLifetimeMs: (options.authenticationLifetimeSeconds ?? 900) * 1000,
    failingRecipients: new Set(options.failingRecipients ?? FAILING_RECIPIENTS),
    log: options.log ?? (() => undefined),
  };

  seed(ctx, {
    relyingPartyId: options.relyingPartyId ?? 'localhost',
    issuer: options.issuer ?? 'mfa-elements',
    demoToken: options.seedDemoToken ?? true,
  });

  const app = buildApp(ctx, { clientId, clientSecret });
  return {
    app,
    fetch: async (request) => app.fetch(request),
    environmentId,
    clientId,
    clientSecret,
    context: ctx,
    close: () => db.close(),
  };
}

function buildApp(ctx: EngineContext, client: { clientId: string; clientSecret: string }): Hono {
  const app = new Hono();
  const bearer = requireBearer(ctx);

  app.use('*', async (c, next) => {
    const given = c.req.header(CORRELATION_HEADER);
    // PingOne replaces characters outside its allowed set with '_' and caps the length at 100.
    const id = given ? given.slice(0, 100).replace(/[^\p{L}\p{M}\p{N}._\-/@=#+]/gu, '_') : newId();
    await next();
    c.res.headers.set(CORRELATION_HEADER, id);
    c.res.headers.set('Cache-Control', 'no-store');
  });
  app.use(
    '*',
    bodyLimit({
      maxSize: 64 * 1024,
      onError: () => {
        throw new EngineError(413, 'REQUEST_TOO_LARGE');
      },
    }),
  );

  const issueToken = tokenHandler(ctx, client);
  app.post('/:envId/as/token', async (c) => {
    if (c.req.param('envId') !== ctx.environmentId) {
      return c.json({ error: 'invalid_client', error_description: 'Unknown environment.' }, 401);
    }
    return issueToken(c);
  });

  for (const path of [
    '/v1/environments/:envId/*',
    '/:envId/deviceAuthentications',
    '/:envId/deviceAuthentications/*',
    '/outbox',
    '/admin/*',
  ]) {
    app.use(path, bearer);
  }

  const environment = new Hono();
  environment.route('/users/:userId/devices', deviceRoutes(ctx));
  environment.route('/users', userRoutes(ctx));
  environment.route('/mfaSettings', settingsRoutes(ctx));
  environment.route('/deviceAuthenticationPolicies', mfaPolicyRoutes(ctx));
  environment.route('/fido2Policies', fido2PolicyRoutes(ctx));
  app.route('/v1/environments/:envId', environment);
  app.route('/:envId/deviceAuthentications', authenticationRoutes(ctx));
  app.route('/outbox', outboxRoutes(ctx));
  app.route('/admin', adminRoutes(ctx));

  // A known path with another method answers 405 with `Allow`; anything else is 404.
  const routes = app.routes
    .filter((route) => route.method !== 'ALL')
    .map((route) => ({ method: route.method, pattern: routePattern(route.path) }));
  app.notFound((c) => {
    const path = new URL(c.req.url).pathname.replace(/\/+$/, '') || '/';
    const allowed = [
      ...new Set(routes.filter((route) => route.pattern.test(path)).map((route) => route.method)),
    ];
    if (allowed.length > 0) throw methodNotAllowed(allowed);
    throw notFound();
  });
  app.onError((error, c) => {
    if (error instanceof EngineError) {
      for (const [name, value] of Object.entries(error.headers)) c.header(name, value);
      return c.json(error.toBody(), error.status as 400);
    }
    ctx.log({ event: 'engine.error', name: error.name, message: error.message });
    const unexpected = new EngineError(500, 'UNEXPECTED_ERROR');
    return c.json(unexpected.toBody(), 500);
  });
  return app;
}

/** A Hono route path (`/v1/environments/:envId/users/:userId`) as an anchored RegExp. */
function routePattern(path: string): RegExp {
  const trimmed = path.replace(/\/+$/, '') || '/';
  const source = trimmed
    .split('/')
    .map((segment) =>
      segment.startsWith(':') ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('/');
  return new RegExp(`^${source}$`);
}

/** Refuses to open a database with keys other than the ones it was created with. */
function checkKeys(db: Db, keys: EngineKeys): void {
  const fingerprint = createHmac('sha256', Buffer.concat([keys.pepper, keys.seal, keys.token]))
    .update('mfa-engine-keys')
    .digest();
  const stored = readMeta(db, 'keys_fingerprint');
  if (stored === undefined) {
    writeMeta(db, 'keys_fingerprint', fingerprint.toString('base64url'));
    return;
  }
  const expected = Buffer.from(stored, 'base64url');
  if (expected.length !== fingerprint.length || !timingSafeEqual(expected, fingerprint)) {
    throw new Error(
      'The engine keys do not match this database. Open it with the keys it was created with.',
    );
  }
}

/** First start: settings, the default MFA policy, the FIDO2 policies and the demo token. */
function seed(
  ctx: EngineContext,
  options: { relyingPartyId: string; issuer: string; demoToken: boolean },
): void {
  transaction(ctx.db, () => {
    if (readMeta(ctx.db, 'seeded') !== undefined) return;
    writeSettings(ctx, defaultMfaSettings());
    const [passkeys, securityKeys] = defaultFido2Policies(options.relyingPartyId);
    for (const policy of [passkeys, securityKeys]) {
      if (policy) savePolicy(ctx, 'fido2', newId(), policy);
    }
    savePolicy(ctx, 'mfa', newId(), defaultMfaPolicy(options.issuer));
    defaultPolicyRow(ctx, 'mfa');
    if (options.demoToken) importOathTokens(ctx, [{ ...DEMO_OATH_TOKEN, counter: 0 }]);
    writeMeta(ctx.db, 'seeded', new Date(ctx.now()).toISOString());
  });
}
