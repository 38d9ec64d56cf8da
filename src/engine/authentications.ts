/**
 * Device authentications under `/{envID}/deviceAuthentications`: initialize, select a device,
 * check an OTP, check a FIDO2 assertion, cancel, read; one-time devices, usernameless FIDO2 and
 * remembered browsers. Every response masks phone numbers and email addresses.
 * @module
 */
import {
  generateAuthenticationOptions,
  verifyAuthenticationResponse,
  type AuthenticatorTransport,
} from '@simplewebauthn/server';
import type { Context } from 'hono';
import { Hono } from 'hono';
import { z } from 'zod';
import {
  assertDeviceUsable,
  assertUserNotLocked,
  checkSeed,
  codeExpiredError,
  isDeviceLocked,
  recordFailure,
  recordSuccess,
  seedOf,
  wrongCodeError,
} from './checks.ts';
import {
  authUrl,
  deliver,
  iso,
  maskEmail,
  maskPhone,
  newId,
  resolveFido2Policy,
  resolveMfaPolicy,
  storedMfaPolicy,
  type EngineContext,
} from './context.ts';
import { codeMatches, hashCode, randomDigits } from './crypto.ts';
import { codeMessage, errorName, userDevices } from './devices.ts';
import type { EngineError } from './errors.ts';
import { invalidData, invalidState, invalidValue, notFound } from './errors.ts';
import { emailSchema, idRef, otpSchema, phoneSchema } from './fields.ts';
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
import { checkRemembered, rememberCheckSchema } from './remember.ts';
import { transaction } from './store/db.ts';
import type { AuthenticationRow, AuthenticationStatus, DeviceRow, UserRow } from './store/rows.ts';
import { encodeRequestOptions, parseAssertion, requireAllowedOrigin } from './webauthn.ts';

const oneTimeSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('SMS'), phone: phoneSchema }),
  z.strictObject({ type: z.literal('VOICE'), phone: phoneSchema }),
  z.strictObject({ type: z.literal('EMAIL'), email: emailSchema }),
]);
type OneTime = z.infer<typeof oneTimeSchema>;

const compatibilitySchema = z.enum(['FULL', 'SECURITY_KEY_ONLY', 'NONE']);

const initializeSchema = z.strictObject({
  user: idRef.optional(),
  policy: idRef.optional(),
  rp: z.strictObject({ id: z.string().min(1).max(253) }).optional(),
  selectedDevice: z.union([idRef, z.strictObject({ oneTime: oneTimeSchema })]).optional(),
  compatibility: compatibilitySchema.optional(),
  notification: z.looseObject({}).optional(),
});

const selectSchema = z.strictObject({
  device: idRef,
  compatibility: compatibilitySchema.optional(),
});
const otpCheckSchema = z.strictObject({ otp: otpSchema });
const assertionCheckSchema = z.strictObject({
  origin: z.string().min(1).max(256),
  assertion: z.string().min(1).max(60_000),
  compatibility: compatibilitySchema.optional(),
});
const cancelSchema = z.strictObject({ reason: z.enum(['CHANGE_DEVICE']) });

const TERMINAL: readonly AuthenticationStatus[] = ['COMPLETED', 'FAILED'];

// ---------------------------------------------------------------------------------------------
// Representation

function maskedDevice(ctx: EngineContext, device: DeviceRow) {
  return {
    id: device.id,
    type: device.type,
    status: device.status,
    ...(device.nickname !== null ? { nickname: device.nickname } : {}),
    ...(device.phone !== null ? { phone: maskPhone(device.phone) } : {}),
    ...(device.email !== null ? { email: maskEmail(device.email) } : {}),
    ...(device.blocked_at !== null ? { block: { status: 'BLOCKED' } } : {}),
    ...(isDeviceLocked(ctx, device) && device.locked_until !== null
      ? { lock: { status: 'LOCKED', expiresAt: iso(device.locked_until) } }
      : {}),
  };
}

function maskedOneTime(oneTime: OneTime) {
  return oneTime.type === 'EMAIL'
    ? { type: oneTime.type, email: maskEmail(oneTime.email) }
    : { type: oneTime.type, phone: maskPhone(oneTime.phone) };
}

