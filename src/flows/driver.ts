/**
 * The part every flow driver shares: it owns the machine's state, feeds it events, runs one
 * request at a time and aborts what is still running when the element goes away.
 * @module
 */
import { MfaApiError } from '../client/client.ts';
import type { FlowError } from './common.ts';
import type { Now } from './ports.ts';

export abstract class FlowDriver<State, Event> {
  state: State;
  protected readonly abort = new AbortController();
  protected inFlight = false;

  protected constructor(
    initial: State,
    private readonly reduce: (state: State, event: Event) => State,
    private readonly onChange: (state: State) => void,
    protected readonly now: Now,
  ) {
    this.state = initial;
  }

  /** Stops everything still running; the element calls it when it leaves the page. */
  dispose(): void {
    this.abort.abort();
  }

  /** Whether `dispose()` was called (a method, so that it is read afresh after every await). */
  protected stopped(): boolean {
    return this.abort.signal.aborted;
  }

  protected dispatch(event: Event): void {
    if (this.stopped()) return;
    this.state = this.reduce(this.state, event);
    this.onChange(this.state);
  }

  /**
   * Runs `work` unless something else is running. `started` is dispatched first (the step shows
   * it is busy); a relay or network failure becomes `failed(error)`.
   */
  protected async run(
    work: (signal: AbortSignal) => Promise<void>,
    started: Event | undefined,
    failed: (error: FlowError) => Event,
  ): Promise<void> {
    if (this.inFlight || this.stopped()) return;
    this.inFlight = true;
    if (started !== undefined) this.dispatch(started);
    try {
      await work(this.abort.signal);
    } catch (error) {
      if (!this.stopped()) this.dispatch(failed(toFlowError(error)));
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
