import {
  createCipheriv,
  createDecipheriv,
  createSecretKey,
  hkdfSync,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { z } from 'zod';
import type { KeyValueStore } from './store.ts';

export type Purpose = 'signin' | 'enroll' | 'manage';

export interface SessionData {
  /** ≥128 bits CSPRNG, base64url. */
  sid: string;
  /** PingOne user id. */
  userId: string;
  username: string;
  /** The host's subject from the ticket. */
  sub: string;
  purpose: Purpose;
  /** Who the signed result is for. */
  audience: string;
  /** ms */
  createdAt: number;
  /** ms (idle timeout) */
  seenAt: number;
  /** ms of the last MFA completion in this session. */
  mfaAt?: number;
  mfaDeviceType?: string;
  /** Device-authentication ids started by this session (only the latest 4 are kept). */
  authentications: string[];
  flags?: { remember?: boolean };
  /** Ids of the user's devices last listed by this session (ownership checks). */
  devices?: string[];
}

export type SessionProblem = 'missing' | 'invalid' | 'idle' | 'expired' | 'revoked';

export interface SessionManagerOptions {
  /** 32 bytes. */
  secret: Uint8Array;
  idleSeconds: number;
  absoluteSeconds: number;
  /** Revoked sids, kept until the absolute expiry. */
  revoked: KeyValueStore;
  now?: () => number;
}

export interface SessionManager {
  /** A fresh session (new sid, createdAt = seenAt = now). */
  create(
    input: Omit<SessionData, 'sid' | 'createdAt' | 'seenAt' | 'authentications'> & {
      authentications?: string[];
    },
  ): SessionData;
  /**
   * Unseals and checks a cookie value: tampered/garbage/wrong key → 'invalid'; idle/absolute
   * timeouts from the sealed timestamps; revoked sid → 'revoked'. Rejects (fail closed) when the
   * revocation store cannot be read.
   */
  read(
    cookieValue: string | undefined,
  ): Promise<{ ok: true; session: SessionData } | { ok: false; problem: SessionProblem }>;
  /**
   * Seals the session with seenAt = now (also written back to `session.seenAt`); the value fits a
   * cookie (name + value ≤ 4096 bytes: throws if not).
   */
  seal(session: SessionData): Promise<string>;
  /** New sid, same data (and the given changes); the old sid is revoked. Used at MFA completion and step-up. */
  rotate(session: SessionData, changes?: Partial<SessionData>): Promise<SessionData>;
  revoke(session: SessionData): Promise<void>;
  /** ms at which the session hits its absolute timeout. */
  expiresAt(session: SessionData): number;
  readonly cookieName: '__Host-mfa';
  /** Set-Cookie value: `__Host-mfa=<v>; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=<absolute left>` (no Domain). */
  cookie(value: string, session: SessionData): string;
  /** Set-Cookie that clears it (Max-Age=0, same attributes). */
  clearCookie(): string;
}

export interface RememberedBrowser {
  userId: string;
  payloadValue: string;
  upstreamCookie: string;
  expiresAt: number;
}

export interface RememberCookies {
  readonly cookieName: '__Host-mfa-remember';
  seal(value: RememberedBrowser): Promise<string>;
  /** Expired/garbage → undefined. */
  read(cookieValue: string | undefined): Promise<RememberedBrowser | undefined>;
  /** Same attributes as the session cookie. */
  cookie(value: string, maxAgeSeconds: number): string;
  clearCookie(): string;
}

const SESSION_COOKIE = '__Host-mfa';
const REMEMBER_COOKIE = '__Host-mfa-remember';
const COOKIE_ATTRIBUTES = 'Path=/; HttpOnly; Secure; SameSite=Strict';
// Browsers drop cookies whose name plus value exceed 4096 bytes (RFC 6265bis).
const MAX_COOKIE_BYTES = 4096;
const MAX_AUTHENTICATIONS = 4;
const SEAL_VERSION = 'v1.';
const SESSION_TYP = 'mfa-session';
const REMEMBER_TYP = 'mfa-remember';

/** Separate keys per cookie kind, so one sealed value never opens as the other. */
function deriveKey(secret: Uint8Array, info: string): KeyObject {
  if (!(secret instanceof Uint8Array) || secret.byteLength < 32) {
    throw new TypeError('the cookie secret must be at least 32 bytes');
  }
  // A KeyObject made once, not imported again on every request.
  return createSecretKey(Buffer.from(hkdfSync('sha256', secret, 'mfa-elements cookies', info, 32)));
}

function newSid(): string {
  return randomBytes(32).toString('base64url');
}

function fitsCookie(name: string, value: string): boolean {
  return Buffer.byteLength(`${name}=${value}`, 'utf8') <= MAX_COOKIE_BYTES;
}

/**
 * AES-256-GCM with Node's own crypto (synchronous: a tenth of the cost of WebCrypto per request).
 * The value is `v1.` + base64url(iv ‖ tag ‖ ciphertext); the cookie kind is the associated data.
 */
function sealJson(key: KeyObject, typ: string, payload: unknown): Promise<string> {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(typ, 'utf8'));
  const body = Buffer.concat([cipher.update(JSON.stringify(payload), 'utf8'), cipher.final()]);
  const sealed = Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  return Promise.resolve(`${SEAL_VERSION}${sealed}`);
}

