import {
  createPrivateKey,
  createPublicKey,
  randomBytes,
  type JsonWebKey,
  type KeyObject,
} from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';

/** An RFC 8176 authentication method reference. */
export type AmrValue = string;

const AMR: Record<string, readonly AmrValue[]> = {
  SMS: ['otp', 'sms', 'mfa'],
  VOICE: ['otp', 'tel', 'mfa'],
  EMAIL: ['otp', 'mfa'],
  WHATSAPP: ['otp', 'mfa'],
  TOTP: ['otp', 'mfa'],
  OATH_TOKEN: ['otp', 'hwk', 'mfa'],
  FIDO2: ['hwk', 'pop', 'mfa'],
  SECURITY_KEY: ['hwk', 'pop', 'mfa'],
  PLATFORM: ['hwk', 'pop', 'mfa'],
  MOBILE: ['swk', 'mfa'],
  REMEMBER_ME: ['mfa'],
};

/** RFC 8176 `amr` values for a PingOne device type; unknown types → ['mfa']. */
export function amrFor(deviceType: string): AmrValue[] {
  return [...(AMR[deviceType.toUpperCase()] ?? ['mfa'])];
}

export interface ResultSigner {
  readonly algorithm: string;
  /**
   * A signed JWT: iss, sub, aud, amr, auth_time (s), iat, exp (iat + lifetime), jti (random),
   * mfa_device_type, and a kid header when asymmetric. `authTime` is epoch seconds (epoch
   * milliseconds are recognised and converted).
   */
  sign(input: {
    sub: string;
    audience: string;
    amr: string[];
    authTime: number;
    deviceType: string;
  }): Promise<string>;
  /** Public keys for `/.well-known/jwks.json` (empty for an HS256 secret). */
  jwks(): { keys: Record<string, unknown>[] };
}

export interface ResultSignerOptions {
  /** HS256, at least 32 bytes. */
  secret?: string;
  /** PEM (PKCS#8: EC P-256 → ES256, RSA → RS256, Ed25519 → EdDSA) or a private JWK as JSON. */
  privateKey?: string;
  issuer: string;
  /** 120 */
  lifetimeSeconds?: number;
  now?: () => number;
}

// Plain 'JWT': several host libraries (Nimbus, for one) refuse other `typ` values by default.
const RESULT_TYP = 'JWT';

function loadPrivateKey(text: string): KeyObject {
  const trimmed = text.trim();
  try {
    if (trimmed.startsWith('{')) {
      const jwk = JSON.parse(trimmed) as JsonWebKey;
      if (typeof jwk.d !== 'string') throw new TypeError('not a private JWK');
      return createPrivateKey({ key: jwk, format: 'jwk' });
    }
    return createPrivateKey({ key: trimmed, format: 'pem' });
  } catch (error) {
    throw new TypeError('privateKey is not a readable private key (PKCS#8 PEM or private JWK)', {
      cause: error,
    });
  }
}

function algorithmFor(key: KeyObject): string {
  switch (key.asymmetricKeyType) {
    case 'ec':
      if (key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
      throw new TypeError('EC result keys must use the P-256 curve');
    case 'rsa':
      if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) {
        throw new TypeError('RSA result keys must have at least 2048 bits');
      }
      return 'RS256';
    case 'ed25519':
      return 'EdDSA';
    default:
      throw new TypeError(`unsupported result key type ${String(key.asymmetricKeyType)}`);
  }
}

/** Only the public members, whatever the private key carried. */
async function publicJwk(
  key: KeyObject,
  alg: string,
): Promise<{ kid: string; jwk: Record<string, unknown> }> {
  const exported = createPublicKey(key).export({ format: 'jwk' });
  const pub: JWK = { kty: exported.kty };
  for (const member of ['crv', 'x', 'y', 'n', 'e'] as const) {
    const value = exported[member];
    if (typeof value === 'string') pub[member] = value;
  }
  const kid = await calculateJwkThumbprint(pub, 'sha256');
  return { kid, jwk: { ...pub, kid, use: 'sig', alg } };
}

function toSeconds(time: number): number {
  // Seconds stay below 1e11 until the year 5138; milliseconds passed it in 1973.
  return Math.floor(time >= 1e11 ? time / 1000 : time);
}

export async function createResultSigner(options: ResultSignerOptions): Promise<ResultSigner> {
  if ((options.secret === undefined) === (options.privateKey === undefined)) {
    throw new TypeError('configure exactly one of secret and privateKey');
  }
  if (!options.issuer) throw new TypeError('issuer is required');
  const now = options.now ?? Date.now;
  const lifetime = options.lifetimeSeconds ?? 120;
  if (!Number.isFinite(lifetime) || lifetime <= 0)
    throw new RangeError('lifetimeSeconds must be positive');

  let signingKey: Uint8Array | KeyObject;
  let algorithm: string;
  let kid: string | undefined;
  let keys: Record<string, unknown>[];

  if (options.secret !== undefined) {
    signingKey = new TextEncoder().encode(options.secret);
    if (signingKey.byteLength < 32)
      throw new TypeError('the result secret must be at least 32 bytes');
    algorithm = 'HS256';
    keys = [];
  } else {
    const key = loadPrivateKey(options.privateKey ?? '');
    if (key.type !== 'private') throw new TypeError('privateKey must be a private key');
    algorithm = algorithmFor(key);
    const pub = await publicJwk(key, algorithm);
    kid = pub.kid;
    keys = [pub.jwk];
    signingKey = key;
  }

  return {
    algorithm,
    async sign(input) {
      const iat = Math.floor(now() / 1000);
      return new SignJWT({
        amr: [...input.amr],
        auth_time: toSeconds(input.authTime),
        mfa_device_type: input.deviceType,
      })
        .setProtectedHeader({ alg: algorithm, typ: RESULT_TYP, ...(kid ? { kid } : {}) })
        .setIssuer(options.issuer)
        .setSubject(input.sub)
        .setAudience(input.audience)
        .setIssuedAt(iat)
        .setExpirationTime(iat + lifetime)
        .setJti(randomBytes(16).toString('base64url'))
        .sign(signingKey);
    },
    jwks() {
      return { keys: keys.map((key) => ({ ...key })) };
    },
  };
}

/** A fresh ES256 private JWK as JSON, for the embedded setup's data folder. */
export async function generateResultKey(): Promise<string> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  return JSON.stringify({ ...jwk, alg: 'ES256' });
}
