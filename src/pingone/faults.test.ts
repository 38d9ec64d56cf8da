/**
 * Upstream faults: a transport that answers by itself (or wraps the engine) injects 5xx, 429,
 * 401, hangs, HTML and broken JSON, and counts what reached it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createEngine } from '../engine/index.ts';
import {
  createPingOneClient,
  PingOneApiError,
  PingOneUnavailableError,
  REGIONS,
  regionUrls,
  type PingOneClientOptions,
  type PingOneEvent,
  type Transport,
} from './index.ts';

const ENV = '11111111-2222-4333-8444-555555555555';
const USER = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
const SECRET = 'client-secret-value';
const BASE = 'http://fake.internal';

const json = (body: unknown, status = 200, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json', ...headers },
  });

const deviceBody = { id: 'dev-1', type: 'SMS', status: 'ACTIVE', phone: '+15125550100' };
const authBody = { id: 'auth-1', status: 'OTP_REQUIRED', user: { id: USER } };
const p1Error = (code: string, detail: Record<string, unknown> = {}) => ({
  id: 'err-1',
  code,
  message: 'Upstream message',
  details: [{ code: 'INVALID_OTP', target: 'otp', message: 'Wrong', ...detail }],
});

type Handler = (request: Request, call: number) => Response | Promise<Response>;

interface Fake {
  transport: Transport;
  /** Requests that reached the transport, token requests included. */
  requests: Request[];
  tokenCalls: () => number;
  apiCalls: () => number;
  issued: string[];
}

/** A PingOne stand-in: the token endpoint issues `tok-N`; every other request goes to `api`. */
function fake(api: Handler, token?: Handler): Fake {
  const requests: Request[] = [];
  const issued: string[] = [];
  let apiCount = 0;
  let tokenCount = 0;
  return {
    requests,
    issued,
    tokenCalls: () => tokenCount,
    apiCalls: () => apiCount,
    transport: async (request) => {
      requests.push(request);
      if (request.url.endsWith('/as/token')) {
        tokenCount++;
        if (token) return token(request, tokenCount);
        const value = `tok-${String(tokenCount)}`;
        issued.push(value);
        return json({ access_token: value, token_type: 'Bearer', expires_in: 3600 });
      }
      apiCount++;
      return api(request, apiCount);
    },
  };
}

function clientFor(f: Fake, overrides: Partial<PingOneClientOptions> = {}) {
  const events: PingOneEvent[] = [];
  const client = createPingOneClient({
    environmentId: ENV,
    clientId: 'client-id',
    clientSecret: SECRET,
    apiBaseUrl: `${BASE}/v1`,
    authBaseUrl: BASE,
    transport: f.transport,
    retryBaseDelayMs: 1,
    onEvent: (event) => events.push(event),
    ...overrides,
  });
  return { client, events };
}

function unavailable(kind: string, status?: number) {
  return (error: unknown): boolean => {
    assert.ok(
      error instanceof PingOneUnavailableError,
      `PingOneUnavailableError, got ${String(error)}`,
    );
    assert.equal(error.kind, kind);
    assert.equal(error.status, status);
    return true;
  };
}

