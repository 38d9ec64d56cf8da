/**
 * The demo host's own cookies: a JSON payload with an expiry, signed with HMAC-SHA256 under a key
 * that lives only in this process (a restart signs everyone out of the demo, which is fine).
 * @module
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface SignedCookies {
  /** `name=value` attributes for Set-Cookie, valid for `maxAgeSeconds`. */
  seal(name: string, payload: Record<string, unknown>, maxAgeSeconds: number): string;
  /** The payload when `value` was sealed under `name` and has not expired; else undefined. */
  open(name: string, value: string | undefined): Record<string, unknown> | undefined;
}

export function createSignedCookies(
  options: { key?: Uint8Array; now?: () => number } = {},
): SignedCookies {
  const { key = randomBytes(32), now = Date.now } = options;
  // The cookie's name is signed too, so one cookie's value cannot stand in for another's.
  const mac = (name: string, body: string) =>
    createHmac('sha256', key).update(`${name}\n${body}`).digest();

  return {
    seal(name, payload, maxAgeSeconds) {
      const exp = Math.floor(now() / 1000) + maxAgeSeconds;
      const body = Buffer.from(JSON.stringify({ ...payload, exp })).toString('base64url');
      return `${body}.${mac(name, body).toString('base64url')}`;
    },
    open(name, value) {
      if (value === undefined) return undefined;
      const [body, signature, extra] = value.split('.');
      if (body === undefined || signature === undefined || extra !== undefined) return undefined;
      const given = Buffer.from(signature, 'base64url');
      const expected = mac(name, body);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
      let payload: unknown;
      try {
        payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
      } catch {
        return undefined;
      }
      if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
        return undefined;
      }
      const record = payload as Record<string, unknown>;
      if (typeof record.exp !== 'number' || record.exp <= Math.floor(now() / 1000)) {
        return undefined;
      }
      return record;
    },
  };
}
