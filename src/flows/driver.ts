/**
 * The part every flow driver shares: it owns the machine's state, feeds it events, runs one
 * request at a time and aborts what is still running when the element goes away.
 * @module
 */
import { MfaApiError, type MfaClient } from '../client/client.ts';
import type { FlowError } from './common.ts';
import type { Now, WebAuthnPort } from './ports.ts';

/** What every driver is given. */
export interface DriverOptions<State> {
  client: MfaClient;
  webauthn: WebAuthnPort;
  /** A ticket from the host; without one the driver uses the session the relay already has. */
  ticket?: string;
  onChange: (state: State) => void;
  now?: Now;
}

/** A machine: its first state, its transition, and how it is told about a failed request. */
export interface Machine<State, Event> {
  initial: State;
  transition: (state: State, event: Event) => State;
  failed: (error: FlowError, now: number) => Event;
}

export abstract class FlowDriver<State, Event> {
  state: State;
  protected readonly abort = new AbortController();
  protected inFlight = false;
  protected readonly client: MfaClient;
  protected readonly webauthn: WebAuthnPort;
  protected readonly now: Now;
  private ticket: string | undefined;
  private readonly onChange: (state: State) => void;

  protected constructor(
    private readonly machine: Machine<State, Event>,
    options: DriverOptions<State>,
  ) {
    const { client, webauthn, ticket, onChange, now = Date.now } = options;
    this.state = machine.initial;
    this.client = client;
    this.webauthn = webauthn;
    this.ticket = ticket;
    this.onChange = onChange;
    this.now = now;
  }

  /** Stops everything still running (a WebAuthn prompt too); the element calls it when it goes. */
  dispose(): void {
    this.abort.abort();
    this.webauthn.cancel();
  }

  /** Opens the relay session with the host's ticket, once: a restart goes on in that session. */
  protected async openSession(signal: AbortSignal): Promise<void> {
    const { ticket } = this;
    if (ticket === undefined) return;
    this.ticket = undefined;
    await this.client.openSession(ticket, { signal });
  }

  /** The machine's event for a failed request, stamped with the time. */
  protected fail(error: FlowError): Event {
    return this.machine.failed(error, this.now());
  }

  /** Whether `dispose()` was called (a method, so that it is read afresh after every await). */
  protected stopped(): boolean {
    return this.abort.signal.aborted;
  }

  protected dispatch(event: Event): void {
    if (this.stopped()) return;
    this.state = this.machine.transition(this.state, event);
    this.onChange(this.state);
  }

  /**
   * Runs `work` unless something else is running. `started` is dispatched first (the step shows
   * it is busy); a relay or network failure becomes the machine's failure event.
   */
  protected async run(
    work: (signal: AbortSignal) => Promise<void>,
    started?: Event,
  ): Promise<void> {
    if (this.inFlight || this.stopped()) return;
    this.inFlight = true;
    if (started !== undefined) this.dispatch(started);
    try {
      await work(this.abort.signal);
    } catch (error) {
      if (!this.stopped()) this.dispatch(this.fail(toFlowError(error)));
      // Anything but a relay or network failure is a bug: show it, and let it surface too.
      if (!(error instanceof MfaApiError)) throw error;
    } finally {
      this.inFlight = false;
    }
  }
}

export function toFlowError(error: unknown): FlowError {
  if (!(error instanceof MfaApiError)) return { code: 'INTERNAL' };
  return {
    code: error.code,
    ...(error.attemptsRemaining !== undefined
      ? { attemptsRemaining: error.attemptsRemaining }
      : {}),
    ...(error.retryAfterSeconds !== undefined
      ? { retryAfterSeconds: error.retryAfterSeconds }
      : {}),
    ...(error.lockedUntil !== undefined ? { lockedUntil: error.lockedUntil } : {}),
  };
}
