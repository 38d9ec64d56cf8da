/**
 * Environment configuration: mfaSettings (read, update, reset), device authentication policies
 * (CRUD, default flag, validation against the security bar) and FIDO2 policies (read).
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { Harness, assertError, type Reply } from '../../test/helpers/engine-harness.ts';

type Json = Record<string, unknown>;

const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

const targets = (reply: Reply): (string | undefined)[] =>
  ((reply.body.details ?? []) as { target?: string }[]).map((detail) => detail.target);

/** Sets `value` at a dotted path in a deep copy of `body`. */
function withValue(body: Json, path: string, value: unknown): Json {
  const copy = structuredClone(body);
  const keys = path.split('.');
  let node: Json = copy;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    assert.ok(typeof next === 'object' && next !== null, `no object at ${key} of ${path}`);
    node = next as Json;
  }
  node[keys[keys.length - 1]!] = value;
  return copy;
}

function policiesOf(reply: Reply): Json[] {
  assert.equal(reply.status, 200, reply.text);
  return (reply.body._embedded as { deviceAuthenticationPolicies: Json[] })
    .deviceAuthenticationPolicies;
}

function fido2PoliciesOf(reply: Reply): Json[] {
  assert.equal(reply.status, 200, reply.text);
  return (reply.body._embedded as { fido2Policies: Json[] }).fido2Policies;
}

// ---------------------------------------------------------------------------------------------

