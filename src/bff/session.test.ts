import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  createRememberCookies,
  createSessionManager,
  type RememberedBrowser,
  type SessionData,
} from './session.ts';
import { memoryStore, type KeyValueStore } from './store.ts';

const T0 = Date.UTC(2026, 0, 1);

function setup(overrides: { secret?: Uint8Array; revoked?: KeyValueStore } = {}) {
  const clock = { now: T0 };
  const secret = overrides.secret ?? randomBytes(32);
  const manager = createSessionManager({
    secret,
    idleSeconds: 15 * 60,
    absoluteSeconds: 12 * 3600,
    revoked: overrides.revoked ?? memoryStore({ now: () => clock.now }),
    now: () => clock.now,
  });
  return { clock, secret, manager };
}

function fresh(manager: ReturnType<typeof setup>['manager']): SessionData {
  return manager.create({
    userId: '7f3c2a10-5b1e-4c55-9d0a-3e1f2a4b5c6d',
    username: 'alice@corp.example',
    sub: 'alice',
    purpose: 'signin',
    audience: 'https://app.example',
  });
}

describe('session manager', () => {
  test('create gives a fresh 256-bit base64url sid and timestamps', () => {
    const { manager } = setup();
    const a = fresh(manager);
    const b = fresh(manager);
    assert.match(a.sid, /^[A-Za-z0-9_-]{43}$/);
    assert.notEqual(a.sid, b.sid);
    assert.equal(a.createdAt, T0);
    assert.equal(a.seenAt, T0);
    assert.deepEqual(a.authentications, []);
  });

  test('seal and read round-trip; the value is opaque', async () => {
    const { manager, clock } = setup();
    const session = fresh(manager);
    session.mfaAt = T0;
    session.mfaDeviceType = 'TOTP';
    session.flags = { remember: true };
    session.devices = ['d1', 'd2'];
    session.authentications = ['a1', 'a2', 'a3', 'a4', 'a5'];
    clock.now += 5000;
    const value = await manager.seal(session);
    assert.equal(session.seenAt, T0 + 5000);
    for (const secretish of ['alice', session.userId, session.sid, 'TOTP', 'signin']) {
      assert.ok(!value.includes(secretish), `value leaks ${secretish}`);
      for (const part of value.split('.')) {
        assert.ok(
          !Buffer.from(part, 'base64url').toString('latin1').includes(secretish),
          `decoded value leaks ${secretish}`,
        );
      }
    }
    const read = await manager.read(value);
    assert.equal(read.ok, true);
    assert.deepEqual(read.session, {
      ...session,
      authentications: ['a2', 'a3', 'a4', 'a5'],
    });
  });

  test('missing cookie → missing', async () => {
    const { manager } = setup();
    assert.deepEqual(await manager.read(undefined), { ok: false, problem: 'missing' });
    assert.deepEqual(await manager.read(''), { ok: false, problem: 'missing' });
  });

  test('tampered, truncated, garbage and other-key values → invalid', async () => {
    const { manager } = setup();
    const value = await manager.seal(fresh(manager));
    assert.match(value, /^v1\.[A-Za-z0-9_-]+$/);
    const flip = (s: string, i: number): string =>
      s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
    const body = 'v1.'.length;
    const tampered = [
      flip(value, body + 2), // iv
      flip(value, body + 20), // authentication tag
      flip(value, value.length - 10), // ciphertext
      `v2.${value.slice(body)}`,
      value.slice(0, -4),
      value.slice(0, value.length / 2),
      'garbage',
      'a.b.c.d.e',
      'x'.repeat(5000),
    ];
    for (const candidate of tampered) {
      assert.deepEqual(await manager.read(candidate), { ok: false, problem: 'invalid' }, candidate);
    }
    const other = setup();
    const foreign = await other.manager.seal(fresh(other.manager));
    assert.deepEqual(await manager.read(foreign), { ok: false, problem: 'invalid' });
  });

  test('idle timeout from the sealed seenAt', async () => {
    const { manager, clock } = setup();
    const session = fresh(manager);
    const value = await manager.seal(session);
    clock.now += 15 * 60 * 1000 - 1;
    assert.equal((await manager.read(value)).ok, true);
    clock.now += 1;
    assert.deepEqual(await manager.read(value), { ok: false, problem: 'idle' });
  });

  test('activity keeps it alive until the absolute timeout', async () => {
    const { manager, clock } = setup();
    let value = await manager.seal(fresh(manager));
    for (let i = 0; i < 12 * 6 - 1; i++) {
      clock.now += 10 * 60 * 1000;
      const read = await manager.read(value);
      assert.equal(read.ok, true, `step ${i}`);
      value = await manager.seal(read.session);
    }
    clock.now += 10 * 60 * 1000;
    assert.deepEqual(await manager.read(value), { ok: false, problem: 'expired' });
  });

  test('rotate gives a new sid and revokes the old one', async () => {
    const { manager, clock } = setup();
    const session = fresh(manager);
    const oldValue = await manager.seal(session);
    clock.now += 1000;
    const rotated = await manager.rotate(session, { mfaAt: clock.now, mfaDeviceType: 'SMS' });
    assert.notEqual(rotated.sid, session.sid);
    assert.equal(rotated.userId, session.userId);
    assert.equal(rotated.createdAt, session.createdAt);
    assert.equal(manager.expiresAt(rotated), T0 + 12 * 3600 * 1000);
    assert.equal(rotated.mfaAt, clock.now);
    assert.equal(rotated.mfaDeviceType, 'SMS');
    assert.deepEqual(await manager.read(oldValue), { ok: false, problem: 'revoked' });
    const newValue = await manager.seal(rotated);
    const read = await manager.read(newValue);
    assert.equal(read.ok, true);
    assert.equal(read.session.sid, rotated.sid);
  });

  test('revoke (logout) makes the cookie unusable', async () => {
    const { manager } = setup();
    const session = fresh(manager);
    const value = await manager.seal(session);
    await manager.revoke(session);
    assert.deepEqual(await manager.read(value), { ok: false, problem: 'revoked' });
  });

  test('revocation is kept until the absolute expiry', async () => {
    let now = T0;
    const revoked = memoryStore({ now: () => now });
    const { manager, clock } = setup({ revoked });
    const session = fresh(manager);
    await manager.revoke(session);
    now = clock.now = T0 + 12 * 3600 * 1000 - 1;
    assert.equal(await revoked.has(`sid:${session.sid}`), true);
  });

  test('a failing revocation store fails closed', async () => {
    const failing: KeyValueStore = {
      claim: () => Promise.reject(new Error('down')),
      has: () => Promise.reject(new Error('down')),
      close: () => Promise.resolve(),
    };
    const { manager } = setup({ revoked: failing });
    const session = fresh(manager);
    const value = await manager.seal(session);
    await assert.rejects(manager.read(value));
    await assert.rejects(manager.rotate(session));
  });

  test('cookie attributes are exact', async () => {
    const { manager, clock } = setup();
    const session = fresh(manager);
    const value = await manager.seal(session);
    assert.equal(manager.cookieName, '__Host-mfa');
    assert.equal(
      manager.cookie(value, session),
      `__Host-mfa=${value}; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=43200`,
    );
    clock.now += 3600 * 1000 + 500;
    const header = manager.cookie(value, session);
    assert.ok(header.endsWith('; Max-Age=39600'), header);
    assert.ok(!/domain/i.test(header), 'no Domain attribute');
    assert.equal(
      manager.clearCookie(),
      '__Host-mfa=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0',
    );
  });

  test('the sealed value stays within 4096 bytes with large fields, and too large throws', async () => {
    const { manager } = setup();
    const session = manager.create({
      userId: 'u'.repeat(36),
      username: 'n'.repeat(128),
      sub: 's'.repeat(256),
      purpose: 'manage',
      audience: 'https://' + 'a'.repeat(200),
      mfaAt: T0,
      mfaDeviceType: 'SECURITY_KEY',
      authentications: Array.from({ length: 10 }, () => crypto.randomUUID()),
      flags: { remember: true },
      devices: Array.from({ length: 20 }, () => crypto.randomUUID()),
    });
    const value = await manager.seal(session);
    assert.ok(`__Host-mfa=${value}`.length <= 4096, `length ${value.length}`);
    session.sub = 'x'.repeat(4000);
    await assert.rejects(manager.seal(session), RangeError);
  });

  test('a short secret is refused', () => {
    assert.throws(
      () => setup({ secret: randomBytes(16) }),
      /at least 32 bytes/,
      'a 16-byte secret must be refused',
    );
  });
});

