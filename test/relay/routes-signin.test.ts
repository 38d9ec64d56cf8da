/**
 * Sign-in routes of the relay: every happy path, and security bar §4 cases 1–4 (TOTP), 8 and 12
 * (lockout and resend), 14–16 (out-of-band codes), 19–21 (WebAuthn) and 45 (concurrent failures).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { ERROR_MESSAGES } from '../../src/protocol/index.ts';
import { MEDIA, totpCode } from '../helpers/engine-harness.ts';
import {
  assertRelayError,
  relaxedLimits,
  wrongTotpCode,
  ORIGIN,
  RelayHarness,
  type Reply,
  type UpstreamCall,
} from '../helpers/relay-harness.ts';
import { SoftAuthenticator, type GetOverrides } from '../helpers/soft-authenticator.ts';

interface ErrorBody {
  code: string;
  message: string;
  attemptsRemaining?: number;
  lockedUntil?: string;
}
const errorOf = (reply: Reply): ErrorBody => reply.body.error as ErrorBody;
const idOf = (reply: Reply): string => reply.body.id as string;

async function unchanged(
  harness: RelayHarness,
  work: () => Promise<Reply>,
): Promise<{ reply: Reply; calls: UpstreamCall[] }> {
  const before = harness.snapshotAll();
  let reply: Reply | undefined;
  const calls = await harness.recording(async () => {
    reply = await work();
  });
  assert.ok(reply, 'a reply');
  assert.deepEqual(harness.snapshotAll(), before, 'engine state unchanged');
  return { reply, calls };
}

/** Enrolls a TOTP device for `sub`, then opens a signin session half a minute later. */
async function totpUser(harness: RelayHarness, sub: string): Promise<{ secret: string }> {
  harness.jar.clear();
  await harness.session(sub, 'enroll');
  const { secret } = await harness.enrollTotp();
  // The activation used this step; sign-ins start on the next one.
  harness.clock.advance(30_000);
  harness.jar.clear();
  await harness.session(sub, 'signin');
  return { secret };
}

/** Enrolls an SMS device for `sub` and opens a signin session. */
async function smsUser(harness: RelayHarness, sub: string, phone: string): Promise<string> {
  harness.jar.clear();
  await harness.session(sub, 'enroll');
  const created = await harness.send('POST', '/devices', { body: { type: 'SMS', phone } });
  assert.equal(created.status, 201, created.text);
  const device = created.body.device as { id: string };
  const activated = await harness.send('POST', `/devices/${device.id}/activation`, {
    body: { otp: await harness.lastCode(phone) },
  });
  assert.equal(activated.status, 200, activated.text);
  harness.jar.clear();
  await harness.session(sub, 'signin');
  return device.id;
}

/** Unlocks a device straight at the engine, as an administrator would. */
async function unlock(harness: RelayHarness, sub: string, deviceId: string): Promise<void> {
  const { engine } = harness;
  const basic = Buffer.from(`${engine.clientId}:${engine.clientSecret}`).toString('base64');
  const token = await engine.fetch(
    new Request(`http://engine.internal/${engine.environmentId}/as/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${basic}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    }),
  );
  const { access_token: accessToken } = (await token.json()) as { access_token: string };
  const user = await harness.pingone.findUserByUsername(sub);
  assert.ok(user, 'user exists');
  const unlocked = await engine.fetch(
    new Request(
      `http://engine.internal/v1/environments/${engine.environmentId}/users/${user.id}/devices/${deviceId}`,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${accessToken}`,
          'content-type': MEDIA.unlock,
        },
        body: '{}',
      },
    ),
  );
  assert.equal(unlocked.status, 200, await unlocked.clone().text());
}

async function start(harness: RelayHarness, body: Record<string, unknown> = {}): Promise<Reply> {
  const started = await harness.send('POST', '/authentications', { body });
  assert.equal(started.status, 201, started.text);
  return started;
}

const otp = (harness: RelayHarness, handle: string, code: unknown): Promise<Reply> =>
  harness.send('POST', `/authentications/${handle}/otp`, { body: { otp: code } });