/** Devices that may take part in an authentication under this policy. */
function eligibleDevices(ctx: EngineContext, userId: string, policy: MfaPolicy): DeviceRow[] {
  return userDevices(ctx, userId).filter(
    (device) =>
      device.status === 'ACTIVE' &&
      device.blocked_at === null &&
      methodOf(policy, device.type as DeviceType).enabled,
  );
}

function resource(ctx: EngineContext, row: AuthenticationRow) {
  const self = authUrl(ctx, `/deviceAuthentications/${row.id}`);
  const open = !TERMINAL.includes(row.status);
  const { policy } = storedMfaPolicy(ctx, row.policy_id);
  const devices =
    row.user_id !== null && row.one_time === null ? eligibleDevices(ctx, row.user_id, policy) : [];
  return {
    _links: links({
      self,
      ...(open && row.user_id !== null && row.one_time === null ? { 'device.select': self } : {}),
      ...(row.status === 'OTP_REQUIRED' ? { 'otp.check': self } : {}),
      ...(row.status === 'ASSERTION_REQUIRED' ? { 'assertion.check': self } : {}),
      ...(open && row.user_id !== null && row.one_time === null
        ? { 'cancel.push.authentication': self }
        : {}),
    }),
    ...(row.user_id !== null && row.one_time === null
      ? { _embedded: { devices: devices.map((device) => maskedDevice(ctx, device)) } }
      : {}),
    id: row.id,
    environment: { id: ctx.environmentId },
    ...(row.user_id !== null ? { user: { id: row.user_id } } : {}),
    policy: { id: row.policy_id },
    status: row.status,
    ...(row.one_time !== null
      ? { selectedDevice: { oneTime: maskedOneTime(JSON.parse(row.one_time) as OneTime) } }
      : row.selected_device_id !== null
        ? { selectedDevice: { id: row.selected_device_id } }
        : {}),
    ...(row.status === 'ASSERTION_REQUIRED' && row.request_options !== null
      ? { publicKeyCredentialRequestOptions: row.request_options }
      : {}),
    ...(row.error_code !== null
      ? { error: { code: row.error_code, message: row.error_message ?? '' } }
      : {}),
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    expiresAt: iso(row.expires_at),
  };
}

// ---------------------------------------------------------------------------------------------
// Storage

function load(ctx: EngineContext, id: string): AuthenticationRow {
  const row = ctx.db.prepare('SELECT * FROM device_authentications WHERE id = ?').get(id) as
    AuthenticationRow | undefined;
  if (!row) throw notFound();
  if (!TERMINAL.includes(row.status) && row.expires_at <= ctx.now()) {
    // Expiry is applied when the authentication is next touched.
    return update(ctx, row, {
      status: 'FAILED',
      error_code: 'EXPIRED',
      error_message: 'The authentication expired.',
      otp_hash: null,
      challenge: null,
    });
  }
  return row;
}

type Changes = Partial<Omit<AuthenticationRow, 'id' | 'created_at'>>;

function update(ctx: EngineContext, row: AuthenticationRow, changes: Changes): AuthenticationRow {
  const next = { ...row, ...changes, updated_at: ctx.now() };
  const columns = Object.keys(changes);
  ctx.db
    .prepare(
      `UPDATE device_authentications SET ${[...columns, 'updated_at'].map((column) => `${column} = ?`).join(', ')} WHERE id = ?`,
    )
    .run(
      ...columns.map((column) => next[column as keyof AuthenticationRow]),
      next.updated_at,
      row.id,
    );
  return next;
}

