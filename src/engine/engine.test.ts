import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertError, Harness } from '../../test/helpers/engine-harness.ts';

describe('engine routing', () => {
  let h: Harness;
  before(async () => {
    h = await Harness.start();
  });
  after(() => {
    h.close();
  });

  it('answers a known path with another method 405, listing the allowed ones', async () => {
    const before = h.snapshot('settings');
    const reply = await h.request('PATCH', h.api('/mfaSettings'), { body: { pairing: {} } });
    assertError(reply, 405, 'METHOD_NOT_ALLOWED');
    assert.deepEqual(reply.headers.get('allow')?.split(', ').sort(), ['DELETE', 'GET', 'PUT']);
    assert.deepEqual(h.snapshot('settings'), before);
  });

  it('answers 405 on parameterised paths too', async () => {
    const userId = await h.createUser();
    const reply = await h.request('PATCH', h.api(`/users/${userId}/devices/${userId}`), {
      body: {},
    });
    assertError(reply, 405, 'METHOD_NOT_ALLOWED');
    assert.deepEqual(reply.headers.get('allow')?.split(', ').sort(), ['DELETE', 'GET', 'POST']);
  });

  it('answers an unknown path 404 with a PingOne body', async () => {
    assertError(await h.get(h.api('/nothing/here')), 404, 'NOT_FOUND');
    assertError(await h.get('/'), 404, 'NOT_FOUND');
  });

  it('checks the token before the method, so a probe learns nothing without one', async () => {
    const reply = await h.request('PATCH', h.api('/mfaSettings'), { body: {}, token: null });
    assertError(reply, 401, 'INVALID_TOKEN');
  });

  it('names the bearer scheme on a 401 (RFC 6750 §3)', async () => {
    const reply = await h.get(h.api('/users'), { token: 'not-a-token' });
    assertError(reply, 401, 'INVALID_TOKEN');
    assert.equal(reply.headers.get('www-authenticate'), 'Bearer error="invalid_token"');
  });
});

describe('failure counting across resends', () => {
  it('keeps counting wrong pairing codes after a resend, so the lock still engages at 5', async () => {
    const h = await Harness.start();
    try {
      const userId = await h.createUser();
      const phone = '+15125550199';
      const created = await h.post(h.api(`/users/${userId}/devices`), {
        body: { type: 'SMS', phone, status: 'ACTIVATION_REQUIRED' },
      });
      assert.equal(created.status, 201, created.text);
      const device = h.api(`/users/${userId}/devices/${created.body.id as string}`);
      const wrong = async () => {
        const code = await h.lastCode(phone);
        const other = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
        return h.post(device, {
          type: 'application/vnd.pingidentity.device.activate+json',
          body: { otp: other },
        });
      };
      for (const remaining of [4, 3]) {
        const reply = await wrong();
        const details = reply.body.details as { innerError: { attemptsRemaining: number } }[];
        assert.equal(details[0]?.innerError.attemptsRemaining, remaining);
      }
      const resent = await h.post(device, {
        type: 'application/vnd.pingidentity.device.sendActivationCode+json',
      });
      assert.equal(resent.status, 200, resent.text);
      for (const remaining of [2, 1, 0]) {
        const reply = await wrong();
        const details = reply.body.details as { innerError: { attemptsRemaining: number } }[];
        assert.equal(details[0]?.innerError.attemptsRemaining, remaining, reply.text);
      }
      const code = await h.lastCode(phone);
      const locked = await h.post(device, {
        type: 'application/vnd.pingidentity.device.activate+json',
        body: { otp: code },
      });
      assertError(locked, 429, 'REQUEST_LIMITED', 'DEVICE_LOCKED');
    } finally {
      h.close();
    }
  });
});
