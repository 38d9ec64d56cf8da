/**
 * The sign-in flow as a pure state machine: `transition(state, event)` returns the next state and
 * does nothing else. The relay's authentication view drives it; the element renders the state and
 * a driver (`signin-driver.ts`) turns the person's actions into requests and events.
 * @module
 */
import type { AuthenticationView, DeviceType, DeviceView } from '../protocol/schemas.ts';
import {
  isDeviceType,
  omit,
  RESEND_COOLDOWN_SECONDS,
  SENDS_CODE,
  SESSION_FATAL,
  type CeremonyOutcome,
  type FlowError,
} from './common.ts';

interface Active {
  auth: AuthenticationView;
  /** A request of this step is in flight; the step's controls are disabled. */
  busy: boolean;
  error?: FlowError;
}

export type SigninState =
  | { step: 'starting' }
  | ({ step: 'choose' } & Active)
  | ({
      step: 'code';
      device: DeviceView;
      attemptsRemaining?: number;
      /** Epoch ms until which the device is locked. */
      lockedUntil?: number;
      /** Epoch ms from which another code may be asked for. */
      resendAvailableAt?: number;
      /** A new code was just sent. */
      resent: boolean;
    } & Active)
  | ({
      step: 'fido';
      device: DeviceView | undefined;
      /** The browser's WebAuthn prompt is open. */
      waiting: boolean;
      ceremony?: CeremonyOutcome;
    } & Active)
  | { step: 'done'; result: string; method: DeviceType | 'REMEMBER_ME' }
  | {
      step: 'failed';
      error: FlowError;
      /** A new authentication can be started in the same session. */
      restartable: boolean;
    };

export type SigninEvent =
  | { type: 'START' }
  | { type: 'LOADED'; auth: AuthenticationView; now: number }
  | { type: 'RESENT'; auth: AuthenticationView; now: number }
  | { type: 'REQUEST' }
  | { type: 'FAILED'; error: FlowError; now: number }
  | { type: 'SHOW_DEVICES' }
  | { type: 'CEREMONY_STARTED' }
  | { type: 'CEREMONY_FAILED'; outcome: CeremonyOutcome };

export const initialSigninState: SigninState = { step: 'starting' };

export function transition(state: SigninState, event: SigninEvent): SigninState {
  switch (event.type) {
    case 'START':
      return { step: 'starting' };
    case 'LOADED':
      return fromView(state, event.auth, event.now);
    case 'RESENT': {
      const next = fromView(state, event.auth, event.now);
      return next.step === 'code' ? { ...next, resent: true } : next;
    }
    case 'REQUEST':
      if (!isActive(state)) return state;
      if (state.step === 'code') return { ...withoutError(state), busy: true, resent: false };
      if (state.step === 'fido') {
        return { ...omit(withoutError(state), 'ceremony'), busy: true };
      }
      return { ...withoutError(state), busy: true };
    case 'FAILED':
      return failed(state, event.error, event.now);
    case 'SHOW_DEVICES': {
      if (!isActive(state) || state.auth.devices.length === 0) return state;
      // A lock learnt in the code step is newer than the list the authentication came with.
      if (state.step === 'code' && state.lockedUntil !== undefined) {
        const lockedUntil = new Date(state.lockedUntil).toISOString();
        const devices = state.auth.devices.map((device) =>
          device.id === state.device.id ? { ...device, lockedUntil } : device,
        );
        return { step: 'choose', auth: { ...state.auth, devices }, busy: false };
      }
      return { step: 'choose', auth: state.auth, busy: false };
    }
    case 'CEREMONY_STARTED':
      if (state.step !== 'fido') return state;
      return { ...withoutError(state), waiting: true, busy: true };
    case 'CEREMONY_FAILED':
      if (state.step !== 'fido') return state;
      return { ...state, waiting: false, busy: false, ceremony: event.outcome };
  }
}

type ActiveState = Extract<SigninState, Active>;

function isActive(state: SigninState): state is ActiveState {
  return state.step === 'choose' || state.step === 'code' || state.step === 'fido';
}

