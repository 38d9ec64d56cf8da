/**
 * What the sign-in and enrollment machines share: errors as the flows see them, and how a failed
 * WebAuthn ceremony is told apart (cancelled, unsupported, already registered).
 * @module
 */
import type { MfaErrorCode } from '../client/client.ts';
import { DEVICE_TYPES } from '../protocol/http.ts';
import type { DeviceType } from '../protocol/schemas.ts';

/** An error shown in a step; `code` is also the i18n key (`error.<code>`). */
export interface FlowError {
  code: MfaErrorCode;
  attemptsRemaining?: number;
  retryAfterSeconds?: number;
  lockedUntil?: string;
}

/** Codes after which the element cannot go on: the host must mint a new ticket. */
export const SESSION_FATAL: readonly MfaErrorCode[] = [
  'SESSION_REQUIRED',
  'TICKET_INVALID',
  'TICKET_EXPIRED',
  'TICKET_REPLAYED',
  'PURPOSE_FORBIDDEN',
  'CSRF_REJECTED',
  'ORIGIN_FORBIDDEN',
];

/** How a WebAuthn ceremony ended when it did not produce a credential. */
export type CeremonyOutcome = 'cancelled' | 'unsupported' | 'alreadyRegistered' | 'failed';

/** Device types that deliver a code (and so can resend one). */
export const SENDS_CODE: readonly string[] = ['SMS', 'VOICE', 'EMAIL', 'WHATSAPP'];

/** How many digits a device's code may have. */
export interface CodeLength {
  min: number;
  max: number;
}

/**
 * The digits a code of this device type has: hardware tokens show 6 or 8 whatever the policy
 * says; every other type exactly the policy's length (6 when it says nothing).
 */
export function codeLength(type: string, policyLength: number | undefined): CodeLength {
  if (type === 'OATH_TOKEN') return { min: 6, max: 8 };
  const exact = policyLength ?? 6;
  return { min: exact, max: exact };
}

/** Seconds before "send a new code" is offered again after a code was sent. */
export const RESEND_COOLDOWN_SECONDS = 30;

export function isDeviceType(value: string): value is DeviceType {
  return (DEVICE_TYPES as readonly string[]).includes(value);
}

/** Maps the `name` of a WebAuthn failure (a DOMException or SimpleWebAuthn's WebAuthnError). */
export function classifyCeremonyError(error: unknown): CeremonyOutcome {
  const name = error instanceof Error ? error.name : '';
  // SimpleWebAuthn wraps the DOMException; its `cause` keeps the browser's own name.
  const cause =
    error instanceof Error && error.cause instanceof Error ? error.cause.name : undefined;
  const names = [name, cause];
  if (names.includes('InvalidStateError')) return 'alreadyRegistered';
  if (names.includes('NotAllowedError') || names.includes('AbortError')) return 'cancelled';
  if (names.includes('NotSupportedError') || names.includes('SecurityError')) return 'unsupported';
  return 'failed';
}

/** A copy of `value` without `key` (states drop an error or a ceremony outcome this way). */
export function omit<T extends object, K extends keyof T>(value: T, key: K): Omit<T, K> {
  return Object.fromEntries(Object.entries(value).filter(([name]) => name !== key)) as Omit<T, K>;
}
