import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import type { Purpose } from './session.ts';
import type { KeyValueStore } from './store.ts';

export type { Purpose } from './session.ts';

export interface TicketClaims {
  sub: string;
  email?: string;
  purpose: Purpose;
  jti: string;
  iss?: string;
  exp: number;
  iat?: number;
}

export type TicketErrorCode = 'TICKET_INVALID' | 'TICKET_EXPIRED' | 'TICKET_REPLAYED';

export class TicketError extends Error {
  readonly code: TicketErrorCode;
  constructor(code: TicketErrorCode, message: string = code, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TicketError';
    this.code = code;
  }
}

/** `verify` throws TicketError only. */
export interface TicketVerifier {
  verify(token: string): Promise<TicketClaims>;
}

export interface TicketVerifierOptions {
  /** HS256 only (every other alg, including 'none', is rejected). At least 32 bytes. */
  secret?: string;
  /** RS256/PS256/ES256/EdDSA through a cached remote JWKS. https, or http on localhost only. */
  jwksUrl?: string;
  /** Required `aud`. */
  audience: string;
  /** Required `iss` when set. */
  issuer?: string;
  /** 300: exp required, exp - now ≤ 300 (+ tolerance), and if iat is present exp - iat ≤ 300. */
  maxLifetimeSeconds?: number;
  /** jti claimed until exp (+ tolerance); a second use → TICKET_REPLAYED. */
  replay: KeyValueStore;
  /** ms */
  now?: () => number;
  /** 5 */
  clockToleranceSeconds?: number;
}

// Tickets travel in a JSON body; anything this large is not one of ours.
const MAX_TOKEN_LENGTH = 8 * 1024;
const ASYMMETRIC_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA', 'Ed25519'];
/** C0/C1 controls, DEL, and the Unicode line/paragraph separators. */
function hasControl(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029) {
      return true;
    }
  }
  return false;
}

function codePoints(value: string): number {
  return Array.from(value).length;
}

const claimsSchema = z.object({
  sub: z
    .string()
    .min(1)
    .max(256)
    .refine((value) => !hasControl(value), 'control characters'),
  email: z.email().max(254).optional(),
  purpose: z.enum(['signin', 'enroll', 'manage']),
  jti: z
    .string()
    .min(8)
    .max(128)
    .refine((value) => !hasControl(value), 'control characters'),
  iss: z.string().optional(),
  exp: z.number(),
  iat: z.number().optional(),
});

function loopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]';
}

function jwksKeySource(jwksUrl: string): JWTVerifyGetKey {
  let url: URL;
  try {
    url = new URL(jwksUrl);
  } catch {
    throw new TypeError('jwksUrl is not a URL');
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback(url.hostname))) {
    throw new TypeError('jwksUrl must use https (http only for localhost)');
  }
  return createRemoteJWKSet(url, {
    timeoutDuration: 5000,
    cooldownDuration: 30_000,
    cacheMaxAge: 10 * 60_000,
  });
}

