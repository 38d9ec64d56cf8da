/**
 * One HTTP exchange with a deadline, the retry delays, the platform transport and the
 * correlation header.
 * @module
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, fetch as undiciFetch } from 'undici';
import { PingOneUnavailableError } from './errors.ts';
import type { Transport } from './types.ts';

export const TRANSACTION_HEADER = 'X-Ping-External-Transaction-ID';

/** Larger answers are not PingOne's; reading stops there. */
const MAX_BODY_BYTES = 1024 * 1024;

/**
 * The caller's id limited to PingOne's character set (ASCII here: header values are bytes) and
 * 100 characters, others replaced by `_`; a random UUID when there is none.
 */
export function transactionIdOf(given: string | undefined): string {
  if (given === undefined || given === '') return randomUUID();
  return given.slice(0, 100).replace(/[^A-Za-z0-9._\-/@=#+]/g, '_');
}

/**
 * Real HTTPS through undici, with a connect timeout (the global fetch has no way to set one).
 * The total deadline comes from the request's signal.
 */
export function platformTransport(connectTimeoutMs: number): Transport {
  const dispatcher = new Agent({ connect: { timeout: connectTimeoutMs } });
  return async (request) => {
    // undici's fetch does not accept the global Request class, so it is taken apart.
    const body = request.body === null ? undefined : await request.arrayBuffer();
    const response = await undiciFetch(request.url, {
      method: request.method,
      headers: [...request.headers],
      body,
      signal: request.signal,
      redirect: 'manual',
      dispatcher,
    });
    // A web stream from undici is the platform's ReadableStream, so it can back a Response.
    return new Response(response.body as ReadableStream<Uint8Array> | null, {
      status: response.status,
      headers: [...response.headers],
    });
  };
}

export interface Exchange {
  status: number;
  headers: Headers;
  body: string;
  ms: number;
}

class Aborted extends Error {}

/** Settles with `promise`, or rejects with `Aborted` as soon as `signal` aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined);
    return Promise.reject(new Aborted());
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      reject(new Aborted());
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error instanceof Error ? error : new Error('transport failed'));
      },
    );
  });
}

async function readCapped(response: Response, signal: AbortSignal): Promise<string> {
  if (response.body === null) return '';
  const reader = response.body.getReader();
  // A stalled body is released when the deadline passes, whatever the transport does.
  signal.addEventListener(
    'abort',
    () => {
      reader.cancel().catch(() => undefined);
    },
    { once: true },
  );
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel().catch(() => undefined);
      throw new PingOneUnavailableError('bad_response', 'PingOne sent an oversized body', {
        status: response.status,
      });
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Whether the caller cancelled (as opposed to the attempt's own deadline). */
export function cancelledError(): PingOneUnavailableError {
  return new PingOneUnavailableError('timeout', 'The PingOne call was cancelled');
}

/**
 * Sends one request and reads its whole body under one deadline of `timeoutMs`, combined with
 * the caller's signal. The signal travels in the Request so the transport can release the
 * socket; the race makes sure a transport that ignores it still cannot hold the caller.
 * Throws PingOneUnavailableError 'timeout' or 'unavailable'.
 */
export async function exchange(
  transport: Transport,
  build: (signal: AbortSignal) => Request,
  timeoutMs: number,
  callerSignal: AbortSignal | undefined,
): Promise<Exchange> {
  const started = performance.now();
  // A referenced timer, cleared when the exchange ends: it lives no longer than `timeoutMs`, and
  // unlike AbortSignal.timeout it still fires when nothing else keeps the event loop running.
  const deadline = new AbortController();
  const timer = setTimeout(() => {
    deadline.abort(new DOMException('PingOne did not answer in time', 'TimeoutError'));
  }, timeoutMs);
  const signal = callerSignal ? AbortSignal.any([callerSignal, deadline.signal]) : deadline.signal;
  try {
    const response = await untilAborted(
      Promise.resolve().then(() => transport(build(signal))),
      signal,
    );
    const body = await untilAborted(readCapped(response, signal), signal);
    return {
      status: response.status,
      headers: response.headers,
      body,
      ms: Math.round(performance.now() - started),
    };
  } catch (error) {
    if (error instanceof PingOneUnavailableError) throw error;
    if (callerSignal?.aborted) throw cancelledError();
    if (deadline.signal.aborted) {
      throw new PingOneUnavailableError('timeout', 'PingOne did not answer in time');
    }
    throw new PingOneUnavailableError('unavailable', 'PingOne could not be reached', {
      cause: error,
    });
  } finally {
    clearTimeout(timer);
  }
}

/** Exponential backoff with jitter: base·2^(n−1), capped, then scaled by 0.5–1. */
export function backoffMs(retry: number, baseMs: number, capMs = 2000): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, retry - 1));
  return Math.round(ceiling * (0.5 + Math.random() / 2));
}

/** Waits, unless the caller cancels first. */
export async function delay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  try {
    await sleep(ms, undefined, signal ? { signal } : {});
  } catch {
    throw cancelledError();
  }
}
