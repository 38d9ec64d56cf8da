/**
 * Worker tokens: `POST /{envID}/as/token` with client credentials (basic or post), and the
 * bearer check every other route goes through.
 * @module
 */
import type { Context, MiddlewareHandler } from 'hono';
import { SignJWT, jwtVerify } from 'jose';
import { safeEqual } from './crypto.ts';
import type { EngineContext } from './context.ts';
import { newId } from './context.ts';
import { accessFailed, invalidToken } from './errors.ts';
import { MEDIA, mediaTypeOf } from './http.ts';

export const TOKEN_LIFETIME_SECONDS = 3600;

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
}

/** RFC 6749 §5.2 error body: the token endpoint speaks OAuth, not the management API's format. */
function oauthError(c: Context, status: 400 | 401, error: string, description: string): Response {
  if (status === 401) c.header('WWW-Authenticate', 'Basic realm="token"');
  c.header('Cache-Control', 'no-store');
  return c.json({ error, error_description: description }, status);
}

function basicCredentials(header: string | undefined): ClientCredentials | undefined {
  if (!header?.toLowerCase().startsWith('basic ')) return undefined;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  // RFC 6749 §2.3.1: both parts are form-urlencoded before base64.
  const decode = (part: string) => decodeURIComponent(part.replace(/\+/g, ' '));
  try {
    return {
      clientId: decode(decoded.slice(0, colon)),
      clientSecret: decode(decoded.slice(colon + 1)),
    };
  } catch {
    return undefined;
  }
}

export function tokenHandler(ctx: EngineContext, client: ClientCredentials) {
  return async (c: Context): Promise<Response> => {
    if (mediaTypeOf(c) !== MEDIA.form) {
      return oauthError(
        c,
        400,
        'invalid_request',
        'Content-Type must be application/x-www-form-urlencoded.',
      );
    }
    const form = new URLSearchParams(await c.req.text());
    const basic = basicCredentials(c.req.header('authorization'));
    const posted =
      form.has('client_id') || form.has('client_secret')
        ? { clientId: form.get('client_id') ?? '', clientSecret: form.get('client_secret') ?? '' }
        : undefined;
    if (basic && posted) {
      return oauthError(c, 400, 'invalid_request', 'Use one client authentication method.');
    }
    const presented = basic ?? posted;
    // Both comparisons always run, so a wrong id and a wrong secret take the same time.
    const idMatches = presented ? safeEqual(presented.clientId, client.clientId) : false;
    const secretMatches = presented
      ? safeEqual(presented.clientSecret, client.clientSecret)
      : false;
    if (!presented || !idMatches || !secretMatches) {
      ctx.log({ event: 'token.rejected' });
      return oauthError(c, 401, 'invalid_client', 'Client authentication failed.');
    }
    if (form.get('grant_type') !== 'client_credentials') {
      return oauthError(c, 400, 'unsupported_grant_type', 'Only client_credentials is supported.');
    }
    const now = Math.floor(ctx.now() / 1000);
    const accessToken = await new SignJWT({ client_id: client.clientId, env: ctx.environmentId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(issuer(ctx))
      .setAudience(ctx.baseUrl)
      .setSubject(client.clientId)
      .setIssuedAt(now)
      .setExpirationTime(now + TOKEN_LIFETIME_SECONDS)
      .setJti(newId())
      .sign(ctx.keys.token);
    ctx.log({ event: 'token.issued' });
    c.header('Cache-Control', 'no-store');
    c.header('Pragma', 'no-cache');
    return c.json({
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: TOKEN_LIFETIME_SECONDS,
    });
  };
}

const issuer = (ctx: EngineContext): string => `${ctx.baseUrl}/${ctx.environmentId}/as`;

/**
 * Requires `Authorization: Bearer <worker token>` issued by this engine for this environment.
 * Route paths carry the environment id; a token for another environment gets 403.
 */
export function requireBearer(ctx: EngineContext): MiddlewareHandler {
  return async function bearer(c, next) {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+([A-Za-z0-9._~+/-]+=*)$/i.exec(header);
    if (!match?.[1]) throw invalidToken();
    try {
      const { payload } = await jwtVerify(match[1], ctx.keys.token, {
        algorithms: ['HS256'],
        issuer: issuer(ctx),
        audience: ctx.baseUrl,
        currentDate: new Date(ctx.now()),
      });
      if (payload.env !== ctx.environmentId) throw accessFailed();
    } catch (error) {
      if (error instanceof Error && error.name === 'EngineError') throw error;
      throw invalidToken();
    }
    const envId = c.req.param('envId');
    if (envId !== undefined && envId !== ctx.environmentId) throw accessFailed();
    await next();
  };
}
