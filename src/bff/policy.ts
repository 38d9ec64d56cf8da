/**
 * The parts of PingOne's MFA policy the relay and the widget need, read once a minute.
 * @module
 */
import type { MfaPolicy, PingOneClient } from '../pingone/index.ts';
import { DEVICE_TYPES, type PolicyView } from '../protocol/index.ts';

export interface PolicyInfo {
  id: string;
  view: PolicyView;
  /** Allowed OTP lengths by device type. */
  otpLengths(type: string): number[];
  /** Seconds a remembered browser lasts, when the policy allows it. */
  rememberSeconds: number | undefined;
}

/** Device types the upstream sends a one-time code to. */
export const SENDS_CODES: readonly string[] = ['SMS', 'VOICE', 'EMAIL', 'WHATSAPP'];

export function describePolicy(policy: MfaPolicy, deviceLimit?: number): PolicyInfo {
  const methods = DEVICE_TYPES.filter((type) => {
    const method = policy.methods[type];
    return method?.enabled === true && !method.pairingDisabled;
  });
  const otpLength: Record<string, number> = { TOTP: 6, OATH_TOKEN: 6 };
  for (const type of SENDS_CODES) otpLength[type] = policy.methods[type]?.otpLength ?? 6;
  const rememberSeconds = policy.rememberBrowserSeconds;
  return {
    id: policy.id,
    view: {
      methods: [...methods],
      otpLength,
      rememberBrowser: rememberSeconds !== undefined,
      nicknamePrompt: methods.filter((type) => policy.methods[type]?.promptForNickname === true),
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
