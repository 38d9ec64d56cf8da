/**
 * The demo host through `app.request()`: password form, ticket hand-over, result verification,
 * the signed-in page, the outbox, and the headers on everything it serves.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Hono } from 'hono';
import { decodeJwt } from 'jose';
import { pino } from 'pino';
import type { Asset } from '../../demo/assets.ts';
import { addDemo } from '../../demo/host.ts';
import { createResultSigner, generateResultKey, type ResultSigner } from '../../src/bff/result.ts';
import { outboxMessages } from '../../src/engine/context.ts';
import type { Device, PingOneClient, User } from '../../src/pingone/index.ts';
import { loadConfig, type ServerConfig } from '../../src/server/config.ts';
import { openRelayKeys } from '../../src/server/data-dir.ts';
import { createServer, type MfaServer } from '../../src/server/server.ts';
import { codeIn } from '../helpers/engine-harness.ts';

const ORIGIN = 'http://localhost:5173';
const EXPECTED_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
  'trusted-types lit-html',
];

function asset(text: string, immutable: boolean): Asset {
  return {
    body: new TextEncoder().encode(text),
    type: 'text/javascript; charset=utf-8',
    etag: `"${immutable ? 'chunk' : 'entry'}"`,
    immutable,
  };
}

const ASSETS = new Map<string, Asset>([
  ['demo.js', asset('export {};', false)],
  ['outbox.js', asset('export {};', false)],
  ['chunks/qr-AbC123.js', asset('export const qr = 1;', true)],
]);

/** A browser-like client: a cookie jar and every response kept for inspection. */
class Browser {
  readonly jar = new Map<string, string>();
  readonly seen: { url: string; location: string | null }[] = [];

  constructor(private readonly app: Hono) {}

  async request(
    method: string,
    path: string,
    options: {
      form?: Record<string, string>;
      json?: unknown;
      headers?: Record<string, string>;
    } = {},
  ): Promise<Response> {
    const headers = new Headers(options.headers);
    if (method !== 'GET' && !headers.has('origin')) headers.set('origin', ORIGIN);
    if (this.jar.size > 0) {
      headers.set('cookie', [...this.jar].map(([name, value]) => `${name}=${value}`).join('; '));
    }
    let body: string | undefined;
    if (options.form) {
      headers.set('content-type', 'application/x-www-form-urlencoded');
      body = new URLSearchParams(options.form).toString();
    } else if (options.json !== undefined) {
      headers.set('content-type', 'application/json');
      body = JSON.stringify(options.json);
    }
    const res = await this.app.request(`${ORIGIN}${path}`, { method, headers, body });
    this.seen.push({ url: path, location: res.headers.get('location') });
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at).trim();
      const gone = attributes.some((attribute) => /^\s*max-age=0$/i.test(attribute));
      if (gone) this.jar.delete(name);
      else this.jar.set(name, pair.slice(at + 1));
    }
    return res;
  }

  /** Password step; answers the /mfa page's HTML and the ticket in it. */
  async login(username: string): Promise<{ html: string; ticket: string; tag: string }> {
    const res = await this.request('POST', '/login', { form: { username, password: 'demo' } });
    assert.equal(res.status, 303, 'a right password redirects');
    assert.equal(res.headers.get('location'), '/mfa');
    const page = await this.request('GET', '/mfa');
    assert.equal(page.status, 200);
    const html = await page.text();
    const match = /<(mfa-signin|mfa-enroll) api="\/mfa\/v1" ticket="([^"]+)"><\/\1>/.exec(html);
    assert.ok(match?.[1] && match[2], `the /mfa page holds an element with a ticket: ${html}`);
    return { html, tag: match[1], ticket: match[2] };
  }

  complete(result: unknown, headers: Record<string, string> = { 'x-demo-csrf': '1' }) {
    return this.request('POST', '/login/complete', { json: { result }, headers });
  }
}

