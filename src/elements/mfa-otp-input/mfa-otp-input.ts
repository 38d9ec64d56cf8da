import { html, LitElement, type PropertyValues } from 'lit';
import { LocalizeController } from '../../i18n/index.ts';
import type { MessageOverrides } from '../../i18n/index.ts';
import { MfaCodeCompleteEvent } from '../shared/events.ts';
import { themeStyles } from '../shared/theme.styles.ts';
import { otpInputStyles } from './mfa-otp-input.styles.ts';

const decimalDigit = /\p{Nd}/u;

/**
 * Keeps the decimal digits of `text` as ASCII digits: spaces, dashes, letters and line breaks are
 * dropped; Arabic-Indic, Devanagari, full-width and every other Unicode decimal digit is converted.
 */
export function normalizeDigits(text: string): string {
  let digits = '';
  for (const char of text) {
    if (!decimalDigit.test(char)) continue;
    // Unicode assigns decimal digits only in runs of ten, 0 to 9, so a digit's value is its
    // distance from the start of its run (runs can be adjacent, hence the modulo).
    const codePoint = char.codePointAt(0) ?? 0;
    let offset = 0;
    while (decimalDigit.test(String.fromCodePoint(codePoint - offset - 1))) offset++;
    digits += String(offset % 10);
  }
  return digits;
}

/** What `navigator.credentials.get` takes for WebOTP (not yet in TypeScript's DOM types). */
interface OtpCredentialRequestOptions extends CredentialRequestOptions {
  otp: { transport: string[] };
}

/**
 * A one-time code field: one real `<input autocomplete="one-time-code">` that keeps digits only,
 * with a visible label, a hint and an error message linked to it.
 *
 * The code is never reflected to an attribute and never carried in an event: read `value` from the
 * element. Enter submits the surrounding `<form>`.
 *
 * @fires input - The value changed through typing, pasting or WebOTP (composed, like the native one).
 * @fires mfa-code-complete - {MfaCodeCompleteEvent} The value reached `length` digits; once per
 *   distinct full value until `clear()`.
 *
 * @csspart base - The wrapper around label, input, hint and error.
 * @csspart label - The `<label>`.
 * @csspart input - The `<input>`.
 * @csspart hint - The hint below the input.
 * @csspart error - The error message.
 *
 * @cssprop --mfa-color-primary - Accent colour (buttons, links).
 * @cssprop --mfa-color-text - Text colour.
 * @cssprop --mfa-color-text-muted - Hint colour.
 * @cssprop --mfa-color-surface - Background of the element and the input.
 * @cssprop --mfa-color-border - Input border.
 * @cssprop --mfa-color-danger - Error text and invalid input border.
 * @cssprop --mfa-color-focus - Focus ring.
 * @cssprop --mfa-radius - Corner radius of the input.
 * @cssprop --mfa-font-family - Font of the label and hint (the code itself is monospace).
 * @cssprop --mfa-font-size - Base font size.
 * @cssprop --mfa-spacing - Base spacing unit.
 * @cssprop --mfa-max-width - Maximum width of the element.
 */
export class MfaOtpInput extends LitElement {
  static override properties = {
    length: { type: Number },
    value: { attribute: false },
    error: { type: String },
    disabled: { type: Boolean, reflect: true },
    label: { type: String },
    hint: { type: String },
    webotp: { type: Boolean },
    strings: { attribute: false },
  };

  static override styles = [themeStyles, otpInputStyles];

  /** Number of digits of a complete code. */
  declare length: number;
  /** The digits entered so far (ASCII only). Property only: a code never goes into an attribute. */
  declare value: string;
  /** An error message, already localized by the parent; marks the input invalid while set. */
  declare error: string;
  /** Disables the input. */
  declare disabled: boolean;
  /** Replaces the label text (`otp.label`). */
  declare label: string | undefined;
  /** Replaces the hint text (`otp.hint`). */
  declare hint: string | undefined;
  /** Fills the code from an incoming SMS through WebOTP where the browser supports it. */
  declare webotp: boolean;
  /** Per-instance message overrides. */
  declare strings: MessageOverrides | undefined;

  private readonly i18n = new LocalizeController(this);
  /** The last full value for which `mfa-code-complete` fired. */
  #completed = '';
  #webOtp: AbortController | undefined;

  constructor() {
    super();
    this.length = 6;
    this.value = '';
    this.error = '';
    this.disabled = false;
    this.webotp = false;
  }

