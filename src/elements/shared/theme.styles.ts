/**
 * Shared design tokens and base rules, the first entry of every element's `static styles`.
 *
 * Public tokens (`--mfa-*`) are read once in `:host` into private ones (`--_mfa-*`); rules use only
 * the private ones, so a host can theme an element by setting the public ones on it or on any
 * ancestor. The palette follows the reader's colour scheme (`prefers-color-scheme`) through CSS
 * `light-dark()`; `theme="light"` or `theme="dark"` pins one. Both palettes meet WCAG AA contrast.
 * @module
 */
import { css } from 'lit';

export const themeStyles = css`
  :host {
    /* Each colour is light-dark(light, dark): the element follows the reader's colour scheme
       unless a theme attribute below pins one, and a public token wins in both. */
    --_mfa-color-primary: var(--mfa-color-primary, light-dark(#0b57d0, #a8c7fa));
    --_mfa-color-on-primary: var(--mfa-color-on-primary, light-dark(#ffffff, #062e6f));
    --_mfa-color-text: var(--mfa-color-text, light-dark(#1b1b1f, #e4e2e6));
    --_mfa-color-text-muted: var(--mfa-color-text-muted, light-dark(#53535f, #c4c6d0));
    --_mfa-color-surface: var(--mfa-color-surface, light-dark(#ffffff, #1b1b1f));
    --_mfa-color-border: var(--mfa-color-border, light-dark(#74747f, #8e9099));
    --_mfa-color-danger: var(--mfa-color-danger, light-dark(#b3261e, #ffb4ab));
    --_mfa-color-success: var(--mfa-color-success, light-dark(#146c2e, #6dd58c));
    --_mfa-color-focus: var(--mfa-color-focus, light-dark(#0b57d0, #a8c7fa));
    --_mfa-radius: var(--mfa-radius, 0.5rem);
    --_mfa-font-family: var(
      --mfa-font-family,
      system-ui,
      -apple-system,
      'Segoe UI',
      Roboto,
      'Noto Sans',
      sans-serif
    );
    --_mfa-font-size: var(--mfa-font-size, 1rem);
    --_mfa-spacing: var(--mfa-spacing, 0.5rem);
    --_mfa-max-width: var(--mfa-max-width, 28rem);

    display: block;
    box-sizing: border-box;
    max-inline-size: var(--_mfa-max-width);
    color: var(--_mfa-color-text);
    /* An element sits on the host's page and paints no background of its own, unless the host
       pins a theme (which the page around it may not share) or sets one. */
    background: var(--mfa-color-background, transparent);
    font-family: var(--_mfa-font-family);
    font-size: var(--_mfa-font-size);
    line-height: 1.5;
    color-scheme: light dark;
  }
  :host([theme]) {
    background: var(--mfa-color-background, var(--_mfa-color-surface));
  }
  :host([theme='light']) {
    color-scheme: light;
  }
  :host([theme='dark']) {
    color-scheme: dark;
  }

  /* Forced colours: the system palette replaces ours; keep every boundary and focus visible. */
  :host([hidden]),
  [hidden] {
    display: none !important;
  }

  *,
  *::before,
  *::after {
    box-sizing: inherit;
  }

  h2 {
    margin-block: 0 calc(var(--_mfa-spacing) * 2);
    font-size: 1.375em;
    font-weight: 600;
    line-height: 1.3;
  }
  h2:focus {
    outline: none;
  }
  h2:focus-visible {
    outline: 2px solid var(--_mfa-color-focus);
    outline-offset: 2px;
  }

  p {
    margin-block: 0 calc(var(--_mfa-spacing) * 2);
  }

  label {
    display: block;
    margin-block-end: calc(var(--_mfa-spacing) / 2);
    font-weight: 600;
  }

  input {
    display: block;
    inline-size: 100%;
    min-block-size: 2.75rem;
    padding-block: var(--_mfa-spacing);
    padding-inline: calc(var(--_mfa-spacing) * 1.5);
    border: 1px solid var(--_mfa-color-border);
    border-radius: var(--_mfa-radius);
    color: inherit;
    background: var(--_mfa-color-surface);
    font: inherit;
  }
  input[aria-invalid='true'] {
    border-color: var(--_mfa-color-danger);
    box-shadow: inset 0 0 0 1px var(--_mfa-color-danger);
  }
  input:disabled {
    opacity: 0.6;
    cursor: not-allowed;
  }

  button {
    display: inline-flex;
    align-items: center;
    justify-content: center;
    gap: var(--_mfa-spacing);
    min-block-size: 2.75rem;
    min-inline-size: 2.75rem;
    margin: 0;
    padding-block: var(--_mfa-spacing);
    padding-inline: calc(var(--_mfa-spacing) * 2);
    border: 1px solid var(--_mfa-color-primary);
    border-radius: var(--_mfa-radius);
    color: var(--_mfa-color-on-primary);
    background: var(--_mfa-color-primary);
    font: inherit;
    font-weight: 600;
    text-align: center;
    cursor: pointer;
  }
  button.secondary {
    color: var(--_mfa-color-primary);
    background: transparent;
  }
  button.link {
    padding-inline: calc(var(--_mfa-spacing) / 2);
    border-color: transparent;
    color: var(--_mfa-color-primary);
    background: transparent;
    font-weight: inherit;
    text-decoration: underline;
  }
  button:disabled,
  button[aria-disabled='true'] {
    opacity: 0.6;
    cursor: not-allowed;
  }

  a {
    color: var(--_mfa-color-primary);
  }

  :focus-visible {
    outline: 2px solid var(--_mfa-color-focus);
    outline-offset: 2px;
  }

  .hint {
    margin-block: calc(var(--_mfa-spacing) / 2) 0;
    color: var(--_mfa-color-text-muted);
    font-size: 0.875em;
  }

  .error {
    margin-block: calc(var(--_mfa-spacing) / 2) 0;
    color: var(--_mfa-color-danger);
    font-size: 0.875em;
    font-weight: 600;
  }
  .error:empty {
    display: none;
  }

  .status {
    margin-block: var(--_mfa-spacing) 0;
    color: var(--_mfa-color-text-muted);
  }
  .status.success {
    color: var(--_mfa-color-success);
  }

  .visually-hidden {
    position: absolute;
    inline-size: 1px;
    block-size: 1px;
    overflow: hidden;
    clip-path: inset(50%);
    white-space: nowrap;
  }

  @media (prefers-reduced-motion: reduce) {
    *,
    *::before,
    *::after {
      animation-duration: 0.01ms !important;
      animation-iteration-count: 1 !important;
      transition-duration: 0.01ms !important;
      scroll-behavior: auto !important;
    }
  }

  /* Forced colours (last, so it wins): the system palette replaces ours; buttons take the
     system's button colours, links its link colour, and every boundary and focus stays visible. */
  @media (forced-colors: active) {
    :host {
      --_mfa-color-primary: LinkText;
      --_mfa-color-on-primary: ButtonText;
      --_mfa-color-text: CanvasText;
      --_mfa-color-text-muted: CanvasText;
      --_mfa-color-surface: Canvas;
      --_mfa-color-border: ButtonText;
      --_mfa-color-danger: CanvasText;
      --_mfa-color-success: CanvasText;
      --_mfa-color-focus: Highlight;
    }
    button,
    input {
      border: 1px solid ButtonText;
    }
    button {
      color: ButtonText;
      background: ButtonFace;
    }
    button.link {
      border-color: transparent;
      color: LinkText;
    }
    button:disabled,
    button[aria-disabled='true'] {
      border-color: GrayText;
      color: GrayText;
    }
    :focus-visible {
      outline-color: Highlight;
    }
  }
`;
