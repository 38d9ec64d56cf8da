/**
 * MFA policies (PingOne "device authentication policies"), FIDO2 policies and MFA settings:
 * their schemas, their seeded defaults, and the small derivations the engine needs.
 * @module
 */
import { z } from 'zod';

const timeUnit = z.enum(['MINUTES', 'SECONDS']);
const timeSpan = z.strictObject({ duration: z.number().int().min(0), timeUnit });
const failure = z.strictObject({ count: z.number().int().min(1).max(100), coolDown: timeSpan });

/** Out-of-band code lifetime: security-bar R-OOB-2 caps it at 10 minutes (PingOne allows 30). */
const MAX_OOB_LIFETIME_SECONDS = 600;
const lifeTime = timeSpan.refine(
  (span) => spanSeconds(span) >= 30 && spanSeconds(span) <= MAX_OOB_LIFETIME_SECONDS,
  { message: `otp.lifeTime must be between 30 seconds and ${MAX_OOB_LIFETIME_SECONDS} seconds` },
);

const offlineDevice = z.strictObject({
  enabled: z.boolean(),
  pairingDisabled: z.boolean().default(false),
  promptForNicknameOnPairing: z.boolean().default(false),
  otp: z.strictObject({
    lifeTime,
    failure,
    otpLength: z.number().int().min(6).max(10).default(6),
  }),
});

const totpMethod = z.strictObject({
  enabled: z.boolean(),
  pairingDisabled: z.boolean().default(false),
  promptForNicknameOnPairing: z.boolean().default(false),
  otp: z.strictObject({ failure }),
  /** Steps accepted on each side of the current one (PingOne: 1–10). */
  passcodeGracePeriod: z.number().int().min(1).max(10).default(1),
  uriParameters: z.record(z.string().min(1).max(64), z.string().max(256)).default({}),
});

const fido2Method = z.strictObject({
  enabled: z.boolean(),
  pairingDisabled: z.boolean().default(false),
  promptForNicknameOnPairing: z.boolean().default(false),
  fido2PolicyId: z.string().nullable().default(null),
  failure: z
    .strictObject({
      count: z.number().int().min(1).max(7),
      coolDown: z.strictObject({ duration: z.number().int().min(0), timeUnit }),
    })
    .optional(),
});

const oathTokenMethod = z.strictObject({
  enabled: z.boolean(),
  pairingDisabled: z.boolean().default(false),
  promptForNicknameOnPairing: z.boolean().default(false),
  otp: z.strictObject({ failure }),
  pairingKeyLifetime: z
    .strictObject({ duration: z.number().int().min(1), timeUnit: z.enum(['MINUTES', 'HOURS']) })
    .optional(),
});

/** Push devices are not offered by the engine; the object is kept because the schema requires it. */
const mobileMethod = z.looseObject({
  enabled: z.literal(false),
  otp: z.looseObject({ failure }).optional(),
});

export const deviceSelectionSchema = z.enum([
  'DEFAULT_TO_FIRST',
  'PROMPT_TO_SELECT',
  'ALWAYS_DISPLAY_DEVICES',
]);

export const mfaPolicySchema = z.strictObject({
  name: z.string().trim().min(1).max(256),
  default: z.boolean().default(false),
  authentication: z.strictObject({ deviceSelection: deviceSelectionSchema }),
  newDeviceNotification: z.enum(['NONE', 'EMAIL_THEN_SMS', 'SMS_THEN_EMAIL']).default('NONE'),
  ignoreUserLock: z.boolean().default(false),
  notificationsPolicy: z.strictObject({ id: z.string() }).optional(),
  sms: offlineDevice,
  voice: offlineDevice,
  email: offlineDevice,
  whatsApp: offlineDevice,
  totp: totpMethod,
  fido2: fido2Method,
  oathToken: oathTokenMethod,
  mobile: mobileMethod,
  rememberMe: z
    .strictObject({
      web: z.strictObject({
        enabled: z.boolean(),
        lifeTime: z
          .strictObject({
            duration: z.number().int().min(1),
            timeUnit: z.enum(['MINUTES', 'HOURS', 'DAYS']),
          })
          .refine((span) => rememberSeconds(span) >= 3600 && rememberSeconds(span) <= 90 * 86400, {
            message: 'rememberMe.web.lifeTime must be between 1 hour and 90 days',
          })
          .optional(),
      }),
    })
    .optional(),
});

export type MfaPolicy = z.infer<typeof mfaPolicySchema>;
export type OfflineMethod = z.infer<typeof offlineDevice>;