describe('5xx and network errors', () => {
  it('500 and 503 on a GET are retried, then PingOneUnavailableError', async () => {
    for (const status of [500, 503]) {
      const f = fake(() => json({ code: 'UNEXPECTED_ERROR' }, status));
      const { client, events } = clientFor(f);
      await assert.rejects(client.getDevice(USER, 'dev-1'), unavailable('unavailable', status));
      assert.equal(f.apiCalls(), 3, 'maxReadRetries 2 → 3 attempts');
      assert.equal(events.filter((e) => e.event === 'pingone.retry').length, 2);
    }
  });

  it('a GET that fails once then succeeds returns the answer', async () => {
    const f = fake((_, n) => (n === 1 ? json({}, 502) : json(deviceBody)));
    const { client } = clientFor(f);
    const device = await client.getDevice(USER, 'dev-1');
    assert.equal(device.id, 'dev-1');
    assert.equal(f.apiCalls(), 2);
  });

  it('maxReadRetries 0 → one attempt', async () => {
    const f = fake(() => json({}, 503));
    const { client } = clientFor(f, { maxReadRetries: 0 });
    await assert.rejects(client.listDevices(USER), unavailable('unavailable', 503));
    assert.equal(f.apiCalls(), 1);
  });

  it('503 on checkOtp (POST) → exactly one upstream call, kind unavailable', async () => {
    const f = fake(() => json({ code: 'UNEXPECTED_ERROR' }, 503));
    const { client } = clientFor(f);
    await assert.rejects(client.checkOtp('auth-1', '123456'), unavailable('unavailable', 503));
    assert.equal(f.apiCalls(), 1);
  });

  it('500 on a device create, PUT or DELETE is never retried', async () => {
    const f = fake(() => json({}, 500));
    const { client } = clientFor(f);
    await assert.rejects(
      client.createDevice(USER, { type: 'TOTP' }),
      unavailable('unavailable', 500),
    );
    await assert.rejects(client.setNickname(USER, 'dev-1', 'x'), unavailable('unavailable', 500));
    await assert.rejects(client.deleteDevice(USER, 'dev-1'), unavailable('unavailable', 500));
    assert.equal(f.apiCalls(), 3);
  });

  it('a network error on a GET is retried, then unavailable; on a POST it is not', async () => {
    const f = fake(() => {
      throw new TypeError('fetch failed');
    });
    const { client } = clientFor(f);
    await assert.rejects(client.listPolicies(), unavailable('unavailable'));
    assert.equal(f.apiCalls(), 3);
    await assert.rejects(client.selectDevice('auth-1', 'dev-1'), unavailable('unavailable'));
    assert.equal(f.apiCalls(), 4);
  });
});

describe('429 and Retry-After', () => {
  it('429 with Retry-After on a POST → PingOneApiError 429 with retryAfterSeconds, one call', async () => {
    const f = fake(() =>
      json(
        p1Error('REQUEST_LIMITED', {
          code: 'DEVICE_LOCKED',
          innerError: { lockExpiresAt: '2030-01-01T00:00:00Z' },
        }),
        429,
        {
          'Retry-After': '120',
        },
      ),
    );
    const { client } = clientFor(f);
    await assert.rejects(client.checkOtp('auth-1', '123456'), (error: unknown) => {
      assert.ok(error instanceof PingOneApiError, 'PingOneApiError');
      assert.equal(error.kind, 'api');
      assert.equal(error.status, 429);
      assert.equal(error.code, 'REQUEST_LIMITED');
      assert.equal(error.detailCode, 'DEVICE_LOCKED');
      assert.equal(error.retryAfterSeconds, 120);
      assert.equal(error.lockExpiresAt, '2030-01-01T00:00:00Z');
      assert.equal(error.upstreamId, 'err-1');
      return true;
    });
    assert.equal(f.apiCalls(), 1);
  });

  it('Retry-After as an HTTP date', async () => {
    const now = Date.UTC(2026, 0, 1, 12, 0, 0);
    const f = fake(() =>
      json(p1Error('REQUEST_LIMITED'), 429, {
        'Retry-After': new Date(now + 42_000).toUTCString(),
      }),
    );
    const { client } = clientFor(f, { now: () => now });
    await assert.rejects(client.checkOtp('auth-1', '123456'), (error: unknown) => {
      assert.ok(error instanceof PingOneApiError, 'PingOneApiError');
      assert.equal(error.retryAfterSeconds, 42);
      return true;
    });
  });

  it('a GET honours a short Retry-After and gives up at once on a long one', async () => {
    const short = fake((_, n) =>
      n === 1 ? json({}, 503, { 'Retry-After': '0' }) : json(deviceBody),
    );
    const a = clientFor(short);
    assert.equal((await a.client.getDevice(USER, 'dev-1')).id, 'dev-1');
    assert.equal(short.apiCalls(), 2);
    const retry = a.events.find((e) => e.event === 'pingone.retry');
    assert.equal(retry?.ms, 0, 'waited Retry-After, not the backoff');

    const long = fake(() => json(p1Error('REQUEST_LIMITED'), 429, { 'Retry-After': '30' }));
    const b = clientFor(long);
    await assert.rejects(b.client.listDevices(USER), (error: unknown) => {
      assert.ok(error instanceof PingOneApiError, 'PingOneApiError');
      assert.equal(error.status, 429);
      assert.equal(error.retryAfterSeconds, 30);
      return true;
    });
    assert.equal(long.apiCalls(), 1, 'a Retry-After over 5 s is not waited for');
  });
});

