/**
 * The enrollment flow as a pure state machine: choose a method → give its details (phone, email,
 * serial, nickname) → prove possession (code, QR + code, WebAuthn) → done. A device left waiting
 * for activation can be resumed or removed from the chooser.
 * @module
 */
import type {
  CreatedDeviceView,
  DeviceType,
  DeviceView,
  DevicesView,
  PolicyView,
} from '../protocol/schemas.ts';
import {
  isDeviceType,
  omit,
  RESEND_COOLDOWN_SECONDS,
  SENDS_CODE,
  SESSION_FATAL,
  type CeremonyOutcome,
  type FlowError,
} from './common.ts';

interface Step {
  busy: boolean;
  error?: FlowError;
}

interface Context {
  policy: PolicyView;
  /** The methods offered: policy ∩ what the host allows. */
  methods: DeviceType[];
}

export type FidoKind = 'passkey' | 'securityKey';

export type EnrollState =
  | { step: 'starting' }
  | ({
      step: 'choose';
      /** Devices left in `ACTIVATION_REQUIRED`, to resume or remove. */
      pending: DeviceView[];
      /** The user already has as many devices as the environment allows. */
      limitReached: boolean;
    } & Context &
      Step)
  | ({ step: 'details'; method: DeviceType; askNickname: boolean } & Context & Step)
  | ({ step: 'totp'; device: DeviceView; secret: string; keyUri: string } & Context & Step)
  | ({
      step: 'fido';
      device: DeviceView;
      options: Record<string, unknown>;
      kind: FidoKind;
      waiting: boolean;
      ceremony?: CeremonyOutcome;
    } & Context &
      Step)
  | ({
      step: 'code';
      device: DeviceView;
      method: DeviceType;
      /** The token asked for a second code to resynchronise. */
      resync: boolean;
      resendAvailableAt?: number;
      resent: boolean;
    } & Context &
      Step)
  | ({ step: 'reauth'; then: DeviceType } & Context)
  | { step: 'done'; device: DeviceView; method: DeviceType; result?: string }
  | { step: 'failed'; error: FlowError; restartable: boolean };

export type EnrollEvent =
  | { type: 'START' }
  | { type: 'LOADED'; view: DevicesView; allowed?: readonly DeviceType[] }
  | { type: 'CHOOSE'; method: DeviceType }
  | { type: 'REQUEST' }
  | { type: 'FAILED'; error: FlowError; now: number }
  | { type: 'CREATED'; method: DeviceType; created: CreatedDeviceView; now: number }
  | { type: 'RESUMED'; device: DeviceView; now: number }
  | { type: 'RESENT'; now: number }
  | { type: 'ACTIVATED'; device: DeviceView; result?: string }
  | { type: 'BACK' }
  | { type: 'REAUTHENTICATED' }
  | { type: 'CEREMONY_STARTED' }
  | { type: 'CEREMONY_FAILED'; outcome: CeremonyOutcome };

export const initialEnrollState: EnrollState = { step: 'starting' };

/** Methods whose device details are typed in before the device is created. */
const NEEDS_DETAILS: readonly DeviceType[] = ['SMS', 'VOICE', 'WHATSAPP', 'EMAIL', 'OATH_TOKEN'];

export function transition(state: EnrollState, event: EnrollEvent): EnrollState {
  switch (event.type) {
    case 'START':
      return { step: 'starting' };
    case 'LOADED':
      return chooser(event.view, event.allowed);
    case 'CHOOSE': {
      if (state.step !== 'choose' || !state.methods.includes(event.method)) return state;
      const askNickname = state.policy.nicknamePrompt.includes(event.method);
      return {
        step: 'details',
        method: event.method,
        askNickname,
        policy: state.policy,
        methods: state.methods,
        busy: false,
      };
    }
    case 'REQUEST':
      if (!hasStep(state)) return state;
      return {
        ...withoutError(state),
        busy: true,
        ...(state.step === 'code' ? { resent: false } : {}),
      };
    case 'FAILED':
      return failed(state, event.error, event.now);
    case 'CREATED':
      // From the details step, or from the FIDO2 step when a spent registration is replaced.
      if (state.step !== 'details' && state.step !== 'fido') return state;
      return created(state, event.method, event.created, event.now);
    case 'RESUMED': {
      if (state.step !== 'choose' || !isDeviceType(event.device.type)) return state;
      return {
        step: 'code',
        device: event.device,
        method: event.device.type,
        resync: false,
        resent: false,
        policy: state.policy,
        methods: state.methods,
        busy: false,
      };
    }
    case 'RESENT':
      if (state.step !== 'code') return state;
      return {
        ...state,
        busy: false,
        resent: true,
        resendAvailableAt: event.now + RESEND_COOLDOWN_SECONDS * 1000,
      };
    case 'ACTIVATED': {
      if (!('methods' in state) || !('device' in state)) return state;
      const method = isDeviceType(event.device.type) ? event.device.type : state.device.type;
      return {
        step: 'done',
        device: event.device,
        method: method as DeviceType,
        ...(event.result !== undefined ? { result: event.result } : {}),
      };
    }
    case 'BACK':
      if (!('methods' in state) || state.step === 'choose') return state;
      return {
        step: 'choose',
        pending: [],
        limitReached: false,
        policy: state.policy,
        methods: state.methods,
        busy: false,
      };
    case 'REAUTHENTICATED':
      if (state.step !== 'reauth') return state;
      return {
        step: 'details',
        method: state.then,
        askNickname: state.policy.nicknamePrompt.includes(state.then),
        policy: state.policy,
        methods: state.methods,
        busy: false,
      };
    case 'CEREMONY_STARTED':
      if (state.step !== 'fido') return state;
      return { ...withoutCeremony(withoutError(state)), waiting: true, busy: true };
    case 'CEREMONY_FAILED':
      if (state.step !== 'fido') return state;
      return { ...state, waiting: false, busy: false, ceremony: event.outcome };
  }
}