function insert(
  ctx: EngineContext,
  row: Pick<AuthenticationRow, 'user_id' | 'policy_id' | 'status'> & Changes,
) {
  const now = ctx.now();
  const full: AuthenticationRow = {
    id: newId(),
    selected_device_id: null,
    one_time: null,
    otp_hash: null,
    otp_expires_at: null,
    challenge: null,
    challenge_expires_at: null,
    request_options: null,
    failures: 0,
    rp_id: null,
    compatibility: null,
    error_code: null,
    error_message: null,
    last_sent_at: null,
    expires_at: now + ctx.authenticationLifetimeMs,
    created_at: now,
    updated_at: now,
    ...row,
  };
  const columns = Object.keys(full) as (keyof AuthenticationRow)[];
  ctx.db
    .prepare(
      `INSERT INTO device_authentications (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
    )
    .run(...columns.map((column) => full[column]));
  return full;
}

// ---------------------------------------------------------------------------------------------
// Steps

/** Sends a fresh code for this authentication; the previous one stops working (R-OOB-3). */
function sendCode(
  ctx: EngineContext,
  row: AuthenticationRow,
  policy: MfaPolicy,
  type: OobType,
  recipient: string,
): Changes {
  const method = oobMethod(policy, type);
  const lifeMs = spanSeconds(method.otp.lifeTime) * 1000;
  const code = randomDigits(method.otp.otpLength);
  deliver(ctx, {
    channel: type,
    recipient,
    text: codeMessage(type, code, Math.round(lifeMs / 60_000), 'sign-in'),
  });
  return {
    otp_hash: hashCode(ctx.keys, `da:${row.id}`, code),
    otp_expires_at: ctx.now() + lifeMs,
    last_sent_at: ctx.now(),
    failures: 0,
  };
}

async function assertionOptions(
  ctx: EngineContext,
  policy: MfaPolicy,
  credentials: DeviceRow[],
  usernameless: boolean,
): Promise<Changes> {
  const { policy: fido2 } = resolveFido2Policy(ctx, policy);
  const timeoutMs = spanSeconds(fido2.userPresenceTimeout) * 1000;
  // Usernameless sign-in always needs user verification; otherwise the FIDO2 policy decides.
  const userVerification = usernameless
    ? 'required'
    : fido2.userVerification.enforceDuringAuthentication
      ? (fido2.userVerification.option.toLowerCase() as 'required' | 'preferred' | 'discouraged')
      : 'preferred';
  const options = await generateAuthenticationOptions({
    rpID: fido2.relyingPartyId,
    timeout: timeoutMs,
    userVerification,
    allowCredentials: credentials.map((device) => ({
      id: device.credential_id ?? '',
      ...(device.transports
        ? { transports: JSON.parse(device.transports) as AuthenticatorTransport[] }
        : {}),
    })),
  });
  return {
    challenge: options.challenge,
    challenge_expires_at: ctx.now() + timeoutMs + 60_000,
    rp_id: fido2.relyingPartyId,
    request_options: encodeRequestOptions(options),
  };
}

/** Selecting a FIDO2 device issues a challenge for the user's FIDO2 credentials (async, so outside a transaction). */
async function selectFido2Device(
  ctx: EngineContext,
  policy: MfaPolicy,
  device: DeviceRow,
  compatibility: string | undefined,
): Promise<Changes> {
  assertDeviceUsable(ctx, device);
  if (compatibility === 'NONE') {
    throw invalidValue('compatibility', 'This browser cannot use a FIDO2 device.');
  }
  const credentials = eligibleDevices(ctx, device.user_id, policy).filter(
    (candidate) => candidate.type === 'FIDO2' && candidate.credential_id !== null,
  );
  return {
    selected_device_id: device.id,
    status: 'ASSERTION_REQUIRED',
    otp_hash: null,
    otp_expires_at: null,
    ...(compatibility ? { compatibility } : {}),
    ...(await assertionOptions(ctx, policy, credentials, false)),
  };
}

function findEligible(
  ctx: EngineContext,
  row: AuthenticationRow,
  policy: MfaPolicy,
  deviceId: string,
): DeviceRow {
  const device = eligibleDevices(ctx, row.user_id ?? '', policy).find(
    (candidate) => candidate.id === deviceId,
  );
  if (!device)
    throw invalidValue('device.id', "The device is not one of the user's usable devices.");
  return device;
}

/** The device `deviceSelection` picks on its own, if any. */
function autoSelection(
  ctx: EngineContext,
  user: UserRow,
  policy: MfaPolicy,
  devices: DeviceRow[],
): DeviceRow | undefined {
  const usable = devices.filter((device) => !isDeviceLocked(ctx, device));
  switch (policy.authentication.deviceSelection) {
    case 'DEFAULT_TO_FIRST': {
      // The default device is the first in the user's order; users without an order must choose.
      const first = devices[0];
      return user.devices_ordered === 1 && first && usable.includes(first) ? first : undefined;
    }
    case 'PROMPT_TO_SELECT':
      return devices.length === 1 ? usable[0] : undefined;
    case 'ALWAYS_DISPLAY_DEVICES':
      return undefined;
  }
}

async function initialize(
  ctx: EngineContext,
  input: z.infer<typeof initializeSchema>,
): Promise<AuthenticationRow> {
  const { id: policyId, policy } = resolveMfaPolicy(ctx, input.policy?.id);

  if (input.user === undefined) {
    if (input.rp === undefined) {
      throw invalidData([
        { code: 'REQUIRED_VALUE', target: 'user.id', message: 'user.id or rp.id is required' },
      ]);
    }
    return initializeUsernameless(ctx, policyId, policy, input.rp.id);
  }

  const user = ctx.db.prepare('SELECT * FROM users WHERE id = ?').get(input.user.id) as
    UserRow | undefined;
  if (!user) throw invalidValue('user.id', 'The user does not exist.');
  assertUserNotLocked(ctx, user, policy);

  if (input.selectedDevice && 'oneTime' in input.selectedDevice) {
    const oneTime = input.selectedDevice.oneTime;
    if (!oobMethod(policy, oneTime.type).enabled) {
      throw invalidValue(
        'selectedDevice.oneTime.type',
        `${oneTime.type} is not enabled in the MFA policy.`,
      );
    }
    return transaction(ctx.db, () => {
      const row = insert(ctx, {
        user_id: user.id,
        policy_id: policyId,
        status: 'OTP_REQUIRED',
        one_time: JSON.stringify(oneTime),
      });
      const recipient = oneTime.type === 'EMAIL' ? oneTime.email : oneTime.phone;
      return update(ctx, row, sendCode(ctx, row, policy, oneTime.type, recipient));
    });
  }

  const devices = eligibleDevices(ctx, user.id, policy);
  const requested =
    input.selectedDevice && 'id' in input.selectedDevice ? input.selectedDevice.id : undefined;
  const chosen =
    requested !== undefined
      ? (devices.find((device) => device.id === requested) ??
        (() => {
          throw invalidValue(
            'selectedDevice.id',
            "The device is not one of the user's usable devices.",
          );
        })())
      : autoSelection(ctx, user, policy, devices);

  if (devices.length === 0) {
    ctx.log({ event: 'authentication.no_devices', userId: user.id });
    return transaction(ctx.db, () =>
      insert(ctx, {
        user_id: user.id,
        policy_id: policyId,
        status: 'FAILED',
        error_code: 'NO_USABLE_DEVICES',
        error_message: 'The user has no device that the MFA policy allows.',
      }),
    );
  }
  if (!chosen) {
    return transaction(ctx.db, () =>
      insert(ctx, { user_id: user.id, policy_id: policyId, status: 'DEVICE_SELECTION_REQUIRED' }),
    );
  }
  // FIDO2 options are generated before the write transaction: the generator is async.
  const fido2 =
    chosen.type === 'FIDO2'
      ? await selectFido2Device(ctx, policy, chosen, input.compatibility)
      : undefined;
  return transaction(ctx.db, () => {
    const row = insert(ctx, {
      user_id: user.id,
      policy_id: policyId,
      status: 'DEVICE_SELECTION_REQUIRED',
    });
    if (fido2) return update(ctx, row, fido2);
    const device = userDevices(ctx, user.id).find((candidate) => candidate.id === chosen.id);
    if (!device) throw notFound();
    // Synchronous for OTP devices: the code is stored and sent inside this transaction.
    return update(ctx, row, selectOtpDevice(ctx, row, policy, device));
  });
}

/** Select for a non-FIDO2 device, synchronously (usable inside a transaction). */
function selectOtpDevice(
  ctx: EngineContext,
  row: AuthenticationRow,
  policy: MfaPolicy,
  device: DeviceRow,
): Changes {
  assertDeviceUsable(ctx, device);
  const type = device.type as DeviceType;
  const base: Changes = {
    selected_device_id: device.id,
    status: 'OTP_REQUIRED',
    otp_hash: null,
    otp_expires_at: null,
    challenge: null,
    request_options: null,
  };
  if (!isOob(type)) return base;
  const recipient = type === 'EMAIL' ? device.email : device.phone;
  return { ...base, ...sendCode(ctx, row, policy, type, recipient ?? '') };
}

async function initializeUsernameless(
  ctx: EngineContext,
  policyId: string,
  policy: MfaPolicy,
  rpId: string,
): Promise<AuthenticationRow> {
  const { policy: fido2 } = resolveFido2Policy(ctx, policy);
  if (!policy.fido2.enabled) throw invalidValue('rp.id', 'FIDO2 is not enabled in the MFA policy.');
  if (rpId !== fido2.relyingPartyId)
    throw invalidValue('rp.id', 'rp.id is not the relying party of the FIDO2 policy.');
  if (fido2.discoverableCredentials !== 'REQUIRED') {
    throw invalidValue(
      'rp.id',
      'Usernameless sign-in needs a FIDO2 policy that requires discoverable credentials.',
    );
  }
  const options = await assertionOptions(ctx, policy, [], true);
  return transaction(ctx.db, () =>
    insert(ctx, { user_id: null, policy_id: policyId, status: 'ASSERTION_REQUIRED', ...options }),
  );
}

type Outcome = { ok: true; row: AuthenticationRow } | { ok: false; error: EngineError };

function complete(ctx: EngineContext, row: AuthenticationRow, changes: Changes): AuthenticationRow {
  ctx.log({
    event: 'authentication.completed',
    authenticationId: row.id,
    userId: changes.user_id ?? row.user_id,
  });
  return update(ctx, row, {
    ...changes,
    status: 'COMPLETED',
    otp_hash: null,
    otp_expires_at: null,
    challenge: null,
    challenge_expires_at: null,
    request_options: null,
  });
}

function checkOtp(ctx: EngineContext, id: string, otp: string): AuthenticationRow {
  const outcome = transaction(ctx.db, (): Outcome => {
    const row = load(ctx, id);
    if (row.status !== 'OTP_REQUIRED')
      throw invalidState(`The authentication is ${row.status}, not OTP_REQUIRED.`);
    const { policy } = storedMfaPolicy(ctx, row.policy_id);
    const user = ctx.db.prepare('SELECT * FROM users WHERE id = ?').get(row.user_id) as
      UserRow | undefined;
    if (!user) throw notFound();
    assertUserNotLocked(ctx, user, policy);

    if (row.one_time !== null) return checkOneTime(ctx, row, policy, otp);

    const device = userDevices(ctx, user.id).find(
      (candidate) => candidate.id === row.selected_device_id,
    );
    if (device?.status !== 'ACTIVE')
      throw invalidState('The selected device is no longer available.');
    assertDeviceUsable(ctx, device);

    if (isOob(device.type as DeviceType)) {
      if (row.otp_hash === null || row.otp_expires_at === null || row.otp_expires_at <= ctx.now()) {
        throw codeExpiredError();
      }
      if (codeMatches(ctx.keys, `da:${row.id}`, otp, row.otp_hash)) {
        recordSuccess(ctx, device);
        return { ok: true, row: complete(ctx, row, {}) };
      }
      const failure = recordFailure(ctx, device, policy, { countForUser: true });
      if (failure.attemptsRemaining === 0) update(ctx, row, { otp_hash: null });
      ctx.log({ event: 'authentication.otp_rejected', authenticationId: row.id, userId: user.id });
      return { ok: false, error: wrongCodeError(failure) };
    }

    const spec = seedOf(ctx, device);
    const window = device.type === 'TOTP' ? policy.totp.passcodeGracePeriod : 1;
    const check = checkSeed(ctx, device, spec, otp, { window });
    if (check.result === 'match') {
      ctx.db.prepare('UPDATE devices SET last_step = ? WHERE id = ?').run(check.step, device.id);
      recordSuccess(ctx, device);
      return { ok: true, row: complete(ctx, row, {}) };
    }
    const failure = recordFailure(ctx, device, policy, { countForUser: true });
    ctx.log({
      event:
        check.result === 'replay' ? 'authentication.otp_replayed' : 'authentication.otp_rejected',
      authenticationId: row.id,
      userId: user.id,
      deviceId: device.id,
    });
    return {
      ok: false,
      error: wrongCodeError(failure, check.result === 'replay' ? 'OTP_REPLAYED' : 'INVALID_OTP'),
    };
  });
  if (!outcome.ok) throw outcome.error;
  return outcome.row;
}

/** One-time devices have no device record: failures count on the authentication itself. */
function checkOneTime(
  ctx: EngineContext,
  row: AuthenticationRow,
  policy: MfaPolicy,
  otp: string,
): Outcome {
  const oneTime = JSON.parse(row.one_time ?? '{}') as OneTime;
  if (row.otp_hash === null || row.otp_expires_at === null || row.otp_expires_at <= ctx.now()) {
    throw codeExpiredError();
  }
  if (codeMatches(ctx.keys, `da:${row.id}`, otp, row.otp_hash))
    return { ok: true, row: complete(ctx, row, {}) };
  const { count } = oobMethod(policy, oneTime.type).otp.failure;
  const failures = row.failures + 1;
  const exhausted = failures >= count;
  update(
    ctx,
    row,
    exhausted
      ? {
          failures,
          otp_hash: null,
          status: 'FAILED',
          error_code: 'TOO_MANY_ATTEMPTS',
          error_message: 'Too many wrong codes.',
        }
      : { failures },
  );
  return {
    ok: false,
    error: wrongCodeError({ attemptsRemaining: count - failures, blocked: false }),
  };
}

async function checkAssertion(
  ctx: EngineContext,
  id: string,
  input: z.infer<typeof assertionCheckSchema>,
): Promise<AuthenticationRow> {
  requireAllowedOrigin(input.origin, ctx.allowedOrigins);
  const response = parseAssertion(input.assertion);

  // Take the challenge out before verifying: whatever happens next, it cannot be used again.
  const taken = transaction(ctx.db, () => {
    const row = load(ctx, id);
    if (row.status !== 'ASSERTION_REQUIRED' || row.challenge === null) {
      throw invalidState(`The authentication is ${row.status}, not ASSERTION_REQUIRED.`);
    }
    const { policy } = storedMfaPolicy(ctx, row.policy_id);
    // A locked account or a cooling-down credential is refused before the challenge is spent,
    // as for OTPs (R-RATE-4); usernameless sign-in checks the credential's owner.
    const holder = ctx.db
      .prepare(
        "SELECT * FROM devices WHERE credential_id = ? AND type = 'FIDO2' AND status = 'ACTIVE'",
      )
      .get(response.id) as DeviceRow | undefined;
    const lockUserId = row.user_id ?? holder?.user_id;
    const user =
      lockUserId !== undefined
        ? (ctx.db.prepare('SELECT * FROM users WHERE id = ?').get(lockUserId) as
            UserRow | undefined)
        : undefined;
    if (user) assertUserNotLocked(ctx, user, policy);
    if (holder?.blocked_at === null && (row.user_id === null || holder.user_id === row.user_id)) {
      assertDeviceUsable(ctx, holder);
    }
    const expired = row.challenge_expires_at !== null && row.challenge_expires_at <= ctx.now();
    update(ctx, row, { challenge: null });
    return { row, policy, challenge: row.challenge, expired };
  });
  const { row, policy } = taken;
  const usernameless = row.user_id === null;

  const device = ctx.db
    .prepare(
      "SELECT * FROM devices WHERE credential_id = ? AND type = 'FIDO2' AND status = 'ACTIVE'",
    )
    .get(response.id) as DeviceRow | undefined;
  const owner = device
    ? (ctx.db.prepare('SELECT * FROM users WHERE id = ?').get(device.user_id) as
        UserRow | undefined)
    : undefined;

  // The credential must belong to this authentication's user, and the user handle must match (R-WA-3).
  const ownedByUser =
    device !== undefined &&
    owner !== undefined &&
    (usernameless || device.user_id === row.user_id) &&
    (response.response.userHandle === undefined
      ? !usernameless
      : response.response.userHandle === owner.webauthn_handle);

  const { policy: fido2 } = resolveFido2Policy(ctx, policy);
  let verified: Awaited<ReturnType<typeof verifyAuthenticationResponse>> | undefined;
  let reason = taken.expired ? 'challenge_expired' : 'credential_not_allowed';
  if (
    !taken.expired &&
    ownedByUser &&
    device.blocked_at === null &&
    device.public_key &&
    row.rp_id
  ) {
    try {
      verified = await verifyAuthenticationResponse({
        response,
        expectedChallenge: taken.challenge,
        expectedOrigin: input.origin,
        expectedRPID: row.rp_id,
        credential: {
          id: device.credential_id ?? '',
          publicKey: new Uint8Array(Buffer.from(device.public_key, 'base64url')),
          counter: device.sign_count ?? 0,
        },
        requireUserVerification:
          usernameless ||
          (fido2.userVerification.enforceDuringAuthentication &&
            fido2.userVerification.option === 'REQUIRED'),
      });
      if (
        verified.verified &&
        !fido2.backupEligibility.allow &&
        fido2.backupEligibility.enforceDuringAuthentication &&
        verified.authenticationInfo.credentialDeviceType === 'multiDevice'
      ) {
        reason = 'backup_not_allowed';
        verified = undefined;
      }
    } catch (error) {
      reason = errorName(error);
      // A counter that did not go up may mean a cloned authenticator (R-WA-3).
      if (error instanceof Error && /counter/i.test(error.message)) reason = 'possible_clone';
      verified = undefined;
    }
  }

  const needsFresh = !verified?.verified;
  // A fresh challenge lets the user try again with the same authentication.
  const retry = needsFresh
    ? await assertionOptions(
        ctx,
        policy,
        usernameless
          ? []
          : eligibleDevices(ctx, row.user_id ?? '', policy).filter(
              (candidate) => candidate.type === 'FIDO2',
            ),
        usernameless,
      )
    : undefined;

  const outcome = transaction(ctx.db, (): Outcome => {
    const current = load(ctx, id);
    if (current.status !== 'ASSERTION_REQUIRED')
      throw invalidState(`The authentication is ${current.status}.`);
    if (!verified?.verified || !device || !owner) {
      ctx.log({ event: 'authentication.assertion_rejected', authenticationId: id, reason });
      let failure = { attemptsRemaining: 0, blocked: false } as ReturnType<typeof recordFailure>;
      if (device && ownedByUser)
        failure = recordFailure(ctx, device, policy, { countForUser: true });
      if (retry) update(ctx, current, retry);
      return {
        ok: false,
        error: invalidData([
          {
            code: 'INVALID_ASSERTION',
            target: 'assertion',
            message: 'The assertion could not be verified.',
            ...(device && ownedByUser
              ? { innerError: { attemptsRemaining: failure.attemptsRemaining } }
              : {}),
          },
        ]),
      };
    }
    ctx.db
      .prepare('UPDATE devices SET sign_count = ?, backed_up = ?, updated_at = ? WHERE id = ?')
      .run(
        verified.authenticationInfo.newCounter,
        verified.authenticationInfo.credentialBackedUp ? 1 : 0,
        ctx.now(),
        device.id,
      );
    recordSuccess(ctx, device);
    return {
      ok: true,
      row: complete(ctx, current, { selected_device_id: device.id, user_id: owner.id }),
    };
  });
  if (!outcome.ok) throw outcome.error;
  return outcome.row;
}

// ---------------------------------------------------------------------------------------------
// Routes

export function authenticationRoutes(ctx: EngineContext): Hono {
  const app = new Hono();

  app.post('/', async (c) => {
    const type = requireMediaType(c, [MEDIA.json, MEDIA.payloadCheck]);
    if (type === MEDIA.payloadCheck) return rememberCheck(ctx, c);
    const input = await readBody(c, initializeSchema);
    const row = await initialize(ctx, input);
    ctx.log({
      event: 'authentication.started',
      authenticationId: row.id,
      userId: row.user_id,
      status: row.status,
    });
    return c.json(resource(ctx, row), 201);
  });

  app.get('/:authenticationId', (c) => {
    const row = transaction(ctx.db, () => load(ctx, c.req.param('authenticationId')));
    return c.json(resource(ctx, row));
  });

  app.post('/:authenticationId', async (c) => {
    const type = requireMediaType(c, [
      MEDIA.select,
      MEDIA.otpCheck,
      MEDIA.assertionCheck,
      MEDIA.cancel,
    ]);
    const id = c.req.param('authenticationId');
    const body = await readJsonObject(c);
    transaction(ctx.db, () => load(ctx, id));
    switch (type) {
      case MEDIA.select:
        return c.json(resource(ctx, await select(ctx, id, parseWith(selectSchema, body))));
      case MEDIA.otpCheck:
        return c.json(resource(ctx, checkOtp(ctx, id, parseWith(otpCheckSchema, body).otp)));
      case MEDIA.assertionCheck:
        return c.json(
          resource(ctx, await checkAssertion(ctx, id, parseWith(assertionCheckSchema, body))),
        );
      case MEDIA.cancel: {
        parseWith(cancelSchema, body);
        return c.json(resource(ctx, cancel(ctx, id)));
      }
    }
  });

  return app;
}

async function select(
  ctx: EngineContext,
  id: string,
  input: z.infer<typeof selectSchema>,
): Promise<AuthenticationRow> {
  const row = load(ctx, id);
  if (TERMINAL.includes(row.status) || row.user_id === null || row.one_time !== null) {
    throw invalidState(`A device cannot be selected when the authentication is ${row.status}.`);
  }
  const { policy } = storedMfaPolicy(ctx, row.policy_id);
  const user = ctx.db.prepare('SELECT * FROM users WHERE id = ?').get(row.user_id) as UserRow;
  assertUserNotLocked(ctx, user, policy);
  const device = findEligible(ctx, row, policy, input.device.id);
  const fido2 =
    device.type === 'FIDO2'
      ? await selectFido2Device(ctx, policy, device, input.compatibility)
      : undefined;
  return transaction(ctx.db, () => {
    const current = load(ctx, id);
    if (TERMINAL.includes(current.status))
      throw invalidState(`The authentication is ${current.status}.`);
    const changes =
      fido2 ?? selectOtpDevice(ctx, current, policy, findEligible(ctx, current, policy, device.id));
    ctx.log({
      event: 'authentication.device_selected',
      authenticationId: id,
      deviceId: device.id,
      type: device.type,
    });
    return update(ctx, current, {
      ...changes,
      ...(input.compatibility ? { compatibility: input.compatibility } : {}),
    });
  });
}

function cancel(ctx: EngineContext, id: string): AuthenticationRow {
  return transaction(ctx.db, () => {
    const row = load(ctx, id);
    if (TERMINAL.includes(row.status) || row.user_id === null || row.one_time !== null) {
      throw invalidState(`The authentication is ${row.status} and cannot change device.`);
    }
    ctx.log({ event: 'authentication.change_device', authenticationId: id });
    return update(ctx, row, {
      status: 'DEVICE_SELECTION_REQUIRED',
      selected_device_id: null,
      otp_hash: null,
      otp_expires_at: null,
      challenge: null,
      challenge_expires_at: null,
      request_options: null,
    });
  });
}

async function rememberCheck(ctx: EngineContext, c: Context): Promise<Response> {
  const input = parseWith(rememberCheckSchema, await readJsonObject(c));
  if (input.user) {
    const exists = ctx.db.prepare('SELECT 1 FROM users WHERE id = ?').get(input.user.id);
    if (!exists) throw invalidValue('user.id', 'The user does not exist.');
  }
  const result = checkRemembered(ctx, c.req.header('cookie'), input);
  const row = transaction(ctx.db, () =>
    insert(ctx, {
      user_id: result.userId,
      policy_id: result.policyId,
      ...(result.remembered
        ? { status: 'COMPLETED' as const }
        : {
            status: 'FAILED' as const,
            error_code: result.reason,
            error_message: 'The device is not remembered.',
          }),
    }),
  );
  ctx.log({
    event: 'authentication.remember_check',
    authenticationId: row.id,
    remembered: result.remembered,
  });
  return c.json(resource(ctx, row), 201);
}
