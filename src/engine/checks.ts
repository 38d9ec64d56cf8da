/**
 * Code and failure bookkeeping shared by device activation and device authentication:
 * lock and block guards, failure counters with cool-down, account lockout, and the TOTP / OATH
 * checks with replay protection. Callers run these inside one transaction.
 * @module
 */
import { unseal } from './crypto.ts';
import { iso, readSettings, type EngineContext } from './context.ts';
import { EngineError, invalidData } from './errors.ts';
import { requestLimited } from './http.ts';
import { failureRule, type DeviceType, type MfaPolicy } from './model/policy.ts';
import { matchCounter, timeStep, type OtpAlgorithm, type OtpSecret } from './otp.ts';
import type { DeviceRow, OathTokenRow, UserRow } from './store/rows.ts';

/** NIST SP 800-63B rev 4 §3.2.2: at 100 consecutive failures the authenticator is disabled. */
export const FAILURE_CEILING = 100;

/** OATH HOTP look-ahead during normal use, and the wider window that triggers a resync. */
export const HOTP_LOOKAHEAD = 10;
export const HOTP_RESYNC_WINDOW = 100;
/** TOTP hardware tokens: steps either side that may be recovered by a resync (10 minutes). */
export const TOTP_RESYNC_STEPS = 20;

export function isDeviceLocked(ctx: EngineContext, device: DeviceRow): boolean {
  return device.locked_until !== null && device.locked_until > ctx.now();
}

/** Refuses a check on a blocked or cooling-down device, before any code is looked at. */
export function assertDeviceUsable(ctx: EngineContext, device: DeviceRow): void {
  if (device.blocked_at !== null) {
    throw invalidData([
      { code: 'DEVICE_BLOCKED', target: 'device', message: 'The device is blocked.' },
    ]);
  }
  if (device.locked_until !== null && device.locked_until > ctx.now()) {
    throw lockedError('DEVICE_LOCKED', ctx, device.locked_until);
  }
}

export function assertUserNotLocked(ctx: EngineContext, user: UserRow, policy: MfaPolicy): void {
  if (policy.ignoreUserLock) return;
  if (user.locked_until !== null && user.locked_until > ctx.now()) {
    throw lockedError('USER_LOCKED', ctx, user.locked_until);
  }
}

function lockedError(code: string, ctx: EngineContext, until: number): EngineError {
  return requestLimited((until - ctx.now()) / 1000, {
    code,
    target: 'otp',
    message: 'Too many failed attempts. Try again later.',
    innerError: { lockExpiresAt: iso(until), attemptsRemaining: 0 },
  });
}

export interface FailureOutcome {
  attemptsRemaining: number;
  lockExpiresAt?: string;
  blocked: boolean;
}

/**
 * Counts a failed check against the device (policy `failure.count` → cool-down), against the
 * user (MFA settings `lockout`), and towards the failure ceiling. Returns what to tell the caller.
 */
export function recordFailure(
  ctx: EngineContext,
  device: DeviceRow,
  policy: MfaPolicy,
  options: { countForUser: boolean },
): FailureOutcome {
  const now = ctx.now();
  const rule = failureRule(policy, device.type as DeviceType);
  const failures = device.failures + 1;
  const total = device.total_failures + 1;
  const blocked = total >= FAILURE_CEILING;
  const locks = failures >= rule.count;
  const lockedUntil = locks && rule.coolDownMs > 0 ? now + rule.coolDownMs : null;
  ctx.db
    .prepare(
      `UPDATE devices SET failures = ?, total_failures = ?, locked_until = COALESCE(?, locked_until),
         blocked_at = CASE WHEN ? THEN ? ELSE blocked_at END, updated_at = ? WHERE id = ?`,
    )
    .run(locks ? 0 : failures, total, lockedUntil, blocked ? 1 : 0, now, now, device.id);
  if (locks) ctx.log({ event: 'device.locked', deviceId: device.id, userId: device.user_id });
  if (blocked) ctx.log({ event: 'device.disabled', deviceId: device.id, userId: device.user_id });

  if (options.countForUser) recordUserFailure(ctx, device.user_id);

  return {
    attemptsRemaining: locks ? 0 : rule.count - failures,
    ...(lockedUntil !== null ? { lockExpiresAt: iso(lockedUntil) } : {}),
    blocked,
  };
}

function recordUserFailure(ctx: EngineContext, userId: string): void {
  const lockout = readSettings(ctx).settings.lockout;
  if (!lockout) return;
  const now = ctx.now();
  const user = ctx.db.prepare('SELECT failures FROM users WHERE id = ?').get(userId) as
    { failures: number } | undefined;
  if (!user) return;
  const failures = user.failures + 1;
  const locks = failures >= lockout.failureCount && (lockout.durationSeconds ?? 0) > 0;
  ctx.db
    .prepare(
      'UPDATE users SET failures = ?, locked_until = CASE WHEN ? THEN ? ELSE locked_until END WHERE id = ?',
    )
    .run(locks ? 0 : failures, locks ? 1 : 0, now + (lockout.durationSeconds ?? 0) * 1000, userId);
  if (locks) ctx.log({ event: 'user.locked', userId });
}

