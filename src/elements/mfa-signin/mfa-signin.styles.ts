import { css } from 'lit';
import { flowStyles } from '../shared/flow.styles.ts';

export const signinStyles = [
  flowStyles,
  css`
    mfa-device-picker {
      display: block;
    }
  `,
];
