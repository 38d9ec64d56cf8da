import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, KeyObject, webcrypto } from 'node:crypto';
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  WebAuthnCredential,
} from '@simplewebauthn/server';
import { isoCBOR } from '@simplewebauthn/server/helpers';
import { SoftAuthenticator } from './soft-authenticator.ts';
import type { SoftAuthenticatorOptions } from './soft-authenticator.ts';

const rpID = 'localhost';
const origin = 'http://localhost:5173';

function b64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

function registrationOptions(
  extra: Partial<Parameters<typeof generateRegistrationOptions>[0]> = {},
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  return generateRegistrationOptions({
    rpName: 'Soft Authenticator Test',
    rpID,
    userName: 'alice@example.com',
    attestationType: 'none',
    ...extra,
  });
}

/** Registers a fresh credential and returns what a server would have stored. */
async function register(
  authOptions?: SoftAuthenticatorOptions,
): Promise<{ auth: SoftAuthenticator; credential: WebAuthnCredential }> {
  const auth = new SoftAuthenticator(authOptions);
  const options = await registrationOptions();
  const response = auth.create(options, origin);
  const verification = await verifyRegistrationResponse({
    response,
    expectedChallenge: options.challenge,
    expectedOrigin: origin,
    expectedRPID: rpID,
  });
  assert.equal(verification.verified, true);
  return { auth, credential: verification.registrationInfo.credential };
}

/** Generates authentication options, lets `answer` produce the response, and verifies it. */
async function authenticate(
  credential: WebAuthnCredential,
  answer: (
    options: Awaited<ReturnType<typeof generateAuthenticationOptions>>,
  ) => AuthenticationResponseJSON,
  requireUserVerification = true,
): Promise<Awaited<ReturnType<typeof verifyAuthenticationResponse>>> {
  const options = await generateAuthenticationOptions({
    rpID,
    allowCredentials: [{ id: credential.id }],
    userVerification: 'preferred',
  });
  return verifyAuthenticationResponse({
    response: answer(options),
    expectedChallenge: options.challenge,
    expectedOrigin: origin,
    expectedRPID: rpID,
    credential,
    requireUserVerification,
  });
}