/** A success clears the failure counters of the device and the user (R-RATE-3). */
export function recordSuccess(ctx: EngineContext, device: DeviceRow): void {
  const now = ctx.now();
  ctx.db
    .prepare(
      'UPDATE devices SET failures = 0, total_failures = 0, locked_until = NULL, updated_at = ? WHERE id = ?',
    )
    .run(now, device.id);
  ctx.db
    .prepare('UPDATE users SET failures = 0, locked_until = NULL WHERE id = ?')
    .run(device.user_id);
}

/** The PingOne answer to a wrong code: 400 `INVALID_DATA` with `attemptsRemaining`. */
export function wrongCodeError(outcome: FailureOutcome, code = 'INVALID_OTP'): EngineError {
  return invalidData([
    {
      code,
      target: 'otp',
      message:
        code === 'OTP_REPLAYED'
          ? 'The code was already used. Wait for a new code.'
          : 'Invalid one-time passcode.',
      innerError: {
        attemptsRemaining: outcome.attemptsRemaining,
        ...(outcome.lockExpiresAt ? { lockExpiresAt: outcome.lockExpiresAt } : {}),
      },
    },
  ]);
}

export const codeExpiredError = (): EngineError =>
  invalidData([
    {
      code: 'OTP_EXPIRED',
      target: 'otp',
      message: 'The code has expired or was used up. Request a new code.',
    },
  ]);

// ---------------------------------------------------------------------------------------------
// Seed-based devices (TOTP apps and OATH tokens)

export interface SeedSpec extends OtpSecret {
  kind: 'HOTP' | 'TOTP';
  period: number;
}

/** The seed behind a TOTP or OATH_TOKEN device, unsealed. */
export function seedOf(ctx: EngineContext, device: DeviceRow): SeedSpec {
  if (device.type === 'TOTP') {
    if (!device.secret) throw new EngineError(500, 'UNEXPECTED_ERROR');
    return {
      kind: 'TOTP',
      secret: unseal(ctx.keys, device.secret, `device:${device.id}`),
      algorithm: 'SHA1',
      digits: 6,
      period: 30,
    };
  }
  const token = ctx.db
    .prepare('SELECT * FROM oath_tokens WHERE serial = ?')
    .get(device.oath_serial) as OathTokenRow | undefined;
  if (!token) throw new EngineError(500, 'UNEXPECTED_ERROR');
  return {
    kind: token.kind,
    secret: unseal(ctx.keys, token.secret, `oath:${token.serial}`),
    algorithm: token.algorithm as OtpAlgorithm,
    digits: token.digits,
    period: token.period,
  };
}

export type SeedCheck =
  | { result: 'match'; step: number }
  | { result: 'replay' }
  | { result: 'resync'; step: number }
  | { result: 'wrong' };

/**
 * Checks a code against a seed. TOTP: the current step (corrected by any learned drift) ± the
 * window; HOTP: the next `HOTP_LOOKAHEAD` counters. A step at or below the last accepted one is
 * a replay (R-OTP-4). With `resyncWindow`, a code found only in the wider window asks for a resync.
 */
export function checkSeed(
  ctx: EngineContext,
  device: DeviceRow,
  spec: SeedSpec,
  code: string,
  options: { window: number; resyncWindow?: boolean },
): SeedCheck {
  if (code.length !== spec.digits) return { result: 'wrong' };
  const last = device.last_step ?? -1;
  let from: number;
  let to: number;
  let wideFrom: number;
  let wideTo: number;
  if (spec.kind === 'TOTP') {
    const current = timeStep(ctx.now(), spec.period) + device.drift_steps;
    [from, to] = [current - options.window, current + options.window];
    [wideFrom, wideTo] = [current - TOTP_RESYNC_STEPS, current + TOTP_RESYNC_STEPS];
  } else {
    const next = last + 1;
    [from, to] = [next, next + HOTP_LOOKAHEAD - 1];
    [wideFrom, wideTo] = [next, next + HOTP_RESYNC_WINDOW - 1];
  }
  const step = matchCounter(spec, code, from, to);
  if (step !== undefined) return step <= last ? { result: 'replay' } : { result: 'match', step };
  if (options.resyncWindow) {
    const wide = matchCounter(spec, code, wideFrom, wideTo);
    if (wide !== undefined && wide > last) return { result: 'resync', step: wide };
  }
  return { result: 'wrong' };
}