/** Decrypts a sealed value; anything that is not exactly ours yields undefined. */
function unsealJson(key: KeyObject, typ: string, value: string): Promise<unknown> {
  try {
    if (!value.startsWith(SEAL_VERSION)) return Promise.resolve(undefined);
    const raw = value.slice(SEAL_VERSION.length);
    if (!/^[A-Za-z0-9_-]+$/.test(raw)) return Promise.resolve(undefined);
    const bytes = Buffer.from(raw, 'base64url');
    if (bytes.byteLength < 12 + 16 + 2) return Promise.resolve(undefined);
    const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12), {
      authTagLength: 16,
    });
    decipher.setAAD(Buffer.from(typ, 'utf8'));
    decipher.setAuthTag(bytes.subarray(12, 28));
    const plain = Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]);
    return Promise.resolve(
      JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(plain)) as unknown,
    );
  } catch {
    return Promise.resolve(undefined);
  }
}

const timestamp = z.number().int().nonnegative();
const sessionSchema = z.object({
  sid: z.string().regex(/^[A-Za-z0-9_-]{22,}$/),
  userId: z.string().min(1),
  username: z.string().min(1),
  sub: z.string().min(1),
  purpose: z.enum(['signin', 'enroll', 'manage']),
  audience: z.string(),
  createdAt: timestamp,
  seenAt: timestamp,
  mfaAt: timestamp.optional(),
  mfaDeviceType: z.string().optional(),
  authentications: z.array(z.string()),
  flags: z.object({ remember: z.boolean().optional() }).optional(),
  devices: z.array(z.string()).optional(),
});

const rememberSchema = z.object({
  userId: z.string().min(1),
  payloadValue: z.string(),
  upstreamCookie: z.string(),
  expiresAt: timestamp,
});

