/**
 * The library's entry: every element, the relay client and the event classes.
 * Importing it defines the custom elements.
 * @module
 */
export * from './client/index.ts';
export * from './elements/shared/events.ts';
export { MfaSignin } from './elements/mfa-signin/mfa-signin.ts';
export { MfaEnroll } from './elements/mfa-enroll/mfa-enroll.ts';
export { MfaOtpInput } from './elements/mfa-otp-input/mfa-otp-input.ts';
export { MfaDevicePicker } from './elements/mfa-device-picker/mfa-device-picker.ts';
export { MfaMethodPicker } from './elements/mfa-method-picker/mfa-method-picker.ts';
export type { MessageOverrides, Messages } from './i18n/index.ts';
