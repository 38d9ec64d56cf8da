import { css } from 'lit';

export const otpInputStyles = css`
  input {
    /* The width follows the code length (set on the input as --_mfa-otp-length). */
    inline-size: calc(var(--_mfa-otp-length, 6) * (1ch + 0.3em) + var(--_mfa-spacing) * 3 + 2px);
    max-inline-size: 100%;
    padding-inline: calc(var(--_mfa-spacing) * 1.5);
    font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, 'Liberation Mono', monospace;
    font-size: 1.5em;
    font-variant-numeric: tabular-nums;
    letter-spacing: 0.3em;
    text-align: start;
  }
`;
