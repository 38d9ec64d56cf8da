/**
 * The methods whose proof comes from something the person holds (authenticator app, hardware
 * token, passkey, security key) end to end in Chromium against the demo: enrolled from the chooser,
 * signed in on /account with the method's claims, signed out, signed in again with the same
 * method. Every step is checked with axe and photographed in light and dark; CSP violations and
 * console errors fail. The TOTP key is read from the screen, the token's codes from its seed.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { totpCode } from '../helpers/engine-harness.ts';
import { addVirtualAuthenticator, decodeQr, withDemoAndBrowser } from './harness.ts';
import { FlowRecorder, withPage } from './methods-helpers.ts';

/** The hardware token the demo's engine seeds (README: its serial and RFC 6238's test seed). */
const OATH_SERIAL = '10000000000001';
const OATH_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

const FIDO_KINDS = [
  {
    flow: 'passkey',
    title: 'FIDO2 passkey (platform authenticator, user verification)',
    authenticator: { transport: 'internal' as const },
  },
  {
    flow: 'security-key',
    // The seeded default FIDO2 policy ("Passkeys") requires a discoverable credential and user
    // verification: a roaming key must hold resident keys and verify the user (a PIN). A key
    // without either is refused by the browser at once.
    title: 'FIDO2 security key (USB, resident keys, PIN)',
    authenticator: { transport: 'usb' as const, hasResidentKey: true, hasUserVerification: true },
  },
];

describe('methods with an app, a token or a key: enroll, sign out, sign in with it', () => {
  const e2e = withDemoAndBrowser();

  it('TOTP: the QR code and the key on screen agree, codes from the key', () =>
    withPage(e2e.browser, async (page) => {
      const flow = new FlowRecorder(page, e2e.demo, 'totp');
      const username = 'totp-user';
      // Security bar §4 item 51: the secret and its QR code never leave for another origin.
      const elsewhere: string[] = [];
      page.on('request', (request) => {
        const url = request.url();
        if (!url.startsWith(`${e2e.demo.url}/`) && !url.startsWith('data:')) elsewhere.push(url);
      });
      await flow.chooseMethod(username, 'Authenticator app');
      const qr = page.locator('mfa-qr');
      await flow.step('enroll-totp', 'Set up your authenticator app', {
        ready: qr.getByRole('img', { name: 'QR code to scan with your authenticator app' }),
      });

      const key = ((await page.locator('[part=key]').textContent()) ?? '').replace(/\s/g, '');
      assert.match(key, /^[A-Z2-7]{16,}$/, 'a base32 key is shown');
      const link = page.getByRole('link', { name: 'Open in an authenticator app on this device' });
      const href = (await link.getAttribute('href')) ?? '';
      const uri = new URL(href);
      assert.equal(uri.protocol, 'otpauth:');
      assert.equal(uri.host, 'totp');
      assert.equal(uri.searchParams.get('secret'), key, 'the link carries the key shown');
      assert.deepEqual(await decodeQr(await qr.screenshot()), [href], 'the QR code is the link');
      assert.deepEqual(elsewhere, [], 'no request left the page’s own origin');

      await flow.type('Verification code', totpCode(key, Date.now()));
      const claims = { username, amr: 'otp, mfa', method: 'TOTP' };
      await flow.account('enrolled-account', claims);
      await flow.signOut();

      await flow.signInAgain(username);
      await flow.step('signin-code', 'Enter the code from your authenticator app');
      // A code is single-use per 30 s step: the next step's code is inside the grace window.
      await flow.type('Verification code', totpCode(key, Date.now(), 1));
      await flow.account('signin-account', claims);
      flow.assertClean();
    }));

  it('OATH token: the seeded token by its serial, codes from its seed', () =>
    withPage(e2e.browser, async (page) => {
      const flow = new FlowRecorder(page, e2e.demo, 'oath');
      const username = 'oath-user';
      const hint = page.locator('mfa-otp-input [part=hint]');
      const checkHint = async () => {
        if ((await hint.textContent())?.trim() === 'Enter the 8-digit code.') {
          flow.fault('the code hint asks for 8 digits; the token shows 6');
        }
      };
      await flow.chooseMethod(username, 'Hardware token');
      await flow.step('enroll-serial', 'Add your hardware token');
      await flow.type('Serial number', OATH_SERIAL);
      await page.getByRole('button', { name: 'Continue', exact: true }).click();

      // The code step keeps the serial step's heading: the code field tells them apart.
      const codeField = page.getByLabel('Verification code', { exact: true });
      await flow.step('enroll-code', 'Add your hardware token', { ready: codeField });
      assert.equal(
        (await page.locator('mfa-enroll .intro').textContent())?.trim(),
        'Press the button on the token and enter the code it shows.',
      );
      await checkHint();
      await flow.type('Verification code', totpCode(OATH_SECRET, Date.now()));
      // The field takes up to 8 digits, so a 6-digit code goes in with Enter.
      await page.keyboard.press('Enter');
      const claims = { username, amr: 'otp, hwk, mfa', method: 'OATH_TOKEN' };
      await flow.account('enrolled-account', claims);
      await flow.signOut();

      await flow.signInAgain(username);
      await flow.step('signin-code', 'Enter the code from your hardware token');
      const intro = (await page.locator('mfa-signin .intro').textContent())?.trim();
      // PingOne's device authentication lists a token without its serial, so the step speaks of
      // "your token"; with a serial it would name it.
      if (
        intro !== 'Press the button on your token and enter the code it shows.' &&
        intro !== `Press the button on token ${OATH_SERIAL} and enter the code it shows.`
      ) {
        flow.fault(`the sign-in does not say which token: "${intro ?? ''}"`);
      }
      await checkHint();
      await flow.type('Verification code', totpCode(OATH_SECRET, Date.now(), 1));
      await page.keyboard.press('Enter');
      await flow.account('signin-account', claims);
      flow.assertClean();
    }));

  for (const kind of FIDO_KINDS) {
    it(`${kind.title}: a virtual authenticator`, () =>
      withPage(e2e.browser, async (page) => {
        const authenticator = await addVirtualAuthenticator(page, kind.authenticator);
        const flow = new FlowRecorder(page, e2e.demo, kind.flow);
        const username = `${kind.flow}-user`;
        await flow.chooseMethod(username, 'Passkey or security key');
        // The default policy allows either attachment, so the step speaks of a passkey.
        await flow.step('enroll-fido', 'Create a passkey');
        await page.getByRole('button', { name: 'Continue', exact: true }).click();
        const claims = { username, amr: 'hwk, pop, mfa', method: 'FIDO2' };
        await flow.account('enrolled-account', claims);

        const [credential, ...others] = await authenticator.credentials();
        assert.ok(credential && others.length === 0, 'one credential registered');
        assert.equal(credential.rpId, 'localhost');
        assert.equal(credential.isResidentCredential, true, 'a discoverable credential');
        await flow.signOut();

        await flow.signInAgain(username);
        await flow.step('signin-fido', 'Use your passkey or security key');
        await page.getByRole('button', { name: 'Continue', exact: true }).click();
        await flow.account('signin-account', claims);
        flow.assertClean();
      }));
  }
});
