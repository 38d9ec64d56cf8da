/**
 * Runs the sign-in machine: turns the person's actions into relay requests and the answers into
 * machine events. It holds no UI; an element subscribes with `onChange` and renders `state`.
 * @module
 */
import { MfaApiError } from '../client/client.ts';
import type {
  AuthenticationCredential,
  AuthenticationView,
  Compatibility,
} from '../protocol/schemas.ts';
import { classifyCeremonyError } from './common.ts';
import { FlowDriver, type DriverOptions, type Machine } from './driver.ts';
import {
  initialSigninState,
  transition,
  voiceAlternative,
  type SigninEvent,
  type SigninState,
} from './signin.ts';

export type SigninDriverOptions = DriverOptions<SigninState>;

const machine: Machine<SigninState, SigninEvent> = {
  initial: initialSigninState,
  transition,
  failed: (error, now) => ({ type: 'FAILED', error, now }),
};

export class SigninDriver extends FlowDriver<SigninState, SigninEvent> {
  private compatibility: Compatibility | undefined;

  constructor(options: SigninDriverOptions) {
    super(machine, options);
  }

  /** Opens the session (when a ticket was given) and starts an authentication. */
  async start(): Promise<void> {
    this.dispatch({ type: 'START' });
    await this.run(async (signal) => {
      await this.openSession(signal);
      this.compatibility ??= await this.webauthn.compatibility();
      this.loaded(await this.client.startAuthentication(this.compatibilityInput(), { signal }));
    });
  }

  async chooseDevice(deviceId: string): Promise<void> {
    const { state } = this;
    if (state.step !== 'choose' && state.step !== 'code' && state.step !== 'fido') return;
    const id = state.auth.id;
    await this.request(async (signal) => {
      this.loaded(
        await this.client.selectDevice(id, { deviceId, ...this.compatibilityInput() }, { signal }),
      );
    });
  }

  async submitOtp(otp: string, remember = false): Promise<void> {
    const { state } = this;
    if (state.step !== 'code') return;
    const id = state.auth.id;
    await this.request(async (signal) => {
      this.loaded(
        await this.client.submitOtp(id, { otp, ...(remember ? { remember } : {}) }, { signal }),
      );
    });
  }

  async resend(): Promise<void> {
    const { state } = this;
    if (state.step !== 'code') return;
    const id = state.auth.id;
    await this.request(async (signal) => {
      const auth = await this.client.resendCode(id, { signal });
      this.dispatch({ type: 'RESENT', auth, now: this.now() });
    });
  }

  /** From an SMS step: the person's voice device reads the code out instead. */
  async callInstead(): Promise<void> {
    const voice = voiceAlternative(this.state);
    if (voice) await this.chooseDevice(voice.id);
  }

  showDevices(): void {
    if (this.inFlight && this.state.step !== 'fido') return;
    this.webauthn.cancel();
    this.dispatch({ type: 'SHOW_DEVICES' });
  }

  /** Runs the WebAuthn assertion; call it from a user gesture. */
  async assert(remember = false): Promise<void> {
    const { state } = this;
    if (state.step !== 'fido' || this.inFlight) return;
    if (this.compatibility === 'NONE') {
      this.dispatch({ type: 'CEREMONY_FAILED', outcome: 'unsupported' });
      return;
    }
    const options = state.auth.publicKeyOptions;
    const id = state.auth.id;
    if (options === undefined) {
      this.dispatch(this.fail({ code: 'BAD_RESPONSE' }));
      return;
    }
    this.inFlight = true;
    this.dispatch({ type: 'CEREMONY_STARTED' });
    let credential: AuthenticationCredential;
    try {
      credential = await this.webauthn.authenticate(options);
    } catch (error) {
      this.dispatch({ type: 'CEREMONY_FAILED', outcome: classifyCeremonyError(error) });
      return;
    } finally {
      this.inFlight = false;
    }
    await this.request(async (signal) => {
      let auth: AuthenticationView;
      try {
        auth = await this.client.submitAssertion(
          id,
          { credential, ...(remember ? { remember } : {}) },
          { signal },
        );
      } catch (error) {
        // A checked challenge is spent: read the new one so "Try again" can succeed.
        if (error instanceof MfaApiError && error.code === 'CREDENTIAL_INVALID') {
          this.loaded(await this.client.getAuthentication(id, { signal }));
        }
        throw error;
      }
      this.loaded(auth);
    });
  }

  /** The person gave up: ends the authentication upstream, then stops. */
  async cancel(): Promise<void> {
    const { state } = this;
    this.dispose();
    if (state.step !== 'choose' && state.step !== 'code' && state.step !== 'fido') return;
    try {
      await this.client.cancelAuthentication(state.auth.id);
    } catch (error) {
      // Best effort: an authentication left behind expires upstream on its own.
      if (!(error instanceof MfaApiError)) throw error;
    }
  }

  private request(work: (signal: AbortSignal) => Promise<void>): Promise<void> {
    return this.run(work, { type: 'REQUEST' });
  }

  private loaded(auth: AuthenticationView): void {
    this.dispatch({ type: 'LOADED', auth, now: this.now() });
    // Without WebAuthn a passkey step can only say so (the person can pick another method).
    if (this.state.step === 'fido' && this.compatibility === 'NONE') {
      this.dispatch({ type: 'CEREMONY_FAILED', outcome: 'unsupported' });
    }
  }

  /**
   * What to tell the relay about this browser. `NONE` is not sent: upstream would refuse to start
   * with a FIDO2 default device at all, where the step can instead say what is wrong.
   */
  private compatibilityInput(): { compatibility?: Compatibility } {
    const { compatibility } = this;
    return compatibility && compatibility !== 'NONE' ? { compatibility } : {};
  }
}