describe('SoftAuthenticator registration', () => {
  it('produces a none-attestation response that verifyRegistrationResponse accepts', async () => {
    const auth = new SoftAuthenticator();
    const options = await registrationOptions();
    const response = auth.create(options, origin);

    const verification = await verifyRegistrationResponse({
      response,
      expectedChallenge: options.challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
      requireUserVerification: true,
    });

    assert.equal(verification.verified, true);
    const info = verification.registrationInfo;
    assert.ok(info);
    const stored = auth.credentials[0];
    assert.ok(stored);
    assert.equal(auth.credentials.length, 1);
    assert.equal(stored.id.length, 32);
    assert.equal(info.credential.id, b64url(stored.id));
    assert.equal(info.credential.id, response.id);
    assert.equal(response.rawId, response.id);
    assert.equal(info.fmt, 'none');
    assert.equal(info.aaguid, '00000000-0000-0000-0000-000000000000');
    assert.equal(info.credential.counter, 0);
    assert.equal(info.userVerified, true);
    assert.equal(info.credentialDeviceType, 'singleDevice');
    assert.equal(info.credentialBackedUp, false);
    assert.equal(b64url(stored.userHandle), options.user.id);
  });

  it('encodes byte strings as CBOR major type 2 and the COSE key with integer labels', async () => {
    const auth = new SoftAuthenticator();
    const response = auth.create(await registrationOptions(), origin);

    const attObj = Buffer.from(response.response.attestationObject, 'base64url');
    const key = attObj.indexOf('authData');
    assert.ok(key > 0);
    // The top-level value is a 3-entry map (0xa3), and authData is a bare byte string: major
    // type 2 with a 1-byte length (0x58), not a typed array wrapped in tag 64.
    assert.equal(attObj[0], 0xa3);
    assert.equal(attObj[key + 'authData'.length], 0x58);

    const authData = Buffer.from(response.response.authenticatorData ?? '', 'base64url');
    const coseBytes = authData.subarray(37 + 16 + 2 + 32);
    // tiny-cbor (simplewebauthn's strict decoder) keeps integer labels as numbers.
    const cose = isoCBOR.decodeFirst<Map<number | string, unknown>>(new Uint8Array(coseBytes));
    assert.deepEqual([...cose.keys()], [1, 3, -1, -2, -3]);
    assert.equal(cose.get(1), 2);
    assert.equal(cose.get(3), -7);
    assert.equal(cose.get(-1), 1);

    // The SPKI `publicKey` field describes the same key as the COSE key in authData.
    const spki = createPublicKey({
      key: Buffer.from(response.response.publicKey ?? '', 'base64url'),
      format: 'der',
      type: 'spki',
    });
    const jwk = spki.export({ format: 'jwk' });
    const x = cose.get(-2);
    const y = cose.get(-3);
    assert.ok(x instanceof Uint8Array && y instanceof Uint8Array);
    assert.equal(b64url(x), jwk.x);
    assert.equal(b64url(y), jwk.y);
    assert.equal(response.response.publicKeyAlgorithm, -7);
  });

  it('reflects aaguid and backup flags from the constructor options', async () => {
    const aaguid = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
    const auth = new SoftAuthenticator({ aaguid, backupEligible: true, backedUp: true });
    const options = await registrationOptions();
    const verification = await verifyRegistrationResponse({
      response: auth.create(options, origin),
      expectedChallenge: options.challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
    });
    assert.equal(verification.verified, true);
    assert.equal(verification.registrationInfo.aaguid, '01020304-0506-0708-090a-0b0c0d0e0f10');
    assert.equal(verification.registrationInfo.credentialDeviceType, 'multiDevice');
    assert.equal(verification.registrationInfo.credentialBackedUp, true);
  });

  it('rejects registration with a wrong origin, wrong challenge, or UP cleared', async () => {
    const options = await registrationOptions();
    const verify = (response: ReturnType<SoftAuthenticator['create']>) =>
      verifyRegistrationResponse({
        response,
        expectedChallenge: options.challenge,
        expectedOrigin: origin,
        expectedRPID: rpID,
      });

    await assert.rejects(
      verify(new SoftAuthenticator().create(options, 'http://evil.test')),
      /origin/,
    );
    await assert.rejects(
      verify(new SoftAuthenticator().create(options, origin, { challenge: 'AAAA' })),
      /challenge/,
    );
    await assert.rejects(
      verify(new SoftAuthenticator().create(options, origin, { flags: { up: false } })),
      /not present/,
    );
    await assert.rejects(
      verify(new SoftAuthenticator().create(options, origin, { rpId: 'evil.test' })),
      /RP ID/,
    );
  });

  it('throws InvalidStateError when excludeCredentials contains an existing credential', async () => {
    const { auth, credential } = await register();
    const options = await registrationOptions({ excludeCredentials: [{ id: credential.id }] });

    assert.throws(() => auth.create(options, origin), { name: 'InvalidStateError' });
    assert.equal(auth.credentials.length, 1);
    // A different authenticator does not hold that credential, so it may register.
    assert.doesNotThrow(() => new SoftAuthenticator().create(options, origin));
  });

  it('throws when ES256 is not offered', async () => {
    const options = await registrationOptions({ supportedAlgorithmIDs: [-257] });
    assert.throws(() => new SoftAuthenticator().create(options, origin), {
      name: 'NotSupportedError',
    });
  });
});

