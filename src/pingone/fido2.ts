/**
 * Converters between PingOne's WebAuthn encoding and the WebAuthn JSON shapes
 * (`PublicKeyCredentialCreationOptionsJSON`, `RegistrationResponseJSON`, …) that browsers speak
 * through `@simplewebauthn/browser`.
 *
 * PingOne's encoding: options are a JSON *string* whose `challenge`, `user.id` and credential ids
 * are arrays of signed bytes and whose `pubKeyCredParams[].alg` values are strings; attestations
 * and assertions go back as a *stringified* credential whose binary members are standard base64.
 *
 * The converters are strict: anything not in the expected shape throws a TypeError naming the member.
 * @module
 */
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialDescriptorJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseObject(text: string, what: string): Json {
  if (typeof text !== 'string')
    throw new TypeError(`${what} must be a JSON string, got ${typeof text}`);
  const value: unknown = JSON.parse(text);
  if (!isRecord(value)) throw new TypeError(`${what} must encode a JSON object`);
  return value;
}

function record(value: unknown, what: string): Json {
  if (!isRecord(value)) throw new TypeError(`${what} must be an object`);
  return value;
}

function text(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new TypeError(`${what} must be a string`);
  return value;
}

/** PingOne signed-byte array → base64url. Every element must be an integer in [-128, 127]. */
export function signedBytesToBase64url(value: unknown, what: string): string {
  if (!Array.isArray(value) || value.length === 0) {
    throw new TypeError(`${what} must be a non-empty array of signed bytes`);
  }
  const bytes = value.map((byte: unknown, index) => {
    if (typeof byte !== 'number' || !Number.isInteger(byte) || byte < -128 || byte > 127) {
      throw new TypeError(`${what}[${index}] is not a signed byte: ${JSON.stringify(byte)}`);
    }
    return byte;
  });
  return Buffer.from(Int8Array.from(bytes).buffer).toString('base64url');
}

/** base64url (WebAuthn JSON) → standard, padded base64 (PingOne). */
export function base64urlToBase64(value: string, what = 'value'): string {
  if (!/^[A-Za-z0-9_-]*$/.test(value)) throw new TypeError(`${what} is not unpadded base64url`);
  return Buffer.from(value, 'base64url').toString('base64');
}

function descriptors(
  value: unknown,
  what: string,
): PublicKeyCredentialDescriptorJSON[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw new TypeError(`${what} must be an array`);
  return value.map((entry: unknown, index) => {
    const descriptor = record(entry, `${what}[${index}]`);
    if (descriptor.type !== 'public-key')
      throw new TypeError(`${what}[${index}].type must be public-key`);
    const transports = descriptor.transports;
    return {
      type: 'public-key',
      id: signedBytesToBase64url(descriptor.id, `${what}[${index}].id`),
      ...(Array.isArray(transports)
        ? { transports: transports as NonNullable<PublicKeyCredentialDescriptorJSON['transports']> }
        : {}),
    };
  });
}

/** PingOne `publicKeyCredentialCreationOptions` (a JSON string) → `PublicKeyCredentialCreationOptionsJSON`. */
export function pingCreationToJson(encoded: string): PublicKeyCredentialCreationOptionsJSON {
  const options = parseObject(encoded, 'publicKeyCredentialCreationOptions');
  const rp = record(options.rp, 'rp');
  const user = record(options.user, 'user');
  const params = options.pubKeyCredParams;
  if (!Array.isArray(params)) throw new TypeError('pubKeyCredParams must be an array');
  const excludeCredentials = descriptors(options.excludeCredentials, 'excludeCredentials');
  return {
    ...(options as unknown as PublicKeyCredentialCreationOptionsJSON),
    rp: {
      name: text(rp.name, 'rp.name'),
      ...(rp.id !== undefined ? { id: text(rp.id, 'rp.id') } : {}),
    },
    user: {
      id: signedBytesToBase64url(user.id, 'user.id'),
      name: text(user.name, 'user.name'),
      displayName: text(user.displayName, 'user.displayName'),
    },
    challenge: signedBytesToBase64url(options.challenge, 'challenge'),
    pubKeyCredParams: params.map((entry: unknown, index) => {
      const param = record(entry, `pubKeyCredParams[${index}]`);
      const alg = text(param.alg, `pubKeyCredParams[${index}].alg`);
      if (!/^-?[0-9]+$/.test(alg))
        throw new TypeError(`pubKeyCredParams[${index}].alg is not an integer string`);
      return { type: 'public-key' as const, alg: Number(alg) };
    }),
    ...(excludeCredentials !== undefined ? { excludeCredentials } : {}),
  };
}

/** PingOne `publicKeyCredentialRequestOptions` (a JSON string) → `PublicKeyCredentialRequestOptionsJSON`. */
export function pingRequestToJson(encoded: string): PublicKeyCredentialRequestOptionsJSON {
  const options = parseObject(encoded, 'publicKeyCredentialRequestOptions');
  const allowCredentials = descriptors(options.allowCredentials, 'allowCredentials');
  return {
    ...(options as unknown as PublicKeyCredentialRequestOptionsJSON),
    challenge: signedBytesToBase64url(options.challenge, 'challenge'),
    ...(allowCredentials !== undefined ? { allowCredentials } : {}),
  };
}

/**
 * `RegistrationResponseJSON` → PingOne's `attestation` string: the members Ping's sample sends
 * (`id`, `type`, `rawId`, `response.clientDataJSON`, `response.attestationObject`,
 * `clientExtensionResults`), binary ones in standard base64.
 */
export function registrationToPing(response: RegistrationResponseJSON): string {
  return JSON.stringify({
    id: base64urlToBase64(response.id, 'id'),
    type: response.type,
    rawId: base64urlToBase64(response.rawId, 'rawId'),
    response: {
      clientDataJSON: base64urlToBase64(response.response.clientDataJSON, 'clientDataJSON'),
      attestationObject: base64urlToBase64(
        response.response.attestationObject,
        'attestationObject',
      ),
    },
    clientExtensionResults: response.clientExtensionResults,
  });
}

/** `AuthenticationResponseJSON` → PingOne's `assertion` string, binary members in standard base64. */
export function assertionToPing(response: AuthenticationResponseJSON): string {
  const { userHandle } = response.response;
  return JSON.stringify({
    id: base64urlToBase64(response.id, 'id'),
    type: response.type,
    rawId: base64urlToBase64(response.rawId, 'rawId'),
    response: {
      clientDataJSON: base64urlToBase64(response.response.clientDataJSON, 'clientDataJSON'),
      authenticatorData: base64urlToBase64(
        response.response.authenticatorData,
        'authenticatorData',
      ),
      signature: base64urlToBase64(response.response.signature, 'signature'),
      ...(userHandle !== undefined
        ? { userHandle: base64urlToBase64(userHandle, 'userHandle') }
        : {}),
    },
    clientExtensionResults: response.clientExtensionResults,
  });
}
