/**
 * Runs the enrollment machine against the relay. The element renders `state` and calls these
 * methods; nothing here touches the DOM.
 * @module
 */
import { MfaApiError } from '../client/client.ts';
import type {
  CreateDeviceRequest,
  DeviceType,
  RegistrationCredential,
} from '../protocol/schemas.ts';
import { DEVICE_TYPES } from '../protocol/http.ts';
import { classifyCeremonyError, SESSION_FATAL, type FlowError } from './common.ts';
import { FlowDriver, toFlowError, type DriverOptions, type Machine } from './driver.ts';
import {
  initialEnrollState,
  needsDetails,
  resumable,
  transition,
  type EnrollEvent,
  type EnrollState,
} from './enroll.ts';

export interface EnrollDriverOptions extends DriverOptions<EnrollState> {
  /** Methods the host allows; the policy decides within them. */
  methods?: readonly DeviceType[];
  /** Go straight to this method when it is offered. */
  method?: DeviceType;
}

const machine: Machine<EnrollState, EnrollEvent> = {
  initial: initialEnrollState,
  transition,
  failed: (error, now) => ({ type: 'FAILED', error, now }),
};

/** What the details step collects; which fields apply depends on the method. */
export interface DeviceDetails {
  phone?: string;
  extension?: string;
  email?: string;
  serialNumber?: string;
  nickname?: string;
}

export class EnrollDriver extends FlowDriver<EnrollState, EnrollEvent> {
  private readonly allowed: readonly DeviceType[] | undefined;
  private preferred: DeviceType | undefined;
  /** The last device asked for, to create a FIDO2 device again after a refused registration. */
  private lastRequest: CreateDeviceRequest | undefined;
  private webauthnMissing = false;
  /** The open WebAuthn ceremony, so leaving the step can wait for it to close. */
  private ceremony: Promise<unknown> | undefined;
  constructor(options: EnrollDriverOptions) {
    super(machine, options);
    this.allowed = options.methods;
    this.preferred = options.method;
  }

  /** Opens the session (when a ticket was given) and reads the policy and the user's devices. */
  async start(): Promise<void> {
    this.dispatch({ type: 'START' });
    await this.run(async (signal) => {
      await this.openSession(signal);
      // A browser without WebAuthn is not offered passkeys or security keys.
      this.webauthnMissing = (await this.webauthn.compatibility()) === 'NONE';
      await this.load(signal);
    });
    const { state, preferred } = this;
    if (
      preferred !== undefined &&
      state.step === 'choose' &&
      !state.limitReached &&
      state.methods.includes(preferred)
    ) {
      this.preferred = undefined;
      await this.chooseMethod(preferred);
    }
  }

  async chooseMethod(method: DeviceType): Promise<void> {
    const { state } = this;
    if (state.step !== 'choose' || state.busy || state.limitReached) return;
    this.dispatch({ type: 'CHOOSE', method });
    const next = this.state;
    if (next.step === 'details' && !needsDetails(method, next.askNickname)) {
      await this.submitDetails({});
    }
  }

  /** Creates the device from what the details step collected. */
  async submitDetails(details: DeviceDetails): Promise<void> {
    const { state } = this;
    if (state.step !== 'details') return;
    const method = state.method;
    const request = createRequest(method, details);
    this.lastRequest = request;
    await this.request(async (signal) => {
      const created = await this.client.createDevice(request, { signal });
      this.dispatch({ type: 'CREATED', method, created, now: this.now() });
    });
  }

  /** Activates with a code: the SMS/voice/email/WhatsApp code, a TOTP code or a token's code. */
  async submitCode(otp: string): Promise<void> {
    const { state } = this;
    if (state.step !== 'code' && state.step !== 'totp') return;
    const { device } = state;
    const oathResync = state.step === 'code' && state.resync;
    await this.request(async (signal) => {
      const activated = await this.client.activateDevice(
        device.id,
        { otp, ...(oathResync ? { oathResync: true } : {}) },
        { signal },
      );
      this.dispatch({
        type: 'ACTIVATED',
        device: activated.device,
        ...(activated.result !== undefined ? { result: activated.result } : {}),
      });
    });
  }

  async resendCode(): Promise<void> {
    const { state } = this;
    if (state.step !== 'code') return;
    const { device } = state;
    await this.request(async (signal) => {
      await this.client.resendActivationCode(device.id, { signal });
      this.dispatch({ type: 'RESENT', now: this.now() });
    });
  }