function positiveSeconds(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be positive`);
  return value;
}

export function createSessionManager(options: SessionManagerOptions): SessionManager {
  const key = deriveKey(options.secret, 'session v1');
  const now = options.now ?? Date.now;
  const idleMs = positiveSeconds('idleSeconds', options.idleSeconds) * 1000;
  const absoluteMs = positiveSeconds('absoluteSeconds', options.absoluteSeconds) * 1000;
  const revoked = options.revoked;
  const revokedKey = (sid: string): string => `sid:${sid}`;

  const normalize = (session: SessionData): SessionData => ({
    ...session,
    authentications: session.authentications.slice(-MAX_AUTHENTICATIONS),
  });

  const revoke = async (session: SessionData): Promise<void> => {
    // Kept until the absolute expiry: after that the sealed timestamps reject it anyway.
    const left = session.createdAt + absoluteMs - now();
    await revoked.claim(revokedKey(session.sid), Math.max(1000, left + 1000));
  };

  return {
    cookieName: SESSION_COOKIE,

    create(input) {
      const at = now();
      return normalize({
        ...input,
        sid: newSid(),
        createdAt: at,
        seenAt: at,
        authentications: input.authentications ?? [],
      });
    },

    async read(cookieValue) {
      if (cookieValue === undefined || cookieValue === '') return { ok: false, problem: 'missing' };
      if (!fitsCookie(SESSION_COOKIE, cookieValue)) return { ok: false, problem: 'invalid' };
      const parsed = sessionSchema.safeParse(await unsealJson(key, SESSION_TYP, cookieValue));
      if (!parsed.success) return { ok: false, problem: 'invalid' };
      // zod drops unknown keys and leaves optional ones absent, which matches SessionData.
      const session: SessionData = parsed.data;
      const at = now();
      if (at - session.createdAt >= absoluteMs) return { ok: false, problem: 'expired' };
      if (at - session.seenAt >= idleMs) return { ok: false, problem: 'idle' };
      if (await revoked.has(revokedKey(session.sid))) return { ok: false, problem: 'revoked' };
      return { ok: true, session };
    },

    async seal(session) {
      session.seenAt = now();
      const value = await sealJson(key, SESSION_TYP, normalize(session));
      if (!fitsCookie(SESSION_COOKIE, value)) {
        throw new RangeError('the sealed session does not fit in a 4096-byte cookie');
      }
      return value;
    },

    async rotate(session, changes = {}) {
      const next = normalize({ ...session, ...changes, sid: newSid() });
      await revoke(session);
      return next;
    },

    revoke,

    expiresAt(session) {
      return session.createdAt + absoluteMs;
    },

    cookie(value, session) {
      const left = Math.max(0, Math.ceil((session.createdAt + absoluteMs - now()) / 1000));
      return `${SESSION_COOKIE}=${value}; ${COOKIE_ATTRIBUTES}; Max-Age=${left}`;
    },

    clearCookie() {
      return `${SESSION_COOKIE}=; ${COOKIE_ATTRIBUTES}; Max-Age=0`;
    },
  };
}

export function createRememberCookies(options: {
  secret: Uint8Array;
  now?: () => number;
}): RememberCookies {
  const key = deriveKey(options.secret, 'remember v1');
  const now = options.now ?? Date.now;

  return {
    cookieName: REMEMBER_COOKIE,

    async seal(value) {
      const sealed = await sealJson(key, REMEMBER_TYP, {
        userId: value.userId,
        payloadValue: value.payloadValue,
        upstreamCookie: value.upstreamCookie,
        expiresAt: value.expiresAt,
      });
      if (!fitsCookie(REMEMBER_COOKIE, sealed)) {
        throw new RangeError('the sealed remembered browser does not fit in a 4096-byte cookie');
      }
      return sealed;
    },

    async read(cookieValue) {
      if (cookieValue === undefined || cookieValue === '') return undefined;
      if (!fitsCookie(REMEMBER_COOKIE, cookieValue)) return undefined;
      const parsed = rememberSchema.safeParse(await unsealJson(key, REMEMBER_TYP, cookieValue));
      if (!parsed.success || parsed.data.expiresAt <= now()) return undefined;
      return parsed.data;
    },

    cookie(value, maxAgeSeconds) {
      const maxAge = Math.max(0, Math.floor(maxAgeSeconds));
      return `${REMEMBER_COOKIE}=${value}; ${COOKIE_ATTRIBUTES}; Max-Age=${maxAge}`;
    },

    clearCookie() {
      return `${REMEMBER_COOKIE}=; ${COOKIE_ATTRIBUTES}; Max-Age=0`;
    },
  };
}
