/**
 * The browser's WebAuthn behind the flows' `WebAuthnPort`. Feature detection uses the platform's
 * own API; the ceremonies go through @simplewebauthn/browser, which is loaded only when a passkey
 * or security-key step opens (`preloadWebAuthn()`), so people who sign in with a code never
 * download it.
 * @module
 */
import type * as SimpleWebAuthn from '@simplewebauthn/browser';
import type { WebAuthnPort } from '../../flows/ports.ts';
import type { AuthenticationCredential, RegistrationCredential } from '../../protocol/schemas.ts';

type Library = typeof SimpleWebAuthn;

let library: Promise<Library> | undefined;

/** Starts loading the ceremony code; call it when a WebAuthn step is shown, before the click. */
export function preloadWebAuthn(): Promise<Library> {
  library ??= import('@simplewebauthn/browser').catch((error: unknown) => {
    // A failed download may succeed on the next try.
    library = undefined;
    throw error;
  });
  return library;
}

export const browserWebAuthn: WebAuthnPort = {
  async compatibility() {
    if (typeof window.PublicKeyCredential !== 'function') return 'NONE';
    const platform =
      await PublicKeyCredential.isUserVerifyingPlatformAuthenticatorAvailable().catch(() => false);
    return platform ? 'FULL' : 'SECURITY_KEY_ONLY';
  },
  async authenticate(options) {
    const { startAuthentication } = await preloadWebAuthn();
    // The relay sends PublicKeyCredentialRequestOptionsJSON, checked against its schema upstream.
    const response = await startAuthentication({
      optionsJSON: options as unknown as Parameters<
        Library['startAuthentication']
      >[0]['optionsJSON'],
    });
    return response as AuthenticationCredential;
  },
  async register(options) {
    const { startRegistration } = await preloadWebAuthn();
    const response = await startRegistration({
      optionsJSON: options as unknown as Parameters<Library['startRegistration']>[0]['optionsJSON'],
    });
    return response as RegistrationCredential;
  },
  cancel() {
    // Nothing to cancel if the library never loaded: no ceremony can have started.
    void library?.then(({ WebAuthnAbortService }) => {
      WebAuthnAbortService.cancelCeremony();
    });
  },
};
