/**
 * Constants of the relay's HTTP API that browser code needs at run time. Kept apart from the
 * schemas so that a browser bundle importing them does not pull in zod.
 * @module
 */

/** The header every state-changing request must carry (its value is `1`). */
export const CSRF_HEADER = 'X-MFA-CSRF';

/** Where the relay's API is mounted unless configured otherwise. */
export const DEFAULT_API_BASE = '/mfa/v1';

/** The device types the relay offers, with PingOne's names. */
export const DEVICE_TYPES = [
  'SMS',
  'VOICE',
  'EMAIL',
  'WHATSAPP',
  'TOTP',
  'FIDO2',
  'OATH_TOKEN',
] as const;
