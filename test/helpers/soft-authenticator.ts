/**
 * A software WebAuthn authenticator (plus the client/browser half) for Node-side tests.
 *
 * It produces real ES256 registration and authentication responses in the WebAuthn JSON shape
 * (`RegistrationResponseJSON` / `AuthenticationResponseJSON`), so a server can verify them with
 * `@simplewebauthn/server` exactly as it would verify responses coming from a browser.
 * Attestation is always `none`.
 */
import { createHash, generateKeyPairSync, KeyObject, randomBytes, sign } from 'node:crypto';
import { encodeCBOR, type CBORType } from '@levischuck/tiny-cbor';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialDescriptorJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';

export interface SoftAuthenticatorOptions {
  /** Whether credentials are discoverable (resident). Default true. */
  residentKey?: boolean;
  /** Sets the UV flag. Default true. */
  userVerification?: boolean;
  /** Sets the UP flag. Default true. */
  userPresence?: boolean;
  /** Backup-eligible / backed-up flags. Default false/false. */
  backupEligible?: boolean;
  backedUp?: boolean;
  /** AAGUID, 16 bytes; default all zero. */
  aaguid?: Uint8Array;
}

export interface StoredCredential {
  id: Uint8Array;
  rpId: string;
  userHandle: Uint8Array;
  privateKey: CryptoKey | KeyObject;
  signCount: number;
  /** Whether `get()` may pick this credential without allowCredentials. Absent means true. */
  discoverable?: boolean;
}

/** Authenticator-data flags; each one left undefined falls back to the authenticator's options. */
export interface FlagOverrides {
  up: boolean;
  uv: boolean;
  be: boolean;
  bs: boolean;
}

export interface CreateOverrides {
  /** Replaces `type` in clientDataJSON (normally 'webauthn.create'). */
  type?: string;
  /** Replaces the challenge in clientDataJSON, verbatim. */
  challenge?: string;
  /** RP ID hashed into authData. The credential is still stored under the requested RP ID. */
  rpId?: string;
  flags?: Partial<FlagOverrides>;
}

export interface GetOverrides {
  /** Replaces `type` in clientDataJSON (normally 'webauthn.get'). */
  type?: string;
  /** Replaces the challenge in clientDataJSON, verbatim. */
  challenge?: string;
  /** RP ID hashed into authData. Credential selection still uses the requested RP ID. */
  rpId?: string;
  /**
   * Sign count to report instead of the incremented one. One-shot: the stored counter is left
   * untouched, so this simulates e.g. a cloned authenticator.
   */
  signCount?: number;
  flags?: Partial<FlagOverrides>;
  /** Forces this stored credential, ignoring allowCredentials and RP ID matching. */
  credentialId?: Uint8Array;
}

const COSE_ALG_ES256 = -7;

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_BE = 0x08;
const FLAG_BS = 0x10;
const FLAG_AT = 0x40;

export class SoftAuthenticator {
  readonly credentials: StoredCredential[] = [];
  private readonly options: Required<SoftAuthenticatorOptions>;

  constructor(options: SoftAuthenticatorOptions = {}) {
    const aaguid = options.aaguid ?? new Uint8Array(16);
    if (aaguid.length !== 16) {
      throw new RangeError(`aaguid must be 16 bytes, got ${aaguid.length}`);
    }
    this.options = {
      residentKey: options.residentKey ?? true,
      userVerification: options.userVerification ?? true,
      userPresence: options.userPresence ?? true,
      backupEligible: options.backupEligible ?? false,
      backedUp: options.backedUp ?? false,
      aaguid,
    };
  }

