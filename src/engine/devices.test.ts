/**
 * Device routes of the embedded engine (`/v1/environments/{envID}/users/{userID}/devices`):
 * create every type, activate, resend, lock, block, nickname, order, read and delete, plus the
 * generic bad-input answers. Every refusal is checked twice: the PingOne error body, and that
 * nothing changed in the database.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it, type TestContext } from 'node:test';
import { HOTP, Secret, TOTP, URI } from 'otpauth';
import type {
  PublicKeyCredentialCreationOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import {
  assertError,
  BASE,
  Harness,
  MEDIA,
  type Reply,
  type RequestInit,
  totpCode,
} from '../../test/helpers/engine-harness.ts';
import { pingCreationToJson, registrationToPing } from '../pingone/fido2.ts';
import { SoftAuthenticator } from '../../test/helpers/soft-authenticator.ts';
import { DEMO_OATH_TOKEN } from './engine.ts';

const ORIGIN = 'http://localhost:5173';
const FAILING_PHONE = '+15005550001';
const FAILING_EMAIL = 'undeliverable@example.invalid';
const PHONE = '+15125551234';
const MINUTE = 60_000;
/** Tables a refused request must leave as they were. */
const STATE_TABLES = ['devices', 'outbox', 'users', 'oath_tokens', 'policies', 'settings'] as const;

// ---------------------------------------------------------------------------------------------
// Small helpers

type Json = Record<string, unknown>;

/** The value at a dot path (`a.b.0.c`) of a JSON value, or undefined. */
function at(value: unknown, path: string): unknown {
  let current = value;
  for (const key of path.split('.')) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function str(value: unknown, path: string): string {
  const found = at(value, path);
  assert.equal(typeof found, 'string', `${path} should be a string in ${JSON.stringify(value)}`);
  return found as string;
}

/** The href of a HAL link; rel names may contain dots (`device.activate`). */
function link(value: unknown, rel: string): string | undefined {
  const links = at(value, '_links');
  const entry = typeof links === 'object' && links !== null ? (links as Json)[rel] : undefined;
  const href = at(entry, 'href');
  return typeof href === 'string' ? href : undefined;
}

function list(value: unknown, path: string): unknown[] {
  const found = at(value, path);
  assert.ok(Array.isArray(found), `${path} should be an array in ${JSON.stringify(value)}`);
  return found;
}

/** A different code of the same length. */
function otherCode(code: string): string {
  const next = (Number(code) + 1) % 10 ** code.length;
  return String(next).padStart(code.length, '0');
}

function hotpCode(secret: string, counter: number): string {
  return HOTP.generate({ secret: Secret.fromBase32(secret), counter });
}

/** A body with no stack trace, file path or library internals in it. */
function assertNoInternals(reply: Reply): void {
  assert.doesNotMatch(reply.text, /\n\s+at |node_modules|\.ts:\d+|\.js:\d+|Error:/, reply.text);
}

interface Ctx {
  h: Harness;
  userId: string;
  username: string;
}

/** A fresh engine and user for one test, closed when the test ends. */
async function start(t: TestContext): Promise<Ctx> {
  const h = await Harness.start();
  t.after(() => {
    h.close();
  });
  const username = `user-${randomBytes(4).toString('hex')}`;
  const userId = await h.createUser(username);
  return { h, userId, username };
}

const devicesPath = (h: Harness, userId: string): string => h.api(`/users/${userId}/devices`);
const devicePath = (h: Harness, userId: string, deviceId: string): string =>
  h.api(`/users/${userId}/devices/${deviceId}`);

function create(h: Harness, userId: string, body: unknown, init: RequestInit = {}): Promise<Reply> {
  return h.post(devicesPath(h, userId), { body, ...init });
}

/** Creates a device and asserts 201; returns the response body. */
async function created(h: Harness, userId: string, body: Json): Promise<Json> {
  const reply = await create(h, userId, body);
  assert.equal(reply.status, 201, reply.text);
  return reply.body;
}

function activate(h: Harness, userId: string, deviceId: string, body: unknown): Promise<Reply> {
  return h.post(devicePath(h, userId, deviceId), { body, type: MEDIA.activate });
}

function action(h: Harness, userId: string, deviceId: string, type: string): Promise<Reply> {
  return h.post(devicePath(h, userId, deviceId), { type });
}

function readDevice(h: Harness, userId: string, deviceId: string): Promise<Reply> {
  return h.get(devicePath(h, userId, deviceId));
}

async function deviceIds(h: Harness, userId: string): Promise<string[]> {
  const reply = await h.get(devicesPath(h, userId));
  assert.equal(reply.status, 200, reply.text);
  return list(reply.body, '_embedded.devices').map((device) => str(device, 'id'));
}

async function outboxTo(
  h: Harness,
  recipient: string,
): Promise<{ channel: string; text: string }[]> {
  const reply = await h.get(`/outbox?to=${encodeURIComponent(recipient)}&limit=100`);
  assert.equal(reply.status, 200, reply.text);
  return list(reply.body, 'messages') as { channel: string; text: string }[];
}

function snapshotAll(h: Harness): unknown[][] {
  return STATE_TABLES.map((table) => h.snapshot(table));
}

/**
 * Sends a request that must be refused: asserts the PingOne error body, that it carries no
 * internals, and that no table changed.
 */
async function refused(
  h: Harness,
  send: () => Promise<Reply>,
  status: number,
  code: string,
  detailCode?: string,
): Promise<Reply> {
  const before = snapshotAll(h);
  const reply = await send();
  assertError(reply, status, code, detailCode);
  assertNoInternals(reply);
  assert.deepEqual(snapshotAll(h), before, `state changed after a refused request: ${reply.text}`);
  return reply;
}

function detail(reply: Reply): Json {
  const first = list(reply.body, 'details')[0];
  assert.ok(typeof first === 'object' && first !== null, reply.text);
  return first as Json;
}

function deviceRow(h: Harness, deviceId: string): Json {
  const row = h.engine.context.db.prepare('SELECT * FROM devices WHERE id = ?').get(deviceId);
  assert.ok(row, `no device row ${deviceId}`);
  return row as Json;
}

async function defaultPolicy(h: Harness): Promise<Json> {
  const reply = await h.get(h.api('/deviceAuthenticationPolicies'));
  assert.equal(reply.status, 200, reply.text);
  const policies = list(reply.body, '_embedded.deviceAuthenticationPolicies') as Json[];
  const policy = policies.find((candidate) => candidate.default === true);
  assert.ok(policy, 'no default MFA policy');
  return policy;
}

/** Changes the default MFA policy through the API. */
async function updateDefaultPolicy(h: Harness, change: (policy: Json) => void): Promise<void> {
  const policy = await defaultPolicy(h);
  change(policy);
  const reply = await h.put(h.api(`/deviceAuthenticationPolicies/${str(policy, 'id')}`), {
    body: policy,
  });
  assert.equal(reply.status, 200, reply.text);
}

async function putSettings(h: Harness, body: Json): Promise<void> {
  const reply = await h.put(h.api('/mfaSettings'), { body });
  assert.equal(reply.status, 200, reply.text);
}

/** Creates an SMS device awaiting activation and returns it with its pairing code. */
async function pendingSms(
  h: Harness,
  userId: string,
  phone = PHONE,
): Promise<{ id: string; code: string }> {
  const body = await created(h, userId, { type: 'SMS', phone, status: 'ACTIVATION_REQUIRED' });
  return { id: str(body, 'id'), code: await h.lastCode(phone) };
}

/** Resends until the new code differs from `previous` (a repeat has a one-in-a-million chance). */
async function resend(
  h: Harness,
  userId: string,
  deviceId: string,
  recipient: string,
  previous: string,
): Promise<string> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const reply = await action(h, userId, deviceId, MEDIA.sendActivationCode);
    assert.equal(reply.status, 200, reply.text);
    const code = await h.lastCode(recipient);
    if (code !== previous) return code;
  }
  assert.fail('resend kept producing the same code');
}

// ---------------------------------------------------------------------------------------------
// FIDO2 helpers

interface PendingFido2 {
  id: string;
  encoded: string;
  options: PublicKeyCredentialCreationOptionsJSON;
}

async function createFido2(h: Harness, userId: string, extra: Json = {}): Promise<PendingFido2> {
  const body = await created(h, userId, { type: 'FIDO2', ...extra });
  const encoded = str(body, 'publicKeyCredentialCreationOptions');
  return { id: str(body, 'id'), encoded, options: pingCreationToJson(encoded) };
}

function activateFido2(
  h: Harness,
  userId: string,
  deviceId: string,
  response: RegistrationResponseJSON,
  origin = ORIGIN,
): Promise<Reply> {
  return activate(h, userId, deviceId, { origin, attestation: registrationToPing(response) });
}

// =============================================================================================

