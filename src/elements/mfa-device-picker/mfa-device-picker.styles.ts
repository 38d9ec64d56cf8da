import { css } from 'lit';

/** The list of choices; shared with `<mfa-method-picker>`. */
export const pickerStyles = css`
  ul {
    display: grid;
    gap: var(--_mfa-spacing);
    margin: 0;
    padding: 0;
    list-style: none;
  }

  button {
    display: flex;
    align-items: flex-start;
    justify-content: flex-start;
    gap: calc(var(--_mfa-spacing) * 1.5);
    inline-size: 100%;
    padding: calc(var(--_mfa-spacing) * 1.5);
    border: 1px solid var(--_mfa-color-border);
    color: var(--_mfa-color-text);
    background: var(--_mfa-color-surface);
    font-weight: inherit;
    text-align: start;
  }
  button:hover:not(:disabled, [aria-disabled='true']) {
    border-color: var(--_mfa-color-primary);
    box-shadow: inset 0 0 0 1px var(--_mfa-color-primary);
  }

  /* A locked device stays fully legible: the "Locked until" line is what the person needs. */
  button[aria-disabled='true'] {
    border-style: dashed;
    opacity: 1;
  }
  button[aria-disabled='true'] .icon,
  button[aria-disabled='true'] .name {
    color: var(--_mfa-color-text-muted);
  }

  .icon {
    flex: none;
    color: var(--_mfa-color-primary);
  }
  .text {
    display: grid;
    gap: calc(var(--_mfa-spacing) / 4);
    min-inline-size: 0;
  }
  .name {
    font-weight: 600;
  }
  .detail {
    color: var(--_mfa-color-text-muted);
    font-size: 0.875em;
    overflow-wrap: anywhere;
  }
  .locked {
    color: var(--_mfa-color-danger);
    font-size: 0.875em;
  }

  .badge {
    display: inline-block;
    margin-inline-start: var(--_mfa-spacing);
    padding-inline: calc(var(--_mfa-spacing) * 0.75);
    border: 1px solid currentColor;
    border-radius: 999px;
    color: var(--_mfa-color-primary);
    font-size: 0.75em;
    font-weight: 600;
    vertical-align: middle;
  }
  .badge.weaker {
    color: var(--_mfa-color-danger);
  }
`;
