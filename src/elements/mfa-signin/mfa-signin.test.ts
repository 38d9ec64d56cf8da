import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import { WebAuthnAbortService } from '@simplewebauthn/browser';
import { emulateMedia, sendKeys } from '@web/test-runner-commands';
import {
  client,
  lastCode,
  setUpUser,
  signOut,
  ticket,
  totpCode,
  uniqueUser,
} from '../../../test/wtr/relay.ts';
import {
  addVirtualAuthenticator,
  removeVirtualAuthenticator,
  setUserPresence,
} from '../../../test/wtr/webauthn.ts';
import { format, type MessageOverrides } from '../../i18n/index.ts';
import ar from '../../i18n/locales/ar.ts';
import { en } from '../../i18n/locales/en.ts';
import type { MfaOtpInput } from '../mfa-otp-input/mfa-otp-input.ts';
import type { MfaCompleteDetail, MfaErrorDetail, MfaStepDetail } from '../shared/events.ts';
import './mfa-signin.ts';
import type { MfaSignin } from './mfa-signin.ts';

// ---- reading the element

function root(element: Element): ShadowRoot {
  const shadow = element.shadowRoot;
  if (!shadow) throw new Error(`${element.localName} has no shadow root`);
  return shadow;
}

function text(node: Node | null | undefined): string {
  return (node?.textContent ?? '').replace(/\s+/g, ' ').trim();
}

function heading(element: MfaSignin): string {
  return text(root(element).querySelector('h2'));
}

/** What the polite live region says. */
function status(element: MfaSignin): string {
  return text(root(element).querySelector('[role="status"]'));
}

/** The step's visible error (not the code field's own). */
function shownError(element: MfaSignin): string {
  return text(root(element).querySelector('[part="body"] [part="error"]'));
}

function intro(element: MfaSignin): string {
  return text(root(element).querySelector('.intro'));
}

function otp(element: MfaSignin): MfaOtpInput {
  const input = root(element).querySelector('mfa-otp-input');
  if (!input) throw new Error(`no code field on "${heading(element)}"`);
  return input;
}

function otpField(element: MfaSignin): HTMLInputElement {
  const field = root(otp(element)).querySelector('input');
  if (!field) throw new Error('no <input> in <mfa-otp-input>');
  return field;
}

function otpError(element: MfaSignin): string {
  return text(root(otp(element)).querySelector('[part="error"]'));
}

function button(element: MfaSignin, label: string): HTMLButtonElement {
  const found = [...root(element).querySelectorAll('button')].find((b) => text(b) === label);
  if (!found) throw new Error(`no button "${label}" on "${heading(element)}"`);
  return found;
}

/** The device picker's items, once its module (loaded on demand) has defined it. */
async function pickerItems(element: MfaSignin): Promise<HTMLButtonElement[]> {
  await customElements.whenDefined('mfa-device-picker');
  const picker = root(element).querySelector('mfa-device-picker');
  if (!picker) throw new Error(`no device picker on "${heading(element)}"`);
  await picker.updateComplete;
  return [...root(picker).querySelectorAll<HTMLButtonElement>('button[part="item"]')];
}

/** The focused element, looking through shadow roots. */
function deepActive(): Element | null {
  let active = document.activeElement;
  while (active?.shadowRoot?.activeElement) active = active.shadowRoot.activeElement;
  return active;
}

function headingFocused(element: MfaSignin): boolean {
  return root(element).activeElement === root(element).querySelector('h2');
}

async function stepShown(element: MfaSignin, title: string): Promise<void> {
  try {
    await waitUntil(() => heading(element) === title, '', { timeout: 4000 });
  } catch {
    throw new Error(
      `expected the heading "${title}", got "${heading(element)}" (${shownError(element) || status(element)})`,
    );
  }
  await element.updateComplete;
}

/** Presses Tab until `target` has focus: proves it is reachable with the keyboard. */
async function tabTo(target: Element, limit = 12): Promise<void> {
  for (let i = 0; i < limit && deepActive() !== target; i++) await sendKeys({ press: 'Tab' });
  const reached = deepActive();
  // Booleans only: a failing comparison of two elements can stall the test runner's reporter.
  expect(
    reached === target,
    `Tab reaches ${text(target) || target.localName}, got ${reached?.localName ?? 'nothing'}`,
  ).to.equal(true);
}

