/**
 * Response validation: every body is checked with zod (unknown fields tolerated and kept in
 * `raw`) and turned into the client's typed objects. Anything missing a required field is a
 * 'bad_response'.
 * @module
 */
import { z } from 'zod';
import { badResponse } from './errors.ts';
import type {
  CreatedDevice,
  Device,
  DeviceAuthentication,
  Fido2Policy,
  MfaPolicy,
  MfaSettings,
  User,
} from './types.ts';

type Json = Record<string, unknown>;

const text = z.string().nullish();
const idRef = z.looseObject({ id: z.string().nullish() }).nullish();
/** PingOne sends WebAuthn options as a JSON string; an object is re-encoded to the same form. */
const encodedOptions = z
  .union([z.string(), z.looseObject({})])
  .nullish()
  .transform((value) =>
    value === null || value === undefined
      ? undefined
      : typeof value === 'string'
        ? value
        : JSON.stringify(value),
  );

const deviceSchema = z.looseObject({
  id: z.string().min(1),
  type: z.string().min(1),
  status: z.string().min(1),
  nickname: text,
  phone: text,
  email: text,
  serialNumber: text,
  extension: text,
  createdAt: text,
  updatedAt: text,
  lock: z.looseObject({ status: z.string(), expiresAt: text }).nullish(),
  block: z.looseObject({ status: z.string() }).nullish(),
});

const createdDeviceSchema = deviceSchema.extend({
  secret: text,
  keyUri: text,
  publicKeyCredentialCreationOptions: encodedOptions,
});

const userSchema = z.looseObject({
  id: z.string().min(1),
  username: z.string(),
  email: text,
  mfaEnabled: z.boolean().nullish(),
  createdAt: text,
});

/** `_embedded.<name>`: absent means none; present but not an array is a bad response. */
const collectionSchemas = new Map<
  string,
  z.ZodType<{ _embedded?: Record<string, unknown> | null }>
>();

/** The schema of a collection named `name`, built once: building a zod schema is not cheap. */
function embedded(name: string): z.ZodType<{ _embedded?: Record<string, unknown> | null }> {
  let schema = collectionSchemas.get(name);
  if (!schema) {
    schema = z.looseObject({
      _embedded: z.looseObject({ [name]: z.array(z.unknown()).nullish() }).nullish(),
    });
    collectionSchemas.set(name, schema);
  }
  return schema;
}

const authenticationSchema = z.looseObject({
  id: z.string().min(1),
  status: z.string().min(1),
  user: idRef,
  policy: idRef,
  selectedDevice: idRef,
  _embedded: z.looseObject({ devices: z.array(z.unknown()).nullish() }).nullish(),
  publicKeyCredentialRequestOptions: encodedOptions,
  error: z.looseObject({ code: z.string(), message: text }).nullish(),
  createdAt: text,
});

const policySchema = z.looseObject({
  id: z.string().min(1),
  name: text,
  default: z.boolean().nullish(),
});

const methodSchema = z
  .looseObject({
    enabled: z.boolean().nullish(),
    pairingDisabled: z.boolean().nullish(),
    promptForNicknameOnPairing: z.boolean().nullish(),
    otp: z.looseObject({ otpLength: z.number().int().nullish() }).nullish(),
  })
  .nullish();

const mfaPolicySchema = policySchema.extend({
  sms: methodSchema,
  voice: methodSchema,
  email: methodSchema,
  whatsApp: methodSchema,
  totp: methodSchema,
  fido2: methodSchema,
  oathToken: methodSchema,
  rememberMe: z
    .looseObject({
      web: z
        .looseObject({
          enabled: z.boolean().nullish(),
          lifeTime: z
            .looseObject({ duration: z.number().nullish(), timeUnit: z.string().nullish() })
            .nullish(),
        })
        .nullish(),
    })
    .nullish(),
});

/** PingOne's policy member for each device type. */
const POLICY_METHODS = {
  SMS: 'sms',
  VOICE: 'voice',
  EMAIL: 'email',
  WHATSAPP: 'whatsApp',
  TOTP: 'totp',
  FIDO2: 'fido2',
  OATH_TOKEN: 'oathToken',
} as const;

const UNIT_SECONDS: Partial<Record<string, number>> = { MINUTES: 60, HOURS: 3600, DAYS: 86_400 };
/** PingOne's default remembered-browser lifetime when the policy names none. */
const DEFAULT_REMEMBER_SECONDS = 30 * 86_400;

const settingsSchema = z.looseObject({
  pairing: z.looseObject({ maxAllowedDevices: z.number().nullish() }).nullish(),
  lockout: z
    .looseObject({ failureCount: z.number().nullish(), durationSeconds: z.number().nullish() })
    .nullish(),
});

function check<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw badResponse(what);
  return result.data;
}

/** Copies the defined (non-null) entries only, so optional fields are absent rather than undefined. */
function defined<T extends object>(value: T): T {
  return Object.fromEntries(
    Object.entries(value).filter(([, entry]) => entry !== undefined && entry !== null),
  ) as T;
}

