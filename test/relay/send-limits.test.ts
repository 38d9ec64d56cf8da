/**
 * Security-bar §4 item 12, second half: at most 10 code sends per user per hour (R-OOB-6). The
 * 11th is refused before anything reaches upstream, so no message goes out.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertRelayError, RelayHarness, relaxedLimits } from '../helpers/relay-harness.ts';

describe('send limits per user', () => {
  let harness: RelayHarness;
  before(async () => {
    harness = await RelayHarness.start({ limits: relaxedLimits(['send.user']) });
  });
  after(() => {
    harness.close();
  });

  it('the 11th SMS within an hour → 429 RATE_LIMITED with Retry-After, and no SMS', async () => {
    const phone = '+14155550177';
    await harness.session('mallory', 'enroll');
    const created = await harness.send('POST', '/devices', { body: { type: 'SMS', phone } });
    assert.equal(created.status, 201, created.text);
    const id = (created.body.device as { id: string }).id;
    const activated = await harness.send('POST', `/devices/${id}/activation`, {
      body: { otp: await harness.lastCode(phone) },
    });
    assert.equal(activated.status, 200, activated.text);

    // Nine sign-ins, each sending a code to the default SMS device: ten sends with the pairing.
    for (let index = 0; index < 9; index++) {
      const started = await harness.send('POST', '/authentications', { body: {} });
      assert.equal(started.status, 201, started.text);
      assert.equal(started.body.status, 'OTP_REQUIRED', started.text);
    }
    assert.equal(await harness.outboxCount(phone), 10);

    const before = harness.snapshotAll();
    const calls = await harness.recording(async () => {
      const refused = await harness.send('POST', '/authentications', { body: {} });
      assertRelayError(refused, 429, 'RATE_LIMITED');
      const retryAfter = Number(refused.headers.get('retry-after'));
      assert.ok(retryAfter > 0 && retryAfter <= 3600, `Retry-After ${String(retryAfter)}`);
    });
    assert.deepEqual(calls, [], 'nothing went upstream');
    assert.deepEqual(harness.snapshotAll(), before, 'state unchanged');
    assert.equal(await harness.outboxCount(phone), 10, 'no 11th message');
    assert.equal(harness.audits('relay.rate_limited').length, 1, 'audited');
  });
});

describe('send limits count only devices that are sent a code', () => {
  let harness: RelayHarness;
  before(async () => {
    harness = await RelayHarness.start({ limits: relaxedLimits(['send.device']) });
  });
  after(() => {
    harness.close();
  });

  it('choosing a TOTP device twice within 30 s is not a resend; choosing SMS twice is', async () => {
    const phone = '+14155550178';
    await harness.session('nolan', 'enroll');
    await harness.enrollTotp();
    harness.clock.advance(30_000);
    const started = await harness.send('POST', '/authentications', { body: {} });
    assert.equal(started.status, 201, started.text);
    const handle = started.body.id as string;
    const totpId = started.body.selectedDeviceId as string;
    for (let round = 0; round < 2; round++) {
      const chosen = await harness.send('POST', `/authentications/${handle}/device`, {
        body: { deviceId: totpId },
      });
      assert.equal(chosen.status, 200, `round ${String(round)}: ${chosen.text}`);
    }

    await harness.session('olga', 'enroll');
    const created = await harness.send('POST', '/devices', { body: { type: 'SMS', phone } });
    assert.equal(created.status, 201, created.text);
    const smsId = (created.body.device as { id: string }).id;
    const activated = await harness.send('POST', `/devices/${smsId}/activation`, {
      body: { otp: await harness.lastCode(phone) },
    });
    assert.equal(activated.status, 200, activated.text);
    const signin = await harness.send('POST', '/authentications', { body: {} });
    assert.equal(signin.status, 201, signin.text);
    const choose = () =>
      harness.send('POST', `/authentications/${signin.body.id as string}/device`, {
        body: { deviceId: smsId },
      });
    const first = await choose();
    assert.equal(first.status, 200, first.text);
    const again = await choose();
    assertRelayError(again, 429, 'RESEND_TOO_SOON');
  });
});
