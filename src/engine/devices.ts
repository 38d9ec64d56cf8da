/**
 * MFA devices under `/v1/environments/{envID}/users/{userID}/devices`: create each type,
 * activate (`device.activate+json`), resend the pairing code, block, unblock, unlock, nickname,
 * order, read and delete. Where PingOne and the security bar differ, the stricter rule wins and
 * a comment says so.
 * @module
 */
import { generateRegistrationOptions, verifyRegistrationResponse } from '@simplewebauthn/server';
import type { Context } from 'hono';
import { Hono } from 'hono';
import { z } from 'zod';
import {
  assertDeviceUsable,
  checkSeed,
  codeExpiredError,
  isDeviceLocked,
  recordFailure,
  recordSuccess,
  seedOf,
  TOTP_RESYNC_STEPS,
  wrongCodeError,
} from './checks.ts';
import {
  apiUrl,
  deliver,
  getUser,
  iso,
  newId,
  readSettings,
  resolveFido2Policy,
  resolveMfaPolicy,
  storedMfaPolicy,
  type EngineContext,
  type ResolvedPolicy,
} from './context.ts';
import { codeMatches, hashCode, randomDigits, seal } from './crypto.ts';
import { EngineError, invalidData, invalidState, invalidValue, notFound } from './errors.ts';
import { emailSchema, idRef, nicknameSchema, otpSchema, phoneSchema } from './fields.ts';
import { MEDIA, links, parseWith, readBody, readJsonObject, requireMediaType } from './http.ts';
import {
  isOob,
  methodOf,
  oobMethod,
  spanSeconds,
  type DeviceType,
  type MfaPolicy,
  type OobType,
} from './model/policy.ts';
import { keyUri, matchCounter, newTotpSecret, timeStep } from './otp.ts';
import { createRememberedDevice, rememberSchema } from './remember.ts';
import { transaction } from './store/db.ts';
import type { DeviceRow, OathTokenRow, UserRow } from './store/rows.ts';
import { encodeCreationOptions, parseAttestation, requireAllowedOrigin } from './webauthn.ts';

/** "The password expires after 30 minutes" (PingOne, TOTP pairing). */
const TOTP_PAIRING_MS = 30 * 60_000;
/** Time to finish an OATH token pairing. */
const OATH_PAIRING_MS = 30 * 60_000;

const common = {
  policy: idRef.optional(),
  nickname: nicknameSchema.optional(),
  /** Write-only custom pairing notification; the engine uses its own text. */
  notification: z.looseObject({}).optional(),
};

const deviceStatus = z.enum(['ACTIVE', 'ACTIVATION_REQUIRED']);

const createDeviceSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('SMS'),
    phone: phoneSchema,
    status: deviceStatus.optional(),
    ...common,
  }),
  z.strictObject({
    type: z.literal('WHATSAPP'),
    phone: phoneSchema,
    status: deviceStatus.optional(),
    ...common,
  }),
  z.strictObject({
    type: z.literal('VOICE'),
    phone: phoneSchema,
    extension: z
      .string()
      .regex(/^[0-9#*,wp]{1,16}$/, { message: 'extension may hold digits, #, *, comma, w and p' })
      .optional(),
    status: deviceStatus.optional(),
    ...common,
  }),
  z.strictObject({
    type: z.literal('EMAIL'),
    email: emailSchema,
    status: deviceStatus.optional(),
    ...common,
  }),
  z.strictObject({
    type: z.literal('TOTP'),
    // A TOTP device always proves possession with a first code.
    status: z.literal('ACTIVATION_REQUIRED').optional(),
    ...common,
  }),
  z.strictObject({
    type: z.literal('FIDO2'),
    rp: z
      .strictObject({ id: z.string().min(1).max(253), name: z.string().min(1).max(100).optional() })
      .optional(),
    status: z.literal('ACTIVATION_REQUIRED').optional(),
    ...common,
  }),
  z.strictObject({
    type: z.literal('OATH_TOKEN'),
    serialNumber: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[A-Za-z0-9-]+$/),
    status: z.literal('ACTIVATION_REQUIRED').optional(),
    ...common,
  }),
]);

type CreateDeviceInput = z.infer<typeof createDeviceSchema>;