describe('device create: SMS, VOICE, EMAIL, WHATSAPP', () => {
  it('pre-pairs an SMS device as ACTIVE by default, sends it no code and notifies the user by email', async (t) => {
    const { h, userId, username } = await start(t);
    const reply = await create(h, userId, { type: 'SMS', phone: PHONE, nickname: 'Mobile' });
    assert.equal(reply.status, 201, reply.text);
    assert.equal(reply.body.type, 'SMS');
    assert.equal(reply.body.status, 'ACTIVE');
    assert.equal(reply.body.phone, PHONE);
    assert.equal(reply.body.nickname, 'Mobile');
    assert.equal(at(reply.body, 'user.id'), userId);
    assert.equal(at(reply.body, 'environment.id'), h.env);
    assert.equal(at(reply.body, 'block.status'), 'UNBLOCKED');
    assert.equal(reply.body.activatedAt, new Date(h.clock.ms).toISOString());
    assert.equal(link(reply.body, 'device.activate'), undefined);
    assert.equal(link(reply.body, 'device.sendActivationCode'), undefined);
    assert.ok(link(reply.body, 'nickname')?.endsWith('/nickname'));
    assert.equal(
      str(reply.body, '_links.self.href'),
      `http://engine.test${devicePath(h, userId, str(reply.body, 'id'))}`,
    );
    assert.deepEqual(await outboxTo(h, PHONE), [], 'a pre-paired device gets no pairing code');
    const notices = await outboxTo(h, `${username}@example.com`);
    assert.equal(notices.length, 1);
    assert.match(notices[0]?.text ?? '', /A new SMS sign-in method was added/);
  });

  it('creates VOICE with an extension, EMAIL and WHATSAPP devices', async (t) => {
    const { h, userId } = await start(t);
    const voice = await created(h, userId, {
      type: 'VOICE',
      phone: '+1.512.555.1111',
      extension: '313#',
    });
    assert.equal(voice.status, 'ACTIVE');
    assert.equal(voice.phone, '+15125551111');
    assert.equal(voice.extension, '313#');
    const email = await created(h, userId, { type: 'EMAIL', email: 'work@example.com' });
    assert.equal(email.status, 'ACTIVE');
    assert.equal(email.email, 'work@example.com');
    assert.equal(email.phone, undefined);
    const whatsApp = await created(h, userId, { type: 'WHATSAPP', phone: '+44 20 7946 0000' });
    assert.equal(whatsApp.status, 'ACTIVE');
    assert.equal(whatsApp.phone, '+442079460000');
    const read = await readDevice(h, userId, str(voice, 'id'));
    assert.equal(read.body.extension, '313#');
  });

  it('refuses a VOICE extension when mfaSettings.phoneExtensions is disabled', async (t) => {
    const { h, userId } = await start(t);
    await putSettings(h, {
      pairing: { maxAllowedDevices: 5, pairingKeyFormat: 'NUMERIC' },
      phoneExtensions: { enabled: false },
    });
    const reply = await refused(
      h,
      () =>
        create(h, userId, {
          type: 'VOICE',
          phone: PHONE,
          extension: '313#',
          status: 'ACTIVATION_REQUIRED',
        }),
      400,
      'INVALID_DATA',
      'INVALID_VALUE',
    );
    assert.equal(detail(reply).target, 'extension');
    // Without an extension the same device is fine.
    await created(h, userId, { type: 'VOICE', phone: PHONE });
  });

  it('refuses a malformed extension', async (t) => {
    const { h, userId } = await start(t);
    for (const extension of ['', '12a', '1'.repeat(17), '1\n2']) {
      const reply = await refused(
        h,
        () => create(h, userId, { type: 'VOICE', phone: PHONE, extension }),
        400,
        'INVALID_DATA',
        'INVALID_VALUE',
      );
      assert.equal(detail(reply).target, 'extension', JSON.stringify(extension));
    }
  });

  for (const { type, recipient, field } of [
    { type: 'SMS', recipient: PHONE, field: 'phone' },
    { type: 'VOICE', recipient: '+15125559876', field: 'phone' },
    { type: 'EMAIL', recipient: 'second@example.com', field: 'email' },
    { type: 'WHATSAPP', recipient: '+4915112345678', field: 'phone' },
  ] as const) {
    it(`${type} with status ACTIVATION_REQUIRED gets a pairing code that activates it`, async (t) => {
      const { h, userId, username } = await start(t);
      const reply = await create(h, userId, {
        type,
        [field]: recipient,
        status: 'ACTIVATION_REQUIRED',
      });
      assert.equal(reply.status, 201, reply.text);
      assert.equal(reply.body.status, 'ACTIVATION_REQUIRED');
      assert.equal(reply.body.activatedAt, undefined);
      const id = str(reply.body, 'id');
      const self = str(reply.body, '_links.self.href');
      assert.equal(link(reply.body, 'device.activate'), self);
      assert.equal(link(reply.body, 'device.sendActivationCode'), self);

      const messages = await outboxTo(h, recipient);
      assert.equal(messages.length, 1);
      assert.equal(messages[0]?.channel, type);
      const code = await h.lastCode(recipient);
      assert.match(code, /^[0-9]{6}$/);
      assert.deepEqual(
        await outboxTo(h, `${username}@example.com`),
        [],
        'no new-device notice before activation',
      );

      const activated = await activate(h, userId, id, { otp: code });
      assert.equal(activated.status, 200, activated.text);
      assert.equal(activated.body.status, 'ACTIVE');
      assert.equal(activated.body.activatedAt, new Date(h.clock.ms).toISOString());
      assert.equal(link(activated.body, 'device.activate'), undefined);
      assert.equal(link(activated.body, 'device.sendActivationCode'), undefined);
      assert.equal(deviceRow(h, id).activation_hash, null, 'the pairing code is spent');
      assert.equal((await readDevice(h, userId, id)).body.status, 'ACTIVE');
      assert.equal(
        (await outboxTo(h, `${username}@example.com`)).length,
        1,
        'new-device notice after activation',
      );

      // The spent code does not activate again (the device is already active).
      await refused(
        h,
        () => activate(h, userId, id, { otp: code }),
        400,
        'INVALID_REQUEST',
        'INVALID_STATE',
      );
    });
  }

  it('reads out VOICE codes digit by digit', async (t) => {
    const { h, userId } = await start(t);
    await created(h, userId, { type: 'VOICE', phone: PHONE, status: 'ACTIVATION_REQUIRED' });
    const [message] = await outboxTo(h, PHONE);
    assert.match(message?.text ?? '', /is [0-9] [0-9] [0-9] [0-9] [0-9] [0-9]\./);
  });

  it('refuses a failing recipient with REQUEST_FAILED / DELIVERY_FAILED and creates nothing', async (t) => {
    const { h, userId } = await start(t);
    const sms = await refused(
      h,
      () => create(h, userId, { type: 'SMS', phone: FAILING_PHONE, status: 'ACTIVATION_REQUIRED' }),
      400,
      'REQUEST_FAILED',
      'DELIVERY_FAILED',
    );
    assert.equal(detail(sms).target, 'phone');
    const email = await refused(
      h,
      () =>
        create(h, userId, { type: 'EMAIL', email: FAILING_EMAIL, status: 'ACTIVATION_REQUIRED' }),
      400,
      'REQUEST_FAILED',
      'DELIVERY_FAILED',
    );
    assert.equal(detail(email).target, 'email');
    assert.deepEqual(await deviceIds(h, userId), []);
  });

  it('refuses an invalid email address', async (t) => {
    const { h, userId } = await start(t);
    for (const email of [
      'not-an-email',
      'a@b',
      'x@example.com\r\nBcc: y@example.com',
      `${'a'.repeat(250)}@example.com`,
    ]) {
      const reply = await refused(
        h,
        () => create(h, userId, { type: 'EMAIL', email, status: 'ACTIVATION_REQUIRED' }),
        400,
        'INVALID_DATA',
      );
      assert.equal(detail(reply).target, 'email', JSON.stringify(email));
    }
  });
});

describe('pairing codes: wrong codes, lock, resend, expiry', () => {
  it('counts wrong codes down, locks after 5, and then refuses even the right code with 429', async (t) => {
    const { h, userId } = await start(t);
    const { id, code } = await pendingSms(h, userId);
    const wrong = otherCode(code);
    for (const remaining of [4, 3, 2, 1]) {
      const reply = await activate(h, userId, id, { otp: wrong });
      assertError(reply, 400, 'INVALID_DATA', 'INVALID_OTP');
      assert.equal(detail(reply).target, 'otp');
      assert.equal(at(detail(reply), 'innerError.attemptsRemaining'), remaining);
    }
    const fifth = await activate(h, userId, id, { otp: wrong });
    assertError(fifth, 400, 'INVALID_DATA', 'INVALID_OTP');
    assert.equal(at(detail(fifth), 'innerError.attemptsRemaining'), 0);
    const lockExpiresAt = new Date(h.clock.ms + 5 * MINUTE).toISOString();
    assert.equal(at(detail(fifth), 'innerError.lockExpiresAt'), lockExpiresAt);

    const locked = await refused(
      h,
      () => activate(h, userId, id, { otp: code }),
      429,
      'REQUEST_LIMITED',
      'DEVICE_LOCKED',
    );
    assert.equal(locked.headers.get('retry-after'), '300');
    assert.equal(at(detail(locked), 'innerError.lockExpiresAt'), lockExpiresAt);
    const read = await readDevice(h, userId, id);
    assert.equal(read.body.status, 'ACTIVATION_REQUIRED');
    assert.deepEqual(read.body.lock, { status: 'LOCKED', expiresAt: lockExpiresAt });

    // No new code while locked either.
    const resendLocked = await refused(
      h,
      () => action(h, userId, id, MEDIA.sendActivationCode),
      429,
      'REQUEST_LIMITED',
      'DEVICE_LOCKED',
    );
    assert.ok(Number(resendLocked.headers.get('retry-after')) > 0);

    h.clock.advance(2 * MINUTE);
    const stillLocked = await activate(h, userId, id, { otp: code });
    assertError(stillLocked, 429, 'REQUEST_LIMITED', 'DEVICE_LOCKED');
    assert.equal(stillLocked.headers.get('retry-after'), '180');
  });

  it('after the cool-down the killed code stays dead, and a resent code activates', async (t) => {
    const { h, userId } = await start(t);
    // Codes live 10 minutes here, so the code below outlives the 5-minute cool-down.
    await updateDefaultPolicy(h, (policy) => {
      ((policy.sms as Json).otp as Json).lifeTime = { duration: 10, timeUnit: 'MINUTES' };
    });
    const { id, code } = await pendingSms(h, userId);
    for (let i = 0; i < 5; i++) await activate(h, userId, id, { otp: otherCode(code) });
    h.clock.advance(5 * MINUTE);
    assert.equal((await readDevice(h, userId, id)).body.lock, undefined, 'the lock has expired');

    // The code that was guessed at five times is dead, even though its lifetime is not over.
    await refused(
      h,
      () => activate(h, userId, id, { otp: code }),
      400,
      'INVALID_DATA',
      'OTP_EXPIRED',
    );

    const fresh = await resend(h, userId, id, PHONE, code);
    const wrong = await activate(h, userId, id, { otp: otherCode(fresh) });
    assert.equal(
      at(detail(wrong), 'innerError.attemptsRemaining'),
      4,
      'the failure count starts again',
    );
    const ok = await activate(h, userId, id, { otp: fresh });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.body.status, 'ACTIVE');
    assert.equal(deviceRow(h, id).failures, 0);
  });

  it('kills the old code when a new one is sent', async (t) => {
    const { h, userId } = await start(t);
    const { id, code } = await pendingSms(h, userId);
    const fresh = await resend(h, userId, id, PHONE, code);
    assert.equal((await outboxTo(h, PHONE)).length >= 2, true);
    const old = await activate(h, userId, id, { otp: code });
    assertError(old, 400, 'INVALID_DATA', 'INVALID_OTP');
    assert.equal((await readDevice(h, userId, id)).body.status, 'ACTIVATION_REQUIRED');
    const ok = await activate(h, userId, id, { otp: fresh });
    assert.equal(ok.body.status, 'ACTIVE', ok.text);
  });

  it('accepts a code until its 5-minute lifetime ends', async (t) => {
    const { h, userId } = await start(t);
    const { id, code } = await pendingSms(h, userId);
    h.clock.advance(5 * MINUTE - 1);
    const ok = await activate(h, userId, id, { otp: code });
    assert.equal(ok.status, 200, ok.text);
  });

  it('refuses an expired code with OTP_EXPIRED, without counting a failure; a resend recovers', async (t) => {
    const { h, userId } = await start(t);
    const { id, code } = await pendingSms(h, userId);
    h.clock.advance(5 * MINUTE);
    const expired = await refused(
      h,
      () => activate(h, userId, id, { otp: code }),
      400,
      'INVALID_DATA',
      'OTP_EXPIRED',
    );
    assert.equal(detail(expired).target, 'otp');
    // A wrong code after expiry is also "expired": nothing reveals whether it was right.
    await refused(
      h,
      () => activate(h, userId, id, { otp: otherCode(code) }),
      400,
      'INVALID_DATA',
      'OTP_EXPIRED',
    );
    const fresh = await resend(h, userId, id, PHONE, code);
    assert.equal((await activate(h, userId, id, { otp: fresh })).body.status, 'ACTIVE');
  });

  it('refuses malformed codes without counting a failure', async (t) => {
    const { h, userId } = await start(t);
    const { id, code } = await pendingSms(h, userId);
    for (const otp of [
      '12345',
      '1234567890123',
      '١٢٣٤٥٦',
      ' 123456',
      '12 3456',
      123456,
      null,
      [code],
      'x'.repeat(10_000),
    ]) {
      const reply = await refused(h, () => activate(h, userId, id, { otp }), 400, 'INVALID_DATA');
      assert.equal(detail(reply).target, 'otp', JSON.stringify(otp).slice(0, 40));
    }
    await refused(h, () => activate(h, userId, id, {}), 400, 'INVALID_DATA', 'REQUIRED_VALUE');
    await refused(
      h,
      () => activate(h, userId, id, { otp: code, extra: 1 }),
      400,
      'INVALID_DATA',
      'INVALID_VALUE',
    );
    await refused(
      h,
      () => activate(h, userId, id, { otp: code, oathResync: true }),
      400,
      'INVALID_DATA',
      'INVALID_VALUE',
    );
    assert.equal((await activate(h, userId, id, { otp: code })).body.status, 'ACTIVE');
  });

  it('only sends pairing codes to out-of-band devices awaiting activation', async (t) => {
    const { h, userId } = await start(t);
    const active = await created(h, userId, { type: 'SMS', phone: PHONE });
    await refused(
      h,
      () => action(h, userId, str(active, 'id'), MEDIA.sendActivationCode),
      400,
      'INVALID_REQUEST',
      'INVALID_STATE',
    );
    const totp = await created(h, userId, { type: 'TOTP' });
    await refused(
      h,
      () => action(h, userId, str(totp, 'id'), MEDIA.sendActivationCode),
      400,
      'INVALID_REQUEST',
      'INVALID_STATE',
    );
  });
});

