import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { describe, it } from 'node:test';
import { createMfaClient, MfaApiError, type MfaClient } from './client.ts';

interface Sent {
  url: string;
  method: string;
  headers: Headers;
  init: RequestInit;
  body: unknown;
}

type Respond = (sent: Sent) => Response | Promise<Response>;

const json = (body: unknown, status = 200): Response =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json' },
  });

const urlOf = (input: RequestInfo | URL): string =>
  typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;

/** A `fetch` that records what it was asked and answers with `respond`. */
function fakeFetch(respond: Respond = () => json({ ok: true })) {
  const sent: Sent[] = [];
  const fetch: typeof globalThis.fetch = async (input, init = {}) => {
    const call: Sent = {
      url: urlOf(input),
      method: init.method ?? 'GET',
      headers: new Headers(init.headers),
      init,
      body: typeof init.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined,
    };
    sent.push(call);
    return respond(call);
  };
  return { fetch, sent };
}

/** A `fetch` that never answers but rejects like a real one when its signal aborts. */
function hangingFetch(): { fetch: typeof globalThis.fetch; calls: () => number } {
  let calls = 0;
  const fetch: typeof globalThis.fetch = (_input, init) => {
    calls += 1;
    return new Promise<Response>((_resolve, reject) => {
      const signal = init?.signal;
      assert.ok(signal, 'the client always passes a signal');
      signal.addEventListener(
        'abort',
        () => {
          reject(new DOMException('The operation was aborted.', 'AbortError'));
        },
        { once: true },
      );
    });
  };
  return { fetch, calls: () => calls };
}

