import { css } from 'lit';
import { pickerStyles } from '../mfa-device-picker/mfa-device-picker.styles.ts';

export const methodPickerStyles = [
  pickerStyles,
  css`
    .description {
      color: var(--_mfa-color-text-muted);
      font-size: 0.875em;
    }
  `,
];
