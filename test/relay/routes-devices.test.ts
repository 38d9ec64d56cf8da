/**
 * Device routes of the relay: every happy path, ownership (security bar §4 cases 24 and 27),
 * step-up and session purposes (case 33), and phone validation (case 18).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { outboxMessages } from '../../src/engine/context.ts';
import { totpCode } from '../helpers/engine-harness.ts';
import {
  assertRelayError,
  relaxedLimits,
  ORIGIN,
  RelayHarness,
  type Reply,
  type UpstreamCall,
} from '../helpers/relay-harness.ts';
import { SoftAuthenticator } from '../helpers/soft-authenticator.ts';

const OATH_SERIAL = '10000000000001';
const OATH_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

interface DeviceBody {
  id: string;
  type: string;
  status: string;
  nickname?: string;
  target?: string;
  serialNumber?: string;
}

const deviceOf = (reply: Reply): DeviceBody => reply.body.device as DeviceBody;

async function userId(harness: RelayHarness, sub: string): Promise<string> {
  const user = await harness.pingone.findUserByUsername(sub);
  assert.ok(user, `user ${sub} exists upstream`);
  return user.id;
}

/** Runs `work`, returning its reply and the upstream calls it made; asserts no engine change. */
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

/** A fresh browser with a session for `sub`, an active TOTP device and a fresh step-up. */
async function enrollTotp(
  harness: RelayHarness,
  sub: string,
  purpose: 'enroll' | 'manage' = 'manage',
): Promise<{ secret: string; deviceId: string }> {
  harness.jar.clear();
  await harness.session(sub, purpose);
  return harness.enrollTotp();
}

/** Adds an SMS/VOICE/EMAIL/WHATSAPP device and activates it with the delivered code. */
async function addOob(
  harness: RelayHarness,
  body: Record<string, unknown>,
  recipient: string,
): Promise<DeviceBody> {
  const created = await harness.send('POST', '/devices', { body });
  assert.equal(created.status, 201, created.text);
  const device = deviceOf(created);
  assert.equal(device.type, body.type);
  assert.equal(device.status, 'ACTIVATION_REQUIRED');
  assert.ok(device.target?.includes('*'), `target masked: ${created.text}`);
  const activated = await harness.send('POST', `/devices/${device.id}/activation`, {
    body: { otp: await harness.lastCode(recipient) },
  });
  assert.equal(activated.status, 200, activated.text);
  assert.equal(deviceOf(activated).status, 'ACTIVE');
  assert.equal(typeof activated.body.result, 'string', 'activation completes MFA');
  return deviceOf(activated);
}

