/**
 * What a host application does after the first factor: sign a short-lived ticket for the relay.
 * The demo host and the `npm run ticket` script use it; a customer's server does the same with
 * any JWT library.
 * @module
 */
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import type { Purpose } from '../protocol/index.ts';

export interface TicketInput {
  /** The HS256 secret shared with the relay (`MFA_TICKET_SECRET`). */
  secret: string;
  sub: string;
  purpose: Purpose;
  /** `MFA_TICKET_AUDIENCE`; default `mfa-elements`. */
  audience?: string;
  /** Who asks; becomes the `aud` of the signed result. */
  issuer?: string;
  email?: string;
  /** At most 300. Default 120. */
  lifetimeSeconds?: number;
  now?: () => number;
}

export async function signTicket(input: TicketInput): Promise<string> {
  const iat = Math.floor((input.now ?? Date.now)() / 1000);
  const jwt = new SignJWT({
    purpose: input.purpose,
    ...(input.email !== undefined ? { email: input.email } : {}),
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(input.sub)
    .setAudience(input.audience ?? 'mfa-elements')
    .setIssuedAt(iat)
    .setExpirationTime(iat + Math.min(input.lifetimeSeconds ?? 120, 300))
    .setJti(randomUUID());
  if (input.issuer !== undefined) jwt.setIssuer(input.issuer);
  return jwt.sign(new TextEncoder().encode(input.secret));
}
