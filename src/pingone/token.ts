/**
 * The worker token: client credentials, cached until shortly before expiry, fetched by one
 * request however many calls are waiting for it.
 * @module
 */
import { z } from 'zod';
import { PingOneUnavailableError } from './errors.ts';
import { cancelledError, exchange, TRANSACTION_HEADER, transactionIdOf } from './transport.ts';
import type { PingOneEvent, Transport } from './types.ts';

export interface TokenSourceOptions {
  url: string;
  clientId: string;
  clientSecret: string;
  method: 'basic' | 'post';
  transport: Transport;
  timeoutMs: number;
  marginSeconds: number;
  now: () => number;
  onEvent: (event: PingOneEvent) => void;
}

const tokenSchema = z.looseObject({
  access_token: z.string().min(1),
  token_type: z
    .string()
    .refine((value) => value.toLowerCase() === 'bearer')
    .optional(),
  expires_in: z.number().positive(),
});

/** application/x-www-form-urlencoded, as RFC 6749 §2.3.1 wants for Basic credentials too. */
const formEncode = (value: string): string => new URLSearchParams({ v: value }).toString().slice(2);

const authError = (message: string, status?: number, cause?: unknown): PingOneUnavailableError =>
  new PingOneUnavailableError('auth', message, {
    ...(status !== undefined ? { status } : {}),
    ...(cause !== undefined ? { cause } : {}),
  });

export class TokenSource {
  private current: { token: string; refreshAt: number } | undefined;
  private pending: Promise<string> | undefined;

  constructor(private readonly options: TokenSourceOptions) {}

  /** A valid token; concurrent callers share one token request. */
  async get(signal?: AbortSignal): Promise<string> {
    if (signal?.aborted) throw cancelledError();
    const { current } = this;
    if (current && this.options.now() < current.refreshAt) return current.token;
    this.pending ??= this.fetch().finally(() => {
      this.pending = undefined;
    });
    const shared = this.pending;
    if (!signal) return shared;
    // One caller giving up must not cancel the request the others wait for.
    return new Promise<string>((resolve, reject) => {
      const onAbort = (): void => {
        reject(cancelledError());
      };
      signal.addEventListener('abort', onAbort, { once: true });
      shared.then(
        (token) => {
          signal.removeEventListener('abort', onAbort);
          resolve(token);
        },
        (error: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(error instanceof Error ? error : authError('No PingOne token'));
        },
      );
    });
  }

  /** Drops `token` if it is still the cached one (a newer token is kept). */
  invalidate(token: string): void {
    if (this.current?.token === token) this.current = undefined;
  }

  private async fetch(): Promise<string> {
    const { url, clientId, clientSecret, method, transport, timeoutMs, now, onEvent } =
      this.options;
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    const headers = new Headers({
      'Content-Type': 'application/x-www-form-urlencoded',
      Accept: 'application/json',
      [TRANSACTION_HEADER]: transactionIdOf(undefined),
    });
    if (method === 'post') {
      form.set('client_id', clientId);
      form.set('client_secret', clientSecret);
    } else {
      const pair = `${formEncode(clientId)}:${formEncode(clientSecret)}`;
      headers.set('Authorization', `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`);
    }
    const path = new URL(url).pathname;
    const event = (status: number, ms: number, error?: PingOneEvent['error']): void => {
      onEvent({
        event: 'pingone.token',
        method: 'POST',
        path,
        status,
        ms,
        attempt: 1,
        ...(error !== undefined ? { error } : {}),
      });
    };
    const started = performance.now();
    let answer;
    try {
      answer = await exchange(
        transport,
        (signal) =>
          new Request(url, {
            method: 'POST',
            headers,
            body: form.toString(),
            signal,
            redirect: 'manual',
          }),
        timeoutMs,
        undefined,
      );
    } catch (error) {
      event(0, Math.round(performance.now() - started), 'auth');
      throw authError(
        'No PingOne token: the token endpoint could not be reached',
        undefined,
        error,
      );
    }
    if (answer.status < 200 || answer.status > 299) {
      event(answer.status, answer.ms, 'auth');
      // The body (RFC 6749 error) is never passed on.
      throw authError(
        `No PingOne token: the token endpoint answered ${String(answer.status)}`,
        answer.status,
      );
    }
    let value: unknown;
    try {
      value = JSON.parse(answer.body);
    } catch {
      value = undefined;
    }
    const parsed = tokenSchema.safeParse(value);
    if (!parsed.success) {
      event(answer.status, answer.ms, 'auth');
      throw authError('No PingOne token: unexpected token response', answer.status);
    }
    event(answer.status, answer.ms);
    const { access_token: token, expires_in: expiresIn } = parsed.data;
    this.current = {
      token,
      refreshAt: now() + Math.max(0, expiresIn - this.options.marginSeconds) * 1000,
    };
    return token;
  }
}