describe('device routes: happy paths', () => {
  let harness: RelayHarness;
  before(async () => {
    harness = await RelayHarness.start({ limits: relaxedLimits() });
  });
  after(() => {
    harness.close();
  });

  it('GET /devices lists nothing for a new user, with the policy view', async () => {
    harness.jar.clear();
    await harness.session('hp-empty', 'manage');
    const listed = await harness.send('GET', '/devices');
    assert.equal(listed.status, 200, listed.text);
    assert.deepEqual(listed.body.devices, []);
    const policy = listed.body.policy as {
      methods: string[];
      otpLength: Record<string, number>;
      rememberBrowser: boolean;
      deviceLimit?: number;
    };
    assert.deepEqual(
      [...policy.methods].sort(),
      ['EMAIL', 'FIDO2', 'OATH_TOKEN', 'SMS', 'TOTP', 'VOICE', 'WHATSAPP'],
      listed.text,
    );
    assert.equal(policy.otpLength.SMS, 6);
    assert.equal(policy.otpLength.TOTP, 6);
    assert.equal(policy.rememberBrowser, true);
    assert.equal(policy.deviceLimit, 5);
  });

  it('adds TOTP, SMS, VOICE (with extension), EMAIL and WHATSAPP devices', async () => {
    const { deviceId: totpId } = await enrollTotp(harness, 'hp-oob');
    const id = await userId(harness, 'hp-oob');
    const sms = await addOob(harness, { type: 'SMS', phone: '+14155550101' }, '+14155550101');
    const voice = await addOob(
      harness,
      { type: 'VOICE', phone: '+442079460000', extension: '123', nickname: 'Desk' },
      '+442079460000',
    );
    assert.equal(voice.nickname, 'Desk');
    const email = await addOob(
      harness,
      { type: 'EMAIL', email: 'hp-oob@example.com' },
      'hp-oob@example.com',
    );
    assert.equal(email.target, 'h****@example.com');
    const whatsapp = await addOob(
      harness,
      { type: 'WHATSAPP', phone: '+14155550102' },
      '+14155550102',
    );

    const upstreamVoice = await harness.pingone.getDevice(id, voice.id);
    assert.equal(upstreamVoice.extension, '123');
    assert.equal(upstreamVoice.phone, '+442079460000');

    const listed = await harness.send('GET', '/devices');
    assert.equal(listed.status, 200, listed.text);
    const devices = listed.body.devices as DeviceBody[];
    assert.deepEqual(
      devices.map((device) => [device.id, device.type, device.status]),
      [
        [totpId, 'TOTP', 'ACTIVE'],
        [sms.id, 'SMS', 'ACTIVE'],
        [voice.id, 'VOICE', 'ACTIVE'],
        [email.id, 'EMAIL', 'ACTIVE'],
        [whatsapp.id, 'WHATSAPP', 'ACTIVE'],
      ],
    );
    assert.ok(!listed.text.includes('4155550101'), 'phone numbers are masked');
  });

  it('adds an OATH token and a FIDO2 key, renames, reorders and deletes', async () => {
    harness.jar.clear();
    await harness.session('hp-hw', 'manage');
    const oath = await harness.send('POST', '/devices', {
      body: { type: 'OATH_TOKEN', serialNumber: OATH_SERIAL },
    });
    assert.equal(oath.status, 201, oath.text);
    assert.equal(deviceOf(oath).serialNumber, OATH_SERIAL);
    assert.equal(oath.body.secret, undefined, 'no secret for a hardware token');
    const oathActivated = await harness.send('POST', `/devices/${deviceOf(oath).id}/activation`, {
      body: { otp: totpCode(OATH_SECRET, harness.clock.now()) },
    });
    assert.equal(oathActivated.status, 200, oathActivated.text);
    assert.equal(deviceOf(oathActivated).status, 'ACTIVE');

    const authenticator = new SoftAuthenticator();
    const fido = await harness.send('POST', '/devices', {
      body: { type: 'FIDO2', nickname: 'Key' },
    });
    assert.equal(fido.status, 201, fido.text);
    const credential = authenticator.create(
      fido.body.publicKeyOptions as PublicKeyCredentialCreationOptionsJSON,
      ORIGIN,
    );
    const fidoActivated = await harness.send('POST', `/devices/${deviceOf(fido).id}/activation`, {
      body: { credential },
    });
    assert.equal(fidoActivated.status, 200, fidoActivated.text);
    assert.deepEqual(
      [deviceOf(fidoActivated).type, deviceOf(fidoActivated).status],
      ['FIDO2', 'ACTIVE'],
    );

    const renamed = await harness.send('PATCH', `/devices/${deviceOf(oath).id}`, {
      body: { nickname: 'Token on keyring' },
    });
    assert.equal(renamed.status, 200, renamed.text);
    assert.equal(deviceOf(renamed).nickname, 'Token on keyring');

    const ordered = await harness.send('PUT', '/devices/order', {
      body: { order: [deviceOf(fido).id, deviceOf(oath).id] },
    });
    assert.equal(ordered.status, 200, ordered.text);
    assert.deepEqual(
      (ordered.body.devices as DeviceBody[]).map((device) => device.id),
      [deviceOf(fido).id, deviceOf(oath).id],
    );

    const deleted = await harness.send('DELETE', `/devices/${deviceOf(oath).id}`);
    assert.equal(deleted.status, 204, deleted.text);
    const listed = await harness.send('GET', '/devices');
    assert.deepEqual(
      (listed.body.devices as DeviceBody[]).map((device) => device.id),
      [deviceOf(fido).id],
    );
  });

  it('re-sends an activation code; the new code activates, the old one is dead', async () => {
    harness.jar.clear();
    await harness.session('hp-resend', 'enroll');
    const phone = '+14155550103';
    const created = await harness.send('POST', '/devices', { body: { type: 'SMS', phone } });
    assert.equal(created.status, 201, created.text);
    const first = await harness.lastCode(phone);
    const resent = await harness.send('POST', `/devices/${deviceOf(created).id}/activation-code`);
    assert.equal(resent.status, 204, resent.text);
    assert.equal(await harness.outboxCount(phone), 2);
    const second = await harness.lastCode(phone);
    if (first !== second) {
      const old = await harness.send('POST', `/devices/${deviceOf(created).id}/activation`, {
        body: { otp: first },
      });
      assert.equal(old.status, 400, old.text);
      assert.ok(
        ['OTP_INVALID', 'OTP_EXPIRED'].includes((old.body.error as { code: string }).code),
        old.text,
      );
    }
    const activated = await harness.send('POST', `/devices/${deviceOf(created).id}/activation`, {
      body: { otp: second },
    });
    assert.equal(activated.status, 200, activated.text);
  });

  it('normalises a phone number with spaces and parentheses to E.164', async () => {
    harness.jar.clear();
    await harness.session('hp-e164', 'enroll');
    const created = await harness.send('POST', '/devices', {
      body: { type: 'SMS', phone: '+1 (415) 555-0104' },
    });
    assert.equal(created.status, 201, created.text);
    const upstream = await harness.pingone.getDevice(
      await userId(harness, 'hp-e164'),
      deviceOf(created).id,
    );
    assert.equal(upstream.phone, '+14155550104');
    assert.equal(await harness.outboxCount('+14155550104'), 1);
  });
});