function assertCsp(res: Response, what: string): void {
  const csp = res.headers.get('content-security-policy') ?? '';
  for (const directive of EXPECTED_CSP) {
    assert.ok(csp.includes(directive), `${what}: CSP lacks ${directive}: ${csp}`);
  }
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff', `${what}: nosniff`);
  assert.equal(res.headers.get('referrer-policy'), 'same-origin', `${what}: referrer policy`);
}

async function errorCode(res: Response): Promise<string | undefined> {
  const body = (await res.json()) as { error?: { code?: string } };
  return body.error?.code;
}

describe('demo host (embedded engine)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mfa-demo-'));
  let config: ServerConfig;
  let server: MfaServer;
  let app: Hono;
  let results: ResultSigner;

  before(async () => {
    config = loadConfig({ MFA_DATA_DIR: dataDir, PORT: '5173', MFA_LOG_LEVEL: 'silent' }, []);
    server = await createServer(config, pino({ level: 'silent' }));
    app = addDemo(server, config, { assets: ASSETS });
    // Signed with the relay's own key, as the relay would sign it.
    results = await createResultSigner({
      privateKey: openRelayKeys(dataDir).resultPrivateKey,
      issuer: config.relay.result.issuer,
    });
  });
  after(async () => {
    await server.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const sign = (sub: string, overrides: Partial<Parameters<ResultSigner['sign']>[0]> = {}) =>
    results.sign({
      sub,
      audience: ORIGIN,
      amr: ['otp', 'sms', 'mfa'],
      authTime: Math.floor(Date.now() / 1000),
      deviceType: 'SMS',
      ...overrides,
    });

  it('serves the login page with the password stated and links to the outbox and README', async () => {
    const res = await app.request('/');
    assert.equal(res.status, 200);
    const html = await res.text();
    assert.match(html, /<form class="card" method="post" action="\/login">/);
    assert.match(html, /The password is <code>demo<\/code>/);
    assert.match(html, /href="\/outbox"/);
    assert.match(html, /href="\/README.md"/);
    assert.doesNotMatch(html, /<script/, 'the login page needs no script');
  });

  it('answers a wrong password with the page again, an error and 401, and nothing else', async () => {
    const browser = new Browser(app);
    const res = await browser.request('POST', '/login', {
      form: { username: 'mallory', password: 'guess' },
    });
    assert.equal(res.status, 401);
    const html = await res.text();
    assert.match(
      html,
      /<p class="error" id="login-error" role="alert">Wrong username or password.<\/p>/,
    );
    assert.match(html, /value="mallory"/, 'the username is kept');
    assert.match(html, /aria-describedby="login-error password-hint" aria-invalid="true"/);
    assert.equal(browser.jar.size, 0, 'no cookie is set');
    assert.equal((await browser.request('GET', '/mfa')).headers.get('location'), '/');
  });

  it('refuses a username outside the allowed characters, escaping what was typed', async () => {
    const browser = new Browser(app);
    for (const username of ['<script>x</script>', '', 'a'.repeat(65), 'two words']) {
      const res = await browser.request('POST', '/login', {
        form: { username, password: 'demo' },
      });
      assert.equal(res.status, 400, `username ${JSON.stringify(username)}`);
      assert.doesNotMatch(await res.text(), /<script>x/);
    }
    assert.equal(browser.jar.size, 0);
  });

  it('refuses form posts from another origin or without one', async () => {
    for (const origin of ['https://evil.example', 'null', 'http://127.0.0.1:5173']) {
      const res = await app.request('/login', {
        method: 'POST',
        headers: { origin, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'username=alice&password=demo',
      });
      assert.equal(res.status, 403, `Origin ${origin}`);
      assert.equal(res.headers.getSetCookie().length, 0);
    }
    const bare = await app.request('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'username=alice&password=demo',
    });
    assert.equal(bare.status, 403, 'no Origin');
    const logout = await app.request('/logout', {
      method: 'POST',
      headers: { origin: 'https://evil.example' },
    });
    assert.equal(logout.status, 403);
  });

  it('hands over a fresh ticket in the page, never in a URL, for enrollment of a new user', async () => {
    const browser = new Browser(app);
    const first = await browser.login('new-person');
    assert.equal(first.tag, 'mfa-enroll', 'a user without devices enrolls');
    assert.match(first.html, /<script type="module" src="\/assets\/demo.js"><\/script>/);
    const claims = decodeJwt(first.ticket);
    assert.equal(claims.sub, 'new-person');
    assert.equal(claims.purpose, 'enroll');
    assert.equal(claims.aud, config.relay.ticket.audience);
    assert.equal(claims.iss, ORIGIN);
    assert.ok((claims.exp ?? 0) - (claims.iat ?? 0) <= 300, 'short-lived');

    const again = await browser.login('new-person');
    assert.notEqual(again.ticket, first.ticket, 'a reload mints a new ticket');
    for (const { url, location } of browser.seen) {
      for (const ticket of [first.ticket, again.ticket]) {
        assert.ok(!url.includes(ticket) && !(location ?? '').includes(ticket), 'ticket in a URL');
      }
      assert.doesNotMatch(`${url} ${location ?? ''}`, /eyJ/, 'no JWT in any URL');
    }
    for (const cookie of browser.jar.values()) {
      assert.ok(!cookie.includes(first.ticket), 'the ticket is not kept in a cookie');
    }
  });

  it('chooses sign-in for a user with an active device and enrollment otherwise', async () => {
    const active = await server.pingone.createUser({ username: 'has-sms' });
    await server.pingone.createDevice(active.id, {
      type: 'SMS',
      phone: '+14155550142',
      status: 'ACTIVE',
    });
    const pending = await server.pingone.createUser({ username: 'half-enrolled' });
    await server.pingone.createDevice(pending.id, {
      type: 'EMAIL',
      email: 'half@example.com',
      status: 'ACTIVATION_REQUIRED',
    });
    const signin = await new Browser(app).login('has-sms');
    assert.equal(signin.tag, 'mfa-signin');
    assert.equal(decodeJwt(signin.ticket).purpose, 'signin');
    assert.match(signin.html, /Verify it’s you/);
    const enroll = await new Browser(app).login('half-enrolled');
    assert.equal(enroll.tag, 'mfa-enroll', 'a device awaiting activation does not count');
  });

  it('signs in after a real enrollment through the relay, then signs out', async () => {
    const browser = new Browser(app);
    const { ticket } = await browser.login('carol');
    const relay = { 'x-mfa-csrf': '1' };
    const session = await browser.request('POST', '/mfa/v1/session', {
      json: { ticket },
      headers: relay,
    });
    assert.equal(session.status, 201, await session.clone().text());
    const phone = '+14155552671';
    const created = await browser.request('POST', '/mfa/v1/devices', {
      json: { type: 'SMS', phone },
      headers: relay,
    });
    assert.equal(created.status, 201, await created.clone().text());
    const { device } = (await created.json()) as { device: { id: string } };
    const [message] = outboxMessages(server.engine!.context, { to: phone, limit: 1 });
    const otp = codeIn(message?.text ?? '', phone);
    const activated = await browser.request('POST', `/mfa/v1/devices/${device.id}/activation`, {
      json: { otp },
      headers: relay,
    });
    assert.equal(activated.status, 200, await activated.clone().text());
    const { result } = (await activated.json()) as { result: string };
    const pendingLogin = browser.jar.get('demo-login');

    const done = await browser.complete(result);
    assert.equal(done.status, 204);
    const cookie = done.headers.getSetCookie().find((line) => line.startsWith('demo-session='));
    assert.ok(cookie, 'a demo session cookie is set');
    assert.match(cookie, /HttpOnly/);
    assert.match(cookie, /SameSite=Lax/);
    assert.ok(!browser.jar.has('demo-login'), 'the pending login is spent');

    const account = await browser.request('GET', '/account');
    assert.equal(account.status, 200);
    const html = await account.text();
    assert.match(html, /Signed in as <strong>carol<\/strong>/);
    assert.match(html, /<th scope="row">amr<\/th><td>otp, sms, mfa<\/td>/);
    assert.match(html, /<th scope="row">method<\/th><td>SMS<\/td>/);
    assert.match(html, /<form method="post" action="\/logout">/);

    // The same result again, even with the pending login still at hand, is refused.
    const replay = new Browser(app);
    replay.jar.set('demo-login', pendingLogin ?? '');
    const again = await replay.complete(result);
    assert.equal(again.status, 401);
    assert.equal(await errorCode(again), 'RESULT_REPLAYED');

    const out = await browser.request('POST', '/logout');
    assert.equal(out.status, 303);
    assert.equal(out.headers.get('location'), '/');
    assert.equal(browser.jar.size > 0 && browser.jar.has('demo-session'), false);
    assert.equal((await browser.request('GET', '/account')).headers.get('location'), '/');

    // Next time the user has a device, so the host asks for a sign-in.
    assert.equal((await browser.login('carol')).tag, 'mfa-signin');
  });

  it('accepts a well-formed result and refuses forged, expired, stale and foreign ones', async () => {
    const browser = new Browser(app);
    await browser.login('dave');
    const other = await createResultSigner({
      privateKey: await generateResultKey(),
      issuer: config.relay.result.issuer,
    });
    const past = Date.now() - 10 * 60_000;
    const expired = await createResultSigner({
      privateKey: openRelayKeys(dataDir).resultPrivateKey,
      issuer: config.relay.result.issuer,
      now: () => past,
    });
    const wrongIssuer = await createResultSigner({
      privateKey: openRelayKeys(dataDir).resultPrivateKey,
      issuer: 'https://elsewhere.example/mfa/v1',
    });
    const base = { audience: ORIGIN, amr: ['otp', 'mfa'], deviceType: 'TOTP' };
    const nowSeconds = Math.floor(Date.now() / 1000);
    const cases: [string, unknown, string][] = [
      ['not a JWT', 'garbage', 'RESULT_INVALID'],
      ['not a string', 42, 'RESULT_INVALID'],
      [
        'another key',
        await other.sign({ sub: 'dave', ...base, authTime: nowSeconds }),
        'RESULT_INVALID',
      ],
      ['another user', await sign('erin'), 'RESULT_INVALID'],
      [
        'another audience',
        await sign('dave', { audience: 'https://other.example' }),
        'RESULT_INVALID',
      ],
      [
        'another issuer',
        await wrongIssuer.sign({ sub: 'dave', ...base, authTime: nowSeconds }),
        'RESULT_INVALID',
      ],
      [
        'expired',
        await expired.sign({ sub: 'dave', ...base, authTime: past / 1000 }),
        'RESULT_EXPIRED',
      ],
      ['stale auth_time', await sign('dave', { authTime: nowSeconds - 6 * 60 }), 'RESULT_STALE'],
      ['auth_time ahead', await sign('dave', { authTime: nowSeconds + 120 }), 'RESULT_STALE'],
    ];
    for (const [name, result, code] of cases) {
      const res = await browser.complete(result);
      assert.equal(res.status, 401, name);
      assert.equal(await errorCode(res), code, name);
      assert.equal(res.headers.getSetCookie().length, 0, `${name}: no cookie`);
    }

    const good = await sign('dave');
    const noCsrf = await browser.complete(good, {});
    assert.equal(noCsrf.status, 403, 'without X-Demo-CSRF');
    const foreign = await browser.complete(good, {
      'x-demo-csrf': '1',
      origin: 'https://evil.example',
    });
    assert.equal(foreign.status, 403, 'from another origin');
    const stranger = await new Browser(app).complete(good);
    assert.equal(stranger.status, 401, 'without a pending login');
    assert.equal(await errorCode(stranger), 'LOGIN_REQUIRED');

    assert.equal((await browser.complete(good)).status, 204);
    assert.ok(browser.jar.has('demo-session'));
  });

  it('reads no large body', async () => {
    const browser = new Browser(app);
    await browser.login('hank');
    const res = await browser.complete('x'.repeat(20_000));
    assert.equal(res.status, 413);
    const form = await browser.request('POST', '/login', {
      form: { username: 'hank', password: 'x'.repeat(20_000) },
    });
    assert.equal(form.status, 413);
  });

  it('ignores a tampered or foreign session cookie', async () => {
    const browser = new Browser(app);
    await browser.login('frank');
    const pendingLogin = browser.jar.get('demo-login') ?? '';
    assert.equal((await browser.complete(await sign('frank'))).status, 204);
    const value = browser.jar.get('demo-session') ?? '';
    const [body = '', mac = ''] = value.split('.');
    const forged = Buffer.from(
      JSON.stringify({ ...JSON.parse(Buffer.from(body, 'base64url').toString()), sub: 'root' }),
    ).toString('base64url');
    browser.jar.set('demo-session', `${forged}.${mac}`);
    assert.equal((await browser.request('GET', '/account')).headers.get('location'), '/');
    // A pending-login cookie is signed for its own name and cannot pass for a session.
    browser.jar.set('demo-session', pendingLogin);
    assert.equal((await browser.request('GET', '/account')).headers.get('location'), '/');
  });

  it('lists delivered messages newest first in /outbox.json and /outbox', async () => {
    const browser = new Browser(app);
    const { ticket } = await browser.login('grace');
    const relay = { 'x-mfa-csrf': '1' };
    await browser.request('POST', '/mfa/v1/session', { json: { ticket }, headers: relay });
    for (const email of ['grace@example.com', 'grace+2@example.com']) {
      const res = await browser.request('POST', '/mfa/v1/devices', {
        json: { type: 'EMAIL', email },
        headers: relay,
      });
      assert.equal(res.status, 201, await res.clone().text());
    }
    const res = await app.request('/outbox.json');
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const { messages } = (await res.json()) as {
      messages: { id: string; channel: string; to: string; text: string; createdAt: string }[];
    };
    const [newest, older] = messages;
    assert.ok(newest && older, 'two messages');
    assert.equal(newest.to, 'grace+2@example.com', 'newest first');
    assert.equal(older.to, 'grace@example.com');
    assert.equal(newest.channel, 'EMAIL');
    assert.match(newest.text, /\d{3} ?\d{3}/);
    assert.ok(!Number.isNaN(Date.parse(newest.createdAt)), 'ISO time');
    const page = await (await app.request('/outbox')).text();
    assert.match(page, /<td>grace\+2@example.com<\/td>/);
    assert.match(page, /<script type="module" src="\/assets\/outbox.js"><\/script>/);
  });

  it('serves every page and asset under the strict CSP', async () => {
    const browser = new Browser(app);
    const checks: [string, Response][] = [
      ['GET /', await browser.request('GET', '/')],
      ['GET /site.css', await browser.request('GET', '/site.css')],
      ['GET /README.md', await browser.request('GET', '/README.md')],
      ['GET /outbox', await browser.request('GET', '/outbox')],
      ['GET /outbox.json', await browser.request('GET', '/outbox.json')],
      ['GET /mfa (no login)', await browser.request('GET', '/mfa')],
      ['GET /account (no session)', await browser.request('GET', '/account')],
      ['GET /assets/demo.js', await browser.request('GET', '/assets/demo.js')],
      ['GET /assets/chunk', await browser.request('GET', '/assets/chunks/qr-AbC123.js')],
      ['GET /assets/missing', await browser.request('GET', '/assets/nope.js')],
      [
        'POST /login (wrong)',
        await browser.request('POST', '/login', { form: { username: 'x', password: 'y' } }),
      ],
      [
        'POST /login',
        await browser.request('POST', '/login', { form: { username: 'x', password: 'demo' } }),
      ],
      ['GET /mfa', await browser.request('GET', '/mfa')],
      ['POST /login/complete', await browser.complete('nope')],
      ['POST /logout', await browser.request('POST', '/logout')],
    ];
    for (const [what, res] of checks) assertCsp(res, what);
  });

  it('caches hashed chunks for a year and revalidates entry files', async () => {
    const chunk = await app.request('/assets/chunks/qr-AbC123.js');
    assert.equal(chunk.status, 200);
    assert.equal(chunk.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.equal(chunk.headers.get('content-type'), 'text/javascript; charset=utf-8');
    const entry = await app.request('/assets/demo.js');
    assert.equal(entry.headers.get('cache-control'), 'no-cache');
    const etag = entry.headers.get('etag') ?? '';
    const again = await app.request('/assets/demo.js', { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
    assert.equal((await app.request('/assets/../host.ts')).status, 404);
  });
});

describe('demo host (PingOne, HS256 results)', () => {
  const secrets = {
    ticket: 'ticket-secret-for-the-demo-tests-0123456789',
    session: 'session-secret-for-the-demo-tests-0123456789',
    result: 'result-secret-for-the-demo-tests-0123456789',
  };
  const config = loadConfig(
    {
      PINGONE_ENVIRONMENT_ID: '3f0d2c5e-8a4b-4c1d-9e2f-1a2b3c4d5e6f',
      PINGONE_CLIENT_ID: 'worker',
      PINGONE_CLIENT_SECRET: 'worker-secret',
      MFA_TICKET_SECRET: secrets.ticket,
      MFA_SESSION_SECRET: secrets.session,
      MFA_RESULT_SECRET: secrets.result,
      MFA_USERNAME_FORMAT: '{{sub}}@corp.example',
      PORT: '5173',
    },
    [],
  );
  const users = new Map<string, Device[]>([
    ['ivy@corp.example', [{ id: 'd1', type: 'TOTP', status: 'ACTIVE', raw: {} }]],
    ['jo@corp.example', [{ id: 'd2', type: 'REMEMBER_ME', status: 'ACTIVE', raw: {} }]],
  ]);
  const asked: string[] = [];
  const pingone: Pick<PingOneClient, 'findUserByUsername' | 'listDevices'> = {
    findUserByUsername: (username) => {
      asked.push(username);
      const user: User = { id: username, username, raw: {} };
      return Promise.resolve(users.has(username) ? user : undefined);
    },
    listDevices: (userId) => Promise.resolve(users.get(userId) ?? []),
  };
  const server = {
    app: new Hono(),
    engine: undefined,
    dataDir: undefined,
    pingone: pingone as PingOneClient,
    close: () => Promise.resolve(),
  };
  const app = addDemo(server, config);

  it('maps the username with MFA_USERNAME_FORMAT and ignores remembered browsers', async () => {
    assert.equal((await new Browser(app).login('ivy')).tag, 'mfa-signin');
    assert.equal((await new Browser(app).login('jo')).tag, 'mfa-enroll');
    assert.equal((await new Browser(app).login('kim')).tag, 'mfa-enroll');
    assert.deepEqual(asked, ['ivy@corp.example', 'jo@corp.example', 'kim@corp.example']);
  });

  it('verifies HS256 results with MFA_RESULT_SECRET', async () => {
    const results = await createResultSigner({
      secret: secrets.result,
      issuer: config.relay.result.issuer,
    });
    const browser = new Browser(app);
    await browser.login('ivy');
    const input = {
      sub: 'ivy',
      audience: ORIGIN,
      amr: ['otp', 'mfa'],
      authTime: Math.floor(Date.now() / 1000),
      deviceType: 'TOTP',
    };
    const forged = await createResultSigner({
      secret: secrets.ticket,
      issuer: config.relay.result.issuer,
    });
    const refused = await browser.complete(await forged.sign(input));
    assert.equal(refused.status, 401, 'a result signed with the ticket secret is refused');
    assert.equal((await browser.complete(await results.sign(input))).status, 204);
  });

  it('says that PingOne delivers the messages instead of showing an outbox', async () => {
    const page = await app.request('/outbox');
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /real phones/);
    assert.doesNotMatch(html, /<script/);
    assert.equal((await app.request('/outbox.json')).status, 404);
  });
});
