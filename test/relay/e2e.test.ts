/**
 * End to end in Node, no browser: ticket → session → enroll → sign in → signed result verified
 * with jose, through the relay, the PingOne client and the real engine.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLocalJWKSet, jwtVerify } from 'jose';
import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { totpCode } from '../helpers/engine-harness.ts';
import { ORIGIN, RelayHarness } from '../helpers/relay-harness.ts';
import { SoftAuthenticator } from '../helpers/soft-authenticator.ts';

async function verifyResult(harness: RelayHarness, token: unknown, sub: string) {
  assert.equal(typeof token, 'string', 'a result token');
  const jwks = await harness.send('GET', '/.well-known/jwks.json');
  assert.equal(jwks.status, 200, jwks.text);
  const { payload, protectedHeader } = await jwtVerify(
    token as string,
    createLocalJWKSet(jwks.body as { keys: [] }),
    {
      issuer: `${ORIGIN}/mfa/v1`,
      audience: 'https://host.example',
      currentDate: new Date(harness.clock.now()),
    },
  );
  assert.equal(payload.sub, sub);
  assert.ok(typeof protectedHeader.kid === 'string', 'result has a kid');
  assert.ok(typeof payload.jti === 'string', 'result has a jti');
  assert.equal(typeof payload.auth_time, 'number');
  return payload;
}

describe('relay end to end', () => {
  let harness: RelayHarness;
  before(async () => {
    harness = await RelayHarness.start();
  });
  after(() => {
    harness.close();
  });

  it('TOTP: enroll with a code computed from the returned secret, then sign in', async () => {
    harness.jar.clear();
    const started = await harness.session('alice', 'enroll');
    assert.equal(started.body.enrolled, false);
    const created = await harness.send('POST', '/devices', { body: { type: 'TOTP' } });
    assert.equal(created.status, 201, created.text);
    const secret = created.body.secret as string;
    assert.match(secret, /^[A-Z2-7]+=*$/);
    assert.match(created.body.keyUri as string, /^otpauth:\/\/totp\//);
    const device = created.body.device as { id: string; status: string };
    assert.equal(device.status, 'ACTIVATION_REQUIRED');

    const activated = await harness.send('POST', `/devices/${device.id}/activation`, {
      body: { otp: totpCode(secret, harness.clock.now()) },
    });
    assert.equal(activated.status, 200, activated.text);
    assert.equal((activated.body.device as { status: string }).status, 'ACTIVE');
    const enrolledResult = await verifyResult(harness, activated.body.result, 'alice');
    assert.deepEqual(enrolledResult.amr, ['otp', 'mfa']);

    // A new sign-in, later, in a fresh browser.
    harness.clock.advance(60_000);
    harness.jar.clear();
    await harness.session('alice', 'signin');
    const auth = await harness.send('POST', '/authentications', { body: {} });
    assert.equal(auth.status, 201, auth.text);
    assert.equal(auth.body.status, 'OTP_REQUIRED', 'default device selected');
    const checked = await harness.send('POST', `/authentications/${auth.body.id as string}/otp`, {
      body: { otp: totpCode(secret, harness.clock.now()) },
    });
    assert.equal(checked.status, 200, checked.text);
    assert.equal(checked.body.status, 'COMPLETED');
    const payload = await verifyResult(harness, checked.body.result, 'alice');
    assert.equal(payload.mfa_device_type, 'TOTP');
  });

  it('SMS: enroll and sign in with codes read from the outbox', async () => {
    harness.jar.clear();
    await harness.session('bob', 'enroll');
    const phone = '+14155552671';
    const created = await harness.send('POST', '/devices', {
      body: { type: 'SMS', phone: '+1 (415) 555-2671' },
    });
    assert.equal(created.status, 201, created.text);
    const device = created.body.device as { id: string; target: string };
    assert.equal(device.target, '+1******2671', 'phone masked');
    const activated = await harness.send('POST', `/devices/${device.id}/activation`, {
      body: { otp: await harness.lastCode(phone) },
    });
    assert.equal(activated.status, 200, activated.text);
    await verifyResult(harness, activated.body.result, 'bob');

    harness.clock.advance(60_000);
    harness.jar.clear();
    await harness.session('bob', 'signin');
    const auth = await harness.send('POST', '/authentications', { body: {} });
    assert.equal(auth.body.status, 'OTP_REQUIRED', auth.text);
    const checked = await harness.send('POST', `/authentications/${auth.body.id as string}/otp`, {
      body: { otp: await harness.lastCode(phone) },
    });
    assert.equal(checked.status, 200, checked.text);
    assert.equal(checked.body.status, 'COMPLETED');
    const payload = await verifyResult(harness, checked.body.result, 'bob');
    assert.deepEqual(payload.amr, ['otp', 'sms', 'mfa']);
  });

  it('FIDO2: register a passkey with a software authenticator, then sign in with it', async () => {
    harness.jar.clear();
    await harness.session('carol', 'enroll');
    const authenticator = new SoftAuthenticator();
    const created = await harness.send('POST', '/devices', { body: { type: 'FIDO2' } });
    assert.equal(created.status, 201, created.text);
    const options = created.body.publicKeyOptions as PublicKeyCredentialCreationOptionsJSON;
    assert.match(options.challenge, /^[A-Za-z0-9_-]{32,}$/, 'challenge in base64url');
    const credential = authenticator.create(options, ORIGIN);
    const device = created.body.device as { id: string };
    const activated = await harness.send('POST', `/devices/${device.id}/activation`, {
      body: { credential },
    });
    assert.equal(activated.status, 200, activated.text);
    await verifyResult(harness, activated.body.result, 'carol');

    harness.clock.advance(60_000);
    harness.jar.clear();
    await harness.session('carol', 'signin');
    const auth = await harness.send('POST', '/authentications', {
      body: { compatibility: 'FULL' },
    });
    assert.equal(auth.status, 201, auth.text);
    assert.equal(auth.body.status, 'ASSERTION_REQUIRED', auth.text);
    const request = auth.body.publicKeyOptions as PublicKeyCredentialRequestOptionsJSON;
    const assertion = authenticator.get(request, ORIGIN);
    const checked = await harness.send(
      'POST',
      `/authentications/${auth.body.id as string}/assertion`,
      { body: { credential: assertion } },
    );
    assert.equal(checked.status, 200, checked.text);
    assert.equal(checked.body.status, 'COMPLETED');
    const payload = await verifyResult(harness, checked.body.result, 'carol');
    assert.deepEqual(payload.amr, ['hwk', 'pop', 'mfa']);
  });

  it('remembered browser: opt in at sign-in, then the next sign-in completes without a code', async () => {
    harness.jar.clear();
    await harness.session('dave', 'enroll');
    const { secret } = await harness.enrollTotp();

    harness.clock.advance(60_000);
    harness.jar.clear();
    await harness.session('dave', 'signin');
    const auth = await harness.send('POST', '/authentications', { body: {} });
    assert.equal(auth.body.rememberBrowser, true, 'the policy allows remembering');
    const checked = await harness.send('POST', `/authentications/${auth.body.id as string}/otp`, {
      body: { otp: totpCode(secret, harness.clock.now()), remember: true },
    });
    assert.equal(checked.body.status, 'COMPLETED', checked.text);
    const rememberCookie = checked.setCookies.find((cookie) =>
      cookie.startsWith('__Host-mfa-remember='),
    );
    assert.ok(rememberCookie, 'a remember cookie is set');
    assert.match(rememberCookie, /; HttpOnly/i);
    assert.match(rememberCookie, /; Secure/i);
    assert.match(rememberCookie, /SameSite=Strict/i);

    // Next time: a new session in the same browser, no code needed.
    harness.clock.advance(3_600_000);
    harness.jar.delete('__Host-mfa');
    await harness.session('dave', 'signin');
    const calls = await harness.recording(async () => {
      const again = await harness.send('POST', '/authentications', {
        body: {},
        headers: {
          cookie: `${[...harness.jar].map(([n, v]) => `${n}=${v}`).join('; ')}; tracker=browser-only`,
        },
      });
      assert.equal(again.status, 201, again.text);
      assert.equal(again.body.status, 'COMPLETED', again.text);
      const payload = await verifyResult(harness, again.body.result, 'dave');
      assert.equal(payload.mfa_device_type, 'REMEMBER_ME');
    });
    const cookies = calls.map((call) => call.cookie).filter((cookie) => cookie !== null);
    assert.equal(cookies.length, 1, 'only the remembered-device check carries a cookie');
    assert.match(cookies[0] ?? '', /^ST-MFA-REMEMBER=[^;]+$/, 'only the upstream cookie');

    // Another user in the same browser is not signed in by dave's remembered browser.
    harness.jar.delete('__Host-mfa');
    await harness.session('erin', 'enroll');
    const other = await harness.send('POST', '/authentications', { body: {} });
    assert.notEqual(other.body.status, 'COMPLETED', other.text);
  });
});