describe('device routes: phone validation (case 18)', () => {
  let harness: RelayHarness;
  before(async () => {
    harness = await RelayHarness.start({ limits: relaxedLimits() });
    await harness.session('phones', 'enroll');
  });
  after(() => {
    harness.close();
  });

  const bad: [label: string, type: string, phone: string][] = [
    ['not E.164', 'SMS', '4155552671'],
    ['a newline', 'SMS', '+1415555\n2671'],
    ['a semicolon', 'SMS', '+14155552671;ext=1'],
    ['40+ digits', 'SMS', `+${'1'.repeat(41)}`],
    ['24 digits', 'SMS', `+${'1'.repeat(24)}`],
    ['letters', 'SMS', '+1415555CALL'],
    ['a VoIP number', 'SMS', '+445612345678'],
    ['a premium-rate number', 'VOICE', '+19002001234'],
    ['a fixed line for SMS', 'SMS', '+442079460000'],
    ['an unassigned range', 'WHATSAPP', '+441632960000'],
  ];
  for (const [label, type, phone] of bad) {
    it(`refuses ${label} with PHONE_INVALID and sends nothing`, async () => {
      const sent = outboxMessages(harness.engine.context, { limit: 10_000 }).length;
      const { reply, calls } = await unchanged(harness, () =>
        harness.send('POST', '/devices', { body: { type, phone } }),
      );
      assertRelayError(reply, 400, 'PHONE_INVALID');
      assert.deepEqual(RelayHarness.mutations(calls), [], 'nothing changed upstream');
      assert.equal(outboxMessages(harness.engine.context, { limit: 10_000 }).length, sent);
    });
  }
});