describe('phone numbers', () => {
  it('normalises accepted forms to E.164', async (t) => {
    const { h, userId } = await start(t);
    for (const phone of [
      '+1 (512) 555-1234',
      '+1.512.555.1234',
      '+1.5125551234',
      '15125551234',
      '1-512-555-1234',
    ]) {
      const body = await created(h, userId, { type: 'SMS', phone });
      assert.equal(body.phone, PHONE, phone);
      const deleted = await h.delete(devicePath(h, userId, str(body, 'id')));
      assert.equal(deleted.status, 204);
    }
  });

  it('refuses bad phone numbers with 400 and sends nothing', async (t) => {
    const { h, userId } = await start(t);
    for (const phone of [
      '12345',
      '+1 555\n1234',
      '+1 512 555 1234\r\n',
      `+${'1'.repeat(40)}`,
      `+1${'5'.repeat(15)}`,
      '+1512;5551234',
      '+15125551234;ext=1',
      '+0 512 555 1234',
      'tel:+15125551234',
      '',
      '+',
    ]) {
      const reply = await refused(
        h,
        () => create(h, userId, { type: 'SMS', phone, status: 'ACTIVATION_REQUIRED' }),
        400,
        'INVALID_DATA',
      );
      assert.equal(detail(reply).target, 'phone', JSON.stringify(phone));
      // Over-long input is SIZE_LIMIT_EXCEEDED (PingOne's detail code for lengths); the rest INVALID_VALUE.
      assert.equal(detail(reply).code, phone.length > 40 ? 'SIZE_LIMIT_EXCEEDED' : 'INVALID_VALUE');
    }
    await refused(
      h,
      () => create(h, userId, { type: 'SMS', phone: 15125551234 }),
      400,
      'INVALID_DATA',
      'INVALID_VALUE',
    );
    assert.deepEqual(await outboxTo(h, PHONE), []);
  });
});

describe('TOTP devices', () => {
  it('returns the secret and keyUri once; the seed is sealed and never read back', async (t) => {
    const { h, userId, username } = await start(t);
    const reply = await create(h, userId, { type: 'TOTP' });
    assert.equal(reply.status, 201, reply.text);
    assert.equal(reply.body.status, 'ACTIVATION_REQUIRED');
    assert.equal(link(reply.body, 'device.activate'), str(reply.body, '_links.self.href'));
    assert.equal(
      link(reply.body, 'device.sendActivationCode'),
      undefined,
      'a TOTP device has no code to resend',
    );
    const id = str(reply.body, 'id');
    const secret = str(reply.body, 'secret');
    assert.match(secret, /^[A-Z2-7]{32}$/);
    assert.equal(Secret.fromBase32(secret).bytes.length, 20);

    const keyUri = str(reply.body, 'keyUri');
    assert.ok(keyUri.startsWith(`otpauth://totp/mfa-elements:${username}?`), keyUri);
    const params = new URL(keyUri).searchParams;
    assert.equal(params.get('secret'), secret);
    assert.equal(params.get('issuer'), 'mfa-elements');
    assert.equal(params.get('algorithm'), 'SHA1');
    assert.equal(params.get('digits'), '6');
    assert.equal(params.get('period'), '30');
    const parsed = URI.parse(keyUri);
    assert.ok(parsed instanceof TOTP);
    assert.equal(parsed.secret.base32, secret);
    assert.equal(parsed.issuer, 'mfa-elements');
    assert.equal(parsed.label, username);

    // Two devices never share a seed.
    const second = await created(h, userId, { type: 'TOTP' });
    assert.notEqual(second.secret, secret);

    const one = await readDevice(h, userId, id);
    assert.equal(one.status, 200);
    assert.ok(!one.text.includes(secret), 'GET device leaks the secret');
    assert.equal(one.body.secret, undefined);
    assert.equal(one.body.keyUri, undefined);
    const all = await h.get(devicesPath(h, userId));
    assert.ok(!all.text.includes(secret), 'GET devices leaks the secret');

    const stored = deviceRow(h, id).secret;
    assert.equal(typeof stored, 'string');
    assert.ok(!(stored as string).includes(secret), 'the seed is stored in clear');
    assert.ok(
      !(stored as string).toUpperCase().includes(secret.slice(0, 8)),
      'the seed is stored in clear',
    );
    assert.match(stored as string, /^v1\./);
    assert.ok(!JSON.stringify(h.snapshot('devices')).includes(secret));
  });

  it('activates with the current code and with codes one step either side', async (t) => {
    const { h, userId } = await start(t);
    for (const offset of [0, -1, 1]) {
      const body = await created(h, userId, { type: 'TOTP' });
      const reply = await activate(h, userId, str(body, 'id'), {
        otp: totpCode(str(body, 'secret'), h.clock.ms, offset),
      });
      assert.equal(reply.status, 200, `offset ${offset}: ${reply.text}`);
      assert.equal(reply.body.status, 'ACTIVE');
      assert.equal(reply.body.secret, undefined);
    }
  });

  it('refuses codes two steps away as wrong and counts them', async (t) => {
    const { h, userId } = await start(t);
    const body = await created(h, userId, { type: 'TOTP' });
    const id = str(body, 'id');
    const secret = str(body, 'secret');
    const current = totpCode(secret, h.clock.ms);
    let remaining = 4;
    for (const offset of [2, -2, 3]) {
      const code = totpCode(secret, h.clock.ms, offset);
      if (code === current) continue; // one-in-a-million collision; the next offset still runs
      const reply = await activate(h, userId, id, { otp: code });
      assertError(reply, 400, 'INVALID_DATA', 'INVALID_OTP');
      assert.equal(at(detail(reply), 'innerError.attemptsRemaining'), remaining);
      remaining--;
    }
    assert.ok(remaining < 4);
    assert.equal((await readDevice(h, userId, id)).body.status, 'ACTIVATION_REQUIRED');
    assert.equal((await activate(h, userId, id, { otp: current })).body.status, 'ACTIVE');
  });

  it('follows the clock: a code computed for another time is refused', async (t) => {
    const { h, userId } = await start(t);
    const body = await created(h, userId, { type: 'TOTP' });
    const secret = str(body, 'secret');
    const early = totpCode(secret, h.clock.ms);
    h.clock.advance(5 * MINUTE);
    const late = totpCode(secret, h.clock.ms);
    if (early !== late) {
      assertError(
        await activate(h, userId, str(body, 'id'), { otp: early }),
        400,
        'INVALID_DATA',
        'INVALID_OTP',
      );
    }
    assert.equal((await activate(h, userId, str(body, 'id'), { otp: late })).body.status, 'ACTIVE');
  });

  it('expires the pairing after 30 minutes', async (t) => {
    const { h, userId } = await start(t);
    const body = await created(h, userId, { type: 'TOTP' });
    h.clock.advance(30 * MINUTE);
    await refused(
      h,
      () =>
        activate(h, userId, str(body, 'id'), { otp: totpCode(str(body, 'secret'), h.clock.ms) }),
      400,
      'INVALID_DATA',
      'OTP_EXPIRED',
    );
  });

  it('cannot be pre-paired as ACTIVE', async (t) => {
    const { h, userId } = await start(t);
    const reply = await refused(
      h,
      () => create(h, userId, { type: 'TOTP', status: 'ACTIVE' }),
      400,
      'INVALID_DATA',
      'INVALID_VALUE',
    );
    assert.equal(detail(reply).target, 'status');
  });

  it('takes the issuer from the policy totp.uriParameters', async (t) => {
    const { h, userId, username } = await start(t);
    await updateDefaultPolicy(h, (policy) => {
      const totp = policy.totp as Json;
      totp.uriParameters = { issuer: 'Acme Bank' };
    });
    const body = await created(h, userId, { type: 'TOTP' });
    const keyUri = str(body, 'keyUri');
    assert.ok(keyUri.startsWith(`otpauth://totp/Acme%20Bank:${username}?`), keyUri);
    assert.equal(new URL(keyUri).searchParams.get('issuer'), 'Acme Bank');
    assert.equal(URI.parse(keyUri).issuer, 'Acme Bank');
  });
});