describe('mfaSettings', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await Harness.start();
  });
  afterEach(() => {
    h.close();
  });

  const path = () => h.api('/mfaSettings');

  test('GET returns the seeded settings', async () => {
    const reply = await h.get(path());
    assert.equal(reply.status, 200);
    assert.deepEqual(reply.body.pairing, { maxAllowedDevices: 5, pairingKeyFormat: 'NUMERIC' });
    assert.deepEqual(reply.body.lockout, { failureCount: 10, durationSeconds: 900 });
    assert.deepEqual(reply.body.users, { mfaEnabled: true });
    assert.deepEqual(reply.body.environment, { id: h.env });
    assert.equal(reply.body.updatedAt, new Date(h.clock.ms).toISOString());
    const links = reply.body._links as Record<string, { href: string }>;
    assert.equal(links.self?.href, `http://engine.test${path()}`);
  });

  test('PUT replaces the settings; echoed read-only fields are accepted and ignored', async () => {
    const current = (await h.get(path())).body;
    h.clock.advance(60_000);
    const body = {
      ...current,
      pairing: { maxAllowedDevices: 15, pairingKeyFormat: 'ALPHANUMERIC' },
      environment: { id: UNKNOWN_ID },
      updatedAt: '2000-01-01T00:00:00.000Z',
      _links: { self: { href: 'http://elsewhere.invalid/' } },
    };
    const reply = await h.put(path(), { body });
    assert.equal(reply.status, 200, reply.text);
    assert.deepEqual(reply.body.pairing, {
      maxAllowedDevices: 15,
      pairingKeyFormat: 'ALPHANUMERIC',
    });
    assert.deepEqual(reply.body.environment, { id: h.env });
    assert.equal(reply.body.updatedAt, new Date(h.clock.ms).toISOString());
    assert.notEqual(reply.body.updatedAt, current.updatedAt);
    const links = reply.body._links as Record<string, { href: string }>;
    assert.equal(links.self?.href, `http://engine.test${path()}`);
    const stored = JSON.parse((h.snapshot('settings')[0] as { body: string }).body) as Json;
    assert.equal('environment' in stored, false);
    assert.equal('_links' in stored, false);
    assert.equal('updatedAt' in stored, false);
    assert.deepEqual((await h.get(path())).body, reply.body);
  });

  test('PUT with only the required member drops the optional ones', async () => {
    const reply = await h.put(path(), {
      body: { pairing: { maxAllowedDevices: 1, pairingKeyFormat: 'NUMERIC' } },
    });
    assert.equal(reply.status, 200, reply.text);
    assert.equal('lockout' in reply.body, false);
    assert.equal('users' in reply.body, false);
  });

  const pairing = { maxAllowedDevices: 5, pairingKeyFormat: 'NUMERIC' };
  const invalid: [string, Json, string, string][] = [
    [
      'maxAllowedDevices 0',
      { pairing: { ...pairing, maxAllowedDevices: 0 } },
      'pairing.maxAllowedDevices',
      'OUT_OF_RANGE',
    ],
    [
      'maxAllowedDevices 16',
      { pairing: { ...pairing, maxAllowedDevices: 16 } },
      'pairing.maxAllowedDevices',
      'OUT_OF_RANGE',
    ],
    [
      'maxAllowedDevices 2.5',
      { pairing: { ...pairing, maxAllowedDevices: 2.5 } },
      'pairing.maxAllowedDevices',
      'INVALID_VALUE',
    ],
    [
      "pairingKeyFormat 'WORDS'",
      { pairing: { ...pairing, pairingKeyFormat: 'WORDS' } },
      'pairing.pairingKeyFormat',
      'INVALID_VALUE',
    ],
    ['no pairing', { users: { mfaEnabled: true } }, 'pairing', 'REQUIRED_VALUE'],
    ['an unknown top-level field', { pairing, colour: 'blue' }, 'colour', 'INVALID_VALUE'],
    [
      'an unknown nested field',
      { pairing: { ...pairing, extra: 1 } },
      'pairing.extra',
      'INVALID_VALUE',
    ],
    [
      'lockout.failureCount 0',
      { pairing, lockout: { failureCount: 0 } },
      'lockout.failureCount',
      'OUT_OF_RANGE',
    ],
    [
      'authentication.deviceSelection ALWAYS_DISPLAY_DEVICES (policy-only value)',
      { pairing, authentication: { deviceSelection: 'ALWAYS_DISPLAY_DEVICES' } },
      'authentication.deviceSelection',
      'INVALID_VALUE',
    ],
  ];
  for (const [name, body, target, detail] of invalid) {
    test(`PUT with ${name} → 400, settings unchanged`, async () => {
      const before = h.snapshot('settings');
      const reply = await h.put(path(), { body });
      assertError(reply, 400, 'INVALID_DATA', detail);
      assert.ok(targets(reply).includes(target), `${reply.text} should name ${target}`);
      assert.deepEqual(h.snapshot('settings'), before);
    });
  }

  test('PUT with a non-JSON content type → 415, settings unchanged', async () => {
    const before = h.snapshot('settings');
    assertError(
      await h.put(path(), { raw: 'x', type: 'text/plain' }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    assert.deepEqual(h.snapshot('settings'), before);
  });

  test('DELETE resets to the defaults (204)', async () => {
    const defaults = (await h.get(path())).body;
    const changed = await h.put(path(), {
      body: {
        pairing: { maxAllowedDevices: 2, pairingKeyFormat: 'ALPHANUMERIC' },
        users: { mfaEnabled: false },
      },
    });
    assert.equal(changed.status, 200, changed.text);
    h.clock.advance(1000);
    const reset = await h.delete(path());
    assert.equal(reset.status, 204);
    assert.equal(reset.text, '');
    const after = (await h.get(path())).body;
    assert.equal(after.updatedAt, new Date(h.clock.ms).toISOString());
    assert.deepEqual({ ...after, updatedAt: undefined }, { ...defaults, updatedAt: undefined });
  });
});

// ---------------------------------------------------------------------------------------------

