/**
 * Behaviours of the elements in the demo, in Chromium against a real server process: the lockout
 * after wrong codes, the resend cooldown, switching methods, leaving an activation half-way and
 * coming back to it, and the elements right-to-left and in every language. Every step reached is
 * checked with axe, for CSP violations and console errors, and screenshotted in light and dark.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Locator, Page } from 'playwright-core';
import { DEMO_LOCALES } from '../../demo/pages.ts';
import { defaultLoaders } from '../../src/i18n/catalogs.ts';
import { en } from '../../src/i18n/locales/en.ts';
import type { Locale } from '../../src/i18n/resolve.ts';
import type { Messages } from '../../src/i18n/types.ts';
import { totpCode } from '../helpers/engine-harness.ts';
import {
  checkStep,
  countdownSeconds,
  enrollDevices,
  overflowingElements,
  reorderedPhoneNumbers,
  wrongTotpCode,
} from './behaviours-helpers.ts';
import {
  assertCleanRecords,
  latestChannel,
  latestMessageId,
  newPage,
  outboxCode,
  passwordLogin,
  RelaySession,
  screenshot,
  ticketFor,
  withDemoAndBrowser,
} from './harness.ts';

const TITLE_TOTP = en['signin.code.title.TOTP'];
const TITLE_SMS = en['signin.code.title.SMS'];
const TITLE_VOICE = en['signin.code.title.VOICE'];
const TITLE_CHOOSE = en['signin.choose.title'];
const TITLE_ENROLL = en['enroll.choose.title'];
const TITLE_PHONE = en['enroll.phone.title'];
const TITLE_ENROLL_CODE = en['enroll.code.title'];
/** What a browser logs for the error statuses the tests cause on purpose. */
const WRONG_CODE = [/status of 400/, /status of 429/];

/** The code field of the step shown. */
function codeField(page: Page): Locator {
  return page.getByLabel(en['otp.label']);
}

/** Types a code digit by digit; the element submits once the last digit is in. */
async function typeCode(page: Page, code: string): Promise<void> {
  const field = codeField(page);
  await field.click();
  await field.pressSequentially(code);
}

/** Waits for `/account`, checks the page, and returns the method the verified result names. */
async function accountMethod(page: Page, url: string, name: string): Promise<string> {
  await page.waitForURL(`${url}/account`, { timeout: 10_000 });
  await checkStep(page, name);
  const row = page.locator('table.claims tr', { hasText: 'method' });
  return ((await row.locator('td').textContent()) ?? '').trim();
}

/** The lock message, once it shows; fails with what the step says instead. */
async function lockMessage(page: Page): Promise<Locator> {
  const locked = page.getByText(/^Too many wrong codes\. You can try again in \d+:\d\d\.$/);
  try {
    await locked.waitFor({ timeout: 5000 });
  } catch {
    const shown = await page.locator('mfa-otp-input [part=error]').textContent();
    assert.fail(`no lock is shown; the step says “${shown ?? ''}”`);
  }
  return locked;
}

/**
 * The lock as the person sees it: the countdown runs down second by second, the code field and
 * the submit button stay disabled, and the live region announced it once.
 */
async function assertLiveLock(page: Page, locked: Locator): Promise<void> {
  assert.ok(await codeField(page).isDisabled(), 'the code field is disabled while locked');
  assert.ok(
    await page.getByRole('button', { name: en['signin.code.submit'] }).isDisabled(),
    'the submit button is disabled while locked',
  );
  const first = countdownSeconds((await locked.textContent()) ?? '');
  assert.ok(first > 240 && first <= 300, `the lock lasts about 5 minutes (${first} s)`);
  await page.waitForTimeout(2100);
  const later = countdownSeconds((await locked.textContent()) ?? '');
  assert.ok(later < first, `the countdown goes down (${first} s, then ${later} s)`);
  assert.ok(first - later <= 4, `the countdown moves in seconds (${first} → ${later})`);
  assert.equal(
    (await page.locator('mfa-signin [part=status]').textContent())?.trim(),
    en['error.AUTHENTICATOR_LOCKED'],
    'the live region announces the lock',
  );
  assert.ok(await codeField(page).isDisabled(), 'still disabled as it counts down');
}

