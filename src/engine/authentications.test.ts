/**
 * Device authentications (`/{envID}/deviceAuthentications`): initialize, select, OTP and FIDO2
 * checks, one-time devices, usernameless sign-in, remembered browsers, cancel, read and expiry,
 * plus the lockout and concurrency guarantees of security-bar.md §1.4 and §4.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import { HOTP, Secret } from 'otpauth';
import {
  Harness,
  MEDIA,
  assertError,
  type Reply,
  type RequestInit,
} from '../../test/helpers/engine-harness.ts';
import {
  assertionToPing,
  pingCreationToJson,
  pingRequestToJson,
  registrationToPing,
} from '../pingone/fido2.ts';
import { SoftAuthenticator, type GetOverrides } from '../../test/helpers/soft-authenticator.ts';

const ORIGIN = 'http://localhost:5173';
const MINUTE = 60_000;

/** What PingOne's request options hold before decoding (signed-byte challenge). */
interface PingRequestOptions {
  challenge: number[];
  rpId?: string;
}

// ---------------------------------------------------------------------------------------------
// Shapes read from responses and rows

interface EmbeddedDevice {
  id: string;
  type: string;
  status: string;
  phone?: string;
  email?: string;
  lock?: { status: string; expiresAt: string };
}

interface AuthView {
  _links: Record<string, { href: string }>;
  _embedded?: { devices: EmbeddedDevice[] };
  id: string;
  status: string;
  user?: { id: string };
  policy: { id: string };
  selectedDevice?: { id?: string; oneTime?: { type: string; phone?: string; email?: string } };
  publicKeyCredentialRequestOptions?: string;
  error?: { code: string; message: string };
  createdAt: string;
  updatedAt: string;
  expiresAt: string;
}

interface ErrorDetailView {
  code: string;
  target?: string;
  innerError?: { attemptsRemaining?: number; lockExpiresAt?: string };
}

interface DeviceRowView {
  id: string;
  failures: number;
  total_failures: number;
  locked_until: number | null;
  sign_count: number | null;
  last_step: number | null;
}

interface UserRowView {
  id: string;
  failures: number;
  locked_until: number | null;
}

const view = (reply: Reply): AuthView => reply.body as unknown as AuthView;
const detailOf = (reply: Reply): ErrorDetailView | undefined =>
  (reply.body.details as ErrorDetailView[] | undefined)?.[0];

// ---------------------------------------------------------------------------------------------
// Per-test harness and helpers

let h: Harness;
/** Full phone numbers and email addresses that must never appear in a device-authentication response. */
let contacts: string[];
let phoneCounter: number;

beforeEach(async () => {
  h = await Harness.start();
  contacts = [];
  phoneCounter = 0;
});

afterEach(() => {
  h.close();
});

/** A fresh US test number (+1 413 555 01xx); its full form is recorded as something never to leak. */
function newPhone(): string {
  phoneCounter += 1;
  const phone = `+1413555${String(1000 + phoneCounter).padStart(4, '0')}`;
  contacts.push(phone, phone.slice(1), phone.slice(2));
  return phone;
}

function newEmail(): string {
  const email = `person.${Math.random().toString(36).slice(2, 10)}@example.org`;
  contacts.push(email);
  return email;
}

/** Every device-authentication response is checked for leaked contact details. */
function noContacts(reply: Reply): Reply {
  for (const secret of contacts) {
    assert.ok(!reply.text.includes(secret), `response leaks ${secret}: ${reply.text}`);
  }
  return reply;
}

async function initAuth(body: unknown, init: RequestInit = {}): Promise<Reply> {
  return noContacts(await h.post(h.auth('/deviceAuthentications'), { body, ...init }));
}

async function act(id: string, type: string, body: unknown): Promise<Reply> {
  return noContacts(await h.post(h.auth(`/deviceAuthentications/${id}`), { type, body }));
}

async function readAuth(id: string): Promise<Reply> {
  return noContacts(await h.get(h.auth(`/deviceAuthentications/${id}`)));
}

const checkOtp = (id: string, otp: unknown) => act(id, MEDIA.otpCheck, { otp });
const selectDevice = (id: string, deviceId: string, extra: Record<string, unknown> = {}) =>
  act(id, MEDIA.select, { device: { id: deviceId }, ...extra });

async function startAuth(body: unknown, status: string): Promise<AuthView> {
  const reply = await initAuth(body);
  assert.equal(reply.status, 201, reply.text);
  assert.equal(view(reply).status, status, reply.text);
  return view(reply);
}

function expectStatus(reply: Reply, httpStatus: number, status: string): AuthView {
  assert.equal(reply.status, httpStatus, reply.text);
  assert.equal(view(reply).status, status, reply.text);
  return view(reply);
}

/** Moves the clock by whole days; the worker token (1 hour) is fetched again. */
async function advanceDays(days: number): Promise<void> {
  h.clock.advance(days * 24 * 60 * MINUTE + 1);
  h.token = await h.fetchToken();
}

async function newUser(): Promise<string> {
  return h.createUser();
}

async function addDevice(userId: string, body: Record<string, unknown>): Promise<Reply> {
  return h.post(h.api(`/users/${userId}/devices`), { body });
}

async function addSms(userId: string, phone = newPhone()): Promise<{ id: string; phone: string }> {
  const reply = await addDevice(userId, { type: 'SMS', phone });
  assert.equal(reply.status, 201, reply.text);
  assert.equal(reply.body.status, 'ACTIVE');
  return { id: reply.body.id as string, phone };
}

async function addEmail(
  userId: string,
  email = newEmail(),
): Promise<{ id: string; email: string }> {
  const reply = await addDevice(userId, { type: 'EMAIL', email });
  assert.equal(reply.status, 201, reply.text);
  return { id: reply.body.id as string, email };
}

const secretOf = (base32: string) => Secret.fromBase32(base32);
const timeStep = (ms: number) => Math.floor(ms / 1000 / 30);
const totpAtStep = (secret: string, step: number) =>
  HOTP.generate({ secret: secretOf(secret), counter: step });
const totpNow = (secret: string) => totpAtStep(secret, timeStep(h.clock.ms));

/** A TOTP device, activated with the code of the current step. */
async function addTotp(
  userId: string,
): Promise<{ id: string; secret: string; activationStep: number }> {
  const created = await addDevice(userId, { type: 'TOTP' });
  assert.equal(created.status, 201, created.text);
  const id = created.body.id as string;
  const secret = created.body.secret as string;
  assert.match(secret, /^[A-Z2-7]{32}$/);
  const activationStep = timeStep(h.clock.ms);
  const activated = await h.post(h.api(`/users/${userId}/devices/${id}`), {
    type: MEDIA.activate,
    body: { otp: totpAtStep(secret, activationStep) },
  });
  assert.equal(activated.status, 200, activated.text);
  assert.equal(activated.body.status, 'ACTIVE');
  return { id, secret, activationStep };
}

/** A FIDO2 device registered with `authenticator` at the allowed origin and activated. */
async function addFido2(
  userId: string,
  authenticator = new SoftAuthenticator(),
): Promise<{ id: string; credentialId: string; authenticator: SoftAuthenticator }> {
  const created = await addDevice(userId, { type: 'FIDO2' });
  assert.equal(created.status, 201, created.text);
  const id = created.body.id as string;
  const options = pingCreationToJson(created.body.publicKeyCredentialCreationOptions as string);
  const registration = authenticator.create(options, ORIGIN);
  const activated = await h.post(h.api(`/users/${userId}/devices/${id}`), {
    type: MEDIA.activate,
    body: { origin: ORIGIN, attestation: registrationToPing(registration) },
  });
  assert.equal(activated.status, 200, activated.text);
  assert.equal(activated.body.status, 'ACTIVE');
  return { id, credentialId: registration.id, authenticator };
}

function deviceRow(id: string): DeviceRowView {
  const row = (h.snapshot('devices') as DeviceRowView[]).find((device) => device.id === id);
  assert.ok(row, `no device ${id}`);
  return row;
}

function userRow(id: string): UserRowView {
  const row = (h.snapshot('users') as UserRowView[]).find((user) => user.id === id);
  assert.ok(row, `no user ${id}`);
  return row;
}

/** Takes the snapshots that a rejected request must leave as they were. */
function snapshots(): {
  device_authentications: unknown[];
  devices: unknown[];
  outbox: unknown[];
  users: unknown[];
} {
  return {
    device_authentications: h.snapshot('device_authentications'),
    devices: h.snapshot('devices'),
    outbox: h.snapshot('outbox'),
    users: h.snapshot('users'),
  };
}

async function unchanged(fn: () => Promise<void>): Promise<void> {
  const before = snapshots();
  await fn();
  assert.deepEqual(snapshots(), before);
}

function outboxCount(recipient: string): number {
  return (h.snapshot('outbox') as { recipient: string }[]).filter(
    (row) => row.recipient === recipient,
  ).length;
}

