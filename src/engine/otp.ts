/**
 * TOTP (RFC 6238) and HOTP (RFC 4226) checks on top of `otpauth`'s generator. Every candidate in
 * the window is computed and compared in constant time, and the caller gets the matched step or
 * counter back so it can persist it and reject replays (security-bar R-OTP-3, R-OTP-4, R-OTP-7).
 * @module
 */
import { HOTP, Secret } from 'otpauth';
import { safeEqual } from './crypto.ts';

export type OtpAlgorithm = 'SHA1' | 'SHA256' | 'SHA512';

export interface OtpSecret {
  /** Base32 seed. */
  secret: string;
  algorithm: OtpAlgorithm;
  digits: number;
}

export function hotp(spec: OtpSecret, counter: number): string {
  return HOTP.generate({
    secret: Secret.fromBase32(spec.secret),
    algorithm: spec.algorithm,
    digits: spec.digits,
    counter,
  });
}

/** The TOTP time step for a Unix time in ms (T0 = 0). Plain number arithmetic is exact well past 2038. */
export function timeStep(nowMs: number, periodSeconds: number): number {
  return Math.floor(nowMs / 1000 / periodSeconds);
}

/**
 * Returns the first counter in `[from, to]` whose code equals `code`, or undefined. All
 * candidates are compared, so the time taken does not reveal which one matched.
 */
export function matchCounter(
  spec: OtpSecret,
  code: string,
  from: number,
  to: number,
): number | undefined {
  let matched: number | undefined;
  for (let counter = Math.max(0, from); counter <= to; counter++) {
    if (safeEqual(hotp(spec, counter), code) && matched === undefined) matched = counter;
  }
  return matched;
}

/** Checks a TOTP code against the current step ± `window` steps; returns the matched step. */
export function matchTotp(
  spec: OtpSecret & { period: number },
  code: string,
  nowMs: number,
  window: number,
): number | undefined {
  const current = timeStep(nowMs, spec.period);
  return matchCounter(spec, code, current - window, current + window);
}

export function newTotpSecret(): string {
  // 20 bytes from a CSPRNG (R-OTP-1).
  return new Secret({ size: 20 }).base32;
}

/** The `otpauth://` URI authenticator apps scan. */
export function keyUri(params: {
  secret: string;
  label: string;
  issuer: string;
  extra?: Record<string, string>;
}): string {
  const label = params.issuer
    ? `${encodeURIComponent(params.issuer)}:${encodeURIComponent(params.label)}`
    : encodeURIComponent(params.label);
  const query = new URLSearchParams({
    secret: params.secret,
    ...(params.issuer ? { issuer: params.issuer } : {}),
    algorithm: 'SHA1',
    digits: '6',
    period: '30',
    ...params.extra,
  });
  // RFC 3986 escaping (`%20`), as the Key URI format asks: apps do not read form-encoding's `+` as a space.
  return `otpauth://totp/${label}?${query.toString().replace(/\+/g, '%20')}`;
}