const activateOtpSchema = z.strictObject({ otp: otpSchema, oathResync: z.boolean().optional() });
const activateFido2Schema = z.strictObject({
  origin: z.string().min(1).max(256),
  attestation: z.string().min(1).max(60_000),
});
const reorderSchema = z.strictObject({ order: z.array(idRef).min(1).max(50) });
const nicknameBody = z.strictObject({ nickname: nicknameSchema });

/** What the FIDO2 registration needs to remember between create and activate. */
interface PendingRegistration {
  challenge: string;
  expiresAt: number;
  rpId: string;
  requireUserVerification: boolean;
  allowBackup: boolean;
}

// ---------------------------------------------------------------------------------------------
// Representation

export function deviceResource(ctx: EngineContext, device: DeviceRow) {
  const self = apiUrl(ctx, `/users/${device.user_id}/devices/${device.id}`);
  const pending = device.status === 'ACTIVATION_REQUIRED';
  return {
    _links: links({
      self,
      user: apiUrl(ctx, `/users/${device.user_id}`),
      environment: apiUrl(ctx, ''),
      nickname: `${self}/nickname`,
      ...(pending ? { 'device.activate': self } : {}),
      ...(pending && isOob(device.type as DeviceType) ? { 'device.sendActivationCode': self } : {}),
    }),
    id: device.id,
    environment: { id: ctx.environmentId },
    user: { id: device.user_id },
    type: device.type,
    status: device.status,
    ...(device.nickname !== null ? { nickname: device.nickname } : {}),
    ...(device.phone !== null ? { phone: device.phone } : {}),
    ...(device.extension !== null ? { extension: device.extension } : {}),
    ...(device.email !== null ? { email: device.email } : {}),
    ...(device.oath_serial !== null ? { serialNumber: device.oath_serial } : {}),
    ...(device.type === 'FIDO2' && device.rp_id !== null
      ? {
          rp: { id: device.rp_id, name: ctx.relyingPartyName },
          ...(device.aaguid !== null ? { aaguid: device.aaguid } : {}),
          ...(device.backed_up !== null ? { backedUp: device.backed_up === 1 } : {}),
          ...(device.user_verified !== null ? { userVerified: device.user_verified === 1 } : {}),
        }
      : {}),
    block:
      device.blocked_at !== null
        ? { status: 'BLOCKED', blockedAt: iso(device.blocked_at) }
        : { status: 'UNBLOCKED' },
    ...(isDeviceLocked(ctx, device) && device.locked_until !== null
      ? { lock: { status: 'LOCKED', expiresAt: iso(device.locked_until) } }
      : {}),
    ...(device.policy_id !== null ? { policy: { id: device.policy_id } } : {}),
    createdAt: iso(device.created_at),
    updatedAt: iso(device.updated_at),
    ...(device.activated_at !== null ? { activatedAt: iso(device.activated_at) } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Queries

export function userDevices(ctx: EngineContext, userId: string): DeviceRow[] {
  return ctx.db
    .prepare('SELECT * FROM devices WHERE user_id = ? ORDER BY position, created_at, id')
    .all(userId) as DeviceRow[];
}

export function getDevice(ctx: EngineContext, userId: string, deviceId: string): DeviceRow {
  const device = ctx.db
    .prepare('SELECT * FROM devices WHERE id = ? AND user_id = ?')
    .get(deviceId, userId) as DeviceRow | undefined;
  if (!device) throw notFound();
  return device;
}

function reload(ctx: EngineContext, device: DeviceRow): DeviceRow {
  return getDevice(ctx, device.user_id, device.id);
}

// ---------------------------------------------------------------------------------------------
// Messages

const CHANNEL_TARGET: Record<OobType, (device: DeviceRow) => string | null> = {
  SMS: (device) => device.phone,
  VOICE: (device) => device.phone,
  WHATSAPP: (device) => device.phone,
  EMAIL: (device) => device.email,
};

export function codeMessage(
  type: OobType,
  code: string,
  minutes: number,
  purpose: 'pairing' | 'sign-in',
): string {
  const spoken = type === 'VOICE' ? code.split('').join(' ') : code;
  const what = purpose === 'pairing' ? 'to confirm your new device' : 'to sign in';
  return `Your verification code ${what} is ${spoken}. It expires in ${minutes} minute${minutes === 1 ? '' : 's'}. Never share it.`;
}

/** Generates, stores (hashed) and sends a fresh pairing code; the old one stops working. */
function sendPairingCode(ctx: EngineContext, device: DeviceRow, policy: MfaPolicy): void {
  const type = device.type as OobType;
  const method = oobMethod(policy, type);
  const lifeMs = spanSeconds(method.otp.lifeTime) * 1000;
  const code = randomDigits(method.otp.otpLength);
  const now = ctx.now();
  ctx.db
    .prepare(
      // Failures are not reset: a resend must not buy another round of guesses (R-RATE-4).
      'UPDATE devices SET activation_hash = ?, activation_expires_at = ?, last_sent_at = ?, updated_at = ? WHERE id = ?',
    )
    .run(hashCode(ctx.keys, `activate:${device.id}`, code), now + lifeMs, now, now, device.id);
  deliver(ctx, {
    channel: type,
    recipient: CHANNEL_TARGET[type](device) ?? '',
    text: codeMessage(type, code, Math.round(lifeMs / 60_000), 'pairing'),
  });
}

/** Tells the user, on an independent channel, that a device was added (R-SES-5). */
function notifyNewDevice(
  ctx: EngineContext,
  user: UserRow,
  device: DeviceRow,
  policy: MfaPolicy,
): void {
  if (policy.newDeviceNotification === 'NONE') return;
  const byEmail = user.email ? { channel: 'EMAIL' as const, recipient: user.email } : undefined;
  const bySms = user.mobile_phone
    ? { channel: 'SMS' as const, recipient: user.mobile_phone }
    : undefined;
  const target =
    policy.newDeviceNotification === 'EMAIL_THEN_SMS' ? (byEmail ?? bySms) : (bySms ?? byEmail);
  if (!target) return;
  try {
    deliver(ctx, {
      ...target,
      text: `A new ${device.type} sign-in method was added to your account. If this was not you, contact support now.`,
    });
  } catch (error) {
    // A failed notice must not undo the pairing the user just proved.
    ctx.log({ event: 'device.notification_failed', deviceId: device.id, reason: String(error) });
  }
}

// ---------------------------------------------------------------------------------------------
// Create

async function createDevice(
  ctx: EngineContext,
  user: UserRow,
  input: CreateDeviceInput,
): Promise<{ device: DeviceRow; extra: Record<string, unknown> }> {
  const resolved = resolveMfaPolicy(ctx, input.policy?.id);
  const { policy } = resolved;
  const method = methodOf(policy, input.type);
  if (!method.enabled || method.pairingDisabled) {
    throw invalidValue('type', `Pairing ${input.type} devices is not allowed by the MFA policy.`);
  }
  if (
    input.type === 'VOICE' &&
    input.extension &&
    !readSettings(ctx).settings.phoneExtensions?.enabled
  ) {
    throw invalidValue('extension', 'Phone extensions are not enabled.');
  }

  // FIDO2 options are built before the transaction (the generator is async), then stored inside it.
  const fido2 =
    input.type === 'FIDO2' ? await registrationOptions(ctx, user, resolved, input.rp) : undefined;

  return transaction(ctx.db, () => {
    const { settings } = readSettings(ctx);
    const { count } = ctx.db
      .prepare('SELECT COUNT(*) AS count FROM devices WHERE user_id = ?')
      .get(user.id) as { count: number };
    if (count >= settings.pairing.maxAllowedDevices) {
      throw new EngineError(400, 'LIMIT_EXCEEDED', [
        {
          code: 'LIMIT_EXCEEDED',
          target: 'type',
          message: 'The user already has the maximum number of devices.',
          innerError: { maximumValue: settings.pairing.maxAllowedDevices },
        },
      ]);
    }
    const now = ctx.now();
    const id = newId();
    const { next } = ctx.db
      .prepare('SELECT COALESCE(MAX(position), 0) + 1 AS next FROM devices WHERE user_id = ?')
      .get(user.id) as { next: number };
    const extra: Record<string, unknown> = {};
    const row: Partial<DeviceRow> & Pick<DeviceRow, 'status'> = { status: 'ACTIVATION_REQUIRED' };

    switch (input.type) {
      case 'SMS':
      case 'VOICE':
      case 'WHATSAPP':
      case 'EMAIL': {
        // A worker may pre-pair (ACTIVE, PingOne's default when omitted).
        row.status = input.status ?? 'ACTIVE';
        if (input.type === 'EMAIL') row.email = input.email;
        else row.phone = input.phone;
        if (input.type === 'VOICE') row.extension = input.extension ?? null;
        break;
      }
      case 'TOTP': {
        const secret = newTotpSecret();
        row.secret = seal(ctx.keys, secret, `device:${id}`);
        row.activation_expires_at = now + TOTP_PAIRING_MS;
        const { issuer = '', ...uriExtra } = policy.totp.uriParameters;
        // The secret is shown once, in this response, and never again (R-OTP-6).
        extra.secret = secret;
        extra.keyUri = keyUri({ secret, label: user.username, issuer, extra: uriExtra });
        break;
      }
      case 'FIDO2': {
        if (!fido2) throw new EngineError(500, 'UNEXPECTED_ERROR');
        row.rp_id = fido2.pending.rpId;
        row.registration = JSON.stringify(fido2.pending);
        row.activation_expires_at = fido2.pending.expiresAt;
        extra.publicKeyCredentialCreationOptions = fido2.encoded;
        break;
      }
      case 'OATH_TOKEN': {
        const token = ctx.db
          .prepare('SELECT * FROM oath_tokens WHERE serial = ?')
          .get(input.serialNumber) as OathTokenRow | undefined;
        const paired = ctx.db
          .prepare('SELECT 1 FROM devices WHERE oath_serial = ?')
          .get(input.serialNumber);
        if (!token || paired) {
          throw invalidValue('serialNumber', 'The serial number is unknown or already in use.');
        }
        row.oath_serial = token.serial;
        row.last_step = token.kind === 'HOTP' ? token.counter - 1 : null;
        row.activation_expires_at = now + OATH_PAIRING_MS;
        break;
      }
    }

    ctx.db
      .prepare(
        `INSERT INTO devices (id, user_id, type, status, nickname, phone, extension, email, secret,
           oath_serial, last_step, rp_id, registration, activation_expires_at, position, policy_id,
           activated_at, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        id,
        user.id,
        input.type,
        row.status,
        input.nickname ?? null,
        row.phone ?? null,
        row.extension ?? null,
        row.email ?? null,
        row.secret ?? null,
        row.oath_serial ?? null,
        row.last_step ?? null,
        row.rp_id ?? null,
        row.registration ?? null,
        row.activation_expires_at ?? null,
        next,
        resolved.id,
        row.status === 'ACTIVE' ? now : null,
        now,
        now,
      );
    let device = getDevice(ctx, user.id, id);
    if (isOob(input.type) && device.status === 'ACTIVATION_REQUIRED') {
      sendPairingCode(ctx, device, policy);
      device = reload(ctx, device);
    }
    if (device.status === 'ACTIVE') notifyNewDevice(ctx, user, device, policy);
    ctx.log({
      event: 'device.created',
      userId: user.id,
      deviceId: id,
      type: input.type,
      status: device.status,
    });
    return { device, extra };
  });
}

async function registrationOptions(
  ctx: EngineContext,
  user: UserRow,
  resolved: ResolvedPolicy,
  rp: { id: string; name?: string | undefined } | undefined,
): Promise<{ encoded: string; pending: PendingRegistration }> {
  const { policy: fido2 } = resolveFido2Policy(ctx, resolved.policy);
  if (rp && rp.id !== fido2.relyingPartyId) {
    throw invalidValue('rp.id', 'rp.id must be the relying party id of the FIDO2 policy.');
  }
  const existing = userDevices(ctx, user.id).filter(
    (device) => device.type === 'FIDO2' && device.credential_id !== null,
  );
  const timeoutMs = spanSeconds(fido2.userPresenceTimeout) * 1000;
  const userVerification = fido2.userVerification.option.toLowerCase() as
    'required' | 'preferred' | 'discouraged';
  const options = await generateRegistrationOptions({
    rpName: rp?.name ?? ctx.relyingPartyName,
    rpID: fido2.relyingPartyId,
    userName: user.username,
    userDisplayName: user.username,
    userID: Buffer.from(user.webauthn_handle, 'base64url'),
    timeout: timeoutMs,
    attestationType: 'none',
    // ES256 and RS256 cover every authenticator in use; verification accepts only these.
    supportedAlgorithmIDs: [-7, -257],
    excludeCredentials: existing.map((device) => ({
      id: device.credential_id ?? '',
      ...(device.transports ? { transports: JSON.parse(device.transports) as never } : {}),
    })),
    authenticatorSelection: {
      residentKey: fido2.discoverableCredentials.toLowerCase() as
        'required' | 'preferred' | 'discouraged',
      userVerification,
      ...(fido2.authenticatorAttachment === 'PLATFORM'
        ? { authenticatorAttachment: 'platform' as const }
        : fido2.authenticatorAttachment === 'CROSS_PLATFORM'
          ? { authenticatorAttachment: 'cross-platform' as const }
          : {}),
    },
  });
  return {
    encoded: encodeCreationOptions({
      ...options,
      ...(fido2.publicKeyCredentialHints.length > 0
        ? {
            hints: fido2.publicKeyCredentialHints.map((hint) =>
              hint === 'SECURITY_KEY'
                ? 'security-key'
                : hint === 'CLIENT_DEVICE'
                  ? 'client-device'
                  : 'hybrid',
            ),
          }
        : {}),
    }),
    pending: {
      challenge: options.challenge,
      // The server keeps the challenge at least as long as the ceremony may take (R-WA-1).
      expiresAt: ctx.now() + timeoutMs + 60_000,
      rpId: fido2.relyingPartyId,
      requireUserVerification: fido2.userVerification.option === 'REQUIRED',
      allowBackup: fido2.backupEligibility.allow,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Activate

type Outcome = { ok: true; device: DeviceRow } | { ok: false; error: EngineError };

async function activate(ctx: EngineContext, c: Context, device: DeviceRow): Promise<DeviceRow> {
  const body = await readJsonObject(c);
  if (device.status !== 'ACTIVATION_REQUIRED') throw invalidState('The device is already active.');
  const { policy } = storedMfaPolicy(ctx, device.policy_id);
  if (device.type === 'FIDO2')
    return activateFido2(ctx, device, parseWith(activateFido2Schema, body));
  const input = parseWith(activateOtpSchema, body);
  if (input.oathResync !== undefined && device.type !== 'OATH_TOKEN') {
    throw invalidValue('oathResync', 'oathResync applies to OATH tokens only.');
  }
  const outcome = transaction(ctx.db, (): Outcome => {
    const current = reload(ctx, device);
    if (current.status !== 'ACTIVATION_REQUIRED')
      throw invalidState('The device is already active.');
    assertDeviceUsable(ctx, current);
    if (current.activation_expires_at !== null && current.activation_expires_at <= ctx.now()) {
      throw codeExpiredError();
    }
    if (isOob(current.type as DeviceType)) {
      if (!current.activation_hash) throw codeExpiredError();
      if (codeMatches(ctx.keys, `activate:${current.id}`, input.otp, current.activation_hash)) {
        return { ok: true, device: markActive(ctx, current, {}) };
      }
      return { ok: false, error: failed(ctx, current, policy, { killCode: true }) };
    }
    return activateSeed(ctx, current, policy, input);
  });
  if (!outcome.ok) throw outcome.error;
  return outcome.device;
}

function activateSeed(
  ctx: EngineContext,
  device: DeviceRow,
  policy: MfaPolicy,
  input: z.infer<typeof activateOtpSchema>,
): Outcome {
  const spec = seedOf(ctx, device);
  const window = device.type === 'TOTP' ? policy.totp.passcodeGracePeriod : 1;
  if (device.type === 'OATH_TOKEN' && input.oathResync && device.resync_step !== null) {
    // The second code of a resync must be the one right after the first; for a TOTP token that
    // step must still be within the resync window of now.
    const expected = device.resync_step + 1;
    const drift = spec.kind === 'TOTP' ? expected - timeStep(ctx.now(), spec.period) : 0;
    if (
      Math.abs(drift) <= TOTP_RESYNC_STEPS + 1 &&
      matchCounter(spec, input.otp, expected, expected) !== undefined
    ) {
      return { ok: true, device: markActive(ctx, device, { step: expected, drift }) };
    }
    ctx.db.prepare('UPDATE devices SET resync_step = NULL WHERE id = ?').run(device.id);
    return { ok: false, error: failed(ctx, device, policy, {}) };
  }
  const check = checkSeed(ctx, device, spec, input.otp, {
    window,
    resyncWindow: device.type === 'OATH_TOKEN',
  });
  switch (check.result) {
    case 'match':
      return {
        ok: true,
        device: markActive(ctx, device, { step: check.step, drift: device.drift_steps }),
      };
    case 'resync':
      ctx.db
        .prepare('UPDATE devices SET resync_step = ?, updated_at = ? WHERE id = ?')
        .run(check.step, ctx.now(), device.id);
      return {
        ok: false,
        error: invalidData([
          {
            code: 'OATH_RESYNC_REQUIRED',
            target: 'otp',
            message:
              'The token is out of sync. Submit the next code from the token with oathResync set to true.',
          },
        ]),
      };
    case 'replay':
    case 'wrong':
      return { ok: false, error: failed(ctx, device, policy, {}) };
  }
}

function failed(
  ctx: EngineContext,
  device: DeviceRow,
  policy: MfaPolicy,
  options: { killCode?: boolean },
): EngineError {
  const outcome = recordFailure(ctx, device, policy, { countForUser: false });
  if (options.killCode && outcome.attemptsRemaining === 0) {
    ctx.db.prepare('UPDATE devices SET activation_hash = NULL WHERE id = ?').run(device.id);
  }
  ctx.log({ event: 'device.activation_failed', deviceId: device.id, userId: device.user_id });
  return wrongCodeError(outcome);
}

function markActive(
  ctx: EngineContext,
  device: DeviceRow,
  seed: { step?: number; drift?: number },
): DeviceRow {
  const now = ctx.now();
  ctx.db
    .prepare(
      `UPDATE devices SET status = 'ACTIVE', activated_at = ?, activation_hash = NULL, activation_expires_at = NULL,
         resync_step = NULL, last_step = COALESCE(?, last_step), drift_steps = COALESCE(?, drift_steps),
         registration = NULL, updated_at = ? WHERE id = ?`,
    )
    .run(now, seed.step ?? null, seed.drift ?? null, now, device.id);
  recordSuccess(ctx, device);
  const active = reload(ctx, device);
  const { policy } = storedMfaPolicy(ctx, device.policy_id);
  notifyNewDevice(ctx, getUser(ctx, device.user_id), active, policy);
  ctx.log({
    event: 'device.activated',
    deviceId: device.id,
    userId: device.user_id,
    type: device.type,
  });
  return active;
}

async function activateFido2(
  ctx: EngineContext,
  device: DeviceRow,
  input: z.infer<typeof activateFido2Schema>,
): Promise<DeviceRow> {
  requireAllowedOrigin(input.origin, ctx.allowedOrigins);
  const response = parseAttestation(input.attestation);
  // Consume the challenge before verifying: it is single use whatever the outcome (R-WA-1).
  const pending = transaction(ctx.db, () => {
    const current = reload(ctx, device);
    if (current.status !== 'ACTIVATION_REQUIRED')
      throw invalidState('The device is already active.');
    if (!current.registration)
      throw invalidState('The registration was already attempted. Create the device again.');
    ctx.db
      .prepare('UPDATE devices SET registration = NULL, updated_at = ? WHERE id = ?')
      .run(ctx.now(), current.id);
    return JSON.parse(current.registration) as PendingRegistration;
  });
  if (pending.expiresAt <= ctx.now())
    throw invalidValue('attestation', 'The registration has expired.');

  let verification;
  try {
    verification = await verifyRegistrationResponse({
      response,
      expectedChallenge: pending.challenge,
      expectedOrigin: input.origin,
      expectedRPID: pending.rpId,
      requireUserVerification: pending.requireUserVerification,
      supportedAlgorithmIDs: [-7, -257],
    });
  } catch (error) {
    ctx.log({ event: 'device.fido2_rejected', deviceId: device.id, reason: errorName(error) });
    throw invalidValue('attestation', 'The attestation could not be verified.');
  }
  if (!verification.verified)
    throw invalidValue('attestation', 'The attestation could not be verified.');
  const info = verification.registrationInfo;
  if (!pending.allowBackup && info.credentialDeviceType === 'multiDevice') {
    throw invalidValue(
      'attestation',
      'Backup-eligible credentials are not allowed by the FIDO2 policy.',
    );
  }

  const outcome = transaction(ctx.db, (): Outcome => {
    const current = reload(ctx, device);
    if (current.status !== 'ACTIVATION_REQUIRED')
      throw invalidState('The device is already active.');
    // Credential ids are unique across all users (R-WA-2).
    const taken = ctx.db
      .prepare('SELECT 1 FROM devices WHERE credential_id = ?')
      .get(info.credential.id);
    if (taken)
      return {
        ok: false,
        error: invalidValue('attestation', 'The credential is already registered.'),
      };
    ctx.db
      .prepare(
        `UPDATE devices SET credential_id = ?, public_key = ?, sign_count = ?, transports = ?, aaguid = ?,
           backup_eligible = ?, backed_up = ?, user_verified = ? WHERE id = ?`,
      )
      .run(
        info.credential.id,
        Buffer.from(info.credential.publicKey).toString('base64url'),
        info.credential.counter,
        JSON.stringify(info.credential.transports ?? response.response.transports ?? []),
        info.aaguid,
        info.credentialDeviceType === 'multiDevice' ? 1 : 0,
        info.credentialBackedUp ? 1 : 0,
        info.userVerified ? 1 : 0,
        current.id,
      );
    return { ok: true, device: markActive(ctx, current, {}) };
  });
  if (!outcome.ok) throw outcome.error;
  return outcome.device;
}

export const errorName = (error: unknown): string =>
  error instanceof Error
    ? 'code' in error && typeof error.code === 'string'
      ? error.code
      : error.name
    : 'unknown';

// ---------------------------------------------------------------------------------------------
// Routes

export function deviceRoutes(ctx: EngineContext): Hono {
  const app = new Hono();

  app.get('/', (c) => {
    const user = getUser(ctx, c.req.param('userId') ?? '');
    const devices = userDevices(ctx, user.id);
    return c.json({
      _links: links({ self: apiUrl(ctx, `/users/${user.id}/devices`) }),
      _embedded: { devices: devices.map((device) => deviceResource(ctx, device)) },
      count: devices.length,
      size: devices.length,
    });
  });

  app.post('/', async (c) => {
    const type = requireMediaType(c, [MEDIA.json, MEDIA.reorder]);
    const user = getUser(ctx, c.req.param('userId') ?? '');
    if (type === MEDIA.reorder) return c.json(reorder(ctx, user, await readBody(c, reorderSchema)));
    const body = await readJsonObject(c);
    if (body.type === 'REMEMBER_ME') {
      return createRememberedDevice(ctx, c, user, parseWith(rememberSchema, body));
    }
    const input = parseWith(createDeviceSchema, body);
    const { device, extra } = await createDevice(ctx, user, input);
    return c.json({ ...deviceResource(ctx, device), ...extra }, 201);
  });

  app.delete('/', (c) => {
    requireMediaType(c, [MEDIA.orderRemove]);
    const user = getUser(ctx, c.req.param('userId') ?? '');
    transaction(ctx.db, () => {
      ctx.db
        .prepare('UPDATE users SET devices_ordered = 0, updated_at = ? WHERE id = ?')
        .run(ctx.now(), user.id);
    });
    ctx.log({ event: 'devices.order_removed', userId: user.id });
    return c.body(null, 204);
  });

  app.get('/:deviceId', (c) => {
    const device = getDevice(ctx, c.req.param('userId') ?? '', c.req.param('deviceId'));
    return c.json(deviceResource(ctx, device));
  });

  app.post('/:deviceId', async (c) => {
    const type = requireMediaType(c, [
      MEDIA.activate,
      MEDIA.sendActivationCode,
      MEDIA.block,
      MEDIA.unblock,
      MEDIA.unlock,
    ]);
    const device = getDevice(ctx, c.req.param('userId') ?? '', c.req.param('deviceId'));
    if (type === MEDIA.activate) return c.json(deviceResource(ctx, await activate(ctx, c, device)));
    await readJsonObject(c, { optional: true });
    const updated = transaction(ctx.db, () => deviceAction(ctx, reload(ctx, device), type));
    return c.json(deviceResource(ctx, updated));
  });

  app.put('/:deviceId/nickname', async (c) => {
    requireMediaType(c, [MEDIA.json]);
    const userId = c.req.param('userId') ?? '';
    const device = getDevice(ctx, userId, c.req.param('deviceId'));
    const { nickname } = await readBody(c, nicknameBody);
    transaction(ctx.db, () => {
      ctx.db
        .prepare('UPDATE devices SET nickname = ?, updated_at = ? WHERE id = ?')
        .run(nickname, ctx.now(), device.id);
    });
    const self = apiUrl(ctx, `/users/${userId}/devices/${device.id}`);
    return c.json({ _links: links({ self: `${self}/nickname`, device: self }), nickname });
  });

  app.delete('/:deviceId', (c) => {
    const device = getDevice(ctx, c.req.param('userId') ?? '', c.req.param('deviceId'));
    transaction(ctx.db, () => {
      ctx.db.prepare('DELETE FROM devices WHERE id = ?').run(device.id);
    });
    ctx.log({
      event: 'device.deleted',
      userId: device.user_id,
      deviceId: device.id,
      type: device.type,
    });
    return c.body(null, 204);
  });

  return app;
}

function deviceAction(ctx: EngineContext, device: DeviceRow, type: string): DeviceRow {
  const now = ctx.now();
  switch (type) {
    case MEDIA.sendActivationCode: {
      if (device.status !== 'ACTIVATION_REQUIRED' || !isOob(device.type as DeviceType)) {
        throw invalidState(
          'Only an SMS, voice, email or WhatsApp device awaiting activation gets a pairing code.',
        );
      }
      assertDeviceUsable(ctx, device);
      const { policy } = storedMfaPolicy(ctx, device.policy_id);
      sendPairingCode(ctx, device, policy);
      ctx.log({ event: 'device.pairing_code_sent', deviceId: device.id, userId: device.user_id });
      break;
    }
    case MEDIA.block:
      ctx.db
        .prepare(
          'UPDATE devices SET blocked_at = COALESCE(blocked_at, ?), updated_at = ? WHERE id = ?',
        )
        .run(now, now, device.id);
      ctx.log({ event: 'device.blocked', deviceId: device.id, userId: device.user_id });
      break;
    case MEDIA.unblock:
      ctx.db
        .prepare(
          'UPDATE devices SET blocked_at = NULL, total_failures = 0, updated_at = ? WHERE id = ?',
        )
        .run(now, device.id);
      ctx.log({ event: 'device.unblocked', deviceId: device.id, userId: device.user_id });
      break;
    case MEDIA.unlock:
      ctx.db
        .prepare(
          'UPDATE devices SET locked_until = NULL, failures = 0, updated_at = ? WHERE id = ?',
        )
        .run(now, device.id);
      ctx.log({ event: 'device.unlocked', deviceId: device.id, userId: device.user_id });
      break;
  }
  return reload(ctx, device);
}

function reorder(ctx: EngineContext, user: UserRow, input: z.infer<typeof reorderSchema>) {
  const ids = input.order.map((entry) => entry.id);
  if (new Set(ids).size !== ids.length)
    throw invalidValue('order', 'A device appears twice in order.');
  return transaction(ctx.db, () => {
    const devices = userDevices(ctx, user.id);
    const known = new Set(devices.map((device) => device.id));
    const unknown = ids.find((id) => !known.has(id));
    if (unknown !== undefined)
      throw invalidValue('order', `Device ${unknown} is not one of the user's devices.`);
    // Listed devices come first, in the given order; the rest keep their relative order after them.
    const rest = devices.map((device) => device.id).filter((id) => !ids.includes(id));
    const update = ctx.db.prepare('UPDATE devices SET position = ?, updated_at = ? WHERE id = ?');
    const now = ctx.now();
    [...ids, ...rest].forEach((id, index) => update.run(index + 1, now, id));
    ctx.db
      .prepare('UPDATE users SET devices_ordered = 1, updated_at = ? WHERE id = ?')
      .run(now, user.id);
    ctx.log({ event: 'devices.reordered', userId: user.id });
    return {
      _links: links({ self: apiUrl(ctx, `/users/${user.id}/devices`) }),
      order: [...ids, ...rest].map((id) => ({ id })),
    };
  });
}
