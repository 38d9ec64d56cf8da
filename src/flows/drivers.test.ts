/**
 * The sign-in and enrollment drivers end to end in Node: a browser-like client with a cookie jar,
 * the real relay and the real engine in-process, WebAuthn played by a software authenticator.
 */
import assert from 'node:assert/strict';
import { MfaApiError } from '../client/client.ts';
import { after, before, describe, it } from 'node:test';
import { DEMO_OATH_TOKEN } from '../engine/engine.ts';
import { totpCode } from '../../test/helpers/engine-harness.ts';
import {
  at,
  ceremonyError,
  FakeBrowser,
  Recorder,
  SoftWebAuthn,
  verifyResult,
} from '../../test/helpers/flow-harness.ts';
import { RelayHarness, relaxedLimits } from '../../test/helpers/relay-harness.ts';
import type { DeviceType } from '../protocol/schemas.ts';
import { EnrollDriver, type DeviceDetails } from './enroll-driver.ts';
import type { EnrollState } from './enroll.ts';
import { SigninDriver } from './signin-driver.ts';
import type { SigninState } from './signin.ts';

interface Flow<S extends { step: string }, D> {
  driver: D;
  recorder: Recorder<S>;
  browser: FakeBrowser;
}

let relay: RelayHarness;

before(async () => {
  // One code per device every 30 s stays as configured, so RESEND_TOO_SOON is the relay's own.
  relay = await RelayHarness.start({ limits: relaxedLimits(['send.device']) });
});
after(() => {
  relay.close();
});

async function enrollFlow(
  sub: string | undefined,
  options: {
    browser?: FakeBrowser;
    webauthn?: SoftWebAuthn;
    method?: DeviceType;
    methods?: readonly DeviceType[];
  } = {},
): Promise<Flow<EnrollState, EnrollDriver>> {
  const browser = options.browser ?? new FakeBrowser(relay);
  const recorder = new Recorder<EnrollState>();
  const driver = new EnrollDriver({
    client: browser.client(),
    webauthn: options.webauthn ?? new SoftWebAuthn(),
    ...(sub !== undefined ? { ticket: await relay.ticket(sub, 'enroll') } : {}),
    ...(options.method !== undefined ? { method: options.method } : {}),
    ...(options.methods !== undefined ? { methods: options.methods } : {}),
    onChange: recorder.onChange,
    now: relay.clock.now,
  });
  await driver.start();
  return { driver, recorder, browser };
}

async function signinFlow(
  sub: string,
  options: { browser?: FakeBrowser; webauthn?: SoftWebAuthn } = {},
): Promise<Flow<SigninState, SigninDriver>> {
  const browser = options.browser ?? new FakeBrowser(relay);
  const recorder = new Recorder<SigninState>();
  const driver = new SigninDriver({
    client: browser.client(),
    webauthn: options.webauthn ?? new SoftWebAuthn(),
    ticket: await relay.ticket(sub, 'signin'),
    onChange: recorder.onChange,
    now: relay.clock.now,
  });
  await driver.start();
  return { driver, recorder, browser };
}

/** Chooses `method`; gives `details` when the step asks for them. */
async function choose(
  driver: EnrollDriver,
  method: DeviceType,
  details: DeviceDetails = {},
): Promise<void> {
  await driver.chooseMethod(method);
  if (driver.state.step === 'details') await driver.submitDetails(details);
}

const otherCode = (code: string): string => (code === '000000' ? '111111' : '000000');

