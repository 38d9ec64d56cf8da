/**
 * Browser-side helpers for element tests that run against the real relay (see relay-plugin.mjs):
 * tickets as the host would mint them, delivered codes as the phone would show them, TOTP codes as
 * an authenticator app computes them, and users set up through the relay's own API.
 */
import {
  startRegistration,
  type PublicKeyCredentialCreationOptionsJSON,
} from '@simplewebauthn/browser';
import { TOTP } from 'otpauth';
import { createMfaClient } from '../../src/client/client.ts';
import type { Purpose, RegistrationCredential } from '../../src/protocol/schemas.ts';

export const client = createMfaClient();

/** A user name no other test uses. */
export function uniqueUser(prefix: string): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}

/** A ticket as the host mints it; `ageSeconds` back-dates it (an expired one is over 300). */
export async function ticket(sub: string, purpose: Purpose, ageSeconds = 0): Promise<string> {
  const response = await fetch('/__test/ticket', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sub, purpose, ageSeconds }),
  });
  if (!response.ok) throw new Error(`ticket: ${String(response.status)}`);
  return ((await response.json()) as { ticket: string }).ticket;
}

/** The latest code delivered to `to`, and how many messages `to` has received. */
export async function lastCode(to: string): Promise<{ code: string; count: number }> {
  const response = await fetch(`/__test/code?to=${encodeURIComponent(to)}`);
  if (!response.ok) throw new Error(`no code for ${to}: ${String(response.status)}`);
  return (await response.json()) as { code: string; count: number };
}

/** The code an authenticator app shows now (`window` 1 is the next 30-second step). */
export function totpCode(secret: string, window = 0): string {
  return new TOTP({ secret }).generate({ timestamp: Date.now() + window * 30_000 });
}

/** Opens an enrollment session for `sub` in this page's cookie jar. */
export async function enrollSession(sub: string): Promise<void> {
  await client.endSession().catch(() => undefined);
  await client.openSession(await ticket(sub, 'enroll'));
}

export type DeviceSpec =
  | { type: 'TOTP'; nickname?: string }
  | { type: 'SMS' | 'VOICE' | 'WHATSAPP'; phone: string; nickname?: string }
  | { type: 'EMAIL'; email: string; nickname?: string }
  | { type: 'FIDO2' };

/**
 * Gives `sub` these active devices, in this order (the first is the default), through the relay's
 * own API in one enrollment session: all are created before any is activated, because adding a
 * device next to an active one needs a fresh second factor. Returns the TOTP secret, if any.
 */
export async function setUpUser(
  sub: string,
  devices: readonly DeviceSpec[],
): Promise<{ secret?: string }> {
  await enrollSession(sub);
  const created = [];
  for (const spec of devices) created.push({ spec, view: await client.createDevice(spec) });
  let secret: string | undefined;
  for (const { spec, view } of created) {
    const id = view.device.id;
    if (spec.type === 'TOTP') {
      secret = view.secret;
      await client.activateDevice(id, { otp: totpCode(view.secret ?? '') });
    } else if (spec.type === 'FIDO2') {
      const credential = await startRegistration({
        optionsJSON: view.publicKeyOptions as unknown as PublicKeyCredentialCreationOptionsJSON,
      });
      await client.activateDevice(id, { credential: credential as RegistrationCredential });
    } else {
      const { code } = await lastCode(spec.type === 'EMAIL' ? spec.email : spec.phone);
      await client.activateDevice(id, { otp: code });
    }
  }
  await signOut();
  return secret === undefined ? {} : { secret };
}

/** Ends whatever session the page has, so the next element starts from its own ticket. */
export async function signOut(): Promise<void> {
  await client.endSession().catch(() => undefined);
}
