/**
 * The PingOne client against the embedded engine, in-process: every call crosses the same wire
 * format as with PingOne itself.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Secret, TOTP } from 'otpauth';
import { createEngine, type Engine } from '../engine/index.ts';
import { TestClock } from '../../test/helpers/engine-harness.ts';
import {
  assertionToPing,
  pingCreationToJson,
  pingRequestToJson,
  registrationToPing,
} from './fido2.ts';
import { SoftAuthenticator } from '../../test/helpers/soft-authenticator.ts';
import {
  createPingOneClient,
  PingOneApiError,
  PingOneUnavailableError,
  type PingOneClient,
  type PingOneClientOptions,
  type PingOneEvent,
} from './index.ts';

const BASE = 'http://engine.internal';
const ORIGIN = 'http://localhost:5173';

let engine: Engine;
let clock: TestClock;
let seen: Request[];
let client: PingOneClient;
let events: PingOneEvent[];

function newClient(overrides: Partial<PingOneClientOptions> = {}): PingOneClient {
  return createPingOneClient({
    environmentId: engine.environmentId,
    clientId: engine.clientId,
    clientSecret: engine.clientSecret,
    apiBaseUrl: `${BASE}/v1`,
    authBaseUrl: BASE,
    transport: async (request) => {
      seen.push(request.clone());
      return engine.fetch(request);
    },
    now: clock.now,
    onEvent: (event) => events.push(event),
    ...overrides,
  });
}

const tokenRequests = (): Request[] => seen.filter((r) => r.url.endsWith('/as/token'));

beforeEach(() => {
  clock = new TestClock();
  engine = createEngine({ baseUrl: BASE, now: clock.now, allowedOrigins: [ORIGIN] });
  seen = [];
  events = [];
  client = newClient();
});

afterEach(() => {
  engine.close();
});

let counter = 0;
const unique = (prefix: string): string => `${prefix}-${String(++counter)}-${String(Date.now())}`;

async function newUser(): Promise<string> {
  const user = await client.createUser({ username: unique('user'), email: 'user@example.com' });
  return user.id;
}

/** The latest code the engine delivered to `to`, read from its outbox. */
async function lastCode(to: string): Promise<string> {
  const token = await engineToken();
  const res = await engine.fetch(
    new Request(`${BASE}/outbox?to=${encodeURIComponent(to)}&limit=1`, {
      headers: { Authorization: `Bearer ${token}` },
    }),
  );
  assert.equal(res.status, 200, 'outbox read');
  const body = (await res.json()) as { messages: { text: string }[] };
  const match = /\b(\d{6,10})\b/.exec(body.messages[0]?.text ?? '');
  assert.ok(match?.[1], `no code delivered to ${to}`);
  return match[1];
}

async function outboxCount(to: string): Promise<number> {
  const token = await engineToken();
  const res = await engine.fetch(
    new Request(`${BASE}/outbox?to=${encodeURIComponent(to)}`, {
      headers: { Authorization: `Bearer ${token}` },
    }),
  );
  return ((await res.json()) as { count: number }).count;
}