  /** Runs the WebAuthn registration; call it from a user gesture. */
  async register(): Promise<void> {
    const { state } = this;
    if (state.step !== 'fido' || this.inFlight) return;
    const { device, options } = state;
    this.inFlight = true;
    this.dispatch({ type: 'CEREMONY_STARTED' });
    let credential: RegistrationCredential;
    try {
      const ceremony = this.webauthn.register(options);
      this.ceremony = ceremony;
      credential = await ceremony;
    } catch (error) {
      this.dispatch({ type: 'CEREMONY_FAILED', outcome: classifyCeremonyError(error) });
      return;
    } finally {
      this.inFlight = false;
      this.ceremony = undefined;
    }
    await this.request(async (signal) => {
      let activated;
      try {
        activated = await this.client.activateDevice(device.id, { credential }, { signal });
      } catch (error) {
        // A device gets one registration attempt upstream: replace it so "Try again" can work.
        if (error instanceof MfaApiError && !isFatal(toFlowError(error))) {
          await this.client.deleteDevice(device.id, { signal });
          const created = await this.client.createDevice(this.lastRequest ?? { type: 'FIDO2' }, {
            signal,
          });
          this.dispatch({ type: 'CREATED', method: 'FIDO2', created, now: this.now() });
        }
        throw error;
      }
      this.dispatch({
        type: 'ACTIVATED',
        device: activated.device,
        ...(activated.result !== undefined ? { result: activated.result } : {}),
      });
    });
  }

  /** Continues a device left waiting for its code. */
  resume(deviceId: string): void {
    const { state } = this;
    if (state.step !== 'choose' || state.busy) return;
    const device = state.pending.find((candidate) => candidate.id === deviceId);
    if (device) this.dispatch({ type: 'RESUMED', device, now: this.now() });
  }

  /** Removes a device left waiting for activation. */
  async discard(deviceId: string): Promise<void> {
    const { state } = this;
    if (state.step !== 'choose') return;
    if (!state.pending.some((candidate) => candidate.id === deviceId)) return;
    await this.request(async (signal) => {
      await this.client.deleteDevice(deviceId, { signal });
      await this.load(signal);
    });
  }

  /** Back to the chooser; a device already created stays pending and can be resumed there. */
  async back(): Promise<void> {
    if (this.inFlight && this.ceremony === undefined) return;
    this.webauthn.cancel();
    this.dispatch({ type: 'BACK' });
    // Let the cancelled ceremony close before the chooser is loaded.
    while (this.ceremony !== undefined) await this.ceremony.catch(() => undefined);
    await this.request((signal) => this.load(signal));
  }

  /** The person confirmed it is them (an embedded sign-in completed): create the device now. */
  async reauthenticated(): Promise<void> {
    this.dispatch({ type: 'REAUTHENTICATED' });
    const { state } = this;
    if (state.step === 'details' && !needsDetails(state.method, state.askNickname)) {
      await this.submitDetails({});
    }
  }

  private async load(signal: AbortSignal): Promise<void> {
    let view = await this.client.listDevices({ signal });
    // A TOTP or FIDO2 device left half-way cannot be resumed (its secret or challenge was shown
    // once); remove it so it neither lingers unseen nor counts towards the device limit.
    const stale = view.devices.filter(
      (device) => device.status === 'ACTIVATION_REQUIRED' && !resumable(device),
    );
    if (stale.length > 0) {
      for (const device of stale) await this.client.deleteDevice(device.id, { signal });
      view = await this.client.listDevices({ signal });
    }
    const allowed = this.webauthnMissing
      ? (this.allowed ?? DEVICE_TYPES).filter((type) => type !== 'FIDO2')
      : this.allowed;
    this.dispatch({ type: 'LOADED', view, ...(allowed !== undefined ? { allowed } : {}) });
  }

  private request(work: (signal: AbortSignal) => Promise<void>): Promise<void> {
    return this.run(work, { type: 'REQUEST' });
  }
}

/** Whether an error ends the flow (a new ticket is needed). */
function isFatal(error: FlowError): boolean {
  return SESSION_FATAL.includes(error.code);
}

function createRequest(method: DeviceType, details: DeviceDetails): CreateDeviceRequest {
  const nickname = details.nickname?.trim() ? { nickname: details.nickname.trim() } : {};
  switch (method) {
    case 'SMS':
    case 'WHATSAPP':
      return { type: method, phone: details.phone ?? '', ...nickname };
    case 'VOICE':
      return {
        type: 'VOICE',
        phone: details.phone ?? '',
        ...(details.extension?.trim() ? { extension: details.extension.trim() } : {}),
        ...nickname,
      };
    case 'EMAIL':
      return { type: 'EMAIL', email: details.email ?? '', ...nickname };
    case 'OATH_TOKEN':
      return { type: 'OATH_TOKEN', serialNumber: details.serialNumber?.trim() ?? '', ...nickname };
    case 'TOTP':
    case 'FIDO2':
      return { type: method, ...nickname };
  }
}