/** Read-only members a client may echo back on PUT; they are dropped before validation. */
export const POLICY_READ_ONLY = [
  'id',
  'environment',
  '_links',
  'createdAt',
  'updatedAt',
  'forSignOnPolicy',
] as const;

const fiveMinutes = { duration: 5, timeUnit: 'MINUTES' } as const;
const otpFailure = { count: 5, coolDown: fiveMinutes };
const offlineDefaults = {
  enabled: true,
  pairingDisabled: false,
  promptForNicknameOnPairing: false,
  otp: { lifeTime: fiveMinutes, failure: otpFailure, otpLength: 6 },
};

/** Seeded default: security-bar.md §1 (5-minute codes, 6 digits, 5 failures then a 5-minute cool-down, ±1 TOTP step). */
export function defaultMfaPolicy(issuer: string): MfaPolicy {
  return {
    name: 'Default MFA Policy',
    default: true,
    authentication: { deviceSelection: 'DEFAULT_TO_FIRST' },
    newDeviceNotification: 'EMAIL_THEN_SMS',
    ignoreUserLock: false,
    sms: structuredClone(offlineDefaults),
    voice: structuredClone(offlineDefaults),
    email: structuredClone(offlineDefaults),
    whatsApp: structuredClone(offlineDefaults),
    totp: {
      enabled: true,
      pairingDisabled: false,
      promptForNicknameOnPairing: false,
      otp: { failure: otpFailure },
      passcodeGracePeriod: 1,
      uriParameters: { issuer },
    },
    fido2: {
      enabled: true,
      pairingDisabled: false,
      promptForNicknameOnPairing: false,
      fido2PolicyId: null,
      failure: { count: 5, coolDown: fiveMinutes },
    },
    oathToken: {
      enabled: true,
      pairingDisabled: false,
      promptForNicknameOnPairing: false,
      otp: { failure: otpFailure },
    },
    mobile: { enabled: false, otp: { failure: otpFailure } },
    rememberMe: { web: { enabled: true, lifeTime: { duration: 30, timeUnit: 'DAYS' } } },
  };
}

export function spanSeconds(span: { duration: number; timeUnit: 'MINUTES' | 'SECONDS' }): number {
  return span.timeUnit === 'MINUTES' ? span.duration * 60 : span.duration;
}

function rememberSeconds(span: {
  duration: number;
  timeUnit: 'MINUTES' | 'HOURS' | 'DAYS';
}): number {
  const unit = { MINUTES: 60, HOURS: 3600, DAYS: 86400 }[span.timeUnit];
  return span.duration * unit;
}

export function rememberLifetimeMs(policy: MfaPolicy): number {
  const lifeTime = policy.rememberMe?.web.lifeTime ?? { duration: 30, timeUnit: 'DAYS' as const };
  return rememberSeconds(lifeTime) * 1000;
}

/** Device types the engine can pair and authenticate. */
export const DEVICE_TYPES = [
  'SMS',
  'VOICE',
  'EMAIL',
  'WHATSAPP',
  'TOTP',
  'FIDO2',
  'OATH_TOKEN',
] as const;
export type DeviceType = (typeof DEVICE_TYPES)[number];
export const OOB_TYPES = ['SMS', 'VOICE', 'EMAIL', 'WHATSAPP'] as const;
export type OobType = (typeof OOB_TYPES)[number];

export function isOob(type: DeviceType): type is OobType {
  return (OOB_TYPES as readonly string[]).includes(type);
}

export function oobMethod(policy: MfaPolicy, type: OobType): OfflineMethod {
  switch (type) {
    case 'SMS':
      return policy.sms;
    case 'VOICE':
      return policy.voice;
    case 'EMAIL':
      return policy.email;
    case 'WHATSAPP':
      return policy.whatsApp;
  }
}

/** Whether a method may authenticate (`enabled`) or pair (`enabled` and not `pairingDisabled`). */
export function methodOf(
  policy: MfaPolicy,
  type: DeviceType,
): { enabled: boolean; pairingDisabled: boolean; promptForNicknameOnPairing: boolean } {
  if (isOob(type)) return oobMethod(policy, type);
  if (type === 'TOTP') return policy.totp;
  if (type === 'FIDO2') return policy.fido2;
  return policy.oathToken;
}

/** Failure limit and cool-down (ms) for a device type under a policy. */
export function failureRule(
  policy: MfaPolicy,
  type: DeviceType,
): { count: number; coolDownMs: number } {
  const rule = isOob(type)
    ? oobMethod(policy, type).otp.failure
    : type === 'TOTP'
      ? policy.totp.otp.failure
      : type === 'OATH_TOKEN'
        ? policy.oathToken.otp.failure
        : (policy.fido2.failure ?? otpFailure);
  return { count: rule.count, coolDownMs: spanSeconds(rule.coolDown) * 1000 };
}

