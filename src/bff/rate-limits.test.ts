import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { startRedisServer, type RedisServer } from '../../test/helpers/redis-server.ts';
import {
  createRateLimits,
  type LimitKind,
  type LimitKeys,
  type LimitOutcome,
  type RateLimitOptions,
  type RateLimits,
} from './rate-limits.ts';

async function times(
  limits: RateLimits,
  count: number,
  kind: LimitKind,
  keys: LimitKeys,
): Promise<LimitOutcome[]> {
  const outcomes: LimitOutcome[] = [];
  for (let i = 0; i < count; i++) outcomes.push(await limits.consume(kind, keys));
  return outcomes;
}

function refused(outcome: LimitOutcome | undefined): Extract<LimitOutcome, { ok: false }> {
  assert.ok(outcome && !outcome.ok, `expected a refusal, got ${JSON.stringify(outcome)}`);
  return outcome;
}

/** The same behaviour whatever the backing store. */
function behaviour(make: (options?: Omit<RateLimitOptions, 'redis'>) => RateLimits): void {
  test('the sixth call over a 5-per-minute rule is refused', async () => {
    const limits = make({ rules: { 'check.ip': { points: 5, durationSeconds: 60 } } });
    const outcomes = await times(limits, 6, 'check', { ip: '192.0.2.1' });
    assert.deepEqual(outcomes.slice(0, 5), Array(5).fill({ ok: true }));
    const last = refused(outcomes[5]);
    assert.equal(last.code, 'RATE_LIMITED');
    assert.ok(
      last.retryAfterSeconds >= 59 && last.retryAfterSeconds <= 60,
      `${last.retryAfterSeconds}`,
    );
    assert.deepEqual(await limits.consume('check', { ip: '192.0.2.2' }), { ok: true });
    await limits.close();
  });

  test('a second send to one device within 30 s → RESEND_TOO_SOON', async () => {
    const limits = make();
    const keys = { ip: '192.0.2.1', user: 'u1', session: 's1', device: 'd1' };
    assert.deepEqual(await limits.consume('send', keys), { ok: true });
    const second = refused(await limits.consume('send', keys));
    assert.equal(second.code, 'RESEND_TOO_SOON');
    assert.ok(
      second.retryAfterSeconds >= 29 && second.retryAfterSeconds <= 30,
      `${second.retryAfterSeconds}`,
    );
    assert.deepEqual(await limits.consume('send', { ...keys, device: 'd2' }), { ok: true });
  });

  test('send: 10 per user per hour across devices and sessions', async () => {
    const limits = make();
    for (let i = 0; i < 10; i++) {
      const outcome = await limits.consume('send', {
        ip: `192.0.2.${i}`,
        user: 'u1',
        session: `s${i}`,
        device: `d${i}`,
      });
      assert.deepEqual(outcome, { ok: true }, `send ${i}`);
    }
    const eleventh = refused(
      await limits.consume('send', { ip: '192.0.2.99', user: 'u1', session: 'sx', device: 'dx' }),
    );
    assert.equal(eleventh.code, 'RATE_LIMITED');
    assert.ok(eleventh.retryAfterSeconds > 3500, `${eleventh.retryAfterSeconds}`);
  });

  test('a too-soon resend does not spend the user budget', async () => {
    const limits = make({ rules: { 'send.user': { points: 2, durationSeconds: 3600 } } });
    const a = { ip: '192.0.2.1', user: 'u1', device: 'a' };
    assert.deepEqual(await limits.consume('send', a), { ok: true });
    for (let i = 0; i < 5; i++)
      assert.equal(refused(await limits.consume('send', a)).code, 'RESEND_TOO_SOON');
    assert.deepEqual(await limits.consume('send', { ...a, device: 'b' }), { ok: true });
    assert.equal(refused(await limits.consume('send', { ...a, device: 'c' })).code, 'RATE_LIMITED');
  });

  test('check: 10 per session per minute; the user and IP are limited too', async () => {
    const limits = make();
    const outcomes = await times(limits, 11, 'check', {
      ip: '192.0.2.1',
      user: 'u1',
      session: 's1',
    });
    assert.equal(outcomes.filter((o) => o.ok).length, 10);
    assert.equal(refused(outcomes[10]).code, 'RATE_LIMITED');
    // New sessions for the same user: 30 per minute per user.
    for (let s = 2; s <= 3; s++) {
      const more = await times(limits, 10, 'check', {
        ip: '192.0.2.1',
        user: 'u1',
        session: `s${s}`,
      });
      assert.ok(
        more.every((o) => o.ok),
        `session s${s}`,
      );
    }
    refused(await limits.consume('check', { ip: '192.0.2.1', user: 'u1', session: 's4' }));
    assert.deepEqual(
      await limits.consume('check', { ip: '192.0.2.1', user: 'u2', session: 's5' }),
      { ok: true },
    );
  });

  test('keys that are not given are not counted; kinds are separate', async () => {
    const limits = make({
      rules: {
        'create.user': { points: 1, durationSeconds: 60 },
        'create.ip': { points: 3, durationSeconds: 60 },
      },
    });
    assert.deepEqual(await limits.consume('create', { ip: '192.0.2.1', user: 'u1' }), { ok: true });
    refused(await limits.consume('create', { ip: '192.0.2.1', user: 'u1' }));
    // No user key: only the IP rule applies.
    assert.deepEqual(await limits.consume('create', { ip: '192.0.2.1' }), { ok: true });
    // A key without a rule (create.device) is ignored.
    assert.deepEqual(await limits.consume('create', { ip: '192.0.2.7', device: 'd' }), {
      ok: true,
    });
    // Another kind is untouched by create's counters.
    assert.deepEqual(await limits.consume('check', { ip: '192.0.2.1', user: 'u1' }), { ok: true });
  });

  test('session: 30 per IP per minute', async () => {
    const limits = make();
    const outcomes = await times(limits, 31, 'session', { ip: '198.51.100.1' });
    assert.equal(outcomes.filter((o) => o.ok).length, 30);
    refused(outcomes[30]);
  });

  test('the window resets after its duration', async () => {
    const limits = make({ rules: { 'session.ip': { points: 1, durationSeconds: 1 } } });
    assert.deepEqual(await limits.consume('session', { ip: '203.0.113.5' }), { ok: true });
    const second = refused(await limits.consume('session', { ip: '203.0.113.5' }));
    assert.equal(second.retryAfterSeconds, 1);
    await new Promise((resolve) => setTimeout(resolve, 1050));
    assert.deepEqual(await limits.consume('session', { ip: '203.0.113.5' }), { ok: true });
  });

  test('after close every call is refused', async () => {
    const limits = make();
    await limits.close();
    assert.deepEqual(await limits.consume('session', { ip: '203.0.113.6' }), {
      ok: false,
      code: 'RATE_LIMITED',
      retryAfterSeconds: 1,
    });
  });
}

