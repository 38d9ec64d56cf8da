/**
 * What every engine route shares: the database, keys, clock, URLs, policies and delivery.
 * @module
 */
import { randomUUID } from 'node:crypto';
import type { EngineKeys } from './crypto.ts';
import { EngineError, invalidValue, notFound } from './errors.ts';
import type { Db } from './store/db.ts';
import type { OutboxRow, PolicyRow, UserRow } from './store/rows.ts';
import {
  mfaPolicySchema,
  mfaSettingsSchema,
  type Fido2Policy,
  type MfaPolicy,
  type MfaSettings,
} from './model/policy.ts';

export type Channel = 'SMS' | 'VOICE' | 'EMAIL' | 'WHATSAPP';

/** A structured audit event. Never carries a code, seed, secret or token. */
export interface EngineEvent {
  event: string;
  [field: string]: string | number | boolean | null | undefined;
}

export interface EngineContext {
  db: Db;
  keys: EngineKeys;
  environmentId: string;
  now: () => number;
  /** Public base URL of the engine, e.g. `http://localhost:5173/engine`; HAL links start here. */
  baseUrl: string;
  allowedOrigins: readonly string[];
  relyingPartyName: string;
  authenticationLifetimeMs: number;
  /** Recipients whose delivery fails, to exercise the error path of a real gateway. */
  failingRecipients: ReadonlySet<string>;
  log: (event: EngineEvent) => void;
}

export const newId = (): string => randomUUID();

export const iso = (ms: number): string => new Date(ms).toISOString();

export function apiUrl(ctx: EngineContext, path: string): string {
  return `${ctx.baseUrl}/v1/environments/${ctx.environmentId}${path}`;
}

export function authUrl(ctx: EngineContext, path: string): string {
  return `${ctx.baseUrl}/${ctx.environmentId}${path}`;
}

// ---------------------------------------------------------------------------------------------
// Users

export function getUser(ctx: EngineContext, userId: string): UserRow {
  const user = ctx.db.prepare('SELECT * FROM users WHERE id = ?').get(userId) as
    UserRow | undefined;
  if (!user) throw notFound();
  return user;
}

// ---------------------------------------------------------------------------------------------
// Policies and settings

export function readPolicyRow(
  ctx: EngineContext,
  kind: PolicyRow['kind'],
  id: string,
): PolicyRow | undefined {
  return ctx.db.prepare('SELECT * FROM policies WHERE id = ? AND kind = ?').get(id, kind) as
    PolicyRow | undefined;
}

export function defaultPolicyRow(ctx: EngineContext, kind: PolicyRow['kind']): PolicyRow {
  const row = ctx.db
    .prepare('SELECT * FROM policies WHERE kind = ? AND is_default = 1 LIMIT 1')
    .get(kind) as PolicyRow | undefined;
  if (!row) throw new EngineError(500, 'UNEXPECTED_ERROR');
  return row;
}

export interface ResolvedPolicy {
  id: string;
  policy: MfaPolicy;
}

/** The MFA policy named in a request body (`policy.id`), or the environment default. */
export function resolveMfaPolicy(ctx: EngineContext, policyId: string | undefined): ResolvedPolicy {
  const row =
    policyId === undefined ? defaultPolicyRow(ctx, 'mfa') : readPolicyRow(ctx, 'mfa', policyId);
  if (!row) throw invalidValue('policy.id', 'The MFA policy does not exist.');
  return { id: row.id, policy: mfaPolicySchema.parse(JSON.parse(row.body)) };
}

/**
 * The policy a stored device or authentication refers to. If that policy was deleted since,
 * the environment default applies.
 */
export function storedMfaPolicy(ctx: EngineContext, policyId: string | null): ResolvedPolicy {
  const row =
    (policyId !== null ? readPolicyRow(ctx, 'mfa', policyId) : undefined) ??
    defaultPolicyRow(ctx, 'mfa');
  return { id: row.id, policy: mfaPolicySchema.parse(JSON.parse(row.body)) };
}