describe('remember cookies', () => {
  const remembered: RememberedBrowser = {
    userId: 'user-1',
    payloadValue: 'payload-abc',
    upstreamCookie: 'ST=xyz',
    expiresAt: T0 + 30 * 86_400_000,
  };

  test('seal/read round-trip and expiry', async () => {
    let now = T0;
    const cookies = createRememberCookies({ secret: randomBytes(32), now: () => now });
    const value = await cookies.seal(remembered);
    assert.ok(!value.includes('payload-abc'), 'opaque');
    assert.deepEqual(await cookies.read(value), remembered);
    now = remembered.expiresAt;
    assert.equal(await cookies.read(value), undefined);
  });

  test('garbage, tampering and a different secret → undefined', async () => {
    const cookies = createRememberCookies({ secret: randomBytes(32), now: () => T0 });
    const value = await cookies.seal(remembered);
    assert.equal(await cookies.read(undefined), undefined);
    assert.equal(await cookies.read('nope'), undefined);
    assert.equal(await cookies.read(value.slice(0, -3)), undefined);
    const other = createRememberCookies({ secret: randomBytes(32), now: () => T0 });
    assert.equal(await other.read(value), undefined);
  });

  test('session and remember cookies from one secret cannot be swapped', async () => {
    const secret = randomBytes(32);
    const { manager } = setup({ secret });
    const cookies = createRememberCookies({ secret, now: () => T0 });
    const sessionValue = await manager.seal(fresh(manager));
    const rememberValue = await cookies.seal(remembered);
    assert.equal(await cookies.read(sessionValue), undefined);
    assert.deepEqual(await manager.read(rememberValue), { ok: false, problem: 'invalid' });
  });

  test('cookie attributes', () => {
    const cookies = createRememberCookies({ secret: randomBytes(32) });
    assert.equal(cookies.cookieName, '__Host-mfa-remember');
    assert.equal(
      cookies.cookie('v', 2_592_000),
      '__Host-mfa-remember=v; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=2592000',
    );
    assert.equal(
      cookies.clearCookie(),
      '__Host-mfa-remember=; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=0',
    );
  });

  test('an oversized remembered browser throws', async () => {
    const cookies = createRememberCookies({ secret: randomBytes(32) });
    await assert.rejects(
      cookies.seal({ ...remembered, upstreamCookie: 'c'.repeat(4000) }),
      RangeError,
    );
  });
});