describe('device routes: another user’s ids (cases 24 and 27)', () => {
  let harness: RelayHarness;
  let jarB: Map<string, string>;
  let bTotp: string;
  let bSms: string;
  let bAuthentication: string;
  before(async () => {
    harness = await RelayHarness.start({ limits: relaxedLimits() });
    // User B: an active TOTP device, an SMS device waiting for activation, an authentication.
    bTotp = (await enrollTotp(harness, 'owner-b')).deviceId;
    const sms = await harness.send('POST', '/devices', {
      body: { type: 'SMS', phone: '+14155550110' },
    });
    assert.equal(sms.status, 201, sms.text);
    bSms = deviceOf(sms).id;
    const started = await harness.send('POST', '/authentications', { body: {} });
    assert.equal(started.status, 201, started.text);
    bAuthentication = started.body.id as string;
    jarB = new Map(harness.jar);
    // User A: signed in with a fresh step-up, so only ownership can refuse.
    await enrollTotp(harness, 'owner-a');
  });
  after(() => {
    harness.close();
  });

  async function refusedWithoutUpstream(
    work: () => Promise<Reply>,
    code: string,
    ids: readonly string[],
  ): Promise<void> {
    const { reply, calls } = await unchanged(harness, work);
    assertRelayError(reply, 404, code);
    assert.deepEqual(RelayHarness.mutations(calls), [], 'no upstream mutation');
    for (const id of ids) {
      assert.deepEqual(
        calls.filter((call) => call.path.includes(id)),
        [],
        `no upstream call names ${id}`,
      );
    }
  }

  it('refuses B’s device ids on every device route from A’s session', async () => {
    const ids = [bTotp, bSms];
    await refusedWithoutUpstream(
      () => harness.send('DELETE', `/devices/${bTotp}`),
      'DEVICE_NOT_FOUND',
      ids,
    );
    await refusedWithoutUpstream(
      () => harness.send('DELETE', `/devices/${bSms}`),
      'DEVICE_NOT_FOUND',
      ids,
    );
    await refusedWithoutUpstream(
      () => harness.send('PATCH', `/devices/${bTotp}`, { body: { nickname: 'mine' } }),
      'DEVICE_NOT_FOUND',
      ids,
    );
    await refusedWithoutUpstream(
      () => harness.send('POST', `/devices/${bSms}/activation`, { body: { otp: '123456' } }),
      'DEVICE_NOT_FOUND',
      ids,
    );
    await refusedWithoutUpstream(
      () => harness.send('POST', `/devices/${bSms}/activation-code`),
      'DEVICE_NOT_FOUND',
      ids,
    );
    const mine = (await harness.send('GET', '/devices')).body.devices as DeviceBody[];
    const [own] = mine;
    assert.ok(own, 'A has a device');
    await refusedWithoutUpstream(
      () => harness.send('PUT', '/devices/order', { body: { order: [own.id, bTotp] } }),
      'DEVICE_NOT_FOUND',
      ids,
    );
  });

  it('refuses B’s device in A’s authentication (select device)', async () => {
    const started = await harness.send('POST', '/authentications', { body: {} });
    assert.equal(started.status, 201, started.text);
    await refusedWithoutUpstream(
      () =>
        harness.send('POST', `/authentications/${started.body.id as string}/device`, {
          body: { deviceId: bTotp },
        }),
      'DEVICE_NOT_FOUND',
      [bTotp, bSms],
    );
  });

  it('refuses B’s authentication handle on every sign-in route from A’s session', async () => {
    const path = `/authentications/${bAuthentication}`;
    const attempts: (() => Promise<Reply>)[] = [
      () => harness.send('GET', path),
      () => harness.send('DELETE', path),
      () => harness.send('POST', `${path}/otp`, { body: { otp: '123456' } }),
      () => harness.send('POST', `${path}/resend`),
      () => harness.send('POST', `${path}/assertion`, { body: { credential: {} } }),
      () => harness.send('POST', `${path}/device`, { body: { deviceId: bTotp } }),
    ];
    for (const attempt of attempts) {
      const { reply, calls } = await unchanged(harness, attempt);
      assertRelayError(reply, 404, 'AUTHENTICATION_NOT_FOUND');
      assert.deepEqual(calls, [], 'nothing went upstream');
    }
    // B's own session still owns it.
    const jarA = new Map(harness.jar);
    harness.jar.clear();
    for (const [name, value] of jarB) harness.jar.set(name, value);
    const read = await harness.send('GET', path);
    assert.equal(read.status, 200, read.text);
    harness.jar.clear();
    for (const [name, value] of jarA) harness.jar.set(name, value);
  });

  it('refuses an assertion made with B’s credential in A’s authentication', async () => {
    const keyA = new SoftAuthenticator();
    const keyB = new SoftAuthenticator();
    for (const [sub, key] of [
      ['fido-b', keyB],
      ['fido-a', keyA],
    ] as const) {
      harness.jar.clear();
      await harness.session(sub, 'enroll');
      const created = await harness.send('POST', '/devices', { body: { type: 'FIDO2' } });
      assert.equal(created.status, 201, created.text);
      const credential = key.create(
        created.body.publicKeyOptions as PublicKeyCredentialCreationOptionsJSON,
        ORIGIN,
      );
      const activated = await harness.send('POST', `/devices/${deviceOf(created).id}/activation`, {
        body: { credential },
      });
      assert.equal(activated.status, 200, activated.text);
    }
    harness.jar.clear();
    await harness.session('fido-a', 'signin');
    const started = await harness.send('POST', '/authentications', {
      body: { compatibility: 'FULL' },
    });
    assert.equal(started.body.status, 'ASSERTION_REQUIRED', started.text);
    const [credentialB] = keyB.credentials;
    assert.ok(credentialB, 'B has a credential');
    const forged = keyB.get(
      started.body.publicKeyOptions as PublicKeyCredentialRequestOptionsJSON,
      ORIGIN,
      { credentialId: credentialB.id },
    );
    const checked = await harness.send(
      'POST',
      `/authentications/${started.body.id as string}/assertion`,
      { body: { credential: forged } },
    );
    assert.equal(checked.status, 400, checked.text);
    assert.equal(checked.body.result, undefined, 'no result');
    const session = await harness.send('GET', '/session');
    assert.equal(session.body.mfaCompletedAt, undefined, `A is not signed in: ${session.text}`);
  });
});

