import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import type { MfaCodeCompleteEvent } from '../shared/events.ts';
import { normalizeDigits, type MfaOtpInput } from './mfa-otp-input.ts';
import './mfa-otp-input.ts';

function inner(el: MfaOtpInput): HTMLInputElement {
  const input = el.shadowRoot?.querySelector('input');
  if (!input) throw new Error('no inner input');
  return input;
}

function paste(el: MfaOtpInput, text: string): void {
  const data = new DataTransfer();
  data.setData('text/plain', text);
  inner(el).dispatchEvent(
    new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }),
  );
}

function recordCompletions(el: MfaOtpInput): MfaCodeCompleteEvent[] {
  const events: MfaCodeCompleteEvent[] = [];
  el.addEventListener('mfa-code-complete', (event) => events.push(event));
  return events;
}

describe('<mfa-otp-input>', () => {
  it('is accessible', async () => {
    const el = await fixture<MfaOtpInput>(html`<mfa-otp-input></mfa-otp-input>`);
    await expect(el).to.be.accessible();
    el.error = 'That code is not correct.';
    await el.updateComplete;
    await expect(el).to.be.accessible();
  });

  it('is accessible in the dark theme', async () => {
    const el = await fixture<MfaOtpInput>(
      html`<mfa-otp-input theme="dark" .error=${'That code is not correct.'}></mfa-otp-input>`,
    );
    await expect(el).to.be.accessible();
  });

  it('renders one real one-time-code input with a label and a hint', async () => {
    const el = await fixture<MfaOtpInput>(html`<mfa-otp-input length="8"></mfa-otp-input>`);
    const input = inner(el);
    expect(input.autocomplete).to.equal('one-time-code');
    expect(input.inputMode).to.equal('numeric');
    expect(input.getAttribute('pattern')).to.equal('[0-9]*');
    expect(input.maxLength).to.equal(8);
    expect(input.name).to.equal('otp');
    expect(input.getAttribute('enterkeyhint')).to.equal('done');
    expect(input.labels?.[0]?.textContent.trim()).to.equal('Verification code');
    expect(el.shadowRoot?.querySelector('#hint')?.textContent).to.equal('Enter the 8-digit code.');
    expect(input.getAttribute('aria-describedby')).to.equal('hint');
    expect(input.getAttribute('aria-invalid')).to.equal('false');
  });

  it('takes label and hint overrides', async () => {
    const el = await fixture<MfaOtpInput>(
      html`<mfa-otp-input label="Code from the app" hint="Six digits"></mfa-otp-input>`,
    );
    expect(inner(el).labels?.[0]?.textContent.trim()).to.equal('Code from the app');
    expect(el.shadowRoot?.querySelector('#hint')?.textContent).to.equal('Six digits');
  });

  it('never puts the code into an attribute', async () => {
    const el = await fixture<MfaOtpInput>(html`<mfa-otp-input></mfa-otp-input>`);
    el.value = '123456';
    await el.updateComplete;
    expect(inner(el).value).to.equal('123456');
    expect(el.getAttributeNames().some((name) => el.getAttribute(name)?.includes('123'))).to.equal(
      false,
    );
    expect(inner(el).getAttribute('value')).to.equal(null);
  });

  describe('normalizeDigits', () => {
    it('keeps digits and converts Unicode digits to ASCII', () => {
      expect(normalizeDigits('123 456')).to.equal('123456');
      expect(normalizeDigits('123-456')).to.equal('123456');
      expect(normalizeDigits(' 123456\n')).to.equal('123456');
      expect(normalizeDigits('1a2b3c')).to.equal('123');
      expect(normalizeDigits('١٢٣٤٥٦')).to.equal('123456'); // Arabic-Indic
      expect(normalizeDigits('۷۸۹۰')).to.equal('7890'); // Extended Arabic-Indic (Persian)
      expect(normalizeDigits('१२३')).to.equal('123'); // Devanagari
      expect(normalizeDigits('９８７')).to.equal('987'); // full-width
      expect(normalizeDigits('𝟘𝟙𝟡')).to.equal('019'); // mathematical double-struck
      expect(normalizeDigits('²½')).to.equal(''); // not decimal digits
    });
  });

  describe('input handling', () => {
    for (const pasted of ['123 456', '123-456', ' 123456\n', '12a34b56', '١٢٣٤٥٦']) {
      it(`a paste of ${JSON.stringify(pasted)} becomes 123456`, async () => {
        const el = await fixture<MfaOtpInput>(html`<mfa-otp-input></mfa-otp-input>`);
        paste(el, pasted);
        expect(el.value).to.equal('123456');
        expect(inner(el).value).to.equal('123456');
      });
    }

    it('caps a paste at the length', async () => {
      const el = await fixture<MfaOtpInput>(html`<mfa-otp-input length="6"></mfa-otp-input>`);
      paste(el, '12345678');
      expect(el.value).to.equal('123456');
    });

    it('drops letters while typing and caps at maxlength', async () => {
      const el = await fixture<MfaOtpInput>(html`<mfa-otp-input></mfa-otp-input>`);
      el.focus();
      await sendKeys({ type: '12ab34 5' });
      expect(el.value).to.equal('12345');
      expect(inner(el).value).to.equal('12345');
      await sendKeys({ type: '6789' });
      expect(el.value).to.equal('123456');
    });

    it('converts typed Arabic-Indic digits', async () => {
      const el = await fixture<MfaOtpInput>(html`<mfa-otp-input></mfa-otp-input>`);
      el.focus();
      await sendKeys({ type: '٤٢' });
      expect(el.value).to.equal('42');
    });

    it('fires a composed input event only when the digits change', async () => {
      const wrapper = await fixture<HTMLDivElement>(
        html`<div><mfa-otp-input></mfa-otp-input></div>`,
      );
      const el = wrapper.querySelector('mfa-otp-input');
      if (!el) throw new Error('no element');
      const seen: Event[] = [];
      wrapper.addEventListener('input', (event) => seen.push(event));
      el.focus();
      await sendKeys({ type: '1x2' });
      expect(seen).to.have.length(2);
      expect(seen.every((event) => event.composed && event.target === el)).to.equal(true);
    });

    it('fires mfa-code-complete once per distinct full value, without the code', async () => {
      const el = await fixture<MfaOtpInput>(html`<mfa-otp-input></mfa-otp-input>`);
      const completions = recordCompletions(el);
      el.focus();
      await sendKeys({ type: '12345' });
      expect(completions).to.have.length(0);
      await sendKeys({ type: '6' });
      expect(completions).to.have.length(1);
      const [event] = completions;
      expect(event?.bubbles).to.equal(true);
      expect(event?.composed).to.equal(true);
      expect(event?.detail).to.deep.equal({});
      expect(JSON.stringify(event?.detail)).not.to.include('123456');

      // The same full value again (select all, paste it) does not fire again.
      el.select();
      paste(el, '123456');
      expect(completions).to.have.length(1);

      // A different full value does.
      el.select();
      paste(el, '654321');
      expect(completions).to.have.length(2);
    });

    it('fires again for the same code after clear()', async () => {
      const el = await fixture<MfaOtpInput>(html`<mfa-otp-input length="4"></mfa-otp-input>`);
      const completions = recordCompletions(el);
      paste(el, '1234');
      el.clear();
      await el.updateComplete;
      expect(inner(el).value).to.equal('');
      paste(el, '1234');
      expect(completions).to.have.length(2);
    });

    it('does not fire when the value is set by the parent', async () => {
      const el = await fixture<MfaOtpInput>(html`<mfa-otp-input></mfa-otp-input>`);
      const completions = recordCompletions(el);
      el.value = '123456';
      await el.updateComplete;
      expect(completions).to.have.length(0);
    });

    it('keeps only digits of a value set by the parent', async () => {
      const el = await fixture<MfaOtpInput>(html`<mfa-otp-input length="4"></mfa-otp-input>`);
      el.value = '12 345';
      await el.updateComplete;
      expect(el.value).to.equal('1234');
    });

    it('submits the surrounding form on Enter', async () => {
      const form = await fixture<HTMLFormElement>(
        html`<form><mfa-otp-input></mfa-otp-input></form>`,
      );
      const el = form.querySelector('mfa-otp-input');
      if (!el) throw new Error('no element');
      let submits = 0;
      form.addEventListener('submit', (event) => {
        event.preventDefault();
        submits++;
      });
      el.focus();
      await sendKeys({ type: '12' });
      await sendKeys({ press: 'Enter' });
      expect(submits).to.equal(1);
    });

    it('ignores Enter without a form', async () => {
      const el = await fixture<MfaOtpInput>(html`<mfa-otp-input></mfa-otp-input>`);
      el.focus();
      await sendKeys({ press: 'Enter' });
      expect(el.value).to.equal('');
    });
  });

  it('links an error to the input and marks it invalid', async () => {
    const el = await fixture<MfaOtpInput>(html`<mfa-otp-input></mfa-otp-input>`);
    el.error = 'That code is not correct.';
    await el.updateComplete;
    const input = inner(el);
    expect(input.getAttribute('aria-invalid')).to.equal('true');
    expect(input.getAttribute('aria-describedby')?.split(' ')).to.include.members([
      'hint',
      'error',
    ]);
    const error = el.shadowRoot?.querySelector('[part="error"]');
    expect(error?.id).to.equal('error');
    expect(error?.textContent).to.equal('That code is not correct.');
    el.error = '';
    await el.updateComplete;
    expect(input.getAttribute('aria-invalid')).to.equal('false');
    expect(input.getAttribute('aria-describedby')).to.equal('hint');
  });

  it('disables the input and reflects disabled', async () => {
    const el = await fixture<MfaOtpInput>(html`<mfa-otp-input disabled></mfa-otp-input>`);
    expect(inner(el).disabled).to.equal(true);
    el.disabled = false;
    await el.updateComplete;
    expect(inner(el).disabled).to.equal(false);
    expect(el.hasAttribute('disabled')).to.equal(false);
  });

  it('focus() focuses the inner input', async () => {
    const el = await fixture<MfaOtpInput>(html`<mfa-otp-input></mfa-otp-input>`);
    el.focus();
    expect(el.shadowRoot?.activeElement).to.equal(inner(el));
  });

  it('follows the lang attribute for its direction', async () => {
    const el = await fixture<MfaOtpInput>(html`<mfa-otp-input lang="ar"></mfa-otp-input>`);
    await waitForDir(el, 'rtl');
    // Digits are always read left to right.
    expect(inner(el).dir).to.equal('ltr');
  });

  describe('WebOTP', () => {
    let requests: { options: CredentialRequestOptions; settle: (code: string) => void }[];

    beforeEach(() => {
      requests = [];
      // Only its presence matters: the element checks `'OTPCredential' in window`.
      Reflect.defineProperty(window, 'OTPCredential', { configurable: true, value: Object });
      Reflect.defineProperty(navigator.credentials, 'get', {
        configurable: true,
        value: (options: CredentialRequestOptions) =>
          new Promise((resolve, reject) => {
            options.signal?.addEventListener('abort', () => {
              reject(new DOMException('aborted', 'AbortError'));
            });
            requests.push({
              options,
              settle: (code) => {
                resolve({ id: '', type: 'otp', code });
              },
            });
          }),
      });
    });

    afterEach(() => {
      Reflect.deleteProperty(window, 'OTPCredential');
      Reflect.deleteProperty(navigator.credentials, 'get');
    });

    it('does nothing unless webotp is set', async () => {
      await fixture<MfaOtpInput>(html`<mfa-otp-input></mfa-otp-input>`);
      expect(requests).to.have.length(0);
    });

    it('fills the code from the SMS and completes', async () => {
      const el = await fixture<MfaOtpInput>(html`<mfa-otp-input webotp></mfa-otp-input>`);
      expect(requests).to.have.length(1);
      expect(requests[0]?.options).to.deep.include({ otp: { transport: ['sms'] } });
      const complete = oneEvent(el, 'mfa-code-complete');
      requests[0]?.settle('246810');
      await complete;
      expect(el.value).to.equal('246810');
    });

    it('aborts on disconnect and ignores the AbortError', async () => {
      const el = await fixture<MfaOtpInput>(html`<mfa-otp-input webotp></mfa-otp-input>`);
      const signal = requests[0]?.options.signal;
      expect(signal?.aborted).to.equal(false);
      el.remove();
      expect(signal?.aborted).to.equal(true);
      await Promise.resolve();
      expect(el.value).to.equal('');
    });

    it('aborts when webotp turns false and restarts on reconnect', async () => {
      const el = await fixture<MfaOtpInput>(html`<mfa-otp-input webotp></mfa-otp-input>`);
      el.webotp = false;
      await el.updateComplete;
      expect(requests[0]?.options.signal?.aborted).to.equal(true);
      el.webotp = true;
      await el.updateComplete;
      expect(requests).to.have.length(2);
      const parent = el.parentElement;
      el.remove();
      parent?.append(el);
      expect(requests[1]?.options.signal?.aborted).to.equal(true);
      expect(requests).to.have.length(3);
      expect(requests[2]?.options.signal?.aborted).to.equal(false);
    });

    it('is not used where the browser has no WebOTP', async () => {
      Reflect.deleteProperty(window, 'OTPCredential');
      await fixture<MfaOtpInput>(html`<mfa-otp-input webotp></mfa-otp-input>`);
      expect(requests).to.have.length(0);
    });
  });
});

async function waitForDir(el: MfaOtpInput, dir: string): Promise<void> {
  for (let i = 0; i < 50; i++) {
    await el.updateComplete;
    if (el.shadowRoot?.querySelector('[part="base"]')?.getAttribute('dir') === dir) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`dir never became ${dir}`);
}