const opt = <T>(value: T | null | undefined): T | undefined => value ?? undefined;

function toDevice(raw: Json, data: z.output<typeof deviceSchema>): Device {
  return {
    ...defined({
      nickname: opt(data.nickname),
      phone: opt(data.phone),
      email: opt(data.email),
      serialNumber: opt(data.serialNumber),
      extension: opt(data.extension),
      createdAt: opt(data.createdAt),
      updatedAt: opt(data.updatedAt),
      lock: data.lock
        ? defined({ status: data.lock.status, expiresAt: opt(data.lock.expiresAt) })
        : undefined,
      block: data.block ? { status: data.block.status } : undefined,
    }),
    id: data.id,
    type: data.type,
    status: data.status,
    raw,
  };
}

export function parseDevice(raw: Json): Device {
  return toDevice(raw, check(deviceSchema, raw, 'device'));
}

export function parseCreatedDevice(raw: Json): CreatedDevice {
  const data = check(createdDeviceSchema, raw, 'device');
  return {
    ...toDevice(raw, data),
    ...defined({
      secret: opt(data.secret),
      keyUri: opt(data.keyUri),
      publicKeyCredentialCreationOptions: data.publicKeyCredentialCreationOptions,
    }),
  };
}

export function parseUser(raw: Json): User {
  const data = check(userSchema, raw, 'user');
  return {
    ...defined({
      email: opt(data.email),
      mfaEnabled: opt(data.mfaEnabled),
      createdAt: opt(data.createdAt),
    }),
    id: data.id,
    username: data.username,
    raw,
  };
}

function isJson(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The entries of `_embedded.<name>`, each a JSON object. */
export function embeddedList(raw: Json, name: string): Json[] {
  const data = check(embedded(name), raw, 'collection');
  const list = data._embedded?.[name];
  if (list === null || list === undefined) return [];
  if (!Array.isArray(list) || !list.every(isJson)) throw badResponse('collection');
  return list;
}

export function parseAuthentication(raw: Json): DeviceAuthentication {
  const data = check(authenticationSchema, raw, 'device authentication');
  // One-time devices carry no id and cannot be selected; they stay visible in `raw`.
  const devices = (data._embedded?.devices ?? [])
    .filter((entry): entry is Json => isJson(entry) && typeof entry.id === 'string')
    .map(parseDevice);
  return {
    ...defined({
      userId: opt(data.user?.id),
      policyId: opt(data.policy?.id),
      selectedDeviceId: opt(data.selectedDevice?.id),
      publicKeyCredentialRequestOptions: data.publicKeyCredentialRequestOptions,
      error: data.error
        ? defined({ code: data.error.code, message: opt(data.error.message) })
        : undefined,
      createdAt: opt(data.createdAt),
    }),
    id: data.id,
    status: data.status,
    devices,
    raw,
  };
}

export function parsePolicy(raw: Json): Fido2Policy {
  const data = check(policySchema, raw, 'policy');
  return {
    ...defined({ name: opt(data.name), default: opt(data.default) }),
    id: data.id,
    raw,
  };
}

export function parseMfaPolicy(raw: Json): MfaPolicy {
  const data = check(mfaPolicySchema, raw, 'MFA policy');
  const methods: MfaPolicy['methods'] = {};
  for (const [type, member] of Object.entries(POLICY_METHODS)) {
    const method = data[member];
    if (!method) continue;
    methods[type] = {
      enabled: method.enabled === true,
      pairingDisabled: method.pairingDisabled === true,
      promptForNickname: method.promptForNicknameOnPairing === true,
      ...defined({ otpLength: opt(method.otp?.otpLength) }),
    };
  }
  const web = data.rememberMe?.web;
  const unitSeconds = UNIT_SECONDS[web?.lifeTime?.timeUnit ?? ''];
  const duration = web?.lifeTime?.duration;
  const rememberBrowserSeconds =
    web?.enabled === true
      ? typeof duration === 'number' && unitSeconds !== undefined
        ? duration * unitSeconds
        : DEFAULT_REMEMBER_SECONDS
      : undefined;
  return { ...parsePolicy(raw), methods, ...defined({ rememberBrowserSeconds }) };
}

export function parseSettings(raw: Json): MfaSettings {
  const data = check(settingsSchema, raw, 'MFA settings');
  const limit = opt(data.pairing?.maxAllowedDevices);
  return {
    ...defined({
      devices: limit !== undefined ? { limit } : undefined,
      lockout: data.lockout
        ? defined({
            failureCount: opt(data.lockout.failureCount),
            durationSeconds: opt(data.lockout.durationSeconds),
          })
        : undefined,
    }),
    raw,
  };
}

/** The body as a JSON object; HTML, invalid JSON or any other JSON value is a bad response. */
export function parseJsonObject(body: string, contentType: string | null): Json {
  if (contentType !== null && /html/i.test(contentType)) throw badResponse('content type');
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    // The SyntaxError quotes the body, so it is not kept as a cause.
    throw badResponse('body (not JSON)');
  }
  if (!isJson(value)) throw badResponse('body (not a JSON object)');
  return value;
}
