/**
 * The relay follows the tenant's MFA policy: methods it disables cannot be enrolled (security-bar
 * §4 item 17), OTP lengths come from it, and a browser is remembered only when it allows.
 */
import assert from 'node:assert/strict';
import { after, beforeEach, describe, it } from 'node:test';
import { totpCode } from '../helpers/engine-harness.ts';
import { assertRelayError, RelayHarness } from '../helpers/relay-harness.ts';

describe('the MFA policy', () => {
  let harness: RelayHarness;
  beforeEach(async () => {
    harness = await RelayHarness.start();
  });
  after(() => {
    harness.close();
  });

  it('17: email not opted in → 403 FACTOR_NOT_ALLOWED, nothing upstream, nothing sent', async () => {
    await harness.editPolicy((policy) => {
      (policy.email as { enabled: boolean }).enabled = false;
    });
    await harness.session('ivan', 'enroll');
    const devices = await harness.send('GET', '/devices');
    const methods = (devices.body.policy as { methods: string[] }).methods;
    assert.ok(!methods.includes('EMAIL'), `EMAIL offered: ${methods.join()}`);
    assert.ok(methods.includes('TOTP'), 'other methods stay');

    const before = harness.snapshotAll();
    const calls = await harness.recording(async () => {
      const reply = await harness.send('POST', '/devices', {
        body: { type: 'EMAIL', email: 'ivan@example.com' },
      });
      assertRelayError(reply, 403, 'FACTOR_NOT_ALLOWED');
    });
    assert.deepEqual(RelayHarness.mutations(calls), [], 'nothing changed upstream');
    assert.deepEqual(harness.snapshotAll(), before, 'state unchanged');
    assert.equal(await harness.outboxCount('ivan@example.com'), 0, 'no email sent');
  });

  it('a pairing-disabled method is not offered either', async () => {
    await harness.editPolicy((policy) => {
      (policy.sms as { pairingDisabled: boolean }).pairingDisabled = true;
    });
    await harness.session('judy', 'enroll');
    const reply = await harness.send('POST', '/devices', {
      body: { type: 'SMS', phone: '+14155552671' },
    });
    assertRelayError(reply, 403, 'FACTOR_NOT_ALLOWED');
  });

  it('the methods whose policy asks for a nickname are listed for the widget', async () => {
    await harness.session('nia', 'enroll');
    const before = await harness.send('GET', '/devices');
    assert.deepEqual((before.body.policy as { nicknamePrompt: string[] }).nicknamePrompt, []);
    await harness.editPolicy((policy) => {
      (policy.totp as { promptForNicknameOnPairing: boolean }).promptForNicknameOnPairing = true;
      (policy.sms as { promptForNicknameOnPairing: boolean }).promptForNicknameOnPairing = true;
    });
    const after = await harness.send('GET', '/devices');
    assert.deepEqual((after.body.policy as { nicknamePrompt: string[] }).nicknamePrompt, [
      'SMS',
      'TOTP',
    ]);
  });

  it('OTP length comes from the policy: 8-digit SMS codes refuse 6 digits before upstream', async () => {
    await harness.editPolicy((policy) => {
      (policy.sms as { otp: { otpLength: number } }).otp.otpLength = 8;
    });
    await harness.session('kim', 'enroll');
    const created = await harness.send('POST', '/devices', {
      body: { type: 'SMS', phone: '+14155550123' },
    });
    assert.equal(created.status, 201, created.text);
    const code = await harness.lastCode('+14155550123');
    assert.equal(code.length, 8, 'the engine sends 8 digits');
    const id = (created.body.device as { id: string }).id;
    const calls = await harness.recording(async () => {
      const reply = await harness.send('POST', `/devices/${id}/activation`, {
        body: { otp: code.slice(0, 6) },
      });
      assertRelayError(reply, 400, 'OTP_FORMAT');
    });
    assert.deepEqual(RelayHarness.mutations(calls), [], 'no check went upstream');
    const activated = await harness.send('POST', `/devices/${id}/activation`, {
      body: { otp: code },
    });
    assert.equal(activated.status, 200, activated.text);
  });

  it('remember-me disabled: not offered, and remember: true sets no cookie', async () => {
    await harness.editPolicy((policy) => {
      policy.rememberMe = { web: { enabled: false } };
    });
    await harness.session('leo', 'enroll');
    const { secret } = await harness.enrollTotp();
    harness.clock.advance(30_000);
    harness.jar.clear();
    await harness.session('leo', 'signin');
    const auth = await harness.send('POST', '/authentications', { body: {} });
    assert.equal(auth.body.rememberBrowser, false);
    const checked = await harness.send('POST', `/authentications/${auth.body.id as string}/otp`, {
      body: { otp: totpCode(secret, harness.clock.now()), remember: true },
    });
    assert.equal(checked.body.status, 'COMPLETED', checked.text);
    assert.ok(
      !checked.setCookies.some((cookie) => cookie.startsWith('__Host-mfa-remember=')),
      'no remember cookie',
    );
  });
});
