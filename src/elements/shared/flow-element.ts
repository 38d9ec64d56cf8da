/**
 * What `<mfa-signin>` and `<mfa-enroll>` share: the common attributes, the relay client, the
 * catalog, a one-second clock for countdowns, focus on each new step's heading, and a polite
 * live region that announces status and errors (each step also shows them where they belong).
 * @module
 */
import { html, LitElement, nothing, type PropertyValues, type TemplateResult } from 'lit';
import { createMfaClient, type MfaClient } from '../../client/client.ts';
import { DEFAULT_API_BASE } from '../../protocol/http.ts';
import { LocalizeController, type MessageOverrides } from '../../i18n/index.ts';
import type { CodeLength, FlowError } from '../../flows/common.ts';
import type { MfaOtpInput } from '../mfa-otp-input/mfa-otp-input.ts';
import { MfaCancelEvent, MfaErrorEvent, MfaStepEvent } from './events.ts';
import type { DeviceType } from '../../protocol/schemas.ts';

/** What the element needs of its flow driver. */
interface Driver {
  start(): Promise<void>;
  dispose(): void;
}

export abstract class FlowElement<D extends Driver = Driver> extends LitElement {
  static override properties = {
    ticket: { type: String },
    api: { type: String },
    theme: { type: String, reflect: true },
    cancelable: { type: Boolean },
    strings: { attribute: false },
  };

  /** The single-use ticket the host's server minted. Without one, the current session is used. */
  declare ticket: string;
  /** Base URL of the relay's API. */
  declare api: string;
  /** `light` or `dark`; by default the element follows `prefers-color-scheme`. */
  declare theme: string | undefined;
  /** Offer a "Cancel" action; choosing it fires `mfa-cancel` and the host decides what follows. */
  declare cancelable: boolean;
  /** Per-instance replacements for any message of the catalog. */
  declare strings: MessageOverrides | undefined;

  protected readonly i18n = new LocalizeController(this);
  /** The running flow; a new one for each ticket (or relay), none while disconnected. */
  protected driver: D | undefined;
  /** Properties whose change starts the flow again. */
  protected static restartOn = ['ticket', 'api'];
  private timer: ReturnType<typeof setInterval> | undefined;
  private usedTicket = '';
  private reportedError: FlowError | undefined;
  private lastStepKey = '';
  private announcement = '';

  constructor() {
    super();
    this.ticket = '';
    this.api = DEFAULT_API_BASE;
    this.cancelable = false;
  }

  /** The ticket for a new flow, once: a restart goes on in the session it opened. */
  protected takeTicket(): string | undefined {
    if (!this.ticket || this.ticket === this.usedTicket) return undefined;
    this.usedTicket = this.ticket;
    return this.ticket;
  }

  protected createClient(): MfaClient {
    return createMfaClient({ baseUrl: this.api });
  }

  /** A key that changes when a new step is shown (focus moves, `mfa-step` fires). */
  protected abstract stepKey(): string;
  /** The step's name and method for `mfa-step`. */
  protected abstract stepInfo(): { step: string; method?: DeviceType };
  /** Epoch ms of the next moment a countdown ends, if one is running. */
  protected abstract countdownEnd(): number | undefined;
  /** Stops the flow's work when the person cancels (the host is told through `mfa-cancel`). */
  protected abstract abandon(): void;

  /** A new driver for a new flow, its state reset (called on connect and on a restart). */
  protected abstract createDriver(): D;

  override connectedCallback(): void {
    super.connectedCallback();
    if (!this.driver) void this.begin();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.stopClock();
    this.driver?.dispose();
    this.driver = undefined;
  }

  protected override willUpdate(changed: PropertyValues): void {
    super.willUpdate(changed);
    const restartOn = (this.constructor as typeof FlowElement).restartOn;
    const restart = restartOn.some((name) => changed.has(name) && changed.get(name) !== undefined);
    if (restart && this.driver && this.isConnected) void this.begin();
  }

  private begin(): Promise<void> {
    this.driver?.dispose();
    this.driver = this.createDriver();
    return this.driver.start();
  }

  protected override updated(changed: PropertyValues): void {
    super.updated(changed);
    const key = this.stepKey();
    if (key !== this.lastStepKey) {
      const first = this.lastStepKey === '';
      this.lastStepKey = key;
      this.dispatchEvent(new MfaStepEvent(this.stepInfo()));
      // Not on the first paint: the host page decides where focus starts.
      if (!first) this.focusHeading();
    }
    const end = this.countdownEnd();
    if (end !== undefined && end > Date.now()) this.startClock();
    else this.stopClock();
  }

  protected focusHeading(): void {
    const heading = this.renderRoot.querySelector<HTMLElement>('h2');
    heading?.focus();
  }

