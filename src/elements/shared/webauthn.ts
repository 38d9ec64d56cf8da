/**
 * The browser's WebAuthn behind the flows' `WebAuthnPort`, through @simplewebauthn/browser.
 * @module
 */
import {
  browserSupportsWebAuthn,
  platformAuthenticatorIsAvailable,
  startAuthentication,
  startRegistration,
  WebAuthnAbortService,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/browser';
import type { WebAuthnPort } from '../../flows/ports.ts';
import type { AuthenticationCredential, RegistrationCredential } from '../../protocol/schemas.ts';

export const browserWebAuthn: WebAuthnPort = {
  async compatibility() {
    if (!browserSupportsWebAuthn()) return 'NONE';
    return (await platformAuthenticatorIsAvailable()) ? 'FULL' : 'SECURITY_KEY_ONLY';
  },
  async authenticate(options) {
    // The relay sends PublicKeyCredentialRequestOptionsJSON; its schema is checked upstream.
    const response = await startAuthentication({
      optionsJSON: options as unknown as PublicKeyCredentialRequestOptionsJSON,
    });
    return response as AuthenticationCredential;
  },
  async register(options) {
    const response = await startRegistration({
      optionsJSON: options as unknown as PublicKeyCredentialCreationOptionsJSON,
    });
    return response as RegistrationCredential;
  },
  cancel() {
    WebAuthnAbortService.cancelCeremony();
  },
};
