/**
 * WebAuthn in PingOne's encoding. PingOne sends options as a JSON *string* whose binary members
 * (`challenge`, `user.id`, credential ids) are arrays of signed bytes, and `alg` values as
 * strings; it receives attestations and assertions as stringified credential JSON whose binary
 * members are standard base64. Verification itself is `@simplewebauthn/server`'s.
 * @module
 */
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { z } from 'zod';
import { invalidValue } from './errors.ts';

/** base64url → signed bytes, as PingOne's options carry them. */
export function toSignedBytes(base64url: string): number[] {
  return Array.from(new Int8Array(Buffer.from(base64url, 'base64url')));
}

/** Accepts standard base64 or base64url (with or without padding) and returns base64url. */
export function toBase64Url(value: string): string {
  const unpadded = value.replace(/=+$/, '');
  // A length of 4n+1 cannot come from any byte string: refuse it rather than drop a character.
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(value) || unpadded.length % 4 === 1)
    throw new Error('not base64');
  return Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('base64url');
}

const credentialDescriptor = (descriptor: { id: string; transports?: string[] | undefined }) => ({
  type: 'public-key',
  id: toSignedBytes(descriptor.id),
  ...(descriptor.transports ? { transports: descriptor.transports } : {}),
});

export function encodeCreationOptions(options: PublicKeyCredentialCreationOptionsJSON): string {
  return JSON.stringify({
    ...options,
    challenge: toSignedBytes(options.challenge),
    user: { ...options.user, id: toSignedBytes(options.user.id) },
    pubKeyCredParams: options.pubKeyCredParams.map((param) => ({
      type: param.type,
      alg: String(param.alg),
    })),
    excludeCredentials: (options.excludeCredentials ?? []).map(credentialDescriptor),
  });
}

export function encodeRequestOptions(options: PublicKeyCredentialRequestOptionsJSON): string {
  return JSON.stringify({
    ...options,
    challenge: toSignedBytes(options.challenge),
    allowCredentials: (options.allowCredentials ?? []).map(credentialDescriptor),
  });
}

const base64 = z
  .string()
  .min(1)
  .max(16_384)
  .transform((value, ctx) => {
    try {
      return toBase64Url(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'Expected base64' });
      return z.NEVER;
    }
  });

const credentialBase = {
  id: base64,
  rawId: base64,
  type: z.literal('public-key'),
  clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
};

const attestationSchema = z.object({
  ...credentialBase,
  response: z.object({
    clientDataJSON: base64,
    attestationObject: base64,
    transports: z.array(z.string().max(32)).max(10).optional(),
  }),
});

const assertionSchema = z.object({
  ...credentialBase,
  response: z.object({
    clientDataJSON: base64,
    authenticatorData: base64,
    signature: base64,
    userHandle: base64.optional(),
  }),
});

/** WebAuthn caps credential ids at 1023 bytes (R-WA-2). */
const MAX_CREDENTIAL_ID_BYTES = 1023;

function parseCredentialJson<S extends z.ZodType<{ id: string; rawId: string }>>(
  field: string,
  text: string,
  schema: S,
): z.infer<S> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalidValue(field, `${field} must be a JSON string of the credential.`);
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw invalidValue(
      field,
      `${field} is not a valid credential: ${parsed.error.issues[0]?.message ?? ''}`,
    );
  }
  const credential = parsed.data;
  if (credential.id !== credential.rawId)
    throw invalidValue(field, 'Credential id and rawId differ.');
  if (Buffer.from(credential.id, 'base64url').length > MAX_CREDENTIAL_ID_BYTES) {
    throw invalidValue(field, 'Credential id is too long.');
  }
  return credential;
}

export function parseAttestation(text: string): RegistrationResponseJSON {
  const credential = parseCredentialJson('attestation', text, attestationSchema);
  return {
    ...credential,
    response: {
      ...credential.response,
      transports: credential.response.transports,
    },
  };
}

export function parseAssertion(text: string): AuthenticationResponseJSON {
  return parseCredentialJson('assertion', text, assertionSchema);
}

/** The origin of a WebAuthn ceremony must be on the exact allow-list (R-WA-2, no prefix matching). */
export function requireAllowedOrigin(origin: string, allowed: readonly string[]): void {
  if (!allowed.includes(origin)) throw invalidValue('origin', 'The origin is not allowed.');
}
