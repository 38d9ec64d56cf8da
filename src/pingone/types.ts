/**
 * Public types of the PingOne client.
 * @module
 */
import type { Region } from './regions.ts';

export type Transport = (request: Request) => Promise<Response>;

export interface PingOneEvent {
  event: 'pingone.token' | 'pingone.retry' | 'pingone.call';
  method: string;
  /** URL path with ids, without the query string. */
  path: string;
  /** HTTP status, or 0 when no answer arrived. */
  status: number;
  ms: number;
  attempt: number;
  /** Set when no usable answer arrived: the error kind. */
  error?: 'timeout' | 'unavailable' | 'bad_response' | 'auth';
  transactionId?: string;
}

export interface PingOneClientOptions {
  environmentId: string;
  clientId: string;
  clientSecret: string;
  /** Default 'basic'. */
  tokenAuthMethod?: 'basic' | 'post';
  /** Used when base URLs are not given. Default 'com'. */
  region?: Region;
  /** e.g. 'http://engine.internal/v1' (no trailing slash). */
  apiBaseUrl?: string;
  /** e.g. 'http://engine.internal'. */
  authBaseUrl?: string;
  /** Default: platformTransport(connectTimeoutMs). */
  transport?: Transport;
  /** Default 3000. */
  connectTimeoutMs?: number;
  /** Total per attempt, body included. Default 10000. */
  timeoutMs?: number;
  /** GETs only. Default 2 (at most 3 attempts). */
  maxReadRetries?: number;
  /** Default 200; exponential with jitter, capped at 2000; Retry-After honoured when ≤ 5 s. */
  retryBaseDelayMs?: number;
  /** Default 60. */
  tokenRefreshMarginSeconds?: number;
  /** Clock in ms, for token expiry and Retry-After dates. */
  now?: () => number;
  /** Audit events; never carry tokens, secrets, codes or bodies. */
  onEvent?: (event: PingOneEvent) => void;
}

export interface CallOptions {
  transactionId?: string;
  signal?: AbortSignal;
}

export type Compatibility = 'FULL' | 'SECURITY_KEY_ONLY' | 'NONE';

export type DeviceType =
  | 'SMS'
  | 'VOICE'
  | 'EMAIL'
  | 'WHATSAPP'
  | 'TOTP'
  | 'FIDO2'
  | 'OATH_TOKEN'
  | 'MOBILE'
  | 'REMEMBER_ME'
  | (string & {});

export type DeviceStatus = 'ACTIVE' | 'ACTIVATION_REQUIRED' | (string & {});

export interface User {
  id: string;
  username: string;
  email?: string;
  mfaEnabled?: boolean;
  createdAt?: string;
  raw: Record<string, unknown>;
}

export interface Device {
  id: string;
  type: DeviceType;
  status: DeviceStatus;
  nickname?: string;
  phone?: string;
  email?: string;
  serialNumber?: string;
  extension?: string;
  createdAt?: string;
  updatedAt?: string;
  lock?: { status: string; expiresAt?: string };
  block?: { status: string };
  raw: Record<string, unknown>;
}

type OobStatus = 'ACTIVE' | 'ACTIVATION_REQUIRED';

export type DeviceCreate =
  | {
      type: 'SMS' | 'VOICE' | 'WHATSAPP';
      phone: string;
      extension?: string;
      nickname?: string;
      status?: OobStatus;
      policyId?: string;
    }
  | { type: 'EMAIL'; email: string; nickname?: string; status?: OobStatus; policyId?: string }
  | { type: 'TOTP'; nickname?: string; policyId?: string }
  | {
      type: 'FIDO2';
      rpId?: string;
      /** Sent as `rp.name` together with `rpId`; PingOne's documented model lists both. */
      rpName?: string;
      nickname?: string;
      policyId?: string;
      /**
       * Not sent: PingOne takes the FIDO2 policy from the MFA policy (`fido2.fido2PolicyId`),
       * the device create has no field for it.
       */
      fido2PolicyId?: string;
    }
  | { type: 'OATH_TOKEN'; serialNumber: string; nickname?: string; policyId?: string };

export interface CreatedDevice extends Device {
  secret?: string;
  keyUri?: string;
  /** A JSON string, in PingOne's encoding (signed-byte arrays). */
  publicKeyCredentialCreationOptions?: string;
}

export type AuthenticationStatus =
  | 'DEVICE_SELECTION_REQUIRED'
  | 'OTP_REQUIRED'
  | 'ASSERTION_REQUIRED'
  | 'PUSH_CONFIRMATION_REQUIRED'
  | 'PUSH_CONFIRMATION_TIMED_OUT'
  | 'COMPLETED'
  | 'FAILED'
  | (string & {});

export interface DeviceAuthentication {
  id: string;
  status: AuthenticationStatus;
  userId?: string;
  policyId?: string;
  selectedDeviceId?: string;
  /** `_embedded.devices` that carry an id (one-time devices have none; they stay in `raw`). */
  devices: Device[];
  /** A JSON string, in PingOne's encoding (signed-byte arrays). */
  publicKeyCredentialRequestOptions?: string;
  error?: { code: string; message?: string };
  createdAt?: string;
  raw: Record<string, unknown>;
}