describe('4xx bodies', () => {
  it('a wrong OTP gives attemptsRemaining from the first detail that has it', async () => {
    const f = fake(() =>
      json(
        {
          id: 'e',
          code: 'INVALID_DATA',
          details: [
            { code: 'INVALID_VALUE' },
            { code: 'INVALID_OTP', innerError: { attemptsRemaining: 3 } },
          ],
        },
        400,
      ),
    );
    const { client } = clientFor(f);
    await assert.rejects(client.checkOtp('auth-1', '123456'), (error: unknown) => {
      assert.ok(error instanceof PingOneApiError, 'PingOneApiError');
      assert.equal(error.attemptsRemaining, 3);
      assert.equal(error.detailCode, 'INVALID_VALUE');
      assert.equal(error.details.length, 2);
      assert.ok(!error.message.includes('123456'), 'code not in message');
      return true;
    });
  });

  it('a 4xx without a P1 body → code UNKNOWN, status kept, body not in the message', async () => {
    const f = fake(
      () =>
        new Response('<html>Forbidden by proxy</html>', {
          status: 403,
          headers: { 'Content-Type': 'text/html' },
        }),
    );
    const { client } = clientFor(f);
    await assert.rejects(client.getUser(USER), (error: unknown) => {
      assert.ok(error instanceof PingOneApiError, 'PingOneApiError');
      assert.equal(error.status, 403);
      assert.equal(error.code, 'UNKNOWN');
      assert.ok(!error.message.includes('proxy'), 'no body in the message');
      return true;
    });
    assert.equal(f.apiCalls(), 1, '4xx on a GET is not retried');
  });
});

describe('timeouts', () => {
  it('a hang → kind timeout within about a second, and the transport saw the abort', async () => {
    let aborted = false;
    const transport: Transport = (request) =>
      request.url.endsWith('/as/token')
        ? Promise.resolve(json({ access_token: 't', expires_in: 3600 }))
        : new Promise<Response>((_, reject) => {
            request.signal.addEventListener('abort', () => {
              aborted = true;
              reject(new DOMException('aborted', 'AbortError'));
            });
          });
    const { client } = clientFor(
      { transport, requests: [], issued: [], tokenCalls: () => 0, apiCalls: () => 0 },
      { timeoutMs: 200 },
    );
    const started = performance.now();
    await assert.rejects(client.checkOtp('auth-1', '123456'), unavailable('timeout'));
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 1500, `took ${String(Math.round(elapsed))} ms`);
    assert.ok(aborted, 'the abort reached the transport');
  });

  it('a transport that ignores the signal still cannot hold the caller', async () => {
    const f = fake(() => new Promise<Response>(() => undefined));
    const { client } = clientFor(f, { timeoutMs: 100, maxReadRetries: 1 });
    const started = performance.now();
    await assert.rejects(client.getDevice(USER, 'dev-1'), unavailable('timeout'));
    assert.ok(performance.now() - started < 2000, 'bounded');
    assert.equal(f.apiCalls(), 2, 'a timed-out GET is retried');
  });

  it('a body that stalls after the headers times out too', async () => {
    const f = fake(
      () =>
        new Response(
          new ReadableStream({
            start: (c) => {
              c.enqueue(new TextEncoder().encode('{"id":'));
            },
          }),
          {
            status: 200,
            headers: { 'Content-Type': 'application/json' },
          },
        ),
    );
    const { client } = clientFor(f, { timeoutMs: 150 });
    await assert.rejects(client.checkOtp('auth-1', '123456'), unavailable('timeout'));
  });

  it("the caller's signal cancels the call promptly", async () => {
    const f = fake(() => new Promise<Response>(() => undefined));
    const { client } = clientFor(f);
    const controller = new AbortController();
    setTimeout(() => {
      controller.abort();
    }, 50);
    const started = performance.now();
    await assert.rejects(
      client.getDevice(USER, 'dev-1', { signal: controller.signal }),
      unavailable('timeout'),
    );
    assert.ok(performance.now() - started < 2000, 'bounded');
    assert.equal(f.apiCalls(), 1, 'no retry after a cancel');
  });
});

