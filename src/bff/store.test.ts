import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { startRedisServer, type RedisServer } from '../../test/helpers/redis-server.ts';
import { memoryStore, redisStore, type KeyValueStore } from './store.ts';

describe('memoryStore', () => {
  test('claim is single-use until the TTL passes', async () => {
    let now = 1_000;
    const store = memoryStore({ now: () => now });
    assert.equal(await store.claim('a', 1000), true);
    assert.equal(await store.claim('a', 1000), false);
    assert.equal(await store.has('a'), true);
    assert.equal(await store.has('b'), false);
    now += 999;
    assert.equal(await store.claim('a', 1000), false);
    now += 1;
    assert.equal(await store.has('a'), false);
    assert.equal(await store.claim('a', 1000), true);
  });

  test('concurrent claims: exactly one wins', async () => {
    const store = memoryStore();
    const results = await Promise.all(Array.from({ length: 20 }, () => store.claim('k', 60_000)));
    assert.equal(results.filter(Boolean).length, 1);
  });

  test('a zero or negative TTL still claims for at least 1 ms', async () => {
    let now = 0;
    const store = memoryStore({ now: () => now });
    assert.equal(await store.claim('z', 0), true);
    assert.equal(await store.claim('z', -5), false);
    now = 1;
    assert.equal(await store.claim('z', 0), true);
  });

  test('when full, expired entries are evicted before live ones', async () => {
    let now = 0;
    const store = memoryStore({ now: () => now, maxEntries: 3 });
    await store.claim('short', 10);
    await store.claim('long1', 10_000);
    await store.claim('long2', 10_000);
    now = 20;
    assert.equal(await store.claim('new', 10_000), true);
    assert.equal(await store.has('long1'), true);
    assert.equal(await store.has('long2'), true);
    assert.equal(await store.has('new'), true);
  });

  test('when full of live entries, the oldest goes', async () => {
    const now = 0;
    const store = memoryStore({ now: () => now, maxEntries: 3 });
    for (const key of ['a', 'b', 'c', 'd']) assert.equal(await store.claim(key, 10_000), true);
    assert.equal(await store.has('a'), false);
    for (const key of ['b', 'c', 'd']) assert.equal(await store.has(key), true, key);
  });

  test('close empties the store', async () => {
    const store = memoryStore();
    await store.claim('x', 10_000);
    await store.close();
    assert.equal(await store.has('x'), false);
  });
});

describe('redisStore', () => {
  let server: RedisServer;
  let redis: Redis;
  let store: KeyValueStore;

  before(async () => {
    server = await startRedisServer();
    redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
    store = redisStore(redis, 'test:');
  });
  after(async () => {
    await store.close();
    redis.disconnect();
    await server.stop();
  });

  test('claim is single-use and expires with the TTL', async () => {
    assert.equal(await store.claim('a', 150), true);
    assert.equal(await store.claim('a', 150), false);
    assert.equal(await store.has('a'), true);
    assert.equal(await redis.get('test:a'), '1');
    const ttl = await redis.pttl('test:a');
    assert.ok(ttl > 0 && ttl <= 150, `pttl ${ttl}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(await store.has('a'), false);
    assert.equal(await store.claim('a', 150), true);
  });

  test('concurrent claims: exactly one wins', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => store.claim('c', 60_000)));
    assert.equal(results.filter(Boolean).length, 1);
  });

  test('a Redis failure rejects instead of answering', async () => {
    const broken = new Redis(server.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
    try {
      await broken.connect();
      const brokenStore = redisStore(broken);
      await broken.quit();
      await assert.rejects(brokenStore.claim('x', 1000));
      await assert.rejects(brokenStore.has('x'));
    } finally {
      broken.disconnect();
    }
  });
});
