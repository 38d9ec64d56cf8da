import { html, LitElement, nothing } from 'lit';
import { LocalizeController } from '../../i18n/index.ts';
import type { MessageOverrides } from '../../i18n/index.ts';
import type { DeviceType } from '../../protocol/schemas.ts';
import { MfaMethodSelectEvent } from '../shared/events.ts';
import { deviceIcon } from '../shared/icons.ts';
import { themeStyles } from '../shared/theme.styles.ts';
import { methodPickerStyles } from './mfa-method-picker.styles.ts';
import { addEnglish } from '../../i18n/index.ts';
import { enMethods } from '../../i18n/locales/en-methods.ts';

addEnglish(enMethods);

/** Methods marked as the stronger choice. */
const RECOMMENDED: ReadonlySet<DeviceType> = new Set(['FIDO2', 'TOTP']);

/**
 * The kinds of device a person can add, one button each with a short description, in the given
 * order. Passkeys and authenticator apps are marked as recommended, email as less secure.
 *
 * @fires mfa-method-select - {MfaMethodSelectEvent} A method was chosen; `detail.method`.
 *
 * @csspart base - The wrapper around the list.
 * @csspart list - The `<ul>`.
 * @csspart item - Each method's `<button>`.
 * @csspart badge - The "Recommended" or "Less secure" badge.
 *
 * @cssprop --mfa-color-primary - Icons, "Recommended" badge and hover outline.
 * @cssprop --mfa-color-text - Method names.
 * @cssprop --mfa-color-text-muted - Descriptions.
 * @cssprop --mfa-color-surface - Background of the items.
 * @cssprop --mfa-color-border - Item borders.
 * @cssprop --mfa-color-danger - The "Less secure" badge.
 * @cssprop --mfa-color-focus - Focus ring.
 * @cssprop --mfa-radius - Corner radius of the items.
 * @cssprop --mfa-font-family - Font.
 * @cssprop --mfa-font-size - Base font size.
 * @cssprop --mfa-spacing - Base spacing unit.
 * @cssprop --mfa-max-width - Maximum width of the element.
 */
export class MfaMethodPicker extends LitElement {
  static override properties = {
    methods: { attribute: false },
    disabled: { type: Boolean, reflect: true },
    strings: { attribute: false },
  };

  static override styles = [themeStyles, methodPickerStyles];

  /** The methods to offer, in display order. */
  declare methods: DeviceType[];
  /** Disables every item. */
  declare disabled: boolean;
  /** Per-instance message overrides. */
  declare strings: MessageOverrides | undefined;

  private readonly i18n = new LocalizeController(this);

  constructor() {
    super();
    this.methods = [];
    this.disabled = false;
  }

  protected override render() {
    return html`<div part="base" dir=${this.i18n.dir}>
      <ul part="list" aria-label=${this.i18n.msg('methodPicker.label')}>
        ${this.methods.map((method) => this.#renderItem(method))}
      </ul>
    </div>`;
  }

  #renderItem(method: DeviceType) {
    const badge =
      method === 'EMAIL'
        ? html` <span part="badge" class="badge weaker">${this.i18n.msg('method.weaker')}</span>`
        : RECOMMENDED.has(method)
          ? html` <span part="badge" class="badge">${this.i18n.msg('method.recommended')}</span>`
          : nothing;
    return html`<li>
      <button
        part="item"
        type="button"
        data-method=${method}
        ?disabled=${this.disabled}
        @click=${() => {
          this.dispatchEvent(new MfaMethodSelectEvent({ method }));
        }}
      >
        <span class="icon">${deviceIcon(method)}</span>
        <span class="text">
          <span class="name">${this.i18n.msg(`method.${method}`)}${badge}</span>
          <span class="description">${this.i18n.msg(`method.description.${method}`)}</span>
        </span>
      </button>
    </li>`;
  }
}

if (!customElements.get('mfa-method-picker')) {
  customElements.define('mfa-method-picker', MfaMethodPicker);
}

declare global {
  interface HTMLElementTagNameMap {
    'mfa-method-picker': MfaMethodPicker;
  }
}