  /** Performs navigator.credentials.create() with `none` attestation. */
  create(
    options: PublicKeyCredentialCreationOptionsJSON,
    origin: string,
    overrides: CreateOverrides = {},
  ): RegistrationResponseJSON {
    const rpId = options.rp.id ?? new URL(origin).hostname;
    const algs = options.pubKeyCredParams.map((param) => param.alg);
    // Per spec an empty list means the client defaults, which include ES256.
    if (algs.length > 0 && !algs.includes(COSE_ALG_ES256)) {
      throw webauthnError(
        'NotSupportedError',
        `SoftAuthenticator only supports ES256 (-7); pubKeyCredParams offered [${algs.join(', ')}]`,
      );
    }

    const excluded = this.credentials.find(
      (cred) =>
        cred.rpId === rpId &&
        (options.excludeCredentials ?? []).some((desc) => descriptorMatches(desc, cred.id)),
    );
    if (excluded) {
      throw webauthnError(
        'InvalidStateError',
        `Credential ${toBase64url(excluded.id)} for RP "${rpId}" is in excludeCredentials`,
      );
    }

    const userHandle = fromBase64url(options.user.id, 'user.id');
    const challenge = overrides.challenge ?? normalizeBase64url(options.challenge, 'challenge');
    const clientDataJSON = clientData(overrides.type ?? 'webauthn.create', challenge, origin);

    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const id = new Uint8Array(randomBytes(32));
    const credential: StoredCredential = {
      id,
      rpId,
      userHandle,
      privateKey,
      signCount: 0,
      discoverable: this.options.residentKey,
    };

    const attestedCredentialData = concat(
      this.options.aaguid,
      uint16BE(id.length),
      id,
      coseEC2PublicKey(publicKey),
    );
    const authData = concat(
      sha256(overrides.rpId ?? rpId),
      Uint8Array.of(this.flags(overrides.flags) | FLAG_AT),
      uint32BE(credential.signCount),
      attestedCredentialData,
    );
    const attestationObject = encodeCBOR(
      new Map<string, CBORType>([
        ['fmt', 'none'],
        ['attStmt', new Map<string, CBORType>()],
        ['authData', authData],
      ]),
    );

    // A discoverable credential replaces any earlier one for the same RP and user.
    if (credential.discoverable) {
      for (let i = this.credentials.length - 1; i >= 0; i--) {
        const old = this.credentials[i];
        if (
          old &&
          old.discoverable !== false &&
          old.rpId === rpId &&
          bytesEqual(old.userHandle, userHandle)
        ) {
          this.credentials.splice(i, 1);
        }
      }
    }
    this.credentials.push(credential);

    return {
      id: toBase64url(id),
      rawId: toBase64url(id),
      type: 'public-key',
      response: {
        clientDataJSON: toBase64url(clientDataJSON),
        attestationObject: toBase64url(attestationObject),
        transports: ['internal'],
        publicKeyAlgorithm: COSE_ALG_ES256,
        publicKey: toBase64url(publicKey.export({ type: 'spki', format: 'der' })),
        authenticatorData: toBase64url(authData),
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  /**
   * Performs navigator.credentials.get(). Picks a credential for the RP ID that is in
   * allowCredentials, or any discoverable one for that RP ID when allowCredentials is empty.
   */
  get(
    options: PublicKeyCredentialRequestOptionsJSON,
    origin: string,
    overrides: GetOverrides = {},
  ): AuthenticationResponseJSON {
    const rpId = options.rpId ?? new URL(origin).hostname;
    const credential = this.selectCredential(options, rpId, overrides.credentialId);

    const challenge = overrides.challenge ?? normalizeBase64url(options.challenge, 'challenge');
    const clientDataJSON = clientData(overrides.type ?? 'webauthn.get', challenge, origin);

    if (overrides.signCount === undefined) credential.signCount += 1;
    const authData = concat(
      sha256(overrides.rpId ?? rpId),
      Uint8Array.of(this.flags(overrides.flags)),
      uint32BE(overrides.signCount ?? credential.signCount),
    );

    // crypto.sign() emits the DER-encoded ECDSA signature WebAuthn expects for ES256.
    const key =
      credential.privateKey instanceof KeyObject
        ? credential.privateKey
        : KeyObject.from(credential.privateKey);
    const signature = sign('sha256', concat(authData, sha256(clientDataJSON)), key);

    return {
      id: toBase64url(credential.id),
      rawId: toBase64url(credential.id),
      type: 'public-key',
      response: {
        clientDataJSON: toBase64url(clientDataJSON),
        authenticatorData: toBase64url(authData),
        signature: toBase64url(signature),
        userHandle: toBase64url(credential.userHandle),
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  private selectCredential(
    options: PublicKeyCredentialRequestOptionsJSON,
    rpId: string,
    forcedId: Uint8Array | undefined,
  ): StoredCredential {
    if (forcedId) {
      const forced = this.credentials.find((cred) => bytesEqual(cred.id, forcedId));
      if (!forced) {
        throw webauthnError(
          'NotAllowedError',
          `Overridden credentialId ${toBase64url(forcedId)} is not stored in this authenticator`,
        );
      }
      return forced;
    }

    const allow = options.allowCredentials ?? [];
    const candidates = this.credentials.filter(
      (cred) =>
        cred.rpId === rpId &&
        (allow.length > 0
          ? allow.some((desc) => descriptorMatches(desc, cred.id))
          : cred.discoverable !== false),
    );
    // Like a platform authenticator's account picker, prefer the most recent credential.
    const chosen = candidates.at(-1);
    if (!chosen) {
      const wanted =
        allow.length > 0
          ? `any of allowCredentials [${allow.map((desc) => desc.id).join(', ')}]`
          : 'a discoverable credential';
      throw webauthnError(
        'NotAllowedError',
        `SoftAuthenticator has no credential for RP "${rpId}" matching ${wanted} ` +
          `(${this.credentials.length} credential(s) stored)`,
      );
    }
    return chosen;
  }

  private flags(overrides: Partial<FlagOverrides> = {}): number {
    const up = overrides.up ?? this.options.userPresence;
    const uv = overrides.uv ?? this.options.userVerification;
    const be = overrides.be ?? this.options.backupEligible;
    const bs = overrides.bs ?? this.options.backedUp;
    return (up ? FLAG_UP : 0) | (uv ? FLAG_UV : 0) | (be ? FLAG_BE : 0) | (bs ? FLAG_BS : 0);
  }
}

/** COSE_Key for an EC2 P-256 public key; a Map keeps the labels as CBOR integers. */
function coseEC2PublicKey(publicKey: KeyObject): Uint8Array {
  const jwk = publicKey.export({ format: 'jwk' });
  if (jwk.x === undefined || jwk.y === undefined) {
    throw new Error('EC public key JWK is missing x/y');
  }
  const coseKey = new Map<number, number | Uint8Array>([
    [1, 2], // kty: EC2
    [3, COSE_ALG_ES256], // alg: ES256
    [-1, 1], // crv: P-256
    [-2, fromBase64url(jwk.x, 'jwk.x')],
    [-3, fromBase64url(jwk.y, 'jwk.y')],
  ]);
  return encodeCBOR(coseKey);
}

function clientData(type: string, challenge: string, origin: string): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ type, challenge, origin, crossOrigin: false }));
}

function descriptorMatches(desc: PublicKeyCredentialDescriptorJSON, id: Uint8Array): boolean {
  return desc.type === 'public-key' && bytesEqual(fromBase64url(desc.id, 'credential id'), id);
}

function webauthnError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;

/** Strict base64url decoding; Buffer alone would silently accept garbage. */
function fromBase64url(value: string, what: string): Uint8Array {
  if (!BASE64URL.test(value)) {
    throw new TypeError(`${what} is not base64url: ${JSON.stringify(value)}`);
  }
  return new Uint8Array(Buffer.from(value, 'base64url'));
}

/** Browsers decode the challenge to bytes and re-encode it (unpadded) in clientDataJSON. */
function normalizeBase64url(value: string, what: string): string {
  return toBase64url(fromBase64url(value, what));
}

function toBase64url(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
}

function sha256(data: string | Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest());
}

function uint16BE(value: number): Uint8Array {
  const out = new Uint8Array(2);
  new DataView(out.buffer).setUint16(0, value);
  return out;
}

function uint32BE(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value);
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
