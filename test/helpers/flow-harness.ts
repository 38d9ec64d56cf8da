/**
 * Runs the flow drivers in Node against the real relay and engine (`RelayHarness`): a browser-like
 * `fetch` with a cookie jar that goes to the relay app in-process, a `WebAuthnPort` backed by the
 * software authenticator, a recorder of the states a driver reports, and result verification.
 */
import assert from 'node:assert/strict';
import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server';
import { createLocalJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { createMfaClient, type MfaClient } from '../../src/client/client.ts';
import type { WebAuthnPort } from '../../src/flows/ports.ts';
import {
  authenticationCredential,
  registrationCredential,
  type AuthenticationCredential,
  type Compatibility,
  type RegistrationCredential,
} from '../../src/protocol/schemas.ts';
import { MOUNT, ORIGIN, type RelayHarness } from './relay-harness.ts';
import {
  SoftAuthenticator,
  type CreateOverrides,
  type GetOverrides,
} from './soft-authenticator.ts';

export interface SentRequest {
  method: string;
  path: string;
  status?: number;
  /** The client's signal had aborted when the answer came (or instead of it). */
  aborted: boolean;
}

interface Hold {
  reached: () => void;
  released: Promise<void>;
}

const abortError = (): DOMException => new DOMException('This operation was aborted', 'AbortError');

/** Settles like `work`, or rejects with an AbortError as soon as `signal` aborts, like fetch. */
function abortable<T>(work: Promise<T>, signal: AbortSignal | null | undefined): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      reject(abortError());
    };
    if (signal.aborted) {
      onAbort();
      return;
    }
    signal.addEventListener('abort', onAbort, { once: true });
    void work.then(resolve, reject).finally(() => {
      signal.removeEventListener('abort', onAbort);
    });
  });
}

/**
 * A same-origin page: every request carries `Origin` (the relay's own), the jar's cookies when
 * credentials are not omitted, and stores what `Set-Cookie` sets.
 */
export class FakeBrowser {
  readonly jar = new Map<string, string>();
  readonly sent: SentRequest[] = [];
  private readonly holds: Hold[] = [];

  constructor(private readonly relay: RelayHarness) {}

  readonly fetch: typeof globalThis.fetch = async (input, init = {}) => {
    const url = new URL(
      typeof input === 'string' ? input : input instanceof URL ? input.href : input.url,
    );
    const method = init.method ?? 'GET';
    const record: SentRequest = { method, path: url.pathname, aborted: false };
    this.sent.push(record);
    const headers = new Headers(init.headers);
    headers.set('origin', ORIGIN);
    headers.set('sec-fetch-site', 'same-origin');
    if (init.credentials !== 'omit' && this.jar.size > 0) {
      headers.set('cookie', [...this.jar].map(([name, value]) => `${name}=${value}`).join('; '));
    }
    const { signal } = init;
    try {
      const hold = this.holds.shift();
      if (hold) {
        hold.reached();
        await abortable(hold.released, signal);
      }
      const response = await abortable(
        Promise.resolve(
          this.relay.app.request(url.href, {
            method,
            headers,
            ...(typeof init.body === 'string' ? { body: init.body } : {}),
          }),
        ),
        signal,
      );
      record.status = response.status;
      this.store(response.headers.getSetCookie());
      return response;
    } catch (error) {
      record.aborted = signal?.aborted === true;
      throw error;
    }
  };

  /** A client of the relay mounted on this browser's origin. */
  client(options: { timeoutMs?: number } = {}): MfaClient {
    return createMfaClient({ baseUrl: `${ORIGIN}${MOUNT}`, fetch: this.fetch, ...options });
  }

  /**
   * Holds the next request before it reaches the relay. `reached` resolves once it is held;
   * `release()` lets it through (an abort of its signal rejects it meanwhile, as fetch would).
   */
  holdNext(): { reached: Promise<void>; release: () => void } {
    let reached!: () => void;
    let release!: () => void;
    const reachedPromise = new Promise<void>((resolve) => {
      reached = resolve;
    });
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.holds.push({ reached, released });
    return { reached: reachedPromise, release };
  }