describe('sign-in routes: happy paths', () => {
  let harness: RelayHarness;
  let key: SoftAuthenticator;
  let ids: { totp: string; sms: string; fido: string };
  let secret: string;
  const phone = '+14155550201';
  before(async () => {
    harness = await RelayHarness.start({ limits: relaxedLimits() });
    await harness.session('hp-signin', 'manage');
    const totp = await harness.send('POST', '/devices', { body: { type: 'TOTP' } });
    secret = totp.body.secret as string;
    const totpId = (totp.body.device as { id: string }).id;
    const activated = await harness.send('POST', `/devices/${totpId}/activation`, {
      body: { otp: totpCode(secret, harness.clock.now()) },
    });
    assert.equal(activated.status, 200, activated.text);
    const sms = await harness.send('POST', '/devices', { body: { type: 'SMS', phone } });
    const smsId = (sms.body.device as { id: string }).id;
    const smsActivated = await harness.send('POST', `/devices/${smsId}/activation`, {
      body: { otp: await harness.lastCode(phone) },
    });
    assert.equal(smsActivated.status, 200, smsActivated.text);
    key = new SoftAuthenticator();
    const fido = await harness.send('POST', '/devices', { body: { type: 'FIDO2' } });
    const fidoId = (fido.body.device as { id: string }).id;
    const fidoActivated = await harness.send('POST', `/devices/${fidoId}/activation`, {
      body: {
        credential: key.create(
          fido.body.publicKeyOptions as PublicKeyCredentialCreationOptionsJSON,
          ORIGIN,
        ),
      },
    });
    assert.equal(fidoActivated.status, 200, fidoActivated.text);
    ids = { totp: totpId, sms: smsId, fido: fidoId };
    harness.clock.advance(30_000);
    harness.jar.clear();
    await harness.session('hp-signin', 'signin');
  });
  after(() => {
    harness.close();
  });

  it('starts, reads, and completes with the default TOTP device', async () => {
    const started = await start(harness);
    assert.equal(started.body.status, 'OTP_REQUIRED', started.text);
    assert.equal(started.body.selectedDeviceId, ids.totp);
    assert.equal(started.body.otpLength, 6, 'the code length the widget asks for');
    assert.match(idOf(started), /^[A-Za-z0-9_-]{22}$/, 'an opaque handle');
    assert.equal((started.body.devices as unknown[]).length, 3);
    const read = await harness.send('GET', `/authentications/${idOf(started)}`);
    assert.equal(read.status, 200, read.text);
    assert.equal(read.body.status, 'OTP_REQUIRED');
    const done = await otp(harness, idOf(started), totpCode(secret, harness.clock.now()));
    assert.equal(done.status, 200, done.text);
    assert.equal(done.body.status, 'COMPLETED');
    assert.equal(typeof done.body.result, 'string');
    const session = await harness.send('GET', '/session');
    assert.equal(typeof session.body.mfaCompletedAt, 'string', session.text);
    // A completed authentication is forgotten.
    assertRelayError(
      await harness.send('GET', `/authentications/${idOf(started)}`),
      404,
      'AUTHENTICATION_NOT_FOUND',
    );
  });

  it('switches to SMS, re-sends, and completes with the latest code', async () => {
    const started = await start(harness);
    const switched = await harness.send('POST', `/authentications/${idOf(started)}/device`, {
      body: { deviceId: ids.sms },
    });
    assert.equal(switched.status, 200, switched.text);
    assert.equal(switched.body.status, 'OTP_REQUIRED');
    assert.equal(switched.body.selectedDeviceId, ids.sms);
    assert.equal(switched.body.otpLength, 6);
    const sent = await harness.outboxCount(phone);
    const resent = await harness.send('POST', `/authentications/${idOf(started)}/resend`);
    assert.equal(resent.status, 200, resent.text);
    assert.equal(await harness.outboxCount(phone), sent + 1, 'a new message');
    const done = await otp(harness, idOf(started), await harness.lastCode(phone));
    assert.equal(done.body.status, 'COMPLETED', done.text);
  });

  it('switches to FIDO2 and completes with an assertion', async () => {
    const started = await start(harness);
    const switched = await harness.send('POST', `/authentications/${idOf(started)}/device`, {
      body: { deviceId: ids.fido, compatibility: 'FULL' },
    });
    assert.equal(switched.body.status, 'ASSERTION_REQUIRED', switched.text);
    const credential = key.get(
      switched.body.publicKeyOptions as PublicKeyCredentialRequestOptionsJSON,
      ORIGIN,
    );
    const done = await harness.send('POST', `/authentications/${idOf(started)}/assertion`, {
      body: { credential },
    });
    assert.equal(done.status, 200, done.text);
    assert.equal(done.body.status, 'COMPLETED');
    assert.equal(typeof done.body.result, 'string');
  });

  it('abandons an authentication with DELETE', async () => {
    const started = await start(harness);
    const { reply, calls } = await unchanged(harness, () =>
      harness.send('DELETE', `/authentications/${idOf(started)}`),
    );
    assert.equal(reply.status, 204, reply.text);
    assert.deepEqual(calls, [], 'nothing upstream');
    assertRelayError(
      await harness.send('GET', `/authentications/${idOf(started)}`),
      404,
      'AUTHENTICATION_NOT_FOUND',
    );
    assertRelayError(
      await otp(harness, idOf(started), totpCode(secret, harness.clock.now())),
      404,
      'AUTHENTICATION_NOT_FOUND',
    );
  });
});

