import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import { nothing } from 'lit';
import { TOTP } from 'otpauth';
import {
  client,
  enrollSession,
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
  setUserVerified,
} from '../../../test/wtr/webauthn.ts';
import { format } from '../../i18n/index.ts';
import { en } from '../../i18n/locales/en.ts';
import he from '../../i18n/locales/he.ts';
import type { Purpose } from '../../protocol/schemas.ts';
import type { MfaMethodPicker } from '../mfa-method-picker/mfa-method-picker.ts';
import type { MfaOtpInput } from '../mfa-otp-input/mfa-otp-input.ts';
import type { MfaEnrolledDetail, MfaErrorDetail, MfaStepDetail } from '../shared/events.ts';
import './mfa-enroll.ts';
import type { MfaEnroll } from './mfa-enroll.ts';

// The seeded demo token of the embedded engine (docs/engine.md, "Seeded defaults").
const OATH_SERIAL = '10000000000001';
const OATH_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

type Recorded =
  | { type: 'mfa-step'; detail: MfaStepDetail }
  | { type: 'mfa-error'; detail: MfaErrorDetail }
  | { type: 'mfa-enrolled'; detail: MfaEnrolledDetail };

interface Mounted {
  element: MfaEnroll;
  events: Recorded[];
}

interface MountOptions {
  ticket?: string;
  methods?: string;
  method?: string;
  lang?: string;
  api?: string;
}

/** Mounts the element with listeners in the template, so that the first `mfa-step` is seen too. */
async function mount(options: MountOptions): Promise<Mounted> {
  const events: Recorded[] = [];
  const record = (event: Event) => {
    const { detail } = event as Event & { detail: unknown };
    events.push({ type: event.type, detail } as Recorded);
  };
  const element = await fixture<MfaEnroll>(
    html`<mfa-enroll
      ticket=${options.ticket ?? nothing}
      methods=${options.methods ?? nothing}
      method=${options.method ?? nothing}
      lang=${options.lang ?? nothing}
      api=${options.api ?? nothing}
      @mfa-step=${record}
      @mfa-error=${record}
      @mfa-enrolled=${record}
    ></mfa-enroll>`,
  );
  return { element, events };
}

/** Mounts for a fresh user with an enrollment ticket. */
async function mountFor(
  user: string,
  options: Omit<MountOptions, 'ticket'> & { purpose?: Purpose } = {},
): Promise<Mounted> {
  return mount({ ...options, ticket: await ticket(user, options.purpose ?? 'enroll') });
}

function root(element: Element): ShadowRoot {
  const shadow = element.shadowRoot;
  if (!shadow) throw new Error(`${element.localName} has no shadow root`);
  return shadow;
}

function query(element: Element, selector: string): Element {
  const found = root(element).querySelector(selector);
  if (!found) throw new Error(`no ${selector} in <${element.localName}>`);
  return found;
}

/** `query` for an element of a known tag, typed as that tag. */
function queryTag<K extends keyof HTMLElementTagNameMap>(
  element: Element,
  tag: K,
  selector: string = tag,
): HTMLElementTagNameMap[K] {
  const found = root(element).querySelector<HTMLElementTagNameMap[K]>(selector);
  if (!found || found.localName !== tag)
    throw new Error(`no ${selector} in <${element.localName}>`);
  return found;
}

function text(node: Element | null | undefined): string {
  return node?.textContent.replace(/\s+/g, ' ').trim() ?? '';
}

function heading(element: Element): string {
  return text(element.shadowRoot?.querySelector('h2'));
}

function status(element: MfaEnroll): string {
  return text(element.shadowRoot?.querySelector('[part=status]'));
}

function errorText(element: MfaEnroll): string {
  return text(element.shadowRoot?.querySelector('[part=error]'));
}

function buttons(element: Element): HTMLButtonElement[] {
  return [...root(element).querySelectorAll('button')];
}

function button(element: Element, label: string): HTMLButtonElement {
  const found = buttons(element).find((candidate) => text(candidate) === label);
  if (!found) {
    const seen = buttons(element).map((candidate) => text(candidate));
    throw new Error(`no button "${label}" (buttons: ${seen.join(' | ')})`);
  }
  return found;
}

function hasButton(element: Element, label: string): boolean {
  return buttons(element).some((candidate) => text(candidate) === label);
}

function picker(element: MfaEnroll): MfaMethodPicker {
  return queryTag(element, 'mfa-method-picker');
}

function methodButton(element: MfaEnroll, method: string): HTMLButtonElement {
  return queryTag(picker(element), 'button', `button[data-method="${method}"]`);
}

function offered(element: MfaEnroll): string[] {
  return [...root(picker(element)).querySelectorAll('button[data-method]')].map(
    (item) => item.getAttribute('data-method') ?? '',
  );
}

function otpInput(element: MfaEnroll): MfaOtpInput {
  return queryTag(element, 'mfa-otp-input');
}

function input(element: MfaEnroll, id: string): HTMLInputElement {
  return queryTag(element, 'input', `#${id}`);
}

async function stepShown(element: Element, wanted: string, timeout = 4000): Promise<void> {
  await waitUntil(
    () => heading(element) === wanted && !element.shadowRoot?.querySelector('.spinner'),
    `heading "${wanted}", got "${heading(element)}"`,
    { timeout },
  );
}