describe('deviceAuthenticationPolicies', () => {
  let h: Harness;
  let seeded: Json;
  beforeEach(async () => {
    h = await Harness.start();
    const list = policiesOf(await h.get(h.api('/deviceAuthenticationPolicies')));
    assert.equal(list.length, 1);
    seeded = list[0]!;
  });
  afterEach(() => {
    h.close();
  });

  const collection = () => h.api('/deviceAuthenticationPolicies');
  const one = (id: unknown) => h.api(`/deviceAuthenticationPolicies/${String(id)}`);

  /** The seeded default's body under a new name, not default. */
  const copyOfDefault = (name = 'Copy'): Json => ({
    ...structuredClone(seeded),
    name,
    default: false,
  });

  async function create(body: Json): Promise<Json> {
    const reply = await h.post(collection(), { body });
    assert.equal(reply.status, 201, reply.text);
    return reply.body;
  }

  test('the seeded default is listed, default and not a sign-on policy', () => {
    assert.equal(seeded.default, true);
    assert.equal(seeded.forSignOnPolicy, false);
    assert.equal(seeded.name, 'Default MFA Policy');
    assert.deepEqual(seeded.environment, { id: h.env });
    assert.equal(
      h.snapshot('policies').filter((row) => (row as { kind: string }).kind === 'mfa').length,
      1,
    );
  });

  test('seeded values follow security-bar.md: 5-minute 6-digit codes, 5 failures then 5 minutes, TOTP ±1', () => {
    const fiveMinutes = { duration: 5, timeUnit: 'MINUTES' };
    for (const method of ['sms', 'voice', 'email', 'whatsApp']) {
      const otp = (seeded[method] as { otp: Json }).otp;
      assert.deepEqual(otp.lifeTime, fiveMinutes, method);
      assert.equal(otp.otpLength, 6, method);
      assert.deepEqual(otp.failure, { count: 5, coolDown: fiveMinutes }, method);
    }
    const totp = seeded.totp as Json;
    assert.equal(totp.passcodeGracePeriod, 1);
    assert.deepEqual(totp.uriParameters, { issuer: 'mfa-elements' });
    assert.deepEqual((totp.otp as Json).failure, { count: 5, coolDown: fiveMinutes });
    assert.deepEqual(((seeded.oathToken as Json).otp as Json).failure, {
      count: 5,
      coolDown: fiveMinutes,
    });
    assert.deepEqual((seeded.fido2 as Json).failure, { count: 5, coolDown: fiveMinutes });
    assert.equal((seeded.mobile as Json).enabled, false);
  });

  test('the issuer option seeds the TOTP issuer', async () => {
    const other = await Harness.start({ issuer: 'Acme Bank' });
    try {
      const [policy] = policiesOf(await other.get(other.api('/deviceAuthenticationPolicies')));
      assert.deepEqual((policy!.totp as Json).uriParameters, { issuer: 'Acme Bank' });
    } finally {
      other.close();
    }
  });

  test('reads one policy', async () => {
    const reply = await h.get(one(seeded.id));
    assert.equal(reply.status, 200);
    assert.deepEqual(reply.body, seeded);
  });

  test('an unknown id → 404 on GET, PUT and DELETE, policies unchanged', async () => {
    const before = h.snapshot('policies');
    assertError(await h.get(one(UNKNOWN_ID)), 404, 'NOT_FOUND');
    assertError(await h.put(one(UNKNOWN_ID), { body: copyOfDefault() }), 404, 'NOT_FOUND');
    assertError(await h.delete(one(UNKNOWN_ID)), 404, 'NOT_FOUND');
    // A FIDO2 policy id is not an MFA policy id.
    const fido2 = fido2PoliciesOf(await h.get(h.api('/fido2Policies')))[0]!;
    assertError(await h.get(one(fido2.id)), 404, 'NOT_FOUND');
    assertError(await h.delete(one(fido2.id)), 404, 'NOT_FOUND');
    assert.deepEqual(h.snapshot('policies'), before);
  });

  test('creates a policy from a copy of the default (201); the default stays the default', async () => {
    const created = await create(copyOfDefault('Strict'));
    assert.equal(created.name, 'Strict');
    assert.equal(created.default, false);
    assert.notEqual(created.id, seeded.id);
    assert.deepEqual(created.sms, seeded.sms);
    const list = policiesOf(await h.get(collection()));
    assert.deepEqual(
      list.map((policy) => [policy.name, policy.default]),
      [
        ['Default MFA Policy', true],
        ['Strict', false],
      ],
    );
    assert.equal(list[0]!.id, seeded.id);
    assert.deepEqual((await h.get(one(created.id))).body, created);
  });

  test('schema defaults fill members a client leaves out', async () => {
    const body = copyOfDefault('Minimal');
    const sms = body.sms as Json;
    delete sms.pairingDisabled;
    delete (sms.otp as Json).otpLength;
    delete body.newDeviceNotification;
    const created = await create(body);
    assert.equal((created.sms as Json).pairingDisabled, false);
    assert.equal(((created.sms as Json).otp as Json).otpLength, 6);
    assert.equal(created.newDeviceNotification, 'NONE');
  });

  test('PUT updates a policy (deviceSelection PROMPT_TO_SELECT)', async () => {
    const created = await create(copyOfDefault());
    h.clock.advance(1000);
    const reply = await h.put(one(created.id), {
      body: withValue(created, 'authentication.deviceSelection', 'PROMPT_TO_SELECT'),
    });
    assert.equal(reply.status, 200, reply.text);
    assert.deepEqual(reply.body.authentication, { deviceSelection: 'PROMPT_TO_SELECT' });
    assert.equal(reply.body.createdAt, created.createdAt);
    assert.equal(reply.body.updatedAt, new Date(h.clock.ms).toISOString());
    const read = await h.get(one(created.id));
    assert.deepEqual(read.body.authentication, { deviceSelection: 'PROMPT_TO_SELECT' });
  });

  test('PUT of the default with its own body unchanged is accepted (read-only members ignored)', async () => {
    const reply = await h.put(one(seeded.id), { body: seeded });
    assert.equal(reply.status, 200, reply.text);
    assert.deepEqual({ ...reply.body, updatedAt: undefined }, { ...seeded, updatedAt: undefined });
  });

  test('creating a default policy moves the flag', async () => {
    const created = await create({ ...copyOfDefault('New default'), default: true });
    assert.equal(created.default, true);
    const list = policiesOf(await h.get(collection()));
    assert.deepEqual(
      list.filter((policy) => policy.default === true).map((policy) => policy.id),
      [created.id],
    );
    assert.equal((await h.get(one(seeded.id))).body.default, false);
    // The former default can now be deleted.
    assert.equal((await h.delete(one(seeded.id))).status, 204);
  });

  test('updating a policy to default moves the flag', async () => {
    const created = await create(copyOfDefault());
    const reply = await h.put(one(created.id), { body: { ...created, default: true } });
    assert.equal(reply.status, 200, reply.text);
    assert.equal(reply.body.default, true);
    assert.equal((await h.get(one(seeded.id))).body.default, false);
    const defaults = h.snapshot('policies').filter((row) => {
      const policy = row as { kind: string; is_default: number };
      return policy.kind === 'mfa' && policy.is_default === 1;
    });
    assert.equal(defaults.length, 1);
  });

  test('DELETE removes a policy (204); it is gone afterwards', async () => {
    const created = await create(copyOfDefault());
    const reply = await h.delete(one(created.id));
    assert.equal(reply.status, 204);
    assert.equal(reply.text, '');
    assertError(await h.get(one(created.id)), 404, 'NOT_FOUND');
    assert.equal(policiesOf(await h.get(collection())).length, 1);
  });

  test('deleting the default → 400, policies unchanged', async () => {
    const before = h.snapshot('policies');
    assertError(await h.delete(one(seeded.id)), 400, 'INVALID_REQUEST', 'INVALID_STATE');
    assert.deepEqual(h.snapshot('policies'), before);
  });

  test('un-defaulting the default → 400, policies unchanged', async () => {
    await create(copyOfDefault());
    const before = h.snapshot('policies');
    assertError(
      await h.put(one(seeded.id), { body: { ...seeded, default: false } }),
      400,
      'INVALID_REQUEST',
      'INVALID_STATE',
    );
    assert.deepEqual(h.snapshot('policies'), before);
  });

  test('fido2.fido2PolicyId may name an existing FIDO2 policy', async () => {
    const securityKeys = fido2PoliciesOf(await h.get(h.api('/fido2Policies'))).find(
      (policy) => policy.name === 'Security Keys',
    );
    assert.ok(securityKeys);
    const created = await create(
      withValue(copyOfDefault(), 'fido2.fido2PolicyId', securityKeys.id),
    );
    assert.equal((created.fido2 as Json).fido2PolicyId, securityKeys.id);
  });

  test('a null fido2PolicyId (the default FIDO2 policy) is accepted and rendered as absent', async () => {
    const created = await create(withValue(copyOfDefault(), 'fido2.fido2PolicyId', null));
    // The spec types fido2PolicyId as a string; absent means the environment default, like null.
    assert.equal('fido2PolicyId' in (created.fido2 as Json), false);
  });

  /** [name, dotted path, value, detail target, detail code] */
  const invalid: [string, string, unknown, string, string][] = [
    [
      'otp.lifeTime of 11 minutes (security bar: at most 10)',
      'sms.otp.lifeTime',
      { duration: 11, timeUnit: 'MINUTES' },
      'sms.otp.lifeTime',
      'INVALID_VALUE',
    ],
    [
      'otp.lifeTime of 601 seconds',
      'email.otp.lifeTime',
      { duration: 601, timeUnit: 'SECONDS' },
      'email.otp.lifeTime',
      'INVALID_VALUE',
    ],
    [
      'otp.lifeTime of 30 minutes (PingOne’s maximum)',
      'voice.otp.lifeTime',
      { duration: 30, timeUnit: 'MINUTES' },
      'voice.otp.lifeTime',
      'INVALID_VALUE',
    ],
    [
      'otp.lifeTime of 29 seconds',
      'whatsApp.otp.lifeTime',
      { duration: 29, timeUnit: 'SECONDS' },
      'whatsApp.otp.lifeTime',
      'INVALID_VALUE',
    ],
    [
      'otp.lifeTime in HOURS',
      'sms.otp.lifeTime',
      { duration: 1, timeUnit: 'HOURS' },
      'sms.otp.lifeTime.timeUnit',
      'INVALID_VALUE',
    ],
    ['otpLength 5', 'sms.otp.otpLength', 5, 'sms.otp.otpLength', 'OUT_OF_RANGE'],
    ['otpLength 11', 'email.otp.otpLength', 11, 'email.otp.otpLength', 'OUT_OF_RANGE'],
    [
      'an unknown fido2PolicyId',
      'fido2.fido2PolicyId',
      UNKNOWN_ID,
      'fido2.fido2PolicyId',
      'INVALID_VALUE',
    ],
    ['an unknown top-level field', 'colour', 'blue', 'colour', 'INVALID_VALUE'],
    ['an unknown nested field', 'sms.otp.extra', true, 'sms.otp.extra', 'INVALID_VALUE'],
    [
      'mobile.enabled true (push is not offered)',
      'mobile.enabled',
      true,
      'mobile.enabled',
      'INVALID_VALUE',
    ],
    [
      'passcodeGracePeriod 0',
      'totp.passcodeGracePeriod',
      0,
      'totp.passcodeGracePeriod',
      'OUT_OF_RANGE',
    ],
    [
      'passcodeGracePeriod 11',
      'totp.passcodeGracePeriod',
      11,
      'totp.passcodeGracePeriod',
      'OUT_OF_RANGE',
    ],
    ['otp.failure.count 0', 'sms.otp.failure.count', 0, 'sms.otp.failure.count', 'OUT_OF_RANGE'],
    ['an empty name', 'name', '   ', 'name', 'INVALID_VALUE'],
    [
      'deviceSelection SOMETIMES',
      'authentication.deviceSelection',
      'SOMETIMES',
      'authentication.deviceSelection',
      'INVALID_VALUE',
    ],
    [
      'rememberMe for 91 days',
      'rememberMe.web.lifeTime',
      { duration: 91, timeUnit: 'DAYS' },
      'rememberMe.web.lifeTime',
      'INVALID_VALUE',
    ],
  ];

  for (const [name, path, value, target, detail] of invalid) {
    test(`POST with ${name} → 400, policies unchanged`, async () => {
      const before = h.snapshot('policies');
      const reply = await h.post(collection(), { body: withValue(copyOfDefault(), path, value) });
      assertError(reply, 400, 'INVALID_DATA', detail);
      assert.ok(targets(reply).includes(target), `${reply.text} should name ${target}`);
      assert.deepEqual(h.snapshot('policies'), before);
    });
  }

  test('PUT with each invalid body → 400, policies unchanged', async () => {
    const created = await create(copyOfDefault());
    const before = h.snapshot('policies');
    for (const [name, path, value, target, detail] of invalid) {
      const reply = await h.put(one(created.id), { body: withValue(created, path, value) });
      assertError(reply, 400, 'INVALID_DATA', detail);
      assert.ok(targets(reply).includes(target), `${name}: ${reply.text} should name ${target}`);
    }
    assert.deepEqual(h.snapshot('policies'), before);
  });

  test('a required method object missing → 400 REQUIRED_VALUE', async () => {
    const body = copyOfDefault();
    delete body.totp;
    const before = h.snapshot('policies');
    const reply = await h.post(collection(), { body });
    assertError(reply, 400, 'INVALID_DATA', 'REQUIRED_VALUE');
    assert.deepEqual(targets(reply), ['totp']);
    assert.deepEqual(h.snapshot('policies'), before);
  });

  test('the boundaries themselves are accepted: lifeTime 10 minutes, otpLength 10, 30 seconds', async () => {
    let body = withValue(copyOfDefault(), 'sms.otp.lifeTime', {
      duration: 10,
      timeUnit: 'MINUTES',
    });
    body = withValue(body, 'sms.otp.otpLength', 10);
    body = withValue(body, 'email.otp.lifeTime', { duration: 30, timeUnit: 'SECONDS' });
    const created = await create(body);
    assert.deepEqual(((created.sms as Json).otp as Json).lifeTime, {
      duration: 10,
      timeUnit: 'MINUTES',
    });
    assert.equal(((created.sms as Json).otp as Json).otpLength, 10);
  });
});