// Two at a time: the resend test spends most of its time waiting out the cooldown.
describe('element behaviours in Chromium', { timeout: 180_000, concurrency: 2 }, () => {
  const e2e = withDemoAndBrowser();

  /** Each test gets its own page in a fresh context (no cookies), in the light scheme. */
  function open(viewport?: { width: number; height: number }): Promise<Page> {
    return newPage(e2e.browser, viewport ? { viewport } : {});
  }

  it('counts the resend cooldown down, then sends a new code that signs in', async () => {
    const username = 'resend-sms';
    const phone = '+14155550120';
    await enrollDevices(e2e.demo, username, [{ type: 'SMS', phone }]);
    const page = await open();
    try {
      const enrolled = await latestMessageId(e2e.demo.url, phone);
      await passwordLogin(page, e2e.demo.url, username);
      await page.getByRole('heading', { level: 2, name: TITLE_SMS }).waitFor();
      const resend = page.getByRole('button', { name: /^Send a new code in \d+:\d\d$/ });
      assert.ok(await resend.isDisabled(), 'resending is disabled during the cooldown');
      const first = countdownSeconds((await resend.textContent()) ?? '');
      assert.ok(first > 20 && first <= 30, `a cooldown of about 30 s (${first} s)`);
      await checkStep(page, 'bhv-resend-01-code');
      await page.waitForTimeout(2100);
      const later = countdownSeconds((await resend.textContent()) ?? '');
      assert.ok(later < first && first - later <= 4, `it counts down (${first} → ${later})`);
      const firstCode = await outboxCode(e2e.demo.url, phone, enrolled ? { after: enrolled } : {});
      const sent = await latestMessageId(e2e.demo.url, phone);

      // When the cooldown ends the button offers a new code.
      const again = page.getByRole('button', { name: en['signin.resend'], exact: true });
      await again.waitFor({ timeout: (later + 3) * 1000 });
      assert.ok(await again.isEnabled(), 'resending is offered once the cooldown is over');
      await checkStep(page, 'bhv-resend-02-ready');
      await again.click();
      const newCode = await outboxCode(e2e.demo.url, phone, sent ? { after: sent } : {});
      await page.getByRole('button', { name: /^Send a new code in \d+:\d\d$/ }).waitFor();
      assert.equal(
        (await page.locator('mfa-signin [part=status]').textContent())?.trim(),
        en['signin.resent'],
      );
      await checkStep(page, 'bhv-resend-03-resent');
      assert.notEqual(newCode, firstCode, 'a new code');
      await typeCode(page, newCode);
      assert.equal(await accountMethod(page, e2e.demo.url, 'bhv-resend-04-account'), 'SMS');
      assertCleanRecords(page, 'resend');
    } finally {
      await page.context().close();
    }
  });

  describe('lockout after wrong codes', { concurrency: false }, () => {
    it('counts the attempts left, then locks the step at the fifth wrong code', async () => {
      const username = 'lock-totp';
      const { totpSecret } = await enrollDevices(e2e.demo, username, [{ type: 'TOTP' }]);
      assert.ok(totpSecret, 'the TOTP secret');
      const page = await open();
      try {
        await page.goto(`${e2e.demo.url}/`);
        await checkStep(page, 'bhv-lockout-00-login', { heading: 'Sign in' });
        await passwordLogin(page, e2e.demo.url, username);
        await checkStep(page, 'bhv-lockout-01-code', { heading: TITLE_TOTP });
        for (let attempt = 1; attempt <= 4; attempt += 1) {
          await typeCode(page, wrongTotpCode(totpSecret, attempt * 111_111));
          const left = 5 - attempt;
          const message =
            left === 1
              ? en['signin.code.attemptsRemaining'].one
              : en['signin.code.attemptsRemaining'].other.replace('{count}', String(left));
          await page.getByText(message).waitFor({ timeout: 5000 });
          assert.equal(await codeField(page).getAttribute('aria-invalid'), 'true');
          await checkStep(page, `bhv-lockout-0${attempt + 1}-wrong-${attempt}`, {
            expected: WRONG_CODE,
          });
        }
        // The fifth wrong code uses up the attempts: the device is locked from now on, and the
        // step must say so at once rather than offer a field whose next code is refused.
        await typeCode(page, wrongTotpCode(totpSecret, 555_555));
        const locked = await lockMessage(page);
        await checkStep(page, 'bhv-lockout-06-locked', { expected: WRONG_CODE });
        await assertLiveLock(page, locked);
        assertCleanRecords(page, 'lockout', WRONG_CODE);
      } finally {
        await page.context().close();
      }
    });

    it('shows a lock that began elsewhere, counting down, and another method still works', async () => {
      const username = 'lock-elsewhere';
      const phone = '+14155550110';
      const { totpSecret } = await enrollDevices(e2e.demo, username, [
        { type: 'TOTP' },
        { type: 'SMS', phone },
      ]);
      assert.ok(totpSecret, 'the TOTP secret');
      const page = await open();
      try {
        await passwordLogin(page, e2e.demo.url, username);
        await checkStep(page, 'bhv-locked-01-code', { heading: TITLE_TOTP });
        // Five wrong codes in another session (another tab, an attacker) lock the device.
        const other = new RelaySession(e2e.demo);
        const opened = await other.call('POST', '/session', {
          ticket: await ticketFor(e2e.demo, username, 'signin'),
        });
        assert.equal(opened.status, 201, 'the other session opens');
        const started = await other.call('POST', '/authentications', {});
        const { id } = (await started.json()) as { id: string };
        for (let attempt = 0; attempt < 5; attempt += 1) {
          const res = await other.call('POST', `/authentications/${id}/otp`, {
            otp: wrongTotpCode(totpSecret, 200_000 + attempt),
          });
          assert.equal(res.status, 400, 'a wrong code');
        }
        // Even the right code is refused now, and the step shows the lock.
        await typeCode(page, totpCode(totpSecret, Date.now()));
        const locked = await lockMessage(page);
        await checkStep(page, 'bhv-locked-02-locked', { expected: WRONG_CODE });
        await assertLiveLock(page, locked);

        await page.getByRole('button', { name: en['signin.otherMethod'] }).click();
        await checkStep(page, 'bhv-locked-03-choose', {
          heading: TITLE_CHOOSE,
          expected: WRONG_CODE,
        });
        // The list must show the lock the code step just showed; checked at the end, so the
        // rest of the behaviour is still covered while it does not.
        const totpItem = page.getByRole('button', { name: new RegExp(en['method.TOTP']) });
        const listed = {
          text: (await totpItem.textContent()) ?? '',
          disabled: await totpItem.getAttribute('aria-disabled'),
        };
        const before = await latestMessageId(e2e.demo.url, phone);
        await page.getByRole('button', { name: new RegExp(en['method.SMS']) }).click();
        await checkStep(page, 'bhv-locked-04-sms', { heading: TITLE_SMS, expected: WRONG_CODE });
        await typeCode(
          page,
          await outboxCode(e2e.demo.url, phone, before ? { after: before } : {}),
        );
        assert.equal(await accountMethod(page, e2e.demo.url, 'bhv-locked-05-account'), 'SMS');
        assertCleanRecords(page, 'locked elsewhere', WRONG_CODE);
        assert.match(listed.text, /Locked until/, 'the device list shows the lock');
        assert.equal(listed.disabled, 'true', 'the locked device cannot be picked');
      } finally {
        await page.context().close();
      }
    });
  });

  describe('switching method', { concurrency: false }, () => {
    it('goes from the default authenticator app to a text message', async () => {
      const username = 'switch-sms';
      const phone = '+14155550130';
      await enrollDevices(e2e.demo, username, [{ type: 'TOTP' }, { type: 'SMS', phone }]);
      const page = await open();
      try {
        await passwordLogin(page, e2e.demo.url, username);
        await checkStep(page, 'bhv-switch-01-totp', { heading: TITLE_TOTP });
        assert.equal(
          await page.getByRole('button', { name: en['signin.callInstead'] }).count(),
          0,
          'no voice device, no call',
        );
        await page.getByRole('button', { name: en['signin.otherMethod'] }).click();
        await checkStep(page, 'bhv-switch-02-choose', { heading: TITLE_CHOOSE });
        const items = page.locator('mfa-device-picker [part=item]');
        assert.equal(await items.count(), 2, 'both devices are listed');
        assert.match((await items.nth(0).textContent()) ?? '', /Authenticator app\s*Default/);
        assert.match((await items.nth(1).textContent()) ?? '', /Text message\s*\+1\*+0130/);
        const before = await latestMessageId(e2e.demo.url, phone);
        await items.nth(1).click();
        await checkStep(page, 'bhv-switch-03-sms', { heading: TITLE_SMS });
        assert.match(
          (await page.getByText(/^We sent a code to/).textContent()) ?? '',
          /\+1\*+0130/,
        );
        assert.equal(await page.getByRole('button', { name: en['signin.callInstead'] }).count(), 0);
        await typeCode(
          page,
          await outboxCode(e2e.demo.url, phone, before ? { after: before } : {}),
        );
        assert.equal(await accountMethod(page, e2e.demo.url, 'bhv-switch-04-account'), 'SMS');
        assertCleanRecords(page, 'switch to SMS');
      } finally {
        await page.context().close();
      }
    });

    it('offers a call instead of a text when the person has a voice device', async () => {
      const username = 'switch-voice';
      const phone = '+14155550140';
      await enrollDevices(e2e.demo, username, [
        { type: 'SMS', phone },
        { type: 'VOICE', phone },
      ]);
      const page = await open();
      try {
        await passwordLogin(page, e2e.demo.url, username);
        await checkStep(page, 'bhv-call-01-sms', { heading: TITLE_SMS });
        const texted = await latestMessageId(e2e.demo.url, phone);
        assert.equal(await latestChannel(e2e.demo.url, phone), 'SMS');
        await page.getByRole('button', { name: en['signin.callInstead'] }).click();
        await checkStep(page, 'bhv-call-02-voice', { heading: TITLE_VOICE });
        assert.match((await page.getByText(/^We are calling/).textContent()) ?? '', /\+1\*+0140/);
        const code = await outboxCode(e2e.demo.url, phone, texted ? { after: texted } : {});
        assert.equal(await latestChannel(e2e.demo.url, phone), 'VOICE', 'the code came by a call');
        await typeCode(page, code);
        assert.equal(await accountMethod(page, e2e.demo.url, 'bhv-call-03-account'), 'VOICE');
        assertCleanRecords(page, 'call instead');
      } finally {
        await page.context().close();
      }
    });
  });

  describe('an activation left half-way', { concurrency: false }, () => {
    /** From the chooser to the code step of a new SMS device, then Back to the chooser. */
    async function abandonSms(page: Page, prefix: string, phone: string): Promise<void> {
      await checkStep(page, `${prefix}-01-choose`, { heading: TITLE_ENROLL });
      await page.getByRole('button', { name: new RegExp(`^${en['method.SMS']}`) }).click();
      await checkStep(page, `${prefix}-02-phone`, { heading: TITLE_PHONE });
      const field = page.getByLabel(en['enroll.phone.label']);
      await field.click();
      await field.pressSequentially(phone);
      await page.getByRole('button', { name: en['enroll.phone.submit.SMS'] }).click();
      await checkStep(page, `${prefix}-03-code`, { heading: TITLE_ENROLL_CODE });
      await page.getByRole('button', { name: en['common.back'] }).click();
      await page
        .getByRole('heading', { level: 3, name: en['enroll.resume.title'] })
        .waitFor({ timeout: 5000 });
      await checkStep(page, `${prefix}-04-pending`, { heading: TITLE_ENROLL });
    }

    it('is offered again in the chooser, and resuming it finishes with the code sent', async () => {
      const username = 'resume-sms';
      const phone = '+14155550150';
      const page = await open();
      try {
        await passwordLogin(page, e2e.demo.url, username);
        await abandonSms(page, 'bhv-resume', phone);
        const code = await outboxCode(e2e.demo.url, phone);
        const resume = page.getByRole('button', { name: /^Continue setting up Text message/ });
        assert.match((await resume.textContent()) ?? '', /\(\+1\*+0150\)|\(\+14155550150\)/);
        await resume.click();
        await checkStep(page, 'bhv-resume-05-code', { heading: TITLE_ENROLL_CODE });
        await typeCode(page, code);
        assert.equal(await accountMethod(page, e2e.demo.url, 'bhv-resume-06-account'), 'SMS');
        assertCleanRecords(page, 'resume');
      } finally {
        await page.context().close();
      }
    });

    it('can be removed from the chooser, and stays removed', async () => {
      const username = 'discard-sms';
      const phone = '+14155550160';
      const page = await open();
      try {
        await passwordLogin(page, e2e.demo.url, username);
        await abandonSms(page, 'bhv-discard', phone);
        await page.getByRole('button', { name: /^Remove Text message/ }).click();
        const pending = page.getByRole('heading', { level: 3, name: en['enroll.resume.title'] });
        await pending.waitFor({ state: 'detached', timeout: 5000 });
        await checkStep(page, 'bhv-discard-05-removed', { heading: TITLE_ENROLL });
        await page.reload();
        await checkStep(page, 'bhv-discard-06-reloaded', { heading: TITLE_ENROLL });
        assert.equal(await pending.count(), 0, 'nothing pending after a reload');
        assertCleanRecords(page, 'discard');
      } finally {
        await page.context().close();
      }
    });
  });

  describe('languages', { concurrency: false }, () => {
    /** The catalog of `tag`, as the element loads it. */
    async function messages(tag: string): Promise<Messages> {
      if (tag === 'en') return en;
      const loader = defaultLoaders[tag as Exclude<Locale, 'en'>];
      return (await loader()).default;
    }

    /** Picks a language in the demo's picker and waits for the step's heading in it. */
    async function pickLanguage(page: Page, tag: string, heading: string): Promise<void> {
      await page.getByLabel('Language').selectOption(tag);
      await page.getByRole('heading', { level: 2, name: heading }).waitFor({ timeout: 5000 });
    }

    /** Whether `locator` shows up within two seconds. */
    function showsUp(locator: Locator): Promise<boolean> {
      return locator.waitFor({ timeout: 2000 }).then(
        () => true,
        () => false,
      );
    }

    /** The method list's item for text messages, whatever the language. */
    function smsItem(page: Page): Locator {
      return page.locator('mfa-method-picker [part=item][data-method=SMS]');
    }

    /**
     * To the phone step and Back: the chooser is drawn afresh, its method list created in the
     * language already in use.
     */
    async function redrawChooser(page: Page, catalog: Messages): Promise<void> {
      await smsItem(page).click();
      await page
        .getByRole('heading', { level: 2, name: catalog['enroll.phone.title'] })
        .waitFor({ timeout: 5000 });
      await page.getByRole('button', { name: catalog['common.back'] }).click();
      await page
        .locator('mfa-method-picker [part=item]', { hasText: catalog['method.SMS'] })
        .first()
        .waitFor({ timeout: 5000 });
    }

    it('renders Arabic right to left through enrollment and sign-in', async () => {
      const ar = await messages('ar');
      const username = 'lang-ar';
      const phone = '+14155550170';
      // Parts inside the element that did not follow a language change, asserted at the end.
      const lagging: string[] = [];
      const page = await open();
      try {
        await passwordLogin(page, e2e.demo.url, username);
        const picker = page.getByLabel('Language');
        assert.equal(await picker.inputValue(), 'en', 'the picker starts at the page language');
        await pickLanguage(page, 'ar', ar['enroll.choose.title']);
        const base = page.locator('mfa-enroll section[part=base]');
        assert.equal(await base.getAttribute('dir'), 'rtl');
        assert.equal(await base.getAttribute('lang'), 'ar');
        assert.equal(
          await page.locator('mfa-enroll [part=heading]').textContent(),
          ar['enroll.choose.title'],
        );
        if (!(await showsUp(page.locator('mfa-method-picker [part=base][dir=rtl]')))) {
          lagging.push('the method list, after picking العربية on the chooser');
        }
        await redrawChooser(page, ar);
        assert.equal(
          await page.locator('mfa-method-picker [part=base]').getAttribute('dir'),
          'rtl',
          'the method list is right to left',
        );
        await checkStep(page, 'bhv-ar-01-choose', { heading: ar['enroll.choose.title'] });
        await page.getByRole('button', { name: new RegExp(`^${ar['method.SMS']}`) }).click();
        await checkStep(page, 'bhv-ar-02-phone', { heading: ar['enroll.phone.title'] });
        assert.deepEqual(
          await reorderedPhoneNumbers(page, 'mfa-enroll'),
          [],
          'the example number reads left to right',
        );
        const field = page.getByLabel(ar['enroll.phone.label']);
        await field.click();
        await field.pressSequentially(phone);
        await page.getByRole('button', { name: ar['enroll.phone.submit.SMS'] }).click();
        await checkStep(page, 'bhv-ar-03-code', { heading: ar['enroll.code.title'] });
        assert.equal(
          await page.locator('mfa-otp-input [part=base]').getAttribute('dir'),
          'rtl',
          'the code field’s frame is right to left',
        );
        assert.match(
          (await page.locator('mfa-enroll .intro').textContent()) ?? '',
          /\+1\*+0170/,
          'the masked number is shown',
        );
        assert.deepEqual(
          await reorderedPhoneNumbers(page, 'mfa-enroll'),
          [],
          'the masked number reads left to right',
        );
        const code = await outboxCode(e2e.demo.url, phone);
        const input = page.getByLabel(ar['otp.label']);
        await input.click();
        await input.pressSequentially(code);
        assert.equal(await accountMethod(page, e2e.demo.url, 'bhv-ar-04-account'), 'SMS');

        // Signing in again; the language is picked on the code step this time.
        await Promise.all([
          page.waitForURL(`${e2e.demo.url}/`),
          page.getByRole('button', { name: 'Sign out' }).click(),
        ]);
        const before = await latestMessageId(e2e.demo.url, phone);
        await passwordLogin(page, e2e.demo.url, username);
        await page.getByRole('heading', { level: 2, name: TITLE_SMS }).waitFor();
        await pickLanguage(page, 'ar', ar['signin.code.title.SMS']);
        assert.equal(
          await page.locator('mfa-signin section[part=base]').getAttribute('dir'),
          'rtl',
        );
        const resend = page.getByRole('button', { name: new RegExp(ar['signin.resend']) });
        assert.ok(await resend.isDisabled(), 'the cooldown, in Arabic');
        if (!(await showsUp(page.getByLabel(ar['otp.label'])))) {
          lagging.push('the code field, after picking العربية on the sign-in code step');
        }
        await checkStep(page, 'bhv-ar-05-signin-code');
        const again = await outboxCode(e2e.demo.url, phone, before ? { after: before } : {});
        const signinInput = page.locator('mfa-signin mfa-otp-input input');
        await signinInput.click();
        await signinInput.pressSequentially(again);
        assert.equal(await accountMethod(page, e2e.demo.url, 'bhv-ar-06-account'), 'SMS');
        assertCleanRecords(page, 'Arabic');
        assert.deepEqual(lagging, [], 'parts inside the element follow a language change');
      } finally {
        await page.context().close();
      }
    });

    it('shows the first step in every other language without overflow', async () => {
      // A phone-sized viewport: long words (German, Polish) have the least room there.
      const page = await open({ width: 390, height: 844 });
      try {
        await passwordLogin(page, e2e.demo.url, 'lang-all');
        await page.getByRole('heading', { level: 2, name: TITLE_ENROLL }).waitFor();
        const lagging: string[] = [];
        const overflowing: string[] = [];
        for (const [tag] of DEMO_LOCALES) {
          if (tag === 'ar') continue;
          const catalog = await messages(tag);
          await pickLanguage(page, tag, catalog['enroll.choose.title']);
          const base = page.locator('mfa-enroll section[part=base]');
          assert.equal(await base.getAttribute('lang'), tag, `${tag}: the frame's lang`);
          assert.equal(
            await base.getAttribute('dir'),
            tag === 'he' ? 'rtl' : 'ltr',
            `${tag}: the frame's direction`,
          );
          const translated = page.locator('mfa-method-picker [part=item]', {
            hasText: catalog['method.SMS'],
          });
          if (!(await showsUp(translated.first()))) lagging.push(tag);
          await redrawChooser(page, catalog);
          for (const overflow of await overflowingElements(page, 'mfa-enroll')) {
            overflowing.push(`${tag}: ${overflow}`);
          }
          await screenshot(page, `bhv-locale-${tag}-choose`);
        }
        assert.deepEqual(overflowing, [], 'no text overflows its box in any language');
        assertCleanRecords(page, 'languages');
        assert.deepEqual(lagging, [], 'the method list follows each language change at once');
      } finally {
        await page.context().close();
      }
    });
  });
});