describe('device routes: step-up and purposes (case 33)', () => {
  let harness: RelayHarness;
  before(async () => {
    harness = await RelayHarness.start({ limits: relaxedLimits() });
  });
  after(() => {
    harness.close();
  });

  async function refusedReauth(work: () => Promise<Reply>): Promise<void> {
    const { reply, calls } = await unchanged(harness, work);
    assertRelayError(reply, 401, 'REAUTH_REQUIRED');
    assert.deepEqual(RelayHarness.mutations(calls), [], 'no upstream mutation');
  }

  it('needs a recent MFA to rename, reorder, delete or add a second device', async () => {
    const { secret, deviceId } = await enrollTotp(harness, 'stepup');
    const added = await harness.send('POST', '/devices', {
      body: { type: 'EMAIL', email: 'stepup@example.com' },
    });
    assert.equal(added.status, 201, added.text);
    const emailId = deviceOf(added).id;

    // A new session: no MFA in it yet.
    harness.jar.clear();
    await harness.session('stepup', 'manage');
    const audited = harness.audits('relay.reauth_required').length;
    const tries = () => [
      () => harness.send('PATCH', `/devices/${deviceId}`, { body: { nickname: 'x' } }),
      () => harness.send('PUT', '/devices/order', { body: { order: [emailId, deviceId] } }),
      () => harness.send('DELETE', `/devices/${deviceId}`),
      () => harness.send('POST', '/devices', { body: { type: 'SMS', phone: '+14155550120' } }),
    ];
    for (const attempt of tries()) await refusedReauth(attempt);
    assert.equal(harness.audits('relay.reauth_required').length, audited + 4, 'audited');
    assert.equal(await harness.outboxCount('+14155550120'), 0, 'no SMS sent');

    // Sign in: now they work.
    harness.clock.advance(30_000);
    const started = await harness.send('POST', '/authentications', { body: {} });
    assert.equal(started.status, 201, started.text);
    const done = await harness.send('POST', `/authentications/${started.body.id as string}/otp`, {
      body: { otp: totpCode(secret, harness.clock.now()) },
    });
    assert.equal(done.body.status, 'COMPLETED', done.text);
    const renamed = await harness.send('PATCH', `/devices/${deviceId}`, {
      body: { nickname: 'Phone app' },
    });
    assert.equal(renamed.status, 200, renamed.text);
    const ordered = await harness.send('PUT', '/devices/order', {
      body: { order: [emailId, deviceId] },
    });
    assert.equal(ordered.status, 200, ordered.text);

    // Older than 300 s: refused again.
    harness.clock.advance(301_000);
    for (const attempt of tries()) await refusedReauth(attempt);

    // A fresh sign-in again, then adding and deleting work.
    harness.clock.advance(30_000);
    const again = await harness.send('POST', '/authentications', {
      body: {},
    });
    assert.equal(again.status, 201, again.text);
    let current = again;
    if (current.body.selectedDeviceId !== deviceId) {
      current = await harness.send('POST', `/authentications/${again.body.id as string}/device`, {
        body: { deviceId },
      });
    }
    const redone = await harness.send('POST', `/authentications/${again.body.id as string}/otp`, {
      body: { otp: totpCode(secret, harness.clock.now()) },
    });
    assert.equal(redone.body.status, 'COMPLETED', `${current.text} ${redone.text}`);
    const second = await harness.send('POST', '/devices', {
      body: { type: 'SMS', phone: '+14155550120' },
    });
    assert.equal(second.status, 201, second.text);
    const deleted = await harness.send('DELETE', `/devices/${deviceId}`);
    assert.equal(deleted.status, 204, deleted.text);
  });

  it('a signin session cannot add a device', async () => {
    harness.jar.clear();
    await harness.session('purpose-signin', 'signin');
    const { reply, calls } = await unchanged(harness, () =>
      harness.send('POST', '/devices', { body: { type: 'TOTP' } }),
    );
    assertRelayError(reply, 403, 'PURPOSE_FORBIDDEN');
    assert.deepEqual(calls, [], 'nothing went upstream');
  });

  it('an enroll session can add and abandon a device, but not rename one', async () => {
    harness.jar.clear();
    await harness.session('purpose-enroll', 'enroll');
    const created = await harness.send('POST', '/devices', { body: { type: 'TOTP' } });
    assert.equal(created.status, 201, created.text);
    const abandoned = await harness.send('DELETE', `/devices/${deviceOf(created).id}`);
    assert.equal(abandoned.status, 204, abandoned.text);
    const listed = await harness.send('GET', '/devices');
    assert.deepEqual(listed.body.devices, [], 'no partial enrolment left');

    const { deviceId } = await enrollTotp(harness, 'purpose-enroll', 'enroll');
    const { reply, calls } = await unchanged(harness, () =>
      harness.send('PATCH', `/devices/${deviceId}`, { body: { nickname: 'x' } }),
    );
    assertRelayError(reply, 403, 'PURPOSE_FORBIDDEN');
    assert.deepEqual(calls, [], 'nothing went upstream');
    const { reply: deleted, calls: deleteCalls } = await unchanged(harness, () =>
      harness.send('DELETE', `/devices/${deviceId}`),
    );
    assertRelayError(deleted, 403, 'PURPOSE_FORBIDDEN');
    assert.deepEqual(RelayHarness.mutations(deleteCalls), [], 'an active device stays');
  });
});