  /**
   * Tells the host about the error a state shows, once per error: `fatal` when the flow failed
   * for good (a new ticket is needed).
   */
  protected reportStateError(state: {
    step: string;
    error?: FlowError;
    restartable?: boolean;
  }): void {
    const { error } = state;
    if (!error || error === this.reportedError) return;
    this.reportedError = error;
    const fatal = state.step === 'failed' && state.restartable === false;
    this.dispatchEvent(new MfaErrorEvent({ code: error.code, fatal }));
  }

  /** The first step, while the session opens and the relay answers. */
  protected startingFrame(heading: string, text: string): TemplateResult {
    return this.frame({
      heading,
      body: html`<div class="spinner" aria-hidden="true"></div>
        <p class="intro">${text}</p>`,
      announce: text,
    });
  }

  /** A failed flow: what went wrong, and "Try again" when the same session can start over. */
  protected failedFrame(
    state: { error: FlowError; restartable: boolean },
    onRetry: () => void,
  ): TemplateResult {
    const t = this.i18n;
    return this.frame({
      heading: t.msg('common.fatalTitle'),
      body: html`<p class="error" part="error">${this.errorText(state.error)}</p>`,
      actions: state.restartable
        ? html`<button class="primary" part="submit" @click=${onRetry}>
            ${t.msg('common.retry')}
          </button>`
        : nothing,
    });
  }

  protected errorText(error: FlowError | undefined): string {
    return error ? this.i18n.msg(`error.${error.code}`) : '';
  }

  /** Seconds left until `end`, at least 0. */
  protected secondsUntil(end: number | undefined): number {
    return end === undefined ? 0 : Math.max(0, Math.ceil((end - Date.now()) / 1000));
  }

  /** The code field of the current step, if it shows one. */
  protected otpInput(): MfaOtpInput | null {
    return this.renderRoot.querySelector('mfa-otp-input');
  }

  /** The code field's hint when the length is a range (a hardware token's 6 or 8 digits). */
  protected codeHint({ min, max }: CodeLength): string | undefined {
    return min === max ? undefined : this.i18n.msg('otp.hintRange', { min, max });
  }

  /**
   * Sends the code field's value when its length is within `range`; otherwise the field keeps
   * focus and nothing is sent. When the step is still asking afterwards (the code was refused),
   * the field is emptied and focused for the next try.
   */
  protected async sendCode(
    event: SubmitEvent,
    range: CodeLength,
    send: (code: string) => Promise<void>,
  ): Promise<void> {
    event.preventDefault();
    const input = this.otpInput();
    const value = input?.value ?? '';
    if (value.length < range.min || value.length > range.max) {
      input?.focus();
      return;
    }
    const step = this.stepKey();
    await send(value);
    if (this.stepKey() !== step) return;
    const field = this.otpInput();
    field?.clear();
    field?.focus();
  }

  /** A full code submits the step's form, as Enter does. */
  protected readonly onCodeComplete = (): void => {
    this.renderRoot.querySelector('form')?.requestSubmit();
  };

  /** "Send a new code", counting down until `availableAt` and disabled until then. */
  protected resendButton(
    busy: boolean,
    availableAt: number | undefined,
    onClick: () => void,
  ): TemplateResult {
    const wait = this.secondsUntil(availableAt);
    return html`<button class="link" type="button" ?disabled=${busy || wait > 0} @click=${onClick}>
      ${
        wait > 0
          ? this.i18n.msg('signin.resendIn', { time: this.i18n.formatCountdown(wait) })
          : this.i18n.msg('signin.resend')
      }
    </button>`;
  }

  /**
   * The frame every step renders into: heading, body, a polite live region, then the actions.
   * `announce` is what the live region says (a status or an error).
   */
  protected frame(parts: {
    heading: string;
    body?: TemplateResult | string;
    announce?: string;
    actions?: TemplateResult | typeof nothing;
    /** The flow is over: no "Cancel". */
    final?: boolean;
  }): TemplateResult {
    this.announcement = parts.announce ?? '';
    return html`<section
      part="base"
      class="base"
      lang=${this.i18n.locale}
      dir=${this.i18n.dir}
      aria-label=${this.i18n.msg('common.region')}
    >
      <h2 part="heading" tabindex="-1">${parts.heading}</h2>
      <div part="body" class="body">${parts.body ?? ''}</div>
      <p part="status" class="visually-hidden" role="status" aria-live="polite" aria-atomic="true">
        ${this.announcement}
      </p>
      <div part="actions" class="actions">
        ${parts.actions ?? ''}${
          this.cancelable && parts.final !== true
            ? html`<button class="link" type="button" @click=${this.onCancel}>
                ${this.i18n.msg('common.cancel')}
              </button>`
            : ''
        }
      </div>
    </section>`;
  }

  private readonly onCancel = () => {
    this.abandon();
    this.dispatchEvent(new MfaCancelEvent());
  };

  /** Redraws every second while a countdown runs. */
  private startClock(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => {
      this.requestUpdate();
    }, 1000);
  }

  private stopClock(): void {
    if (this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }
}
