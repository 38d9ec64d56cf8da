/**
 * The parts of PingOne's MFA policy the relay and the widget need, read once a minute.
 * @module
 */
import type { MfaPolicy, PingOneClient } from '../pingone/index.ts';
import { DEVICE_TYPES, type DeviceType, type PolicyView } from '../protocol/index.ts';

const POLICY_KEYS: Record<DeviceType, string> = {
  SMS: 'sms',
  VOICE: 'voice',
  EMAIL: 'email',
  WHATSAPP: 'whatsApp',
  TOTP: 'totp',
  FIDO2: 'fido2',
  OATH_TOKEN: 'oathToken',
};

type Json = Record<string, unknown>;
const isRecord = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const member = (value: unknown, key: string): unknown => (isRecord(value) ? value[key] : undefined);

export interface PolicyInfo {
  id: string;
  view: PolicyView;
  /** Allowed OTP lengths by device type. */
  otpLengths(type: string): number[];
  /** Seconds a remembered browser lasts, when the policy allows it. */
  rememberSeconds: number | undefined;
}

const UNIT_SECONDS: Record<string, number> = { MINUTES: 60, HOURS: 3600, DAYS: 86_400 };

export function describePolicy(policy: MfaPolicy, deviceLimit?: number): PolicyInfo {
  const raw = policy.raw;
  const methods = DEVICE_TYPES.filter((type) => {
    const method = member(raw, POLICY_KEYS[type]);
    return member(method, 'enabled') === true && member(method, 'pairingDisabled') !== true;
  });
  const otpLength: Record<string, number> = {};
  for (const type of ['SMS', 'VOICE', 'EMAIL', 'WHATSAPP'] as const) {
    const length = member(member(member(raw, POLICY_KEYS[type]), 'otp'), 'otpLength');
    otpLength[type] = typeof length === 'number' ? length : 6;
  }
  otpLength.TOTP = 6;
  otpLength.OATH_TOKEN = 6;
  const web = member(member(raw, 'rememberMe'), 'web');
  const lifeTime = member(web, 'lifeTime');
  const duration = member(lifeTime, 'duration');
  const unit = member(lifeTime, 'timeUnit');
  const rememberSeconds =
    member(web, 'enabled') === true
      ? typeof duration === 'number' && typeof unit === 'string' && UNIT_SECONDS[unit]
        ? duration * UNIT_SECONDS[unit]
        : 30 * 86_400
      : undefined;
  return {
    id: policy.id,
    view: {
      methods: [...methods],
      otpLength,
      rememberBrowser: rememberSeconds !== undefined,
      ...(deviceLimit !== undefined ? { deviceLimit } : {}),
    },
    // Hardware tokens come with 6 or 8 digits.
    otpLengths: (type) => (type === 'OATH_TOKEN' ? [6, 8] : [otpLength[type] ?? 6]),
    rememberSeconds,
  };
}

/** Reads the configured (or the default) MFA policy and the device limit, cached for `ttlMs`. */
export function policyReader(
  pingone: PingOneClient,
  policyId: string | undefined,
  now: () => number,
  ttlMs = 60_000,
): () => Promise<PolicyInfo> {
  let cached: { at: number; info: PolicyInfo } | undefined;
  let pending: Promise<PolicyInfo> | undefined;
  const load = async (): Promise<PolicyInfo> => {
    const policy =
      policyId !== undefined
        ? await pingone.getPolicy(policyId)
        : (await pingone.listPolicies()).find((candidate) => candidate.default === true);
    if (!policy) throw new Error('No default MFA policy upstream.');
    const settings = await pingone.getMfaSettings();
    return describePolicy(policy, settings.devices?.limit);
  };
  return async () => {
    if (cached && now() - cached.at < ttlMs) return cached.info;
    pending ??= load()
      .then((info) => {
        cached = { at: now(), info };
        return info;
      })
      .finally(() => {
        pending = undefined;
      });
    return pending;
  };
}