describe('FIDO2 devices', () => {
  it('sends PingOne-encoded creation options and activates with a PingOne-encoded attestation', async (t) => {
    const { h, userId, username } = await start(t);
    const reply = await create(h, userId, { type: 'FIDO2', nickname: 'Laptop' });
    assert.equal(reply.status, 201, reply.text);
    assert.equal(reply.body.status, 'ACTIVATION_REQUIRED');
    assert.equal(at(reply.body, 'rp.id'), 'localhost');
    const id = str(reply.body, 'id');
    const encoded = str(reply.body, 'publicKeyCredentialCreationOptions');
    const raw = JSON.parse(encoded) as Json;
    const challenge = list(raw, 'challenge');
    assert.ok(challenge.length >= 16, 'at least 16 random bytes');
    assert.ok(
      challenge.every(
        (byte) => Number.isInteger(byte) && (byte as number) >= -128 && (byte as number) <= 127,
      ),
    );
    assert.ok(
      challenge.some((byte) => (byte as number) < 0) || challenge.length < 8,
      'bytes are signed',
    );
    assert.ok(list(raw, 'user.id').every((byte) => Number.isInteger(byte)));
    assert.deepEqual(
      list(raw, 'pubKeyCredParams').map((param) => at(param, 'alg')),
      ['-7', '-257'],
    );
    assert.equal(at(raw, 'rp.id'), 'localhost');
    assert.equal(at(raw, 'user.name'), username);
    assert.equal(at(raw, 'authenticatorSelection.userVerification'), 'required');
    assert.deepEqual(raw.excludeCredentials, []);
    const handle = h.engine.context.db
      .prepare('SELECT webauthn_handle FROM users WHERE id = ?')
      .get(userId) as {
      webauthn_handle: string;
    };
    assert.equal(pingCreationToJson(encoded).user.id, handle.webauthn_handle);

    const authenticator = new SoftAuthenticator();
    const registration = authenticator.create(pingCreationToJson(encoded), ORIGIN);
    const attestation = registrationToPing(registration);
    assert.match(str(JSON.parse(attestation), 'response.clientDataJSON'), /^[A-Za-z0-9+/]+=*$/);
    const activated = await activate(h, userId, id, { origin: ORIGIN, attestation });
    assert.equal(activated.status, 200, activated.text);
    assert.equal(activated.body.status, 'ACTIVE');
    assert.equal(at(activated.body, 'rp.id'), 'localhost');
    assert.equal(at(activated.body, 'rp.name'), 'mfa-elements');
    assert.equal(activated.body.userVerified, true);
    assert.equal(activated.body.nickname, 'Laptop');
    const row = deviceRow(h, id);
    assert.equal(row.credential_id, registration.id);
    assert.equal(row.registration, null, 'the challenge is gone');
  });

  it('refuses an origin that is not on the allow-list before touching the challenge', async (t) => {
    const { h, userId } = await start(t);
    const device = await createFido2(h, userId);
    const authenticator = new SoftAuthenticator();
    for (const origin of [
      'https://evil.example',
      'https://localhost:5173',
      'http://localhost:5173/',
      'http://localhost:5173.evil.example',
      'http://localhost',
    ]) {
      const response = authenticator.create(device.options, origin);
      const reply = await refused(
        h,
        () => activateFido2(h, userId, device.id, response, origin),
        400,
        'INVALID_DATA',
        'INVALID_VALUE',
      );
      assert.equal(detail(reply).target, 'origin', origin);
    }
    assert.equal((await readDevice(h, userId, device.id)).body.status, 'ACTIVATION_REQUIRED');
    const ok = await activateFido2(
      h,
      userId,
      device.id,
      authenticator.create(device.options, ORIGIN),
    );
    assert.equal(ok.body.status, 'ACTIVE', ok.text);
  });

  const tampered: {
    name: string;
    make: (
      authenticator: SoftAuthenticator,
      options: PublicKeyCredentialCreationOptionsJSON,
    ) => { response: RegistrationResponseJSON; origin: string };
  }[] = [
    {
      name: 'clientData origin differs from the body origin',
      make: (a, o) => ({ response: a.create(o, 'https://evil.example'), origin: ORIGIN }),
    },
    {
      name: 'wrong rpId hash',
      make: (a, o) => ({ response: a.create(o, ORIGIN, { rpId: 'evil.example' }), origin: ORIGIN }),
    },
    {
      name: 'wrong clientData type',
      make: (a, o) => ({ response: a.create(o, ORIGIN, { type: 'webauthn.get' }), origin: ORIGIN }),
    },
    {
      name: 'another challenge',
      make: (a, o) => ({
        response: a.create(o, ORIGIN, { challenge: randomBytes(32).toString('base64url') }),
        origin: ORIGIN,
      }),
    },
    {
      name: 'user presence cleared',
      make: (a, o) => ({ response: a.create(o, ORIGIN, { flags: { up: false } }), origin: ORIGIN }),
    },
    {
      name: 'user verification cleared while the policy requires it',
      make: (a, o) => ({ response: a.create(o, ORIGIN, { flags: { uv: false } }), origin: ORIGIN }),
    },
    {
      name: 'backed up without backup eligibility',
      make: (a, o) => ({
        response: a.create(o, ORIGIN, { flags: { be: false, bs: true } }),
        origin: ORIGIN,
      }),
    },
  ];
  for (const { name, make } of tampered) {
    it(`refuses an attestation with ${name}, and the challenge is spent`, async (t) => {
      const { h, userId } = await start(t);
      const device = await createFido2(h, userId);
      const authenticator = new SoftAuthenticator();
      const { response, origin } = make(authenticator, device.options);
      const devicesBefore = h.snapshot('devices');
      const reply = await activateFido2(h, userId, device.id, response, origin);
      assertError(reply, 400, 'INVALID_DATA', 'INVALID_VALUE');
      assert.equal(detail(reply).target, 'attestation');
      assertNoInternals(reply);
      const row = deviceRow(h, device.id);
      assert.equal(row.status, 'ACTIVATION_REQUIRED');
      assert.equal(row.credential_id, null);
      assert.equal(row.registration, null, 'the challenge is consumed by the failed attempt');
      assert.notDeepEqual(h.snapshot('devices'), devicesBefore);

      // Single use: a valid attestation for the same challenge no longer works.
      const good = authenticator.create(device.options, ORIGIN);
      await refused(
        h,
        () => activateFido2(h, userId, device.id, good),
        400,
        'INVALID_REQUEST',
        'INVALID_STATE',
      );
      assert.equal((await readDevice(h, userId, device.id)).body.status, 'ACTIVATION_REQUIRED');
    });
  }

  it('refuses to replay an attestation that already succeeded', async (t) => {
    const { h, userId } = await start(t);
    const device = await createFido2(h, userId);
    const response = new SoftAuthenticator().create(device.options, ORIGIN);
    assert.equal((await activateFido2(h, userId, device.id, response)).body.status, 'ACTIVE');
    await refused(
      h,
      () => activateFido2(h, userId, device.id, response),
      400,
      'INVALID_REQUEST',
      'INVALID_STATE',
    );
    // Nor does it activate another pending device of the same user (its challenge differs).
    const other = await createFido2(h, userId);
    const reply = await activateFido2(h, userId, other.id, response);
    assertError(reply, 400, 'INVALID_DATA', 'INVALID_VALUE');
    assert.equal(deviceRow(h, other.id).status, 'ACTIVATION_REQUIRED');
  });

  it('refuses the registration once its challenge has expired', async (t) => {
    const { h, userId } = await start(t);
    const device = await createFido2(h, userId);
    const response = new SoftAuthenticator().create(device.options, ORIGIN);
    h.clock.advance(6 * MINUTE + 1);
    const reply = await activateFido2(h, userId, device.id, response);
    assertError(reply, 400, 'INVALID_DATA', 'INVALID_VALUE');
    assert.equal(deviceRow(h, device.id).status, 'ACTIVATION_REQUIRED');
  });

  it('refuses an rp.id other than the policy relying party at create', async (t) => {
    const { h, userId } = await start(t);
    for (const rp of [
      { id: 'evil.example', name: 'Evil' },
      { id: 'example.localhost' },
      { id: 'LOCALHOST.' },
    ]) {
      const reply = await refused(
        h,
        () => create(h, userId, { type: 'FIDO2', rp }),
        400,
        'INVALID_DATA',
        'INVALID_VALUE',
      );
      assert.equal(detail(reply).target, 'rp.id');
    }
    const ok = await created(h, userId, { type: 'FIDO2', rp: { id: 'localhost', name: 'Local' } });
    assert.equal(at(JSON.parse(str(ok, 'publicKeyCredentialCreationOptions')), 'rp.name'), 'Local');
  });

  it("lists the user's existing credentials in excludeCredentials", async (t) => {
    const { h, userId } = await start(t);
    const first = await createFido2(h, userId);
    const authenticator = new SoftAuthenticator();
    const registration = authenticator.create(first.options, ORIGIN);
    assert.equal((await activateFido2(h, userId, first.id, registration)).body.status, 'ACTIVE');

    const second = await createFido2(h, userId);
    const raw = JSON.parse(second.encoded) as Json;
    const excluded = list(raw, 'excludeCredentials');
    assert.equal(excluded.length, 1);
    assert.ok(list(excluded[0], 'id').every((byte) => Number.isInteger(byte)));
    assert.deepEqual(
      second.options.excludeCredentials?.map((descriptor) => descriptor.id),
      [registration.id],
    );
    // A browser refuses to register the same authenticator twice.
    assert.throws(() => authenticator.create(second.options, ORIGIN), {
      name: 'InvalidStateError',
    });
    // Another user's credentials are not listed.
    const otherUser = await h.createUser();
    const foreign = await createFido2(h, otherUser);
    assert.deepEqual((JSON.parse(foreign.encoded) as Json).excludeCredentials, []);
  });

  it('refuses a credential already registered to another device', async (t) => {
    const { h, userId } = await start(t);
    const first = await createFido2(h, userId);
    const authenticator = new SoftAuthenticator();
    const original = authenticator.create(first.options, ORIGIN);
    assert.equal((await activateFido2(h, userId, first.id, original)).body.status, 'ACTIVE');

    // A "none" attestation carries no signature, so the credential (its id and public key in
    // authData) can be replayed against another user's fresh challenge: take a clientDataJSON
    // for the new challenge from the authenticator, and splice in the first attestation object.
    const otherUser = await h.createUser();
    const second = await createFido2(h, otherUser);
    const fresh = new SoftAuthenticator().create(second.options, ORIGIN);
    const cloned: RegistrationResponseJSON = {
      ...original,
      response: { ...original.response, clientDataJSON: fresh.response.clientDataJSON },
    };
    const reply = await activateFido2(h, otherUser, second.id, cloned);
    assertError(reply, 400, 'INVALID_DATA', 'INVALID_VALUE');
    assert.equal(detail(reply).target, 'attestation');
    assert.equal(deviceRow(h, second.id).status, 'ACTIVATION_REQUIRED');
    assert.equal(deviceRow(h, second.id).credential_id, null);
    const owners = h.engine.context.db
      .prepare('SELECT id FROM devices WHERE credential_id = ?')
      .all(original.id) as { id: string }[];
    assert.deepEqual(
      owners.map((owner) => owner.id),
      [first.id],
    );
  });

  it('refuses malformed attestations with 400, no stack trace, and the challenge kept', async (t) => {
    const { h, userId } = await start(t);
    const device = await createFido2(h, userId);
    const authenticator = new SoftAuthenticator();
    const good = JSON.parse(
      registrationToPing(authenticator.create(device.options, ORIGIN)),
    ) as Json;
    const other = JSON.parse(
      registrationToPing(new SoftAuthenticator().create(device.options, ORIGIN)),
    ) as Json;
    const response = good.response as Json;
    const attestations = [
      '{not json',
      '[]',
      '"a string"',
      JSON.stringify({ ...good, response: { ...response, clientDataJSON: '!!!not base64!!!' } }),
      JSON.stringify({ ...good, response: { ...response, attestationObject: 'a$b' } }),
      JSON.stringify({ ...good, rawId: other.rawId }),
      JSON.stringify({ ...good, id: other.id }),
      JSON.stringify({ ...good, type: 'password' }),
      JSON.stringify({ id: good.id, rawId: good.rawId, type: 'public-key' }),
      JSON.stringify({
        ...good,
        id: Buffer.alloc(1024, 1).toString('base64'),
        rawId: Buffer.alloc(1024, 1).toString('base64'),
      }),
    ];
    for (const attestation of attestations) {
      const reply = await refused(
        h,
        () => activate(h, userId, device.id, { origin: ORIGIN, attestation }),
        400,
        'INVALID_DATA',
        'INVALID_VALUE',
      );
      assert.equal(detail(reply).target, 'attestation', attestation.slice(0, 60));
    }
    for (const body of [
      { origin: ORIGIN },
      { attestation: JSON.stringify(good) },
      { origin: ORIGIN, attestation: good },
      { otp: '123456' },
    ]) {
      await refused(h, () => activate(h, userId, device.id, body), 400, 'INVALID_DATA');
    }
    const ok = await activate(h, userId, device.id, {
      origin: ORIGIN,
      attestation: JSON.stringify(good),
    });
    assert.equal(ok.body.status, 'ACTIVE', ok.text);
  });

  it('refuses an attestation whose CBOR is garbage, with no stack trace', async (t) => {
    const { h, userId } = await start(t);
    const device = await createFido2(h, userId);
    const good = JSON.parse(
      registrationToPing(new SoftAuthenticator().create(device.options, ORIGIN)),
    ) as Json;
    const attestation = JSON.stringify({
      ...good,
      response: {
        ...(good.response as Json),
        attestationObject: Buffer.from('definitely not cbor').toString('base64'),
      },
    });
    const reply = await activate(h, userId, device.id, { origin: ORIGIN, attestation });
    assertError(reply, 400, 'INVALID_DATA', 'INVALID_VALUE');
    assertNoInternals(reply);
    assert.equal(deviceRow(h, device.id).status, 'ACTIVATION_REQUIRED');
  });

  it('refuses a backup-eligible credential when the FIDO2 policy forbids backups', async (t) => {
    const { h, userId } = await start(t);
    const fido2 = await h.get(h.api('/fido2Policies'));
    const securityKeys = (list(fido2.body, '_embedded.fido2Policies') as Json[]).find(
      (policy) => policy.name === 'Security Keys',
    );
    assert.ok(securityKeys);
    await updateDefaultPolicy(h, (policy) => {
      (policy.fido2 as Json).fido2PolicyId = str(securityKeys, 'id');
    });
    const synced = await createFido2(h, userId);
    const reply = await activateFido2(
      h,
      userId,
      synced.id,
      new SoftAuthenticator({ backupEligible: true, backedUp: true }).create(
        synced.options,
        ORIGIN,
      ),
    );
    assertError(reply, 400, 'INVALID_DATA', 'INVALID_VALUE');
    assert.equal(deviceRow(h, synced.id).status, 'ACTIVATION_REQUIRED');
    const bound = await createFido2(h, userId);
    const ok = await activateFido2(
      h,
      userId,
      bound.id,
      new SoftAuthenticator().create(bound.options, ORIGIN),
    );
    assert.equal(ok.body.status, 'ACTIVE', ok.text);
  });
});

