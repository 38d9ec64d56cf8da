import { css } from 'lit';
import { flowStyles } from '../shared/flow.styles.ts';

export const enrollStyles = [
  flowStyles,
  css`
    h3 {
      margin: 0 0 var(--_mfa-spacing);
      font-size: 1em;
      font-weight: 600;
    }
    .pending ul {
      display: flex;
      flex-direction: column;
      gap: var(--_mfa-spacing);
      margin: 0;
      padding: 0;
      list-style: none;
    }
    .pending li {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: var(--_mfa-spacing);
    }
    .notice {
      padding: calc(var(--_mfa-spacing) * 1.5);
      border-inline-start: 4px solid var(--_mfa-color-danger);
      border-radius: var(--_mfa-radius);
      background: color-mix(in srgb, var(--_mfa-color-danger) 8%, var(--_mfa-color-surface));
    }
    mfa-qr {
      align-self: center;
    }
    .key-row {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: var(--_mfa-spacing);
    }
    .key {
      padding: var(--_mfa-spacing) calc(var(--_mfa-spacing) * 1.5);
      border: 1px dashed var(--_mfa-color-border);
      border-radius: var(--_mfa-radius);
      font-family: ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace;
      font-size: 1em;
      word-spacing: 0.2em;
      direction: ltr;
      unicode-bidi: isolate;
      user-select: all;
    }
  `,
];
