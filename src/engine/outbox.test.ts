/**
 * The outbox (`GET /outbox`): what the engine "sent", newest first, filterable by recipient.
 * Codes exist in plaintext only there: the tables hold hashes.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { Harness, MEDIA, assertError, type Reply } from '../../test/helpers/engine-harness.ts';

interface Message {
  id: number;
  channel: string;
  to: string;
  text: string;
  createdAt: string;
}

const messagesOf = (reply: Reply): Message[] => {
  assert.equal(reply.status, 200, reply.text);
  return reply.body.messages as Message[];
};

const PHONE = '+15125550101';
const EMAIL = 'dana@example.com';

/** A column value as text, whatever its SQLite storage class. */
function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return value.toString();
  if (Buffer.isBuffer(value)) return value.toString('latin1');
  return value === null || value === undefined ? '' : JSON.stringify(value);
}

/** Tables (other than the outbox) with a column value containing `needle`, as `table.column`. */
function whereFound(h: Harness, needle: string): string[] {
  const found: string[] = [];
  for (const [table, rows] of Object.entries(h.snapshotAll())) {
    if (table === 'outbox') continue;
    for (const row of rows as Record<string, unknown>[]) {
      for (const [column, value] of Object.entries(row)) {
        if (asText(value).includes(needle)) found.push(`${table}.${column}`);
      }
    }
  }
  return found;
}

describe('GET /outbox', () => {
  let h: Harness;
  let smsDevice: string;
  let userId: string;
  before(async () => {
    h = await Harness.start();
    userId = await h.createUser('dana', { email: EMAIL, mobilePhone: PHONE });
    // 1: pairing code by SMS.
    const sms = await h.post(h.api(`/users/${userId}/devices`), {
      body: { type: 'SMS', phone: PHONE, status: 'ACTIVATION_REQUIRED' },
    });
    assert.equal(sms.status, 201, sms.text);
    smsDevice = sms.body.id as string;
    // 2: pairing code by email.
    h.clock.advance(1000);
    const email = await h.post(h.api(`/users/${userId}/devices`), {
      body: { type: 'EMAIL', email: 'other@example.com', status: 'ACTIVATION_REQUIRED' },
    });
    assert.equal(email.status, 201, email.text);
    // 3: a resent SMS pairing code.
    h.clock.advance(1000);
    const resend = await h.post(h.api(`/users/${userId}/devices/${smsDevice}`), {
      type: MEDIA.sendActivationCode,
    });
    assert.equal(resend.status, 200, resend.text);
  });
  after(() => {
    h.close();
  });

  test('lists every message, newest first, with channel, to, text and createdAt', async () => {
    const reply = await h.get('/outbox');
    const messages = messagesOf(reply);
    assert.equal(reply.body.count, 3);
    assert.deepEqual(
      messages.map((message) => [message.channel, message.to]),
      [
        ['SMS', PHONE],
        ['EMAIL', 'other@example.com'],
        ['SMS', PHONE],
      ],
    );
    const start = h.clock.ms - 2000;
    assert.deepEqual(
      messages.map((message) => message.createdAt),
      [start + 2000, start + 1000, start].map((ms) => new Date(ms).toISOString()),
    );
    for (const message of messages) {
      assert.match(
        message.text,
        /^Your verification code to confirm your new device is [0-9]{6}\. It expires in 5 minutes\./,
      );
      assert.equal(typeof message.id, 'number');
    }
    assert.ok(messages[0]!.id > messages[2]!.id);
  });

  test('?to= filters by recipient', async () => {
    const sms = messagesOf(await h.get(`/outbox?to=${encodeURIComponent(PHONE)}`));
    assert.equal(sms.length, 2);
    assert.ok(sms.every((message) => message.to === PHONE && message.channel === 'SMS'));
    const email = messagesOf(await h.get(`/outbox?to=${encodeURIComponent('other@example.com')}`));
    assert.deepEqual(
      email.map((message) => message.channel),
      ['EMAIL'],
    );
    assert.deepEqual(messagesOf(await h.get('/outbox?to=%2B19999999999')), []);
  });

  test('limit keeps the newest', async () => {
    const all = messagesOf(await h.get('/outbox'));
    const one = messagesOf(await h.get('/outbox?limit=1'));
    assert.deepEqual(one, all.slice(0, 1));
    const two = messagesOf(await h.get(`/outbox?limit=2&to=${encodeURIComponent(PHONE)}`));
    assert.deepEqual(
      two,
      all.filter((message) => message.to === PHONE),
    );
  });

  test('a resend replaces the code: the two SMS codes differ in the outbox, and only the newest works', async () => {
    const [newest, , oldest] = messagesOf(await h.get('/outbox'));
    const code = (message: Message | undefined) =>
      /is ([0-9]+)\./.exec(message?.text ?? '')?.[1] ?? '';
    // 1 in 10^6 the fresh code equals the old one; then the old-code check below is moot.
    if (code(newest) !== code(oldest)) {
      const before = h.snapshot('devices');
      const stale = await h.post(h.api(`/users/${userId}/devices/${smsDevice}`), {
        type: MEDIA.activate,
        body: { otp: code(oldest) },
      });
      assertError(stale, 400, 'INVALID_DATA');
      assert.notDeepEqual(h.snapshot('devices'), before, 'a wrong code counts as a failure');
    }
    const ok = await h.post(h.api(`/users/${userId}/devices/${smsDevice}`), {
      type: MEDIA.activate,
      body: { otp: code(newest) },
    });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.body.status, 'ACTIVE');
  });

  test('a bad limit → 400 INVALID_DATA (target limit)', async () => {
    for (const limit of ['0', '-3', '1001', '2.5', 'all', '']) {
      const reply = await h.get(`/outbox?limit=${encodeURIComponent(limit)}`);
      assertError(reply, 400, 'INVALID_DATA', 'INVALID_VALUE');
      const details = reply.body.details as { target: string }[];
      assert.equal(details[0]?.target, 'limit', `limit=${limit}`);
    }
  });

  test('an empty or over-long ?to= → 400 INVALID_DATA (target to)', async () => {
    for (const to of ['', 'x'.repeat(255)]) {
      const reply = await h.get(`/outbox?to=${to}`);
      assertError(reply, 400, 'INVALID_DATA', 'INVALID_VALUE');
      const details = reply.body.details as { target: string }[];
      assert.equal(details[0]?.target, 'to');
    }
  });

  test('needs the worker token', async () => {
    assertError(await h.get('/outbox', { token: null }), 401, 'INVALID_TOKEN');
  });
});