// ---------------------------------------------------------------------------------------------

describe('fido2Policies', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await Harness.start();
  });
  afterEach(() => {
    h.close();
  });

  test('lists the two seeded policies: Passkeys (default) and Security Keys', async () => {
    const reply = await h.get(h.api('/fido2Policies'));
    const list = fido2PoliciesOf(reply);
    assert.equal(reply.body.count, 2);
    assert.deepEqual(
      list.map((policy) => [policy.name, policy.default]),
      [
        ['Passkeys', true],
        ['Security Keys', false],
      ],
    );
    const [passkeys, securityKeys] = list as [Json, Json];
    assert.equal(passkeys.relyingPartyId, 'localhost');
    assert.equal(passkeys.discoverableCredentials, 'REQUIRED');
    assert.deepEqual(passkeys.userVerification, {
      option: 'REQUIRED',
      enforceDuringAuthentication: true,
    });
    assert.equal(securityKeys.relyingPartyId, 'localhost');
    assert.equal(securityKeys.authenticatorAttachment, 'CROSS_PLATFORM');
    assert.equal('forSignOnPolicy' in passkeys, false);
  });

  test('reads one', async () => {
    const [passkeys] = fido2PoliciesOf(await h.get(h.api('/fido2Policies')));
    const reply = await h.get(h.api(`/fido2Policies/${String(passkeys!.id)}`));
    assert.equal(reply.status, 200);
    assert.deepEqual(reply.body, passkeys);
  });

  test('an unknown id, or an MFA policy id → 404', async () => {
    assertError(await h.get(h.api(`/fido2Policies/${UNKNOWN_ID}`)), 404, 'NOT_FOUND');
    const [mfa] = policiesOf(await h.get(h.api('/deviceAuthenticationPolicies')));
    assertError(await h.get(h.api(`/fido2Policies/${String(mfa!.id)}`)), 404, 'NOT_FOUND');
  });

  test('createEngine({relyingPartyId}) seeds that RP id', async () => {
    const other = await Harness.start({ relyingPartyId: 'example.com' });
    try {
      const list = fido2PoliciesOf(await other.get(other.api('/fido2Policies')));
      assert.deepEqual(
        list.map((policy) => policy.relyingPartyId),
        ['example.com', 'example.com'],
      );
    } finally {
      other.close();
    }
  });
});