/**
 * Axe in the default (light) theme on a light page, then with `theme="dark"` on a dark page (the
 * element is transparent: a host that pins the dark theme provides a dark page around it).
 */
async function accessible(element: MfaSignin): Promise<void> {
  await expect(element).to.be.accessible();
  const page = element.parentElement;
  page?.style.setProperty('background', '#1b1b1f');
  element.theme = 'dark';
  await element.updateComplete;
  try {
    await expect(element).to.be.accessible();
  } finally {
    page?.style.removeProperty('background');
    element.theme = undefined;
    element.removeAttribute('theme');
    await element.updateComplete;
  }
}

/** Seconds of the first "m:ss" countdown in `value`. */
function seconds(value: string): number {
  const match = /(\d+):(\d\d)/.exec(value);
  if (!match) throw new Error(`no countdown in "${value}"`);
  return Number(match[1]) * 60 + Number(match[2]);
}

/** A message of the catalog as a pattern; `params` gives a pattern for each placeholder. */
function pattern(template: string, params: Record<string, string>): RegExp {
  const escaped = template.replace(/[.*+?^$()|[\]\\{}]/g, '\\$&');
  const filled = escaped.replace(/\\\{(\w+)\\\}/g, (_match, name: string) => params[name] ?? '');
  return new RegExp(`^${filled}$`);
}

const COUNTDOWN = '\\d+:\\d\\d';

/** A masked phone number as the relay shows it: country prefix, stars, the last four digits. */
function masked(number: string): string {
  return `\\+1\\*+${number.slice(-4)}`;
}

function phone(): string {
  return `+1415555${String(Math.floor(1000 + Math.random() * 9000))}`;
}

/** Six digits that are none of the codes the app shows around now. */
function wrongCode(secret: string): string {
  const valid = new Set([-2, -1, 0, 1, 2, 3].map((window) => totpCode(secret, window)));
  let code = 0;
  while (valid.has(String(code).padStart(6, '0'))) code++;
  return String(code).padStart(6, '0');
}

interface Recorded {
  steps: MfaStepDetail[];
  errors: MfaErrorDetail[];
  completes: MfaCompleteDetail[];
  cancels: unknown[];
  /** Every event detail, serialized: checked for codes that must never leak. */
  all: string[];
}

/** Listens on a container before the element is created, so the first `mfa-step` is caught. */
function record(container: HTMLElement): Recorded {
  const recorded: Recorded = { steps: [], errors: [], completes: [], cancels: [], all: [] };
  container.addEventListener('mfa-step', (event) => {
    recorded.steps.push(event.detail);
    recorded.all.push(JSON.stringify(event.detail));
  });
  container.addEventListener('mfa-error', (event) => {
    recorded.errors.push(event.detail);
    recorded.all.push(JSON.stringify(event.detail));
  });
  container.addEventListener('mfa-complete', (event) => {
    recorded.completes.push(event.detail);
    recorded.all.push(JSON.stringify(event.detail));
  });
  container.addEventListener('mfa-cancel', (event) => {
    recorded.cancels.push(event.detail);
    recorded.all.push(JSON.stringify(event.detail));
  });
  return recorded;
}

/** A sign-in element inside a wrapper that records its events. */
async function signin(
  ticketValue: string,
  options: { lang?: string; strings?: MessageOverrides; cancelable?: boolean } = {},
): Promise<{ element: MfaSignin; events: Recorded }> {
  const wrapper = await fixture<HTMLDivElement>(html`<div></div>`);
  const events = record(wrapper);
  const element = document.createElement('mfa-signin');
  if (options.lang) element.lang = options.lang;
  if (options.strings) element.strings = options.strings;
  if (options.cancelable) element.cancelable = true;
  element.ticket = ticketValue;
  wrapper.append(element);
  await element.updateComplete;
  return { element, events };
}

