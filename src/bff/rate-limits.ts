import type { Redis } from 'ioredis';
import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';

export type LimitKind = 'send' | 'check' | 'create' | 'session';
type LimitDimension = 'ip' | 'user' | 'session' | 'device';
type RuleName = `${LimitKind}.${LimitDimension}`;

export interface LimitKeys {
  ip: string;
  user?: string;
  session?: string;
  device?: string;
}

export type LimitOutcome =
  { ok: true } | { ok: false; retryAfterSeconds: number; code: 'RATE_LIMITED' | 'RESEND_TOO_SOON' };

export interface RateLimits {
  consume(kind: LimitKind, keys: LimitKeys): Promise<LimitOutcome>;
  /** Stops counting (later calls refuse). A given Redis connection stays open: it is the caller's. */
  close(): Promise<void>;
}

export interface LimitRule {
  points: number;
  durationSeconds: number;
}

export interface RateLimitOptions {
  /** RateLimiterRedis when given, else RateLimiterMemory. */
  redis?: Redis;
  /** Key prefix, 'mfa:rl:' by default. */
  prefix?: string;
  /** Overrides per rule; a rule missing here and from the defaults is not counted. */
  rules?: Partial<Record<RuleName, LimitRule>>;
  /** A Redis call slower than this refuses (fail closed); 2000 ms by default. */
  timeoutMs?: number;
}

/** Security bar R-OOB-6 (send budgets), R-RATE-5 and R-BFF-4 (per user and per IP). */
export const DEFAULT_LIMIT_RULES: Readonly<Partial<Record<RuleName, LimitRule>>> = {
  'send.device': { points: 1, durationSeconds: 30 },
  'send.session': { points: 10, durationSeconds: 3600 },
  'send.user': { points: 10, durationSeconds: 3600 },
  'send.ip': { points: 60, durationSeconds: 3600 },
  'check.session': { points: 10, durationSeconds: 60 },
  'check.user': { points: 30, durationSeconds: 60 },
  'check.ip': { points: 120, durationSeconds: 60 },
  'create.session': { points: 10, durationSeconds: 3600 },
  'create.user': { points: 10, durationSeconds: 3600 },
  'create.ip': { points: 30, durationSeconds: 3600 },
  'session.ip': { points: 30, durationSeconds: 60 },
};

// Narrowest first: a resend that comes too soon is refused before it spends the user's or the
// IP's hourly budget.
const DIMENSIONS: readonly LimitDimension[] = ['device', 'session', 'user', 'ip'];
const KINDS: readonly LimitKind[] = ['send', 'check', 'create', 'session'];

const REFUSED_UNAVAILABLE: LimitOutcome = { ok: false, code: 'RATE_LIMITED', retryAfterSeconds: 1 };

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new Error('rate limit store timed out'));
    }, ms);
  });
  return Promise.race([promise, timeout]).finally(() => {
    clearTimeout(timer);
  });
}

export function createRateLimits(options: RateLimitOptions = {}): RateLimits {
  const prefix = options.prefix ?? 'mfa:rl:';
  const timeoutMs = options.timeoutMs ?? 2000;
  const rules = { ...DEFAULT_LIMIT_RULES, ...options.rules };
  const limiters = new Map<RuleName, RateLimiterAbstract>();
  let closed = false;

  for (const kind of KINDS) {
    for (const dimension of DIMENSIONS) {
      const name: RuleName = `${kind}.${dimension}`;
      const rule = rules[name];
      if (!rule) continue;
      if (!(rule.points >= 1) || !(rule.durationSeconds >= 1)) {
        throw new RangeError(`rate limit ${name}: points and durationSeconds must be at least 1`);
      }
      const base = {
        keyPrefix: `${prefix}${name}`,
        points: Math.floor(rule.points),
        duration: Math.floor(rule.durationSeconds),
      };
      limiters.set(
        name,
        options.redis
          ? new RateLimiterRedis({
              ...base,
              storeClient: options.redis,
              // Refuse at once while the connection is down instead of queueing commands.
              rejectIfRedisNotReady: true,
            })
          : new RateLimiterMemory(base),
      );
    }
  }

  return {
    async consume(kind, keys) {
      if (closed) return REFUSED_UNAVAILABLE;
      for (const dimension of DIMENSIONS) {
        const key = keys[dimension];
        const name: RuleName = `${kind}.${dimension}`;
        const limiter = limiters.get(name);
        if (key === undefined || !limiter) continue;
        try {
          await withTimeout(limiter.consume(key), timeoutMs);
        } catch (error) {
          // Anything but a counted refusal is a store failure: refuse rather than allow.
          if (!(error instanceof RateLimiterRes)) return REFUSED_UNAVAILABLE;
          return {
            ok: false,
            code: name === 'send.device' ? 'RESEND_TOO_SOON' : 'RATE_LIMITED',
            retryAfterSeconds: Math.max(1, Math.ceil(error.msBeforeNext / 1000)),
          };
        }
      }
      return { ok: true };
    },
    close() {
      closed = true;
      return Promise.resolve();
    },
  };
}