describe('codes exist in plaintext only in the outbox', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await Harness.start();
    // Ten-digit codes: a chance match against ids, hashes or timestamps is negligible.
    const policies = await h.get(h.api('/deviceAuthenticationPolicies'));
    const [policy] = (
      policies.body._embedded as { deviceAuthenticationPolicies: Record<string, unknown>[] }
    ).deviceAuthenticationPolicies;
    assert.ok(policy);
    const sms = structuredClone(policy.sms) as { otp: { otpLength: number } };
    sms.otp.otpLength = 10;
    const updated = await h.put(h.api(`/deviceAuthenticationPolicies/${String(policy.id)}`), {
      body: { ...policy, sms },
    });
    assert.equal(updated.status, 200, updated.text);
  });
  afterEach(() => {
    h.close();
  });

  test('pairing and sign-in SMS codes are in no table column and no log event', async () => {
    const userId = await h.createUser('erin', { mobilePhone: PHONE });
    const device = await h.post(h.api(`/users/${userId}/devices`), {
      body: { type: 'SMS', phone: PHONE, status: 'ACTIVATION_REQUIRED' },
    });
    assert.equal(device.status, 201, device.text);
    const deviceId = device.body.id as string;

    const pairingCode = await h.lastCode(PHONE);
    assert.match(pairingCode, /^[0-9]{10}$/);
    assert.deepEqual(whereFound(h, pairingCode), []);
    // The outbox does hold it (so the search above looks in the right kind of place).
    assert.ok(h.snapshot('outbox').some((row) => JSON.stringify(row).includes(pairingCode)));
    const stored = h.snapshot('devices') as { activation_hash: string | null }[];
    assert.match(stored[0]?.activation_hash ?? '', /^[0-9a-f]{64}$/);

    const activated = await h.post(h.api(`/users/${userId}/devices/${deviceId}`), {
      type: MEDIA.activate,
      body: { otp: pairingCode },
    });
    assert.equal(activated.status, 200, activated.text);

    const started = await h.post(h.auth('/deviceAuthentications'), {
      body: { user: { id: userId } },
    });
    assert.equal(started.status, 201, started.text);
    assert.equal(started.body.status, 'OTP_REQUIRED');
    const signInCode = await h.lastCode(PHONE);
    assert.match(signInCode, /^[0-9]{10}$/);
    assert.deepEqual(whereFound(h, signInCode), []);
    const authentications = h.snapshot('device_authentications') as { otp_hash: string | null }[];
    assert.match(authentications[0]?.otp_hash ?? '', /^[0-9a-f]{64}$/);

    for (const code of [pairingCode, signInCode]) {
      assert.equal(JSON.stringify(h.events).includes(code), false, 'codes are never logged');
    }
    // Nor are they in any API response other than the outbox.
    for (const path of [
      h.api(`/users/${userId}/devices`),
      h.auth(`/deviceAuthentications/${String(started.body.id)}`),
    ]) {
      const reply = await h.get(path);
      assert.equal(reply.status, 200, reply.text);
      assert.equal(
        reply.text.includes(pairingCode) || reply.text.includes(signInCode),
        false,
        path,
      );
    }
  });
});