describe('OATH_TOKEN devices', () => {
  const HOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

  async function importHotp(h: Harness, serialNumber: string): Promise<void> {
    const reply = await h.post('/admin/oathTokens', {
      body: { tokens: [{ serialNumber, secret: HOTP_SECRET, type: 'HOTP', counter: 0 }] },
    });
    assert.equal(reply.status, 201, reply.text);
    assert.equal(reply.body.imported, 1);
  }

  it('pairs and activates the seeded demo token', async (t) => {
    const { h, userId } = await start(t);
    const reply = await create(h, userId, {
      type: 'OATH_TOKEN',
      serialNumber: DEMO_OATH_TOKEN.serialNumber,
    });
    assert.equal(reply.status, 201, reply.text);
    assert.equal(reply.body.status, 'ACTIVATION_REQUIRED');
    assert.equal(reply.body.serialNumber, DEMO_OATH_TOKEN.serialNumber);
    assert.equal(reply.body.secret, undefined);
    const id = str(reply.body, 'id');
    const code = TOTP.generate({
      secret: Secret.fromBase32(DEMO_OATH_TOKEN.secret),
      algorithm: DEMO_OATH_TOKEN.algorithm,
      digits: DEMO_OATH_TOKEN.digits,
      period: DEMO_OATH_TOKEN.period,
      timestamp: h.clock.ms,
    });
    const wrong = await activate(h, userId, id, { otp: otherCode(code) });
    assertError(wrong, 400, 'INVALID_DATA', 'INVALID_OTP');
    const ok = await activate(h, userId, id, { otp: code });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.body.status, 'ACTIVE');
    const tokens = await h.get('/admin/oathTokens');
    assert.deepEqual(
      (list(tokens.body, 'tokens') as Json[]).find(
        (token) => token.serialNumber === DEMO_OATH_TOKEN.serialNumber,
      )?.paired,
      true,
    );
  });

  it('refuses an unknown, malformed or already paired serial number', async (t) => {
    const { h, userId } = await start(t);
    for (const serialNumber of ['99999999999999', 'abc def', '', '1'.repeat(65)]) {
      const reply = await refused(
        h,
        () => create(h, userId, { type: 'OATH_TOKEN', serialNumber }),
        400,
        'INVALID_DATA',
      );
      assert.equal(detail(reply).target, 'serialNumber');
      assert.equal(
        detail(reply).code,
        serialNumber.length > 64 ? 'SIZE_LIMIT_EXCEEDED' : 'INVALID_VALUE',
      );
    }
    await refused(
      h,
      () => create(h, userId, { type: 'OATH_TOKEN' }),
      400,
      'INVALID_DATA',
      'REQUIRED_VALUE',
    );
    await created(h, userId, { type: 'OATH_TOKEN', serialNumber: DEMO_OATH_TOKEN.serialNumber });
    const otherUser = await h.createUser();
    for (const owner of [userId, otherUser]) {
      const reply = await refused(
        h,
        () => create(h, owner, { type: 'OATH_TOKEN', serialNumber: DEMO_OATH_TOKEN.serialNumber }),
        400,
        'INVALID_DATA',
        'INVALID_VALUE',
      );
      assert.equal(detail(reply).target, 'serialNumber');
    }
  });

  it('activates an HOTP token within the look-ahead window', async (t) => {
    const { h, userId } = await start(t);
    await importHotp(h, 'HOTP-0001');
    const device = await created(h, userId, { type: 'OATH_TOKEN', serialNumber: 'HOTP-0001' });
    const ok = await activate(h, userId, str(device, 'id'), { otp: hotpCode(HOTP_SECRET, 3) });
    assert.equal(ok.body.status, 'ACTIVE', ok.text);
    assert.equal(deviceRow(h, str(device, 'id')).last_step, 3);
  });

  it('asks for a resync when the code is far ahead, and activates with the next code', async (t) => {
    const { h, userId } = await start(t);
    await importHotp(h, 'HOTP-0002');
    const device = await created(h, userId, { type: 'OATH_TOKEN', serialNumber: 'HOTP-0002' });
    const id = str(device, 'id');
    const resync = await activate(h, userId, id, { otp: hotpCode(HOTP_SECRET, 50) });
    assertError(resync, 400, 'INVALID_DATA', 'OATH_RESYNC_REQUIRED');
    assert.equal(detail(resync).target, 'otp');
    assert.equal(deviceRow(h, id).failures, 0, 'an out-of-sync code is not a failure');
    assert.equal((await readDevice(h, userId, id)).body.status, 'ACTIVATION_REQUIRED');

    const ok = await activate(h, userId, id, { otp: hotpCode(HOTP_SECRET, 51), oathResync: true });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.body.status, 'ACTIVE');
    assert.equal(deviceRow(h, id).last_step, 51);
  });

  it('refuses a wrong second resync code, and the resync must start over', async (t) => {
    const { h, userId } = await start(t);
    await importHotp(h, 'HOTP-0003');
    const device = await created(h, userId, { type: 'OATH_TOKEN', serialNumber: 'HOTP-0003' });
    const id = str(device, 'id');
    assertError(
      await activate(h, userId, id, { otp: hotpCode(HOTP_SECRET, 50) }),
      400,
      'INVALID_DATA',
      'OATH_RESYNC_REQUIRED',
    );

    // Counter 53 is a real code of the token, but not the one right after 50.
    const skipped = await activate(h, userId, id, {
      otp: hotpCode(HOTP_SECRET, 53),
      oathResync: true,
    });
    assertError(skipped, 400, 'INVALID_DATA', 'INVALID_OTP');
    assert.equal(at(detail(skipped), 'innerError.attemptsRemaining'), 4);
    assert.equal(deviceRow(h, id).status, 'ACTIVATION_REQUIRED');
    assert.equal(deviceRow(h, id).resync_step, null);

    // The code that would have completed the first resync now only starts a new one.
    assertError(
      await activate(h, userId, id, { otp: hotpCode(HOTP_SECRET, 51), oathResync: true }),
      400,
      'INVALID_DATA',
      'OATH_RESYNC_REQUIRED',
    );
    const ok = await activate(h, userId, id, { otp: hotpCode(HOTP_SECRET, 52), oathResync: true });
    assert.equal(ok.body.status, 'ACTIVE', ok.text);
  });

  it('refuses a code beyond the resync window as wrong', async (t) => {
    const { h, userId } = await start(t);
    await importHotp(h, 'HOTP-0004');
    const device = await created(h, userId, { type: 'OATH_TOKEN', serialNumber: 'HOTP-0004' });
    const code = hotpCode(HOTP_SECRET, 500);
    const inWindow = Array.from({ length: 100 }, (_, counter) => hotpCode(HOTP_SECRET, counter));
    if (!inWindow.includes(code)) {
      assertError(
        await activate(h, userId, str(device, 'id'), { otp: code }),
        400,
        'INVALID_DATA',
        'INVALID_OTP',
      );
    }
    assert.equal(deviceRow(h, str(device, 'id')).resync_step, null);
  });

  it('imports tokens all-or-nothing and refuses duplicates and short secrets', async (t) => {
    const { h } = await start(t);
    const token = (serialNumber: string, secret = HOTP_SECRET) => ({
      serialNumber,
      secret,
      type: 'HOTP',
      counter: 0,
    });
    const dupInBatch = await refused(
      h,
      () =>
        h.post('/admin/oathTokens', {
          body: { tokens: [token('NEW-1'), token('NEW-2'), token('NEW-1')] },
        }),
      400,
      'INVALID_DATA',
      'UNIQUENESS_VIOLATION',
    );
    assert.match(str(detail(dupInBatch), 'message'), /NEW-1/);
    await refused(
      h,
      () =>
        h.post('/admin/oathTokens', {
          body: { tokens: [token('NEW-3'), token(DEMO_OATH_TOKEN.serialNumber)] },
        }),
      400,
      'INVALID_DATA',
      'UNIQUENESS_VIOLATION',
    );
    const tenBytes = Buffer.alloc(10, 7);
    const shortSecret = new Secret({
      buffer: tenBytes.buffer.slice(tenBytes.byteOffset, tenBytes.byteOffset + 10),
    }).base32;
    await refused(
      h,
      () => h.post('/admin/oathTokens', { body: { tokens: [token('NEW-4', shortSecret)] } }),
      400,
      'INVALID_DATA',
      'INVALID_VALUE',
    );
    for (const bad of [
      { tokens: [] },
      { tokens: [{ ...token('NEW-5'), type: 'MOTP' }] },
      { tokens: [{ ...token('NEW-6'), secret: 'not base32!' }] },
      { tokens: [{ ...token('NEW-7'), digits: 7 }] },
      { tokens: [{ ...token('NEW-8'), extra: true }] },
    ]) {
      await refused(h, () => h.post('/admin/oathTokens', { body: bad }), 400, 'INVALID_DATA');
    }
    await refused(
      h,
      () => h.post('/admin/oathTokens', { body: { tokens: [token('NEW-9')] }, token: null }),
      401,
      'INVALID_TOKEN',
    );
    const listed = await h.get('/admin/oathTokens');
    assert.deepEqual(
      (list(listed.body, 'tokens') as Json[]).map((entry) => entry.serialNumber),
      [DEMO_OATH_TOKEN.serialNumber],
    );
  });

  it('stores imported secrets sealed', async (t) => {
    const { h } = await start(t);
    const rows = h.snapshot('oath_tokens');
    assert.equal(rows.length, 1);
    assert.ok(!JSON.stringify(rows).includes(DEMO_OATH_TOKEN.secret));
  });
});