describe('rate limits (memory)', () => {
  behaviour((options) => createRateLimits(options));

  test('an invalid rule is refused', () => {
    assert.throws(
      () => createRateLimits({ rules: { 'send.ip': { points: 0, durationSeconds: 60 } } }),
      RangeError,
    );
  });
});

describe('rate limits (Redis)', () => {
  let server: RedisServer;
  let redis: Redis;
  let run = 0;

  before(async () => {
    server = await startRedisServer();
    redis = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    // Until the connection is ready the limiter refuses (fail closed), so connect first.
    await redis.connect();
  });
  after(async () => {
    redis.disconnect();
    await server.stop();
  });

  behaviour((options) => {
    run += 1;
    return createRateLimits({ ...options, redis, prefix: `test${run}:` });
  });

  test('counters are shared between instances through Redis', async () => {
    const rules = { 'check.ip': { points: 2, durationSeconds: 60 } };
    const a = createRateLimits({ redis, prefix: 'shared:', rules });
    const b = createRateLimits({ redis, prefix: 'shared:', rules });
    assert.deepEqual(await a.consume('check', { ip: '192.0.2.1' }), { ok: true });
    assert.deepEqual(await b.consume('check', { ip: '192.0.2.1' }), { ok: true });
    refused(await a.consume('check', { ip: '192.0.2.1' }));
    assert.ok((await redis.keys('shared:*')).length > 0, 'keys live in Redis');
  });

  test('a closed Redis connection fails closed', async () => {
    const client = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
    try {
      await client.connect();
      const limits = createRateLimits({ redis: client, prefix: 'closed:' });
      assert.deepEqual(await limits.consume('session', { ip: '192.0.2.1' }), { ok: true });
      await client.quit();
      for (const kind of ['send', 'check', 'create', 'session'] as const) {
        assert.deepEqual(
          await limits.consume(kind, { ip: '192.0.2.1', user: 'u', session: 's', device: 'd' }),
          { ok: false, code: 'RATE_LIMITED', retryAfterSeconds: 1 },
          kind,
        );
      }
    } finally {
      client.disconnect();
    }
  });

  test('a Redis server that went away fails closed', async () => {
    const other = await startRedisServer();
    const client = new Redis(other.url, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    client.on('error', () => undefined);
    try {
      await client.connect();
      const limits = createRateLimits({ redis: client, prefix: 'gone:', timeoutMs: 500 });
      assert.deepEqual(await limits.consume('session', { ip: '192.0.2.1' }), { ok: true });
      await other.stop();
      assert.deepEqual(await limits.consume('session', { ip: '192.0.2.1' }), {
        ok: false,
        code: 'RATE_LIMITED',
        retryAfterSeconds: 1,
      });
    } finally {
      client.disconnect();
      await other.stop();
    }
  });
});