/**
 * The chooser is ready: its heading is also the one shown while starting, and after Back it shows
 * (busy) before the pending devices are loaded.
 */
async function chooserShown(element: MfaEnroll): Promise<void> {
  await stepShown(element, en['enroll.choose.title']);
  await waitUntil(
    () => !element.shadowRoot?.querySelector('mfa-method-picker[disabled]'),
    'the chooser idle',
  );
  const list = element.shadowRoot?.querySelector('mfa-method-picker');
  if (list) await list.updateComplete;
}

/**
 * What has focus inside `element`'s shadow root, as `tag#id` or `tag[data-method=X]` (assertions
 * compare strings: a failed comparison of two DOM nodes is slow to serialise).
 */
function focusIn(element: Element): string {
  const active = element.shadowRoot?.activeElement;
  if (!active) return 'nothing';
  const method = active.getAttribute('data-method');
  return `${active.localName}${active.id ? `#${active.id}` : ''}${method ? `[${method}]` : ''}`;
}

/** The new step's heading has focus (where a screen reader starts reading). */
function expectHeadingFocused(element: MfaEnroll): void {
  expect(focusIn(element), 'focus on the heading').to.equal('h2');
}

/**
 * axe in the light theme, then in the dark one. The element paints no background of its own, so
 * the dark check puts it on a dark page, as a host that picks the dark theme would.
 */
async function expectAccessible(element: MfaEnroll): Promise<void> {
  await expect(element).to.be.accessible();
  const page = document.body.style;
  element.theme = 'dark';
  page.setProperty('background', '#121212');
  try {
    await element.updateComplete;
    await expect(element).to.be.accessible();
  } finally {
    page.removeProperty('background');
    element.theme = undefined;
    await element.updateComplete;
  }
}

/** Focuses the code field and types like a person. */
async function typeCode(element: MfaEnroll, code: string): Promise<void> {
  otpInput(element).focus();
  await sendKeys({ type: code });
}

async function choose(element: MfaEnroll, method: string): Promise<void> {
  await waitUntil(
    () => element.shadowRoot?.querySelector('mfa-method-picker') !== null,
    'the chooser',
  );
  await picker(element).updateComplete;
  methodButton(element, method).click();
}

/** Fills the details form and submits it; the caller waits for the outcome. */
async function submitDetails(element: MfaEnroll, fields: Record<string, string>): Promise<void> {
  for (const [id, value] of Object.entries(fields)) input(element, id).value = value;
  queryTag(element, 'form').requestSubmit();
  await element.updateComplete;
}

function phoneNumber(): string {
  return `+1415555${String(Math.floor(Math.random() * 10_000)).padStart(4, '0')}`;
}

function steps(events: Recorded[]): string[] {
  return events.filter((event) => event.type === 'mfa-step').map((event) => event.detail.step);
}

function enrolled(events: Recorded[]): MfaEnrolledDetail[] {
  return events.flatMap((event) => (event.type === 'mfa-enrolled' ? [event.detail] : []));
}

function errors(events: Recorded[]): MfaErrorDetail[] {
  return events.flatMap((event) => (event.type === 'mfa-error' ? [event.detail] : []));
}

/**
 * No event detail carries a one-time code, a secret or a contact. The signed result is left out:
 * a six-digit run inside its base64 would be a coincidence, not a leak.
 */
function expectNoSecrets(events: Recorded[], ...secrets: string[]): void {
  for (const event of events) {
    const keys = Object.keys(event.detail).sort();
    const allowed =
      event.type === 'mfa-step'
        ? ['method', 'step']
        : event.type === 'mfa-error'
          ? ['code', 'fatal']
          : ['deviceId', 'method', 'result'];
    expect(allowed, `${event.type} detail keys ${keys.join(',')}`).to.include.members(keys);
  }
  const all = JSON.stringify(
    events.map((event) =>
      event.type === 'mfa-enrolled' ? { ...event.detail, result: undefined } : event.detail,
    ),
  );
  for (const secret of secrets) {
    expect(all.includes(secret), `an event carried "${secret}"`).to.equal(false);
  }
}

/** Waits for `mfa-enrolled` and checks its detail against the relay's own list of devices. */
async function expectEnrolled(mounted: Mounted, method: string): Promise<MfaEnrolledDetail> {
  const { element, events } = mounted;
  const title = format(en['enroll.done.title'], {
    method: en[`method.${method}` as keyof typeof en] as string,
  });
  await stepShown(element, title);
  expectHeadingFocused(element);
  expect(status(element)).to.equal(title);
  const [detail, ...more] = enrolled(events);
  expect(more, 'mfa-enrolled fires once').to.have.length(0);
  if (!detail) throw new Error('no mfa-enrolled');
  expect(detail.method).to.equal(method);
  expect(detail.result?.split('.'), 'a signed result (JWT)').to.have.length(3);
  const { devices } = await client.listDevices();
  const device = devices.find((candidate) => candidate.id === detail.deviceId);
  expect(device?.status, 'the device is active').to.equal('ACTIVE');
  expect(device?.type).to.equal(method);
  expect(steps(events).at(-1)).to.equal('done');
  return detail;
}

/** Set while tests share one session that `afterEach` must not end. */
let keepSession = false;