describe('bad responses', () => {
  it('HTML with 200 → bad_response, and the HTML is not in the message', async () => {
    const html = '<html><body>Gateway says hello SECRET-PAGE</body></html>';
    for (const type of ['text/html; charset=utf-8', 'application/json']) {
      const f = fake(() => new Response(html, { status: 200, headers: { 'Content-Type': type } }));
      const { client } = clientFor(f);
      await assert.rejects(client.getDevice(USER, 'dev-1'), (error: unknown) => {
        assert.ok(error instanceof PingOneUnavailableError, 'PingOneUnavailableError');
        assert.equal(error.kind, 'bad_response');
        assert.ok(!error.message.includes('SECRET-PAGE'), 'no body in the message');
        assert.equal(error.cause, undefined, 'no cause that could quote the body');
        return true;
      });
      assert.equal(f.apiCalls(), 1, 'a bad body is not retried');
    }
  });

  it('invalid JSON → bad_response', async () => {
    const f = fake(
      () =>
        new Response('{"id": "dev-1", ', {
          status: 200,
          headers: { 'Content-Type': 'application/json' },
        }),
    );
    const { client } = clientFor(f);
    await assert.rejects(client.checkOtp('auth-1', '123456'), unavailable('bad_response'));
  });

  it('missing required fields or a JSON array → bad_response', async () => {
    const cases: [Handler, (c: ReturnType<typeof clientFor>['client']) => Promise<unknown>][] = [
      [() => json({ id: 'dev-1', type: 'SMS' }), (c) => c.getDevice(USER, 'dev-1')],
      [() => json({ status: 'COMPLETED' }), (c) => c.getAuthentication('auth-1')],
      [() => json([deviceBody]), (c) => c.listDevices(USER)],
      [() => json({ _embedded: { devices: 'nope' } }), (c) => c.listDevices(USER)],
      [() => json({ _embedded: { devices: [{ id: 'x' }] } }), (c) => c.listDevices(USER)],
      [() => json({ id: 'u' }), (c) => c.getUser(USER)],
    ];
    for (const [handler, run] of cases) {
      const { client } = clientFor(fake(handler));
      await assert.rejects(run(client), unavailable('bad_response'));
    }
  });

  it('200 and 201 are both accepted for creates; 204 for deletes', async () => {
    for (const status of [200, 201]) {
      const { client } = clientFor(fake(() => json({ ...deviceBody, secret: 'S' }, status)));
      assert.equal((await client.createDevice(USER, { type: 'TOTP' })).secret, 'S');
    }
    const { client } = clientFor(fake(() => new Response(null, { status: 204 })));
    await client.deleteDevice(USER, 'dev-1');
  });

  it('unknown fields are kept in raw; one-time devices without id are left out of devices', async () => {
    const f = fake(() =>
      json({
        ...authBody,
        extra: { nested: true },
        _embedded: { devices: [{ type: 'EMAIL', email: 'a***@x.com' }, deviceBody] },
      }),
    );
    const { client } = clientFor(f);
    const auth = await client.getAuthentication('auth-1');
    assert.deepEqual(auth.raw.extra, { nested: true });
    assert.deepEqual(
      auth.devices.map((d) => d.id),
      ['dev-1'],
    );
  });
});

describe('user lookup', () => {
  it('never returns a user other than the one asked for', async () => {
    const user = (username: string) => ({ id: `id-${username}`, username });
    const f = fake((request) => {
      const filter = new URL(request.url).searchParams.get('filter') ?? '';
      if (filter.includes('"alice"')) return json({ _embedded: { users: [user('Alice')] } });
      return json({ _embedded: { users: [user('mallory')] } });
    });
    const { client } = clientFor(f);
    assert.equal((await client.findUserByUsername('alice'))?.id, 'id-Alice', 'case-insensitive');
    assert.equal(await client.findUserByUsername('bob'), undefined, 'a loose match is ignored');
  });
});

