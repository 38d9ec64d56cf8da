/**
 * Remembered browsers ("remember me"). PingOne binds the remembered device to a payload from its
 * Signals SDK and to a cookie set when it is created. The engine keeps that exchange but defines
 * its own payload:
 *
 *   payload: { type: "MFA_ELEMENTS_BROWSER", value: "<opaque browser id, 22–512 URL-safe chars>" }
 *
 * The relay makes up a random browser id, and keeps it and the engine's cookie in its own
 * HttpOnly cookie. At check time both must come back: the cookie proves the engine issued it,
 * the payload proves it is replayed by the browser it was issued to.
 * @module
 */
import type { Context } from 'hono';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { apiUrl, iso, newId, resolveMfaPolicy, type EngineContext } from './context.ts';
import { codeMatches, hashCode } from './crypto.ts';
import { invalidValue } from './errors.ts';
import { idRef } from './fields.ts';
import { links } from './http.ts';
import { rememberLifetimeMs } from './model/policy.ts';
import { transaction } from './store/db.ts';
import type { RememberedRow, UserRow } from './store/rows.ts';

export const REMEMBER_COOKIE = 'ST-MFA-REMEMBER';
export const PAYLOAD_TYPE = 'MFA_ELEMENTS_BROWSER';

const payloadSchema = z.strictObject({
  type: z.literal(PAYLOAD_TYPE),
  value: z.string().regex(/^[A-Za-z0-9_-]{22,512}$/, {
    message: 'payload.value must be 22–512 URL-safe characters',
  }),
});

export const rememberSchema = z.strictObject({
  type: z.literal('REMEMBER_ME'),
  payload: payloadSchema,
  policy: idRef,
  session: idRef.optional(),
});

export const rememberCheckSchema = z.strictObject({
  user: idRef.optional(),
  payload: payloadSchema,
  policy: idRef,
  deviceSession: idRef.optional(),
});

export function createRememberedDevice(
  ctx: EngineContext,
  c: Context,
  user: UserRow,
  input: z.infer<typeof rememberSchema>,
): Response {
  const { id: policyId, policy } = resolveMfaPolicy(ctx, input.policy.id);
  if (!policy.rememberMe?.web.enabled) {
    throw invalidValue('policy.id', 'Remembering devices is not enabled in the MFA policy.');
  }
  const token = randomBytes(32).toString('base64url');
  const lifetimeMs = rememberLifetimeMs(policy);
  const now = ctx.now();
  const id = newId();
  transaction(ctx.db, () => {
    ctx.db
      .prepare(
        `INSERT INTO remembered_devices (id, user_id, token_hash, binding, policy_id, session_id, expires_at, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        id,
        user.id,
        hashCode(ctx.keys, 'remember', token),
        hashCode(ctx.keys, 'remember-binding', input.payload.value),
        policyId,
        input.session?.id ?? null,
        now + lifetimeMs,
        now,
      );
  });
  ctx.log({ event: 'remembered_device.created', userId: user.id });
  c.header(
    'Set-Cookie',
    `${REMEMBER_COOKIE}=${token}; Max-Age=${Math.floor(lifetimeMs / 1000)}; Path=/; HttpOnly; Secure; SameSite=None`,
  );
  return c.json(
    {
      _links: links({ user: apiUrl(ctx, `/users/${user.id}`) }),
      id,
      type: 'REMEMBER_ME',
      status: 'ACTIVE',
      user: { id: user.id },
      policy: { id: policyId },
      createdAt: iso(now),
      expiresAt: iso(now + lifetimeMs),
    },
    201,
  );
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}

export type RememberResult =
  | { remembered: true; userId: string; policyId: string }
  | { remembered: false; userId: string | null; policyId: string; reason: string };

/** Whether the browser behind this cookie and payload is remembered for the user. */
export function checkRemembered(
  ctx: EngineContext,
  cookieHeader: string | undefined,
  input: z.infer<typeof rememberCheckSchema>,
): RememberResult {
  const { id: policyId, policy } = resolveMfaPolicy(ctx, input.policy.id);
  const userId = input.user?.id ?? null;
  const miss = (reason: string): RememberResult => ({
    remembered: false,
    userId,
    policyId,
    reason,
  });
  if (!policy.rememberMe?.web.enabled) return miss('REMEMBER_ME_DISABLED');
  const token = cookieValue(cookieHeader, REMEMBER_COOKIE);
  if (!token) return miss('NO_REMEMBERED_DEVICE');
  const row = ctx.db
    .prepare('SELECT * FROM remembered_devices WHERE token_hash = ?')
    .get(hashCode(ctx.keys, 'remember', token)) as RememberedRow | undefined;
  if (!row) return miss('NO_REMEMBERED_DEVICE');
  const binds = codeMatches(ctx.keys, 'remember-binding', input.payload.value, row.binding);
  if (!binds || row.expires_at <= ctx.now() || row.policy_id !== policyId) {
    return miss('NO_REMEMBERED_DEVICE');
  }
  if (userId !== null && userId !== row.user_id) return miss('NO_REMEMBERED_DEVICE');
  if (row.session_id !== null && row.session_id !== input.deviceSession?.id) {
    return miss('NO_REMEMBERED_DEVICE');
  }
  return { remembered: true, userId: row.user_id, policyId };
}
