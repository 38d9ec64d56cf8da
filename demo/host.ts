/**
 * The demo host: what a customer's server adds to the product's server. A password form, then a
 * ticket for the relay, then the relay's signed result verified before the host signs the person
 * in. Everything it serves carries a strict CSP.
 * @module
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { secureHeaders } from 'hono/secure-headers';
import {
  createLocalJWKSet,
  errors as joseErrors,
  jwtVerify,
  type JSONWebKeySet,
  type JWTPayload,
  type JWTVerifyGetKey,
} from 'jose';
import { formatUsername } from '../src/bff/tickets.ts';
import { iso, outboxMessages } from '../src/engine/context.ts';
import type { ServerConfig } from '../src/server/config.ts';
import { openRelayKeys } from '../src/server/data-dir.ts';
import { signTicket } from '../src/server/host-ticket.ts';
import type { MfaServer } from '../src/server/server.ts';
import { serveAssets, type Assets } from './assets.ts';
import {
  accountPage,
  loginPage,
  messagePage,
  mfaPage,
  outboxPage,
  type OutboxMessage,
  type Purpose,
} from './pages.ts';
import { createSignedCookies } from './signed-cookie.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The CSP every demo page and asset is served with; no inline script or style anywhere. */
export const DEMO_CSP = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'none'"],
  frameAncestors: ["'none'"],
  formAction: ["'self'"],
  requireTrustedTypesFor: ["'script'"],
  trustedTypes: ['lit-html'],
};

/** The one password of the demo, said plainly on the login page. */
export const DEMO_PASSWORD = 'demo';
const USERNAME = /^[A-Za-z0-9._@-]{1,64}$/;
/** How long after the password the second factor may complete. */
const PENDING_SECONDS = 10 * 60;
const SESSION_SECONDS = 8 * 60 * 60;
/** A result proves an MFA completion at most this old. */
const MAX_AUTH_AGE_SECONDS = 5 * 60;
const CLOCK_SKEW_SECONDS = 5;
const OUTBOX_LIMIT = 50;

export interface DemoOptions {
  /** The built browser code; without it `/assets/*` answers 404. */
  assets?: Assets;
  /** Unix ms; tests move time. */
  now?: () => number;
}

type Failure =
  | 'CSRF_REJECTED'
  | 'LOGIN_REQUIRED'
  | 'RESULT_INVALID'
  | 'RESULT_EXPIRED'
  | 'RESULT_STALE'
  | 'RESULT_REPLAYED';

class CompleteError extends Error {
  constructor(readonly code: Failure) {
    super(code);
  }
}

function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((item) => typeof item === 'string')
    ? value
    : undefined;
}

