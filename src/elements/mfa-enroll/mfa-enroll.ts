import { html, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { EnrollDriver, type DeviceDetails } from '../../flows/enroll-driver.ts';
import { initialEnrollState, type EnrollState } from '../../flows/enroll.ts';
import { codeLength, isDeviceType, SENDS_CODE } from '../../flows/common.ts';
import { DEVICE_TYPES } from '../../protocol/http.ts';
import type { DeviceType } from '../../protocol/schemas.ts';
import '../mfa-method-picker/mfa-method-picker.ts';
import '../mfa-otp-input/mfa-otp-input.ts';
import '../mfa-signin/mfa-signin.ts';
import { MfaEnrolledEvent, type MfaMethodSelectEvent } from '../shared/events.ts';
import { FlowElement } from '../shared/flow-element.ts';
import { themeStyles } from '../shared/theme.styles.ts';
import { browserWebAuthn, preloadWebAuthn } from '../shared/webauthn.ts';
import { enrollStyles } from './mfa-enroll.styles.ts';
import { addEnglish } from '../../i18n/index.ts';
import { enEnroll } from '../../i18n/locales/en-enroll.ts';

addEnglish(enEnroll);

type Step<S extends EnrollState['step']> = Extract<EnrollState, { step: S }>;

/** A text field of the details step. */
interface FieldOptions {
  name: string;
  label: string;
  hint?: string;
  type?: string;
  autocomplete: string;
  inputmode?: string;
  autocapitalize?: string;
  maxlength: number;
  required?: boolean;
  /** The step's error is about this field. */
  invalid?: boolean;
}

/**
 * The pairing wizard for one new MFA device: choose a method the policy allows, give its details,
 * prove possession (a code, a QR code scanned into an app, or a passkey / security key), done.
 * A device left half-way can be resumed or removed.
 *
 * @summary Add an MFA device: TOTP app, SMS, voice, email, WhatsApp, passkey or security key,
 *   hardware token.
 *
 * @fires mfa-enrolled - {MfaEnrolledEvent} A device is active; `detail.result` is a signed result
 *   (activating a device proves possession of it).
 * @fires mfa-error - {MfaErrorEvent} A failure was shown; `detail.fatal` when a new ticket is needed.
 * @fires mfa-cancel - {MfaCancelEvent} The person chose "Cancel" (offered with `cancelable`).
 * @fires mfa-step - {MfaStepEvent} A new step is shown (`choose`, `details`, `totp`, `fido`, `code`,
 *   `reauth`, `done`, `failed`).
 *
 * @csspart base - The element's frame.
 * @csspart heading - The heading of the current step (focused when the step changes).
 * @csspart body - The step's content.
 * @csspart status - The polite live region (visually hidden) that announces status and errors.
 * @csspart error - A visible error message.
 * @csspart actions - The row of secondary actions.
 * @csspart submit - The primary button of the step.
 * @csspart key - The TOTP setup key.
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
export class MfaEnroll extends FlowElement<EnrollDriver> {
  static override properties = {
    ...FlowElement.properties,
    methods: { type: String },
    method: { type: String },
    state: { state: true },
    copied: { state: true },
    notice: { state: true },
  };

  static override styles = [themeStyles, ...enrollStyles];

  /** Comma-separated device types the host allows (`totp,sms,fido2`…); the policy decides within. */
  declare methods: string;
  /** Go straight to this method when it is offered (`totp`, `sms`…). */
  declare method: string;
  declare private state: EnrollState;
  declare private copied: 'yes' | 'failed' | undefined;
  /** A confirmation for the live region (a removed pending device). */
  declare private notice: string;
  private announced: unknown;
  private qrLoaded = false;

  constructor() {
    super();
    this.methods = '';
    this.method = '';
    this.state = initialEnrollState;
    this.copied = undefined;
    this.notice = '';
  }

  protected static override restartOn = ['ticket', 'api', 'methods'];

  protected override willUpdate(changed: PropertyValues): void {
    super.willUpdate(changed);
    if (this.state.step === 'fido') void preloadWebAuthn();
    if (this.state.step === 'totp' && !this.qrLoaded) {
      // The QR encoder is a separate chunk, fetched only when this step opens.
      this.qrLoaded = true;
      void import('../mfa-qr/mfa-qr.ts');
    }
  }

  protected override updated(changed: PropertyValues): void {
    super.updated(changed);
    const { state } = this;
    if (state.step === 'done' && this.announced !== state) {
      this.announced = state;
      this.dispatchEvent(
        new MfaEnrolledEvent({
          deviceId: state.device.id,
          method: state.method,
          ...(state.result !== undefined ? { result: state.result } : {}),
        }),
      );
    }
    this.reportStateError(state);
  }

  protected createDriver(): EnrollDriver {
    this.state = initialEnrollState;
    const allowed = parseMethods(this.methods);
    const preferred = parseMethods(this.method)?.[0];
    const ticket = this.takeTicket();
    return new EnrollDriver({
      client: this.createClient(),
      webauthn: browserWebAuthn,
      ...(ticket ? { ticket } : {}),
      ...(allowed ? { methods: allowed } : {}),
      ...(preferred ? { method: preferred } : {}),
      onChange: (state) => {
        if (state.step !== 'totp') this.copied = undefined;
        this.notice = '';
        this.state = state;
      },
    });
  }

  protected stepKey(): string {
    const { state } = this;
    const device = 'device' in state ? state.device.id : '';
    const method = 'method' in state && typeof state.method === 'string' ? state.method : '';
    return `${state.step}:${method}:${device}`;
  }

  protected stepInfo(): { step: string; method?: DeviceType } {
    const { state } = this;
    if ('method' in state) return { step: state.step, method: state.method };
    if (state.step === 'totp') return { step: state.step, method: 'TOTP' };
    if (state.step === 'fido') return { step: state.step, method: 'FIDO2' };
    return { step: state.step };
  }

  protected abandon(): void {
    // A device created so far stays pending: the chooser offers it again next time.
    this.driver?.dispose();
  }

  protected countdownEnd(): number | undefined {
    const { state } = this;
    return state.step === 'code' && state.resendAvailableAt !== undefined
      ? state.resendAvailableAt
      : undefined;
  }

  protected override render(): TemplateResult {
    const { state } = this;
    const t = this.i18n;
    switch (state.step) {
      case 'starting':
        return this.startingFrame(t.msg('enroll.title'), t.msg('enroll.starting'));
      case 'choose':
        return this.renderChoose(state);
      case 'details':
        return this.renderDetails(state);
      case 'totp':
        return this.renderTotp(state);
      case 'fido':
        return this.renderFido(state);
      case 'code':
        return this.renderCode(state);
      case 'reauth':
        return this.frame({
          heading: t.msg('signin.title'),
          body: html`<p class="intro">${t.msg('enroll.stepUp')}</p>
            <mfa-signin
              api=${this.api}
              theme=${this.theme ?? nothing}
              .strings=${{ 'common.region': t.msg('signin.title'), ...this.strings }}
              @mfa-complete=${this.onReauthenticated}
            ></mfa-signin>`,
          actions: this.backButton(false),
        });
      case 'done':
        return this.frame({
          heading: t.msg('enroll.done.title', { method: t.msg(`method.${state.method}`) }),
          body: html`<p class="intro">${t.msg('enroll.done.text')}</p>`,
          announce: t.msg('enroll.done.title', { method: t.msg(`method.${state.method}`) }),
          final: true,
        });
      case 'failed':
        return this.failedFrame(state, this.onRestart);
    }
  }

  private renderChoose(state: Step<'choose'>): TemplateResult {
    const t = this.i18n;
    const pending = state.pending.length
      ? html`<section class="pending" aria-labelledby="pending-title">
          <h3 id="pending-title">${t.msg('enroll.resume.title')}</h3>
          <ul>
            ${state.pending.map((device) => {
              const name = this.deviceName(device);
              return html`<li>
                <button
                  class="secondary"
                  type="button"
                  ?disabled=${state.busy}
                  @click=${() => {
                    this.driver?.resume(device.id);
                  }}
                >
                  ${t.msg('enroll.resume.item', { name })}
                </button>
                <button
                  class="link"
                  type="button"
                  ?disabled=${state.busy}
                  @click=${() => {
                    void this.onDiscard(device.id, name);
                  }}
                >
                  ${t.msg('enroll.resume.discard', { name })}
                </button>
              </li>`;
            })}
          </ul>
        </section>`
      : nothing;
    if (state.limitReached) {
      return this.frame({
        heading: t.msg('enroll.limit.title'),
        body: html`<p class="intro">${t.msg('enroll.limit.text')}</p>
          ${pending}`,
        announce: t.msg('enroll.limit.title'),
      });
    }
    return this.frame({
      heading: t.msg('enroll.choose.title'),
      body: html`${pending}
        <p class="intro">
          ${state.methods.length ? t.msg('enroll.choose.intro') : t.msg('enroll.choose.none')}
        </p>
        ${state.error ? html`<p class="error" part="error">${this.errorText(state.error)}</p>` : nothing}
        ${
          state.methods.length
            ? html`<mfa-method-picker
                theme=${this.theme ?? nothing}
                .methods=${state.methods}
                ?disabled=${state.busy}
                .strings=${this.strings}
                @mfa-method-select=${this.onMethodSelect}
              ></mfa-method-picker>`
            : nothing
        }`,
      announce: state.busy ? t.msg('common.working') : this.notice || this.errorText(state.error),
    });
  }

  private renderDetails(state: Step<'details'>): TemplateResult {
    const t = this.i18n;
    const { method } = state;
    const error = this.errorText(state.error);
    const phone = method === 'SMS' || method === 'VOICE' || method === 'WHATSAPP';
    const heading =
      method === 'WHATSAPP'
        ? t.msg('enroll.phone.titleWhatsApp')
        : phone
          ? t.msg('enroll.phone.title')
          : method === 'EMAIL'
            ? t.msg('enroll.email.title')
            : method === 'OATH_TOKEN'
              ? t.msg('enroll.oath.title')
              : t.msg('enroll.nickname.title');
    const submit = phone
      ? t.msg(`enroll.phone.submit.${method}`)
      : method === 'EMAIL'
        ? t.msg('enroll.email.submit')
        : t.msg('common.continue');
    const code = state.error?.code;
    const input = (options: FieldOptions) => this.field(options, state.busy, error !== '');
    return this.frame({
      heading,
      body: html`<form novalidate @submit=${this.onSubmitDetails}>
        ${
          phone
            ? html`${input({
                name: 'phone',
                label: t.msg('enroll.phone.label'),
                hint: t.msg('enroll.phone.hint'),
                type: 'tel',
                autocomplete: 'tel',
                inputmode: 'tel',
                maxlength: 40,
                required: true,
                invalid: code === 'PHONE_INVALID' || code === 'DELIVERY_FAILED',
              })}
              ${
                method === 'VOICE'
                  ? input({
                      name: 'extension',
                      label: t.msg('enroll.phone.extension'),
                      autocomplete: 'off',
                      inputmode: 'numeric',
                      maxlength: 10,
                    })
                  : nothing
              }`
            : nothing
        }
        ${
          method === 'EMAIL'
            ? html`<p class="notice">${t.msg('enroll.email.weaker')}</p>
                ${input({
                  name: 'email',
                  label: t.msg('enroll.email.label'),
                  type: 'email',
                  autocomplete: 'email',
                  maxlength: 254,
                  required: true,
                  invalid: code === 'EMAIL_INVALID' || code === 'DELIVERY_FAILED',
                })}`
            : nothing
        }
        ${
          method === 'OATH_TOKEN'
            ? input({
                name: 'serial',
                label: t.msg('enroll.oath.serial'),
                hint: t.msg('enroll.oath.serialHint'),
                autocomplete: 'off',
                autocapitalize: 'characters',
                maxlength: 64,
                required: true,
                invalid: code === 'BAD_REQUEST' || code === 'DEVICE_NOT_FOUND',
              })
            : nothing
        }
        ${
          state.askNickname
            ? input({
                name: 'nickname',
                label: t.msg('enroll.nickname.label'),
                hint: t.msg('enroll.nickname.hint'),
                autocomplete: 'off',
                maxlength: 100,
              })
            : nothing
        }
        ${error ? html`<p class="error" part="error" id="details-error">${error}</p>` : nothing}
        <button class="primary" part="submit" type="submit" ?disabled=${state.busy}>
          ${submit}
        </button>
      </form>`,
      announce: state.busy ? t.msg('common.working') : error,
      actions: this.backButton(state.busy),
    });
  }

  /** One labelled field of the details step; its error (if it is the one at fault) is linked. */
  private field(options: FieldOptions, busy: boolean, hasError: boolean): TemplateResult {
    const { name, label, hint, invalid = false } = options;
    const hintId = hint ? `${name}-hint` : undefined;
    const faulty = invalid && hasError;
    const describedBy = [hintId, faulty ? 'details-error' : undefined].filter(Boolean).join(' ');
    return html`<div>
      <label for=${name}>${label}</label>
      <input
        id=${name}
        name=${name}
        type=${options.type ?? 'text'}
        autocomplete=${options.autocomplete}
        inputmode=${options.inputmode ?? nothing}
        autocapitalize=${options.autocapitalize ?? nothing}
        spellcheck=${options.autocapitalize ? 'false' : nothing}
        maxlength=${options.maxlength}
        ?required=${options.required === true}
        aria-invalid=${faulty ? 'true' : 'false'}
        aria-describedby=${describedBy || nothing}
        ?disabled=${busy}
      />
      ${hint ? html`<p class="hint" id=${hintId ?? nothing}>${hint}</p>` : nothing}
    </div>`;
  }

  private renderTotp(state: Step<'totp'>): TemplateResult {
    const t = this.i18n;
    const groups = state.secret.match(/.{1,4}/g) ?? [state.secret];
    const error = this.errorText(state.error);
    return this.frame({
      heading: t.msg('enroll.totp.title'),
      body: html`<p>${t.msg('enroll.totp.scan')}</p>
        <mfa-qr
          .value=${state.keyUri}
          theme=${this.theme ?? nothing}
          .strings=${this.strings}
          part="qr"
        ></mfa-qr>
        <p>${t.msg('enroll.totp.manual')}</p>
        <div class="key-row">
          <code part="key" class="key" aria-label=${t.msg('enroll.totp.keyLabel')} translate="no"
            >${groups.join(' ')}</code
          >
          <button class="secondary" type="button" @click=${this.onCopy}>
            ${t.msg('enroll.totp.copy')}
          </button>
        </div>
        ${
          this.copied === 'failed'
            ? html`<p class="error" part="error">${t.msg('enroll.totp.copyFailed')}</p>`
            : this.copied === 'yes'
              ? html`<p class="status success">${t.msg('enroll.totp.copied')}</p>`
              : nothing
        }
        <a class="app-link" href=${state.keyUri}>${t.msg('enroll.totp.openApp')}</a>
        <form novalidate @submit=${this.onSubmitCode}>
          <p>${t.msg('enroll.totp.enterCode')}</p>
          <mfa-otp-input
            theme=${this.theme ?? nothing}
            .length=${codeLength('TOTP', state.policy.otpLength.TOTP).max}
            .error=${error}
            ?disabled=${state.busy}
            .strings=${this.strings}
            @mfa-code-complete=${this.onCodeComplete}
          ></mfa-otp-input>
          <button class="primary" part="submit" type="submit" ?disabled=${state.busy}>
            ${t.msg('enroll.code.submit')}
          </button>
        </form>`,
      // The code field announces its own error.
      announce: state.busy
        ? t.msg('common.working')
        : this.copied === 'yes'
          ? t.msg('enroll.totp.copied')
          : this.copied === 'failed'
            ? t.msg('enroll.totp.copyFailed')
            : '',
      actions: this.backButton(state.busy),
    });
  }

  private renderFido(state: Step<'fido'>): TemplateResult {
    const t = this.i18n;
    const passkey = state.kind === 'passkey';
    const problem = state.ceremony
      ? t.msg(`webauthn.${state.ceremony}`)
      : this.errorText(state.error);
    return this.frame({
      heading: passkey ? t.msg('enroll.fido.titlePasskey') : t.msg('enroll.fido.titleKey'),
      body: html`<p class="intro">
          ${passkey ? t.msg('enroll.fido.introPasskey') : t.msg('enroll.fido.introKey')}
        </p>
        ${problem ? html`<p class="error" part="error">${problem}</p>` : nothing}
        <button
          class="primary"
          part="submit"
          type="button"
          aria-disabled=${state.busy ? 'true' : 'false'}
          @click=${this.onRegister}
        >
          ${state.ceremony || state.error ? t.msg('common.retry') : t.msg('enroll.fido.start')}
        </button>`,
      announce: state.waiting ? t.msg('enroll.fido.waiting') : problem,
      actions: this.backButton(false),
    });
  }

  private renderCode(state: Step<'code'>): TemplateResult {
    const t = this.i18n;
    const { device, method } = state;
    const sends = SENDS_CODE.includes(method);
    const error = state.resync ? t.msg('enroll.oath.resync') : this.errorText(state.error);
    const intro = sends
      ? t.msg(`signin.code.sentTo.${method as 'SMS'}`, { target: device.target ?? '' })
      : t.msg('enroll.oath.codeIntro');
    const range = codeLength(method, state.policy.otpLength[method]);
    return this.frame({
      heading:
        method === 'OATH_TOKEN' ? t.msg('enroll.oath.codeTitle') : t.msg('enroll.code.title'),
      body: html`<p class="intro">${intro}</p>
        <form novalidate @submit=${this.onSubmitCode}>
          <mfa-otp-input
            theme=${this.theme ?? nothing}
            .length=${range.max}
            .hint=${this.codeHint(range)}
            .error=${error}
            ?disabled=${state.busy}
            ?webotp=${method === 'SMS'}
            .strings=${this.strings}
            @mfa-code-complete=${this.onCodeComplete}
          ></mfa-otp-input>
          ${state.resent ? html`<p class="status success">${t.msg('signin.resent')}</p>` : nothing}
          <button class="primary" part="submit" type="submit" ?disabled=${state.busy}>
            ${t.msg('enroll.code.submit')}
          </button>
        </form>`,
      announce: state.busy ? t.msg('common.working') : state.resent ? t.msg('signin.resent') : '',
      actions: html`${
        sends ? this.resendButton(state.busy, state.resendAvailableAt, this.onResend) : nothing
      }
      ${this.backButton(state.busy)}`,
    });
  }

  private backButton(disabled: boolean): TemplateResult | typeof nothing {
    const { state } = this;
    // With a single method and nothing pending there is nothing to go back to.
    if ('methods' in state && state.methods.length < 2 && this.method) return nothing;
    return html`<button class="link" type="button" ?disabled=${disabled} @click=${this.onBack}>
      ${this.i18n.msg('common.back')}
    </button>`;
  }

  private deviceName(device: {
    type: string;
    nickname?: string;
    target?: string;
    serialNumber?: string;
  }): string {
    const kind = isDeviceType(device.type) ? this.i18n.msg(`method.${device.type}`) : device.type;
    const detail = device.nickname ?? device.target ?? device.serialNumber;
    return detail ? `${kind} (${detail})` : kind;
  }

  private async onDiscard(deviceId: string, name: string): Promise<void> {
    await this.driver?.discard(deviceId);
    if (this.state.step !== 'choose' || this.state.error) return;
    this.notice = this.i18n.msg('enroll.resume.removed', { name });
    // The button that had focus is gone: start again from the heading.
    await this.updateComplete;
    this.focusHeading();
  }

  private readonly onMethodSelect = (event: MfaMethodSelectEvent) => {
    void this.driver?.chooseMethod(event.detail.method);
  };

  private readonly onSubmitDetails = (event: SubmitEvent) => {
    event.preventDefault();
    const form = event.currentTarget as HTMLFormElement;
    const value = (name: string) =>
      (form.elements.namedItem(name) as HTMLInputElement | null)?.value.trim() ?? '';
    const details: DeviceDetails = {};
    const { state } = this;
    if (state.step !== 'details') return;
    // Empty required fields are answered here, without a request.
    const required = ['phone', 'email', 'serial'].find(
      (name) => form.elements.namedItem(name) && value(name) === '',
    );
    if (required) {
      (form.elements.namedItem(required) as HTMLInputElement).focus();
      return;
    }
    if (value('phone')) details.phone = value('phone');
    if (value('extension')) details.extension = value('extension');
    if (value('email')) details.email = value('email');
    if (value('serial')) details.serialNumber = value('serial');
    if (value('nickname')) details.nickname = value('nickname');
    void this.driver?.submitDetails(details).then(async () => {
      if (this.state.step !== 'details' || !this.state.error) return;
      // The fields were disabled while the relay answered: bring focus back to the one at fault.
      await this.updateComplete;
      const fields = this.renderRoot.querySelectorAll<HTMLInputElement>('form input');
      const invalid = [...fields].find((field) => field.getAttribute('aria-invalid') === 'true');
      (invalid ?? fields[0])?.focus();
    });
  };

  private readonly onSubmitCode = (event: SubmitEvent) => {
    const { state } = this;
    if (state.step !== 'code' && state.step !== 'totp') {
      event.preventDefault();
      return;
    }
    const type = state.step === 'totp' ? 'TOTP' : state.method;
    const range = codeLength(type, state.policy.otpLength[type]);
    void this.sendCode(event, range, (code) => this.driver?.submitCode(code) ?? Promise.resolve());
  };

  private readonly onCopy = async () => {
    if (this.state.step !== 'totp') return;
    try {
      await navigator.clipboard.writeText(this.state.secret);
      this.copied = 'yes';
    } catch {
      // Clipboard access can be refused (permissions, insecure context): say so, keep the key shown.
      this.copied = 'failed';
    }
  };

  private readonly onResend = () => {
    void this.driver?.resendCode();
  };

  private readonly onRegister = () => {
    // The button stays focusable while the prompt is open (aria-disabled): clicks then do nothing.
    if (this.state.step === 'fido' && this.state.busy) return;
    void this.driver?.register();
  };

  private readonly onBack = () => {
    void this.driver?.back();
  };

  private readonly onReauthenticated = (event: Event) => {
    // The inner sign-in's result is not the host's business: enrollment fires its own.
    event.stopPropagation();
    void this.driver?.reauthenticated();
  };

  private readonly onRestart = () => {
    void this.driver?.start();
  };
}

/** `"totp, SMS"` → `['TOTP', 'SMS']`; unknown names are dropped; empty → no restriction. */
export function parseMethods(value: string): DeviceType[] | undefined {
  const names = value
    .split(/[\s,]+/)
    .map((name) => name.trim().toUpperCase().replace(/-/g, '_'))
    .filter(Boolean);
  if (names.length === 0) return undefined;
  return DEVICE_TYPES.filter((type) => names.includes(type));
}

if (!customElements.get('mfa-enroll')) customElements.define('mfa-enroll', MfaEnroll);

declare global {
  interface HTMLElementTagNameMap {
    'mfa-enroll': MfaEnroll;
  }
}