describe('sign-in routes: TOTP codes (cases 1–4)', () => {
  let harness: RelayHarness;
  before(async () => {
    harness = await RelayHarness.start({ limits: relaxedLimits() });
  });
  after(() => {
    harness.close();
  });

  it('1: the same correct code in a second authentication is OTP_REPLAYED', async () => {
    const { secret } = await totpUser(harness, 'replay');
    const code = totpCode(secret, harness.clock.now());
    const first = await start(harness);
    const done = await otp(harness, idOf(first), code);
    assert.equal(done.body.status, 'COMPLETED', done.text);
    const second = await start(harness);
    const replayed = await otp(harness, idOf(second), code);
    assertRelayError(replayed, 400, 'OTP_REPLAYED');
    assert.equal(replayed.body.result, undefined);
    assert.equal(harness.audits('relay.otp_rejected').at(-1)?.code, 'OTP_REPLAYED', 'audited');
  });

  it('2: after step N succeeded, a code of step N−1 is refused', async () => {
    const { secret } = await totpUser(harness, 'older-step');
    const first = await start(harness);
    const done = await otp(harness, idOf(first), totpCode(secret, harness.clock.now()));
    assert.equal(done.body.status, 'COMPLETED', done.text);
    const second = await start(harness);
    const older = await otp(harness, idOf(second), totpCode(secret, harness.clock.now(), -1));
    assert.equal(older.status, 400, older.text);
    assert.ok(['OTP_REPLAYED', 'OTP_INVALID'].includes(errorOf(older).code), older.text);
    assert.equal(older.body.result, undefined);
  });

  it('3: codes two steps away are OTP_INVALID, and the remaining attempts go down', async () => {
    const { secret } = await totpUser(harness, 'two-steps');
    const started = await start(harness);
    const ahead = await otp(harness, idOf(started), totpCode(secret, harness.clock.now(), 2));
    assertRelayError(ahead, 400, 'OTP_INVALID');
    const behind = await otp(harness, idOf(started), totpCode(secret, harness.clock.now(), -2));
    assertRelayError(behind, 400, 'OTP_INVALID');
    const [a, b] = [errorOf(ahead).attemptsRemaining, errorOf(behind).attemptsRemaining];
    assert.equal(typeof a, 'number', ahead.text);
    assert.equal(b, (a ?? 0) - 1, `${ahead.text} ${behind.text}`);
  });

  it('4: malformed codes are OTP_FORMAT, reach nobody and count nothing', async () => {
    const { secret } = await totpUser(harness, 'malformed');
    const started = await start(harness);
    const wrong = wrongTotpCode(secret, harness.clock.now());
    const firstWrong = await otp(harness, idOf(started), wrong);
    assertRelayError(firstWrong, 400, 'OTP_INVALID');
    const before = errorOf(firstWrong).attemptsRemaining;
    const malformed: unknown[] = [
      '12345',
      '1234567',
      '١٢٣٤٥٦',
      ' 123456',
      '123456 ',
      123456,
      null,
      ['123456'],
      { otp: '123456' },
      '1'.repeat(10 * 1024),
    ];
    for (const code of malformed) {
      const { reply, calls } = await unchanged(harness, () => otp(harness, idOf(started), code));
      assertRelayError(reply, 400, 'OTP_FORMAT');
      assert.deepEqual(RelayHarness.mutations(calls), [], `nothing upstream for ${String(code)}`);
    }
    const secondWrong = await otp(harness, idOf(started), wrong);
    assertRelayError(secondWrong, 400, 'OTP_INVALID');
    assert.equal(errorOf(secondWrong).attemptsRemaining, (before ?? 0) - 1, secondWrong.text);
  });
});

