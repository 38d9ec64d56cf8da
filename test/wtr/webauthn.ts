/**
 * Virtual WebAuthn authenticators for browser tests, driven through the test runner's DevTools
 * session (see webauthn-plugin.mjs). Chromium only. An authenticator lives until it is removed or
 * the test file ends; remove it in `afterEach` when tests in one file need different ones.
 * @module
 */
import { executeServerCommand } from '@web/test-runner-commands';

/** What kind of authenticator to simulate; defaults follow the transport. */
export interface VirtualAuthenticatorOptions {
  /** `internal`: a platform authenticator (passkey); `usb`: a roaming security key. Default `internal`. */
  transport?: 'internal' | 'usb';
  /** Can store discoverable credentials. Default: true for `internal`, false for `usb`. */
  hasResidentKey?: boolean;
  /** Supports user verification (PIN, biometrics). Default: true for `internal`, false for `usb`. */
  hasUserVerification?: boolean;
  /** User verification succeeds. Default: true for `internal`, false for `usb`. */
  isUserVerified?: boolean;
  /** Answers every ceremony without a touch. Default true; false leaves ceremonies pending. */
  automaticPresenceSimulation?: boolean;
}

/** A credential as the virtual authenticator stores it (the private key stays in the runner). */
export interface VirtualCredential {
  /** Base64 of the raw credential id. */
  credentialId: string;
  rpId: string | null;
  /** Base64 of the user handle, for discoverable credentials. */
  userHandle: string | null;
  isResidentCredential: boolean;
  signCount: number;
}

/** Adds a virtual authenticator to the test page and returns its id. */
export async function addVirtualAuthenticator(
  options: VirtualAuthenticatorOptions = {},
): Promise<string> {
  const { authenticatorId } = await executeServerCommand<
    { authenticatorId: string },
    VirtualAuthenticatorOptions
  >('webauthn-add-authenticator', options);
  return authenticatorId;
}

/** Removes one authenticator, or every authenticator this test file added when no id is given. */
export async function removeVirtualAuthenticator(authenticatorId?: string): Promise<void> {
  await executeServerCommand<{ removed: number }, { authenticatorId?: string }>(
    'webauthn-remove-authenticator',
    authenticatorId === undefined ? {} : { authenticatorId },
  );
}

/** Makes later user-verification attempts of the authenticator succeed or fail. */
export async function setUserVerified(
  authenticatorId: string,
  isUserVerified: boolean,
): Promise<void> {
  await executeServerCommand<boolean, { authenticatorId: string; isUserVerified: boolean }>(
    'webauthn-set-user-verified',
    { authenticatorId, isUserVerified },
  );
}

/** Turns the simulated touch on or off; off leaves new ceremonies pending until aborted. */
export async function setUserPresence(authenticatorId: string, enabled: boolean): Promise<void> {
  await executeServerCommand<boolean, { authenticatorId: string; enabled: boolean }>(
    'webauthn-set-presence',
    { authenticatorId, enabled },
  );
}

/** The credentials the authenticator holds. */
export async function listCredentials(authenticatorId: string): Promise<VirtualCredential[]> {
  return executeServerCommand<VirtualCredential[], { authenticatorId: string }>(
    'webauthn-credentials',
    { authenticatorId },
  );
}