describe('reading, deleting and naming devices', () => {
  it("lists the user's devices in creation order and reads each one", async (t) => {
    const { h, userId } = await start(t);
    const sms = await created(h, userId, { type: 'SMS', phone: PHONE });
    h.clock.advance(1000);
    const email = await created(h, userId, {
      type: 'EMAIL',
      email: 'me@example.com',
      status: 'ACTIVATION_REQUIRED',
    });
    h.clock.advance(1000);
    const totp = await created(h, userId, { type: 'TOTP' });
    const otherUser = await h.createUser();
    await created(h, otherUser, { type: 'SMS', phone: '+15125550000' });

    const reply = await h.get(devicesPath(h, userId));
    assert.equal(reply.status, 200, reply.text);
    const devices = list(reply.body, '_embedded.devices') as Json[];
    assert.deepEqual(
      devices.map((device) => device.id),
      [sms.id, email.id, totp.id],
    );
    assert.deepEqual(
      devices.map((device) => device.type),
      ['SMS', 'EMAIL', 'TOTP'],
    );
    assert.equal(reply.body.count, 3);
    assert.equal(reply.body.size, 3);
    assert.equal(
      str(reply.body, '_links.self.href'),
      `http://engine.test${devicesPath(h, userId)}`,
    );

    const one = await readDevice(h, userId, str(email, 'id'));
    assert.equal(one.status, 200);
    assert.deepEqual(one.body, email);

    const empty = await h.get(devicesPath(h, await h.createUser()));
    assert.deepEqual(list(empty.body, '_embedded.devices'), []);
    assert.equal(empty.body.count, 0);
  });

  it('deletes a device: 204, then 404', async (t) => {
    const { h, userId } = await start(t);
    const keep = await created(h, userId, { type: 'SMS', phone: PHONE });
    const gone = await created(h, userId, { type: 'TOTP' });
    const reply = await h.delete(devicePath(h, userId, str(gone, 'id')));
    assert.equal(reply.status, 204);
    assert.equal(reply.text, '');
    await refused(h, () => readDevice(h, userId, str(gone, 'id')), 404, 'NOT_FOUND');
    await refused(h, () => h.delete(devicePath(h, userId, str(gone, 'id'))), 404, 'NOT_FOUND');
    await refused(
      h,
      () => activate(h, userId, str(gone, 'id'), { otp: '123456' }),
      404,
      'NOT_FOUND',
    );
    assert.deepEqual(await deviceIds(h, userId), [keep.id]);
  });

  it('sets a nickname', async (t) => {
    const { h, userId } = await start(t);
    const device = await created(h, userId, { type: 'SMS', phone: PHONE });
    const id = str(device, 'id');
    const reply = await h.put(`${devicePath(h, userId, id)}/nickname`, {
      body: { nickname: '  My phone  ' },
    });
    assert.equal(reply.status, 200, reply.text);
    const self = `http://engine.test${devicePath(h, userId, id)}`;
    assert.deepEqual(reply.body, {
      _links: { self: { href: `${self}/nickname` }, device: { href: self } },
      nickname: 'My phone',
    });
    assert.equal((await readDevice(h, userId, id)).body.nickname, 'My phone');
    const longest = 'é'.repeat(100);
    const max = await h.put(`${devicePath(h, userId, id)}/nickname`, {
      body: { nickname: longest },
    });
    assert.equal(max.status, 200, max.text);
    assert.equal((await readDevice(h, userId, id)).body.nickname, longest);
  });

  it('refuses bad nicknames and leaves the old one', async (t) => {
    const { h, userId } = await start(t);
    const device = await created(h, userId, { type: 'SMS', phone: PHONE, nickname: 'Old' });
    const path = `${devicePath(h, userId, str(device, 'id'))}/nickname`;
    for (const nickname of [
      '',
      '   ',
      'a\u0000b',
      'tab\there',
      'line\nbreak',
      'del\u007f',
      'x'.repeat(101),
      42,
      null,
    ]) {
      const reply = await refused(
        h,
        () => h.put(path, { body: { nickname } }),
        400,
        'INVALID_DATA',
      );
      assert.equal(detail(reply).target, 'nickname', JSON.stringify(nickname));
    }
    await refused(h, () => h.put(path, { body: {} }), 400, 'INVALID_DATA', 'REQUIRED_VALUE');
    await refused(
      h,
      () => h.put(path, { body: { nickname: 'New', type: 'EMAIL' } }),
      400,
      'INVALID_DATA',
      'INVALID_VALUE',
    );
    await refused(
      h,
      () => h.put(path, { raw: '{"nickname":', type: 'application/json' }),
      400,
      'INVALID_REQUEST',
    );
    await refused(
      h,
      () => h.put(path, { raw: '{"nickname":"New"}', type: 'text/plain' }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    assert.equal((await readDevice(h, userId, str(device, 'id'))).body.nickname, 'Old');
  });
});

describe('device order', () => {
  it('puts the listed devices first and keeps the others after them', async (t) => {
    const { h, userId } = await start(t);
    const a = str(await created(h, userId, { type: 'SMS', phone: PHONE }), 'id');
    const b = str(await created(h, userId, { type: 'EMAIL', email: 'b@example.com' }), 'id');
    const c = str(await created(h, userId, { type: 'TOTP' }), 'id');
    const reply = await h.post(devicesPath(h, userId), {
      body: { order: [{ id: c }, { id: a }] },
      type: MEDIA.reorder,
    });
    assert.equal(reply.status, 200, reply.text);
    assert.deepEqual(reply.body.order, [{ id: c }, { id: a }, { id: b }]);
    assert.deepEqual(await deviceIds(h, userId), [c, a, b]);
    const user = h.engine.context.db
      .prepare('SELECT devices_ordered FROM users WHERE id = ?')
      .get(userId) as {
      devices_ordered: number;
    };
    assert.equal(user.devices_ordered, 1);
    // A device created afterwards goes last.
    const d = str(await created(h, userId, { type: 'WHATSAPP', phone: PHONE }), 'id');
    assert.deepEqual(await deviceIds(h, userId), [c, a, b, d]);
  });

  it('refuses a foreign, unknown or duplicate id and keeps the order', async (t) => {
    const { h, userId } = await start(t);
    const a = str(await created(h, userId, { type: 'SMS', phone: PHONE }), 'id');
    const b = str(await created(h, userId, { type: 'TOTP' }), 'id');
    const otherUser = await h.createUser();
    const foreign = str(await created(h, otherUser, { type: 'SMS', phone: PHONE }), 'id');
    for (const order of [
      [{ id: b }, { id: foreign }],
      [{ id: foreign }],
      [{ id: b }, { id: '00000000-0000-0000-0000-000000000000' }],
      [{ id: b }, { id: a }, { id: b }],
      [],
      [{ id: b, extra: 1 }],
      [{}],
      [b],
    ]) {
      await refused(
        h,
        () => h.post(devicesPath(h, userId), { body: { order }, type: MEDIA.reorder }),
        400,
        'INVALID_DATA',
      );
    }
    await refused(
      h,
      () => h.post(devicesPath(h, userId), { body: {}, type: MEDIA.reorder }),
      400,
      'INVALID_DATA',
      'REQUIRED_VALUE',
    );
    assert.deepEqual(await deviceIds(h, userId), [a, b]);
    assert.deepEqual(await deviceIds(h, otherUser), [foreign]);
  });

  it('removes the order with the order.remove media type only', async (t) => {
    const { h, userId } = await start(t);
    const a = str(await created(h, userId, { type: 'SMS', phone: PHONE }), 'id');
    const b = str(await created(h, userId, { type: 'TOTP' }), 'id');
    await h.post(devicesPath(h, userId), { body: { order: [{ id: b }] }, type: MEDIA.reorder });
    await refused(
      h,
      () => h.delete(devicesPath(h, userId), { type: 'application/json' }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    await refused(h, () => h.delete(devicesPath(h, userId)), 415, 'UNSUPPORTED_MEDIA_TYPE');
    await refused(
      h,
      () => h.delete(devicesPath(h, 'no-such-user'), { type: MEDIA.orderRemove }),
      404,
      'NOT_FOUND',
    );
    const reply = await h.delete(devicesPath(h, userId), { type: MEDIA.orderRemove });
    assert.equal(reply.status, 204);
    assert.equal(reply.text, '');
    const user = h.engine.context.db
      .prepare('SELECT devices_ordered FROM users WHERE id = ?')
      .get(userId) as {
      devices_ordered: number;
    };
    assert.equal(user.devices_ordered, 0);
    assert.deepEqual(new Set(await deviceIds(h, userId)), new Set([a, b]), 'no device is lost');
  });
});

describe('block, unblock, unlock', () => {
  it('blocks a device, which then cannot be activated, and unblocks it', async (t) => {
    const { h, userId } = await start(t);
    const { id, code } = await pendingSms(h, userId);
    const blocked = await action(h, userId, id, MEDIA.block);
    assert.equal(blocked.status, 200, blocked.text);
    assert.deepEqual(blocked.body.block, {
      status: 'BLOCKED',
      blockedAt: new Date(h.clock.ms).toISOString(),
    });
    assert.deepEqual((await readDevice(h, userId, id)).body.block, blocked.body.block);

    await refused(
      h,
      () => activate(h, userId, id, { otp: code }),
      400,
      'INVALID_DATA',
      'DEVICE_BLOCKED',
    );
    await refused(
      h,
      () => action(h, userId, id, MEDIA.sendActivationCode),
      400,
      'INVALID_DATA',
      'DEVICE_BLOCKED',
    );
    // Blocking twice keeps the first time.
    h.clock.advance(1000);
    const again = await action(h, userId, id, MEDIA.block);
    assert.deepEqual(again.body.block, blocked.body.block);

    const unblocked = await action(h, userId, id, MEDIA.unblock);
    assert.equal(unblocked.status, 200, unblocked.text);
    assert.deepEqual(unblocked.body.block, { status: 'UNBLOCKED' });
    assert.equal((await activate(h, userId, id, { otp: code })).body.status, 'ACTIVE');
  });

  it('unlocks a locked device and resets its failure counter', async (t) => {
    const { h, userId } = await start(t);
    const { id, code } = await pendingSms(h, userId);
    for (let i = 0; i < 5; i++) await activate(h, userId, id, { otp: otherCode(code) });
    assert.equal(at((await readDevice(h, userId, id)).body, 'lock.status'), 'LOCKED');

    const unlocked = await action(h, userId, id, MEDIA.unlock);
    assert.equal(unlocked.status, 200, unlocked.text);
    assert.equal(unlocked.body.lock, undefined);
    assert.equal(deviceRow(h, id).locked_until, null);
    // Unlocking does not revive the code that was guessed at.
    await refused(
      h,
      () => activate(h, userId, id, { otp: code }),
      400,
      'INVALID_DATA',
      'OTP_EXPIRED',
    );
    const fresh = await resend(h, userId, id, PHONE, code);
    const wrong = await activate(h, userId, id, { otp: otherCode(fresh) });
    assert.equal(at(detail(wrong), 'innerError.attemptsRemaining'), 4);
    assert.equal((await activate(h, userId, id, { otp: fresh })).body.status, 'ACTIVE');
  });

  it('unlock resets the counter of a device that is not locked yet', async (t) => {
    const { h, userId } = await start(t);
    const { id, code } = await pendingSms(h, userId);
    for (let i = 0; i < 3; i++) await activate(h, userId, id, { otp: otherCode(code) });
    assert.equal(deviceRow(h, id).failures, 3);
    await action(h, userId, id, MEDIA.unlock);
    assert.equal(deviceRow(h, id).failures, 0);
    const wrong = await activate(h, userId, id, { otp: otherCode(code) });
    assert.equal(at(detail(wrong), 'innerError.attemptsRemaining'), 4);
  });

  it('accepts an action body of {} but not malformed JSON or unknown media types', async (t) => {
    const { h, userId } = await start(t);
    const { id } = await pendingSms(h, userId);
    const withBody = await h.post(devicePath(h, userId, id), { body: {}, type: MEDIA.block });
    assert.equal(withBody.status, 200, withBody.text);
    await refused(
      h,
      () => h.post(devicePath(h, userId, id), { raw: '{', type: MEDIA.unblock }),
      400,
      'INVALID_REQUEST',
    );
    await refused(
      h,
      () =>
        h.post(devicePath(h, userId, id), {
          type: 'application/vnd.pingidentity.device.delete+json',
        }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
  });
});

describe('limits and policy', () => {
  it('enforces pairing.maxAllowedDevices', async (t) => {
    const { h, userId } = await start(t);
    await putSettings(h, { pairing: { maxAllowedDevices: 2, pairingKeyFormat: 'NUMERIC' } });
    const first = await created(h, userId, { type: 'SMS', phone: PHONE });
    await created(h, userId, { type: 'TOTP' });
    for (const body of [
      { type: 'EMAIL', email: 'third@example.com', status: 'ACTIVATION_REQUIRED' },
      { type: 'TOTP' },
      { type: 'FIDO2' },
      { type: 'OATH_TOKEN', serialNumber: DEMO_OATH_TOKEN.serialNumber },
    ]) {
      const reply = await refused(
        h,
        () => create(h, userId, body),
        400,
        'LIMIT_EXCEEDED',
        'LIMIT_EXCEEDED',
      );
      assert.equal(at(detail(reply), 'innerError.maximumValue'), 2);
    }
    // The cap is per user.
    await created(h, await h.createUser(), { type: 'TOTP' });
    // Deleting one makes room again.
    assert.equal((await h.delete(devicePath(h, userId, str(first, 'id')))).status, 204);
    await created(h, userId, { type: 'EMAIL', email: 'third@example.com' });
  });

  it('refuses to pair a type the policy disables', async (t) => {
    const { h, userId } = await start(t);
    await updateDefaultPolicy(h, (policy) => {
      (policy.sms as Json).pairingDisabled = true;
      (policy.totp as Json).enabled = false;
    });
    const sms = await refused(
      h,
      () => create(h, userId, { type: 'SMS', phone: PHONE, status: 'ACTIVATION_REQUIRED' }),
      400,
      'INVALID_DATA',
      'INVALID_VALUE',
    );
    assert.equal(detail(sms).target, 'type');
    await refused(
      h,
      () => create(h, userId, { type: 'TOTP' }),
      400,
      'INVALID_DATA',
      'INVALID_VALUE',
    );
    await created(h, userId, { type: 'EMAIL', email: 'fine@example.com' });
  });

  it('refuses an unknown policy id', async (t) => {
    const { h, userId } = await start(t);
    const reply = await refused(
      h,
      () =>
        create(h, userId, { type: 'TOTP', policy: { id: '00000000-0000-0000-0000-000000000000' } }),
      400,
      'INVALID_DATA',
      'INVALID_VALUE',
    );
    assert.equal(detail(reply).target, 'policy.id');
    const policy = await defaultPolicy(h);
    const ok = await created(h, userId, { type: 'TOTP', policy: { id: str(policy, 'id') } });
    assert.equal(at(ok, 'policy.id'), policy.id);
  });
});

describe('generic bad input', () => {
  it('answers 415 to the wrong media type', async (t) => {
    const { h, userId } = await start(t);
    const body = JSON.stringify({ type: 'SMS', phone: PHONE, status: 'ACTIVATION_REQUIRED' });
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data',
      MEDIA.activate,
    ]) {
      const reply = await refused(
        h,
        () => create(h, userId, undefined, { raw: body, type }),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      );
      assert.equal(detail(reply).target, 'Content-Type');
    }
    // No Content-Type at all (a byte body, so fetch adds none).
    const before = snapshotAll(h);
    const bare = await h.engine.fetch(
      new Request(`${BASE}${devicesPath(h, userId)}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${h.token}` },
        body: new TextEncoder().encode(body),
      }),
    );
    assert.equal(bare.headers.get('content-type')?.startsWith('application/json'), true);
    assertError(
      { status: bare.status, headers: bare.headers, body: (await bare.json()) as Json, text: '' },
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    assert.deepEqual(snapshotAll(h), before);
    // The media type is matched without parameters and case-insensitively.
    const ok = await create(h, userId, undefined, {
      raw: body,
      type: 'Application/JSON; charset=utf-8',
    });
    assert.equal(ok.status, 201, ok.text);

    const device = str(ok.body, 'id');
    const code = await h.lastCode(PHONE);
    for (const type of ['application/json', 'text/plain', MEDIA.reorder, MEDIA.otpCheck]) {
      await refused(
        h,
        () => h.post(devicePath(h, userId, device), { raw: JSON.stringify({ otp: code }), type }),
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      );
    }
    assert.equal((await activate(h, userId, device, { otp: code })).body.status, 'ACTIVE');
  });

  it('answers 400 INVALID_REQUEST to malformed JSON', async (t) => {
    const { h, userId } = await start(t);
    for (const raw of [
      '{',
      '{"type":"SMS",}',
      "{'type':'SMS'}",
      '[]',
      '"SMS"',
      'null',
      '{"type":"SMS"}{}',
      '',
    ]) {
      await refused(
        h,
        () => create(h, userId, undefined, { raw, type: 'application/json' }),
        400,
        'INVALID_REQUEST',
      );
    }
    const deep = `${'['.repeat(10_000)}${']'.repeat(10_000)}`;
    await refused(
      h,
      () => create(h, userId, undefined, { raw: deep, type: 'application/json' }),
      400,
      'INVALID_REQUEST',
    );
  });

  it('answers 400 INVALID_DATA to unknown fields, without prototype pollution', async (t) => {
    const { h, userId } = await start(t);
    const unknown = await refused(
      h,
      () =>
        create(h, userId, { type: 'SMS', phone: PHONE, testMode: true, userId: 'someone-else' }),
      400,
      'INVALID_DATA',
      'INVALID_VALUE',
    );
    assert.match(str(detail(unknown), 'target'), /testMode|userId/);
    const raw = `{"type":"SMS","phone":"${PHONE}","__proto__":{"polluted":true}}`;
    await refused(
      h,
      () => create(h, userId, undefined, { raw, type: 'application/json' }),
      400,
      'INVALID_DATA',
    );
    assert.equal(({} as Json).polluted, undefined);
    for (const body of [
      { type: 'TOTP', secret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP' },
      { type: 'SMS', phone: PHONE, email: 'x@example.com' },
      { type: 'FIDO2', rp: { id: 'localhost', icon: 'x' } },
    ]) {
      await refused(h, () => create(h, userId, body), 400, 'INVALID_DATA', 'INVALID_VALUE');
    }
  });

  it('answers 400 INVALID_DATA / REQUIRED_VALUE to a missing required field', async (t) => {
    const { h, userId } = await start(t);
    for (const [body, target] of [
      [{ type: 'SMS' }, 'phone'],
      [{ type: 'VOICE', extension: '1' }, 'phone'],
      [{ type: 'EMAIL' }, 'email'],
      [{ type: 'WHATSAPP' }, 'phone'],
      [{ type: 'OATH_TOKEN' }, 'serialNumber'],
      [{ phone: PHONE }, 'type'],
    ] as const) {
      const reply = await refused(
        h,
        () => create(h, userId, body),
        400,
        'INVALID_DATA',
        'REQUIRED_VALUE',
      );
      assert.equal(detail(reply).target, target, JSON.stringify(body));
    }
    for (const type of ['MOBILE', 'PUSH', 'sms', 42, null]) {
      const reply = await refused(
        h,
        () => create(h, userId, { type, phone: PHONE }),
        400,
        'INVALID_DATA',
        'INVALID_VALUE',
      );
      assert.equal(detail(reply).target, 'type', JSON.stringify(type));
    }
  });

  it('answers 404 to an unknown user', async (t) => {
    const { h } = await start(t);
    const user = '00000000-0000-0000-0000-000000000000';
    await refused(h, () => h.get(devicesPath(h, user)), 404, 'NOT_FOUND');
    await refused(h, () => create(h, user, { type: 'TOTP' }), 404, 'NOT_FOUND');
    await refused(
      h,
      () => create(h, user, { type: 'SMS', phone: PHONE, status: 'ACTIVATION_REQUIRED' }),
      404,
      'NOT_FOUND',
    );
    await refused(
      h,
      () => h.post(devicesPath(h, user), { body: { order: [{ id: 'x' }] }, type: MEDIA.reorder }),
      404,
      'NOT_FOUND',
    );
    await refused(h, () => readDevice(h, user, 'x'), 404, 'NOT_FOUND');
  });

  it('answers 404 to an unknown device id on every device route', async (t) => {
    const { h, userId } = await start(t);
    const id = '00000000-0000-0000-0000-000000000000';
    await refused(h, () => readDevice(h, userId, id), 404, 'NOT_FOUND');
    await refused(h, () => h.delete(devicePath(h, userId, id)), 404, 'NOT_FOUND');
    await refused(h, () => activate(h, userId, id, { otp: '123456' }), 404, 'NOT_FOUND');
    for (const type of [MEDIA.sendActivationCode, MEDIA.block, MEDIA.unblock, MEDIA.unlock]) {
      await refused(h, () => action(h, userId, id, type), 404, 'NOT_FOUND');
    }
    await refused(
      h,
      () => h.put(`${devicePath(h, userId, id)}/nickname`, { body: { nickname: 'x' } }),
      404,
      'NOT_FOUND',
    );
  });

  it("answers 404 to another user's device under this user's path and leaves it alone", async (t) => {
    const { h, userId } = await start(t);
    const victim = await h.createUser();
    const { id, code } = await pendingSms(h, victim);
    const path = devicePath(h, userId, id);
    await refused(h, () => h.get(path), 404, 'NOT_FOUND');
    await refused(h, () => h.delete(path), 404, 'NOT_FOUND');
    await refused(h, () => activate(h, userId, id, { otp: code }), 404, 'NOT_FOUND');
    await refused(h, () => activate(h, userId, id, { otp: otherCode(code) }), 404, 'NOT_FOUND');
    for (const type of [MEDIA.sendActivationCode, MEDIA.block, MEDIA.unblock, MEDIA.unlock]) {
      await refused(h, () => action(h, userId, id, type), 404, 'NOT_FOUND');
    }
    await refused(
      h,
      () => h.put(`${path}/nickname`, { body: { nickname: 'mine now' } }),
      404,
      'NOT_FOUND',
    );
    const row = deviceRow(h, id);
    assert.equal(row.status, 'ACTIVATION_REQUIRED');
    assert.equal(row.failures, 0);
    assert.equal(row.nickname, null);
    assert.equal((await activate(h, victim, id, { otp: code })).body.status, 'ACTIVE');
  });

  it('answers 401 INVALID_TOKEN without a valid bearer token', async (t) => {
    const { h, userId } = await start(t);
    const device = await created(h, userId, { type: 'SMS', phone: PHONE });
    const id = str(device, 'id');
    const foreign = await Harness.start();
    t.after(() => {
      foreign.close();
    });
    const tokens: (string | null)[] = [
      null,
      '',
      'garbage',
      `${h.token}x`,
      foreign.token,
      h.token.split('.').slice(0, 2).join('.'),
    ];
    for (const token of tokens) {
      await refused(h, () => h.get(devicesPath(h, userId), { token }), 401, 'INVALID_TOKEN');
      await refused(h, () => create(h, userId, { type: 'TOTP' }, { token }), 401, 'INVALID_TOKEN');
      await refused(h, () => h.delete(devicePath(h, userId, id), { token }), 401, 'INVALID_TOKEN');
    }
    await refused(
      h,
      () =>
        h.get(devicesPath(h, userId), {
          headers: { authorization: `Basic ${h.token}` },
          token: null,
        }),
      401,
      'INVALID_TOKEN',
    );
    h.clock.advance(2 * 60 * MINUTE);
    await refused(h, () => create(h, userId, { type: 'TOTP' }), 401, 'INVALID_TOKEN');
  });

  it('answers 413 to a body over 64 KB', async (t) => {
    const { h, userId } = await start(t);
    const raw = JSON.stringify({ type: 'SMS', phone: PHONE, nickname: 'x'.repeat(70 * 1024) });
    await refused(
      h,
      () => create(h, userId, undefined, { raw, type: 'application/json' }),
      413,
      'REQUEST_TOO_LARGE',
    );
    const device = await created(h, userId, { type: 'SMS', phone: PHONE });
    await refused(
      h,
      () =>
        h.put(`${devicePath(h, userId, str(device, 'id'))}/nickname`, {
          raw,
          type: 'application/json',
        }),
      413,
      'REQUEST_TOO_LARGE',
    );
  });
});

describe('audit events', () => {
  it('never carry a seed or a code', async (t) => {
    const { h, userId } = await start(t);
    const totp = await created(h, userId, { type: 'TOTP' });
    const secret = str(totp, 'secret');
    assertError(
      await activate(h, userId, str(totp, 'id'), { otp: totpCode(secret, h.clock.ms, 3) }),
      400,
      'INVALID_DATA',
    );
    const totpCurrent = totpCode(secret, h.clock.ms);
    assert.equal(
      (await activate(h, userId, str(totp, 'id'), { otp: totpCurrent })).body.status,
      'ACTIVE',
    );

    const sms = await pendingSms(h, userId);
    await activate(h, userId, sms.id, { otp: otherCode(sms.code) });
    const fresh = await resend(h, userId, sms.id, PHONE, sms.code);
    assert.equal((await activate(h, userId, sms.id, { otp: fresh })).body.status, 'ACTIVE');
    const email = await created(h, userId, {
      type: 'EMAIL',
      email: 'log@example.com',
      status: 'ACTIVATION_REQUIRED',
    });
    const emailCode = await h.lastCode('log@example.com');
    assert.equal(
      (await activate(h, userId, str(email, 'id'), { otp: emailCode })).body.status,
      'ACTIVE',
    );
    const oath = await created(h, userId, {
      type: 'OATH_TOKEN',
      serialNumber: DEMO_OATH_TOKEN.serialNumber,
    });
    const oathCode = totpCode(DEMO_OATH_TOKEN.secret, h.clock.ms);
    assert.equal(
      (await activate(h, userId, str(oath, 'id'), { otp: oathCode })).body.status,
      'ACTIVE',
    );

    const all = await h.get('/outbox?limit=1000');
    const codes = (list(all.body, 'messages') as { text: string }[])
      .map((message) => /is ([0-9 ]{6,20})\./.exec(message.text)?.[1]?.replace(/ /g, ''))
      .filter((code): code is string => code !== undefined);
    assert.ok(codes.length >= 3, 'codes were delivered');
    const events = JSON.stringify(h.events);
    assert.ok(
      h.events.some((event) => event.event === 'device.activated'),
      'events were logged',
    );
    assert.ok(
      h.events.some((event) => event.event === 'device.activation_failed'),
      'failures were logged',
    );
    for (const value of [secret, DEMO_OATH_TOKEN.secret, totpCurrent, oathCode, ...codes]) {
      assert.ok(!events.includes(value), `an audit event contains ${value}`);
    }
  });
});