/** A code of the same length guaranteed to differ from `code`. */
function wrongCode(code: string): string {
  return String((Number(code) + 1) % 10 ** code.length).padStart(code.length, '0');
}

async function defaultPolicy(): Promise<Record<string, unknown>> {
  const list = await h.get(h.api('/deviceAuthenticationPolicies'));
  assert.equal(list.status, 200, list.text);
  const policies = (
    list.body._embedded as { deviceAuthenticationPolicies: Record<string, unknown>[] }
  ).deviceAuthenticationPolicies;
  const found = policies.find((policy) => policy.default === true);
  assert.ok(found, 'no default MFA policy');
  return found;
}

async function createPolicy(deviceSelection: string): Promise<string> {
  const base = await defaultPolicy();
  const reply = await h.post(h.api('/deviceAuthenticationPolicies'), {
    body: {
      ...base,
      name: `Policy ${deviceSelection} ${Math.random().toString(36).slice(2, 8)}`,
      default: false,
      authentication: { deviceSelection },
    },
  });
  assert.equal(reply.status, 201, reply.text);
  return reply.body.id as string;
}

async function removeOrder(userId: string): Promise<void> {
  const reply = await h.delete(h.api(`/users/${userId}/devices`), { type: MEDIA.orderRemove });
  assert.equal(reply.status, 204, reply.text);
}

/** The request options of an ASSERTION_REQUIRED authentication, decoded. */
function requestOptions(auth: AuthView): PublicKeyCredentialRequestOptionsJSON {
  assert.equal(typeof auth.publicKeyCredentialRequestOptions, 'string');
  return pingRequestToJson(auth.publicKeyCredentialRequestOptions ?? '');
}

function assertionFor(
  authenticator: SoftAuthenticator,
  auth: AuthView,
  overrides: GetOverrides = {},
): string {
  return assertionToPing(authenticator.get(requestOptions(auth), ORIGIN, overrides));
}

const checkAssertion = (id: string, assertion: string, origin = ORIGIN) =>
  act(id, MEDIA.assertionCheck, { origin, assertion });

// ---------------------------------------------------------------------------------------------
// Initialize