describe('<mfa-enroll>', () => {
  afterEach(async () => {
    await removeVirtualAuthenticator();
    if (!keepSession) await signOut();
  });

  describe('chooser', () => {
    it('is accessible and offers the policy’s methods within the methods attribute', async () => {
      const mounted = await mountFor(uniqueUser('choose'), { methods: 'totp,sms,email,bogus' });
      const { element, events } = mounted;
      await chooserShown(element);
      await expectAccessible(element);
      expectHeadingFocused(element);
      expect(offered(element)).to.deep.equal(['SMS', 'EMAIL', 'TOTP']);
      expect(text(query(element, '.intro'))).to.equal(en['enroll.choose.intro']);
      const badge = (method: string) =>
        text(methodButton(element, method).querySelector('[part=badge]'));
      expect(badge('EMAIL')).to.equal(en['method.weaker']);
      expect(badge('TOTP')).to.equal(en['method.recommended']);
      expect(badge('SMS')).to.equal('');
      expect(text(methodButton(element, 'SMS'))).to.contain(en['method.description.SMS']);
      expect(steps(events)).to.deep.equal(['starting', 'choose']);
      expect(errors(events)).to.deep.equal([]);
    });

    it('narrows the offer when the methods attribute changes', async () => {
      const { element, events } = await mountFor(uniqueUser('narrow'), { methods: 'totp,sms' });
      await chooserShown(element);
      expect(offered(element)).to.deep.equal(['SMS', 'TOTP']);
      element.methods = 'totp';
      await waitUntil(
        () => steps(events).filter((step) => step === 'starting').length === 2,
        'a restart',
      );
      await waitUntil(() => steps(events).at(-1) !== 'starting', 'the restart to end');
      expect(errors(events), 'the session is kept, the ticket not used again').to.deep.equal([]);
      await chooserShown(element);
      expect(offered(element)).to.deep.equal(['TOTP']);
    });

    // These share one session the page opened itself: elements without a ticket use it.
    describe('on a session the page already has', () => {
      before(async () => {
        keepSession = true;
        await enrollSession(uniqueUser('shared'));
      });
      after(async () => {
        keepSession = false;
        await signOut();
      });

      it('offers every method of the policy without the attribute', async () => {
        const { element, events } = await mount({});
        await chooserShown(element);
        expect(offered(element)).to.deep.equal([
          'SMS',
          'VOICE',
          'EMAIL',
          'WHATSAPP',
          'TOTP',
          'FIDO2',
          'OATH_TOKEN',
        ]);
        expect(errors(events)).to.deep.equal([]);
      });

      it('says so when the host allows nothing the policy offers', async () => {
        const { element } = await mount({ methods: 'bogus' });
        await chooserShown(element);
        expect(text(query(element, '.intro'))).to.equal(en['enroll.choose.none']);
        expect(element.shadowRoot?.querySelector('mfa-method-picker')).to.equal(null);
        await expectAccessible(element);
      });

      it('goes straight to the method of the method attribute, with Back to the chooser', async () => {
        const { element, events } = await mount({ method: 'email' });
        await stepShown(element, en['enroll.email.title']);
        expectHeadingFocused(element);
        expect(steps(events).at(-1)).to.equal('details');
        expect(events.at(-1)?.detail).to.deep.equal({ step: 'details', method: 'EMAIL' });
        await expectAccessible(element);
        button(element, en['common.back']).click();
        await chooserShown(element);
        expectHeadingFocused(element);
      });

      it('has no Back when the only method is preselected', async () => {
        const { element } = await mount({ methods: 'sms', method: 'sms' });
        await stepShown(element, en['enroll.phone.title']);
        expect(hasButton(element, en['common.back'])).to.equal(false);
      });

      it('stays in the chooser when the preselected method is not offered', async () => {
        const { element } = await mount({ methods: 'totp,sms', method: 'voice' });
        await chooserShown(element);
        expect(offered(element)).to.deep.equal(['SMS', 'TOTP']);
      });
    });
  });

  describe('authenticator app', () => {
    it('shows the QR code, the grouped key, copy and the app link, and activates with a code', async function () {
      this.timeout(15000);
      const qrRequested = () =>
        performance
          .getEntriesByType('resource')
          .some((entry) => entry.name.includes('/mfa-qr/mfa-qr.ts'));
      // The QR encoder is a chunk of its own: nothing of it is loaded before this step.
      expect(customElements.get('mfa-qr'), 'mfa-qr not loaded yet').to.equal(undefined);
      expect(qrRequested(), 'mfa-qr not requested yet').to.equal(false);

      const mounted = await mountFor(uniqueUser('totp'), { methods: 'totp,sms' });
      const { element, events } = mounted;
      await choose(element, 'TOTP');
      await stepShown(element, en['enroll.totp.title']);
      expectHeadingFocused(element);
      expect(events.at(-1)?.detail).to.deep.equal({ step: 'totp', method: 'TOTP' });

      // The QR code is drawn once its chunk arrives.
      await waitUntil(() => customElements.get('mfa-qr') !== undefined, 'mfa-qr defined');
      expect(qrRequested(), 'mfa-qr requested on this step').to.equal(true);
      const qr = query(element, 'mfa-qr');
      await waitUntil(
        () => qr.shadowRoot?.querySelector('svg[role=img]') !== null,
        'the QR code drawn',
      );
      expect(query(qr, 'svg[role=img]').getAttribute('aria-label')).to.equal(en['qr.label']);
      await expectAccessible(element);

      // The key in groups of four, for typing it by hand.
      const key = query(element, '[part=key]');
      expect(key.getAttribute('aria-label')).to.equal(en['enroll.totp.keyLabel']);
      const grouped = text(key);
      expect(grouped).to.match(/^([A-Z2-7]{4} )*[A-Z2-7]{1,4}$/);
      const secret = grouped.replace(/ /g, '');
      expect(secret.length, 'a key of at least 160 bits').to.be.at.least(32);

      // The link opens an authenticator app on this device with the same secret.
      const link = queryTag(element, 'a', 'a.app-link');
      expect(text(link)).to.equal(en['enroll.totp.openApp']);
      const uri = new URL(link.getAttribute('href') ?? '');
      expect(uri.protocol).to.equal('otpauth:');
      expect(uri.host).to.equal('totp');
      expect(uri.searchParams.get('secret')).to.equal(secret);
      expect(uri.searchParams.get('issuer')).to.equal('mfa-elements');

      // Copy: the key goes to the clipboard without spaces; a refusal says how to do it by hand.
      const clipboard = navigator.clipboard;
      const copied: string[] = [];
      const copy = button(element, en['enroll.totp.copy']);
      try {
        Object.defineProperty(clipboard, 'writeText', {
          configurable: true,
          value: (value: string) => {
            copied.push(value);
            return Promise.resolve();
          },
        });
        copy.click();
        await waitUntil(() => status(element) === en['enroll.totp.copied'], 'copied announced');
        expect(copied).to.deep.equal([secret]);
        expect(errorText(element)).to.equal('');

        Object.defineProperty(clipboard, 'writeText', {
          configurable: true,
          value: () =>
            Promise.reject(new DOMException('Write permission denied.', 'NotAllowedError')),
        });
        copy.click();
        await waitUntil(
          () => status(element) === en['enroll.totp.copyFailed'],
          'refusal announced',
        );
        expect(errorText(element)).to.equal(en['enroll.totp.copyFailed']);
        expect(text(key), 'the key stays shown').to.equal(grouped);
      } finally {
        Reflect.deleteProperty(clipboard, 'writeText');
      }

      // A wrong code first, then the app's code typed in: the device is active.
      await typeCode(element, '000000');
      await waitUntil(() => otpInput(element).error === en['error.OTP_INVALID'], 'wrong code');
      await waitUntil(() => otpInput(element).value === '', 'the field emptied for the next try');
      expect(focusIn(element), 'focus back in the field').to.equal('mfa-otp-input');
      expect(errors(events)).to.deep.equal([{ code: 'OTP_INVALID', fatal: false }]);
      const code = totpCode(secret);
      await typeCode(element, code);
      const detail = await expectEnrolled(mounted, 'TOTP');
      expect(detail.deviceId).to.be.a('string');
      expectNoSecrets(events, secret, code);
      await expectAccessible(element);
    });

    it('removes a half-made app device on Back, and a second try gets a new key', async function () {
      this.timeout(10000);
      const mounted = await mountFor(uniqueUser('totp-back'), { methods: 'totp,sms' });
      const { element } = mounted;
      await choose(element, 'TOTP');
      await stepShown(element, en['enroll.totp.title']);
      const first = text(query(element, '[part=key]')).replace(/ /g, '');
      button(element, en['common.back']).click();
      await chooserShown(element);
      // A TOTP secret is shown once: such a device cannot be resumed, so it is removed.
      expect(element.shadowRoot?.querySelector('.pending')).to.equal(null);
      expect((await client.listDevices()).devices).to.deep.equal([]);

      await choose(element, 'TOTP');
      await stepShown(element, en['enroll.totp.title']);
      const second = text(query(element, '[part=key]')).replace(/ /g, '');
      expect(second).not.to.equal(first);
      otpInput(element).focus();
      await sendKeys({ type: totpCode(second) });
      await expectEnrolled(mounted, 'TOTP');
    });
  });

  describe('codes sent to a phone or an address', () => {
    it('checks the phone number, then activates with the texted code', async function () {
      this.timeout(15000);
      const mounted = await mountFor(uniqueUser('sms'), { methods: 'sms,totp' });
      const { element, events } = mounted;
      await choose(element, 'SMS');
      await stepShown(element, en['enroll.phone.title']);
      expectHeadingFocused(element);
      await expectAccessible(element);
      const phone = input(element, 'phone');
      expect(text(query(element, `label[for=phone]`))).to.equal(en['enroll.phone.label']);
      expect(phone.getAttribute('aria-describedby')).to.equal('phone-hint');
      expect(text(query(element, '#phone-hint'))).to.equal(en['enroll.phone.hint']);
      expect(text(query(element, '[part=submit]'))).to.equal(en['enroll.phone.submit.SMS']);

      // Empty: no request, focus stays in the field.
      queryTag(element, 'form').requestSubmit();
      await element.updateComplete;
      expect(focusIn(element)).to.equal('input#phone');
      expect(heading(element)).to.equal(en['enroll.phone.title']);
      expect(errors(events)).to.deep.equal([]);

      // Not a mobile number: the relay's error, linked to the field and announced.
      await submitDetails(element, { phone: '+1 555' });
      await waitUntil(() => errorText(element) !== '', 'the error shown');
      expect(errorText(element)).to.equal(en['error.PHONE_INVALID']);
      const error = query(element, '[part=error]');
      expect(error.id).to.equal('details-error');
      expect(phone.getAttribute('aria-invalid')).to.equal('true');
      expect(phone.getAttribute('aria-describedby')?.split(' ')).to.include.members([
        'phone-hint',
        'details-error',
      ]);
      expect(status(element)).to.equal(en['error.PHONE_INVALID']);
      expect(errors(events)).to.deep.equal([{ code: 'PHONE_INVALID', fatal: false }]);
      await expectAccessible(element);

      const number = phoneNumber();
      await submitDetails(element, { phone: number });
      await stepShown(element, en['enroll.code.title']);
      expectHeadingFocused(element);
      const intro = text(query(element, '.intro'));
      expect(intro).to.match(
        new RegExp(`^${format(en['enroll.code.sentTo'], { target: '\\+1\\*+\\d{4}' })}$`),
      );
      expect(intro, 'the number is masked').not.to.contain(number);
      expect(events.filter((event) => event.type === 'mfa-step').at(-1)?.detail).to.deep.equal({
        step: 'code',
        method: 'SMS',
      });
      // The code was just sent: a new one only after the cooldown.
      const resend = buttons(element).find((candidate) =>
        text(candidate).startsWith(en['signin.resend']),
      );
      expect(resend?.disabled, 'resend waits').to.equal(true);
      expect(text(resend)).to.match(
        new RegExp(`^${format(en['signin.resendIn'], { time: '0:[0-3]\\d' })}$`),
      );
      expect(otpInput(element).webotp, 'WebOTP for SMS').to.equal(true);
      await expectAccessible(element);

      const { code } = await lastCode(number);
      await typeCode(element, code);
      await expectEnrolled(mounted, 'SMS');
      expectNoSecrets(events, code, number);
    });

    it('keeps focus in the number field when the relay refuses the number', async () => {
      const { element } = await mountFor(uniqueUser('sms-focus'), { method: 'sms' });
      await stepShown(element, en['enroll.phone.title']);
      input(element, 'phone').focus();
      await sendKeys({ type: '+1 555' });
      await sendKeys({ press: 'Enter' });
      await waitUntil(() => errorText(element) === en['error.PHONE_INVALID'], 'the error shown');
      await element.updateComplete;
      // A keyboard user corrects the number and presses Enter again: focus must still be there.
      expect(focusIn(element), 'focus back in the refused field').to.equal('input#phone');
    });

    it('adds a voice number with an extension', async function () {
      this.timeout(10000);
      const mounted = await mountFor(uniqueUser('voice'), { methods: 'voice' });
      const { element, events } = mounted;
      await choose(element, 'VOICE');
      await stepShown(element, en['enroll.phone.title']);
      expect(text(query(element, 'label[for=extension]'))).to.equal(en['enroll.phone.extension']);
      expect(text(query(element, '[part=submit]'))).to.equal(en['enroll.phone.submit.VOICE']);
      await expectAccessible(element);
      const number = phoneNumber();
      await submitDetails(element, { phone: number, extension: '42' });
      await stepShown(element, en['enroll.code.title']);
      const { code } = await lastCode(number);
      await typeCode(element, code);
      await expectEnrolled(mounted, 'VOICE');
      expectNoSecrets(events, code, number);
    });

    it('adds WhatsApp with the keyboard only: chooser → number → code', async function () {
      this.timeout(15000);
      const mounted = await mountFor(uniqueUser('whatsapp'), { methods: 'sms,whatsapp' });
      const { element, events } = mounted;
      await chooserShown(element);
      expectHeadingFocused(element);
      await picker(element).updateComplete;

      // Tab to the second method and press Space.
      await sendKeys({ press: 'Tab' });
      expect(focusIn(picker(element))).to.equal('button[SMS]');
      await sendKeys({ press: 'Tab' });
      expect(focusIn(picker(element))).to.equal('button[WHATSAPP]');
      await sendKeys({ press: 'Space' });
      await stepShown(element, en['enroll.phone.titleWhatsApp']);
      expectHeadingFocused(element);
      expect(text(query(element, '[part=submit]'))).to.equal(en['enroll.phone.submit.WHATSAPP']);
      await expectAccessible(element);

      // Tab into the number, type it, Enter.
      await sendKeys({ press: 'Tab' });
      expect(focusIn(element)).to.equal('input#phone');
      const number = phoneNumber();
      await sendKeys({ type: number });
      await sendKeys({ press: 'Enter' });
      await stepShown(element, en['enroll.code.title']);
      expectHeadingFocused(element);

      // Tab into the code field and type the code: it submits itself when complete.
      await sendKeys({ press: 'Tab' });
      expect(focusIn(element)).to.equal('mfa-otp-input');
      const { code } = await lastCode(number);
      await sendKeys({ type: code });
      await expectEnrolled(mounted, 'WHATSAPP');
      expectNoSecrets(events, code, number);
    });

    it('adds an email address, saying it is the weaker method', async function () {
      this.timeout(10000);
      const user = uniqueUser('email');
      const mounted = await mountFor(user, { methods: 'email' });
      const { element, events } = mounted;
      await choose(element, 'EMAIL');
      await stepShown(element, en['enroll.email.title']);
      expect(text(query(element, '.notice'))).to.equal(en['enroll.email.weaker']);
      expect(text(query(element, 'label[for=email]'))).to.equal(en['enroll.email.label']);
      expect(text(query(element, '[part=submit]'))).to.equal(en['enroll.email.submit']);
      await expectAccessible(element);

      // Empty: focus stays in the field.
      queryTag(element, 'form').requestSubmit();
      await element.updateComplete;
      expect(focusIn(element)).to.equal('input#email');

      const address = `${user}@example.com`;
      await submitDetails(element, { email: address });
      await stepShown(element, en['enroll.code.title']);
      expect(text(query(element, '.intro'))).to.equal(
        format(en['enroll.code.sentTo'], { target: `${user.slice(0, 1)}****@example.com` }),
      );
      const { code } = await lastCode(address);
      await typeCode(element, code);
      await expectEnrolled(mounted, 'EMAIL');
      expectNoSecrets(events, code, address);
    });
  });

  describe('pending devices', () => {
    it('leaves a device pending on Back, offers to continue it, and resumes at the code', async function () {
      this.timeout(15000);
      const mounted = await mountFor(uniqueUser('resume'), { methods: 'sms,totp' });
      const { element, events } = mounted;
      await choose(element, 'SMS');
      await stepShown(element, en['enroll.phone.title']);
      const number = phoneNumber();
      await submitDetails(element, { phone: number });
      await stepShown(element, en['enroll.code.title']);

      button(element, en['common.back']).click();
      await chooserShown(element);
      expectHeadingFocused(element);
      expect(text(query(element, '#pending-title'))).to.equal(en['enroll.resume.title']);
      const { devices } = await client.listDevices();
      const [pending] = devices;
      expect(pending?.status).to.equal('ACTIVATION_REQUIRED');
      const name = `${en['method.SMS']} (${pending?.target ?? ''})`;
      const resume = button(element, format(en['enroll.resume.item'], { name }));
      expect(hasButton(element, format(en['enroll.resume.discard'], { name }))).to.equal(true);
      await expectAccessible(element);

      resume.click();
      await stepShown(element, en['enroll.code.title']);
      expectHeadingFocused(element);
      expect(steps(events).slice(-3)).to.deep.equal(['code', 'choose', 'code']);

      // A resumed device can ask for a new code at once; then the cooldown runs.
      button(element, en['signin.resend']).click();
      await waitUntil(
        () => status(element) === en['signin.resent'] || otpInput(element).error !== '',
        'resend answered',
      );
      expect(otpInput(element).error).to.equal('');
      expect(status(element)).to.equal(en['signin.resent']);
      const waiting = en['signin.resendIn'].split('{')[0] ?? '';
      expect(buttons(element).some((candidate) => text(candidate).startsWith(waiting))).to.equal(
        true,
      );
      expect((await lastCode(number)).count, 'two codes sent').to.equal(2);

      const { code } = await lastCode(number);
      await typeCode(element, code);
      const detail = await expectEnrolled(mounted, 'SMS');
      expect(detail.deviceId).to.equal(pending?.id);
    });

    it('removes a pending device with the keyboard and keeps focus in the element', async function () {
      this.timeout(10000);
      const user = uniqueUser('discard');
      const { element } = await mountFor(user, { methods: 'email,totp' });
      await choose(element, 'EMAIL');
      await stepShown(element, en['enroll.email.title']);
      await submitDetails(element, { email: `${user}@example.com` });
      await stepShown(element, en['enroll.code.title']);
      button(element, en['common.back']).click();
      await chooserShown(element);
      const name = `${en['method.EMAIL']} (${user.slice(0, 1)}****@example.com)`;

      button(element, format(en['enroll.resume.discard'], { name })).focus();
      await sendKeys({ press: 'Enter' });
      await waitUntil(
        () => element.shadowRoot?.querySelector('.pending') === null,
        'the pending list gone',
      );
      await chooserShown(element);
      expect((await client.listDevices()).devices).to.deep.equal([]);
      expect(offered(element)).to.deep.equal(['EMAIL', 'TOTP']);
      // The button that had focus is gone: focus must not fall back to the page.
      expect(focusIn(element), 'focus stays in the element after Remove').not.to.equal('nothing');
    });
  });

  describe('hardware token', () => {
    it('refuses an unknown serial, then activates the demo token with its code', async function () {
      this.timeout(15000);
      const user = uniqueUser('oath');
      const mounted = await mountFor(user, { methods: 'oath_token' });
      const { element, events } = mounted;
      await choose(element, 'OATH_TOKEN');
      await stepShown(element, en['enroll.oath.title']);
      expect(text(query(element, 'label[for=serial]'))).to.equal(en['enroll.oath.serial']);
      await expectAccessible(element);

      await submitDetails(element, { serial: 'NOPE-0000' });
      await waitUntil(() => errorText(element) !== '', 'the error shown');
      const serial = input(element, 'serial');
      expect(serial.getAttribute('aria-invalid')).to.equal('true');
      expect(serial.getAttribute('aria-describedby')?.split(' ')).to.include('details-error');
      expect(errorText(element)).to.equal(en['error.BAD_REQUEST']);
      expect(errors(events)).to.deep.equal([{ code: 'BAD_REQUEST', fatal: false }]);

      await submitDetails(element, { serial: OATH_SERIAL });
      await stepShown(element, en['enroll.oath.title']);
      await waitUntil(() => element.shadowRoot?.querySelector('mfa-otp-input') !== null, 'code');
      expect(text(query(element, '.intro'))).to.equal(en['enroll.oath.codeIntro']);
      await expectAccessible(element);

      const code = new TOTP({
        secret: OATH_SECRET,
        algorithm: 'SHA1',
        digits: 6,
        period: 30,
      }).generate();
      await typeCode(element, code);
      // Six digits do not fill the field: Enter submits.
      await sendKeys({ press: 'Enter' });
      await expectEnrolled(mounted, 'OATH_TOKEN');
      expectNoSecrets(events, code);
      await releaseToken(user);
    });

    it('asks for the next code when the token has drifted, then activates', async function () {
      this.timeout(15000);
      const mounted = await mountFor(uniqueUser('oath-sync'), { method: 'oath_token' });
      const { element } = mounted;
      await stepShown(element, en['enroll.oath.title']);
      await submitDetails(element, { serial: OATH_SERIAL });
      await waitUntil(() => element.shadowRoot?.querySelector('mfa-otp-input') !== null, 'code');

      // A token whose clock runs five minutes fast.
      const token = new TOTP({ secret: OATH_SECRET, algorithm: 'SHA1', digits: 6, period: 30 });
      const at = (steps: number) => token.generate({ timestamp: Date.now() + steps * 30_000 });
      await typeCode(element, at(10));
      await sendKeys({ press: 'Enter' });
      await waitUntil(() => otpInput(element).error !== '', 'resync asked');
      expect(otpInput(element).error).to.equal(en['enroll.oath.resync']);
      await typeCode(element, at(11));
      await sendKeys({ press: 'Enter' });
      await expectEnrolled(mounted, 'OATH_TOKEN');
    });
  });

  describe('passkeys and security keys', () => {
    it('creates a passkey with a platform authenticator', async function () {
      this.timeout(10000);
      await addVirtualAuthenticator({ transport: 'internal' });
      const mounted = await mountFor(uniqueUser('passkey'), { methods: 'fido2,totp' });
      const { element, events } = mounted;
      await choose(element, 'FIDO2');
      await stepShown(element, en['enroll.fido.titlePasskey']);
      expectHeadingFocused(element);
      expect(text(query(element, '.intro'))).to.equal(en['enroll.fido.introPasskey']);
      await expectAccessible(element);
      expect(steps(events).slice(-1)).to.deep.equal(['fido']);

      button(element, en['enroll.fido.start']).click();
      await expectEnrolled(mounted, 'FIDO2');
    });

    it('says a refused ceremony was cancelled and offers Try again', async function () {
      this.timeout(10000);
      const authenticator = await addVirtualAuthenticator({
        transport: 'internal',
        isUserVerified: false,
      });
      const mounted = await mountFor(uniqueUser('cancel'), { method: 'fido2' });
      const { element } = mounted;
      await stepShown(element, en['enroll.fido.titlePasskey']);
      button(element, en['enroll.fido.start']).click();
      await waitUntil(() => errorText(element) !== '', 'the ceremony ends');
      expect(errorText(element)).to.equal(en['webauthn.cancelled']);
      expect(status(element)).to.equal(en['webauthn.cancelled']);
      await expectAccessible(element);

      await setUserVerified(authenticator, true);
      button(element, en['common.retry']).click();
      await expectEnrolled(mounted, 'FIDO2');
    });
  });

  describe('a user who already has a device', () => {
    it('asks to verify with it first, then goes on with the chosen method', async function () {
      this.timeout(20000);
      const user = uniqueUser('reauth');
      const { secret } = await setUpUser(user, [{ type: 'TOTP' }]);
      const mounted = await mountFor(user, { methods: 'totp,sms' });
      const { element, events } = mounted;
      const leaked: Event[] = [];
      element.addEventListener('mfa-complete', (event) => leaked.push(event));
      await choose(element, 'TOTP');
      await stepShown(element, en['signin.title']);
      expect(text(query(element, '.intro'))).to.equal(en['enroll.stepUp']);
      expect(steps(events)).to.include('reauth');

      const signin = queryTag(element, 'mfa-signin');
      await stepShown(signin, en['signin.code.title.TOTP']);
      // Checked here, reported at the end, so that the rest of the flow is still exercised.
      const reauthAxe = await expectAccessible(element).then(
        () => undefined,
        (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
      );
      queryTag(signin, 'mfa-otp-input').focus();
      await sendKeys({ type: totpCode(secret ?? '', 1) });

      await stepShown(element, en['enroll.totp.title']);
      expect(leaked, 'the inner sign-in’s event stays inside').to.have.length(0);
      const second = text(query(element, '[part=key]')).replace(/ /g, '');
      expect(second).not.to.equal(secret);
      await typeCode(element, totpCode(second));
      await expectEnrolled(mounted, 'TOTP');
      expect((await client.listDevices()).devices).to.have.length(2);
      if (reauthAxe) throw reauthAxe;
    });

    it('verifies with a passkey, then says the same authenticator is already registered', async function () {
      this.timeout(15000);
      await addVirtualAuthenticator({ transport: 'internal' });
      const user = uniqueUser('again');
      await setUpUser(user, [{ type: 'FIDO2' }]);
      const mounted = await mountFor(user, { methods: 'fido2,totp' });
      const { element, events } = mounted;
      await choose(element, 'FIDO2');
      await stepShown(element, en['signin.title']);
      const signin = queryTag(element, 'mfa-signin');
      await stepShown(signin, en['signin.fido.title']);
      button(signin, en['signin.fido.start']).click();

      // Verified: the new passkey is asked for, and this authenticator already holds one.
      await stepShown(element, en['enroll.fido.titlePasskey']);
      button(element, en['enroll.fido.start']).click();
      await waitUntil(() => errorText(element) !== '', 'the ceremony ends');
      expect(errorText(element)).to.equal(en['webauthn.alreadyRegistered']);
      expect(status(element)).to.equal(en['webauthn.alreadyRegistered']);
      expect(hasButton(element, en['common.retry'])).to.equal(true);
      expect(enrolled(events)).to.deep.equal([]);
    });

    it('says when the user has as many devices as allowed', async function () {
      this.timeout(15000);
      const user = uniqueUser('limit');
      // The engine's seeded settings allow 5 devices per user.
      await setUpUser(
        user,
        Array.from({ length: 5 }, () => ({ type: 'TOTP' as const })),
      );
      const { element } = await mountFor(user);
      await stepShown(element, en['enroll.limit.title']);
      expect(text(query(element, '.intro'))).to.equal(en['enroll.limit.text']);
      expect(element.shadowRoot?.querySelector('mfa-method-picker')).to.equal(null);
      expect(status(element)).to.equal(en['enroll.limit.title']);
      await expectAccessible(element);
    });
  });

  describe('failures', () => {
    it('ends with a fatal error for a bad ticket', async () => {
      const { element, events } = await mount({ ticket: 'not-a-ticket' });
      await stepShown(element, en['common.fatalTitle']);
      expectHeadingFocused(element);
      expect(errorText(element)).to.equal(en['error.TICKET_INVALID']);
      expect(hasButton(element, en['common.retry'])).to.equal(false);
      expect(errors(events)).to.deep.equal([{ code: 'TICKET_INVALID', fatal: true }]);
      expect(steps(events)).to.deep.equal(['starting', 'failed']);
      await expectAccessible(element);
    });

    it('ends with a fatal error for a ticket used twice', async () => {
      const user = uniqueUser('replay');
      const once = await ticket(user, 'enroll');
      await client.openSession(once);
      await signOut();
      const { element, events } = await mount({ ticket: once });
      await stepShown(element, en['common.fatalTitle']);
      expect(errorText(element)).to.equal(en['error.TICKET_REPLAYED']);
      expect(errors(events)).to.deep.equal([{ code: 'TICKET_REPLAYED', fatal: true }]);
    });

    it('ends with a fatal error when the ticket is for another purpose', async () => {
      const { element, events } = await mountFor(uniqueUser('purpose'), {
        purpose: 'signin',
        methods: 'totp,sms',
      });
      await choose(element, 'TOTP');
      await stepShown(element, en['common.fatalTitle']);
      expect(errorText(element)).to.equal(en['error.PURPOSE_FORBIDDEN']);
      expect(hasButton(element, en['common.retry'])).to.equal(false);
      expect(errors(events)).to.deep.equal([{ code: 'PURPOSE_FORBIDDEN', fatal: true }]);
    });

    it('offers Try again when the relay cannot be read', async () => {
      const { element, events } = await mount({ api: '/mfa/v0' });
      await stepShown(element, en['common.fatalTitle']);
      const [error] = errors(events);
      expect(error?.fatal).to.equal(false);
      expect(errorText(element)).to.equal(
        en[`error.${error?.code ?? 'INTERNAL'}` as keyof typeof en],
      );
      button(element, en['common.retry']).click();
      await waitUntil(() => errors(events).length === 2, 'tried again');
      expect(heading(element)).to.equal(en['common.fatalTitle']);
    });
  });

  describe('languages', () => {
    it('speaks Hebrew from right to left', async () => {
      const { element, events } = await mountFor(uniqueUser('he'), {
        lang: 'he',
        methods: 'totp,email',
      });
      await stepShown(element, he['enroll.choose.title']);
      expect(query(element, '[part=base]').getAttribute('dir')).to.equal('rtl');
      expect(query(element, '[part=base]').getAttribute('lang')).to.equal('he');
      await picker(element).updateComplete;
      expect(query(picker(element), '[part=base]').getAttribute('dir')).to.equal('rtl');
      expect(text(methodButton(element, 'EMAIL').querySelector('[part=badge]'))).to.equal(
        he['method.weaker'],
      );
      await expectAccessible(element);

      methodButton(element, 'EMAIL').click();
      await stepShown(element, he['enroll.email.title']);
      expectHeadingFocused(element);
      expect(text(query(element, '.notice'))).to.equal(he['enroll.email.weaker']);
      expect(text(query(element, '[part=submit]'))).to.equal(he['enroll.email.submit']);
      expect(getComputedStyle(query(element, '.base')).direction).to.equal('rtl');
      expect(errors(events)).to.deep.equal([]);
      await expectAccessible(element);
    });
  });
});

/** Frees the demo token again: a manage session, a sign-in with the token, then removal. */
async function releaseToken(user: string): Promise<void> {
  await signOut();
  await client.openSession(await ticket(user, 'manage'));
  const started = await client.startAuthentication();
  const token = new TOTP({ secret: OATH_SECRET, algorithm: 'SHA1', digits: 6, period: 30 });
  await client.submitOtp(started.id, { otp: token.generate({ timestamp: Date.now() + 30_000 }) });
  const { devices } = await client.listDevices();
  for (const device of devices) await client.deleteDevice(device.id);
}