export interface MfaSettings {
  raw: Record<string, unknown>;
  /** `pairing.maxAllowedDevices`. */
  devices?: { limit?: number };
  lockout?: { failureCount?: number; durationSeconds?: number };
}

/** One method of an MFA policy (`sms`, `voice`, `email`, `whatsApp`, `totp`, `fido2`, `oathToken`). */
export interface MfaPolicyMethod {
  enabled: boolean;
  /** Users may not add new devices of this kind. */
  pairingDisabled: boolean;
  /** The widget asks for a nickname when a device of this kind is added. */
  promptForNickname: boolean;
  /** Digits of the one-time codes the method sends, where it sends any. */
  otpLength?: number;
}

export interface MfaPolicy {
  id: string;
  name?: string;
  default?: boolean;
  /** The policy's methods by device type (`SMS`, `VOICE`, `EMAIL`, `WHATSAPP`, `TOTP`, `FIDO2`, `OATH_TOKEN`). */
  methods: Partial<Record<string, MfaPolicyMethod>>;
  /** How long a remembered browser lasts; absent when the policy does not remember browsers. */
  rememberBrowserSeconds?: number;
  raw: Record<string, unknown>;
}

export interface Fido2Policy {
  id: string;
  name?: string;
  default?: boolean;
  raw: Record<string, unknown>;
}

export type ActivateInput =
  { otp: string; oathResync?: boolean } | { origin: string; attestation: string };

export interface InitializeAuthenticationInput {
  userId: string;
  policyId?: string;
  selectedDeviceId?: string;
  oneTime?: { type: 'SMS' | 'VOICE' | 'EMAIL'; phone?: string; email?: string };
}

export interface PingOneClient {
  readonly environmentId: string;
  /** Obtains (or reuses) a worker token; used by readiness checks. */
  ensureToken(options?: CallOptions): Promise<void>;
  // users
  findUserByUsername(username: string, o?: CallOptions): Promise<User | undefined>;
  createUser(input: { username: string; email?: string }, o?: CallOptions): Promise<User>;
  getUser(userId: string, o?: CallOptions): Promise<User>;
  // devices
  listDevices(userId: string, o?: CallOptions): Promise<Device[]>;
  getDevice(userId: string, deviceId: string, o?: CallOptions): Promise<Device>;
  createDevice(userId: string, input: DeviceCreate, o?: CallOptions): Promise<CreatedDevice>;
  activateDevice(
    userId: string,
    deviceId: string,
    input: ActivateInput,
    o?: CallOptions,
  ): Promise<Device>;
  sendActivationCode(userId: string, deviceId: string, o?: CallOptions): Promise<void>;
  setNickname(userId: string, deviceId: string, nickname: string, o?: CallOptions): Promise<Device>;
  setDeviceOrder(userId: string, deviceIds: readonly string[], o?: CallOptions): Promise<void>;
  deleteDevice(userId: string, deviceId: string, o?: CallOptions): Promise<void>;
  // device authentications
  initializeAuthentication(
    input: InitializeAuthenticationInput,
    o?: CallOptions,
  ): Promise<DeviceAuthentication>;
  initializeUsernameless(
    input: { rpId?: string; policyId?: string },
    o?: CallOptions,
  ): Promise<DeviceAuthentication>;
  getAuthentication(id: string, o?: CallOptions): Promise<DeviceAuthentication>;
  selectDevice(
    id: string,
    deviceId: string,
    compatibility?: Compatibility,
    o?: CallOptions,
  ): Promise<DeviceAuthentication>;
  /**
   * A new code to the selected device. PingOne has no resend action for device
   * authentications: selecting the same device again sends a new code and kills the old one.
   */
  resendCode(id: string, deviceId: string, o?: CallOptions): Promise<DeviceAuthentication>;
  checkOtp(id: string, otp: string, o?: CallOptions): Promise<DeviceAuthentication>;
  checkAssertion(
    id: string,
    input: { origin: string; assertion: string; compatibility?: Compatibility },
    o?: CallOptions,
  ): Promise<DeviceAuthentication>;
  cancelAuthentication(
    id: string,
    reason: 'CHANGE_DEVICE',
    o?: CallOptions,
  ): Promise<DeviceAuthentication>;
  // remembered browsers
  /** `cookie` is the "NAME=value" pair of the upstream Set-Cookie. */
  createRememberedDevice(
    userId: string,
    input: { payloadValue: string; policyId: string; payloadType?: string },
    o?: CallOptions,
  ): Promise<{ device: Device; cookie: string }>;
  checkRememberedDevice(
    input: {
      payloadValue: string;
      policyId: string;
      cookie: string;
      userId?: string;
      payloadType?: string;
    },
    o?: CallOptions,
  ): Promise<DeviceAuthentication>;
  // policies and settings
  getMfaSettings(o?: CallOptions): Promise<MfaSettings>;
  listPolicies(o?: CallOptions): Promise<MfaPolicy[]>;
  getPolicy(policyId: string, o?: CallOptions): Promise<MfaPolicy>;
  listFido2Policies(o?: CallOptions): Promise<Fido2Policy[]>;
  getFido2Policy(id: string, o?: CallOptions): Promise<Fido2Policy>;
}
