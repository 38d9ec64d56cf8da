import { html, LitElement, type PropertyValues } from 'lit';
import type { QRCode } from 'qrcode';
import { LocalizeController } from '../../i18n/index.ts';
import type { MessageOverrides } from '../../i18n/index.ts';
import { themeStyles } from '../shared/theme.styles.ts';
import { qrStyles } from './mfa-qr.styles.ts';
import { addEnglish } from '../../i18n/index.ts';
import { enMethods } from '../../i18n/locales/en-methods.ts';

addEnglish(enMethods);

/** Builds a QR symbol (error correction M) for a text. */
export type QrEncode = (text: string) => QRCode;

/**
 * Where the encoder comes from: a separate chunk, imported the first time a value is set. An
 * object (not a bare function) so that a test can observe or replace `load`.
 */
export const qrEncoder = {
  load: async (): Promise<QrEncode> => {
    const { create } = await import('qrcode/lib/core/qrcode.js');
    return (text) => create(text, { errorCorrectionLevel: 'M' });
  },
};

/** Modules of white border around the symbol that scanners need. */
const QUIET_ZONE = 4;

/** One subpath per horizontal run of dark modules, offset by the quiet zone. */
export function modulePath(symbol: QRCode): string {
  const { size, data } = symbol.modules;
  let d = '';
  for (let row = 0; row < size; row++) {
    let col = 0;
    while (col < size) {
      if (!data[row * size + col]) {
        col++;
        continue;
      }
      const start = col;
      while (col < size && data[row * size + col]) col++;
      d += `M${start + QUIET_ZONE} ${row + QUIET_ZONE}h${col - start}v1h-${col - start}z`;
    }
  }
  return d;
}

type QrState = 'idle' | 'loading' | 'ready' | 'failed';

/**
 * A QR code drawn locally as inline SVG, for an `otpauth://` URI or any other text. The value
 * usually contains a secret, so it is a property only and never leaves the page: the encoder is
 * bundled (a lazily loaded chunk), not a remote service.
 *
 * While the encoder loads a placeholder of the same size is shown; if it cannot be loaded or the
 * text does not fit in a QR code, a message says so (the parent shows the key as text anyway).
 *
 * @csspart qr - The `<svg>` (or its placeholder while loading).
 * @csspart status - The message shown when the code cannot be drawn.
 *
 * @cssprop --mfa-qr-color - Colour of the dark modules (default near-black, in both themes).
 * @cssprop --mfa-qr-background - Background and quiet zone (default white, in both themes).
 * @cssprop --mfa-color-text - Colour of the failure message.
 * @cssprop --mfa-color-border - Outline of the loading placeholder.
 * @cssprop --mfa-radius - Corner radius of the code.
 * @cssprop --mfa-font-family - Font of the failure message.
 * @cssprop --mfa-font-size - Base font size.
 */
export class MfaQr extends LitElement {
  static override properties = {
    value: { attribute: false },
    size: { type: Number },
    label: { type: String },
    strings: { attribute: false },
    state: { state: true },
  };

  static override styles = [themeStyles, qrStyles];

  /** The text to encode. Property only: an `otpauth://` URI contains the TOTP secret. */
  declare value: string;
  /** Width and height in CSS pixels. */
  declare size: number;
  /** Replaces the accessible name (`qr.label`). */
  declare label: string | undefined;
  /** Per-instance message overrides. */
  declare strings: MessageOverrides | undefined;
  declare private state: QrState;

  private readonly i18n = new LocalizeController(this);
  #encode: QrEncode | undefined;
  /** The last drawn value and its path, so a re-render does not encode again. */
  #drawn: { value: string; path: string; modules: number } | undefined;

  constructor() {
    super();
    this.value = '';
    this.size = 200;
    this.state = 'idle';
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    if (!changed.has('value') || this.value === '') return;
    if (this.#encode) this.#draw();
    else if (this.state !== 'loading') void this.#load();
  }

  async #load(): Promise<void> {
    this.state = 'loading';
    try {
      this.#encode = await qrEncoder.load();
    } catch {
      this.state = 'failed';
      return;
    }
    this.#draw();
  }

  #draw(): void {
    if (!this.#encode || this.value === '' || this.#drawn?.value === this.value) return;
    try {
      const symbol = this.#encode(this.value);
      this.#drawn = {
        value: this.value,
        path: modulePath(symbol),
        modules: symbol.modules.size + QUIET_ZONE * 2,
      };
      this.state = 'ready';
    } catch {
      // Too long for a QR code: the key is shown as text next to it.
      this.#drawn = undefined;
      this.state = 'failed';
    }
  }

  protected override render() {
    return html`<div part="base" dir=${this.i18n.dir}>
      ${this.value === '' ? null : this.#renderCode()}
      <p part="status" class="status" role="status">
        ${this.state === 'failed' ? this.i18n.msg('qr.failed') : ''}
      </p>
    </div>`;
  }

  #renderCode() {
    const drawn = this.#drawn;
    if (this.state === 'failed') return null;
    if (this.state !== 'ready' || drawn?.value !== this.value) {
      return html`<svg
        part="qr"
        width=${this.size}
        height=${this.size}
        viewBox="0 0 10 10"
        aria-hidden="true"
        focusable="false"
      >
        <rect class="placeholder" width="10" height="10"></rect>
      </svg>`;
    }
    const label = this.label ?? this.i18n.msg('qr.label');
    return html`<svg
      part="qr"
      role="img"
      aria-label=${label}
      width=${this.size}
      height=${this.size}
      viewBox="0 0 ${drawn.modules} ${drawn.modules}"
      shape-rendering="crispEdges"
      focusable="false"
    >
      <rect class="background" width=${drawn.modules} height=${drawn.modules}></rect>
      <path class="modules" d=${drawn.path}></path>
    </svg>`;
  }
}

if (!customElements.get('mfa-qr')) customElements.define('mfa-qr', MfaQr);

declare global {
  interface HTMLElementTagNameMap {
    'mfa-qr': MfaQr;
  }
}
