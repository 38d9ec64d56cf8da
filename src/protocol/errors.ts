/**
 * Stable error codes of the relay's HTTP API. Clients branch on `code`, never on `message`.
 * @module
 */

/** Every error code with the HTTP status it is answered with. */
export const ERROR_STATUS = {
  BAD_REQUEST: 400,
  INVALID_JSON: 400,
  OTP_FORMAT: 400,
  OTP_INVALID: 400,
  OTP_EXPIRED: 400,
  OTP_REPLAYED: 400,
  OATH_RESYNC_REQUIRED: 400,
  PHONE_INVALID: 400,
  EMAIL_INVALID: 400,
  CREDENTIAL_INVALID: 400,
  DEVICE_LIMIT: 400,
  DELIVERY_FAILED: 400,
  SESSION_REQUIRED: 401,
  TICKET_INVALID: 401,
  TICKET_EXPIRED: 401,
  TICKET_REPLAYED: 401,
  REAUTH_REQUIRED: 401,
  CSRF_REJECTED: 403,
  ORIGIN_FORBIDDEN: 403,
  PURPOSE_FORBIDDEN: 403,
  FACTOR_NOT_ALLOWED: 403,
  NOT_FOUND: 404,
  DEVICE_NOT_FOUND: 404,
  AUTHENTICATION_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  INVALID_STATE: 409,
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  AUTHENTICATOR_LOCKED: 429,
  RATE_LIMITED: 429,
  RESEND_TOO_SOON: 429,
  INTERNAL: 500,
  UPSTREAM_UNAVAILABLE: 502,
  UPSTREAM_TIMEOUT: 504,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** Generic, user-safe messages; never upstream text. */
export const ERROR_MESSAGES: Record<ErrorCode, string> = {
  BAD_REQUEST: 'The request is not valid.',
  INVALID_JSON: 'The request body is not valid JSON.',
  OTP_FORMAT: 'The code must be made of digits only and have the expected length.',
  OTP_INVALID: 'The code is not correct.',
  OTP_EXPIRED: 'The code has expired. Ask for a new one.',
  OTP_REPLAYED: 'This code was already used. Wait for the next one.',
  OATH_RESYNC_REQUIRED: 'The token is out of sync. Enter the next code it shows.',
  PHONE_INVALID: 'The phone number is not valid.',
  EMAIL_INVALID: 'The email address is not valid.',
  CREDENTIAL_INVALID: 'The security key or passkey response was not accepted.',
  DEVICE_LIMIT: 'The maximum number of devices is reached.',
  DELIVERY_FAILED: 'The message could not be delivered.',
  SESSION_REQUIRED: 'There is no valid session. Start again.',
  TICKET_INVALID: 'The ticket is not valid.',
  TICKET_EXPIRED: 'The ticket has expired.',
  TICKET_REPLAYED: 'The ticket was already used.',
  REAUTH_REQUIRED: 'Confirm it is you with a second factor first.',
  CSRF_REJECTED: 'The request is missing its anti-forgery header.',
  ORIGIN_FORBIDDEN: 'Requests from this origin are not allowed.',
  PURPOSE_FORBIDDEN: 'This session may not do that.',
  FACTOR_NOT_ALLOWED: 'This method is not allowed.',
  NOT_FOUND: 'Not found.',
  DEVICE_NOT_FOUND: 'The device does not exist.',
  AUTHENTICATION_NOT_FOUND: 'The authentication does not exist.',
  METHOD_NOT_ALLOWED: 'The method is not allowed on this resource.',
  INVALID_STATE: 'That step is not possible now.',
  BODY_TOO_LARGE: 'The request body is too large.',
  UNSUPPORTED_MEDIA_TYPE: 'The request must be sent as application/json.',
  AUTHENTICATOR_LOCKED: 'Too many wrong codes. Try again later.',
  RATE_LIMITED: 'Too many requests. Try again later.',
  RESEND_TOO_SOON: 'Wait a little before asking for another code.',
  INTERNAL: 'Something went wrong.',
  UPSTREAM_UNAVAILABLE: 'The MFA service is unavailable. Try again later.',
  UPSTREAM_TIMEOUT: 'The MFA service did not answer in time. Try again later.',
};

/** The body of every error answer. */
export interface ErrorBody {
  error: {
    code: ErrorCode;
    message: string;
    /** The request field at fault, as a dotted path. */
    field?: string;
    attemptsRemaining?: number;
    retryAfterSeconds?: number;
    /** ISO time at which a locked authenticator opens again. */
    lockedUntil?: string;
  };
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_STATUS, value);
}
