/**
 * The relay when PingOne misbehaves (security bar §4 cases 37–42): errors, hangs, rate limits,
 * expired worker tokens, bodies that are not JSON, and an unreachable upstream.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { totpCode } from '../helpers/engine-harness.ts';
import {
  assertRelayError,
  relaxedLimits,
  wrongTotpCode,
  RelayHarness,
  type Reply,
  type UpstreamCall,
} from '../helpers/relay-harness.ts';

const isToken = (request: Request): boolean => new URL(request.url).pathname.endsWith('/as/token');
const isOtpCheck = (request: Request): boolean =>
  request.method === 'POST' && (request.headers.get('content-type') ?? '').includes('otp.check');
const isDeviceList = (request: Request): boolean =>
  request.method === 'GET' && /\/users\/[^/]+\/devices$/.test(new URL(request.url).pathname);

const tokenCalls = (calls: UpstreamCall[]) =>
  calls.filter((call) => call.path.endsWith('/as/token'));
const authenticationPosts = (calls: UpstreamCall[]) =>
  calls.filter((call) => call.method === 'POST' && call.path.includes('/deviceAuthentications/'));

/** A signin session for a new user with an active TOTP device, and a started authentication. */
async function signingIn(
  harness: RelayHarness,
  sub: string,
): Promise<{ secret: string; handle: string }> {
  harness.jar.clear();
  await harness.session(sub, 'enroll');
  const { secret } = await harness.enrollTotp();
  harness.clock.advance(30_000);
  harness.jar.clear();
  await harness.session(sub, 'signin');
  const started = await harness.send('POST', '/authentications', { body: {} });
  assert.equal(started.body.status, 'OTP_REQUIRED', started.text);
  return { secret, handle: started.body.id as string };
}

async function recorded(
  harness: RelayHarness,
  work: () => Promise<Reply>,
): Promise<{ reply: Reply; calls: UpstreamCall[] }> {
  let reply: Reply | undefined;
  const calls = await harness.recording(async () => {
    reply = await work();
  });
  assert.ok(reply, 'a reply');
  return { reply, calls };
}