describe('worker token', () => {
  it('an API 401 once → exactly one token refresh and one retry, success', async () => {
    const f = fake((request) =>
      request.headers.get('authorization') === 'Bearer tok-1'
        ? json({ code: 'ACCESS_FAILED' }, 401)
        : json(authBody),
    );
    const { client } = clientFor(f);
    assert.equal((await client.checkOtp('auth-1', '123456')).id, 'auth-1');
    assert.equal(f.tokenCalls(), 2);
    assert.equal(f.apiCalls(), 2, 'the POST is sent again once');
  });

  it('401 twice → kind auth, exactly 2 API calls', async () => {
    const f = fake(() => json({ code: 'ACCESS_FAILED' }, 401));
    const { client } = clientFor(f);
    await assert.rejects(client.getDevice(USER, 'dev-1'), unavailable('auth', 401));
    assert.equal(f.apiCalls(), 2);
    assert.equal(f.tokenCalls(), 2);
  });

  it('50 concurrent calls with a slow token endpoint → exactly one token request', async () => {
    const f = fake(
      () => json(deviceBody),
      async () => {
        await new Promise((resolve) => setTimeout(resolve, 100));
        return json({ access_token: 'slow', token_type: 'Bearer', expires_in: 3600 });
      },
    );
    const { client } = clientFor(f);
    const results = await Promise.all(
      Array.from({ length: 50 }, () => client.getDevice(USER, 'dev-1')),
    );
    assert.equal(results.length, 50);
    assert.equal(f.tokenCalls(), 1);
    assert.equal(f.apiCalls(), 50);
  });

  it('concurrent 401s with the same revoked token → one refresh only', async () => {
    const f = fake(async (request) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return request.headers.get('authorization') === 'Bearer tok-1'
        ? json({}, 401)
        : json(deviceBody);
    });
    const { client } = clientFor(f);
    await client.ensureToken();
    await Promise.all(Array.from({ length: 20 }, () => client.getDevice(USER, 'dev-1')));
    assert.equal(f.tokenCalls(), 2);
    assert.equal(f.apiCalls(), 40);
  });

  it('token endpoint 500 → kind auth, and its body does not leak', async () => {
    const f = fake(
      () => json(deviceBody),
      () => json({ error: 'server_error', error_description: 'LEAKY-BODY' }, 500),
    );
    const { client, events } = clientFor(f);
    await assert.rejects(client.getDevice(USER, 'dev-1'), (error: unknown) => {
      assert.ok(error instanceof PingOneUnavailableError, 'PingOneUnavailableError');
      assert.equal(error.kind, 'auth');
      assert.equal(error.status, 500);
      assert.ok(
        !JSON.stringify({ m: error.message, c: String(error.cause) }).includes('LEAKY'),
        'no body',
      );
      return true;
    });
    assert.equal(f.apiCalls(), 0);
    assert.ok(
      events.some((e) => e.event === 'pingone.token' && e.status === 500),
      'token event',
    );
  });

  it('an unexpected token answer (HTML, no access_token) → kind auth', async () => {
    for (const response of [
      () =>
        new Response('<html>login</html>', {
          status: 200,
          headers: { 'Content-Type': 'text/html' },
        }),
      () => json({ token_type: 'Bearer', expires_in: 3600 }),
    ]) {
      const { client } = clientFor(fake(() => json(deviceBody), response));
      await assert.rejects(client.ensureToken(), unavailable('auth', 200));
    }
  });

  it('a hanging token endpoint → kind auth after the timeout', async () => {
    const f = fake(
      () => json(deviceBody),
      () => new Promise<Response>(() => undefined),
    );
    const { client } = clientFor(f, { timeoutMs: 100 });
    await assert.rejects(client.ensureToken(), unavailable('auth'));
  });

  it('events never carry the token, the secret, codes or bodies', async () => {
    const f = fake((_, n) => (n === 1 ? json(p1Error('INVALID_DATA'), 400) : json(authBody)));
    const { client, events } = clientFor(f);
    await assert.rejects(client.checkOtp('auth-1', '987654'), PingOneApiError);
    await client.checkOtp('auth-1', '123456');
    const text = JSON.stringify(events);
    for (const secret of [
      'tok-1',
      SECRET,
      '987654',
      '123456',
      'Upstream message',
      'OTP_REQUIRED',
    ]) {
      assert.ok(!text.includes(secret), `events contain ${secret}`);
    }
    assert.ok(
      events.some(
        (e) => e.event === 'pingone.call' && e.path === `/${ENV}/deviceAuthentications/auth-1`,
      ),
      'call event',
    );
  });
});

