import { html, LitElement, nothing } from 'lit';
import { english, LocalizeController } from '../../i18n/index.ts';
import type { MessageOverrides, TextKey } from '../../i18n/index.ts';
import type { DeviceView } from '../../protocol/schemas.ts';
import { MfaDeviceSelectEvent } from '../shared/events.ts';
import { deviceIcon } from '../shared/icons.ts';
import { themeStyles } from '../shared/theme.styles.ts';
import { pickerStyles } from './mfa-device-picker.styles.ts';

/** The catalog key naming a device type (`method.SMS`, …), if there is one. */
export function methodKey(type: string): TextKey | undefined {
  const key = `method.${type}`;
  return Object.hasOwn(english, key) ? (key as TextKey) : undefined;
}

/**
 * The person's devices to verify with, one button each, in the given order; the first is their
 * default. A device locked after too many wrong codes is shown with the time the lock ends and
 * cannot be chosen until then.
 *
 * @fires mfa-device-select - {MfaDeviceSelectEvent} A device was chosen; `detail.deviceId`.
 *
 * @csspart base - The wrapper around the list.
 * @csspart list - The `<ul>`.
 * @csspart item - Each device's `<button>`.
 * @csspart badge - The "Default" badge on the first device.
 *
 * @cssprop --mfa-color-primary - Icons, badge and hover outline.
 * @cssprop --mfa-color-text - Device names.
 * @cssprop --mfa-color-text-muted - Nicknames, masked targets and serial numbers.
 * @cssprop --mfa-color-surface - Background of the items.
 * @cssprop --mfa-color-border - Item borders.
 * @cssprop --mfa-color-danger - The "Locked until" line.
 * @cssprop --mfa-color-focus - Focus ring.
 * @cssprop --mfa-radius - Corner radius of the items.
 * @cssprop --mfa-font-family - Font.
 * @cssprop --mfa-font-size - Base font size.
 * @cssprop --mfa-spacing - Base spacing unit.
 * @cssprop --mfa-max-width - Maximum width of the element.
 */
export class MfaDevicePicker extends LitElement {
  static override properties = {
    devices: { attribute: false },
    disabled: { type: Boolean, reflect: true },
    strings: { attribute: false },
  };

  static override styles = [themeStyles, pickerStyles];

  /** The devices to offer, the user's default first. */
  declare devices: DeviceView[];
  /** Disables every item (for instance while a choice is being sent). */
  declare disabled: boolean;
  /** Per-instance message overrides. */
  declare strings: MessageOverrides | undefined;

  private readonly i18n = new LocalizeController(this);
  /** Re-renders when the earliest lock ends, so that the device becomes available again. */
  #unlockTimer: ReturnType<typeof setTimeout> | undefined;

  constructor() {
    super();
    this.devices = [];
    this.disabled = false;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    clearTimeout(this.#unlockTimer);
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.hasUpdated) this.requestUpdate();
  }

  protected override updated(): void {
    clearTimeout(this.#unlockTimer);
    const now = Date.now();
    const next = Math.min(...this.devices.map((d) => lockEnd(d)).filter((t) => t > now));
    // setTimeout fires at once for delays above 2^31 - 1 ms; such far locks need no timer.
    if (Number.isFinite(next) && next - now < 2 ** 31 - 1) {
      this.#unlockTimer = setTimeout(() => {
        this.requestUpdate();
      }, next - now);
    }
  }

  protected override render() {
    return html`<div part="base" dir=${this.i18n.dir}>
      <ul part="list" aria-label=${this.i18n.msg('devicePicker.label')}>
        ${this.devices.map((device, index) => this.#renderItem(device, index === 0))}
      </ul>
    </div>`;
  }

  #renderItem(device: DeviceView, isDefault: boolean) {
    const key = methodKey(device.type);
    const until = lockEnd(device);
    const locked = until > Date.now();
    const detail =
      device.nickname ??
      device.target ??
      (device.serialNumber === undefined
        ? undefined
        : this.i18n.msg('devicePicker.serial', { serial: device.serialNumber }));
    return html`<li>
      <button
        part="item"
        type="button"
        data-device-id=${device.id}
        aria-disabled=${locked ? 'true' : nothing}
        ?disabled=${this.disabled}
        @click=${() => {
          this.#select(device.id, locked);
        }}
      >
        <span class="icon">${deviceIcon(device.type)}</span>
        <span class="text">
          <span class="name"
            >${key ? this.i18n.msg(key) : device.type}${
              isDefault
                ? html` <span part="badge" class="badge"
                    >${this.i18n.msg('devicePicker.default')}</span
                  >`
                : nothing
            }</span
          >
          ${detail === undefined ? nothing : html`<span class="detail">${detail}</span>`}
          ${
            locked
              ? html`<span class="locked"
                  >${this.i18n.msg('devicePicker.lockedUntil', {
                    time: this.i18n.formatTime(until),
                  })}</span
                >`
              : nothing
          }
        </span>
      </button>
    </li>`;
  }

  #select(deviceId: string, locked: boolean): void {
    if (locked || this.disabled) return;
    this.dispatchEvent(new MfaDeviceSelectEvent({ deviceId }));
  }
}

/** When a device's lock ends (ms since the epoch), or NaN when it has none. */
function lockEnd(device: DeviceView): number {
  return device.lockedUntil === undefined ? Number.NaN : Date.parse(device.lockedUntil);
}

if (!customElements.get('mfa-device-picker')) {
  customElements.define('mfa-device-picker', MfaDevicePicker);
}

declare global {
  interface HTMLElementTagNameMap {
    'mfa-device-picker': MfaDevicePicker;
  }
}
