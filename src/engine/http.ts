/**
 * Request parsing in PingOne's terms: the `Content-Type` picks the action on shared URLs,
 * bodies are JSON objects validated by zod, and every failure becomes a PingOne error.
 * @module
 */
import type { Context } from 'hono';
import type { z } from 'zod';
import { EngineError, invalidData, invalidRequest, unsupportedMediaType } from './errors.ts';
import type { ErrorDetail } from './errors.ts';

export const MEDIA = {
  json: 'application/json',
  activate: 'application/vnd.pingidentity.device.activate+json',
  sendActivationCode: 'application/vnd.pingidentity.device.sendActivationCode+json',
  block: 'application/vnd.pingidentity.device.block+json',
  unblock: 'application/vnd.pingidentity.device.unblock+json',
  unlock: 'application/vnd.pingidentity.device.unlock+json',
  reorder: 'application/vnd.pingidentity.devices.reorder+json',
  orderRemove: 'application/vnd.pingidentity.devices.order.remove+json',
  select: 'application/vnd.pingidentity.device.select+json',
  otpCheck: 'application/vnd.pingidentity.otp.check+json',
  assertionCheck: 'application/vnd.pingidentity.assertion.check+json',
  cancel: 'application/vnd.pingidentity.cancel.push.authentication+json',
  payloadCheck: 'application/vnd.pingidentity.payload.check+json',
  form: 'application/x-www-form-urlencoded',
} as const;

export type MediaType = (typeof MEDIA)[keyof typeof MEDIA];

/** The request's media type without parameters, lower-cased; '' when absent. */
export function mediaTypeOf(c: Context): string {
  const header = c.req.header('content-type') ?? '';
  return (header.split(';')[0] ?? '').trim().toLowerCase();
}

/** Returns the request's media type if it is one of `allowed`, else throws 415. */
export function requireMediaType<T extends string>(c: Context, allowed: readonly T[]): T {
  const type = mediaTypeOf(c);
  const match = allowed.find((candidate) => candidate.toLowerCase() === type);
  if (match === undefined) throw unsupportedMediaType(allowed);
  return match;
}

/** Reads the body as a JSON object. `optional` lets action media types come with no body. */
export async function readJsonObject(
  c: Context,
  options: { optional?: boolean } = {},
): Promise<Record<string, unknown>> {
  const text = await c.req.text();
  if (text.trim() === '') {
    if (options.optional) return {};
    throw invalidRequest('The request body is required.', 'REQUIRED_VALUE');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalidRequest('The request body is not valid JSON.', 'INVALID_JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidRequest('The request body must be a JSON object.', 'INVALID_JSON');
  }
  return value as Record<string, unknown>;
}

/** Validates with zod and turns issues into PingOne `INVALID_DATA` details. */
export function parseWith<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw invalidData(result.error.issues.map((issue) => issueToDetail(issue, input)));
}

export async function readBody<S extends z.ZodType>(
  c: Context,
  schema: S,
  options: { optional?: boolean } = {},
): Promise<z.infer<S>> {
  return parseWith(schema, await readJsonObject(c, options));
}

function issueToDetail(issue: z.core.$ZodIssue, input: unknown): ErrorDetail {
  const path = issue.path.map(String);
  const target = path.join('.') || undefined;
  const withTarget = (detail: Omit<ErrorDetail, 'target'>): ErrorDetail =>
    target === undefined ? detail : { ...detail, target };
  switch (issue.code) {
    case 'invalid_type':
      if (valueAt(input, issue.path) === undefined) {
        return withTarget({ code: 'REQUIRED_VALUE', message: `${target ?? 'value'} is required` });
      }
      return withTarget({ code: 'INVALID_VALUE', message: `Expected ${issue.expected}` });
    case 'invalid_union':
      // A missing discriminator (`type`) is a missing value, like any other required field.
      if (valueAt(input, issue.path) === undefined) {
        return withTarget({ code: 'REQUIRED_VALUE', message: `${target ?? 'value'} is required` });
      }
      return withTarget({ code: 'INVALID_VALUE', message: issue.message });
    case 'unrecognized_keys':
      return {
        code: 'INVALID_VALUE',
        target: [...path, ...issue.keys].join('.'),
        message: `Unknown propert${issue.keys.length === 1 ? 'y' : 'ies'}: ${issue.keys.join(', ')}`,
      };
    case 'invalid_value':
      return withTarget({
        code: 'INVALID_VALUE',
        message: issue.message,
        innerError: { allowedValues: issue.values.map(String) },
      });
    case 'too_big':
      return withTarget({
        code:
          typeof issue.maximum === 'number' && issue.origin !== 'number'
            ? 'SIZE_LIMIT_EXCEEDED'
            : 'OUT_OF_RANGE',
        message: issue.message,
        innerError: { maximumValue: Number(issue.maximum) },
      });
    case 'too_small':
      return withTarget({
        code: issue.origin === 'number' ? 'OUT_OF_RANGE' : 'INVALID_VALUE',
        message: issue.message,
        innerError: { rangeMinimumValue: Number(issue.minimum) },
      });
    case 'invalid_format':
      return withTarget({
        code: 'INVALID_VALUE',
        message: issue.message,
        ...(issue.format === 'regex' && 'pattern' in issue && typeof issue.pattern === 'string'
          ? // zod gives the RegExp literal (`/…/u`); PingOne's allowedPattern is the bare pattern.
            { innerError: { allowedPattern: issue.pattern.replace(/^\/(.*)\/[a-z]*$/s, '$1') } }
          : {}),
      });
    default:
      return withTarget({ code: 'INVALID_VALUE', message: issue.message });
  }
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let current = input;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

export type Links = Record<string, { href: string }>;

export function links(entries: Record<string, string>): Links {
  return Object.fromEntries(Object.entries(entries).map(([rel, href]) => [rel, { href }]));
}

/** A 429 with `Retry-After`, PingOne-style. */
export function requestLimited(retryAfterSeconds: number, detail: ErrorDetail): EngineError {
  return new EngineError(429, 'REQUEST_LIMITED', [detail], {
    headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
  });
}