async function completed(element: MfaSignin, events: Recorded): Promise<MfaCompleteDetail> {
  await waitUntil(() => events.completes.length > 0, 'mfa-complete', { timeout: 4000 });
  await stepShown(element, en['signin.done.title']);
  const [detail] = events.completes;
  if (!detail) throw new Error('no mfa-complete');
  return detail;
}

function expectResult(detail: MfaCompleteDetail, method: MfaCompleteDetail['method']): void {
  expect(Object.keys(detail).sort()).to.deep.equal(['method', 'result']);
  expect(detail.method).to.equal(method);
  const parts = detail.result.split('.');
  expect(parts).to.have.length(3);
  expect(
    parts.every((part) => /^[A-Za-z0-9_-]+$/.test(part)),
    'result is a compact JWS',
  ).to.equal(true);
}

describe('<mfa-signin>', () => {
  // Test files may share a tab: do not inherit another file's emulated colour scheme.
  before(async () => {
    await emulateMedia({ colorScheme: 'light' });
  });

  afterEach(async () => {
    await signOut();
  });

  describe('tickets', () => {
    async function expectFatal(ticketValue: string, code: MfaErrorDetail['code']): Promise<void> {
      const { element, events } = await signin(ticketValue);
      await stepShown(element, en['common.fatalTitle']);
      expect(shownError(element)).to.equal(en[`error.${code}`]);
      expect(events.errors).to.deep.equal([{ code, fatal: true }]);
      expect(events.steps.map((step) => step.step)).to.deep.equal(['starting', 'failed']);
      // A new ticket is needed: the element offers no way to go on.
      expect(root(element).querySelectorAll('button')).to.have.length(0);
      expect(headingFocused(element), 'focus on the failed heading').to.equal(true);
      await accessible(element);
    }

    it('shows a ticket with a forged signature as a fatal failure', async () => {
      const real = await ticket(uniqueUser('forged'), 'signin');
      const [header = '', payload = ''] = real.split('.');
      await expectFatal(`${header}.${payload}.${'A'.repeat(43)}`, 'TICKET_INVALID');
    });

    it('shows a replayed ticket as a fatal failure', async () => {
      const once = await ticket(uniqueUser('replay'), 'signin');
      await client.openSession(once);
      await signOut();
      await expectFatal(once, 'TICKET_REPLAYED');
    });

    it('shows a missing session as a fatal failure', async () => {
      await expectFatal('', 'SESSION_REQUIRED');
    });
  });

  describe('authenticator app', () => {
    it('takes the default device and completes with a code typed on the keyboard', async () => {
      const user = uniqueUser('totp');
      const { secret = '' } = await setUpUser(user, [{ type: 'TOTP', nickname: 'Work phone' }]);
      const { element, events } = await signin(await ticket(user, 'signin'));

      // DEFAULT_TO_FIRST: the default device is selected without a choice.
      await stepShown(element, en['signin.code.title.TOTP']);
      expect(events.steps).to.deep.equal([{ step: 'starting' }, { step: 'code', method: 'TOTP' }]);
      expect(headingFocused(element), 'focus on the code heading').to.equal(true);
      expect(intro(element)).to.equal(format(en['signin.code.app'], { name: 'Work phone' }));
      expect(status(element)).to.equal('');
      expect(otp(element).length).to.equal(6);
      // An app code cannot be resent, and there is no other method to switch to.
      expect(text(root(element).querySelector('[part="actions"]'))).to.equal('');
      await accessible(element);

      await tabTo(otpField(element));
      const code = totpCode(secret, 1);
      await sendKeys({ type: code });
      const detail = await completed(element, events);
      expectResult(detail, 'TOTP');
      expect(headingFocused(element), 'focus on the done heading').to.equal(true);
      expect(status(element)).to.equal(en['signin.done.title']);
      expect(intro(element)).to.equal(en['signin.done.text']);
      await accessible(element);

      expect(events.steps.map((step) => step.step)).to.deep.equal(['starting', 'code', 'done']);
      expect(events.completes, 'mfa-complete fires once').to.have.length(1);
      expect(events.errors).to.deep.equal([]);
      expect(
        events.all.some((detail) => detail.includes(code)),
        'no event carries the code',
      ).to.equal(false);
    });

    it('says how many attempts are left after a wrong code, then accepts the right one', async () => {
      const user = uniqueUser('wrong');
      const { secret = '' } = await setUpUser(user, [{ type: 'TOTP' }]);
      const { element, events } = await signin(await ticket(user, 'signin'), { cancelable: true });
      await stepShown(element, en['signin.code.title.TOTP']);
      expect(intro(element)).to.equal(en['signin.code.appUnnamed']);
      expect(button(element, en['common.cancel']).type).to.equal('button');

      const wrong = wrongCode(secret);
      otp(element).focus();
      await sendKeys({ type: wrong });
      const expected = format(en['signin.code.attemptsRemaining'].other, { count: 4 });
      await waitUntil(() => otpError(element) === expected, 'attempts remaining', {
        timeout: 4000,
      });
      const field = otpField(element);
      expect(field.getAttribute('aria-invalid')).to.equal('true');
      expect(field.getAttribute('aria-describedby')?.split(' ')).to.include('error');
      await waitUntil(() => field.value === '' && !field.disabled, 'input cleared and enabled');
      expect(deepActive() === field, 'focus back in the code field').to.equal(true);
      expect(heading(element)).to.equal(en['signin.code.title.TOTP']);
      expect(events.errors).to.deep.equal([{ code: 'OTP_INVALID', fatal: false }]);
      await accessible(element);

      await sendKeys({ type: totpCode(secret, 1) });
      expectResult(await completed(element, events), 'TOTP');
      expect(
        events.all.some((detail) => detail.includes(wrong)),
        'no event carries a code',
      ).to.equal(false);
      // Nothing is left to cancel once verified.
      expect(root(element).querySelectorAll('[part="actions"] button')).to.have.length(0);
    });

    it('offers "Try again" when the verification has ended, and starts a new one', async () => {
      const user = uniqueUser('ended');
      const { secret = '' } = await setUpUser(user, [{ type: 'TOTP' }]);
      const { element, events } = await signin(await ticket(user, 'signin'));
      await stepShown(element, en['signin.code.title.TOTP']);
      // The session keeps its four latest authentications: newer ones push the element's out.
      for (let i = 0; i < 4; i++) await client.startAuthentication();

      otp(element).focus();
      await sendKeys({ type: totpCode(secret, 1) });
      await stepShown(element, en['common.fatalTitle']);
      expect(shownError(element)).to.equal(en['error.AUTHENTICATION_NOT_FOUND']);
      expect(events.errors).to.deep.equal([{ code: 'AUTHENTICATION_NOT_FOUND', fatal: false }]);
      expect(headingFocused(element), 'focus on the failed heading').to.equal(true);
      const retry = button(element, en['common.retry']);
      await accessible(element);

      // The ticket is spent: "Try again" goes on in the session it opened.
      await tabTo(retry);
      await sendKeys({ press: 'Enter' });
      await stepShown(element, en['signin.code.title.TOTP']);
      expect(headingFocused(element), 'focus on the new code heading').to.equal(true);
      otp(element).focus();
      await sendKeys({ type: totpCode(secret, 1) });
      expectResult(await completed(element, events), 'TOTP');
      expect(events.steps.map((step) => step.step)).to.deep.equal([
        'starting',
        'code',
        'failed',
        'starting',
        'code',
        'done',
      ]);
    });

    it('locks the code field after too many wrong codes and counts down', async function () {
      this.timeout(12_000);
      const user = uniqueUser('lock');
      const { secret = '' } = await setUpUser(user, [{ type: 'TOTP' }]);
      const { element, events } = await signin(await ticket(user, 'signin'));
      await stepShown(element, en['signin.code.title.TOTP']);
      const wrong = wrongCode(secret);

      // The policy allows five wrong codes before a five-minute cool-down.
      for (const left of [4, 3, 2, 1]) {
        otp(element).focus();
        await sendKeys({ type: wrong });
        const expected = format(
          left === 1
            ? en['signin.code.attemptsRemaining'].one
            : en['signin.code.attemptsRemaining'].other,
          { count: left },
        );
        await waitUntil(() => otpError(element) === expected, `${String(left)} left`, {
          timeout: 4000,
        });
        await waitUntil(() => otpField(element).value === '' && !otpField(element).disabled, '');
      }
      // The fifth wrong code spends the last attempt: the relay locks the device there and then.
      otp(element).focus();
      await sendKeys({ type: wrong });
      const lockPattern = pattern(en['signin.code.locked'], { time: COUNTDOWN });
      const isLocked = () => lockPattern.test(shownError(element)) && otpField(element).disabled;
      await waitUntil(
        () => isLocked() || /\b0\b/.test(otpError(element)),
        'an answer to the fifth wrong code',
        { timeout: 4000 },
      );
      await element.updateComplete;
      const lockedAtOnce = isLocked();
      const afterFifth = `field "${otpError(element)}", disabled ${String(otpField(element).disabled)}`;
      if (!lockedAtOnce) {
        // Not shown as locked: only another attempt reveals the lock.
        await waitUntil(() => !otpField(element).disabled, 'field enabled');
        otp(element).focus();
        await sendKeys({ type: wrong });
        await waitUntil(isLocked, 'lock countdown after a sixth code', { timeout: 4000 });
      }

      const field = otpField(element);
      expect(field.disabled, 'code field disabled while locked').to.equal(true);
      expect(button(element, en['signin.code.submit']).disabled).to.equal(true);
      expect(status(element)).to.equal(en['error.AUTHENTICATOR_LOCKED']);
      expect(events.errors.every((error) => !error.fatal)).to.equal(true);
      expect(['AUTHENTICATOR_LOCKED', 'OTP_INVALID']).to.include(events.errors.at(-1)?.code);
      const first = seconds(shownError(element));
      expect(first).to.be.within(240, 300);
      await accessible(element);

      // The countdown is live (the unlock itself is minutes away).
      await new Promise((resolve) => setTimeout(resolve, 2100));
      const later = seconds(shownError(element));
      expect(later).to.be.within(first - 3, first - 1);
      expect(otpField(element).disabled).to.equal(true);
      expect(status(element), 'the countdown is not read out every second').to.equal(
        en['error.AUTHENTICATOR_LOCKED'],
      );
      expect(
        lockedAtOnce,
        `locked as soon as the last attempt is spent (after the fifth code: ${afterFifth})`,
      ).to.equal(true);
    });
  });

  describe('delivered codes', () => {
    const realAlert = window.alert.bind(window);
    afterEach(() => {
      window.alert = realAlert;
    });

    it('switches to SMS from the device list by keyboard and counts down the resend', async function () {
      this.timeout(10_000);
      const user = uniqueUser('sms');
      const mobile = phone();
      // A nickname is the person's own text: it must stay text wherever it is shown.
      const nickname = '<img src=x onerror=alert(1)>';
      await setUpUser(user, [
        { type: 'TOTP', nickname },
        { type: 'SMS', phone: mobile },
      ]);
      const sentBefore = (await lastCode(mobile)).count;
      const alerts: unknown[] = [];
      window.alert = (message?: unknown) => {
        alerts.push(message);
      };
      const { element, events } = await signin(await ticket(user, 'signin'));
      // Two devices, yet no choice: the policy (DEFAULT_TO_FIRST) takes the first.
      await stepShown(element, en['signin.code.title.TOTP']);
      expect(intro(element)).to.equal(format(en['signin.code.app'], { name: nickname }));
      expect(root(element).querySelector('img') === null, 'no <img> rendered').to.equal(true);

      await tabTo(button(element, en['signin.otherMethod']));
      await sendKeys({ press: 'Enter' });
      await stepShown(element, en['signin.choose.title']);
      expect(headingFocused(element), 'focus on the choose heading').to.equal(true);
      expect(intro(element)).to.equal(en['signin.choose.intro']);
      const items = await pickerItems(element);
      expect(items.map((item) => text(item.querySelector('.name')))).to.deep.equal([
        `${en['method.TOTP']} ${en['devicePicker.default']}`,
        en['method.SMS'],
      ]);
      expect(text(items[0]?.querySelector('.detail'))).to.equal(nickname);
      expect(items.some((item) => item.querySelector('img'))).to.equal(false);
      // The number is masked: only its last four digits are shown.
      expect(text(items[1]?.querySelector('.detail'))).to.match(new RegExp(`${mobile.slice(-4)}$`));
      expect(text(items[1])).not.to.include(mobile.slice(2, 8));
      await accessible(element);

      const sms = items[1];
      if (!sms) throw new Error('no SMS item');
      await tabTo(sms);
      await sendKeys({ press: 'Space' });
      await stepShown(element, en['signin.code.title.SMS']);
      expect(headingFocused(element), 'focus on the SMS heading').to.equal(true);
      expect(intro(element)).to.match(
        pattern(en['signin.code.sentTo.SMS'], { target: masked(mobile) }),
      );
      expect(otpField(element).getAttribute('autocomplete')).to.equal('one-time-code');

      const resendPattern = pattern(en['signin.resendIn'], { time: COUNTDOWN });
      const resend = [...root(element).querySelectorAll('[part="actions"] button')].find((b) =>
        resendPattern.test(text(b)),
      );
      if (!resend) throw new Error('no resend countdown');
      expect(resend.hasAttribute('disabled'), 'resend disabled during the cool-down').to.equal(
        true,
      );
      const first = seconds(text(resend));
      expect(first).to.be.within(27, 30);
      await accessible(element);
      await new Promise((resolve) => setTimeout(resolve, 2100));
      expect(seconds(text(resend))).to.be.within(first - 3, first - 1);
      expect(resend.hasAttribute('disabled')).to.equal(true);

      const { code, count } = await lastCode(mobile);
      expect(count, 'choosing SMS sent a code').to.equal(sentBefore + 1);
      otp(element).focus();
      await sendKeys({ type: code });
      expectResult(await completed(element, events), 'SMS');
      expect(events.steps).to.deep.equal([
        { step: 'starting' },
        { step: 'code', method: 'TOTP' },
        { step: 'choose' },
        { step: 'code', method: 'SMS' },
        { step: 'done' },
      ]);
      expect(events.completes).to.have.length(1);
      expect(
        events.all.some((detail) => detail.includes(code)),
        'no event carries the code',
      ).to.equal(false);
      expect(alerts, 'no markup ran').to.deep.equal([]);
    });

    it('offers "Call me instead" on the SMS step when the user has a voice device', async function () {
      this.timeout(10_000);
      const user = uniqueUser('voice');
      const mobile = phone();
      const landline = phone();
      await setUpUser(user, [
        { type: 'SMS', phone: mobile },
        { type: 'VOICE', phone: landline },
      ]);
      const { element, events } = await signin(await ticket(user, 'signin'));
      await stepShown(element, en['signin.code.title.SMS']);
      await accessible(element);

      await tabTo(button(element, en['signin.callInstead']));
      await sendKeys({ press: 'Enter' });
      await stepShown(element, en['signin.code.title.VOICE']);
      expect(headingFocused(element), 'focus on the voice heading').to.equal(true);
      expect(intro(element)).to.match(
        pattern(en['signin.code.sentTo.VOICE'], { target: masked(landline) }),
      );
      // Only an SMS step offers the call.
      expect(() => button(element, en['signin.callInstead'])).to.throw();
      await accessible(element);

      otp(element).focus();
      await sendKeys({ type: (await lastCode(landline)).code });
      expectResult(await completed(element, events), 'VOICE');
      expect(events.steps.map((step) => step.method)).to.deep.equal([
        undefined,
        'SMS',
        'VOICE',
        undefined,
      ]);
    });

    it('completes with an emailed code', async () => {
      const user = uniqueUser('email');
      const address = `${user}@example.com`;
      await setUpUser(user, [{ type: 'EMAIL', email: address }]);
      const { element, events } = await signin(await ticket(user, 'signin'));
      await stepShown(element, en['signin.code.title.EMAIL']);
      expect(intro(element)).to.equal(
        format(en['signin.code.sentTo.EMAIL'], { target: `${address[0] ?? ''}****@example.com` }),
      );
      const resendPattern = pattern(en['signin.resendIn'], { time: COUNTDOWN });
      expect(
        [...root(element).querySelectorAll('button')].some((b) => resendPattern.test(text(b))),
        'email codes can be resent after a cool-down',
      ).to.equal(true);
      await accessible(element);

      otp(element).focus();
      await sendKeys({ type: (await lastCode(address)).code });
      expectResult(await completed(element, events), 'EMAIL');
    });

    it('completes with a code sent on WhatsApp', async () => {
      const user = uniqueUser('whatsapp');
      const mobile = phone();
      await setUpUser(user, [{ type: 'WHATSAPP', phone: mobile }]);
      const { element, events } = await signin(await ticket(user, 'signin'));
      await stepShown(element, en['signin.code.title.WHATSAPP']);
      expect(intro(element)).to.match(
        pattern(en['signin.code.sentTo.WHATSAPP'], { target: masked(mobile) }),
      );
      await accessible(element);

      otp(element).focus();
      await sendKeys({ type: (await lastCode(mobile)).code });
      expectResult(await completed(element, events), 'WHATSAPP');
    });
  });

  describe('passkeys and security keys', () => {
    let authenticator = '';

    beforeEach(async () => {
      authenticator = await addVirtualAuthenticator({ transport: 'internal' });
    });

    afterEach(async () => {
      WebAuthnAbortService.cancelCeremony();
      await removeVirtualAuthenticator();
    });

    it('completes with a passkey, started from the keyboard', async () => {
      const user = uniqueUser('passkey');
      await setUpUser(user, [{ type: 'FIDO2' }]);
      const { element, events } = await signin(await ticket(user, 'signin'));
      await stepShown(element, en['signin.fido.title']);
      expect(events.steps.at(-1)).to.deep.equal({ step: 'fido', method: 'FIDO2' });
      expect(headingFocused(element), 'focus on the passkey heading').to.equal(true);
      expect(intro(element)).to.equal(en['signin.fido.intro']);
      expect(shownError(element)).to.equal('');
      await accessible(element);

      await tabTo(button(element, en['signin.fido.start']));
      await sendKeys({ press: 'Enter' });
      expectResult(await completed(element, events), 'FIDO2');
      expect(events.errors).to.deep.equal([]);
    });

    it('shows a cancelled ceremony with "Try again", which then succeeds', async function () {
      this.timeout(10_000);
      const user = uniqueUser('cancel');
      await setUpUser(user, [{ type: 'FIDO2' }]);
      // Nobody touches the authenticator: the browser's prompt stays open.
      await setUserPresence(authenticator, false);
      const { element, events } = await signin(await ticket(user, 'signin'));
      await stepShown(element, en['signin.fido.title']);

      const start = button(element, en['signin.fido.start']);
      await tabTo(start);
      await sendKeys({ press: 'Enter' });
      await waitUntil(() => status(element) === en['signin.fido.waiting'], 'waiting announced');
      // Marked unavailable but still focusable, so a keyboard user is not dropped to the page.
      expect(start.getAttribute('aria-disabled'), 'no second ceremony while one is open').to.equal(
        'true',
      );
      expect(deepActive() === start, 'focus stays on the button while the prompt is open').to.equal(
        true,
      );

      WebAuthnAbortService.cancelCeremony();
      await waitUntil(() => shownError(element) === en['webauthn.cancelled'], 'cancel shown', {
        timeout: 4000,
      });
      // Where a keyboard user is left once the prompt is gone.
      const focusAfterCancel = deepActive();
      expect(status(element)).to.equal(en['webauthn.cancelled']);
      expect(heading(element)).to.equal(en['signin.fido.title']);
      const retry = button(element, en['common.retry']);
      expect(retry.getAttribute('aria-disabled')).to.equal('false');
      await accessible(element);

      await setUserPresence(authenticator, true);
      await tabTo(retry);
      await sendKeys({ press: 'Enter' });
      expectResult(await completed(element, events), 'FIDO2');
      expect(events.completes).to.have.length(1);
      expect(
        focusAfterCancel === retry,
        `focus stays on "Try again" after a cancelled prompt, not on ${focusAfterCancel?.localName ?? 'nothing'}`,
      ).to.equal(true);
    });

    it('leaves an open ceremony for another method and abandons it quietly', async function () {
      this.timeout(10_000);
      const user = uniqueUser('leave');
      const { secret = '' } = await setUpUser(user, [{ type: 'FIDO2' }, { type: 'TOTP' }]);
      await setUserPresence(authenticator, false);
      const { element, events } = await signin(await ticket(user, 'signin'));
      await stepShown(element, en['signin.fido.title']);

      button(element, en['signin.fido.start']).click();
      await waitUntil(() => status(element) === en['signin.fido.waiting'], 'waiting announced');
      const other = button(element, en['signin.otherMethod']);
      expect(other.disabled, 'another method stays available during the prompt').to.equal(false);
      await tabTo(other);
      await sendKeys({ press: 'Enter' });
      await stepShown(element, en['signin.choose.title']);
      await pickerItems(element);
      await accessible(element);

      // The aborted prompt must not pull the person back or show an error.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(heading(element)).to.equal(en['signin.choose.title']);
      expect(shownError(element)).to.equal('');
      expect(events.errors).to.deep.equal([]);

      const app = (await pickerItems(element))[1];
      if (!app) throw new Error('no TOTP item');
      await tabTo(app);
      await sendKeys({ press: 'Enter' });
      await stepShown(element, en['signin.code.title.TOTP']);
      otp(element).focus();
      await sendKeys({ type: totpCode(secret, 1) });
      expectResult(await completed(element, events), 'TOTP');
    });
  });

  describe('language and text', () => {
    it('speaks Arabic, right to left, under lang="ar"', async () => {
      const user = uniqueUser('arabic');
      await setUpUser(user, [{ type: 'TOTP' }]);
      const { element } = await signin(await ticket(user, 'signin'), { lang: 'ar' });
      await stepShown(element, ar['signin.code.title.TOTP']);
      const base = root(element).querySelector('[part="base"]');
      expect(base?.getAttribute('dir')).to.equal('rtl');
      expect(base?.getAttribute('lang')).to.equal('ar');
      expect(base?.getAttribute('aria-label')).to.equal(ar['common.region']);
      expect(text(button(element, ar['signin.code.submit']))).to.equal(ar['signin.code.submit']);
      // The code field follows the page's language but keeps its digits left to right.
      const field = otpField(element);
      expect(text(root(otp(element)).querySelector('label'))).to.equal(ar['otp.label']);
      expect(root(otp(element)).querySelector('[part="base"]')?.getAttribute('dir')).to.equal(
        'rtl',
      );
      expect(field.getAttribute('dir')).to.equal('ltr');
      await accessible(element);
    });

    it('takes per-instance strings, for itself and its parts only', async () => {
      const user = uniqueUser('strings');
      await setUpUser(user, [{ type: 'TOTP' }]);
      const strings: MessageOverrides = {
        'signin.code.title.TOTP': 'Type the code from your app',
        'otp.label': 'Six-digit code',
        'common.fatalTitle': 'Sorry',
        'common.cancel': 'Not now',
      };
      const wrapper = await fixture<HTMLDivElement>(html`<div></div>`);
      const events = record(wrapper);
      const custom = document.createElement('mfa-signin');
      custom.strings = strings;
      custom.cancelable = true;
      custom.ticket = await ticket(user, 'signin');
      // A second element on the same page keeps the catalog's texts.
      const plain = document.createElement('mfa-signin');
      plain.ticket = 'not-a-ticket';
      wrapper.append(custom, plain);

      await stepShown(custom, 'Type the code from your app');
      expect(text(root(otp(custom)).querySelector('label'))).to.equal('Six-digit code');
      expect(text(button(custom, en['signin.code.submit']))).to.equal(en['signin.code.submit']);
      await stepShown(plain, en['common.fatalTitle']);

      // "Cancel" (renamed here) hands the decision to the host.
      await tabTo(button(custom, 'Not now'));
      await sendKeys({ press: 'Enter' });
      await waitUntil(() => events.cancels.length > 0, 'mfa-cancel');
      expect(events.cancels).to.deep.equal([{}]);
      expect(events.completes).to.deep.equal([]);
    });
  });
});