describe('sign-in routes: lockout (case 8) and concurrency (case 45)', () => {
  let harness: RelayHarness;
  before(async () => {
    // The relay's check limit per session (10 a minute) stays as configured by default.
    harness = await RelayHarness.start({
      limits: relaxedLimits(['check.session', 'check.user', 'check.ip']),
    });
  });
  after(() => {
    harness.close();
  });

  it('8: after five wrong codes the right one is AUTHENTICATOR_LOCKED, then works after the cool-down', async () => {
    const { secret } = await totpUser(harness, 'locked');
    const started = await start(harness);
    const wrong = wrongTotpCode(secret, harness.clock.now());
    const answers: Reply[] = [];
    for (let i = 0; i < 5; i++) answers.push(await otp(harness, idOf(started), wrong));
    assert.deepEqual(
      answers.slice(0, 4).map((reply) => errorOf(reply).attemptsRemaining),
      [4, 3, 2, 1],
      answers.map((reply) => reply.text).join('\n'),
    );
    // The wrong code that uses up the last attempt says so, and until when the device is locked.
    const last = errorOf(answers[4]!);
    assert.equal(last.code, 'OTP_INVALID');
    assert.equal(last.attemptsRemaining, 0);
    const until = Date.parse(String(last.lockedUntil));
    assert.ok(
      until > harness.clock.now() && until <= harness.clock.now() + 5 * 60_000 + 1000,
      `lockedUntil ${String(last.lockedUntil)}`,
    );
    const right = await otp(harness, idOf(started), totpCode(secret, harness.clock.now()));
    assertRelayError(right, 429, 'AUTHENTICATOR_LOCKED');
    const retryAfter = Number(right.headers.get('retry-after'));
    assert.ok(retryAfter > 0 && retryAfter <= 300, `Retry-After: ${String(retryAfter)}`);
    assert.equal(right.body.result, undefined);

    harness.clock.advance(5 * 60_000 + 1000);
    const later = await start(harness);
    const unlocked = await otp(harness, idOf(later), totpCode(secret, harness.clock.now()));
    assert.equal(unlocked.status, 200, unlocked.text);
    assert.equal(unlocked.body.status, 'COMPLETED');
    // The failure counter was reset: a wrong code has all attempts left again.
    harness.clock.advance(30_000);
    const next = await start(harness);
    const reset = await otp(harness, idOf(next), wrongTotpCode(secret, harness.clock.now()));
    assertRelayError(reset, 400, 'OTP_INVALID');
    assert.equal(errorOf(reset).attemptsRemaining, 4, reset.text);
  });

  it('45: twenty concurrent wrong codes lock the device exactly once', async () => {
    const { secret } = await totpUser(harness, 'concurrent');
    const started = await start(harness);
    const wrong = wrongTotpCode(secret, harness.clock.now());
    const replies = await Promise.all(
      Array.from({ length: 20 }, () => otp(harness, idOf(started), wrong)),
    );
    const byCode = new Map<string, Reply[]>();
    for (const reply of replies) {
      const code = errorOf(reply).code;
      byCode.set(code, [...(byCode.get(code) ?? []), reply]);
    }
    const invalid = byCode.get('OTP_INVALID') ?? [];
    const locked = byCode.get('AUTHENTICATOR_LOCKED') ?? [];
    const limited = byCode.get('RATE_LIMITED') ?? [];
    assert.equal(invalid.length + locked.length + limited.length, 20, [...byCode.keys()].join());
    // The relay lets ten checks a minute through per session; the rest never reach upstream.
    assert.equal(limited.length, 10, 'the relay refuses ten itself');
    const remaining = invalid.map((reply) => errorOf(reply).attemptsRemaining).sort();
    assert.deepEqual(remaining, [0, 1, 2, 3, 4].slice(5 - invalid.length), remaining.join());
    assert.equal(invalid.length + locked.length, 10);
    assert.ok(locked.length >= 5, 'locked after the fifth failure');
    const until = new Set(locked.map((reply) => errorOf(reply).lockedUntil));
    assert.equal(until.size, 1, `one lock: ${[...until].join()}`);
    for (const reply of [...locked, ...limited]) {
      assert.ok(Number(reply.headers.get('retry-after')) > 0, 'Retry-After on every 429');
    }
  });
});

