import { html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { SigninDriver } from '../../flows/signin-driver.ts';
import { initialSigninState, voiceAlternative, type SigninState } from '../../flows/signin.ts';
import { codeLength, SENDS_CODE } from '../../flows/common.ts';
import type { DeviceType, DeviceView } from '../../protocol/schemas.ts';
import type { TextKey } from '../../i18n/index.ts';
import '../mfa-otp-input/mfa-otp-input.ts';
import { MfaCompleteEvent, type MfaDeviceSelectEvent } from '../shared/events.ts';
import { FlowElement } from '../shared/flow-element.ts';
import { themeStyles } from '../shared/theme.styles.ts';
import { browserWebAuthn, preloadWebAuthn } from '../shared/webauthn.ts';
import { signinStyles } from './mfa-signin.styles.ts';
import { addEnglish } from '../../i18n/index.ts';
import { enSignin } from '../../i18n/locales/en-signin.ts';

addEnglish(enSignin);

type CodeState = Extract<SigninState, { step: 'code' }>;
type FidoState = Extract<SigninState, { step: 'fido' }>;

/**
 * Second-factor sign-in for a person who passed the first factor: picks a device (or takes the
 * policy's default), asks for its one-time code or runs the passkey / security key ceremony, and
 * hands the relay's signed result to the host.
 *
 * @summary Verify a returning user with one of their MFA devices.
 *
 * @fires mfa-complete - {MfaCompleteEvent} Verified; `detail.result` is the signed result for the
 *   host's server, `detail.method` the device type used.
 * @fires mfa-error - {MfaErrorEvent} A failure was shown; `detail.fatal` when a new ticket is needed.
 * @fires mfa-cancel - {MfaCancelEvent} The person chose "Cancel" (offered with `cancelable`).
 * @fires mfa-step - {MfaStepEvent} A new step is shown (`choose`, `code`, `fido`, `done`, `failed`).
 *
 * @csspart base - The element's frame.
 * @csspart heading - The heading of the current step (focused when the step changes).
 * @csspart body - The step's content.
 * @csspart status - The polite live region (visually hidden) that announces status and errors.
 * @csspart error - A visible error message.
 * @csspart actions - The row of secondary actions.
 * @csspart submit - The primary button of the step.
 *
 * @cssprop --mfa-color-primary - Accent colour (buttons, links, focus).
 * @cssprop --mfa-color-on-primary - Text on the accent colour.
 * @cssprop --mfa-color-text - Text colour.
 * @cssprop --mfa-color-text-muted - Secondary text.
 * @cssprop --mfa-color-surface - Background of fields and lists.
 * @cssprop --mfa-color-background - Background of the element (default: the page's; with `theme`, the surface colour).
 * @cssprop --mfa-color-border - Borders of fields and lists.
 * @cssprop --mfa-color-danger - Errors.
 * @cssprop --mfa-color-success - Confirmations.
 * @cssprop --mfa-color-focus - Focus ring.
 * @cssprop --mfa-radius - Corner radius.
 * @cssprop --mfa-font-family - Font.
 * @cssprop --mfa-font-size - Base font size.
 * @cssprop --mfa-spacing - Base spacing unit.
 * @cssprop --mfa-max-width - Maximum width of the element.
 */
export class MfaSignin extends FlowElement<SigninDriver> {
  static override properties = {
    ...FlowElement.properties,
    state: { state: true },
    remember: { state: true },
    pickerFailed: { state: true },
  };

  static override styles = [themeStyles, ...signinStyles];

  declare private state: SigninState;
  declare private remember: boolean;
  declare private pickerFailed: boolean;
  private completed = false;
  /** The device list's code: requested once, again after a failed download. */
  private pickerLoading = false;
  private wasLocked = false;

  constructor() {
    super();
    this.state = initialSigninState;
    this.remember = false;
    this.pickerFailed = false;
  }

  protected override willUpdate(changed: PropertyValues): void {
    super.willUpdate(changed);
    // Each step's code arrives when the step opens: most sign-ins never show the device list or
    // a passkey prompt.
    if (this.state.step === 'choose' && !this.pickerLoading) this.loadPicker();
    if (this.state.step === 'fido') void preloadWebAuthn();
  }

  protected override updated(changed: PropertyValues): void {
    super.updated(changed);
    const { state } = this;
    // The code field is disabled while the device is locked: keep focus in the element, and give
    // it back to the field when the lock ends.
    const locked = state.step === 'code' && this.secondsUntil(state.lockedUntil) > 0;
    if (locked && !this.wasLocked) this.focusHeading();
    if (!locked && this.wasLocked && state.step === 'code') this.otpInput()?.focus();
    this.wasLocked = locked;
    if (state.step === 'done' && !this.completed) {
      this.completed = true;
      this.dispatchEvent(new MfaCompleteEvent({ result: state.result, method: state.method }));
    }
    this.reportStateError(state);
  }

  private loadPicker(): void {
    this.pickerLoading = true;
    this.pickerFailed = false;
    import('../mfa-device-picker/mfa-device-picker.ts').catch(() => {
      this.pickerLoading = false;
      this.pickerFailed = true;
    });
  }

  protected createDriver(): SigninDriver {
    this.completed = false;
    this.state = initialSigninState;
    const ticket = this.takeTicket();
    return new SigninDriver({
      client: this.createClient(),
      webauthn: browserWebAuthn,
      ...(ticket ? { ticket } : {}),
      onChange: (state) => {
        this.state = state;
      },
    });
  }

  protected stepKey(): string {
    const { state } = this;
    if (state.step === 'code' || state.step === 'fido')
      return `${state.step}:${state.device?.id ?? ''}`;
    return state.step;
  }

  protected stepInfo(): { step: string; method?: DeviceType } {
    const { state } = this;
    if (state.step === 'code' || state.step === 'fido') {
      return {
        step: state.step,
        ...(state.device ? { method: state.device.type as DeviceType } : {}),
      };
    }
    return { step: state.step };
  }

  protected abandon(): void {
    void this.driver?.cancel();
  }

  protected countdownEnd(): number | undefined {
    const { state } = this;
    if (state.step !== 'code') return undefined;
    const ends = [state.lockedUntil, state.resendAvailableAt].filter(
      (end): end is number => end !== undefined && end > Date.now(),
    );
    return ends.length > 0 ? Math.max(...ends) : undefined;
  }

  protected override render(): TemplateResult {
    const { state } = this;
    const t = this.i18n;
    switch (state.step) {
      case 'starting':
        return this.startingFrame(t.msg('signin.title'), t.msg('signin.starting'));
      case 'choose':
        return this.frame({
          heading: t.msg('signin.choose.title'),
          body: html`<p class="intro">${t.msg('signin.choose.intro')}</p>
            ${
              state.error
                ? html`<p class="error" part="error">${this.errorText(state.error)}</p>`
                : nothing
            }
            ${
              this.pickerFailed
                ? html`<p class="error" part="error">${t.msg('error.NETWORK')}</p>
                    <button class="secondary" type="button" @click=${this.onReloadPicker}>
                      ${t.msg('common.retry')}
                    </button>`
                : html`<mfa-device-picker
                    theme=${this.theme ?? nothing}
                    .devices=${state.auth.devices}
                    ?disabled=${state.busy}
                    .strings=${this.strings}
                    @mfa-device-select=${this.onDeviceSelect}
                  ></mfa-device-picker>`
            }`,
          announce: state.busy
            ? t.msg('common.working')
            : this.pickerFailed
              ? t.msg('error.NETWORK')
              : this.errorText(state.error),
        });
      case 'code':
        return this.renderCode(state);
      case 'fido':
        return this.renderFido(state);
      case 'done':
        return this.frame({
          heading: t.msg('signin.done.title'),
          body: html`<p class="intro">${t.msg('signin.done.text')}</p>`,
          announce: t.msg('signin.done.title'),
          final: true,
        });
      case 'failed':
        return this.failedFrame(state, this.onRestart);
    }
  }

  private renderCode(state: CodeState): TemplateResult {
    const t = this.i18n;
    const { device } = state;
    const type = device.type as DeviceType;
    const range = codeLength(type, state.auth.otpLength);
    const lockedFor = this.secondsUntil(state.lockedUntil);
    const locked = lockedFor > 0;
    const sends = SENDS_CODE.includes(type);
    const voice = voiceAlternative(state);
    const fieldError = locked
      ? ''
      : state.error?.code === 'OTP_INVALID' && state.attemptsRemaining !== undefined
        ? t.plural('signin.code.attemptsRemaining', state.attemptsRemaining)
        : state.error && state.error.code !== 'AUTHENTICATOR_LOCKED'
          ? this.errorText(state.error)
          : '';
    const lockText = locked
      ? t.msg('signin.code.locked', { time: t.formatCountdown(lockedFor) })
      : '';
    const announce = state.busy
      ? t.msg('common.working')
      : locked
        ? // Announced once when the lock starts; the countdown itself is not read out every second.
          t.msg('error.AUTHENTICATOR_LOCKED')
        : state.lockedUntil !== undefined
          ? t.msg('signin.code.unlocked')
          : state.resent
            ? t.msg('signin.resent')
            : // The code field announces its own error.
              '';

    return this.frame({
      heading: t.msg(`signin.code.title.${codeType(type)}`),
      body: html`<p class="intro">${this.codeIntro(device)}</p>
        <form novalidate @submit=${this.onSubmitCode}>
          <mfa-otp-input
            theme=${this.theme ?? nothing}
            .length=${range.max}
            .hint=${this.codeHint(range)}
            .error=${fieldError}
            ?disabled=${state.busy || locked}
            ?webotp=${type === 'SMS'}
            .strings=${this.strings}
            @mfa-code-complete=${this.onCodeComplete}
          ></mfa-otp-input>
          ${locked ? html`<p class="error" part="error">${lockText}</p>` : nothing}
          ${state.resent ? html`<p class="status success">${t.msg('signin.resent')}</p>` : nothing}
          ${this.renderRemember(state.auth.rememberBrowser, state.busy)}
          <button class="primary" part="submit" type="submit" ?disabled=${state.busy || locked}>
            ${t.msg('signin.code.submit')}
          </button>
        </form>`,
      announce,
      actions: html`${
        sends ? this.resendButton(state.busy, state.resendAvailableAt, this.onResend) : nothing
      }
      ${
        voice
          ? html`<button
              class="link"
              type="button"
              ?disabled=${state.busy}
              @click=${this.onCallInstead}
            >
              ${t.msg('signin.callInstead')}
            </button>`
          : nothing
      }
      ${this.renderOtherMethod(state.auth.devices.length, state.busy)}`,
    });
  }

  private renderFido(state: FidoState): TemplateResult {
    const t = this.i18n;
    const problem = state.ceremony
      ? t.msg(ceremonyKey(state.ceremony))
      : this.errorText(state.error);
    return this.frame({
      heading: t.msg('signin.fido.title'),
      body: html`<p class="intro">${t.msg('signin.fido.intro')}</p>
        ${problem ? html`<p class="error" part="error">${problem}</p>` : nothing}
        ${this.renderRemember(state.auth.rememberBrowser, state.busy)}
        <button
          class="primary"
          part="submit"
          type="button"
          aria-disabled=${state.busy ? 'true' : 'false'}
          @click=${this.onAssert}
        >
          ${state.ceremony || state.error ? t.msg('common.retry') : t.msg('signin.fido.start')}
        </button>`,
      announce: state.waiting ? t.msg('signin.fido.waiting') : problem,
      actions: this.renderOtherMethod(state.auth.devices.length, false),
    });
  }

  private renderRemember(allowed: boolean, busy: boolean): TemplateResult | typeof nothing {
    if (!allowed) return nothing;
    return html`<label class="check">
      <input
        type="checkbox"
        .checked=${this.remember}
        ?disabled=${busy}
        @change=${this.onRememberChange}
      />
      <span>${this.i18n.msg('signin.remember')}</span>
    </label>`;
  }

  private renderOtherMethod(count: number, disabled: boolean): TemplateResult | typeof nothing {
    if (count < 2) return nothing;
    return html`<button
      class="link"
      type="button"
      ?disabled=${disabled}
      @click=${this.onOtherMethod}
    >
      ${this.i18n.msg('signin.otherMethod')}
    </button>`;
  }

  private codeIntro(device: DeviceView): string {
    const t = this.i18n;
    const type = device.type as DeviceType;
    if (SENDS_CODE.includes(type)) {
      return t.msg(`signin.code.sentTo.${type as 'SMS'}`, { target: device.target ?? '' });
    }
    if (type === 'OATH_TOKEN') {
      return device.serialNumber
        ? t.msg('signin.code.token', { serial: device.serialNumber })
        : t.msg('signin.code.tokenUnnamed');
    }
    return device.nickname
      ? t.msg('signin.code.app', { name: device.nickname })
      : t.msg('signin.code.appUnnamed');
  }

  private readonly onDeviceSelect = (event: MfaDeviceSelectEvent) => {
    void this.driver?.chooseDevice(event.detail.deviceId);
  };

  private readonly onSubmitCode = (event: SubmitEvent) => {
    const { state } = this;
    if (state.step !== 'code') {
      event.preventDefault();
      return;
    }
    const range = codeLength(state.device.type, state.auth.otpLength);
    void this.sendCode(
      event,
      range,
      (code) => this.driver?.submitOtp(code, this.remember) ?? Promise.resolve(),
    );
  };

  private readonly onReloadPicker = () => {
    this.loadPicker();
  };

  private readonly onResend = () => {
    void this.driver?.resend();
  };

  private readonly onCallInstead = () => {
    void this.driver?.callInstead();
  };

  private readonly onOtherMethod = () => {
    this.driver?.showDevices();
  };

  private readonly onAssert = () => {
    // The button stays focusable while the prompt is open (aria-disabled): clicks then do nothing.
    if (this.state.step === 'fido' && this.state.busy) return;
    void this.driver?.assert(this.remember);
  };

  private readonly onRememberChange = (event: Event) => {
    this.remember = (event.target as HTMLInputElement).checked;
  };

  private readonly onRestart = () => {
    void this.driver?.start();
  };
}

type CodeDeviceType = 'SMS' | 'VOICE' | 'EMAIL' | 'WHATSAPP' | 'TOTP' | 'OATH_TOKEN';

function codeType(type: DeviceType): CodeDeviceType {
  return type === 'FIDO2' ? 'TOTP' : type;
}

function ceremonyKey(outcome: NonNullable<FidoState['ceremony']>): TextKey {
  return outcome === 'alreadyRegistered' ? 'webauthn.failed' : `webauthn.${outcome}`;
}

if (!customElements.get('mfa-signin')) customElements.define('mfa-signin', MfaSignin);

declare global {
  interface HTMLElementTagNameMap {
    'mfa-signin': MfaSignin;
  }
}