describe('drivers: TOTP', () => {
  let secret = '';

  it('enrolls with a code computed from the secret in the TOTP state', async () => {
    const { driver, recorder } = await enrollFlow('tina');
    const chooser = at(driver.state, 'choose');
    assert.ok(chooser.methods.includes('TOTP'), `TOTP offered: ${chooser.methods.join()}`);
    assert.deepEqual(chooser.pending, []);
    await choose(driver, 'TOTP');
    const totp = at(driver.state, 'totp');
    assert.match(totp.secret, /^[A-Z2-7]+=*$/);
    assert.match(totp.keyUri, /^otpauth:\/\/totp\//);
    assert.equal(totp.device.status, 'ACTIVATION_REQUIRED');
    secret = totp.secret;

    await driver.submitCode(totpCode(secret, relay.clock.now()));
    const done = at(driver.state, 'done');
    assert.equal(done.method, 'TOTP');
    assert.equal(done.device.status, 'ACTIVE');
    const payload = await verifyResult(relay, done.result, 'tina');
    assert.equal(payload.mfa_device_type, 'TOTP');
    assert.deepEqual(recorder.steps, [
      'starting',
      'choose',
      'details',
      'details',
      'totp',
      'totp',
      'done',
    ]);
  });

  it('signs in with TOTP; the result verifies', async () => {
    relay.clock.advance(30_000);
    const { driver, recorder } = await signinFlow('tina');
    const code = at(driver.state, 'code');
    assert.equal(code.device.type, 'TOTP');
    assert.equal(code.resendAvailableAt, undefined, 'nothing to resend for TOTP');
    await driver.submitOtp(totpCode(secret, relay.clock.now()));
    const done = at(driver.state, 'done');
    assert.equal(done.method, 'TOTP');
    const payload = await verifyResult(relay, done.result, 'tina');
    assert.equal(payload.mfa_device_type, 'TOTP');
    assert.deepEqual(recorder.steps, ['starting', 'code', 'code', 'done']);
    const busy = at(recorder.states[2]!, 'code');
    assert.equal(busy.busy, true, 'busy while the code is checked');
  });

  it('cancel() ends the authentication upstream and stops reporting', async () => {
    relay.clock.advance(30_000);
    const { driver, recorder, browser } = await signinFlow('tina');
    const code = at(driver.state, 'code');
    const seen = recorder.states.length;
    await driver.cancel();
    await assert.rejects(
      browser.client().getAuthentication(code.auth.id),
      (error: unknown) => error instanceof MfaApiError && error.code === 'AUTHENTICATION_NOT_FOUND',
      'the relay no longer knows the authentication',
    );
    await driver.submitOtp(totpCode(secret, relay.clock.now()));
    assert.equal(recorder.states.length, seen, 'no state change after cancel');
  });

  it('remember: true → the next sign-in in this browser completes at once', async () => {
    relay.clock.advance(30_000);
    const first = await signinFlow('tina');
    await first.driver.submitOtp(totpCode(secret, relay.clock.now()), true);
    at(first.driver.state, 'done');
    assert.ok(first.browser.jar.has('__Host-mfa-remember'), 'the relay remembered this browser');

    relay.clock.advance(60_000);
    first.browser.jar.delete('__Host-mfa');
    const again = await signinFlow('tina', { browser: first.browser });
    const done = at(again.driver.state, 'done');
    assert.equal(done.method, 'REMEMBER_ME');
    const payload = await verifyResult(relay, done.result, 'tina');
    assert.equal(payload.mfa_device_type, 'REMEMBER_ME');
  });

  it('adding a second device asks for a sign-in first (reauth), then goes on', async () => {
    relay.clock.advance(30_000);
    const { driver: enroll, browser } = await enrollFlow('tina');
    await enroll.chooseMethod('TOTP');
    assert.equal(at(enroll.state, 'reauth').then, 'TOTP');

    // The element embeds a sign-in in the same session (no new ticket).
    const recorder = new Recorder<SigninState>();
    const signin = new SigninDriver({
      client: browser.client(),
      webauthn: new SoftWebAuthn(),
      onChange: recorder.onChange,
      now: relay.clock.now,
    });
    await signin.start();
    at(signin.state, 'code');
    await signin.submitOtp(totpCode(secret, relay.clock.now()));
    at(signin.state, 'done');

    await enroll.reauthenticated();
    const totp = at(enroll.state, 'totp');
    assert.match(totp.secret, /^[A-Z2-7]+=*$/);
  });

  it('a spent ticket → failed TICKET_REPLAYED, not restartable', async () => {
    const ticket = await relay.ticket('tina', 'signin');
    const spent = await relay.send('POST', '/session', { body: { ticket } });
    assert.equal(spent.status, 201, spent.text);
    const browser = new FakeBrowser(relay);
    const recorder = new Recorder<SigninState>();
    const driver = new SigninDriver({
      client: browser.client(),
      webauthn: new SoftWebAuthn(),
      ticket,
      onChange: recorder.onChange,
      now: relay.clock.now,
    });
    await driver.start();
    assert.deepEqual(driver.state, {
      step: 'failed',
      error: { code: 'TICKET_REPLAYED' },
      restartable: false,
    });
  });

  it('without a ticket or a session → failed SESSION_REQUIRED, not restartable', async () => {
    const browser = new FakeBrowser(relay);
    const driver = new SigninDriver({
      client: browser.client(),
      webauthn: new SoftWebAuthn(),
      onChange: () => undefined,
    });
    await driver.start();
    assert.deepEqual(driver.state, {
      step: 'failed',
      error: { code: 'SESSION_REQUIRED' },
      restartable: false,
    });
  });
});

describe('drivers: SMS and voice', () => {
  const phone = '+14155550301';
  const landline = '+442079460000';

  it('enrolls SMS with the code from the outbox', async () => {
    const { driver, browser } = await enrollFlow('sam');
    await choose(driver, 'SMS', { phone: '+1 (415) 555-0301' });
    const code = at(driver.state, 'code');
    assert.equal(code.method, 'SMS');
    assert.equal(code.resendAvailableAt, relay.clock.now() + 30_000);
    await driver.submitCode(await relay.lastCode(phone));
    const done = at(driver.state, 'done');
    assert.equal(done.method, 'SMS');
    const payload = await verifyResult(relay, done.result, 'sam');
    assert.equal(payload.mfa_device_type, 'SMS');

    // A voice device in the same session: the activation just now counts as the step-up.
    const voice = await enrollFlow(undefined, { browser });
    await choose(voice.driver, 'VOICE', { phone: landline });
    at(voice.driver.state, 'code');
    await voice.driver.submitCode(await relay.lastCode(landline));
    assert.equal(at(voice.driver.state, 'done').method, 'VOICE');
  });

  it('a wrong code shows attemptsRemaining, then the right code completes', async () => {
    relay.clock.advance(60_000);
    const { driver, recorder } = await signinFlow('sam');
    const code = at(driver.state, 'code');
    assert.equal(code.device.type, 'SMS');
    assert.equal(code.resendAvailableAt, relay.clock.now() + 30_000);
    const right = await relay.lastCode(phone);
    await driver.submitOtp(otherCode(right));
    const wrong = at(driver.state, 'code');
    assert.equal(wrong.error?.code, 'OTP_INVALID');
    assert.equal(typeof wrong.attemptsRemaining, 'number', 'the attempts left are shown');
    assert.equal(wrong.attemptsRemaining, wrong.error.attemptsRemaining);
    assert.equal(wrong.busy, false);
    await driver.submitOtp(right);
    const done = at(driver.state, 'done');
    assert.equal(done.method, 'SMS');
    await verifyResult(relay, done.result, 'sam');
    assert.deepEqual(recorder.steps, ['starting', 'code', 'code', 'code', 'code', 'done']);
  });

  it('resend, then RESEND_TOO_SOON moves resendAvailableAt; call me instead', async () => {
    relay.clock.advance(60_000);
    const { driver } = await signinFlow('sam');
    at(driver.state, 'code');
    const sent = await relay.outboxCount(phone);
    await driver.resend();
    const resent = at(driver.state, 'code');
    assert.equal(resent.error, undefined, JSON.stringify(resent.error));
    assert.equal(resent.resent, true);
    assert.equal(await relay.outboxCount(phone), sent + 1, 'a new code was sent');

    relay.clock.advance(1_000);
    await driver.resend();
    const tooSoon = at(driver.state, 'code');
    assert.equal(tooSoon.error?.code, 'RESEND_TOO_SOON');
    assert.ok(
      (tooSoon.error.retryAfterSeconds ?? 0) > 0,
      `retryAfterSeconds: ${JSON.stringify(tooSoon.error)}`,
    );
    assert.equal(
      tooSoon.resendAvailableAt,
      relay.clock.now() + (tooSoon.error.retryAfterSeconds ?? 0) * 1000,
    );
    assert.equal(tooSoon.resent, false);
    assert.equal(await relay.outboxCount(phone), sent + 1, 'no message for the refused resend');

    await driver.callInstead();
    const voice = at(driver.state, 'code');
    assert.equal(voice.device.type, 'VOICE');
    assert.equal(voice.error, undefined);
    await driver.submitOtp(await relay.lastCode(landline));
    const done = at(driver.state, 'done');
    assert.equal(done.method, 'VOICE');
    const payload = await verifyResult(relay, done.result, 'sam');
    assert.equal(payload.mfa_device_type, 'VOICE');
  });

  it('show the devices, then choose another one', async () => {
    // Its own user: the relay counts a device selection as a send (one per device per 30 s of
    // wall-clock time), and sam's devices were just used.
    const smsPhone = '+14155550303';
    relay.jar.clear();
    await relay.session('sue', 'enroll');
    await relay.enrollTotp();
    const created = await relay.send('POST', '/devices', {
      body: { type: 'SMS', phone: smsPhone },
    });
    assert.equal(created.status, 201, created.text);
    const smsId = (created.body.device as { id: string }).id;
    const activated = await relay.send('POST', `/devices/${smsId}/activation`, {
      body: { otp: await relay.lastCode(smsPhone) },
    });
    assert.equal(activated.status, 200, activated.text);

    relay.clock.advance(60_000);
    const { driver } = await signinFlow('sue');
    const code = at(driver.state, 'code');
    assert.equal(code.device.type, 'TOTP', 'the first device is the default');
    driver.showDevices();
    const chooser = at(driver.state, 'choose');
    assert.equal(chooser.auth.id, code.auth.id);
    assert.equal(chooser.busy, false);
    await driver.chooseDevice(smsId);
    const sms = at(driver.state, 'code');
    assert.equal(sms.device.id, smsId);
    assert.equal(sms.resendAvailableAt, relay.clock.now() + 30_000);
    await driver.submitOtp(await relay.lastCode(smsPhone));
    assert.equal(at(driver.state, 'done').method, 'SMS');
  });
});

describe('drivers: FIDO2', () => {
  const webauthn = new SoftWebAuthn();

  it('enrolls a passkey; a cancelled ceremony can be retried', async () => {
    const { driver, recorder } = await enrollFlow('fiona', { webauthn });
    await choose(driver, 'FIDO2', { nickname: 'Laptop' });
    const fido = at(driver.state, 'fido');
    assert.equal(typeof fido.options.challenge, 'string');
    assert.ok(['passkey', 'securityKey'].includes(fido.kind), fido.kind);

    webauthn.failures.push(ceremonyError('NotAllowedError'));
    await driver.register();
    const cancelled = at(driver.state, 'fido');
    assert.deepEqual(
      [cancelled.ceremony, cancelled.waiting, cancelled.busy],
      ['cancelled', false, false],
    );
    assert.ok(
      recorder.states.some((state) => state.step === 'fido' && state.waiting),
      'the prompt was shown as open',
    );

    await driver.register();
    const done = at(driver.state, 'done');
    assert.equal(done.method, 'FIDO2');
    assert.equal(done.device.status, 'ACTIVE');
    const payload = await verifyResult(relay, done.result, 'fiona');
    assert.equal(payload.mfa_device_type, 'FIDO2');
    assert.equal(webauthn.ceremonies, 2);
  });

  it('signs in through assert(); a cancelled prompt can be retried', async () => {
    relay.clock.advance(60_000);
    const { driver } = await signinFlow('fiona', { webauthn });
    const fido = at(driver.state, 'fido');
    assert.ok(fido.auth.publicKeyOptions, 'request options');
    webauthn.failures.push(ceremonyError('NotAllowedError'));
    await driver.assert();
    const cancelled = at(driver.state, 'fido');
    assert.deepEqual(
      [cancelled.ceremony, cancelled.waiting, cancelled.busy],
      ['cancelled', false, false],
    );
    await driver.assert();
    const done = at(driver.state, 'done');
    assert.equal(done.method, 'FIDO2');
    const payload = await verifyResult(relay, done.result, 'fiona');
    assert.deepEqual(payload.amr, ['hwk', 'pop', 'mfa']);
  });

  it('a refused assertion shows CREDENTIAL_INVALID with the prompt closed; retry works', async () => {
    relay.clock.advance(60_000);
    const { driver, browser } = await signinFlow('fiona', { webauthn });
    at(driver.state, 'fido');
    webauthn.getOverrides = { challenge: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' };
    await driver.assert();
    const refused = at(driver.state, 'fido');
    assert.equal(refused.error?.code, 'CREDENTIAL_INVALID');
    assert.equal(refused.busy, false);
    const waitingAfterRefusal = refused.waiting;

    // The engine spends a challenge on every check and issues a new one for another try: the
    // step must already hold that new one.
    const fresh = await browser.client().getAuthentication(refused.auth.id);
    assert.equal(
      refused.auth.publicKeyOptions?.challenge,
      fresh.publicKeyOptions?.challenge,
      'the step holds the new challenge after the refusal',
    );

    await driver.assert();
    assert.equal(
      driver.state.step,
      'done',
      `the retry must use the new challenge: ${JSON.stringify(driver.state)}`,
    );
    assert.equal(waitingAfterRefusal, false, 'the prompt is shown closed after the relay refused');
  });

  it('a refused registration shows CREDENTIAL_INVALID; retry works', async () => {
    const key = new SoftWebAuthn();
    const { driver } = await enrollFlow('fred', { webauthn: key });
    await choose(driver, 'FIDO2');
    at(driver.state, 'fido');
    key.createOverrides = { challenge: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' };
    await driver.register();
    const refused = at(driver.state, 'fido');
    assert.equal(refused.error?.code, 'CREDENTIAL_INVALID');
    assert.deepEqual([refused.busy, refused.waiting], [false, false]);
    await driver.register();
    assert.equal(driver.state.step, 'done', JSON.stringify(driver.state));
  });

  it('show devices during an open prompt cancels it and goes to the chooser', async () => {
    relay.clock.advance(60_000);
    const { driver } = await signinFlow('fiona', { webauthn });
    at(driver.state, 'fido');
    const cancels = webauthn.cancels;
    webauthn.hangNext = true;
    const pending = driver.assert();
    assert.equal(at(driver.state, 'fido').waiting, true);
    driver.showDevices();
    await pending;
    assert.equal(webauthn.cancels, cancels + 1, 'the prompt was cancelled');
    assert.equal(driver.state.step, 'choose');
  });
});

describe('drivers: a browser without WebAuthn', () => {
  it('a passkey step says the browser cannot; enrollment does not offer passkeys', async () => {
    relay.clock.advance(60_000);
    const none = new SoftWebAuthn();
    none.compat = 'NONE';
    const { driver } = await signinFlow('fiona', { webauthn: none });
    const fido = at(driver.state, 'fido');
    assert.equal(fido.ceremony, 'unsupported', JSON.stringify(fido));
    await driver.assert();
    assert.equal(at(driver.state, 'fido').ceremony, 'unsupported');
    assert.equal(none.ceremonies, 0, 'no ceremony attempted');

    const { driver: enroll } = await enrollFlow('nadia', { webauthn: none });
    const chooser = at(enroll.state, 'choose');
    assert.ok(!chooser.methods.includes('FIDO2'), chooser.methods.join());
    assert.ok(chooser.methods.includes('TOTP'), 'the other methods stay');
  });
});

describe('drivers: OATH token', () => {
  const secret = DEMO_OATH_TOKEN.secret;

  it('enrolls the demo token through a resync, then signs in with it', async () => {
    const { driver } = await enrollFlow('otto');
    await choose(driver, 'OATH_TOKEN', { serialNumber: DEMO_OATH_TOKEN.serialNumber });
    const code = at(driver.state, 'code');
    assert.equal(code.method, 'OATH_TOKEN');
    assert.equal(code.resendAvailableAt, undefined);

    // A token that drifted five steps ahead: the relay asks for the next code.
    await driver.submitCode(totpCode(secret, relay.clock.now(), 5));
    const resync = at(driver.state, 'code');
    assert.equal(resync.error?.code, 'OATH_RESYNC_REQUIRED');
    assert.equal(resync.resync, true);
    await driver.submitCode(totpCode(secret, relay.clock.now(), 6));
    const done = at(driver.state, 'done');
    assert.equal(done.method, 'OATH_TOKEN');
    await verifyResult(relay, done.result, 'otto');

    relay.clock.advance(60_000);
    const signin = await signinFlow('otto');
    assert.equal(at(signin.driver.state, 'code').device.type, 'OATH_TOKEN');
    // The relay learnt the drift: the token still runs six steps ahead.
    await signin.driver.submitOtp(totpCode(secret, relay.clock.now(), 6));
    const signedIn = at(signin.driver.state, 'done');
    assert.equal(signedIn.method, 'OATH_TOKEN');
    await verifyResult(relay, signedIn.result, 'otto');
  });
});

describe('drivers: pending devices and preselection', () => {
  it('back leaves an SMS device pending; resume, resend and activate it', async () => {
    const phone = '+14155550302';
    const { driver } = await enrollFlow('pat');
    await choose(driver, 'SMS', { phone });
    const code = at(driver.state, 'code');
    await driver.back();
    const chooser = at(driver.state, 'choose');
    assert.deepEqual(
      chooser.pending.map((device) => device.id),
      [code.device.id],
      'the device waits for its code',
    );

    driver.resume(code.device.id);
    const resumed = at(driver.state, 'code');
    assert.equal(resumed.device.id, code.device.id);
    const sent = await relay.outboxCount(phone);
    await driver.resendCode();
    const resent = at(driver.state, 'code');
    assert.equal(resent.error, undefined, JSON.stringify(resent.error));
    assert.equal(resent.resent, true);
    assert.equal(resent.resendAvailableAt, relay.clock.now() + 30_000);
    assert.equal(await relay.outboxCount(phone), sent + 1);
    await driver.submitCode(await relay.lastCode(phone));
    assert.equal(at(driver.state, 'done').method, 'SMS');
  });

  it('discards a pending device', async () => {
    const { driver, browser } = await enrollFlow('dora');
    await choose(driver, 'EMAIL', { email: 'dora@example.com' });
    const code = at(driver.state, 'code');
    await driver.back();
    assert.equal(at(driver.state, 'choose').pending.length, 1);
    await driver.discard(code.device.id);
    const chooser = at(driver.state, 'choose');
    assert.deepEqual(chooser.pending, []);
    assert.equal(chooser.busy, false);
    const listed = await browser.client().listDevices();
    assert.equal(
      listed.devices.some((device) => device.id === code.device.id),
      false,
      'the device is gone',
    );
  });

  it('back from the TOTP step does not leave a device that cannot be resumed', async () => {
    const { driver, browser } = await enrollFlow('tom');
    await choose(driver, 'TOTP');
    const totp = at(driver.state, 'totp');
    await driver.back();
    assert.deepEqual(at(driver.state, 'choose').pending, [], 'a TOTP secret is not shown again');
    const listed = await browser.client().listDevices();
    assert.deepEqual(
      listed.devices.filter((device) => device.id === totp.device.id),
      [],
      'the unfinished TOTP device is removed: it is not listed to resume or remove, yet it ' +
        'counts towards the device limit',
    );
  });

  it('at the device limit nothing can be chosen', async () => {
    relay.jar.clear();
    await relay.session('lim', 'enroll');
    for (let index = 0; index < 5; index++) {
      const created = await relay.send('POST', '/devices', {
        body: { type: 'EMAIL', email: `lim${String(index)}@example.com` },
      });
      assert.equal(created.status, 201, created.text);
    }
    const { driver, recorder } = await enrollFlow('lim');
    const chooser = at(driver.state, 'choose');
    assert.equal(chooser.policy.deviceLimit, 5);
    assert.equal(chooser.limitReached, true);
    const reported = recorder.states.length;
    await driver.chooseMethod('TOTP');
    assert.equal(driver.state, chooser, 'unchanged');
    assert.equal(recorder.states.length, reported);
  });

  it('`method` goes straight to that method', async () => {
    const totp = await enrollFlow('mia', { method: 'TOTP' });
    assert.equal(totp.driver.state.step, 'totp');
    const sms = await enrollFlow('max', { method: 'SMS' });
    assert.equal(at(sms.driver.state, 'details').method, 'SMS');
  });

  it('`method` outside the allowed methods stays in the chooser', async () => {
    const { driver } = await enrollFlow('moe', { methods: ['TOTP', 'FIDO2'], method: 'SMS' });
    assert.deepEqual(at(driver.state, 'choose').methods, ['TOTP', 'FIDO2']);
  });

  it('back during an open WebAuthn prompt cancels it and returns to the chooser', async () => {
    const webauthn = new SoftWebAuthn();
    const { driver } = await enrollFlow('bea', { webauthn });
    await choose(driver, 'FIDO2');
    at(driver.state, 'fido');
    webauthn.hangNext = true;
    const pending = driver.register();
    assert.equal(at(driver.state, 'fido').waiting, true);
    await driver.back();
    await pending;
    assert.equal(webauthn.cancels, 1, 'the prompt was cancelled');
    assert.equal(driver.state.step, 'choose', JSON.stringify(driver.state));
  });
});

describe('drivers: dispose', () => {
  it('aborts the request in flight; no state is reported afterwards', async () => {
    const { driver: enroll } = await enrollFlow('dan');
    await choose(enroll, 'TOTP');
    const secret = at(enroll.state, 'totp').secret;
    await enroll.submitCode(totpCode(secret, relay.clock.now()));
    at(enroll.state, 'done');

    relay.clock.advance(30_000);
    const webauthn = new SoftWebAuthn();
    const { driver, recorder, browser } = await signinFlow('dan', { webauthn });
    const before = at(driver.state, 'code');
    const hold = browser.holdNext();
    const pending = driver.submitOtp(totpCode(secret, relay.clock.now()));
    await hold.reached;
    assert.equal(at(driver.state, 'code').busy, true);
    const reported = recorder.states.length;
    driver.dispose();
    await pending;
    hold.release();

    const last = browser.sent.at(-1);
    assert.equal(last?.path, '/mfa/v1/authentications/' + before.auth.id + '/otp');
    assert.equal(last.aborted, true, 'the request was aborted');
    assert.equal(last.status, undefined, 'it never reached the relay');
    assert.equal(recorder.states.length, reported, 'no onChange after dispose');
    assert.equal(webauthn.cancels, 1, 'an open prompt would be closed too');

    const count = browser.sent.length;
    await driver.submitOtp('123456');
    await driver.start();
    assert.equal(browser.sent.length, count, 'a disposed driver sends nothing');
    assert.equal(recorder.states.length, reported);
  });
});

// Last in the file: it changes the shared relay's policy.
describe('drivers: a policy that asks for a nickname', () => {
  it('the details step asks for one, and the new device carries it', async () => {
    await relay.editPolicy((policy) => {
      (policy.totp as { promptForNicknameOnPairing: boolean }).promptForNicknameOnPairing = true;
    });
    const { driver } = await enrollFlow('nico');
    await driver.chooseMethod('TOTP');
    const details = at(driver.state, 'details');
    assert.equal(details.askNickname, true, 'the nickname is asked for');
    await driver.submitDetails({ nickname: '  Work phone  ' });
    const totp = at(driver.state, 'totp');
    assert.equal(totp.device.nickname, 'Work phone', 'trimmed and sent with the device');
    await driver.submitCode(totpCode(totp.secret, relay.clock.now()));
    assert.equal(at(driver.state, 'done').device.nickname, 'Work phone');

    const { driver: sms } = await enrollFlow('nico-sms');
    await sms.chooseMethod('SMS');
    assert.equal(at(sms.state, 'details').askNickname, false, 'only where the policy asks');
  });
});