describe('SoftAuthenticator authentication', () => {
  it('produces an assertion that verifyAuthenticationResponse accepts, with a rising counter', async () => {
    const { auth, credential } = await register();

    const first = await authenticate(credential, (options) => auth.get(options, origin));
    assert.equal(first.verified, true);
    assert.equal(first.authenticationInfo.credentialID, credential.id);
    assert.equal(first.authenticationInfo.userVerified, true);
    assert.ok(first.authenticationInfo.newCounter > credential.counter);
    assert.equal(first.authenticationInfo.newCounter, 1);

    const second = await authenticate(
      { ...credential, counter: first.authenticationInfo.newCounter },
      (options) => auth.get(options, origin),
    );
    assert.equal(second.verified, true);
    assert.equal(second.authenticationInfo.newCounter, 2);
    assert.equal(auth.credentials[0]?.signCount, 2);
  });

  it('signs with a WebCrypto CryptoKey stored in place of the KeyObject', async () => {
    const { auth, credential } = await register();
    const stored = auth.credentials[0];
    assert.ok(stored && stored.privateKey instanceof KeyObject);
    stored.privateKey = await webcrypto.subtle.importKey(
      'pkcs8',
      stored.privateKey.export({ type: 'pkcs8', format: 'der' }),
      { name: 'ECDSA', namedCurve: 'P-256' },
      false,
      ['sign'],
    );
    const result = await authenticate(credential, (options) => auth.get(options, origin));
    assert.equal(result.verified, true);
  });

  it('rejects a wrong origin', async () => {
    const { auth, credential } = await register();
    await assert.rejects(
      authenticate(credential, (options) => auth.get(options, 'http://evil.test')),
      /origin/,
    );
  });

  it('rejects a wrong challenge', async () => {
    const { auth, credential } = await register();
    await assert.rejects(
      authenticate(credential, (options) => auth.get(options, origin, { challenge: 'AAAA' })),
      /challenge/,
    );
  });

  it('rejects a wrong clientData type', async () => {
    const { auth, credential } = await register();
    await assert.rejects(
      authenticate(credential, (options) => auth.get(options, origin, { type: 'webauthn.create' })),
      /type/,
    );
  });

  it('rejects an assertion with UP cleared', async () => {
    const { auth, credential } = await register();
    await assert.rejects(
      authenticate(credential, (options) => auth.get(options, origin, { flags: { up: false } })),
      /not present/,
    );
  });

  it('rejects UV cleared when user verification is required, and accepts it otherwise', async () => {
    const { auth, credential } = await register();
    await assert.rejects(
      authenticate(credential, (options) => auth.get(options, origin, { flags: { uv: false } })),
      /User verification required/,
    );
    const lenient = await authenticate(
      credential,
      (options) => auth.get(options, origin, { flags: { uv: false } }),
      false,
    );
    assert.equal(lenient.verified, true);
    assert.equal(lenient.authenticationInfo.userVerified, false);
  });

  it('rejects a tampered signature', async () => {
    const { auth, credential } = await register();
    const tamper = (response: AuthenticationResponseJSON): AuthenticationResponseJSON => {
      const sig = Buffer.from(response.response.signature, 'base64url');
      // Flip a bit in the last byte (inside the DER-encoded S value), keeping the DER valid.
      sig[sig.length - 1] = (sig[sig.length - 1] ?? 0) ^ 0x01;
      return {
        ...response,
        response: { ...response.response, signature: sig.toString('base64url') },
      };
    };

    let verified: boolean;
    try {
      verified = (await authenticate(credential, (options) => tamper(auth.get(options, origin))))
        .verified;
    } catch {
      verified = false;
    }
    assert.equal(verified, false);
  });

  it('rejects a counter regression', async () => {
    const { auth, credential } = await register();
    let stored = credential;
    for (let i = 0; i < 3; i++) {
      const result = await authenticate(stored, (options) => auth.get(options, origin));
      stored = { ...stored, counter: result.authenticationInfo.newCounter };
    }
    assert.equal(stored.counter, 3);

    await assert.rejects(
      authenticate(stored, (options) => auth.get(options, origin, { signCount: 2 })),
      /counter/,
    );
    // The override is one-shot: the authenticator's own counter keeps rising afterwards.
    const next = await authenticate(stored, (options) => auth.get(options, origin));
    assert.equal(next.authenticationInfo.newCounter, 4);
  });

  it('picks a discoverable credential when allowCredentials is empty and returns its userHandle', async () => {
    const auth = new SoftAuthenticator();
    const userID = new TextEncoder().encode('user-1234');
    const regOptions = await registrationOptions({ userID });
    const registration = await verifyRegistrationResponse({
      response: auth.create(regOptions, origin),
      expectedChallenge: regOptions.challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
    });
    assert.equal(registration.verified, true);

    const options = await generateAuthenticationOptions({ rpID, allowCredentials: [] });
    const response = auth.get(options, origin);
    assert.equal(response.id, registration.registrationInfo.credential.id);
    assert.equal(response.response.userHandle, b64url(userID));
    assert.deepEqual(
      new Uint8Array(Buffer.from(response.response.userHandle ?? '', 'base64url')),
      userID,
    );

    const verification = await verifyAuthenticationResponse({
      response,
      expectedChallenge: options.challenge,
      expectedOrigin: origin,
      expectedRPID: rpID,
      credential: registration.registrationInfo.credential,
    });
    assert.equal(verification.verified, true);
  });

  it('throws a clear error when no credential matches', async () => {
    const { auth } = await register({ residentKey: false });

    // Non-discoverable credentials are not offered without allowCredentials.
    const discoverable = await generateAuthenticationOptions({ rpID });
    assert.throws(() => auth.get(discoverable, origin), {
      name: 'NotAllowedError',
      message: /no credential for RP "localhost"/,
    });

    const other = await register();
    const allowOther = await generateAuthenticationOptions({
      rpID,
      allowCredentials: [{ id: other.credential.id }],
    });
    assert.throws(() => auth.get(allowOther, origin), { name: 'NotAllowedError' });

    const otherRp = await generateAuthenticationOptions({ rpID: 'example.com' });
    assert.throws(() => other.auth.get(otherRp, origin), { name: 'NotAllowedError' });
  });
});