async function rejection(promise: Promise<unknown>): Promise<MfaApiError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof MfaApiError, `an MfaApiError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the call to fail');
}

const timers = (): number =>
  process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length;

describe('MfaClient: requests', () => {
  it('builds URLs under the default base', async () => {
    const { fetch, sent } = fakeFetch();
    const client = createMfaClient({ fetch });
    assert.equal(client.baseUrl, '/mfa/v1');
    await client.getSession();
    assert.equal(sent[0]?.url, '/mfa/v1/session');
  });

  for (const base of [
    'https://relay.example/mfa/v1',
    'https://relay.example/mfa/v1/',
    'https://relay.example/mfa/v1///',
  ]) {
    it(`drops trailing slashes from the base: ${base}`, async () => {
      const { fetch, sent } = fakeFetch();
      const client = createMfaClient({ baseUrl: base, fetch });
      assert.equal(client.baseUrl, 'https://relay.example/mfa/v1');
      await client.listDevices();
      assert.equal(sent[0]?.url, 'https://relay.example/mfa/v1/devices');
    });
  }

  it('encodes ids as one path segment', async () => {
    const { fetch, sent } = fakeFetch(() => new Response(null, { status: 204 }));
    const client = createMfaClient({ baseUrl: '/api', fetch });
    const id = 'a/b?c#d e%';
    const encoded = 'a%2Fb%3Fc%23d%20e%25';
    await client.getAuthentication(id);
    await client.submitOtp(id, { otp: '123456' });
    await client.activateDevice(id, { otp: '123456' });
    await client.deleteDevice(id);
    assert.deepEqual(
      sent.map((call) => call.url),
      [
        `/api/authentications/${encoded}`,
        `/api/authentications/${encoded}/otp`,
        `/api/devices/${encoded}/activation`,
        `/api/devices/${encoded}`,
      ],
    );
  });

  const credential = {
    id: 'AQ',
    rawId: 'AQ',
    type: 'public-key' as const,
    response: { clientDataJSON: 'AQ', authenticatorData: 'AQ', signature: 'AQ' },
    clientExtensionResults: {},
  };
  const calls: [string, (client: MfaClient) => Promise<unknown>, string, string, unknown][] = [
    ['openSession', (c) => c.openSession('tkt'), 'POST', '/session', { ticket: 'tkt' }],
    ['getSession', (c) => c.getSession(), 'GET', '/session', undefined],
    ['endSession', (c) => c.endSession(), 'DELETE', '/session', undefined],
    ['startAuthentication', (c) => c.startAuthentication(), 'POST', '/authentications', {}],
    [
      'startAuthentication with compatibility',
      (c) => c.startAuthentication({ compatibility: 'SECURITY_KEY_ONLY' }),
      'POST',
      '/authentications',
      { compatibility: 'SECURITY_KEY_ONLY' },
    ],
    [
      'getAuthentication',
      (c) => c.getAuthentication('A1'),
      'GET',
      '/authentications/A1',
      undefined,
    ],
    [
      'selectDevice',
      (c) => c.selectDevice('A1', { deviceId: 'D1', compatibility: 'FULL' }),
      'POST',
      '/authentications/A1/device',
      { deviceId: 'D1', compatibility: 'FULL' },
    ],
    [
      'submitOtp',
      (c) => c.submitOtp('A1', { otp: '123456', remember: true }),
      'POST',
      '/authentications/A1/otp',
      { otp: '123456', remember: true },
    ],
    [
      'submitAssertion',
      (c) => c.submitAssertion('A1', { credential }),
      'POST',
      '/authentications/A1/assertion',
      { credential },
    ],
    ['resendCode', (c) => c.resendCode('A1'), 'POST', '/authentications/A1/resend', {}],
    [
      'cancelAuthentication',
      (c) => c.cancelAuthentication('A1'),
      'DELETE',
      '/authentications/A1',
      undefined,
    ],
    ['listDevices', (c) => c.listDevices(), 'GET', '/devices', undefined],
    [
      'createDevice',
      (c) => c.createDevice({ type: 'SMS', phone: '+14155552671' }),
      'POST',
      '/devices',
      { type: 'SMS', phone: '+14155552671' },
    ],
    [
      'activateDevice',
      (c) => c.activateDevice('D1', { otp: '123456', oathResync: true }),
      'POST',
      '/devices/D1/activation',
      { otp: '123456', oathResync: true },
    ],
    [
      'resendActivationCode',
      (c) => c.resendActivationCode('D1'),
      'POST',
      '/devices/D1/activation-code',
      {},
    ],
    [
      'renameDevice',
      (c) => c.renameDevice('D1', 'Work phone'),
      'PATCH',
      '/devices/D1',
      { nickname: 'Work phone' },
    ],
    [
      'orderDevices',
      (c) => c.orderDevices(['D2', 'D1']),
      'PUT',
      '/devices/order',
      { order: ['D2', 'D1'] },
    ],
    ['deleteDevice', (c) => c.deleteDevice('D1'), 'DELETE', '/devices/D1', undefined],
  ];

  for (const [name, invoke, method, path, body] of calls) {
    it(`${name}: ${method} ${path}, cookies, anti-forgery header and content type`, async () => {
      const { fetch, sent } = fakeFetch();
      await invoke(createMfaClient({ baseUrl: '/mfa/v1', fetch }));
      assert.equal(sent.length, 1, 'one request');
      const call = sent[0]!;
      assert.equal(call.method, method);
      assert.equal(call.url, `/mfa/v1${path}`);
      assert.deepEqual(call.body, body);
      assert.equal(call.init.credentials, 'include', 'the session cookie goes along');
      assert.equal(call.init.cache, 'no-store');
      assert.equal(call.headers.get('accept'), 'application/json');
      assert.equal(
        call.headers.get('x-mfa-csrf'),
        method === 'GET' ? null : '1',
        'anti-forgery header on every state-changing request only',
      );
      assert.equal(
        call.headers.get('content-type'),
        body === undefined ? null : 'application/json',
        'a JSON content type only with a body',
      );
      assert.ok(call.init.signal instanceof AbortSignal, 'every request can be aborted');
    });
  }
});

describe('MfaClient: answers', () => {
  it('returns the parsed JSON object', async () => {
    const view = { purpose: 'signin', enrolled: true, expiresAt: '2026-11-22T12:00:00.000Z' };
    const { fetch } = fakeFetch(() => json(view));
    assert.deepEqual(await createMfaClient({ fetch }).getSession(), view);
  });

  it('204 → undefined', async () => {
    const { fetch } = fakeFetch(() => new Response(null, { status: 204 }));
    const client = createMfaClient({ fetch });
    const answers: Promise<unknown>[] = [
      client.endSession(),
      client.deleteDevice('D1'),
      client.resendActivationCode('D1'),
      client.cancelAuthentication('A1'),
    ];
    assert.deepEqual(await Promise.all(answers), [undefined, undefined, undefined, undefined]);
  });

  it('an error body → MfaApiError with code, status and every detail', async () => {
    const { fetch } = fakeFetch(() =>
      json(
        {
          error: {
            code: 'AUTHENTICATOR_LOCKED',
            message: 'Too many wrong codes. Try again later.',
            field: 'otp',
            attemptsRemaining: 0,
            retryAfterSeconds: 120,
            lockedUntil: '2026-11-22T12:02:00.000Z',
          },
        },
        429,
      ),
    );
    const error = await rejection(createMfaClient({ fetch }).submitOtp('A1', { otp: '000000' }));
    assert.ok(error instanceof Error, 'an Error');
    assert.equal(error.name, 'MfaApiError');
    assert.equal(error.code, 'AUTHENTICATOR_LOCKED');
    assert.equal(error.message, 'Too many wrong codes. Try again later.');
    assert.equal(error.status, 429);
    assert.equal(error.field, 'otp');
    assert.equal(error.attemptsRemaining, 0);
    assert.equal(error.retryAfterSeconds, 120);
    assert.equal(error.lockedUntil, '2026-11-22T12:02:00.000Z');
  });

  it('OTP_INVALID keeps attemptsRemaining; absent details stay undefined', async () => {
    const { fetch } = fakeFetch(() =>
      json({ error: { code: 'OTP_INVALID', message: 'No.', attemptsRemaining: 3 } }, 400),
    );
    const error = await rejection(createMfaClient({ fetch }).submitOtp('A1', { otp: '000000' }));
    assert.equal(error.code, 'OTP_INVALID');
    assert.equal(error.attemptsRemaining, 3);
    assert.equal(error.retryAfterSeconds, undefined);
    assert.equal(error.lockedUntil, undefined);
    assert.equal(error.field, undefined);
  });

  it('details of the wrong type are dropped; a missing message falls back to the code', async () => {
    const { fetch } = fakeFetch(() =>
      json(
        {
          error: {
            code: 'RESEND_TOO_SOON',
            attemptsRemaining: '3',
            retryAfterSeconds: '30',
            lockedUntil: 0,
            field: 7,
          },
        },
        429,
      ),
    );
    const error = await rejection(createMfaClient({ fetch }).resendCode('A1'));
    assert.equal(error.code, 'RESEND_TOO_SOON');
    assert.equal(error.message, 'RESEND_TOO_SOON');
    assert.equal(error.attemptsRemaining, undefined);
    assert.equal(error.retryAfterSeconds, undefined);
    assert.equal(error.lockedUntil, undefined);
    assert.equal(error.field, undefined);
  });

  const badAnswers: [string, () => Response, number][] = [
    ['an unknown code', () => json({ error: { code: 'SOMETHING_NEW', message: 'x' } }, 400), 400],
    ['an error body without `error`', () => json({ message: 'Bad Gateway' }, 502), 502],
    ['`error` that is not an object', () => json({ error: 'nope' }, 500), 500],
    [
      'a non-JSON error page',
      () => new Response('<html>502 Bad Gateway</html>', { status: 502 }),
      502,
    ],
    ['a non-JSON success', () => new Response('OK', { status: 200 }), 200],
    ['a JSON null', () => json(null), 200],
    ['a JSON string', () => json('done'), 200],
  ];
  for (const [name, respond, status] of badAnswers) {
    it(`${name} → BAD_RESPONSE with the status`, async () => {
      const { fetch } = fakeFetch(respond);
      const error = await rejection(createMfaClient({ fetch }).getSession());
      assert.equal(error.code, 'BAD_RESPONSE');
      assert.equal(error.status, status);
    });
  }
});

describe('MfaClient: failures before an answer', () => {
  it('a rejected fetch → NETWORK', async () => {
    const { fetch } = fakeFetch(() => {
      throw new TypeError('fetch failed');
    });
    const error = await rejection(createMfaClient({ fetch }).getSession());
    assert.equal(error.code, 'NETWORK');
    assert.equal(error.message, 'fetch failed');
    assert.equal(error.status, undefined);
  });

  it('no answer within timeoutMs → TIMEOUT', async () => {
    const { fetch } = hangingFetch();
    const started = Date.now();
    const error = await rejection(createMfaClient({ fetch, timeoutMs: 20 }).getSession());
    assert.equal(error.code, 'TIMEOUT');
    assert.ok(Date.now() - started < 5_000, 'gave up soon after the timeout');
  });

  it('a signal aborted before the call → ABORTED, and nothing is sent', async () => {
    const { fetch, calls } = hangingFetch();
    const controller = new AbortController();
    controller.abort();
    const error = await rejection(
      createMfaClient({ fetch }).submitOtp('A1', { otp: '123456' }, { signal: controller.signal }),
    );
    assert.equal(error.code, 'ABORTED');
    assert.equal(calls(), 0, 'no request');
  });

  it('a signal aborted during the call → ABORTED (not TIMEOUT or NETWORK)', async () => {
    const { fetch, calls } = hangingFetch();
    const controller = new AbortController();
    const pending = createMfaClient({ fetch, timeoutMs: 60_000 }).getSession({
      signal: controller.signal,
    });
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(calls(), 1, 'the request went out');
    controller.abort();
    const error = await rejection(pending);
    assert.equal(error.code, 'ABORTED');
  });

  it('leaves no timer and no abort listener behind, whatever the outcome', async () => {
    const before = timers();
    const controller = new AbortController();
    const { signal } = controller;
    const ok = fakeFetch();
    await createMfaClient({ fetch: ok.fetch, timeoutMs: 600_000 }).getSession({ signal });
    const failing = fakeFetch(() => json({ error: { code: 'NOT_FOUND', message: 'x' } }, 404));
    await rejection(
      createMfaClient({ fetch: failing.fetch, timeoutMs: 600_000 }).getSession({ signal }),
    );
    const network = fakeFetch(() => {
      throw new TypeError('fetch failed');
    });
    await rejection(
      createMfaClient({ fetch: network.fetch, timeoutMs: 600_000 }).getSession({ signal }),
    );
    await rejection(createMfaClient({ fetch: hangingFetch().fetch, timeoutMs: 10 }).getSession());
    assert.equal(timers(), before, 'every timeout timer was cleared');
    assert.equal(getEventListeners(signal, 'abort').length, 0, 'the abort listener was removed');

    const aborting = new AbortController();
    const pending = createMfaClient({ fetch: hangingFetch().fetch, timeoutMs: 600_000 }).getSession(
      { signal: aborting.signal },
    );
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(timers(), before + 1, 'one timer while the request runs');
    aborting.abort();
    await rejection(pending);
    assert.equal(timers(), before, 'cleared after an abort too');
  });
});
