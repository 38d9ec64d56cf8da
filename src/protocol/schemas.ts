/**
 * Request and response schemas of the relay's HTTP API (`/mfa/v1`). Requests are strict: an
 * unknown field is an error. Device types and authentication statuses keep PingOne's names.
 * @module
 */
import { z } from 'zod';

import { DEVICE_TYPES } from './http.ts';

export const deviceType = z.enum(DEVICE_TYPES);
export type DeviceType = z.infer<typeof deviceType>;

export const AUTHENTICATION_STATUSES = [
  'DEVICE_SELECTION_REQUIRED',
  'OTP_REQUIRED',
  'ASSERTION_REQUIRED',
  'PUSH_CONFIRMATION_REQUIRED',
  'PUSH_CONFIRMATION_TIMED_OUT',
  'COMPLETED',
  'FAILED',
] as const;
export const authenticationStatus = z.enum(AUTHENTICATION_STATUSES);
export type AuthenticationStatus = z.infer<typeof authenticationStatus>;

export const compatibility = z.enum(['FULL', 'SECURITY_KEY_ONLY', 'NONE']);
export type Compatibility = z.infer<typeof compatibility>;

export const purpose = z.enum(['signin', 'enroll', 'manage']);
export type Purpose = z.infer<typeof purpose>;

/** Text a person typed: no control characters (so no CR/LF can reach a header or a log line). */
const plainText = (max: number) =>
  z
    .string()
    // Checked before trimming: a CR or LF anywhere is refused, not quietly removed.
    .regex(/^[^\p{Cc}\p{Cf}\p{Zl}\p{Zp}]*$/u, { message: 'must not contain control characters' })
    .trim()
    .min(1)
    .max(max);

/** Upstream resource ids as they appear in our URLs. */
export const resourceId = z.string().regex(/^[A-Za-z0-9-]{1,64}$/, { message: 'is not an id' });

const base64url = z.string().regex(/^[A-Za-z0-9_-]*$/, { message: 'must be base64url' });

/**
 * A one-time code: ASCII digits only. The exact length depends on the device and is checked by the
 * route; here anything that is not a short digit string is refused before it reaches upstream.
 */
export const otp = z.string().regex(/^[0-9]{4,10}$/, { message: 'must be 4 to 10 ASCII digits' });

export const nickname = plainText(100);
export const phone = plainText(40);
export const email = z.email().max(254);
export const serialNumber = z
  .string()
  .regex(/^[A-Za-z0-9-]{1,64}$/, { message: 'must be letters, digits or dashes' });

// ---- WebAuthn credentials, as @simplewebauthn/browser returns them

const extensionResults = z.record(z.string(), z.unknown());
const attachment = z.enum(['platform', 'cross-platform']);
const transports = z.array(
  z.enum(['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb']),
);

export const registrationCredential = z
  .strictObject({
    id: base64url.min(1).max(1400),
    rawId: base64url.min(1).max(1400),
    type: z.literal('public-key'),
    response: z.strictObject({
      clientDataJSON: base64url.min(1).max(4096),
      attestationObject: base64url.min(1).max(48_000),
      authenticatorData: base64url.max(48_000).optional(),
      transports: transports.optional(),
      publicKeyAlgorithm: z.number().int().optional(),
      publicKey: base64url.max(4096).optional(),
    }),
    authenticatorAttachment: attachment.optional(),
    clientExtensionResults: extensionResults,
  })
  .refine((credential) => credential.id === credential.rawId, {
    message: 'id and rawId must be equal',
    path: ['rawId'],
  });
export type RegistrationCredential = z.infer<typeof registrationCredential>;

export const authenticationCredential = z
  .strictObject({
    id: base64url.min(1).max(1400),
    rawId: base64url.min(1).max(1400),
    type: z.literal('public-key'),
    response: z.strictObject({
      clientDataJSON: base64url.min(1).max(4096),
      authenticatorData: base64url.min(1).max(4096),
      signature: base64url.min(1).max(1024),
      userHandle: base64url.max(1024).optional(),
    }),
    authenticatorAttachment: attachment.optional(),
    clientExtensionResults: extensionResults,
  })
  .refine((credential) => credential.id === credential.rawId, {
    message: 'id and rawId must be equal',
    path: ['rawId'],
  });
export type AuthenticationCredential = z.infer<typeof authenticationCredential>;

// ---- requests

export const sessionRequest = z.strictObject({ ticket: z.string().min(1).max(8192) });
export type SessionRequest = z.infer<typeof sessionRequest>;

export const startAuthenticationRequest = z.strictObject({
  compatibility: compatibility.optional(),
});
export type StartAuthenticationRequest = z.infer<typeof startAuthenticationRequest>;

export const selectDeviceRequest = z.strictObject({
  deviceId: resourceId,
  compatibility: compatibility.optional(),
});
export type SelectDeviceRequest = z.infer<typeof selectDeviceRequest>;

export const otpRequest = z.strictObject({ otp, remember: z.boolean().optional() });
export type OtpRequest = z.infer<typeof otpRequest>;

