/**
 * The relay's OpenAPI document, generated from the same zod schemas the routes validate with.
 * @module
 */
import { z } from 'zod';
import {
  activationRequest,
  activationView,
  assertionRequest,
  authenticationView,
  createDeviceRequest,
  createdDeviceView,
  devicesView,
  ERROR_STATUS,
  errorBody,
  orderRequest,
  otpRequest,
  renameRequest,
  selectDeviceRequest,
  sessionRequest,
  sessionView,
  startAuthenticationRequest,
} from '../protocol/index.ts';

type Schema = Record<string, unknown>;

const SCHEMAS = {
  SessionRequest: sessionRequest,
  SessionView: sessionView,
  StartAuthenticationRequest: startAuthenticationRequest,
  SelectDeviceRequest: selectDeviceRequest,
  OtpRequest: otpRequest,
  AssertionRequest: assertionRequest,
  AuthenticationView: authenticationView,
  CreateDeviceRequest: createDeviceRequest,
  CreatedDeviceView: createdDeviceView,
  ActivationRequest: activationRequest,
  ActivationView: activationView,
  RenameRequest: renameRequest,
  OrderRequest: orderRequest,
  DevicesView: devicesView,
  Error: errorBody,
  Document: z.looseObject({ openapi: z.string() }),
  Jwks: z.strictObject({ keys: z.array(z.record(z.string(), z.unknown())) }),
} satisfies Record<string, z.ZodType>;

type Name = keyof typeof SCHEMAS;
const ref = (name: Name): Schema => ({ $ref: `#/components/schemas/${name}` });
const json = (name: Name): Schema => ({ content: { 'application/json': { schema: ref(name) } } });

interface Operation {
  summary: string;
  request?: Name;
  response?: Name;
  status?: number;
  /** Changes state: needs the anti-forgery header and a session. */
  unsafe?: boolean;
  session?: boolean;
}

function operation(op: Operation, pathParams: string[]): Schema {
  const errors: Record<string, Schema> = {};
  for (const status of new Set(Object.values(ERROR_STATUS))) {
    errors[String(status)] = { description: 'Error', ...json('Error') };
  }
  const success = op.status ?? 200;
  return {
    summary: op.summary,
    ...(op.session !== false ? { security: [{ session: [] }] } : {}),
    parameters: [
      ...pathParams.map((name) => ({
        name,
        in: 'path',
        required: true,
        schema: { type: 'string' },
      })),
      ...(op.unsafe
        ? [{ name: 'X-MFA-CSRF', in: 'header', required: true, schema: { const: '1' } }]
        : []),
    ],
    ...(op.request ? { requestBody: { required: true, ...json(op.request) } } : {}),
    responses: {
      [String(success)]: op.response
        ? { description: 'OK', ...json(op.response) }
        : { description: 'No content' },
      ...errors,
    },
  };
}

const PATHS: Record<string, Record<string, Operation>> = {
  '/openapi.json': {
    get: { summary: 'This document', response: 'Document', session: false },
  },
  '/.well-known/jwks.json': {
    get: { summary: 'Public keys that verify signed results', response: 'Jwks', session: false },
  },
  '/session': {
    post: {
      summary: 'Exchange a ticket for a session cookie',
      request: 'SessionRequest',
      response: 'SessionView',
      status: 201,
      unsafe: true,
      session: false,
    },
    get: { summary: 'The current session', response: 'SessionView' },
    delete: { summary: 'End the session', status: 204, unsafe: true },
  },
  '/authentications': {
    post: {
      summary: 'Start a sign-in',
      request: 'StartAuthenticationRequest',
      response: 'AuthenticationView',
      status: 201,
      unsafe: true,
    },
  },
  '/authentications/{id}': {
    get: { summary: 'Read a sign-in', response: 'AuthenticationView' },
    delete: { summary: 'Abandon a sign-in', status: 204, unsafe: true },
  },
  '/authentications/{id}/device': {
    post: {
      summary: 'Choose the device',
      request: 'SelectDeviceRequest',
      response: 'AuthenticationView',
      unsafe: true,
    },
  },
  '/authentications/{id}/otp': {
    post: {
      summary: 'Check a one-time code',
      request: 'OtpRequest',
      response: 'AuthenticationView',
      unsafe: true,
    },
  },
  '/authentications/{id}/assertion': {
    post: {
      summary: 'Check a WebAuthn assertion',
      request: 'AssertionRequest',
      response: 'AuthenticationView',
      unsafe: true,
    },
  },
  '/authentications/{id}/resend': {
    post: { summary: 'Send a new code', response: 'AuthenticationView', unsafe: true },
  },
  '/devices': {
    get: { summary: "The user's devices and the policy", response: 'DevicesView' },
    post: {
      summary: 'Start enrolling a device',
      request: 'CreateDeviceRequest',
      response: 'CreatedDeviceView',
      status: 201,
      unsafe: true,
    },
  },
  '/devices/order': {
    put: {
      summary: 'Set the order of devices',
      request: 'OrderRequest',
      response: 'DevicesView',
      unsafe: true,
    },
  },
  '/devices/{id}': {
    patch: {
      summary: 'Rename a device',
      request: 'RenameRequest',
      response: 'ActivationView',
      unsafe: true,
    },
    delete: { summary: 'Remove a device', status: 204, unsafe: true },
  },
  '/devices/{id}/activation': {
    post: {
      summary: 'Activate a device with a code or a WebAuthn attestation',
      request: 'ActivationRequest',
      response: 'ActivationView',
      unsafe: true,
    },
  },
  '/devices/{id}/activation-code': {
    post: { summary: 'Send a new activation code', status: 204, unsafe: true },
  },
};

export function buildOpenApi(mountPath: string): Schema {
  const schemas: Record<string, Schema> = {};
  for (const [name, schema] of Object.entries(SCHEMAS)) {
    schemas[name] = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  }
  const paths: Record<string, Schema> = {};
  for (const [path, operations] of Object.entries(PATHS)) {
    const params = [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1] ?? '');
    const entry: Schema = {};
    for (const [method, op] of Object.entries(operations)) entry[method] = operation(op, params);
    paths[path] = entry;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'mfa-elements relay',
      version: '1',
      description:
        'JSON API between the mfa-elements web components and PingOne. Every state-changing call needs the session cookie, Content-Type application/json and X-MFA-CSRF: 1.',
    },
    servers: [{ url: mountPath }],
    components: {
      schemas,
      securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: '__Host-mfa' } },
    },
    paths,
  };
}