export function createTicketVerifier(options: TicketVerifierOptions): TicketVerifier {
  const hasSecret = options.secret !== undefined;
  const hasJwks = options.jwksUrl !== undefined;
  if (hasSecret === hasJwks) throw new TypeError('configure exactly one of secret and jwksUrl');
  if (!options.audience) throw new TypeError('audience is required');

  let key: Uint8Array | JWTVerifyGetKey;
  let algorithms: string[];
  if (options.secret !== undefined) {
    key = new TextEncoder().encode(options.secret);
    if (key.byteLength < 32) throw new TypeError('the ticket secret must be at least 32 bytes');
    algorithms = ['HS256'];
  } else {
    key = jwksKeySource(options.jwksUrl ?? '');
    algorithms = ASYMMETRIC_ALGORITHMS;
  }

  const now = options.now ?? Date.now;
  const maxLifetime = options.maxLifetimeSeconds ?? 300;
  const tolerance = options.clockToleranceSeconds ?? 5;
  const replay = options.replay;
  const invalid = (reason: string, cause?: unknown): TicketError =>
    new TicketError('TICKET_INVALID', `ticket invalid: ${reason}`, { cause });

  async function verifySignature(token: string, at: number): Promise<JWTPayload> {
    const verifyOptions = {
      algorithms,
      audience: options.audience,
      ...(options.issuer !== undefined ? { issuer: options.issuer } : {}),
      clockTolerance: tolerance,
      currentDate: new Date(at),
      requiredClaims: ['exp', 'jti', 'sub'],
    };
    try {
      const { payload } =
        key instanceof Uint8Array
          ? await jwtVerify(token, key, verifyOptions)
          : await jwtVerify(token, key, verifyOptions);
      return payload;
    } catch (error) {
      if (error instanceof errors.JWTExpired) {
        throw new TicketError('TICKET_EXPIRED', 'ticket expired', { cause: error });
      }
      throw invalid(error instanceof Error ? error.message : 'verification failed', error);
    }
  }

  return {
    async verify(token) {
      if (typeof token !== 'string' || token.length === 0) throw invalid('empty');
      if (token.length > MAX_TOKEN_LENGTH) throw invalid('too large');
      const at = now();
      const nowSeconds = at / 1000;
      const payload = await verifySignature(token, at);

      const parsed = claimsSchema.safeParse(payload);
      if (!parsed.success) throw invalid('claims');
      const claims = parsed.data;
      // A ticket is a short hand-off; long-lived ones would widen the replay window.
      if (claims.exp - nowSeconds > maxLifetime + tolerance) throw invalid('lifetime too long');
      if (claims.iat !== undefined) {
        if (claims.iat > nowSeconds + tolerance) throw invalid('issued in the future');
        if (claims.exp - claims.iat > maxLifetime) throw invalid('lifetime too long');
      }

      // Last: only a ticket that passed every other check spends its jti.
      const ttlMs = (claims.exp + tolerance) * 1000 - at;
      let fresh: boolean;
      try {
        fresh = await replay.claim(`jti:${claims.jti}`, ttlMs);
      } catch (error) {
        throw invalid('replay store unavailable', error);
      }
      if (!fresh) throw new TicketError('TICKET_REPLAYED', 'ticket already used');

      const result: TicketClaims = {
        sub: claims.sub,
        purpose: claims.purpose,
        jti: claims.jti,
        exp: claims.exp,
      };
      if (claims.email !== undefined) result.email = claims.email;
      if (claims.iss !== undefined) result.iss = claims.iss;
      if (claims.iat !== undefined) result.iat = claims.iat;
      return result;
    },
  };
}

const VARIABLE = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;
const FORBIDDEN_IN_USERNAME = /["'\\]/;

/**
 * `{{sub}}@corp.example` → PingOne username. Only the variables sub and email; the result must be
 * 1–128 characters without control characters, quotes or backslashes, else throws
 * TicketError('TICKET_INVALID').
 */
export function formatUsername(
  template: string,
  claims: Pick<TicketClaims, 'sub' | 'email'>,
): string {
  // One pass, so a value that looks like a variable is never expanded again.
  const username = template.replace(VARIABLE, (_match, name: string) => {
    const value = name === 'sub' ? claims.sub : name === 'email' ? claims.email : undefined;
    if (name !== 'sub' && name !== 'email') {
      throw new TicketError('TICKET_INVALID', `unknown username variable ${name}`);
    }
    if (value === undefined || value === '') {
      throw new TicketError('TICKET_INVALID', `the ticket has no ${name} for the username`);
    }
    return value;
  });
  const length = codePoints(username);
  if (
    length < 1 ||
    length > 128 ||
    hasControl(username) ||
    FORBIDDEN_IN_USERNAME.test(username) ||
    username.includes('{{') ||
    username.includes('}}')
  ) {
    throw new TicketError('TICKET_INVALID', 'the username is not acceptable');
  }
  return username;
}
