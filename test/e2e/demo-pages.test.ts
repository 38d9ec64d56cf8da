/**
 * The demo host's pages in Chromium against a real server process: login, a wrong password, the
 * second-factor page, the signed-in page, the outbox updating live; each with zero CSP violations,
 * zero axe violations and a screenshot in light and dark.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import QRCode from 'qrcode';
import {
  addVirtualAuthenticator,
  assertCleanPage,
  assertCleanRecords,
  decodeQr,
  deliverEmailCode,
  newPage,
  outboxCode,
  passwordLogin,
  screenshot,
  ticketFor,
  withDemoAndBrowser,
} from './harness.ts';

/**
 * Every check a demo page must pass, then its screenshot in the page's own colour scheme;
 * `expected` console errors (an answer with an error status the test asked for) are allowed.
 */
async function checkPage(page: Page, name: string, expected: RegExp[] = []): Promise<void> {
  await assertCleanPage(page, name, expected);
  await screenshot(page, name);
}

describe('demo pages in Chromium', { timeout: 180_000 }, () => {
  const e2e = withDemoAndBrowser();

  for (const colorScheme of ['light', 'dark'] as const) {
    describe(`${colorScheme} colour scheme`, () => {
      let page: Page;
      before(async () => {
        page = await newPage(e2e.browser, { colorScheme });
      });
      after(async () => {
        await page.context().close();
      });

      it('shows the login page', async () => {
        const res = await page.goto(`${e2e.demo.url}/`);
        assert.equal(res?.status(), 200);
        assert.equal(await page.locator('h1').textContent(), 'mfa-elements');
        assert.match((await page.locator('#password-hint').textContent()) ?? '', /demo/);
        await checkPage(page, 'login');
      });

      it('answers a wrong password with the page again and an error', async () => {
        await passwordLogin(page, e2e.demo.url, `wrong-${colorScheme}`, 'not-it');
        assert.equal(
          await page.locator('#login-error').textContent(),
          'Wrong username or password.',
        );
        assert.equal(await page.locator('#username').inputValue(), `wrong-${colorScheme}`);
        assert.equal(await page.locator('#password').getAttribute('aria-invalid'), 'true');
        await checkPage(page, 'login-error', [/status of 401 .*\/login\)$/]);
      });

      it('hands a new user to the enrollment element, the ticket only in the page', async () => {
        const username = `new-${colorScheme}`;
        await passwordLogin(page, e2e.demo.url, username);
        assert.equal(page.url(), `${e2e.demo.url}/mfa`);
        const ticket = await page.locator('mfa-enroll').getAttribute('ticket');
        assert.ok(ticket?.startsWith('eyJ'), 'the element holds a ticket');
        // The page's script defined the element, and it talked to the relay.
        await page.getByRole('heading', { name: 'Add a verification method' }).waitFor();
        await page.waitForLoadState('networkidle');
        await checkPage(page, 'mfa-enroll');
      });

      it('signs in once the relay reports MFA, shows the claims, and signs out', async () => {
        const username = `done-${colorScheme}`;
        const email = `${username}@example.com`;
        await passwordLogin(page, e2e.demo.url, username);
        await page.waitForLoadState('networkidle');
        // What the element does, through the relay's API from the page itself.
        const deviceId = await page.evaluate(
          async ({ ticket, email }) => {
            const headers = { 'content-type': 'application/json', 'x-mfa-csrf': '1' };
            const session = await fetch('/mfa/v1/session', {
              method: 'POST',
              headers,
              body: JSON.stringify({ ticket }),
            });
            if (session.status !== 201) throw new Error(`session ${session.status}`);
            const created = await fetch('/mfa/v1/devices', {
              method: 'POST',
              headers,
              body: JSON.stringify({ type: 'EMAIL', email }),
            });
            return ((await created.json()) as { device: { id: string } }).device.id;
          },
          { ticket: await ticketFor(e2e.demo, username, 'enroll'), email },
        );
        const otp = await outboxCode(e2e.demo.url, email);
        const status = await page.evaluate(
          async ({ deviceId, otp }) => {
            const activated = await fetch(`/mfa/v1/devices/${deviceId}/activation`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', 'x-mfa-csrf': '1' },
              body: JSON.stringify({ otp }),
            });
            const { result } = (await activated.json()) as { result: string };
            const done = await fetch('/login/complete', {
              method: 'POST',
              headers: { 'content-type': 'application/json', 'x-demo-csrf': '1' },
              body: JSON.stringify({ result }),
            });
            return done.status;
          },
          { deviceId, otp },
        );
        assert.equal(status, 204, 'the host accepts the relay result');

        await page.goto(`${e2e.demo.url}/account`);
        assert.equal(page.url(), `${e2e.demo.url}/account`);
        assert.match((await page.locator('main .lead').textContent()) ?? '', new RegExp(username));
        assert.equal(await page.locator('table.claims td').first().textContent(), 'otp, mfa');
        await checkPage(page, 'account');

        await Promise.all([
          page.waitForURL(`${e2e.demo.url}/`),
          page.click('form[action="/logout"] button'),
        ]);
        await page.goto(`${e2e.demo.url}/account`);
        assert.equal(page.url(), `${e2e.demo.url}/`, 'signed out: /account goes back to the login');
      });

      it('shows the outbox', async () => {
        await page.goto(`${e2e.demo.url}/outbox`);
        assert.ok(await page.locator('#outbox tbody tr').count(), 'earlier tests delivered codes');
        await checkPage(page, 'outbox');
      });
    });
  }

  it('keeps every control visible in forced-colors mode (Windows high contrast)', async () => {
    const page = await newPage(e2e.browser);
    try {
      await page.emulateMedia({ forcedColors: 'active' });
      await passwordLogin(page, e2e.demo.url, 'forced-colors');
      const items = page
        .getByRole('list', { name: 'Verification methods you can add' })
        .getByRole('button');
      await items.first().waitFor();
      for (const item of await items.all()) {
        const style = await item.evaluate((element) => {
          const computed = getComputedStyle(element);
          return { width: computed.borderTopWidth, style: computed.borderTopStyle };
        });
        assert.notEqual(style.style, 'none', 'each method keeps a border');
        assert.notEqual(style.width, '0px', 'each method keeps a border');
      }
      await items.first().focus();
      const outline = await items
        .first()
        .evaluate((element) => getComputedStyle(element).outlineStyle);
      assert.notEqual(outline, 'none', 'the focused method shows a focus ring');
      await checkPage(page, 'forced-colors-enroll');
      await page.getByRole('button', { name: /Text message/ }).click();
      await page.getByLabel('Phone number').waitFor();
      const submit = await page
        .getByRole('button', { name: 'Text me a code' })
        .evaluate((element) => {
          const computed = getComputedStyle(element);
          return { color: computed.color, background: computed.backgroundColor };
        });
      assert.notEqual(submit.color, submit.background, 'the button’s text stands out from it');
      await checkPage(page, 'forced-colors-phone');
    } finally {
      await page.context().close();
    }
  });

  it('updates the outbox page live when a message is delivered', async () => {
    const page = await newPage(e2e.browser);
    try {
      await page.goto(`${e2e.demo.url}/outbox`);
      const email = 'live-update@example.com';
      assert.equal(await page.locator('#outbox tbody tr', { hasText: email }).count(), 0);
      await deliverEmailCode(e2e.demo, 'live-update', email);
      const row = page.locator('#outbox tbody tr', { hasText: email });
      await row.first().waitFor({ timeout: 5000 });
      assert.match((await row.first().textContent()) ?? '', /EMAIL/);
      assert.equal(await page.locator('#outbox-status').textContent(), '1 new message.');
      assertCleanRecords(page, 'outbox live update');
    } finally {
      await page.context().close();
    }
  });

  it('gives tests a virtual authenticator that works on the demo origin', async () => {
    const page = await newPage(e2e.browser);
    try {
      await page.goto(`${e2e.demo.url}/`);
      const authenticator = await addVirtualAuthenticator(page, { transport: 'internal' });
      const type = await page.evaluate(async () => {
        const credential = await navigator.credentials.create({
          publicKey: {
            rp: { id: 'localhost', name: 'e2e' },
            user: { id: new Uint8Array([1, 2, 3]), name: 'e2e', displayName: 'e2e' },
            challenge: new Uint8Array(32),
            pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
            authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
          },
        });
        return credential?.type;
      });
      assert.equal(type, 'public-key');
      const credentials = await authenticator.credentials();
      assert.equal(credentials.length, 1);
      assert.equal(credentials[0]?.rpId, 'localhost');
      await authenticator.remove();
    } finally {
      await page.context().close();
    }
  });

  it('decodes a QR code from a PNG', async () => {
    const uri = 'otpauth://totp/mfa-elements:e2e?secret=GEZDGNBVGY3TQOJQ&issuer=mfa-elements';
    const png = await QRCode.toBuffer(uri, { margin: 4, scale: 6 });
    assert.deepEqual(await decodeQr(png), [uri]);
  });
});