function withoutError<T extends { error?: FlowError }>(state: T): T {
  return omit(state, 'error') as T;
}

function fromView(state: SigninState, auth: AuthenticationView, now: number): SigninState {
  const device = auth.devices.find((candidate) => candidate.id === auth.selectedDeviceId);
  switch (auth.status) {
    case 'DEVICE_SELECTION_REQUIRED':
      return { step: 'choose', auth, busy: false };
    case 'OTP_REQUIRED': {
      if (!device) return badResponse();
      const sameDevice = state.step === 'code' && state.device.id === device.id;
      return {
        step: 'code',
        auth,
        device,
        busy: false,
        resent: false,
        ...(SENDS_CODE.includes(device.type)
          ? { resendAvailableAt: now + RESEND_COOLDOWN_SECONDS * 1000 }
          : {}),
        ...(sameDevice && state.attemptsRemaining !== undefined
          ? { attemptsRemaining: state.attemptsRemaining }
          : {}),
        ...lockFrom(device),
      };
    }
    case 'ASSERTION_REQUIRED':
      return { step: 'fido', auth, device, busy: false, waiting: false };
    case 'COMPLETED': {
      if (auth.result === undefined) return badResponse();
      const method = device && isDeviceType(device.type) ? device.type : 'REMEMBER_ME';
      return { step: 'done', result: auth.result, method };
    }
    case 'FAILED':
      return { step: 'failed', error: { code: 'INVALID_STATE' }, restartable: true };
    case 'PUSH_CONFIRMATION_REQUIRED':
    case 'PUSH_CONFIRMATION_TIMED_OUT':
      // Push devices are not offered by the relay; seeing one is a contract break.
      return badResponse();
  }
}

function lockFrom(device: DeviceView): { lockedUntil?: number } {
  if (device.lockedUntil === undefined) return {};
  const until = Date.parse(device.lockedUntil);
  return Number.isNaN(until) ? {} : { lockedUntil: until };
}

function badResponse(): SigninState {
  return { step: 'failed', error: { code: 'BAD_RESPONSE' }, restartable: true };
}

function failed(state: SigninState, error: FlowError, now: number): SigninState {
  if (SESSION_FATAL.includes(error.code)) return { step: 'failed', error, restartable: false };
  if (error.code === 'AUTHENTICATION_NOT_FOUND' || error.code === 'INVALID_STATE') {
    return { step: 'failed', error, restartable: true };
  }
  if (!isActive(state)) return { step: 'failed', error, restartable: true };
  if (state.step === 'fido') return { ...state, busy: false, waiting: false, error };
  if (state.step !== 'code') return { ...state, busy: false, error };

  const next = { ...state, busy: false, error };
  switch (error.code) {
    case 'OTP_INVALID': {
      const withAttempts =
        error.attemptsRemaining === undefined
          ? next
          : { ...next, attemptsRemaining: error.attemptsRemaining };
      // The last attempt was used up: the device is locked from now on.
      if (error.lockedUntil === undefined) return withAttempts;
      const until = Date.parse(error.lockedUntil);
      return Number.isNaN(until) ? withAttempts : { ...withAttempts, lockedUntil: until };
    }
    case 'AUTHENTICATOR_LOCKED': {
      const until =
        error.lockedUntil !== undefined
          ? Date.parse(error.lockedUntil)
          : now + (error.retryAfterSeconds ?? 60) * 1000;
      return {
        ...omit(next, 'attemptsRemaining'),
        lockedUntil: Number.isNaN(until) ? now + 60_000 : until,
      };
    }
    case 'RESEND_TOO_SOON':
      return { ...next, resendAvailableAt: now + (error.retryAfterSeconds ?? 30) * 1000 };
    default:
      return next;
  }
}

/** The voice device to offer "call me instead" from an SMS step, if the user has one. */
export function voiceAlternative(state: SigninState): DeviceView | undefined {
  if (state.step !== 'code' || state.device.type !== 'SMS') return undefined;
  return state.auth.devices.find((device) => device.type === 'VOICE');
}
