/**
 * Builds the relay from the process configuration: the PingOne client (for PingOne, or for the
 * embedded engine in-process), sessions, tickets, results, rate limits and their stores.
 * @module
 */
import { Redis } from 'ioredis';
import type { Hono } from 'hono';
import type { Logger } from 'pino';
import { createRelay } from '../bff/app.ts';
import { createRateLimits, type RateLimitOptions } from '../bff/rate-limits.ts';
import { createResultSigner } from '../bff/result.ts';
import { createRememberCookies, createSessionManager } from '../bff/session.ts';
import { memoryStore, redisStore, type KeyValueStore } from '../bff/store.ts';
import { createTicketVerifier } from '../bff/tickets.ts';
import type { Engine } from '../engine/index.ts';
import { createPingOneClient, type PingOneClient } from '../pingone/index.ts';
import type { ServerConfig } from './config.ts';
import { openRelayKeys } from './data-dir.ts';

/** The in-process engine answers at any host; this one names it in logs. */
export const ENGINE_INTERNAL_URL = 'http://engine.internal';

export interface RelayParts {
  app: Hono;
  pingone: PingOneClient;
  close(): Promise<void>;
}

export function pingoneClientFor(
  config: ServerConfig,
  engine: Engine | undefined,
  logger: Logger,
): PingOneClient {
  const log = logger.child({ component: 'pingone' });
  const onEvent = (event: object) => {
    log.debug(event);
  };
  if (config.upstream.kind === 'pingone') {
    const upstream = config.upstream;
    return createPingOneClient({
      environmentId: upstream.environmentId,
      clientId: upstream.clientId,
      clientSecret: upstream.clientSecret,
      tokenAuthMethod: upstream.tokenAuthMethod,
      apiBaseUrl: upstream.apiBaseUrl,
      authBaseUrl: upstream.authBaseUrl,
      onEvent,
    });
  }
  if (!engine) throw new Error('The embedded engine is required when PingOne is not configured.');
  return createPingOneClient({
    environmentId: engine.environmentId,
    clientId: engine.clientId,
    clientSecret: engine.clientSecret,
    apiBaseUrl: `${ENGINE_INTERNAL_URL}/v1`,
    authBaseUrl: ENGINE_INTERNAL_URL,
    transport: engine.fetch,
    onEvent,
  });
}

/** Settings that are not configuration: benchmarks and tests widen the rate limits with these. */
export interface RelayOverrides {
  limits?: RateLimitOptions;
}

export async function buildRelay(
  config: ServerConfig,
  logger: Logger,
  engine: Engine | undefined,
  overrides: RelayOverrides = {},
): Promise<RelayParts> {
  const relay = config.relay;
  const embedded = config.upstream.kind === 'engine';
  // Keys the embedded setup generates once into the data folder; PingOne setups must configure them.
  const local = embedded ? openRelayKeys(config.dataDir) : undefined;
  const sessionSecret =
    relay.sessionSecret !== undefined
      ? new TextEncoder().encode(relay.sessionSecret)
      : local?.sessionSecret;
  if (!sessionSecret) throw new Error('MFA_SESSION_SECRET is required.');

  const redis =
    relay.redisUrl !== undefined
      ? new Redis(relay.redisUrl, {
          maxRetriesPerRequest: 1,
          enableOfflineQueue: false,
          lazyConnect: true,
        })
      : undefined;
  // Rate limits fail closed while Redis is unreachable, so connect before serving.
  await redis?.connect();
  const store = (prefix: string): KeyValueStore =>
    redis ? redisStore(redis, `mfa:${prefix}:`) : memoryStore();
  const revoked = store('revoked');
  const tickets = store('ticket');

  const pingone = pingoneClientFor(config, engine, logger);
  const ticketSecret =
    relay.ticket.secret ?? (relay.ticket.jwksUrl ? undefined : local?.ticketSecret);
  const resultKey =
    relay.result.secret !== undefined
      ? { secret: relay.result.secret }
      : { privateKey: relay.result.privateKey ?? local?.resultPrivateKey ?? '' };
  const limits = createRateLimits({ ...overrides.limits, ...(redis ? { redis } : {}) });
  const app = createRelay({
    pingone,
    sessions: createSessionManager({
      secret: sessionSecret,
      idleSeconds: relay.sessionIdleSeconds,
      absoluteSeconds: relay.sessionAbsoluteSeconds,
      revoked,
    }),
    remember: createRememberCookies({ secret: sessionSecret }),
    tickets: createTicketVerifier({
      ...(ticketSecret !== undefined ? { secret: ticketSecret } : {}),
      ...(relay.ticket.jwksUrl !== undefined ? { jwksUrl: relay.ticket.jwksUrl } : {}),
      audience: relay.ticket.audience,
      replay: tickets,
    }),
    results: await createResultSigner({ ...resultKey, issuer: relay.result.issuer }),
    limits,
    logger,
    publicOrigin: relay.publicOrigin,
    allowedOrigins: relay.allowedOrigins,
    mountPath: relay.mountPath,
    usernameFormat: relay.usernameFormat,
    createUnknownUsers: relay.createUnknownUsers,
    ...(relay.mfaPolicyId !== undefined ? { mfaPolicyId: relay.mfaPolicyId } : {}),
    stepUpSeconds: relay.stepUpSeconds,
    ...(relay.result.audience !== undefined ? { resultAudience: relay.result.audience } : {}),
    trustProxy: relay.trustProxy,
  });
  return {
    app: app as unknown as Hono,
    pingone,
    close: async () => {
      await Promise.allSettled([revoked.close(), tickets.close(), limits.close()]);
      redis?.disconnect();
    },
  };
}
