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
