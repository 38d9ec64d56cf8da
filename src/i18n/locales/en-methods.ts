/**
 * English, part of the reference catalog (see `en.ts`): what `<mfa-method-picker>` and `<mfa-qr>`
 * show — the methods' descriptions and badges, and the QR code's label.
 * @module
 */
export const enMethods = {
  'method.description.SMS': 'We text a code to your phone.',
  'method.description.VOICE': 'We call your phone and read out a code.',
  'method.description.EMAIL': 'We email you a code. Less secure than the other methods.',
  'method.description.WHATSAPP': 'We send a code to your WhatsApp.',
  'method.description.TOTP': 'Codes from an app such as 1Password, Authy or Google Authenticator.',
  'method.description.FIDO2': 'Your fingerprint, face, screen lock or a hardware key.',
  'method.description.OATH_TOKEN': 'A token with a serial number that shows codes.',
  'method.weaker': 'Less secure',
  'method.recommended': 'Recommended',
  'qr.label': 'QR code to scan with your authenticator app',
  'qr.failed': 'The QR code could not be drawn. Enter the key by hand instead.',
  'methodPicker.label': 'Verification methods you can add',
} as const;
