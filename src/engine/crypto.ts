/**
 * Small cryptographic helpers: CSPRNG codes, keyed hashes of codes, constant-time
 * comparison, and sealing of secrets at rest.
 * @module
 */
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  randomBytes,
  randomInt,
  timingSafeEqual,
} from 'node:crypto';

/** A numeric one-time code of `length` digits, uniformly drawn from a CSPRNG. */
export function randomDigits(length: number): string {
  let code = '';
  for (let i = 0; i < length; i++) code += String(randomInt(10));
  return code;
}

/** Constant-time equality for two strings of possibly different length. */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  // Compare against itself on a length mismatch so the time does not depend on where they differ.
  if (left.length !== right.length) {
    timingSafeEqual(left, left);
    return false;
  }
  return timingSafeEqual(left, right);
}

/**
 * Keys held by one engine instance: `pepper` keys the code hashes, `seal` encrypts secrets
 * (TOTP seeds, OATH secrets) at rest. Both live outside the database.
 */
export interface EngineKeys {
  pepper: Buffer;
  seal: Buffer;
  token: Buffer;
}

export function generateKeys(): EngineKeys {
  return { pepper: randomBytes(32), seal: randomBytes(32), token: randomBytes(32) };
}

/** Keyed hash of a one-time code, bound to what it was issued for (`purpose`). */
export function hashCode(keys: EngineKeys, purpose: string, code: string): string {
  return createHmac('sha256', keys.pepper).update(purpose).update('\0').update(code).digest('hex');
}

/** Checks a submitted code against a stored hash in constant time. */
export function codeMatches(
  keys: EngineKeys,
  purpose: string,
  code: string,
  storedHash: string,
): boolean {
  return safeEqual(hashCode(keys, purpose, code), storedHash);
}

/** AES-256-GCM; output is `v1.<iv>.<tag>.<ciphertext>` in base64url. `context` is bound as AAD. */
export function seal(keys: EngineKeys, plaintext: string, context: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keys.seal, iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const encrypted = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', iv, cipher.getAuthTag(), encrypted]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
    .join('.');
}

export function unseal(keys: EngineKeys, sealed: string, context: string): string {
  const [version, iv, tag, data] = sealed.split('.');
  if (version !== 'v1' || iv === undefined || tag === undefined || data === undefined) {
    throw new Error('Unrecognised sealed value');
  }
  const decipher = createDecipheriv('aes-256-gcm', keys.seal, Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(context, 'utf8'));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([
    decipher.update(Buffer.from(data, 'base64url')),
    decipher.final(),
  ]).toString('utf8');
}