export function resolveFido2Policy(
  ctx: EngineContext,
  mfaPolicy: MfaPolicy,
): { id: string; policy: Fido2Policy } {
  const id = mfaPolicy.fido2.fido2PolicyId;
  const row = id ? readPolicyRow(ctx, 'fido2', id) : defaultPolicyRow(ctx, 'fido2');
  if (!row) throw new EngineError(500, 'UNEXPECTED_ERROR');
  return { id: row.id, policy: JSON.parse(row.body) as Fido2Policy };
}

export function readSettings(ctx: EngineContext): { settings: MfaSettings; updatedAt: number } {
  const row = ctx.db.prepare('SELECT body, updated_at FROM settings WHERE id = 1').get() as
    { body: string; updated_at: number } | undefined;
  if (!row) throw new EngineError(500, 'UNEXPECTED_ERROR');
  return { settings: mfaSettingsSchema.parse(JSON.parse(row.body)), updatedAt: row.updated_at };
}

// ---------------------------------------------------------------------------------------------
// Delivery

/** PingOne's platform limit: 50 messages a day to one recipient per channel. */
const DAILY_MESSAGE_LIMIT = 50;

/**
 * Delivers a message by recording it in the outbox. Runs inside the caller's transaction, so a
 * failed delivery rolls back whatever the request changed (no code stored for a message never sent).
 */
export function deliver(
  ctx: EngineContext,
  message: { channel: Channel; recipient: string; text: string },
): void {
  if (ctx.failingRecipients.has(message.recipient)) {
    ctx.log({ event: 'delivery.failed', channel: message.channel });
    throw new EngineError(400, 'REQUEST_FAILED', [
      {
        code: 'DELIVERY_FAILED',
        target: message.channel === 'EMAIL' ? 'email' : 'phone',
        message: 'The message could not be delivered to the recipient.',
      },
    ]);
  }
  const since = ctx.now() - 86_400_000;
  const { sent } = ctx.db
    .prepare(
      'SELECT COUNT(*) AS sent FROM outbox WHERE recipient = ? AND channel = ? AND created_at > ?',
    )
    .get(message.recipient, message.channel, since) as { sent: number };
  if (sent >= DAILY_MESSAGE_LIMIT) {
    throw new EngineError(
      429,
      'REQUEST_LIMITED',
      [
        {
          code: 'DAILY_LIMIT_EXCEEDED',
          message: 'Too many messages were sent to this recipient today.',
          innerError: { maximumValue: DAILY_MESSAGE_LIMIT },
        },
      ],
      { headers: { 'Retry-After': '3600' } },
    );
  }
  ctx.db
    .prepare('INSERT INTO outbox (channel, recipient, text, created_at) VALUES (?, ?, ?, ?)')
    .run(message.channel, message.recipient, message.text, ctx.now());
  ctx.log({ event: 'delivery.sent', channel: message.channel });
}

export function outboxMessages(
  ctx: EngineContext,
  filter: { to?: string; limit: number },
): OutboxRow[] {
  const sql = filter.to
    ? 'SELECT * FROM outbox WHERE recipient = ? ORDER BY id DESC LIMIT ?'
    : 'SELECT * FROM outbox ORDER BY id DESC LIMIT ?';
  const params = filter.to ? [filter.to, filter.limit] : [filter.limit];
  return ctx.db.prepare(sql).all(...params) as OutboxRow[];
}

/** Masks a phone number, keeping the `+` and the last 4 digits: `+1******1234`. */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  const keepStart = Math.min(1, Math.max(0, digits.length - 4));
  return `+${digits.slice(0, keepStart)}${'*'.repeat(Math.max(0, digits.length - 4 - keepStart))}${digits.slice(-4)}`;
}

/** Masks an email address, keeping the first character and the domain: `j****@example.com`. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '****';
  return `${email.slice(0, 1)}****${email.slice(at)}`;
}