async function engineToken(): Promise<string> {
  const res = await engine.fetch(
    new Request(`${BASE}/${engine.environmentId}/as/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: engine.clientId,
        client_secret: engine.clientSecret,
      }).toString(),
    }),
  );
  return ((await res.json()) as { access_token: string }).access_token;
}

function totp(secret: string, offsetSteps = 0): string {
  return new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30 }).generate({
    timestamp: clock.ms + offsetSteps * 30_000,
  });
}

const wrong = (code: string): string =>
  String((Number(code) + 1) % 10 ** code.length).padStart(code.length, '0');

async function addSms(userId: string, phone = '+15125550100'): Promise<string> {
  const created = await client.createDevice(userId, {
    type: 'SMS',
    phone,
    status: 'ACTIVATION_REQUIRED',
  });
  assert.equal(created.status, 'ACTIVATION_REQUIRED');
  const active = await client.activateDevice(userId, created.id, { otp: await lastCode(phone) });
  assert.equal(active.status, 'ACTIVE');
  return created.id;
}

async function addTotp(userId: string): Promise<{ id: string; secret: string }> {
  const created = await client.createDevice(userId, { type: 'TOTP', nickname: 'Authenticator' });
  assert.equal(created.type, 'TOTP');
  assert.ok(created.secret, 'TOTP secret returned at creation');
  assert.match(created.keyUri ?? '', /^otpauth:\/\/totp\//);
  const active = await client.activateDevice(userId, created.id, { otp: totp(created.secret) });
  assert.equal(active.status, 'ACTIVE');
  return { id: created.id, secret: created.secret };
}

async function addFido2(userId: string): Promise<{ id: string; authenticator: SoftAuthenticator }> {
  const authenticator = new SoftAuthenticator();
  const created = await client.createDevice(userId, { type: 'FIDO2', rpId: 'localhost' });
  assert.equal(created.status, 'ACTIVATION_REQUIRED');
  assert.equal(typeof created.publicKeyCredentialCreationOptions, 'string');
  const options = pingCreationToJson(created.publicKeyCredentialCreationOptions ?? '');
  const registration = authenticator.create(options, ORIGIN);
  const active = await client.activateDevice(userId, created.id, {
    origin: ORIGIN,
    attestation: registrationToPing(registration),
  });
  assert.equal(active.status, 'ACTIVE');
  return { id: created.id, authenticator };
}

describe('users', () => {
  it('creates, finds by username (found and not found) and reads', async () => {
    const username = unique('alice');
    const created = await client.createUser({ username, email: 'alice@example.com' });
    assert.equal(created.username, username);
    assert.equal(created.email, 'alice@example.com');
    assert.equal(created.raw.username, username);

    const found = await client.findUserByUsername(username);
    assert.equal(found?.id, created.id);
    assert.equal(await client.findUserByUsername(unique('nobody')), undefined);
    assert.equal((await client.getUser(created.id)).username, username);

    const filter = new URL(seen.find((r) => r.url.includes('filter='))?.url ?? BASE).searchParams;
    assert.equal(filter.get('filter'), `username eq "${username}"`);
  });

  it('escapes quotes and backslashes in the filter', async () => {
    const username = 'a"b\\c';
    assert.equal(await client.findUserByUsername(username), undefined);
    const url = new URL(seen.find((r) => r.url.includes('filter='))?.url ?? BASE);
    assert.equal(url.searchParams.get('filter'), 'username eq "a\\"b\\\\c"');
  });

  it('a duplicate username is a PingOneApiError with the upstream code', async () => {
    const username = unique('dup');
    await client.createUser({ username });
    await assert.rejects(client.createUser({ username }), (error: unknown) => {
      assert.ok(error instanceof PingOneApiError, 'PingOneApiError');
      assert.equal(error.status, 400);
      assert.equal(error.code, 'INVALID_DATA');
      assert.equal(error.detailCode, 'UNIQUENESS_VIOLATION');
      assert.equal(error.details[0]?.target, 'username');
      return true;
    });
  });

  it('ids are checked before a URL is built', async () => {
    const before = seen.length;
    await assert.rejects(client.getUser('../admin'), RangeError);
    await assert.rejects(client.getDevice('ok-id', 'a/b'), RangeError);
    await assert.rejects(client.getAuthentication('x?y=1'), RangeError);
    assert.equal(seen.length, before, 'nothing sent');
  });
});

describe('devices', () => {
  it('SMS and TOTP: create, activate, list, nickname, order, delete', async () => {
    const userId = await newUser();
    const sms = await addSms(userId);
    const { id: totpId } = await addTotp(userId);

    let list = await client.listDevices(userId);
    assert.deepEqual(
      list.map((d) => [d.id, d.type, d.status]),
      [
        [sms, 'SMS', 'ACTIVE'],
        [totpId, 'TOTP', 'ACTIVE'],
      ],
    );
    assert.equal(list[0]?.phone, '+15125550100');
    assert.equal(list[1]?.nickname, 'Authenticator');
    assert.equal('secret' in list[1].raw, false, 'the seed is never read back');

    const renamed = await client.setNickname(userId, sms, 'Work phone');
    assert.equal(renamed.id, sms);
    assert.equal(renamed.nickname, 'Work phone');
    assert.equal(renamed.type, 'SMS');

    await client.setDeviceOrder(userId, [totpId, sms]);
    list = await client.listDevices(userId);
    assert.deepEqual(
      list.map((d) => d.id),
      [totpId, sms],
    );
    const reorder = seen.find((r) => r.headers.get('content-type')?.includes('reorder'));
    assert.deepEqual(await reorder?.json(), { order: [{ id: totpId }, { id: sms }] });

    await client.deleteDevice(userId, sms);
    assert.deepEqual(
      (await client.listDevices(userId)).map((d) => d.id),
      [totpId],
    );
    await assert.rejects(client.getDevice(userId, sms), (error: unknown) => {
      assert.ok(error instanceof PingOneApiError, 'PingOneApiError');
      assert.equal(error.status, 404);
      assert.equal(error.code, 'NOT_FOUND');
      return true;
    });
  });

  it('a wrong activation code carries attemptsRemaining; a resent code activates', async () => {
    const userId = await newUser();
    const email = 'pair@example.com';
    const created = await client.createDevice(userId, {
      type: 'EMAIL',
      email,
      status: 'ACTIVATION_REQUIRED',
    });
    const first = await lastCode(email);
    await assert.rejects(
      client.activateDevice(userId, created.id, { otp: wrong(first) }),
      (error: unknown) => {
        assert.ok(error instanceof PingOneApiError, 'PingOneApiError');
        assert.equal(error.code, 'INVALID_DATA');
        assert.equal(error.detailCode, 'INVALID_OTP');
        assert.equal(typeof error.attemptsRemaining, 'number');
        assert.ok(!error.message.includes(wrong(first)), 'code not in message');
        return true;
      },
    );
    assert.equal(await outboxCount(email), 1);
    await client.sendActivationCode(userId, created.id);
    assert.equal(await outboxCount(email), 2, 'a new code was sent');
    const second = await lastCode(email);
    const active = await client.activateDevice(userId, created.id, { otp: second });
    assert.equal(active.status, 'ACTIVE');
    assert.equal(active.email, email);
    const sent = seen.find((r) => r.headers.get('content-type')?.includes('sendActivationCode'));
    assert.equal(sent?.method, 'POST');
  });

  it('sends the exact media types PingOne expects', async () => {
    const userId = await newUser();
    await addSms(userId);
    const auth = await client.initializeAuthentication({ userId });
    await client.checkOtp(auth.id, await lastCode('+15125550100'));
    const types = seen
      .filter((r) => r.method !== 'GET' && !r.url.endsWith('/as/token'))
      .map((r) => `${r.method} ${r.headers.get('content-type') ?? ''}`);
    assert.deepEqual(types, [
      'POST application/json',
      'POST application/json',
      'POST application/vnd.pingidentity.device.activate+json',
      'POST application/json',
      'POST application/vnd.pingidentity.otp.check+json',
    ]);
  });
});

describe('device authentications', () => {
  it('select, wrong OTP with attemptsRemaining, right OTP → COMPLETED', async () => {
    const userId = await newUser();
    const phone = '+15125550111';
    const sms = await addSms(userId, phone);
    const { id: totpId, secret } = await addTotp(userId);

    const started = await client.initializeAuthentication({ userId });
    assert.ok(
      ['DEVICE_SELECTION_REQUIRED', 'OTP_REQUIRED'].includes(started.status),
      started.status,
    );
    assert.equal(started.userId, userId);
    assert.deepEqual(
      started.devices.map((d) => d.id),
      [sms, totpId],
    );
    assert.match(started.devices[0]?.phone ?? '', /\*/, 'masked in authentications');

    const selected = await client.selectDevice(started.id, sms, 'FULL');
    assert.equal(selected.status, 'OTP_REQUIRED');
    assert.equal(selected.selectedDeviceId, sms);
    const select = seen.find((r) => r.headers.get('content-type')?.includes('device.select'));
    assert.deepEqual(await select?.json(), { device: { id: sms }, compatibility: 'FULL' });

    const code = await lastCode(phone);
    await assert.rejects(client.checkOtp(started.id, wrong(code)), (error: unknown) => {
      assert.ok(error instanceof PingOneApiError, 'PingOneApiError');
      assert.equal(error.status, 400);
      assert.equal(error.detailCode, 'INVALID_OTP');
      assert.equal(typeof error.attemptsRemaining, 'number');
      assert.ok((error.attemptsRemaining ?? 0) >= 1, 'attempts left');
      return true;
    });
    const done = await client.checkOtp(started.id, code);
    assert.equal(done.status, 'COMPLETED');
    assert.equal((await client.getAuthentication(started.id)).status, 'COMPLETED');

    // TOTP: a later step than the activation code.
    clock.advance(30_000);
    const again = await client.initializeAuthentication({ userId, selectedDeviceId: totpId });
    assert.equal(again.status, 'OTP_REQUIRED');
    assert.equal((await client.checkOtp(again.id, totp(secret))).status, 'COMPLETED');
  });

  it('resendCode sends a new code to the selected device and kills the old one', async () => {
    const userId = await newUser();
    const phone = '+15125550112';
    const sms = await addSms(userId, phone);
    const started = await client.initializeAuthentication({ userId, selectedDeviceId: sms });
    assert.equal(started.status, 'OTP_REQUIRED');
    const first = await lastCode(phone);

    const resent = await client.resendCode(started.id, sms);
    assert.equal(resent.status, 'OTP_REQUIRED');
    const second = await lastCode(phone);
    const resend = seen.at(-1);
    assert.equal(
      resend?.headers.get('content-type'),
      'application/vnd.pingidentity.device.select+json',
    );
    assert.deepEqual(await resend.json(), { device: { id: sms } });

    // Two random 6-digit codes collide once in a million runs.
    assert.notEqual(second, first, 'a new code');
    await assert.rejects(client.checkOtp(started.id, first), PingOneApiError);
    assert.equal((await client.checkOtp(started.id, second)).status, 'COMPLETED');
  });

  it('cancel with CHANGE_DEVICE goes back to device selection', async () => {
    const userId = await newUser();
    const sms = await addSms(userId, '+15125550122');
    await addTotp(userId);
    const auth = await client.initializeAuthentication({ userId, selectedDeviceId: sms });
    assert.equal(auth.selectedDeviceId, sms);
    const cancelled = await client.cancelAuthentication(auth.id, 'CHANGE_DEVICE');
    assert.equal(cancelled.status, 'DEVICE_SELECTION_REQUIRED');
  });

  it('one-time SMS device', async () => {
    const userId = await newUser();
    const phone = '+15125550133';
    const auth = await client.initializeAuthentication({
      userId,
      oneTime: { type: 'SMS', phone },
    });
    assert.equal(auth.status, 'OTP_REQUIRED');
    assert.equal((await client.checkOtp(auth.id, await lastCode(phone))).status, 'COMPLETED');
    await assert.rejects(
      client.initializeAuthentication({
        userId,
        selectedDeviceId: 'abc',
        oneTime: { type: 'SMS', phone },
      }),
      RangeError,
    );
  });

  it('FIDO2: create, activate, assert; and usernameless', async () => {
    const userId = await newUser();
    const fido = await addFido2(userId);

    const auth = await client.initializeAuthentication({ userId, selectedDeviceId: fido.id });
    assert.equal(auth.status, 'ASSERTION_REQUIRED');
    assert.equal(typeof auth.publicKeyCredentialRequestOptions, 'string');
    const assertion = assertionToPing(
      fido.authenticator.get(
        pingRequestToJson(auth.publicKeyCredentialRequestOptions ?? ''),
        ORIGIN,
      ),
    );
    const done = await client.checkAssertion(auth.id, {
      origin: ORIGIN,
      assertion,
      compatibility: 'FULL',
    });
    assert.equal(done.status, 'COMPLETED');

    const anyone = await client.initializeUsernameless({ rpId: 'localhost' });
    assert.equal(anyone.status, 'ASSERTION_REQUIRED');
    assert.equal(anyone.userId, undefined);
    const second = assertionToPing(
      fido.authenticator.get(
        pingRequestToJson(anyone.publicKeyCredentialRequestOptions ?? ''),
        ORIGIN,
      ),
    );
    const owner = await client.checkAssertion(anyone.id, { origin: ORIGIN, assertion: second });
    assert.equal(owner.status, 'COMPLETED');
    assert.equal(owner.userId, userId);
    assert.equal(owner.selectedDeviceId, fido.id);
  });
});

describe('remembered browsers', () => {
  it('create returns the cookie pair; the check completes only with cookie and payload', async () => {
    const userId = await newUser();
    const policies = await client.listPolicies();
    const policyId = policies.find((p) => p.default)?.id;
    assert.ok(policyId, 'default policy');
    const payloadValue = 'b'.repeat(30);

    const { device, cookie } = await client.createRememberedDevice(userId, {
      payloadValue,
      policyId,
    });
    assert.equal(device.type, 'REMEMBER_ME');
    assert.match(cookie, /^ST-MFA-REMEMBER=[A-Za-z0-9_-]+$/);

    const ok = await client.checkRememberedDevice({ payloadValue, policyId, cookie, userId });
    assert.equal(ok.status, 'COMPLETED');
    const check = seen.find((r) => r.headers.get('content-type')?.includes('payload.check'));
    assert.equal(check?.headers.get('cookie'), cookie, 'only the stored pair');

    const otherBrowser = await client.checkRememberedDevice({
      payloadValue: 'c'.repeat(30),
      policyId,
      cookie,
    });
    assert.equal(otherBrowser.status, 'FAILED');
    assert.equal(otherBrowser.error?.code, 'NO_REMEMBERED_DEVICE');

    await assert.rejects(
      client.checkRememberedDevice({ payloadValue, policyId, cookie: 'a=b\r\nX-Evil: 1' }),
      RangeError,
    );
  });
});

describe('policies and settings', () => {
  it('reads MFA settings, MFA policies and FIDO2 policies', async () => {
    const settings = await client.getMfaSettings();
    assert.deepEqual(settings.devices, { limit: 5 });
    assert.deepEqual(settings.lockout, { failureCount: 10, durationSeconds: 900 });
    assert.equal(typeof settings.raw.pairing, 'object');

    const policies = await client.listPolicies();
    assert.equal(policies.length, 1);
    const policy = policies[0];
    assert.ok(policy, 'a policy');
    assert.equal(policy.default, true);
    const one = await client.getPolicy(policy.id);
    assert.equal(one.id, policy.id);
    assert.equal(one.name, policy.name);
    assert.equal(typeof one.raw.sms, 'object');
    // The seeded policy: every method on, 6-digit codes, browsers remembered for 30 days.
    assert.deepEqual(one.methods.SMS, {
      enabled: true,
      pairingDisabled: false,
      promptForNickname: false,
      otpLength: 6,
    });
    assert.deepEqual(one.methods.TOTP, {
      enabled: true,
      pairingDisabled: false,
      promptForNickname: false,
    });
    assert.deepEqual(Object.keys(one.methods).sort(), [
      'EMAIL',
      'FIDO2',
      'OATH_TOKEN',
      'SMS',
      'TOTP',
      'VOICE',
      'WHATSAPP',
    ]);
    assert.equal(one.rememberBrowserSeconds, 30 * 86_400);

    const fido2 = await client.listFido2Policies();
    assert.deepEqual(
      fido2.map((p) => p.name),
      ['Passkeys', 'Security Keys'],
    );
    const passkeys = fido2.find((p) => p.default);
    assert.equal(passkeys?.name, 'Passkeys');
    assert.equal((await client.getFido2Policy(passkeys.id)).raw.relyingPartyId, 'localhost');
  });
});

describe('worker token', () => {
  it('basic: credentials in the Authorization header', async () => {
    await client.ensureToken();
    const [request] = tokenRequests();
    assert.ok(request, 'one token request');
    const basic = request.headers.get('authorization') ?? '';
    assert.match(basic, /^Basic /);
    const decoded = Buffer.from(basic.slice(6), 'base64').toString('utf8');
    assert.equal(decoded, `${engine.clientId}:${engine.clientSecret}`);
    const form = new URLSearchParams(await request.text());
    assert.equal(form.get('grant_type'), 'client_credentials');
    assert.equal(form.get('client_secret'), null);
  });

  it('post: credentials in the form', async () => {
    const post = newClient({ tokenAuthMethod: 'post' });
    assert.equal((await post.listPolicies()).length, 1);
    const [request] = tokenRequests();
    assert.ok(request, 'one token request');
    assert.equal(request.headers.get('authorization'), null);
    const form = new URLSearchParams(await request.text());
    assert.equal(form.get('client_id'), engine.clientId);
    assert.equal(form.get('client_secret'), engine.clientSecret);
  });

  it('is cached across calls and renewed before it expires', async () => {
    await client.getMfaSettings();
    await client.listPolicies();
    await client.listFido2Policies();
    assert.equal(tokenRequests().length, 1);
    const api = seen.filter((r) => !r.url.endsWith('/as/token'));
    const auths = new Set(api.map((r) => r.headers.get('authorization')));
    assert.equal(auths.size, 1, 'same token on every call');

    clock.advance((3600 - 61) * 1000);
    await client.getMfaSettings();
    assert.equal(tokenRequests().length, 1, 'still valid outside the margin');
    clock.advance(2000);
    await client.getMfaSettings();
    assert.equal(tokenRequests().length, 2, 'renewed inside the 60 s margin');
    const tokenEvents = events.filter((e) => e.event === 'pingone.token');
    assert.equal(tokenEvents.length, 2);
    assert.ok(
      events.every((e) => !JSON.stringify(e).includes(engine.clientSecret)),
      'no secret in events',
    );
  });

  it('a wrong secret → kind auth, and the secret is not in the message', async () => {
    const bad = newClient({ clientSecret: 'not-the-secret' });
    await assert.rejects(bad.getMfaSettings(), (error: unknown) => {
      assert.ok(error instanceof PingOneUnavailableError, 'PingOneUnavailableError');
      assert.equal(error.kind, 'auth');
      assert.equal(error.status, 401);
      assert.ok(!error.message.includes('not-the-secret'), 'no secret');
      assert.ok(!error.message.includes('invalid_client'), 'no upstream body');
      return true;
    });
  });
});
