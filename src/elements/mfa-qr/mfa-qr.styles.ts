import { css } from 'lit';

export const qrStyles = css`
  :host {
    /* Scanners need dark modules on a light background, so these do not follow the dark theme. */
    --_mfa-qr-color: var(--mfa-qr-color, #111111);
    --_mfa-qr-background: var(--mfa-qr-background, #ffffff);

    display: inline-block;
  }

  svg {
    display: block;
    max-inline-size: 100%;
    block-size: auto;
    border-radius: var(--_mfa-radius);
    forced-color-adjust: none;
  }
  .background {
    fill: var(--_mfa-qr-background);
  }
  .modules {
    fill: var(--_mfa-qr-color);
  }
  .placeholder {
    fill: var(--_mfa-qr-background);
    stroke: var(--_mfa-color-border);
    stroke-width: 1px;
    stroke-dasharray: 4 4;
    vector-effect: non-scaling-stroke;
  }
`;