/** The methods to offer: the policy's, narrowed by the host's list when it gives one. */
export function offeredMethods(
  policy: PolicyView,
  allowed: readonly DeviceType[] | undefined,
): DeviceType[] {
  return policy.methods.filter((method) => allowed === undefined || allowed.includes(method));
}

/** Whether the details step has anything to ask; TOTP and FIDO2 without a nickname do not. */
export function needsDetails(method: DeviceType, askNickname: boolean): boolean {
  return askNickname || NEEDS_DETAILS.includes(method);
}

/** Passkey or security key, from the creation options the FIDO2 policy produced. */
export function fidoKind(options: Record<string, unknown>): FidoKind {
  const selection = options.authenticatorSelection as
    { authenticatorAttachment?: string; residentKey?: string } | undefined;
  if (selection?.authenticatorAttachment === 'cross-platform') return 'securityKey';
  return 'passkey';
}

function chooser(view: DevicesView, allowed: readonly DeviceType[] | undefined): EnrollState {
  const pending = view.devices.filter(
    (device) => device.status === 'ACTIVATION_REQUIRED' && resumable(device),
  );
  const limit = view.policy.deviceLimit;
  return {
    step: 'choose',
    pending,
    limitReached: limit !== undefined && view.devices.length >= limit,
    policy: view.policy,
    methods: offeredMethods(view.policy, allowed),
    busy: false,
  };
}

/**
 * A pending device can be resumed where its code can be asked for again. TOTP secrets and WebAuthn
 * challenges are shown once: the driver removes such devices and the person starts afresh.
 */
export function resumable(device: DeviceView): boolean {
  return SENDS_CODE.includes(device.type) || device.type === 'OATH_TOKEN';
}

function created(
  state: Extract<EnrollState, Context>,
  method: DeviceType,
  view: CreatedDeviceView,
  now: number,
): EnrollState {
  const context = { policy: state.policy, methods: state.methods, busy: false };
  if (method === 'TOTP') {
    if (view.secret === undefined || view.keyUri === undefined) return badResponse();
    return {
      step: 'totp',
      device: view.device,
      secret: view.secret,
      keyUri: view.keyUri,
      ...context,
    };
  }
  if (method === 'FIDO2') {
    if (view.publicKeyOptions === undefined) return badResponse();
    return {
      step: 'fido',
      device: view.device,
      options: view.publicKeyOptions,
      kind: fidoKind(view.publicKeyOptions),
      waiting: false,
      ...context,
    };
  }
  if (view.device.status === 'ACTIVE') return { step: 'done', device: view.device, method };
  return {
    step: 'code',
    device: view.device,
    method,
    resync: false,
    resent: false,
    ...(SENDS_CODE.includes(method)
      ? { resendAvailableAt: now + RESEND_COOLDOWN_SECONDS * 1000 }
      : {}),
    ...context,
  };
}

function failed(state: EnrollState, error: FlowError, now: number): EnrollState {
  if (SESSION_FATAL.includes(error.code)) return { step: 'failed', error, restartable: false };
  if (!hasStep(state)) return { step: 'failed', error, restartable: true };
  if (error.code === 'REAUTH_REQUIRED' && state.step === 'details') {
    return { step: 'reauth', then: state.method, policy: state.policy, methods: state.methods };
  }
  if (error.code === 'DEVICE_LIMIT' && 'methods' in state) {
    return { ...chooserFrom(state), limitReached: true };
  }
  const next = { ...state, busy: false, error };
  if (state.step === 'code') {
    if (error.code === 'OATH_RESYNC_REQUIRED')
      return { ...state, busy: false, error, resync: true };
    if (error.code === 'RESEND_TOO_SOON') {
      return {
        ...state,
        busy: false,
        error,
        resendAvailableAt: now + (error.retryAfterSeconds ?? 30) * 1000,
      };
    }
  }
  if (state.step === 'fido') return { ...state, busy: false, waiting: false, error };
  return next;
}

function chooserFrom(
  state: Extract<EnrollState, Context>,
): Extract<EnrollState, { step: 'choose' }> {
  return {
    step: 'choose',
    pending: state.step === 'choose' ? state.pending : [],
    limitReached: state.step === 'choose' ? state.limitReached : false,
    policy: state.policy,
    methods: state.methods,
    busy: false,
  };
}

type WithStep = Extract<EnrollState, Step>;

function hasStep(state: EnrollState): state is WithStep {
  return 'busy' in state;
}

function withoutError<T extends { error?: FlowError }>(state: T): T {
  return omit(state, 'error') as T;
}

function withoutCeremony<T extends { ceremony?: CeremonyOutcome }>(state: T): T {
  return omit(state, 'ceremony') as T;
}

function badResponse(): EnrollState {
  return { step: 'failed', error: { code: 'BAD_RESPONSE' }, restartable: true };
}
