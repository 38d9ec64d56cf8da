import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { openRelayKeys } from './data-dir.ts';

describe('openRelayKeys', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'relay-keys-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates relay-keys.json with fresh keys, readable by the owner only', () => {
    const folder = join(dir, 'nested', 'data');
    const keys = openRelayKeys(folder);
    assert.equal(keys.sessionSecret.length, 32);
    assert.equal(Buffer.from(keys.ticketSecret, 'base64url').length, 32);
    assert.match(keys.ticketSecret, /^[A-Za-z0-9_-]{43}$/);
    const jwk = JSON.parse(keys.resultPrivateKey) as Record<string, unknown>;
    assert.equal(jwk.kty, 'EC');
    assert.equal(jwk.crv, 'P-256');
    assert.equal(typeof jwk.d, 'string');
    const key = createPrivateKey({ key: jwk as { kty: string }, format: 'jwk' });
    assert.equal(key.asymmetricKeyDetails?.namedCurve, 'prime256v1');

    const file = join(folder, 'relay-keys.json');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(folder).mode & 0o777, 0o700);
    const stored = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    assert.equal(stored.ticketSecret, keys.ticketSecret);
  });

  it('returns the same keys on every later call', () => {
    const first = openRelayKeys(dir);
    const second = openRelayKeys(dir);
    assert.deepEqual(second.sessionSecret, first.sessionSecret);
    assert.equal(second.ticketSecret, first.ticketSecret);
    assert.equal(second.resultPrivateKey, first.resultPrivateKey);
  });

  it('gives each folder its own keys', () => {
    const other = mkdtempSync(join(tmpdir(), 'relay-keys-'));
    try {
      const a = openRelayKeys(dir);
      const b = openRelayKeys(other);
      assert.notEqual(a.ticketSecret, b.ticketSecret);
      assert.notDeepEqual(a.sessionSecret, b.sessionSecret);
      assert.notEqual(a.resultPrivateKey, b.resultPrivateKey);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('leaves no draft files behind', () => {
    openRelayKeys(dir);
    assert.deepEqual(readdirSync(dir), ['relay-keys.json']);
  });

  for (const [name, content] of [
    ['not JSON', '{ nope'],
    ['missing a key', JSON.stringify({ sessionSecret: 'x', ticketSecret: 'y' })],
    [
      'a short secret',
      JSON.stringify({
        sessionSecret: Buffer.alloc(8).toString('base64url'),
        ticketSecret: Buffer.alloc(32).toString('base64url'),
        resultPrivateKey: { kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA', d: 'AA' },
      }),
    ],
  ] as const) {
    it(`refuses a damaged file (${name}), naming it`, () => {
      const file = join(dir, 'relay-keys.json');
      writeFileSync(file, content);
      assert.throws(
        () => openRelayKeys(dir),
        (error: unknown) =>
          error instanceof Error &&
          error.message.includes(file) &&
          error.message.includes('unreadable or damaged') &&
          error.message.includes('Remove it to start afresh'),
      );
    });
  }
});