describe('sign-in routes: out-of-band codes (cases 12, 14–16)', () => {
  let harness: RelayHarness;
  before(async () => {
    // One send per device every 30 s, as configured by default.
    harness = await RelayHarness.start({ limits: relaxedLimits(['send.device']) });
  });
  after(() => {
    harness.close();
  });

  it('12: a second resend within 30 s is RESEND_TOO_SOON; the replaced code is dead', async () => {
    const phone = '+14155550212';
    await smsUser(harness, 'resend', phone);
    const started = await start(harness);
    assert.equal(started.body.status, 'OTP_REQUIRED', started.text);
    const old = await harness.lastCode(phone);
    const resent = await harness.send('POST', `/authentications/${idOf(started)}/resend`);
    assert.equal(resent.status, 200, resent.text);
    const fresh = await harness.lastCode(phone);
    const sent = await harness.outboxCount(phone);
    const { reply, calls } = await unchanged(harness, () =>
      harness.send('POST', `/authentications/${idOf(started)}/resend`),
    );
    assertRelayError(reply, 429, 'RESEND_TOO_SOON');
    assert.ok(Number(reply.headers.get('retry-after')) > 0, 'Retry-After');
    assert.deepEqual(RelayHarness.mutations(calls), [], 'no second send upstream');
    assert.equal(await harness.outboxCount(phone), sent, 'no second message');
    if (old !== fresh) {
      const stale = await otp(harness, idOf(started), old);
      assert.ok(['OTP_INVALID', 'OTP_EXPIRED'].includes(errorOf(stale).code), stale.text);
    }
    const done = await otp(harness, idOf(started), fresh);
    assert.equal(done.body.status, 'COMPLETED', done.text);
  });

  it('12: two activation-code sends within 30 s: the second is RESEND_TOO_SOON', async () => {
    harness.jar.clear();
    await harness.session('resend-activation', 'enroll');
    const phone = '+14155550213';
    const created = await harness.send('POST', '/devices', { body: { type: 'SMS', phone } });
    assert.equal(created.status, 201, created.text);
    const id = (created.body.device as { id: string }).id;
    const first = await harness.send('POST', `/devices/${id}/activation-code`);
    assert.equal(first.status, 204, first.text);
    const sent = await harness.outboxCount(phone);
    const { reply, calls } = await unchanged(harness, () =>
      harness.send('POST', `/devices/${id}/activation-code`),
    );
    assertRelayError(reply, 429, 'RESEND_TOO_SOON');
    assert.ok(Number(reply.headers.get('retry-after')) > 0, 'Retry-After');
    assert.deepEqual(RelayHarness.mutations(calls), []);
    assert.equal(await harness.outboxCount(phone), sent, 'no second message');
  });

  it('14: an SMS code used after five minutes is OTP_EXPIRED', async () => {
    const phone = '+14155550214';
    await smsUser(harness, 'expiry', phone);
    const started = await start(harness);
    const code = await harness.lastCode(phone);
    harness.clock.advance(5 * 60_000 + 1000);
    const late = await otp(harness, idOf(started), code);
    assertRelayError(late, 400, 'OTP_EXPIRED');
    assert.equal(late.body.result, undefined);
  });

  it('15: a code of authentication A is refused in authentication B', async () => {
    const phone = '+14155550215';
    await smsUser(harness, 'cross', phone);
    const a = await start(harness);
    const codeA = await harness.lastCode(phone);
    const b = await start(harness);
    const codeB = await harness.lastCode(phone);
    if (codeA !== codeB) {
      const crossed = await otp(harness, idOf(b), codeA);
      assert.equal(crossed.status, 400, crossed.text);
      assert.equal(crossed.body.result, undefined);
    }
    const rightB = await otp(harness, idOf(b), codeB);
    assert.equal(rightB.body.status, 'COMPLETED', rightB.text);
    assert.ok(idOf(a) !== idOf(b), 'two authentications');
  });

  it('16: after five wrong codes the right code fails', async () => {
    const phone = '+14155550216';
    const deviceId = await smsUser(harness, 'dead-code', phone);
    const started = await start(harness);
    const code = await harness.lastCode(phone);
    const wrong = code === '000000' ? '000001' : '000000';
    for (let i = 0; i < 5; i++) {
      const reply = await otp(harness, idOf(started), wrong);
      assert.ok(reply.status === 400 || reply.status === 429, reply.text);
    }
    const right = await otp(harness, idOf(started), code);
    assert.ok(right.status === 400 || right.status === 429, right.text);
    assert.ok(
      ['AUTHENTICATOR_LOCKED', 'OTP_EXPIRED', 'OTP_INVALID'].includes(errorOf(right).code),
      right.text,
    );
    assert.equal(right.body.result, undefined);
    // An administrator unlocks the device: the code stays dead all the same.
    await unlock(harness, 'dead-code', deviceId);
    const later = await otp(harness, idOf(started), code);
    assert.equal(later.status, 400, later.text);
    assert.ok(['OTP_EXPIRED', 'OTP_INVALID'].includes(errorOf(later).code), later.text);
    assert.equal(later.body.result, undefined, later.text);
  });
});

