/**
 * The events the elements dispatch. Each is a small class, `bubbles` and `composed`, dispatched on
 * the element itself and registered in `GlobalEventHandlersEventMap` so that
 * `element.addEventListener('mfa-complete', (event) => event.detail.result)` is typed.
 * Events never carry a one-time code, a secret or a credential.
 * @module
 */
import type { MfaErrorCode } from '../../client/client.ts';
import type { DeviceType } from '../../protocol/schemas.ts';

/** Base class: a named event with a read-only `detail`. */
class MfaEvent<T> extends Event {
  readonly detail: T;
  constructor(type: string, detail: T) {
    super(type, { bubbles: true, composed: true });
    this.detail = detail;
  }
}

export interface MfaCompleteDetail {
  /** The relay's signed result (a JWT); the host's server verifies it before trusting it. */
  result: string;
  /** The kind of device that completed the verification; `REMEMBER_ME` for a remembered browser. */
  method: DeviceType | 'REMEMBER_ME';
}
/** Verification completed. */
export class MfaCompleteEvent extends MfaEvent<MfaCompleteDetail> {
  constructor(detail: MfaCompleteDetail) {
    super('mfa-complete', detail);
  }
}

export interface MfaEnrolledDetail {
  deviceId: string;
  method: DeviceType;
  /** The relay's signed result: activating a device proves possession of it. */
  result?: string;
}
/** A new device is active. */
export class MfaEnrolledEvent extends MfaEvent<MfaEnrolledDetail> {
  constructor(detail: MfaEnrolledDetail) {
    super('mfa-enrolled', detail);
  }
}

export interface MfaErrorDetail {
  /** Stable code: the relay's error code or a client-side one (`NETWORK`, `TIMEOUT`, …). */
  code: MfaErrorCode;
  /** Whether the element can go on (the person may retry) or the host must start again. */
  fatal: boolean;
}
/** Something failed; also shown to the person in the element. */
export class MfaErrorEvent extends MfaEvent<MfaErrorDetail> {
  constructor(detail: MfaErrorDetail) {
    super('mfa-error', detail);
  }
}

/** The person left the flow (for instance with "Cancel"). */
export class MfaCancelEvent extends MfaEvent<Record<string, never>> {
  constructor() {
    super('mfa-cancel', {});
  }
}

export interface MfaStepDetail {
  /** The step now shown, for host analytics: `choose`, `code`, `fido`, `totp`, `done`, … */
  step: string;
  method?: DeviceType;
}
/** A new step is shown. */
export class MfaStepEvent extends MfaEvent<MfaStepDetail> {
  constructor(detail: MfaStepDetail) {
    super('mfa-step', detail);
  }
}

/** `<mfa-otp-input>`: the code has its full length. Read the value from the element. */
export class MfaCodeCompleteEvent extends MfaEvent<Record<string, never>> {
  constructor() {
    super('mfa-code-complete', {});
  }
}

export interface MfaDeviceSelectDetail {
  deviceId: string;
}
/** `<mfa-device-picker>`: the person chose a device. */
export class MfaDeviceSelectEvent extends MfaEvent<MfaDeviceSelectDetail> {
  constructor(detail: MfaDeviceSelectDetail) {
    super('mfa-device-select', detail);
  }
}

export interface MfaMethodSelectDetail {
  method: DeviceType;
}
/** `<mfa-method-picker>`: the person chose a method to add. */
export class MfaMethodSelectEvent extends MfaEvent<MfaMethodSelectDetail> {
  constructor(detail: MfaMethodSelectDetail) {
    super('mfa-method-select', detail);
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'mfa-complete': MfaCompleteEvent;
    'mfa-enrolled': MfaEnrolledEvent;
    'mfa-error': MfaErrorEvent;
    'mfa-cancel': MfaCancelEvent;
    'mfa-step': MfaStepEvent;
    'mfa-code-complete': MfaCodeCompleteEvent;
    'mfa-device-select': MfaDeviceSelectEvent;
    'mfa-method-select': MfaMethodSelectEvent;
  }
}