/** Adds the host's pages to `server.app` and returns it. */
export function addDemo(server: MfaServer, config: ServerConfig, options: DemoOptions = {}): Hono {
  const { app, pingone, engine } = server;
  const now = options.now ?? Date.now;
  const indexHtml = readFileSync(`${root}/index.html`, 'utf8');
  const siteCss = readFileSync(`${root}/demo/public/site.css`, 'utf8');
  const readme = readFileSync(`${root}/README.md`, 'utf8');
  const relay = config.relay;
  const origin = relay.publicOrigin;
  const secure = origin.startsWith('https:');
  const cookieName = (name: string) => (secure ? `__Host-${name}` : name);
  const PENDING = cookieName('demo-login');
  const SESSION = cookieName('demo-session');
  const cookies = createSignedCookies({ now });
  const cookieOptions = { httpOnly: true, secure, sameSite: 'Lax', path: '/' } as const;

  // The embedded setup keeps the ticket secret in the data folder; a JWKS-only setup has none.
  const ticketSecret =
    relay.ticket.secret ??
    (config.upstream.kind === 'engine' ? openRelayKeys(config.dataDir).ticketSecret : undefined);
  const resultAudience = relay.result.audience ?? origin;

  let keys: Promise<JWTVerifyGetKey> | undefined;
  const resultKeys = (): Promise<JWTVerifyGetKey> => {
    // The relay's public keys, read in-process once: they do not change while it runs.
    if (!keys) {
      keys = (async () => {
        const res = await app.request(`${relay.mountPath}/.well-known/jwks.json`);
        if (!res.ok) throw new Error(`the relay's JWKS answered ${res.status}`);
        return createLocalJWKSet((await res.json()) as JSONWebKeySet);
      })();
      keys.catch(() => {
        keys = undefined;
      });
    }
    return keys;
  };
  /** Spent result ids until their expiry, in ms. */
  const spent = new Map<string, number>();

  const headers = secureHeaders({
    contentSecurityPolicy: DEMO_CSP,
    // Under `no-referrer` a browser sends `Origin: null` with form posts, and the Origin check
    // needs the real one; no URL here carries anything secret.
    referrerPolicy: 'same-origin',
  });
  for (const path of [
    '/',
    '/site.css',
    '/README.md',
    '/login',
    '/login/complete',
    '/mfa',
    '/account',
    '/logout',
    '/outbox',
    '/outbox.json',
    '/assets/*',
  ]) {
    app.use(path, headers);
  }
  // A password form and a result token are small; nothing larger is read.
  const small = bodyLimit({ maxSize: 16 * 1024, onError: (c) => c.text('Too large', 413) });
  for (const path of ['/login', '/login/complete', '/logout']) app.use(path, small);
  const noStore = (c: Context) => {
    c.header('Cache-Control', 'no-store');
  };
  const sameOrigin = (c: Context) => c.req.header('origin') === origin;

  app.get('/', (c) => {
    c.header('Cache-Control', 'no-cache');
    return c.html(loginPage(indexHtml));
  });
  app.get('/site.css', (c) =>
    c.body(siteCss, 200, {
      'content-type': 'text/css; charset=utf-8',
      'cache-control': 'no-cache',
    }),
  );
  app.get('/README.md', (c) =>
    c.body(readme, 200, { 'content-type': 'text/plain; charset=utf-8' }),
  );

  app.post('/login', async (c) => {
    noStore(c);
    if (!sameOrigin(c)) {
      return c.html(messagePage('Refused', 'This form only accepts posts from this site.'), 403);
    }
    const form = await c.req.parseBody();
    const username = typeof form.username === 'string' ? form.username : '';
    const password = typeof form.password === 'string' ? form.password : '';
    if (!USERNAME.test(username)) {
      const message = 'Use 1 to 64 letters, digits and . _ @ - for the username.';
      return c.html(loginPage(indexHtml, { message, username: '' }), 400);
    }
    if (password !== DEMO_PASSWORD) {
      const message = 'Wrong username or password.';
      return c.html(loginPage(indexHtml, { message, username }), 401);
    }
    setCookie(c, PENDING, cookies.seal(PENDING, { sub: username }, PENDING_SECONDS), {
      ...cookieOptions,
      maxAge: PENDING_SECONDS,
    });
    // The ticket is minted when /mfa renders, so it never travels in a URL and a reload gets a fresh one.
    return c.redirect('/mfa', 303);
  });

  app.get('/mfa', async (c) => {
    noStore(c);
    const pending = cookies.open(PENDING, getCookie(c, PENDING));
    const sub = typeof pending?.sub === 'string' ? pending.sub : undefined;
    if (sub === undefined) return c.redirect('/', 303);
    if (ticketSecret === undefined) {
      return c.html(
        messagePage(
          'No ticket secret',
          'The demo signs tickets with MFA_TICKET_SECRET; this server verifies tickets with MFA_TICKET_JWKS_URL instead.',
        ),
        503,
      );
    }
    const email = sub.includes('@') ? sub : undefined;
    let purpose: Purpose = 'enroll';
    try {
      const user = await pingone.findUserByUsername(
        formatUsername(relay.usernameFormat, { sub, ...(email ? { email } : {}) }),
      );
      if (user) {
        const devices = await pingone.listDevices(user.id);
        const active = devices.some(
          (device) => device.status === 'ACTIVE' && device.type !== 'REMEMBER_ME',
        );
        purpose = active ? 'signin' : 'enroll';
      }
    } catch {
      return c.html(
        messagePage('MFA unavailable', 'The MFA service did not answer. Try again in a moment.'),
        502,
      );
    }
    const ticket = await signTicket({
      secret: ticketSecret,
      sub,
      purpose,
      audience: relay.ticket.audience,
      issuer: origin,
      ...(email ? { email } : {}),
      now,
    });
    return c.html(mfaPage({ username: sub, purpose, ticket, api: config.relay.mountPath }));
  });

  app.post('/login/complete', async (c) => {
    noStore(c);
    try {
      if (!sameOrigin(c) || c.req.header('x-demo-csrf') !== '1') {
        throw new CompleteError('CSRF_REJECTED');
      }
      const pending = cookies.open(PENDING, getCookie(c, PENDING));
      const sub = typeof pending?.sub === 'string' ? pending.sub : undefined;
      if (sub === undefined) throw new CompleteError('LOGIN_REQUIRED');
      const body: unknown = await c.req.json().catch(() => undefined);
      const result =
        typeof body === 'object' && body !== null && 'result' in body ? body.result : undefined;
      if (typeof result !== 'string' || result.length > 8192) {
        throw new CompleteError('RESULT_INVALID');
      }
      const claims = await verifyResult(result, sub);
      const authTime = claims.auth_time;
      const nowSeconds = Math.floor(now() / 1000);
      if (
        typeof authTime !== 'number' ||
        authTime > nowSeconds + CLOCK_SKEW_SECONDS ||
        nowSeconds - authTime > MAX_AUTH_AGE_SECONDS
      ) {
        throw new CompleteError('RESULT_STALE');
      }
      const amr = stringList(claims.amr);
      const method = claims.mfa_device_type;
      if (!amr || typeof method !== 'string' || typeof claims.jti !== 'string') {
        throw new CompleteError('RESULT_INVALID');
      }
      for (const [jti, until] of spent) if (until < now()) spent.delete(jti);
      if (spent.has(claims.jti)) throw new CompleteError('RESULT_REPLAYED');
      spent.set(claims.jti, ((claims.exp ?? nowSeconds) + CLOCK_SKEW_SECONDS) * 1000);

      setCookie(
        c,
        SESSION,
        cookies.seal(SESSION, { sub, amr, method, authTime }, SESSION_SECONDS),
        { ...cookieOptions, maxAge: SESSION_SECONDS },
      );
      deleteCookie(c, PENDING, cookieOptions);
      return c.body(null, 204);
    } catch (error) {
      if (!(error instanceof CompleteError)) throw error;
      const status = error.code === 'CSRF_REJECTED' ? 403 : 401;
      return c.json(
        { error: { code: error.code, message: 'The sign-in was not completed.' } },
        status,
      );
    }
  });

  async function verifyResult(result: string, sub: string): Promise<JWTPayload> {
    const expected = {
      issuer: relay.result.issuer,
      audience: resultAudience,
      subject: sub,
      currentDate: new Date(now()),
      clockTolerance: CLOCK_SKEW_SECONDS,
      requiredClaims: ['exp', 'iat', 'jti', 'auth_time'],
    };
    try {
      const { payload } =
        relay.result.secret !== undefined
          ? await jwtVerify(result, new TextEncoder().encode(relay.result.secret), {
              ...expected,
              algorithms: ['HS256'],
            })
          : await jwtVerify(result, await resultKeys(), {
              ...expected,
              algorithms: ['ES256', 'RS256', 'EdDSA'],
            });
      return payload;
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw new CompleteError('RESULT_EXPIRED');
      if (error instanceof joseErrors.JOSEError) throw new CompleteError('RESULT_INVALID');
      throw error;
    }
  }

  app.get('/account', (c) => {
    noStore(c);
    const session = cookies.open(SESSION, getCookie(c, SESSION));
    const amr = stringList(session?.amr);
    if (
      typeof session?.sub !== 'string' ||
      !amr ||
      typeof session.method !== 'string' ||
      typeof session.authTime !== 'number'
    ) {
      return c.redirect('/', 303);
    }
    return c.html(
      accountPage({
        username: session.sub,
        amr,
        method: session.method,
        authTime: session.authTime,
      }),
    );
  });

  app.post('/logout', (c) => {
    noStore(c);
    if (!sameOrigin(c)) {
      return c.html(messagePage('Refused', 'This form only accepts posts from this site.'), 403);
    }
    deleteCookie(c, SESSION, cookieOptions);
    deleteCookie(c, PENDING, cookieOptions);
    return c.redirect('/', 303);
  });

  const outbox = (): OutboxMessage[] | undefined =>
    engine &&
    outboxMessages(engine.context, { limit: OUTBOX_LIMIT }).map((row) => ({
      id: String(row.id),
      channel: row.channel,
      to: row.recipient,
      text: row.text,
      createdAt: iso(row.created_at),
    }));
  app.get('/outbox', (c) => {
    noStore(c);
    return c.html(outboxPage(outbox()));
  });
  app.get('/outbox.json', (c) => {
    noStore(c);
    const messages = outbox();
    if (messages === undefined) {
      return c.json(
        { error: { code: 'NOT_FOUND', message: 'PingOne delivers messages; there is no outbox.' } },
        404,
      );
    }
    return c.json({ messages });
  });

  if (options.assets) serveAssets(app, options.assets);
  else app.get('/assets/*', (c) => c.text('Not found', 404));
  return app;
}