describe('sign-in routes: WebAuthn assertions (cases 19–21)', () => {
  let harness: RelayHarness;
  let key: SoftAuthenticator;
  let users = 0;
  before(async () => {
    harness = await RelayHarness.start({ limits: relaxedLimits() });
  });
  after(() => {
    harness.close();
  });

  /** Five failed assertions lock the key, so every case gets a user and a key of its own. */
  async function enroll(): Promise<void> {
    const sub = `webauthn-${String(++users)}`;
    key = new SoftAuthenticator();
    harness.jar.clear();
    await harness.session(sub, 'enroll');
    const created = await harness.send('POST', '/devices', { body: { type: 'FIDO2' } });
    const id = (created.body.device as { id: string }).id;
    const activated = await harness.send('POST', `/devices/${id}/activation`, {
      body: {
        credential: key.create(
          created.body.publicKeyOptions as PublicKeyCredentialCreationOptionsJSON,
          ORIGIN,
        ),
      },
    });
    assert.equal(activated.status, 200, activated.text);
    harness.jar.clear();
    await harness.session(sub, 'signin');
  }

  async function assertion(origin: string, overrides: GetOverrides = {}) {
    await enroll();
    const started = await start(harness, { compatibility: 'FULL' });
    assert.equal(started.body.status, 'ASSERTION_REQUIRED', started.text);
    const credential = key.get(
      started.body.publicKeyOptions as PublicKeyCredentialRequestOptionsJSON,
      origin,
      overrides,
    );
    return { handle: idOf(started), credential };
  }

  const submit = (handle: string, credential: unknown) =>
    harness.send('POST', `/authentications/${handle}/assertion`, { body: { credential } });

  async function refused(handle: string, credential: unknown): Promise<void> {
    const reply = await submit(handle, credential);
    assertRelayError(reply, 400, 'CREDENTIAL_INVALID');
    assert.equal(errorOf(reply).message, ERROR_MESSAGES.CREDENTIAL_INVALID, 'generic message');
    assert.equal(reply.body.result, undefined);
    const session = await harness.send('GET', '/session');
    assert.equal(session.body.mfaCompletedAt, undefined, 'not signed in');
  }

  it('21: UP cleared is refused', async () => {
    const { handle, credential } = await assertion(ORIGIN, { flags: { up: false } });
    await refused(handle, credential);
  });

  it('21: UV cleared is refused when the policy requires it', async () => {
    const { handle, credential } = await assertion(ORIGIN, { flags: { uv: false } });
    await refused(handle, credential);
  });

  for (const origin of [
    'https://evil.example',
    'https://localhost:5173',
    'http://localhost.evil.example:5173',
  ]) {
    it(`20: origin ${origin} in clientDataJSON is refused`, async () => {
      const { handle, credential } = await assertion(origin);
      await refused(handle, credential);
    });
  }

  it('20: a wrong rpIdHash is refused', async () => {
    const { handle, credential } = await assertion(ORIGIN, { rpId: 'evil.example' });
    await refused(handle, credential);
  });

  it('20: type webauthn.create is refused', async () => {
    const { handle, credential } = await assertion(ORIGIN, { type: 'webauthn.create' });
    await refused(handle, credential);
  });

  it('19: a replayed assertion is refused, in the same or a new authentication', async () => {
    const { handle, credential } = await assertion(ORIGIN);
    const done = await submit(handle, credential);
    assert.equal(done.body.status, 'COMPLETED', done.text);
    assertRelayError(await submit(handle, credential), 404, 'AUTHENTICATION_NOT_FOUND');
    const next = await start(harness, { compatibility: 'FULL' });
    const replayed = await submit(idOf(next), credential);
    assertRelayError(replayed, 400, 'CREDENTIAL_INVALID');
    assert.equal(replayed.body.result, undefined);
  });
});
