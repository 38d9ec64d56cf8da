import type { Redis } from 'ioredis';

/** Small TTL key store for single-use ticket ids and revoked sessions. */
export interface KeyValueStore {
  /** Sets `key` if it is absent, with a TTL; resolves true when THIS call set it (atomic). */
  claim(key: string, ttlMs: number): Promise<boolean>;
  has(key: string): Promise<boolean>;
  close(): Promise<void>;
}

/** TTLs are whole milliseconds and at least 1 ms, so a zero or negative TTL still blocks briefly. */
function normalizeTtl(ttlMs: number): number {
  if (!Number.isFinite(ttlMs)) throw new RangeError('ttlMs must be a finite number');
  return Math.max(1, Math.ceil(ttlMs));
}

/**
 * In-process store. When it is full, expired entries go first, then the oldest ones: memory stays
 * bounded even under a flood of distinct keys.
 */
export function memoryStore(
  options: { now?: () => number; maxEntries?: number } = {},
): KeyValueStore {
  const now = options.now ?? Date.now;
  const maxEntries = Math.max(1, Math.floor(options.maxEntries ?? 100_000));
  // Map keeps insertion order, so the first entry is always the oldest.
  const entries = new Map<string, number>();
  // Lower bound of every stored expiry: a sweep before that moment cannot free anything.
  let earliestExpiry = Number.POSITIVE_INFINITY;

  const sweep = (at: number): void => {
    let earliest = Number.POSITIVE_INFINITY;
    for (const [key, expiresAt] of entries) {
      if (expiresAt <= at) entries.delete(key);
      else if (expiresAt < earliest) earliest = expiresAt;
    }
    earliestExpiry = earliest;
  };

  const makeRoom = (at: number): void => {
    if (entries.size < maxEntries) return;
    if (at >= earliestExpiry) sweep(at);
    for (const key of entries.keys()) {
      if (entries.size < maxEntries) break;
      entries.delete(key);
    }
  };

  const live = (key: string, at: number): boolean => {
    const expiresAt = entries.get(key);
    if (expiresAt === undefined) return false;
    if (expiresAt > at) return true;
    entries.delete(key);
    return false;
  };

  return {
    claim(key, ttlMs) {
      const ttl = normalizeTtl(ttlMs);
      const at = now();
      if (live(key, at)) return Promise.resolve(false);
      makeRoom(at);
      const expiresAt = at + ttl;
      entries.set(key, expiresAt);
      if (expiresAt < earliestExpiry) earliestExpiry = expiresAt;
      return Promise.resolve(true);
    },
    has(key) {
      return Promise.resolve(live(key, now()));
    },
    close() {
      entries.clear();
      earliestExpiry = Number.POSITIVE_INFINITY;
      return Promise.resolve();
    },
  };
}

/**
 * Redis-backed store (`SET key 1 PX ttl NX`), shared by every relay instance. The connection
 * belongs to the caller, who may share it with other parts: `close()` leaves it open. Redis errors
 * reject, so callers fail closed.
 */
export function redisStore(redis: Redis, prefix = 'mfa:'): KeyValueStore {
  return {
    async claim(key, ttlMs) {
      const reply = await redis.set(prefix + key, '1', 'PX', normalizeTtl(ttlMs), 'NX');
      return reply === 'OK';
    },
    async has(key) {
      return (await redis.exists(prefix + key)) === 1;
    },
    close() {
      return Promise.resolve();
    },
  };
}