describe('upstream faults', () => {
  let harness: RelayHarness;
  let users = 0;
  const nextUser = () => `faults-${String(++users)}`;
  before(async () => {
    harness = await RelayHarness.start({ limits: relaxedLimits(), pingoneTimeoutMs: 300 });
  });
  after(() => {
    harness.close();
  });

  for (const status of [500, 503]) {
    it(`37: a ${String(status)} on the OTP check is 502, sent once, completes nothing`, async () => {
      const { secret, handle } = await signingIn(harness, nextUser());
      const code = totpCode(secret, harness.clock.now());
      const completed = harness.audits('relay.mfa_completed').length;
      const before = harness.snapshotAll();
      harness.fault = (request) =>
        isOtpCheck(request)
          ? new Response(JSON.stringify({ code: 'UNEXPECTED_ERROR', message: 'internal' }), {
              status,
              headers: { 'content-type': 'application/json' },
            })
          : undefined;
      const { reply, calls } = await recorded(harness, () =>
        harness.send('POST', `/authentications/${handle}/otp`, { body: { otp: code } }),
      );
      harness.fault = undefined;
      assertRelayError(reply, 502, 'UPSTREAM_UNAVAILABLE');
      assert.equal(authenticationPosts(calls).length, 1, 'the POST is not retried');
      assert.equal(reply.body.result, undefined, 'no result');
      assert.ok(!reply.text.includes('internal'), 'no upstream text');
      assert.equal(harness.audits('relay.mfa_completed').length, completed, 'no completion');
      assert.deepEqual(harness.snapshotAll(), before, 'engine state unchanged');
      const session = await harness.send('GET', '/session');
      assert.equal(session.body.mfaCompletedAt, undefined, session.text);
      // Nothing was counted: a wrong code still has every attempt left.
      const wrong = await harness.send('POST', `/authentications/${handle}/otp`, {
        body: { otp: wrongTotpCode(secret, harness.clock.now()) },
      });
      assertRelayError(wrong, 400, 'OTP_INVALID');
      assert.equal((wrong.body.error as { attemptsRemaining?: number }).attemptsRemaining, 4);
    });
  }

  it('38: a hang is 504 UPSTREAM_TIMEOUT within the client timeout', async () => {
    const { secret, handle } = await signingIn(harness, nextUser());
    let released = false;
    harness.fault = (request) =>
      isOtpCheck(request)
        ? new Promise<Response>((_resolve, reject) => {
            request.signal.addEventListener('abort', () => {
              released = true;
              reject(request.signal.reason as Error);
            });
          })
        : undefined;
    const started = performance.now();
    const { reply, calls } = await recorded(harness, () =>
      harness.send('POST', `/authentications/${handle}/otp`, {
        body: { otp: totpCode(secret, harness.clock.now()) },
      }),
    );
    const elapsed = performance.now() - started;
    harness.fault = undefined;
    assertRelayError(reply, 504, 'UPSTREAM_TIMEOUT');
    assert.ok(elapsed < 2000, `answered in ${String(Math.round(elapsed))} ms`);
    assert.ok(released, 'the hung request was aborted');
    assert.equal(authenticationPosts(calls).length, 1, 'the POST is not retried');
    assert.equal(reply.body.result, undefined);
  });

  it('39: an upstream 429 is 429 RATE_LIMITED with its Retry-After', async () => {
    const { secret, handle } = await signingIn(harness, nextUser());
    harness.fault = (request) =>
      isOtpCheck(request)
        ? new Response(JSON.stringify({ code: 'REQUEST_LIMITED', message: 'slow down' }), {
            status: 429,
            headers: { 'content-type': 'application/json', 'retry-after': '7' },
          })
        : undefined;
    const { reply, calls } = await recorded(harness, () =>
      harness.send('POST', `/authentications/${handle}/otp`, {
        body: { otp: totpCode(secret, harness.clock.now()) },
      }),
    );
    harness.fault = undefined;
    assertRelayError(reply, 429, 'RATE_LIMITED');
    assert.equal(reply.headers.get('retry-after'), '7');
    assert.equal((reply.body.error as { retryAfterSeconds?: number }).retryAfterSeconds, 7);
    assert.equal(authenticationPosts(calls).length, 1);
  });

  it('40: an expired worker token is refreshed once and the call sent once more', async () => {
    harness.jar.clear();
    await harness.session(nextUser(), 'manage');
    let refused = 0;
    harness.fault = (request) => {
      if (isDeviceList(request) && refused === 0) {
        refused++;
        return new Response(JSON.stringify({ code: 'ACCESS_FAILED' }), { status: 401 });
      }
      return undefined;
    };
    const { reply, calls } = await recorded(harness, () => harness.send('GET', '/devices'));
    harness.fault = undefined;
    assert.equal(reply.status, 200, reply.text);
    assert.equal(tokenCalls(calls).length, 1, 'exactly one token refresh');
    assert.equal(calls.filter((call) => call.path.endsWith('/devices')).length, 2, 'one retry');

    // The same for a POST: a 401 means it was not executed.
    const { secret, handle } = await signingIn(harness, nextUser());
    let refusedPost = 0;
    harness.fault = (request) => {
      if (isOtpCheck(request) && refusedPost === 0) {
        refusedPost++;
        return new Response(JSON.stringify({ code: 'ACCESS_FAILED' }), { status: 401 });
      }
      return undefined;
    };
    const checked = await recorded(harness, () =>
      harness.send('POST', `/authentications/${handle}/otp`, {
        body: { otp: totpCode(secret, harness.clock.now()) },
      }),
    );
    harness.fault = undefined;
    assert.equal(checked.reply.body.status, 'COMPLETED', checked.reply.text);
    assert.equal(tokenCalls(checked.calls).length, 1, 'exactly one token refresh');
    assert.equal(authenticationPosts(checked.calls).length, 2, 'sent once more');
  });

  it('40: concurrent requests refused with a stale token share one refresh', async () => {
    harness.jar.clear();
    await harness.session(nextUser(), 'manage');
    let stale: string | null | undefined;
    harness.fault = (request) => {
      if (isToken(request)) return undefined;
      const authorization = request.headers.get('authorization');
      stale ??= authorization;
      return authorization === stale ? new Response('{}', { status: 401 }) : undefined;
    };
    const replies: Reply[] = [];
    const calls = await harness.recording(async () => {
      replies.push(
        ...(await Promise.all([1, 2, 3, 4, 5].map(() => harness.send('GET', '/devices')))),
      );
    });
    harness.fault = undefined;
    assert.deepEqual(
      replies.map((reply) => reply.status),
      [200, 200, 200, 200, 200],
      replies.map((reply) => reply.text).join('\n'),
    );
    assert.equal(tokenCalls(calls).length, 1, 'no storm of token requests');
  });

  it('40: a 401 that persists after the refresh is 502', async () => {
    harness.jar.clear();
    await harness.session(nextUser(), 'manage');
    harness.fault = (request) =>
      isDeviceList(request) ? new Response('{}', { status: 401 }) : undefined;
    const { reply, calls } = await recorded(harness, () => harness.send('GET', '/devices'));
    harness.fault = undefined;
    assertRelayError(reply, 502, 'UPSTREAM_UNAVAILABLE');
    assert.equal(tokenCalls(calls).length, 1, 'one refresh, no more');
    assert.equal(calls.filter((call) => call.path.endsWith('/devices')).length, 2);
  });

  const marker = 'upstream-secret-page-7f3a';
  const bodies: [label: string, body: string, type: string][] = [
    ['an HTML page', `<html><body><h1>${marker}</h1></body></html>`, 'text/html; charset=utf-8'],
    ['invalid JSON', `{"${marker}": `, 'application/json'],
  ];
  for (const [label, body, type] of bodies) {
    it(`41: ${label} with 200 is 502, and the body is not passed on`, async () => {
      harness.jar.clear();
      await harness.session(nextUser(), 'manage');
      harness.fault = (request) =>
        isDeviceList(request)
          ? new Response(body, { status: 200, headers: { 'content-type': type } })
          : undefined;
      const listed = await harness.send('GET', '/devices');
      harness.fault = undefined;
      assertRelayError(listed, 502, 'UPSTREAM_UNAVAILABLE');
      assert.ok(!listed.text.includes(marker), listed.text);

      const { secret, handle } = await signingIn(harness, nextUser());
      harness.fault = (request) =>
        isOtpCheck(request)
          ? new Response(body, { status: 200, headers: { 'content-type': type } })
          : undefined;
      const { reply, calls } = await recorded(harness, () =>
        harness.send('POST', `/authentications/${handle}/otp`, {
          body: { otp: totpCode(secret, harness.clock.now()) },
        }),
      );
      harness.fault = undefined;
      assertRelayError(reply, 502, 'UPSTREAM_UNAVAILABLE');
      assert.ok(!reply.text.includes(marker), reply.text);
      assert.equal(reply.body.result, undefined, 'no result');
      assert.equal(authenticationPosts(calls).length, 1);
    });
  }
});

describe('upstream faults: readiness (case 42)', () => {
  let harness: RelayHarness;
  before(async () => {
    harness = await RelayHarness.start({ limits: relaxedLimits(), pingoneTimeoutMs: 300 });
  });
  after(() => {
    harness.close();
  });

  const unreachable = () => {
    harness.fault = () => {
      throw new TypeError('fetch failed');
    };
  };

  it('is unavailable while upstream cannot be reached, ready once it can', async () => {
    unreachable();
    const down = await harness.send('GET', '/mfa/readyz');
    assert.equal(down.status, 503, down.text);
    assert.deepEqual(down.body, { status: 'unavailable' });
    assert.ok(!down.text.includes('fetch failed'), 'no error detail');
    const health = await harness.send('GET', '/mfa/healthz');
    assert.equal(health.status, 200, 'liveness does not depend on upstream');

    harness.fault = undefined;
    const up = await harness.send('GET', '/mfa/readyz');
    assert.equal(up.status, 200, up.text);

    // Cached answers last at most a minute; after that an unreachable upstream shows.
    unreachable();
    harness.clock.advance(61_000);
    const again = await harness.send('GET', '/mfa/readyz');
    assert.equal(again.status, 503, again.text);
    harness.fault = undefined;
  });
});