  get #input(): HTMLInputElement | null {
    return this.renderRoot.querySelector('input');
  }

  /** Focuses the input. */
  override focus(options?: FocusOptions): void {
    this.#input?.focus(options);
  }

  /** Selects the digits, so that typing replaces them. */
  select(): void {
    this.#input?.select();
  }

  /** Empties the field; the next full code fires `mfa-code-complete` again. */
  clear(): void {
    this.value = '';
    this.#completed = '';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // `updated` does not run on a reconnect, so WebOTP restarts here.
    if (this.hasUpdated) this.#syncWebOtp();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#stopWebOtp();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('value') || changed.has('length')) {
      const value = normalizeDigits(this.value).slice(0, Math.max(0, this.length));
      if (value !== this.value) this.value = value;
      if (value === '') this.#completed = '';
    }
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has('length')) {
      // CSSOM, not a style attribute: allowed under a strict style-src.
      this.#input?.style.setProperty('--_mfa-otp-length', String(this.length));
    }
    if (changed.has('webotp') || changed.has('disabled')) this.#syncWebOtp();
    // Set as a property (a code never goes into an attribute), compared with what the field
    // shows now: typing may have changed it since the last render.
    const input = this.#input;
    if (input && input.value !== this.value) input.value = this.value;
  }

  protected override render() {
    const hint = this.hint ?? this.i18n.msg('otp.hint', { length: this.length });
    const invalid = this.error !== '';
    return html`<div part="base" dir=${this.i18n.dir}>
      <label part="label" for="input">${this.label ?? this.i18n.msg('otp.label')}</label>
      <input
        part="input"
        id="input"
        name="otp"
        type="text"
        dir="ltr"
        autocomplete="one-time-code"
        inputmode="numeric"
        pattern="[0-9]*"
        maxlength=${this.length}
        autocapitalize="off"
        spellcheck="false"
        enterkeyhint="done"
        aria-describedby=${invalid ? 'hint error' : 'hint'}
        aria-invalid=${invalid ? 'true' : 'false'}
        ?disabled=${this.disabled}
        @input=${this.#onInput}
        @paste=${this.#onPaste}
        @keydown=${this.#onKeyDown}
      />
      <p part="hint" id="hint" class="hint">${hint}</p>
      <p part="error" id="error" class="error" aria-live="polite">${this.error}</p>
    </div>`;
  }

  #onInput(event: Event): void {
    // Re-dispatched below only when the digits actually changed.
    event.stopPropagation();
    const input = event.target as HTMLInputElement;
    const raw = input.value;
    const digits = normalizeDigits(raw).slice(0, this.length);
    if (raw !== digits) {
      const caret = normalizeDigits(raw.slice(0, input.selectionStart ?? raw.length)).length;
      input.value = digits;
      input.setSelectionRange(Math.min(caret, digits.length), Math.min(caret, digits.length));
    }
    this.#accept(digits);
  }

  /** A pasted "123 456" must not be cut to "123 45" by maxlength before the digits are kept. */
  #onPaste(event: ClipboardEvent): void {
    const text = event.clipboardData?.getData('text');
    if (text === undefined) return;
    event.preventDefault();
    const input = event.target as HTMLInputElement;
    const start = input.selectionStart ?? input.value.length;
    const end = input.selectionEnd ?? start;
    const pasted = normalizeDigits(text);
    const digits = (input.value.slice(0, start) + pasted + input.value.slice(end)).slice(
      0,
      this.length,
    );
    input.value = digits;
    const caret = Math.min(start + pasted.length, digits.length);
    input.setSelectionRange(caret, caret);
    this.#accept(digits);
  }

  #onKeyDown(event: KeyboardEvent): void {
    if (event.key !== 'Enter' || event.isComposing) return;
    event.preventDefault();
    this.closest('form')?.requestSubmit();
  }

  #accept(digits: string): void {
    if (digits === this.value) return;
    this.value = digits;
    if (digits === '') this.#completed = '';
    this.dispatchEvent(new Event('input', { bubbles: true, composed: true }));
    if (digits.length === this.length && digits !== this.#completed) {
      this.#completed = digits;
      this.dispatchEvent(new MfaCodeCompleteEvent());
    }
  }

  #syncWebOtp(): void {
    const wanted = this.webotp && !this.disabled && this.isConnected && 'OTPCredential' in window;
    if (!wanted) this.#stopWebOtp();
    else if (!this.#webOtp) void this.#startWebOtp();
  }

  #stopWebOtp(): void {
    this.#webOtp?.abort();
    this.#webOtp = undefined;
  }

  async #startWebOtp(): Promise<void> {
    const controller = new AbortController();
    this.#webOtp = controller;
    const options: OtpCredentialRequestOptions = {
      otp: { transport: ['sms'] },
      signal: controller.signal,
    };
    try {
      const credential = await navigator.credentials.get(options);
      if (controller.signal.aborted || !credential || !('code' in credential)) return;
      if (typeof credential.code !== 'string') return;
      this.#accept(normalizeDigits(credential.code).slice(0, this.length));
    } catch {
      // An AbortError means it was stopped on purpose. Any other failure (no permission, no SMS)
      // leaves the field to be typed in: WebOTP is a convenience, not an error for the person.
    } finally {
      if (this.#webOtp === controller) this.#webOtp = undefined;
    }
  }
}

if (!customElements.get('mfa-otp-input')) customElements.define('mfa-otp-input', MfaOtpInput);

declare global {
  interface HTMLElementTagNameMap {
    'mfa-otp-input': MfaOtpInput;
  }
}
