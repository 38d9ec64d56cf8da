import { css } from 'lit';

/** Layout shared by the flow elements (`<mfa-signin>`, `<mfa-enroll>`). */
export const flowStyles = css`
  /* Headings take focus only so that screen readers announce a new step; they are not controls. */
  h2:focus,
  h2:focus-visible {
    outline: none;
  }
  .base {
    display: flex;
    flex-direction: column;
    gap: calc(var(--_mfa-spacing) * 2);
  }
  .base > h2,
  .base p {
    margin: 0;
  }
  .body,
  form {
    display: flex;
    flex-direction: column;
    gap: calc(var(--_mfa-spacing) * 2);
  }
  .intro {
    color: var(--_mfa-color-text-muted);
  }
  .actions {
    display: flex;
    flex-wrap: wrap;
    gap: var(--_mfa-spacing);
    /* Link buttons keep their touch-target padding; line their text up with the content. */
    margin-inline-start: calc(var(--_mfa-spacing) / -2);
  }
  .actions:empty {
    display: none;
  }
  button.primary {
    align-self: stretch;
  }
  label.check {
    display: flex;
    align-items: center;
    gap: var(--_mfa-spacing);
    font-weight: inherit;
    cursor: pointer;
  }
  label.check input {
    inline-size: 1.25rem;
    min-block-size: 1.25rem;
    block-size: 1.25rem;
    margin: 0;
    accent-color: var(--_mfa-color-primary);
  }
  .spinner {
    inline-size: 1.5rem;
    block-size: 1.5rem;
    border: 3px solid var(--_mfa-color-border);
    border-block-start-color: var(--_mfa-color-primary);
    border-radius: 50%;
    animation: mfa-spin 0.9s linear infinite;
  }
  @keyframes mfa-spin {
    to {
      transform: rotate(1turn);
    }
  }
`;
