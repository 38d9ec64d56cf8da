/**
 * The outside world a flow driver talks to besides the relay: the browser's WebAuthn. Elements
 * pass the real implementation (`src/elements/shared/webauthn.ts`); Node tests pass a software
 * authenticator.
 * @module
 */
import type {
  AuthenticationCredential,
  Compatibility,
  RegistrationCredential,
} from '../protocol/schemas.ts';

export interface WebAuthnPort {
  /** What this browser can do: platform authenticator (`FULL`), roaming keys only, or nothing. */
  compatibility(): Promise<Compatibility>;
  /** `navigator.credentials.get` with the relay's request options (JSON form). */
  authenticate(options: Record<string, unknown>): Promise<AuthenticationCredential>;
  /** `navigator.credentials.create` with the relay's creation options (JSON form). */
  register(options: Record<string, unknown>): Promise<RegistrationCredential>;
  /** Ends an open ceremony, so leaving a step closes the browser's prompt. */
  cancel(): void;
}

/** A clock, so that tests can move time. */
export type Now = () => number;