export const assertionRequest = z.strictObject({
  credential: authenticationCredential,
  remember: z.boolean().optional(),
});
export type AssertionRequest = z.infer<typeof assertionRequest>;

export const emptyRequest = z.strictObject({});

export const createDeviceRequest = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.enum(['SMS', 'WHATSAPP']),
    phone,
    nickname: nickname.optional(),
  }),
  z.strictObject({
    type: z.literal('VOICE'),
    phone,
    extension: z
      .string()
      .regex(/^[0-9]{1,10}$/, { message: 'must be 1 to 10 digits' })
      .optional(),
    nickname: nickname.optional(),
  }),
  z.strictObject({ type: z.literal('EMAIL'), email, nickname: nickname.optional() }),
  z.strictObject({ type: z.literal('TOTP'), nickname: nickname.optional() }),
  z.strictObject({ type: z.literal('FIDO2'), nickname: nickname.optional() }),
  z.strictObject({ type: z.literal('OATH_TOKEN'), serialNumber, nickname: nickname.optional() }),
]);
export type CreateDeviceRequest = z.infer<typeof createDeviceRequest>;

export const activationRequest = z.union([
  z.strictObject({ otp, oathResync: z.boolean().optional() }),
  z.strictObject({ credential: registrationCredential }),
]);
export type ActivationRequest = z.infer<typeof activationRequest>;

export const renameRequest = z.strictObject({ nickname });
export type RenameRequest = z.infer<typeof renameRequest>;

export const orderRequest = z.strictObject({
  order: z.array(resourceId).min(1).max(32),
});
export type OrderRequest = z.infer<typeof orderRequest>;

// ---- responses

export const deviceView = z.strictObject({
  id: z.string(),
  type: z.string(),
  status: z.string(),
  nickname: z.string().optional(),
  /** Masked phone number or email address. */
  target: z.string().optional(),
  serialNumber: z.string().optional(),
  lockedUntil: z.string().optional(),
  createdAt: z.string().optional(),
});
export type DeviceView = z.infer<typeof deviceView>;

export const sessionView = z.strictObject({
  purpose,
  /** Whether the user has at least one active device. */
  enrolled: z.boolean(),
  /** When MFA was last completed in this session (ISO), if it was. */
  mfaCompletedAt: z.string().optional(),
  /** Until when changes to devices are allowed without another MFA (ISO), if they are. */
  stepUpUntil: z.string().optional(),
  expiresAt: z.string(),
});
export type SessionView = z.infer<typeof sessionView>;

export const policyView = z.strictObject({
  /** Methods the policy lets a user enroll and use. */
  methods: z.array(deviceType),
  /** OTP length by device type. */
  otpLength: z.record(z.string(), z.number()),
  rememberBrowser: z.boolean(),
  /** Methods for which the widget asks for a nickname when a device is added. */
  nicknamePrompt: z.array(deviceType),
  deviceLimit: z.number().optional(),
});
export type PolicyView = z.infer<typeof policyView>;

const webauthnOptions = z.record(z.string(), z.unknown());

export const authenticationView = z.strictObject({
  id: z.string(),
  status: authenticationStatus,
  devices: z.array(deviceView),
  selectedDeviceId: z.string().optional(),
  /** `PublicKeyCredentialRequestOptionsJSON` for `@simplewebauthn/browser`. */
  publicKeyOptions: webauthnOptions.optional(),
  /** The longest code the selected device takes, while `status` is `OTP_REQUIRED`. */
  otpLength: z.number().int().optional(),
  /** The signed result token, once `status` is `COMPLETED`. */
  result: z.string().optional(),
  /** Why the authentication failed, when `status` is `FAILED`. */
  failure: z.string().optional(),
  rememberBrowser: z.boolean(),
});
export type AuthenticationView = z.infer<typeof authenticationView>;

export const createdDeviceView = z.strictObject({
  device: deviceView,
  /** TOTP only: the Base32 secret and its `otpauth://` URI, shown once. */
  secret: z.string().optional(),
  keyUri: z.string().optional(),
  /** FIDO2 only: `PublicKeyCredentialCreationOptionsJSON` for `@simplewebauthn/browser`. */
  publicKeyOptions: webauthnOptions.optional(),
});
export type CreatedDeviceView = z.infer<typeof createdDeviceView>;

export const activationView = z.strictObject({
  device: deviceView,
  /** A signed result: activating a device proves possession of it. */
  result: z.string().optional(),
});
export type ActivationView = z.infer<typeof activationView>;

export const devicesView = z.strictObject({ devices: z.array(deviceView), policy: policyView });
export type DevicesView = z.infer<typeof devicesView>;

export const errorBody = z.strictObject({
  error: z.strictObject({
    code: z.string(),
    message: z.string(),
    field: z.string().optional(),
    attemptsRemaining: z.number().optional(),
    retryAfterSeconds: z.number().optional(),
    lockedUntil: z.string().optional(),
  }),
});