// ---------------------------------------------------------------------------------------------
// MFA settings

export const mfaSettingsSchema = z.strictObject({
  pairing: z.strictObject({
    maxAllowedDevices: z.number().int().min(1).max(15),
    pairingKeyFormat: z.enum(['NUMERIC', 'ALPHANUMERIC']),
  }),
  lockout: z
    .strictObject({
      failureCount: z.number().int().min(1).max(100),
      durationSeconds: z.number().int().min(0).max(86400).optional(),
    })
    .optional(),
  phoneExtensions: z.strictObject({ enabled: z.boolean() }).optional(),
  users: z.strictObject({ mfaEnabled: z.boolean() }).optional(),
  authentication: z
    .strictObject({ deviceSelection: z.enum(['DEFAULT_TO_FIRST', 'PROMPT_TO_SELECT']) })
    .optional(),
});

export type MfaSettings = z.infer<typeof mfaSettingsSchema>;
export const SETTINGS_READ_ONLY = ['environment', '_links', 'updatedAt'] as const;

/**
 * Account lockout counts consecutive failures across all of a user's devices; it is set above
 * the per-device limit (5) so spreading guesses over several devices still ends in a lock.
 */
export function defaultMfaSettings(): MfaSettings {
  return {
    pairing: { maxAllowedDevices: 5, pairingKeyFormat: 'NUMERIC' },
    lockout: { failureCount: 10, durationSeconds: 900 },
    phoneExtensions: { enabled: true },
    users: { mfaEnabled: true },
  };
}

// ---------------------------------------------------------------------------------------------
// FIDO2 policies

export interface Fido2Policy {
  name: string;
  description?: string;
  default: boolean;
  deviceDisplayName: string;
  relyingPartyId: string;
  attestationRequirements: 'NONE' | 'DIRECT' | 'ENTERPRISE';
  authenticatorAttachment: 'PLATFORM' | 'CROSS_PLATFORM' | 'BOTH';
  discoverableCredentials: 'DISCOURAGED' | 'PREFERRED' | 'REQUIRED';
  userVerification: {
    option: 'REQUIRED' | 'PREFERRED' | 'DISCOURAGED';
    enforceDuringAuthentication: boolean;
  };
  backupEligibility: { allow: boolean; enforceDuringAuthentication: boolean };
  userPresenceTimeout: { duration: number; timeUnit: 'MINUTES' | 'SECONDS' };
  userDisplayNameAttributes: { attributes: { name: string }[] };
  mdsAuthenticatorsRequirements: { option: 'NONE'; enforceDuringAuthentication: boolean };
  publicKeyCredentialHints: ('SECURITY_KEY' | 'CLIENT_DEVICE' | 'HYBRID')[];
}

/** The two out-of-the-box FIDO2 policies PingOne ships: "Passkeys" (default) and "Security Keys". */
export function defaultFido2Policies(relyingPartyId: string): Fido2Policy[] {
  const common = {
    relyingPartyId,
    attestationRequirements: 'NONE' as const,
    userPresenceTimeout: { duration: 5, timeUnit: 'MINUTES' as const },
    userDisplayNameAttributes: { attributes: [{ name: 'username' }] },
    mdsAuthenticatorsRequirements: { option: 'NONE' as const, enforceDuringAuthentication: false },
  };
  return [
    {
      ...common,
      name: 'Passkeys',
      description: 'Synced and device-bound passkeys, discoverable, with user verification.',
      default: true,
      deviceDisplayName: 'Passkey',
      authenticatorAttachment: 'BOTH',
      discoverableCredentials: 'REQUIRED',
      userVerification: { option: 'REQUIRED', enforceDuringAuthentication: true },
      backupEligibility: { allow: true, enforceDuringAuthentication: true },
      publicKeyCredentialHints: ['CLIENT_DEVICE', 'HYBRID', 'SECURITY_KEY'],
    },
    {
      ...common,
      name: 'Security Keys',
      description: 'Device-bound roaming authenticators.',
      default: false,
      deviceDisplayName: 'Security Key',
      authenticatorAttachment: 'CROSS_PLATFORM',
      discoverableCredentials: 'DISCOURAGED',
      userVerification: { option: 'DISCOURAGED', enforceDuringAuthentication: false },
      backupEligibility: { allow: false, enforceDuringAuthentication: true },
      publicKeyCredentialHints: ['SECURITY_KEY'],
    },
  ];
}