describe('initialize', () => {
  it('DEFAULT_TO_FIRST selects the first device in order and sends its code at once', async () => {
    const userId = await newUser();
    const sms = await addSms(userId);
    const email = await addEmail(userId);
    const smsBefore = outboxCount(sms.phone);

    const auth = await startAuth({ user: { id: userId } }, 'OTP_REQUIRED');
    assert.equal(auth.selectedDevice?.id, sms.id);
    assert.equal(auth.user?.id, userId);
    assert.equal(outboxCount(sms.phone), smsBefore + 1);
    assert.equal(outboxCount(email.email), 0);
    assert.ok(auth._links['otp.check'], 'otp.check link');
    assert.ok(auth._links['device.select'], 'device.select link');
    assert.equal(auth._links['assertion.check'], undefined);

    const completed = expectStatus(
      await checkOtp(auth.id, await h.lastCode(sms.phone)),
      200,
      'COMPLETED',
    );
    assert.equal(completed.id, auth.id);
  });

  it('DEFAULT_TO_FIRST follows the device order and sends email codes too', async () => {
    const userId = await newUser();
    const sms = await addSms(userId);
    const email = await addEmail(userId);
    const reorder = await h.post(h.api(`/users/${userId}/devices`), {
      type: MEDIA.reorder,
      body: { order: [{ id: email.id }, { id: sms.id }] },
    });
    assert.equal(reorder.status, 200, reorder.text);
    const smsBefore = outboxCount(sms.phone);

    const auth = await startAuth({ user: { id: userId } }, 'OTP_REQUIRED');
    assert.equal(auth.selectedDevice?.id, email.id);
    assert.equal(outboxCount(email.email), 1);
    assert.equal(outboxCount(sms.phone), smsBefore);
    expectStatus(await checkOtp(auth.id, await h.lastCode(email.email)), 200, 'COMPLETED');
  });

  it('DEFAULT_TO_FIRST without a device order asks the user to choose and sends nothing', async () => {
    const userId = await newUser();
    const sms = await addSms(userId);
    await removeOrder(userId);
    const before = outboxCount(sms.phone);

    const auth = await startAuth({ user: { id: userId } }, 'DEVICE_SELECTION_REQUIRED');
    assert.equal(auth.selectedDevice, undefined);
    assert.equal(outboxCount(sms.phone), before);
    assert.deepEqual(
      auth._embedded?.devices.map((device) => device.id),
      [sms.id],
    );
    assert.equal(auth._links['otp.check'], undefined);
    assert.ok(auth._links['device.select'], 'device.select link');
  });

  it('PROMPT_TO_SELECT picks the only device, but not one of two', async () => {
    const policyId = await createPolicy('PROMPT_TO_SELECT');
    const userId = await newUser();
    const sms = await addSms(userId);

    const one = await startAuth({ user: { id: userId }, policy: { id: policyId } }, 'OTP_REQUIRED');
    assert.equal(one.selectedDevice?.id, sms.id);
    assert.equal(one.policy.id, policyId);

    await addEmail(userId);
    const before = snapshots().outbox.length;
    const two = await startAuth(
      { user: { id: userId }, policy: { id: policyId } },
      'DEVICE_SELECTION_REQUIRED',
    );
    assert.equal(two.selectedDevice, undefined);
    assert.equal(two._embedded?.devices.length, 2);
    assert.equal(snapshots().outbox.length, before);
  });

  it('ALWAYS_DISPLAY_DEVICES asks even with a single device', async () => {
    const policyId = await createPolicy('ALWAYS_DISPLAY_DEVICES');
    const userId = await newUser();
    const sms = await addSms(userId);
    const before = outboxCount(sms.phone);

    const auth = await startAuth(
      { user: { id: userId }, policy: { id: policyId } },
      'DEVICE_SELECTION_REQUIRED',
    );
    assert.equal(auth.selectedDevice, undefined);
    assert.equal(outboxCount(sms.phone), before);
    assert.deepEqual(
      auth._embedded?.devices.map((device) => device.id),
      [sms.id],
    );
  });

  it('lists only usable devices, with phone and email masked', async () => {
    const userId = await newUser();
    const sms = await addSms(userId);
    const email = await addEmail(userId);
    const voicePhone = newPhone();
    const voice = await addDevice(userId, { type: 'VOICE', phone: voicePhone });
    assert.equal(voice.status, 201, voice.text);
    const pending = await addDevice(userId, {
      type: 'SMS',
      phone: newPhone(),
      status: 'ACTIVATION_REQUIRED',
    });
    assert.equal(pending.status, 201, pending.text);
    const blockedPhone = newPhone();
    const blocked = await addDevice(userId, { type: 'SMS', phone: blockedPhone });
    assert.equal(blocked.status, 201, blocked.text);
    const block = await h.post(h.api(`/users/${userId}/devices/${blocked.body.id as string}`), {
      type: MEDIA.block,
    });
    assert.equal(block.status, 200, block.text);

    const auth = await startAuth({ user: { id: userId } }, 'OTP_REQUIRED');
    const devices = auth._embedded?.devices ?? [];
    assert.deepEqual(
      devices.map((device) => device.id),
      [sms.id, email.id, voice.body.id],
    );
    const [smsView, emailView, voiceView] = devices;
    assert.equal(smsView?.phone, `+1******${sms.phone.slice(-4)}`);
    assert.equal(voiceView?.phone, `+1******${voicePhone.slice(-4)}`);
    assert.equal(emailView?.email, `${email.email[0] ?? ''}****@example.org`);
    for (const device of devices) assert.equal(device.status, 'ACTIVE');

    // Full contact details appear in no later response either (noContacts checks every one).
    expectStatus(await readAuth(auth.id), 200, 'OTP_REQUIRED');
    expectStatus(await selectDevice(auth.id, email.id), 200, 'OTP_REQUIRED');
  });

  it('a user without devices gets FAILED with NO_USABLE_DEVICES', async () => {
    const userId = await newUser();
    const before = snapshots().outbox.length;
    const auth = await startAuth({ user: { id: userId } }, 'FAILED');
    assert.equal(auth.error?.code, 'NO_USABLE_DEVICES');
    assert.equal(typeof auth.error.message, 'string');
    assert.equal(snapshots().outbox.length, before);
    assertError(await checkOtp(auth.id, '123456'), 400, 'INVALID_REQUEST', 'INVALID_STATE');
  });

  it('a user whose only device awaits activation has no usable device', async () => {
    const userId = await newUser();
    await addDevice(userId, { type: 'SMS', phone: newPhone(), status: 'ACTIVATION_REQUIRED' });
    const auth = await startAuth({ user: { id: userId } }, 'FAILED');
    assert.equal(auth.error?.code, 'NO_USABLE_DEVICES');
  });

  it('rejects an unknown user, a missing user and rp, and an unknown policy without side effects', async () => {
    const userId = await newUser();
    await addSms(userId);
    await unchanged(async () => {
      const unknownUser = await initAuth({ user: { id: '00000000-0000-4000-8000-000000000000' } });
      assertError(unknownUser, 400, 'INVALID_DATA', 'INVALID_VALUE');
      assert.equal(detailOf(unknownUser)?.target, 'user.id');

      const missing = await initAuth({});
      assertError(missing, 400, 'INVALID_DATA', 'REQUIRED_VALUE');

      const unknownPolicy = await initAuth({
        user: { id: userId },
        policy: { id: 'no-such-policy' },
      });
      assertError(unknownPolicy, 400, 'INVALID_DATA', 'INVALID_VALUE');
      assert.equal(detailOf(unknownPolicy)?.target, 'policy.id');

      assertError(
        await initAuth({ user: { id: userId }, extra: true }),
        400,
        'INVALID_DATA',
        'INVALID_VALUE',
      );
      assertError(await initAuth({ user: { id: 42 } }), 400, 'INVALID_DATA', 'INVALID_VALUE');
      assertError(
        await initAuth({ user: { id: userId }, selectedDevice: { id: 'not-a-device' } }),
        400,
        'INVALID_DATA',
        'INVALID_VALUE',
      );
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Select

describe('select', () => {
  it('sends a code for SMS; selecting again re-sends and the old code dies', async () => {
    const userId = await newUser();
    const sms = await addSms(userId);
    await removeOrder(userId);
    const auth = await startAuth({ user: { id: userId } }, 'DEVICE_SELECTION_REQUIRED');
    const before = outboxCount(sms.phone);

    const selected = expectStatus(await selectDevice(auth.id, sms.id), 200, 'OTP_REQUIRED');
    assert.equal(selected.selectedDevice?.id, sms.id);
    assert.equal(outboxCount(sms.phone), before + 1);
    const first = await h.lastCode(sms.phone);

    let second = first;
    // A resend draws a new random code; redraw in the (1 in 10^6) case it repeats.
    while (second === first) {
      expectStatus(await selectDevice(auth.id, sms.id), 200, 'OTP_REQUIRED');
      second = await h.lastCode(sms.phone);
    }
    assert.ok(outboxCount(sms.phone) >= before + 2, 'one message per selection');

    const stale = await checkOtp(auth.id, first);
    assertError(stale, 400, 'INVALID_DATA', 'INVALID_OTP');
    expectStatus(await checkOtp(auth.id, second), 200, 'COMPLETED');
  });

  it("refuses another user's device and sends nothing", async () => {
    const userA = await newUser();
    await addSms(userA);
    await removeOrder(userA);
    const userB = await newUser();
    const smsB = await addSms(userB);
    const auth = await startAuth({ user: { id: userA } }, 'DEVICE_SELECTION_REQUIRED');

    await unchanged(async () => {
      const reply = await selectDevice(auth.id, smsB.id);
      assertError(reply, 400, 'INVALID_DATA', 'INVALID_VALUE');
      assert.equal(detailOf(reply)?.target, 'device.id');
      assertError(
        await selectDevice(auth.id, 'no-such-device'),
        400,
        'INVALID_DATA',
        'INVALID_VALUE',
      );
      assertError(
        await act(auth.id, MEDIA.select, { device: {} }),
        400,
        'INVALID_DATA',
        'REQUIRED_VALUE',
      );
    });
    expectStatus(await readAuth(auth.id), 200, 'DEVICE_SELECTION_REQUIRED');
  });

  it('selecting a FIDO2 device asks for an assertion with request options for its credential', async () => {
    const userId = await newUser();
    await addSms(userId);
    const fido = await addFido2(userId);
    await removeOrder(userId);
    const auth = await startAuth({ user: { id: userId } }, 'DEVICE_SELECTION_REQUIRED');

    const selected = expectStatus(await selectDevice(auth.id, fido.id), 200, 'ASSERTION_REQUIRED');
    assert.equal(selected.selectedDevice?.id, fido.id);
    assert.ok(selected._links['assertion.check'], 'assertion.check link');
    assert.equal(selected._links['otp.check'], undefined);
    const raw = JSON.parse(selected.publicKeyCredentialRequestOptions ?? '') as PingRequestOptions;
    assert.ok(Array.isArray(raw.challenge), 'challenge is an array');
    assert.ok(raw.challenge.length >= 16, 'challenge has at least 16 bytes');
    assert.ok(
      raw.challenge.every((byte) => Number.isInteger(byte) && byte >= -128 && byte <= 127),
      'signed bytes',
    );
    assert.ok(
      raw.challenge.some((byte) => byte < 0),
      'challenge bytes are signed',
    );
    assert.equal(raw.rpId, 'localhost');
    const options = requestOptions(selected);
    assert.deepEqual(
      options.allowCredentials?.map((descriptor) => descriptor.id),
      [fido.credentialId],
    );

    expectStatus(
      await checkAssertion(auth.id, assertionFor(fido.authenticator, selected)),
      200,
      'COMPLETED',
    );
  });

  it('compatibility NONE cannot select a FIDO2 device', async () => {
    const userId = await newUser();
    await addSms(userId);
    const fido = await addFido2(userId);
    await removeOrder(userId);
    const auth = await startAuth({ user: { id: userId } }, 'DEVICE_SELECTION_REQUIRED');

    await unchanged(async () => {
      const reply = await selectDevice(auth.id, fido.id, { compatibility: 'NONE' });
      assertError(reply, 400, 'INVALID_DATA', 'INVALID_VALUE');
      assert.equal(detailOf(reply)?.target, 'compatibility');
      assertError(
        await selectDevice(auth.id, fido.id, { compatibility: 'SOMETIMES' }),
        400,
        'INVALID_DATA',
        'INVALID_VALUE',
      );
    });
    expectStatus(
      await selectDevice(auth.id, fido.id, { compatibility: 'FULL' }),
      200,
      'ASSERTION_REQUIRED',
    );
  });
});

// ---------------------------------------------------------------------------------------------
// OTP check

describe('OTP check', () => {
  it('completes with the right SMS code, once', async () => {
    const userId = await newUser();
    const sms = await addSms(userId);
    const auth = await startAuth({ user: { id: userId } }, 'OTP_REQUIRED');
    const code = await h.lastCode(sms.phone);
    assert.match(code, /^[0-9]{6}$/);
    const done = expectStatus(await checkOtp(auth.id, code), 200, 'COMPLETED');
    assert.equal(done._links['otp.check'], undefined);
    assert.equal(done._links['device.select'], undefined);
    assertError(await checkOtp(auth.id, code), 400, 'INVALID_REQUEST', 'INVALID_STATE');
    assert.ok(
      h.events.some(
        (event) => event.event === 'authentication.completed' && event.authenticationId === auth.id,
      ),
      'completion is logged',
    );
    assert.ok(!JSON.stringify(h.events).includes(code), 'events never carry a code');
  });

  it('completes with a TOTP code computed from the secret returned at creation', async () => {
    const userId = await newUser();
    const totp = await addTotp(userId);
    h.clock.advance(30_000);
    const auth = await startAuth({ user: { id: userId } }, 'OTP_REQUIRED');
    assert.equal(auth.selectedDevice?.id, totp.id);
    expectStatus(await checkOtp(auth.id, totpNow(totp.secret)), 200, 'COMPLETED');
    assert.equal(deviceRow(totp.id).last_step, timeStep(h.clock.ms));
  });

  it('counts wrong codes down, locks the device at the fifth, then works after the cool-down', async () => {
    const userId = await newUser();
    const sms = await addSms(userId);
    const auth = await startAuth({ user: { id: userId } }, 'OTP_REQUIRED');
    const code = await h.lastCode(sms.phone);
    const wrong = wrongCode(code);

    for (const remaining of [4, 3, 2, 1]) {
      const reply = await checkOtp(auth.id, wrong);
      assertError(reply, 400, 'INVALID_DATA', 'INVALID_OTP');
      assert.equal(detailOf(reply)?.innerError?.attemptsRemaining, remaining);
      assert.equal(deviceRow(sms.id).failures, 5 - remaining);
    }
    const fifth = await checkOtp(auth.id, wrong);
    assertError(fifth, 400, 'INVALID_DATA', 'INVALID_OTP');
    assert.equal(detailOf(fifth)?.innerError?.attemptsRemaining, 0);
    const lockedUntil = deviceRow(sms.id).locked_until;
    assert.equal(lockedUntil, h.clock.ms + 5 * MINUTE);
    assert.equal(detailOf(fifth)?.innerError?.lockExpiresAt, new Date(lockedUntil).toISOString());
    assert.equal(h.events.filter((event) => event.event === 'device.locked').length, 1);

    // Locked: even the right code is refused, with Retry-After, and nothing is counted.
    h.clock.advance(MINUTE);
    await unchanged(async () => {
      const locked = await checkOtp(auth.id, code);
      assertError(locked, 429, 'REQUEST_LIMITED', 'DEVICE_LOCKED');
      assert.equal(locked.headers.get('retry-after'), String(4 * 60));
    });
    // A new authentication cannot pick the locked device on its own, nor select it.
    const whileLocked = await startAuth({ user: { id: userId } }, 'DEVICE_SELECTION_REQUIRED');
    assert.equal(whileLocked._embedded?.devices[0]?.lock?.status, 'LOCKED');
    assertError(
      await selectDevice(whileLocked.id, sms.id),
      429,
      'REQUEST_LIMITED',
      'DEVICE_LOCKED',
    );

    // After the cool-down a new authentication works and the counters are reset.
    h.clock.advance(4 * MINUTE);
    const again = await startAuth({ user: { id: userId } }, 'OTP_REQUIRED');
    assert.equal(again.selectedDevice?.id, sms.id);
    expectStatus(await checkOtp(again.id, await h.lastCode(sms.phone)), 200, 'COMPLETED');
    const row = deviceRow(sms.id);
    assert.equal(row.failures, 0);
    assert.equal(row.total_failures, 0);
    assert.equal(row.locked_until, null);
    assert.equal(userRow(userId).failures, 0);
  });

  it('a success clears the failure count', async () => {
    const userId = await newUser();
    const sms = await addSms(userId);
    const first = await startAuth({ user: { id: userId } }, 'OTP_REQUIRED');
    const code = await h.lastCode(sms.phone);
    for (let i = 0; i < 3; i++)
      assertError(await checkOtp(first.id, wrongCode(code)), 400, 'INVALID_DATA', 'INVALID_OTP');
    assert.equal(deviceRow(sms.id).failures, 3);
    assert.equal(userRow(userId).failures, 3);
    expectStatus(await checkOtp(first.id, code), 200, 'COMPLETED');
    assert.equal(deviceRow(sms.id).failures, 0);
    assert.equal(userRow(userId).failures, 0);

    const second = await startAuth({ user: { id: userId } }, 'OTP_REQUIRED');
    const next = await h.lastCode(sms.phone);
    const reply = await checkOtp(second.id, wrongCode(next));
    assert.equal(detailOf(reply)?.innerError?.attemptsRemaining, 4);
  });

  it('rejects a replayed TOTP code and an older step after a newer one succeeded', async () => {
    const userId = await newUser();
    const totp = await addTotp(userId);
    h.clock.advance(60_000);
    const step = timeStep(h.clock.ms);
    assert.equal(step, totp.activationStep + 2);

    const first = await startAuth({ user: { id: userId } }, 'OTP_REQUIRED');
    const code = totpAtStep(totp.secret, step);
    expectStatus(await checkOtp(first.id, code), 200, 'COMPLETED');

    const second = await startAuth({ user: { id: userId } }, 'OTP_REQUIRED');
    const replay = await checkOtp(second.id, code);
    assertError(replay, 400, 'INVALID_DATA', 'OTP_REPLAYED');
    assert.ok(
      h.events.some((event) => event.event === 'authentication.otp_replayed'),
      'replay is logged',
    );

    // Step − 1 is inside the ±1 window and was never used, but a newer step already succeeded.
    const older = totpAtStep(totp.secret, step - 1);
    assert.notEqual(older, code);
    const rejected = await checkOtp(second.id, older);
    assertError(rejected, 400, 'INVALID_DATA', 'OTP_REPLAYED');
    assert.notEqual(view(await readAuth(second.id)).status, 'COMPLETED');

    // The next step is accepted.
    h.clock.advance(30_000);
    expectStatus(await checkOtp(second.id, totpNow(totp.secret)), 200, 'COMPLETED');
  });

  it('rejects a TOTP code two steps away', async () => {
    const userId = await newUser();
    const totp = await addTotp(userId);
    const auth = await startAuth({ user: { id: userId } }, 'OTP_REQUIRED');
    const far = totpAtStep(totp.secret, timeStep(h.clock.ms) + 2);
    const reply = await checkOtp(auth.id, far);
    assertError(reply, 400, 'INVALID_DATA', 'INVALID_OTP');
    assert.equal(deviceRow(totp.id).failures, 1);
  });

  it('an SMS code expires after 5 minutes', async () => {
    const userId = await newUser();
    const sms = await addSms(userId);
    const auth = await startAuth({ user: { id: userId } }, 'OTP_REQUIRED');
    const code = await h.lastCode(sms.phone);
    h.clock.advance(5 * MINUTE + 1000);
    await unchanged(async () => {
      assertError(await checkOtp(auth.id, code), 400, 'INVALID_DATA', 'OTP_EXPIRED');
    });
    // A resend gives a working code.
    expectStatus(await selectDevice(auth.id, sms.id), 200, 'OTP_REQUIRED');
    expectStatus(await checkOtp(auth.id, await h.lastCode(sms.phone)), 200, 'COMPLETED');
  });

  it('a code from one authentication does not work in another', async () => {
    const userId = await newUser();
    const sms = await addSms(userId);
    const a = await startAuth({ user: { id: userId } }, 'OTP_REQUIRED');
    const codeA = await h.lastCode(sms.phone);
    const b = await startAuth({ user: { id: userId } }, 'OTP_REQUIRED');
    let codeB = await h.lastCode(sms.phone);
    while (codeB === codeA) {
      expectStatus(await selectDevice(b.id, sms.id), 200, 'OTP_REQUIRED');
      codeB = await h.lastCode(sms.phone);
    }
    assertError(await checkOtp(b.id, codeA), 400, 'INVALID_DATA', 'INVALID_OTP');
    expectStatus(await readAuth(b.id), 200, 'OTP_REQUIRED');
    // Each code still works in its own authentication.
    expectStatus(await checkOtp(a.id, codeA), 200, 'COMPLETED');
    expectStatus(await checkOtp(b.id, codeB), 200, 'COMPLETED');
  });

  it('malformed codes are refused without counting a failure', async () => {
    const userId = await newUser();
    const sms = await addSms(userId);
    const auth = await startAuth({ user: { id: userId } }, 'OTP_REQUIRED');
    const code = await h.lastCode(sms.phone);
    const malformed: unknown[] = [
      '12345',
      '12345678901',
      '١٢٣٤٥٦',
      `${code} `,
      ` ${code}`,
      `${code.slice(0, 3)} ${code.slice(3)}`,
      '123\n456',
      Number(code),
      123456,
      null,
      [code],
      { value: code },
      true,
      '',
      '1'.repeat(10 * 1024),
    ];
    await unchanged(async () => {
      for (const otp of malformed) {
        const reply = await checkOtp(auth.id, otp);
        assertError(reply, 400, 'INVALID_DATA');
        assert.equal(detailOf(reply)?.target, 'otp', reply.text);
      }
      assertError(await act(auth.id, MEDIA.otpCheck, {}), 400, 'INVALID_DATA', 'REQUIRED_VALUE');
      assertError(await act(auth.id, MEDIA.otpCheck, { otp: code, extra: 1 }), 400, 'INVALID_DATA');
    });
    assert.equal(deviceRow(sms.id).failures, 0);
    expectStatus(await checkOtp(auth.id, code), 200, 'COMPLETED');
  });

  it('failures spread over two devices lock the account (mfaSettings lockout)', async () => {
    const settings = await h.get(h.api('/mfaSettings'));
    assert.equal(settings.status, 200, settings.text);
    const put = await h.put(h.api('/mfaSettings'), {
      body: { pairing: settings.body.pairing, lockout: { failureCount: 3, durationSeconds: 600 } },
    });
    assert.equal(put.status, 200, put.text);

    const userId = await newUser();
    const sms = await addSms(userId);
    const email = await addEmail(userId);
    const auth = await startAuth({ user: { id: userId } }, 'OTP_REQUIRED');
    const smsCode = await h.lastCode(sms.phone);
    for (const remaining of [4, 3]) {
      const reply = await checkOtp(auth.id, wrongCode(smsCode));
      assert.equal(detailOf(reply)?.innerError?.attemptsRemaining, remaining);
    }
    expectStatus(await selectDevice(auth.id, email.id), 200, 'OTP_REQUIRED');
    const emailCode = await h.lastCode(email.email);
    const third = await checkOtp(auth.id, wrongCode(emailCode));
    assertError(third, 400, 'INVALID_DATA', 'INVALID_OTP');
    // Neither device reached its own limit; the account did.
    assert.equal(deviceRow(sms.id).locked_until, null);
    assert.equal(deviceRow(email.id).locked_until, null);
    assert.equal(userRow(userId).locked_until, h.clock.ms + 600_000);
    assert.equal(h.events.filter((event) => event.event === 'user.locked').length, 1);

    await unchanged(async () => {
      const check = await checkOtp(auth.id, emailCode);
      assertError(check, 429, 'REQUEST_LIMITED', 'USER_LOCKED');
      assert.equal(check.headers.get('retry-after'), '600');
      const init = await initAuth({ user: { id: userId } });
      assertError(init, 429, 'REQUEST_LIMITED', 'USER_LOCKED');
      assert.ok(init.headers.get('retry-after'), 'Retry-After on init');
    });

    // Another user is not affected.
    const other = await newUser();
    await addSms(other);
    await startAuth({ user: { id: other } }, 'OTP_REQUIRED');

    h.clock.advance(600_000);
    const after = await startAuth({ user: { id: userId } }, 'OTP_REQUIRED');
    expectStatus(await checkOtp(after.id, await h.lastCode(sms.phone)), 200, 'COMPLETED');
  });
});

// ---------------------------------------------------------------------------------------------
// Assertion check

describe('assertion check', () => {
  async function fidoUser(): Promise<{
    userId: string;
    fido: Awaited<ReturnType<typeof addFido2>>;
  }> {
    const userId = await newUser();
    const fido = await addFido2(userId);
    return { userId, fido };
  }

  it('completes and stores the new sign count', async () => {
    const { userId, fido } = await fidoUser();
    assert.equal(deviceRow(fido.id).sign_count, 0);
    const auth = await startAuth({ user: { id: userId } }, 'ASSERTION_REQUIRED');
    assert.equal(auth.selectedDevice?.id, fido.id);
    const done = expectStatus(
      await checkAssertion(auth.id, assertionFor(fido.authenticator, auth)),
      200,
      'COMPLETED',
    );
    assert.equal(done.publicKeyCredentialRequestOptions, undefined);
    assert.equal(done.user?.id, userId);
    assert.equal(deviceRow(fido.id).sign_count, 1);

    const next = await startAuth({ user: { id: userId } }, 'ASSERTION_REQUIRED');
    expectStatus(
      await checkAssertion(next.id, assertionFor(fido.authenticator, next)),
      200,
      'COMPLETED',
    );
    assert.equal(deviceRow(fido.id).sign_count, 2);
  });

  it('a replayed assertion is rejected', async () => {
    const { userId, fido } = await fidoUser();
    const auth = await startAuth({ user: { id: userId } }, 'ASSERTION_REQUIRED');
    const assertion = assertionFor(fido.authenticator, auth);
    expectStatus(await checkAssertion(auth.id, assertion), 200, 'COMPLETED');
    assertError(await checkAssertion(auth.id, assertion), 400, 'INVALID_REQUEST', 'INVALID_STATE');

    const other = await startAuth({ user: { id: userId } }, 'ASSERTION_REQUIRED');
    assertError(
      await checkAssertion(other.id, assertion),
      400,
      'INVALID_DATA',
      'INVALID_ASSERTION',
    );
    expectStatus(await readAuth(other.id), 200, 'ASSERTION_REQUIRED');
  });

  it('a challenge is single use: a failed check burns it, and a new challenge works', async () => {
    const { userId, fido } = await fidoUser();
    const auth = await startAuth({ user: { id: userId } }, 'ASSERTION_REQUIRED');
    // A valid assertion on the first challenge, held back.
    const held = assertionFor(fido.authenticator, auth);
    // A failing one (wrong type in clientDataJSON) on the same challenge.
    const bad = await checkAssertion(
      auth.id,
      assertionFor(fido.authenticator, auth, { type: 'webauthn.create' }),
    );
    assertError(bad, 400, 'INVALID_DATA', 'INVALID_ASSERTION');
    assert.equal(detailOf(bad)?.innerError?.attemptsRemaining, 4);

    // The held assertion now answers a challenge that is gone.
    assertError(await checkAssertion(auth.id, held), 400, 'INVALID_DATA', 'INVALID_ASSERTION');

    const fresh = expectStatus(await readAuth(auth.id), 200, 'ASSERTION_REQUIRED');
    assert.notDeepEqual(requestOptions(fresh).challenge, requestOptions(auth).challenge);
    expectStatus(
      await checkAssertion(auth.id, assertionFor(fido.authenticator, fresh)),
      200,
      'COMPLETED',
    );
    assert.equal(deviceRow(fido.id).failures, 0);
  });

  it('an origin not on the allow-list is refused before the challenge is touched', async () => {
    const { userId, fido } = await fidoUser();
    const auth = await startAuth({ user: { id: userId } }, 'ASSERTION_REQUIRED');
    const assertion = assertionFor(fido.authenticator, auth);
    await unchanged(async () => {
      for (const origin of [
        'https://evil.example',
        'https://localhost:5173',
        'http://localhost:5173.evil.example',
        'http://localhost',
      ]) {
        const reply = await checkAssertion(auth.id, assertion, origin);
        assertError(reply, 400, 'INVALID_DATA', 'INVALID_VALUE');
        assert.equal(detailOf(reply)?.target, 'origin');
      }
    });
    expectStatus(await checkAssertion(auth.id, assertion), 200, 'COMPLETED');
  });

  it('an assertion signed for another origin is rejected', async () => {
    const { userId, fido } = await fidoUser();
    const auth = await startAuth({ user: { id: userId } }, 'ASSERTION_REQUIRED');
    const foreign = assertionToPing(
      fido.authenticator.get(requestOptions(auth), 'https://evil.example'),
    );
    assertError(await checkAssertion(auth.id, foreign), 400, 'INVALID_DATA', 'INVALID_ASSERTION');
    expectStatus(await readAuth(auth.id), 200, 'ASSERTION_REQUIRED');
  });

  it("user B's credential in user A's authentication is rejected (IDOR)", async () => {
    const a = await fidoUser();
    const b = await fidoUser();
    const auth = await startAuth({ user: { id: a.userId } }, 'ASSERTION_REQUIRED');
    const bCredential = b.fido.authenticator.credentials[0];
    assert.ok(bCredential, 'user B has a credential');
    const assertion = assertionFor(b.fido.authenticator, auth, { credentialId: bCredential.id });
    const bBefore = deviceRow(b.fido.id);

    const reply = await checkAssertion(auth.id, assertion);
    assertError(reply, 400, 'INVALID_DATA', 'INVALID_ASSERTION');
    const after = expectStatus(await readAuth(auth.id), 200, 'ASSERTION_REQUIRED');
    assert.notEqual(after.status, 'COMPLETED');
    assert.deepEqual(deviceRow(b.fido.id), bBefore);
    assert.equal(deviceRow(b.fido.id).sign_count, 0);
  });

  it('an assertion without user presence is rejected', async () => {
    const { userId, fido } = await fidoUser();
    const auth = await startAuth({ user: { id: userId } }, 'ASSERTION_REQUIRED');
    const reply = await checkAssertion(
      auth.id,
      assertionFor(fido.authenticator, auth, { flags: { up: false } }),
    );
    assertError(reply, 400, 'INVALID_DATA', 'INVALID_ASSERTION');
    expectStatus(await readAuth(auth.id), 200, 'ASSERTION_REQUIRED');
    assert.equal(deviceRow(fido.id).sign_count, 0);
  });

  it('an assertion without user verification is rejected when the policy requires it', async () => {
    const { userId, fido } = await fidoUser();
    const auth = await startAuth({ user: { id: userId } }, 'ASSERTION_REQUIRED');
    const reply = await checkAssertion(
      auth.id,
      assertionFor(fido.authenticator, auth, { flags: { uv: false } }),
    );
    assertError(reply, 400, 'INVALID_DATA', 'INVALID_ASSERTION');
    expectStatus(await readAuth(auth.id), 200, 'ASSERTION_REQUIRED');
  });

  it('a sign count that does not go up is rejected as a possible clone', async () => {
    const { userId, fido } = await fidoUser();
    const first = await startAuth({ user: { id: userId } }, 'ASSERTION_REQUIRED');
    expectStatus(
      await checkAssertion(first.id, assertionFor(fido.authenticator, first, { signCount: 7 })),
      200,
      'COMPLETED',
    );
    assert.equal(deviceRow(fido.id).sign_count, 7);

    const second = await startAuth({ user: { id: userId } }, 'ASSERTION_REQUIRED');
    const reply = await checkAssertion(
      second.id,
      assertionFor(fido.authenticator, second, { signCount: 3 }),
    );
    assertError(reply, 400, 'INVALID_DATA', 'INVALID_ASSERTION');
    assert.equal(deviceRow(fido.id).sign_count, 7);
    assert.ok(
      h.events.some(
        (event) =>
          event.event === 'authentication.assertion_rejected' && event.reason === 'possible_clone',
      ),
      'possible clone is logged',
    );
    expectStatus(await readAuth(second.id), 200, 'ASSERTION_REQUIRED');
  });

  it('an expired challenge is rejected', async () => {
    const { userId, fido } = await fidoUser();
    const auth = await startAuth({ user: { id: userId } }, 'ASSERTION_REQUIRED');
    const assertion = assertionFor(fido.authenticator, auth);
    h.clock.advance(5 * MINUTE + 60_000 + 1);
    assertError(await checkAssertion(auth.id, assertion), 400, 'INVALID_DATA', 'INVALID_ASSERTION');
    assert.ok(
      h.events.some(
        (event) =>
          event.event === 'authentication.assertion_rejected' &&
          event.reason === 'challenge_expired',
      ),
      'expired challenge is logged',
    );
    const fresh = expectStatus(await readAuth(auth.id), 200, 'ASSERTION_REQUIRED');
    expectStatus(
      await checkAssertion(auth.id, assertionFor(fido.authenticator, fresh)),
      200,
      'COMPLETED',
    );
  });

  it('five failed assertions lock the device: even a valid assertion then gets 429', async () => {
    const { userId, fido } = await fidoUser();
    const auth = await startAuth({ user: { id: userId } }, 'ASSERTION_REQUIRED');
    let current = auth;
    for (const remaining of [4, 3, 2, 1, 0]) {
      const reply = await checkAssertion(
        current.id,
        assertionFor(fido.authenticator, current, { flags: { up: false } }),
      );
      assertError(reply, 400, 'INVALID_DATA', 'INVALID_ASSERTION');
      assert.equal(detailOf(reply)?.innerError?.attemptsRemaining, remaining);
      current = expectStatus(await readAuth(auth.id), 200, 'ASSERTION_REQUIRED');
    }
    assert.equal(deviceRow(fido.id).locked_until, h.clock.ms + 5 * MINUTE);
    assert.equal(h.events.filter((event) => event.event === 'device.locked').length, 1);

    const valid = assertionFor(fido.authenticator, current);
    await unchanged(async () => {
      const locked = await checkAssertion(auth.id, valid);
      assertError(locked, 429, 'REQUEST_LIMITED', 'DEVICE_LOCKED');
      assert.equal(locked.headers.get('retry-after'), '300');
    });
    assert.notEqual(view(await readAuth(auth.id)).status, 'COMPLETED');

    // After the cool-down the same challenge answers.
    h.clock.advance(5 * MINUTE);
    expectStatus(await checkAssertion(auth.id, valid), 200, 'COMPLETED');
    assert.equal(deviceRow(fido.id).locked_until, null);
  });

  it('the challenge is spent when a check starts: a valid assertion racing a failing one loses', async () => {
    const { userId, fido } = await fidoUser();
    const auth = await startAuth({ user: { id: userId } }, 'ASSERTION_REQUIRED');
    const failing = assertionFor(fido.authenticator, auth, { flags: { up: false } });
    const valid = assertionFor(fido.authenticator, auth);
    // Both requests take the same path; the first one to start takes the challenge.
    const [first, second] = await Promise.all([
      checkAssertion(auth.id, failing),
      checkAssertion(auth.id, valid),
    ]);
    assertError(first, 400, 'INVALID_DATA', 'INVALID_ASSERTION');
    assertError(second, 400, 'INVALID_REQUEST', 'INVALID_STATE');
    const after = expectStatus(await readAuth(auth.id), 200, 'ASSERTION_REQUIRED');
    assert.equal(deviceRow(fido.id).sign_count, 0);
    expectStatus(
      await checkAssertion(auth.id, assertionFor(fido.authenticator, after)),
      200,
      'COMPLETED',
    );
  });

  it('two checks of one assertion at once succeed exactly once', async () => {
    const { userId, fido } = await fidoUser();
    for (let run = 0; run < 20; run++) {
      const auth = await startAuth({ user: { id: userId } }, 'ASSERTION_REQUIRED');
      const assertion = assertionFor(fido.authenticator, auth);
      const replies = await Promise.all([
        checkAssertion(auth.id, assertion),
        checkAssertion(auth.id, assertion),
      ]);
      assert.deepEqual(
        replies.map((reply) => reply.status).sort(),
        [200, 400],
        replies.map((reply) => reply.text).join(' | '),
      );
    }
  });

  it('malformed assertions are refused without touching the challenge', async () => {
    const { userId, fido } = await fidoUser();
    const auth = await startAuth({ user: { id: userId } }, 'ASSERTION_REQUIRED');
    const good = JSON.parse(assertionFor(fido.authenticator, auth)) as Record<string, unknown>;
    await unchanged(async () => {
      for (const assertion of [
        'not json',
        '{}',
        JSON.stringify({ ...good, rawId: 'AAAA' }),
        JSON.stringify({ ...good, id: '%%%' }),
      ]) {
        assertError(await checkAssertion(auth.id, assertion), 400, 'INVALID_DATA', 'INVALID_VALUE');
      }
      assertError(
        await act(auth.id, MEDIA.assertionCheck, { origin: ORIGIN }),
        400,
        'INVALID_DATA',
        'REQUIRED_VALUE',
      );
    });
    expectStatus(await checkAssertion(auth.id, JSON.stringify(good)), 200, 'COMPLETED');
  });
});

// ---------------------------------------------------------------------------------------------
// Usernameless

describe('usernameless FIDO2', () => {
  it('asks for any discoverable credential and completes as its owner', async () => {
    const owner = await newUser();
    const fido = await addFido2(owner);
    const auth = await startAuth({ rp: { id: 'localhost' } }, 'ASSERTION_REQUIRED');
    assert.equal(auth.user, undefined);
    assert.equal(auth._embedded, undefined);
    const options = requestOptions(auth);
    assert.deepEqual(options.allowCredentials, []);
    assert.equal(options.userVerification, 'required');

    const done = expectStatus(
      await checkAssertion(auth.id, assertionFor(fido.authenticator, auth)),
      200,
      'COMPLETED',
    );
    assert.equal(done.user?.id, owner);
    assert.equal(done.selectedDevice?.id, fido.id);
    assert.equal(deviceRow(fido.id).sign_count, 1);
  });

  it('rejects a wrong or missing userHandle', async () => {
    const owner = await newUser();
    const fido = await addFido2(owner);
    const auth = await startAuth({ rp: { id: 'localhost' } }, 'ASSERTION_REQUIRED');
    const response = fido.authenticator.get(requestOptions(auth), ORIGIN);
    const forged = assertionToPing({
      ...response,
      response: { ...response.response, userHandle: Buffer.alloc(32, 7).toString('base64url') },
    });
    assertError(await checkAssertion(auth.id, forged), 400, 'INVALID_DATA', 'INVALID_ASSERTION');
    const after = expectStatus(await readAuth(auth.id), 200, 'ASSERTION_REQUIRED');
    assert.equal(after.user, undefined);

    const again = fido.authenticator.get(requestOptions(after), ORIGIN);
    const withoutHandle = { ...again.response };
    delete withoutHandle.userHandle;
    assertError(
      await checkAssertion(auth.id, assertionToPing({ ...again, response: withoutHandle })),
      400,
      'INVALID_DATA',
      'INVALID_ASSERTION',
    );
    expectStatus(await readAuth(auth.id), 200, 'ASSERTION_REQUIRED');
  });

  it('a locked account cannot sign in usernameless', async () => {
    const settings = await h.get(h.api('/mfaSettings'));
    const put = await h.put(h.api('/mfaSettings'), {
      body: { pairing: settings.body.pairing, lockout: { failureCount: 2, durationSeconds: 600 } },
    });
    assert.equal(put.status, 200, put.text);
    const owner = await newUser();
    const sms = await addSms(owner);
    const fido = await addFido2(owner);
    const otp = await startAuth({ user: { id: owner } }, 'OTP_REQUIRED');
    const code = await h.lastCode(sms.phone);
    for (let i = 0; i < 2; i++)
      assertError(await checkOtp(otp.id, wrongCode(code)), 400, 'INVALID_DATA', 'INVALID_OTP');
    assert.equal(userRow(owner).locked_until, h.clock.ms + 600_000);

    const auth = await startAuth({ rp: { id: 'localhost' } }, 'ASSERTION_REQUIRED');
    const assertion = assertionFor(fido.authenticator, auth);
    await unchanged(async () => {
      assertError(await checkAssertion(auth.id, assertion), 429, 'REQUEST_LIMITED', 'USER_LOCKED');
    });
    h.clock.advance(600_000);
    const later = await startAuth({ rp: { id: 'localhost' } }, 'ASSERTION_REQUIRED');
    const done = expectStatus(
      await checkAssertion(later.id, assertionFor(fido.authenticator, later)),
      200,
      'COMPLETED',
    );
    assert.equal(done.user?.id, owner);
  });

  it('refuses an rp.id other than the policy relying party', async () => {
    await unchanged(async () => {
      const reply = await initAuth({ rp: { id: 'evil.example' } });
      assertError(reply, 400, 'INVALID_DATA', 'INVALID_VALUE');
      assert.equal(detailOf(reply)?.target, 'rp.id');
    });
  });
});

// ---------------------------------------------------------------------------------------------
// One-time devices

describe('one-time devices', () => {
  const cases = [
    { type: 'SMS', key: 'phone', value: () => newPhone() },
    { type: 'VOICE', key: 'phone', value: () => newPhone() },
    { type: 'EMAIL', key: 'email', value: () => newEmail() },
  ] as const;

  for (const { type, key, value } of cases) {
    it(`${type}: sends a code, masks the recipient and completes with the right code`, async () => {
      const userId = await newUser();
      const recipient = value();
      const auth = await startAuth(
        { user: { id: userId }, selectedDevice: { oneTime: { type, [key]: recipient } } },
        'OTP_REQUIRED',
      );
      assert.equal(outboxCount(recipient), 1);
      const oneTime = auth.selectedDevice?.oneTime;
      assert.equal(oneTime?.type, type);
      const masked = key === 'email' ? oneTime.email : oneTime.phone;
      assert.ok(masked?.includes('****'), JSON.stringify(oneTime));
      assert.equal(auth._links['device.select'], undefined);
      const message = (h.snapshot('outbox') as { recipient: string; text: string }[]).find(
        (row) => row.recipient === recipient,
      );
      if (type === 'VOICE') assert.match(message?.text ?? '', /is [0-9]( [0-9]){5}\./);
      expectStatus(await checkOtp(auth.id, await h.lastCode(recipient)), 200, 'COMPLETED');
    });

    it(`${type}: five wrong codes fail the authentication`, async () => {
      const userId = await newUser();
      const recipient = value();
      const auth = await startAuth(
        { user: { id: userId }, selectedDevice: { oneTime: { type, [key]: recipient } } },
        'OTP_REQUIRED',
      );
      const code = await h.lastCode(recipient);
      for (const remaining of [4, 3, 2, 1, 0]) {
        const reply = await checkOtp(auth.id, wrongCode(code));
        assertError(reply, 400, 'INVALID_DATA', 'INVALID_OTP');
        assert.equal(detailOf(reply)?.innerError?.attemptsRemaining, remaining);
      }
      const failed = expectStatus(await readAuth(auth.id), 200, 'FAILED');
      assert.equal(failed.error?.code, 'TOO_MANY_ATTEMPTS');
      assertError(await checkOtp(auth.id, code), 400, 'INVALID_REQUEST', 'INVALID_STATE');
    });
  }

  it('refuses an invalid one-time phone and sends nothing', async () => {
    const userId = await newUser();
    await unchanged(async () => {
      for (const phone of ['+1413555\n0150', '+1;4135550150', `+${'1'.repeat(41)}`]) {
        assertError(
          await initAuth({
            user: { id: userId },
            selectedDevice: { oneTime: { type: 'SMS', phone } },
          }),
          400,
          'INVALID_DATA',
        );
      }
      assertError(
        await initAuth({
          user: { id: userId },
          selectedDevice: { oneTime: { type: 'EMAIL', email: 'nope' } },
        }),
        400,
        'INVALID_DATA',
      );
      assertError(
        await initAuth({ user: { id: userId }, selectedDevice: { oneTime: { type: 'TOTP' } } }),
        400,
        'INVALID_DATA',
      );
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Cancel, read, expiry

describe('cancel', () => {
  it('CHANGE_DEVICE returns to device selection; the pending code dies', async () => {
    const userId = await newUser();
    const sms = await addSms(userId);
    const email = await addEmail(userId);
    const auth = await startAuth({ user: { id: userId } }, 'OTP_REQUIRED');
    const code = await h.lastCode(sms.phone);

    const cancelled = expectStatus(
      await act(auth.id, MEDIA.cancel, { reason: 'CHANGE_DEVICE' }),
      200,
      'DEVICE_SELECTION_REQUIRED',
    );
    assert.equal(cancelled.selectedDevice, undefined);
    assert.equal(cancelled._links['otp.check'], undefined);
    assertError(await checkOtp(auth.id, code), 400, 'INVALID_REQUEST', 'INVALID_STATE');

    expectStatus(await selectDevice(auth.id, email.id), 200, 'OTP_REQUIRED');
    expectStatus(await checkOtp(auth.id, await h.lastCode(email.email)), 200, 'COMPLETED');
  });

  it('other reasons are refused, and a completed authentication cannot be cancelled', async () => {
    const userId = await newUser();
    const sms = await addSms(userId);
    const auth = await startAuth({ user: { id: userId } }, 'OTP_REQUIRED');
    await unchanged(async () => {
      for (const body of [
        { reason: 'USER_CANCELLED' },
        { reason: 'change_device' },
        {},
        { reason: null },
      ]) {
        assertError(await act(auth.id, MEDIA.cancel, body), 400, 'INVALID_DATA');
      }
    });
    expectStatus(await checkOtp(auth.id, await h.lastCode(sms.phone)), 200, 'COMPLETED');
    await unchanged(async () => {
      assertError(
        await act(auth.id, MEDIA.cancel, { reason: 'CHANGE_DEVICE' }),
        400,
        'INVALID_REQUEST',
        'INVALID_STATE',
      );
    });
    expectStatus(await readAuth(auth.id), 200, 'COMPLETED');
  });
});

describe('read and expiry', () => {
  it('GET returns the same resource', async () => {
    const userId = await newUser();
    await addSms(userId);
    const init = await initAuth({ user: { id: userId } });
    assert.equal(init.status, 201);
    const read = await readAuth(view(init).id);
    assert.equal(read.status, 200);
    assert.deepEqual(read.body, init.body);
    assert.equal(
      view(read)._links.self?.href,
      `http://engine.test/${h.env}/deviceAuthentications/${view(init).id}`,
    );
  });

  it('expires after 15 minutes; checks on it are refused', async () => {
    const userId = await newUser();
    const sms = await addSms(userId);
    const auth = await startAuth({ user: { id: userId } }, 'OTP_REQUIRED');
    assert.equal(Date.parse(auth.expiresAt), h.clock.ms + 15 * MINUTE);
    h.clock.advance(11 * MINUTE);
    expectStatus(await selectDevice(auth.id, sms.id), 200, 'OTP_REQUIRED');
    const code = await h.lastCode(sms.phone);

    h.clock.advance(4 * MINUTE - 1);
    expectStatus(await readAuth(auth.id), 200, 'OTP_REQUIRED');
    h.clock.advance(1);
    const expired = expectStatus(await readAuth(auth.id), 200, 'FAILED');
    assert.equal(expired.error?.code, 'EXPIRED');
    assert.equal(expired._links['otp.check'], undefined);

    // The code would still have been within its own 5 minutes, but the authentication is over.
    await unchanged(async () => {
      assertError(await checkOtp(auth.id, code), 400, 'INVALID_REQUEST', 'INVALID_STATE');
      assertError(await selectDevice(auth.id, sms.id), 400, 'INVALID_REQUEST', 'INVALID_STATE');
      assertError(
        await act(auth.id, MEDIA.cancel, { reason: 'CHANGE_DEVICE' }),
        400,
        'INVALID_REQUEST',
        'INVALID_STATE',
      );
    });
  });

  it('an expired FIDO2 authentication refuses an assertion', async () => {
    const userId = await newUser();
    const fido = await addFido2(userId);
    const auth = await startAuth({ user: { id: userId } }, 'ASSERTION_REQUIRED');
    const assertion = assertionFor(fido.authenticator, auth);
    h.clock.advance(15 * MINUTE);
    assertError(await checkAssertion(auth.id, assertion), 400, 'INVALID_REQUEST', 'INVALID_STATE');
    const read = expectStatus(await readAuth(auth.id), 200, 'FAILED');
    assert.equal(read.error?.code, 'EXPIRED');
    assert.equal(deviceRow(fido.id).sign_count, 0);
  });
});

// ---------------------------------------------------------------------------------------------
// Remembered devices

describe('remembered devices', () => {
  const payload = (value: string) => ({ type: 'MFA_ELEMENTS_BROWSER', value });
  const browserId = () => randomBytes(24).toString('base64url');

  async function remember(userId: string, policyId: string, value: string): Promise<string> {
    const reply = await addDevice(userId, {
      type: 'REMEMBER_ME',
      payload: payload(value),
      policy: { id: policyId },
    });
    assert.equal(reply.status, 201, reply.text);
    const setCookie = reply.headers.get('set-cookie') ?? '';
    assert.match(setCookie, /^ST-MFA-REMEMBER=[A-Za-z0-9_-]{20,};/);
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /Secure/);
    const cookie = setCookie.split(';')[0] ?? '';
    assert.ok(
      !reply.text.includes(cookie.split('=')[1] ?? '-'),
      'the cookie value is not in the body',
    );
    return cookie;
  }

  const check = (body: Record<string, unknown>, cookie: string | undefined) =>
    initAuth(body, {
      type: MEDIA.payloadCheck,
      ...(cookie !== undefined ? { headers: { cookie } } : {}),
    });

  it('a remembered browser completes; anything else fails', async () => {
    const policyId = (await defaultPolicy()).id as string;
    const userId = await newUser();
    const other = await newUser();
    const value = browserId();
    assert.equal(value.length, 32);
    const cookie = await remember(userId, policyId, value);

    const ok = expectStatus(
      await check(
        { user: { id: userId }, payload: payload(value), policy: { id: policyId } },
        cookie,
      ),
      201,
      'COMPLETED',
    );
    assert.equal(ok.user?.id, userId);
    assert.equal(ok.error, undefined);

    const misses: [string, Reply][] = [
      [
        'other payload',
        await check(
          { user: { id: userId }, payload: payload(browserId()), policy: { id: policyId } },
          cookie,
        ),
      ],
      [
        'no cookie',
        await check(
          { user: { id: userId }, payload: payload(value), policy: { id: policyId } },
          undefined,
        ),
      ],
      [
        'forged cookie',
        await check(
          { user: { id: userId }, payload: payload(value), policy: { id: policyId } },
          `ST-MFA-REMEMBER=${browserId()}`,
        ),
      ],
      [
        "other user's id",
        await check(
          { user: { id: other }, payload: payload(value), policy: { id: policyId } },
          cookie,
        ),
      ],
    ];
    for (const [name, reply] of misses) {
      const failed = expectStatus(reply, 201, 'FAILED');
      assert.equal(typeof failed.error?.code, 'string', name);
    }

    await advanceDays(31);
    const expired = expectStatus(
      await check(
        { user: { id: userId }, payload: payload(value), policy: { id: policyId } },
        cookie,
      ),
      201,
      'FAILED',
    );
    assert.equal(typeof expired.error?.code, 'string');
  });

  it('refuses a malformed payload or an unknown user', async () => {
    const policyId = (await defaultPolicy()).id as string;
    const userId = await newUser();
    const value = browserId();
    const cookie = await remember(userId, policyId, value);
    await unchanged(async () => {
      assertError(
        await check(
          { user: { id: userId }, payload: payload('short'), policy: { id: policyId } },
          cookie,
        ),
        400,
        'INVALID_DATA',
      );
      assertError(
        await check({ user: { id: userId }, payload: payload(value) }, cookie),
        400,
        'INVALID_DATA',
        'REQUIRED_VALUE',
      );
      assertError(
        await check(
          { user: { id: 'no-such-user' }, payload: payload(value), policy: { id: policyId } },
          cookie,
        ),
        400,
        'INVALID_DATA',
        'INVALID_VALUE',
      );
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Transport errors

describe('transport errors', () => {
  it('wrong media types get 415 on each URL', async () => {
    const userId = await newUser();
    await addSms(userId);
    const auth = await startAuth({ user: { id: userId } }, 'OTP_REQUIRED');
    await unchanged(async () => {
      for (const type of [
        'text/plain',
        MEDIA.otpCheck,
        MEDIA.select,
        'application/x-www-form-urlencoded',
      ]) {
        const reply = await h.post(h.auth('/deviceAuthentications'), {
          type,
          body: { user: { id: userId } },
        });
        assertError(reply, 415, 'UNSUPPORTED_MEDIA_TYPE');
      }
      for (const type of ['application/json', 'text/plain', MEDIA.payloadCheck, MEDIA.activate]) {
        const reply = await h.post(h.auth(`/deviceAuthentications/${auth.id}`), {
          type,
          body: { otp: '123456' },
        });
        assertError(reply, 415, 'UNSUPPORTED_MEDIA_TYPE');
      }
    });
  });

  it('malformed JSON gets 400', async () => {
    const userId = await newUser();
    await addSms(userId);
    const auth = await startAuth({ user: { id: userId } }, 'OTP_REQUIRED');
    await unchanged(async () => {
      assertError(
        await h.post(h.auth('/deviceAuthentications'), { raw: '{"user":' }),
        400,
        'INVALID_REQUEST',
        'INVALID_JSON',
      );
      assertError(
        await h.post(h.auth('/deviceAuthentications'), { raw: '[]' }),
        400,
        'INVALID_REQUEST',
        'INVALID_JSON',
      );
      for (const type of [MEDIA.otpCheck, MEDIA.select, MEDIA.assertionCheck, MEDIA.cancel]) {
        assertError(
          await h.post(h.auth(`/deviceAuthentications/${auth.id}`), { type, raw: '{"otp": 1' }),
          400,
          'INVALID_REQUEST',
          'INVALID_JSON',
        );
        assertError(
          await h.post(h.auth(`/deviceAuthentications/${auth.id}`), { type, raw: '' }),
          400,
          'INVALID_REQUEST',
        );
      }
    });
  });

  it('an unknown authentication id gets 404', async () => {
    await unchanged(async () => {
      const id = '00000000-0000-4000-8000-000000000000';
      assertError(await h.get(h.auth(`/deviceAuthentications/${id}`)), 404, 'NOT_FOUND');
      assertError(await checkOtp(id, '123456'), 404, 'NOT_FOUND');
      assertError(await selectDevice(id, 'x'), 404, 'NOT_FOUND');
      assertError(await act(id, MEDIA.cancel, { reason: 'CHANGE_DEVICE' }), 404, 'NOT_FOUND');
    });
  });

  it('no or bad token gets 401', async () => {
    const userId = await newUser();
    const sms = await addSms(userId);
    const auth = await startAuth({ user: { id: userId } }, 'OTP_REQUIRED');
    const code = await h.lastCode(sms.phone);
    await unchanged(async () => {
      for (const token of [null, 'not-a-jwt', `${h.token}x`]) {
        assertError(
          await h.post(h.auth('/deviceAuthentications'), { token, body: { user: { id: userId } } }),
          401,
          'INVALID_TOKEN',
        );
        assertError(
          await h.get(h.auth(`/deviceAuthentications/${auth.id}`), { token }),
          401,
          'INVALID_TOKEN',
        );
        assertError(
          await h.post(h.auth(`/deviceAuthentications/${auth.id}`), {
            token,
            type: MEDIA.otpCheck,
            body: { otp: code },
          }),
          401,
          'INVALID_TOKEN',
        );
      }
    });
    expectStatus(await checkOtp(auth.id, code), 200, 'COMPLETED');
  });
});

// ---------------------------------------------------------------------------------------------
// Concurrency

describe('concurrency', () => {
  it('the same correct code submitted twice at once completes exactly once (200 runs)', async () => {
    const userId = await newUser();
    const sms = await addSms(userId);
    for (let run = 0; run < 200; run++) {
      // Stay under the 50-a-day limit per recipient.
      if (run > 0 && run % 40 === 0) await advanceDays(1);
      const auth = await startAuth({ user: { id: userId } }, 'OTP_REQUIRED');
      const code = await h.lastCode(sms.phone);
      const replies = await Promise.all([checkOtp(auth.id, code), checkOtp(auth.id, code)]);
      const ok = replies.filter((reply) => reply.status === 200);
      assert.equal(ok.length, 1, `run ${run}: ${replies.map((reply) => reply.text).join(' | ')}`);
      assert.equal(view(ok[0]!).status, 'COMPLETED');
      const other = replies.find((reply) => reply.status !== 200);
      assert.ok(other, 'one reply is not 200');
      assertError(other, 400, 'INVALID_REQUEST', 'INVALID_STATE');
    }
    assert.equal(
      h.events.filter((event) => event.event === 'authentication.completed').length,
      200,
    );
  });

  it('20 concurrent wrong codes are counted exactly as sequential ones; the lock engages once', async () => {
    async function scenario(harness: Harness, concurrent: boolean) {
      const previous = h;
      h = harness;
      try {
        const userId = await newUser();
        const sms = await addSms(userId);
        const auth = await startAuth({ user: { id: userId } }, 'OTP_REQUIRED');
        const wrong = wrongCode(await h.lastCode(sms.phone));
        const submit = () => checkOtp(auth.id, wrong);
        const replies: Reply[] = [];
        if (concurrent) {
          replies.push(...(await Promise.all(Array.from({ length: 20 }, submit))));
        } else {
          for (let i = 0; i < 20; i++) replies.push(await submit());
        }
        const outcome = replies
          .map((reply) => {
            const detail = detailOf(reply);
            return `${reply.status} ${detail?.code ?? ''} ${detail?.innerError?.attemptsRemaining ?? ''}`;
          })
          .sort();
        const device = deviceRow(sms.id);
        return {
          outcome,
          failures: device.failures,
          totalFailures: device.total_failures,
          lockedFor: (device.locked_until ?? 0) - h.clock.ms,
          userFailures: userRow(userId).failures,
          locks: h.events.filter((event) => event.event === 'device.locked').length,
        };
      } finally {
        h = previous;
      }
    }

    const sequentialHarness = await Harness.start();
    try {
      const sequential = await scenario(sequentialHarness, false);
      const concurrent = await scenario(h, true);
      assert.deepEqual(concurrent, sequential);
      assert.equal(concurrent.locks, 1);
      assert.equal(concurrent.totalFailures, 5);
      assert.equal(concurrent.lockedFor, 5 * MINUTE);
      assert.equal(
        concurrent.outcome.filter((line) => line.startsWith('429 DEVICE_LOCKED')).length,
        15,
      );
      assert.equal(
        concurrent.outcome.filter((line) => line.startsWith('400 INVALID_OTP')).length,
        5,
      );
    } finally {
      sequentialHarness.close();
    }
  });
});
