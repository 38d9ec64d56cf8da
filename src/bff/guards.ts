/**
 * Request guards every state-changing route passes: origin, anti-forgery header, content type,
 * body size, strict JSON, schema. Each refuses before anything goes upstream.
 * @module
 */
import type { z } from 'zod';
import { CSRF_HEADER } from '../protocol/index.ts';
import { RelayError } from './errors.ts';
import { JsonError, parseStrictJson } from './json.ts';

/** The part of a request the guards read. */
export interface RequestView {
  header(name: string): string | undefined;
  raw: Request;
}

export const MAX_BODY_BYTES = 64 * 1024;
const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function isUnsafe(method: string): boolean {
  return UNSAFE_METHODS.has(method.toUpperCase());
}

/**
 * Same-origin or allow-listed origin, proven by `Origin` or, failing that, `Sec-Fetch-Site`. A
 * request that carries neither is refused (security-bar R-CSRF-3).
 */
export function checkOrigin(req: RequestView, trusted: ReadonlySet<string>): void {
  const origin = req.header('origin');
  const site = req.header('sec-fetch-site');
  if (origin !== undefined) {
    if (!trusted.has(origin)) throw new RelayError('ORIGIN_FORBIDDEN');
    return;
  }
  if (site === 'same-origin') return;
  throw new RelayError('ORIGIN_FORBIDDEN');
}

export function checkCsrfHeader(req: RequestView): void {
  if (req.header(CSRF_HEADER) !== '1') throw new RelayError('CSRF_REJECTED');
}

function hasBody(req: RequestView): boolean {
  const length = req.header('content-length');
  return (length !== undefined && length !== '0') || req.header('transfer-encoding') !== undefined;
}

/** `application/json`, optionally with a UTF-8 charset; nothing else. */
export function checkJsonType(req: RequestView, required: boolean): void {
  const type = req.header('content-type');
  if (type === undefined && !required && !hasBody(req)) return;
  const [media, ...params] = (type ?? '').split(';').map((part) => part.trim().toLowerCase());
  const charsetOk = params.every((param) => param === 'charset=utf-8');
  if (media !== 'application/json' || !charsetOk) throw new RelayError('UNSUPPORTED_MEDIA_TYPE');
}

/** Reads at most MAX_BODY_BYTES, stopping the stream as soon as it goes over. */
async function readLimited(req: RequestView): Promise<string> {
  const declared = Number(req.header('content-length') ?? '0');
  if (declared > MAX_BODY_BYTES) throw new RelayError('BODY_TOO_LARGE');
  const stream = req.raw.body;
  if (!stream) return '';
  let bytes: Uint8Array;
  if (req.header('content-length') !== undefined && req.header('transfer-encoding') === undefined) {
    // The HTTP parser holds a body to its declared length, which is within the limit: read it
    // in one go (the server's fast path). The size is checked again for in-process callers.
    bytes = new Uint8Array(await req.raw.arrayBuffer());
    if (bytes.byteLength > MAX_BODY_BYTES) throw new RelayError('BODY_TOO_LARGE');
  } else {
    const reader = stream.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > MAX_BODY_BYTES) {
        await reader.cancel();
        throw new RelayError('BODY_TOO_LARGE');
      }
      chunks.push(value);
    }
    bytes = Buffer.concat(chunks);
  }
  const decoder = new TextDecoder('utf-8', { fatal: true });
  try {
    return decoder.decode(bytes);
  } catch {
    throw new RelayError('INVALID_JSON');
  }
}

function fieldOf(issue: z.core.$ZodIssue): string | undefined {
  if (issue.code === 'unrecognized_keys') {
    return [...issue.path, issue.keys[0] ?? ''].map(String).join('.');
  }
  return issue.path.length > 0 ? issue.path.map(String).join('.') : undefined;
}

/** Parses the request body with `schema`; an empty body counts as `{}`. */
export async function readBody<T extends z.ZodType>(
  req: RequestView,
  schema: T,
): Promise<z.infer<T>> {
  const text = await readLimited(req);
  let value: unknown = {};
  if (text.trim() !== '') {
    try {
      value = parseStrictJson(text);
    } catch (error) {
      if (error instanceof JsonError) throw new RelayError('INVALID_JSON');
      throw error;
    }
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue ? fieldOf(issue) : undefined;
    // A malformed code, phone number or address gets the same code as one refused later on.
    const code =
      field === 'otp'
        ? 'OTP_FORMAT'
        : field === 'phone'
          ? 'PHONE_INVALID'
          : field === 'email'
            ? 'EMAIL_INVALID'
            : 'BAD_REQUEST';
    throw new RelayError(code, field !== undefined ? { field } : {});
  }
  return parsed.data;
}