  private store(setCookies: string[]): void {
    for (const cookie of setCookies) {
      const [pair = ''] = cookie.split(';');
      const at = pair.indexOf('=');
      const name = pair.slice(0, at);
      const value = pair.slice(at + 1);
      if (/max-age=0/i.test(cookie) || value === '') this.jar.delete(name);
      else this.jar.set(name, value);
    }
  }
}

/** A `NotAllowedError` as the browser throws it when the person closes the prompt. */
export function ceremonyError(name = 'NotAllowedError'): DOMException {
  return new DOMException('The operation either timed out or was not allowed.', name);
}

/** The browser's WebAuthn, played by a software authenticator on the relay's origin. */
export class SoftWebAuthn implements WebAuthnPort {
  readonly authenticator = new SoftAuthenticator();
  compat: Compatibility = 'FULL';
  /** Thrown by the next ceremonies instead of answering, in order. */
  readonly failures: Error[] = [];
  /** Applied to the next assertion only. */
  getOverrides: GetOverrides | undefined;
  createOverrides: CreateOverrides | undefined;
  /** The next ceremony stays open until `cancel()`, then fails with an AbortError. */
  hangNext = false;
  ceremonies = 0;
  cancels = 0;
  private open: (() => void) | undefined;

  compatibility(): Promise<Compatibility> {
    return Promise.resolve(this.compat);
  }

  authenticate(options: Record<string, unknown>): Promise<AuthenticationCredential> {
    return this.ceremony(() => {
      const overrides = this.getOverrides;
      this.getOverrides = undefined;
      const json = this.authenticator.get(
        options as unknown as PublicKeyCredentialRequestOptionsJSON,
        ORIGIN,
        overrides,
      );
      return authenticationCredential.parse(json);
    });
  }

  register(options: Record<string, unknown>): Promise<RegistrationCredential> {
    return this.ceremony(() => {
      const overrides = this.createOverrides;
      this.createOverrides = undefined;
      const json = this.authenticator.create(
        options as unknown as PublicKeyCredentialCreationOptionsJSON,
        ORIGIN,
        overrides,
      );
      return registrationCredential.parse(json);
    });
  }

  cancel(): void {
    this.cancels += 1;
    const open = this.open;
    this.open = undefined;
    open?.();
  }

  private ceremony<T>(answer: () => T): Promise<T> {
    this.ceremonies += 1;
    if (this.hangNext) {
      this.hangNext = false;
      return new Promise<T>((_resolve, reject) => {
        this.open = () => {
          reject(abortError());
        };
      });
    }
    const failure = this.failures.shift();
    if (failure) return Promise.reject(failure);
    try {
      return Promise.resolve(answer());
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }
}

/** Keeps every state a driver reports. */
export class Recorder<S extends { step: string }> {
  readonly states: S[] = [];
  readonly onChange = (state: S): void => {
    this.states.push(state);
  };

  get steps(): string[] {
    return this.states.map((state) => state.step);
  }
}

/** Narrows a flow state to `step`, failing with the whole state otherwise. */
export function at<S extends { step: string }, K extends S['step']>(
  state: S,
  step: K,
): Extract<S, { step: K }> {
  assert.equal(state.step, step, `expected step ${step}: ${JSON.stringify(state)}`);
  return state as Extract<S, { step: K }>;
}

/** Verifies a result token with the relay's published keys, as the host's server would. */
export async function verifyResult(
  relay: RelayHarness,
  token: string | undefined,
  sub: string,
): Promise<JWTPayload> {
  assert.equal(typeof token, 'string', 'a result token');
  const jwks = await relay.send('GET', '/.well-known/jwks.json');
  assert.equal(jwks.status, 200, jwks.text);
  const { payload } = await jwtVerify(
    token ?? '',
    createLocalJWKSet(jwks.body as unknown as Parameters<typeof createLocalJWKSet>[0]),
    {
      issuer: `${ORIGIN}${MOUNT}`,
      audience: 'https://host.example',
      currentDate: new Date(relay.clock.now()),
    },
  );
  assert.equal(payload.sub, sub);
  return payload;
}