describe('headers', () => {
  it('every call carries a sanitised X-Ping-External-Transaction-ID and only our headers', async () => {
    const f = fake(() => json(deviceBody));
    const { client } = clientFor(f);
    await client.getDevice(USER, 'dev-1', { transactionId: 'abc def\r\n<x>é/ok@=#+._-' });
    await client.getDevice(USER, 'dev-1', { transactionId: 'x'.repeat(150) });
    await client.getDevice(USER, 'dev-1');
    const ids = f.requests.map((r) => r.headers.get('x-ping-external-transaction-id'));
    assert.equal(ids.length, 4, 'token + 3 calls');
    assert.ok(
      ids.every(
        (value) => typeof value === 'string' && /^[A-Za-z0-9._\-/@=#+]{1,100}$/.test(value),
      ),
      JSON.stringify(ids),
    );
    assert.equal(ids[1], 'abc_def___x__/ok@=#+._-');
    assert.equal(ids[2], 'x'.repeat(100));
    assert.match(ids[3] ?? '', /^[0-9a-f-]{36}$/);
    for (const request of f.requests.slice(1)) {
      assert.deepEqual([...request.headers.keys()].sort(), [
        'accept',
        'authorization',
        'x-ping-external-transaction-id',
      ]);
    }
  });

  it('the engine echoes the transaction id it was given', async () => {
    const engine = createEngine({ baseUrl: BASE });
    try {
      const echoed: (string | null)[] = [];
      const { client } = clientFor(
        {
          transport: async (request) => {
            const response = await engine.fetch(request);
            echoed.push(response.headers.get('x-ping-external-transaction-id'));
            return response;
          },
          requests: [],
          issued: [],
          tokenCalls: () => 0,
          apiCalls: () => 0,
        },
        {
          environmentId: engine.environmentId,
          clientId: engine.clientId,
          clientSecret: engine.clientSecret,
        },
      );
      await client.getMfaSettings({ transactionId: 'trace-42' });
      assert.equal(echoed.at(-1), 'trace-42');
    } finally {
      engine.close();
    }
  });
});

describe('regions', () => {
  it('maps all six regions', () => {
    assert.deepEqual(
      REGIONS.map((region) => [region, regionUrls(region)]),
      [
        [
          'com',
          { apiBaseUrl: 'https://api.pingone.com/v1', authBaseUrl: 'https://auth.pingone.com' },
        ],
        ['ca', { apiBaseUrl: 'https://api.pingone.ca/v1', authBaseUrl: 'https://auth.pingone.ca' }],
        ['eu', { apiBaseUrl: 'https://api.pingone.eu/v1', authBaseUrl: 'https://auth.pingone.eu' }],
        [
          'com.au',
          {
            apiBaseUrl: 'https://api.pingone.com.au/v1',
            authBaseUrl: 'https://auth.pingone.com.au',
          },
        ],
        ['sg', { apiBaseUrl: 'https://api.pingone.sg/v1', authBaseUrl: 'https://auth.pingone.sg' }],
        [
          'asia',
          { apiBaseUrl: 'https://api.pingone.asia/v1', authBaseUrl: 'https://auth.pingone.asia' },
        ],
      ],
    );
  });

  it('a client for a region calls that region’s hosts', async () => {
    const f = fake(() => json({ ...authBody }));
    const client = createPingOneClient({
      environmentId: ENV,
      clientId: 'id',
      clientSecret: SECRET,
      region: 'com.au',
      transport: f.transport,
    });
    await client.getAuthentication('auth-1');
    assert.deepEqual(await client.listDevices(USER), [], 'no _embedded → no devices');
    assert.deepEqual(
      f.requests.map((r) => `${r.method} ${r.url}`),
      [
        `POST https://auth.pingone.com.au/${ENV}/as/token`,
        `GET https://auth.pingone.com.au/${ENV}/deviceAuthentications/auth-1`,
        `GET https://api.pingone.com.au/v1/environments/${ENV}/users/${USER}/devices`,
      ],
    );
  });

  it('an unknown region or a malformed environment id is refused', () => {
    assert.throws(() => regionUrls('de' as never), RangeError);
    assert.throws(
      () => createPingOneClient({ environmentId: '../x', clientId: 'a', clientSecret: 'b' }),
      RangeError,
    );
  });
});
