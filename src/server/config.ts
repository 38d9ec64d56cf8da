/**
 * Process configuration from the environment, or from a JSON settings file given with
 * `--config <file>`, validated once at start. A bad value stops the process with a message that
 * names the variable.
 * @module
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';

export type Region = 'com' | 'ca' | 'eu' | 'com.au' | 'sg' | 'asia';
export const REGIONS: readonly Region[] = ['com', 'ca', 'eu', 'com.au', 'sg', 'asia'];

export type UpstreamConfig =
  | { kind: 'engine' }
  | {
      kind: 'pingone';
      environmentId: string;
      /** `undefined` when explicit base URLs are given without a region. */
      region: Region | undefined;
      /** Management API base, ending in `/v1`, no trailing slash. */
      apiBaseUrl: string;
      /** Authorization server base, no trailing slash. */
      authBaseUrl: string;
      clientId: string;
      clientSecret: string;
      tokenAuthMethod: 'basic' | 'post';
    };

export interface RelayConfig {
  /** Where the relay's routes are mounted: starts with `/`, no trailing `/`. */
  mountPath: string;
  /** The browser-facing origin of this server. */
  publicOrigin: string;
  /** Exact origins allowed to call the relay besides `publicOrigin`. */
  allowedOrigins: string[];
  ticket: { secret: string | undefined; jwksUrl: string | undefined; audience: string };
  /** Template for the PingOne username: `{{sub}}` and/or `{{email}}`. */
  usernameFormat: string;
  mfaPolicyId: string | undefined;
  sessionSecret: string | undefined;
  sessionIdleSeconds: number;
  sessionAbsoluteSeconds: number;
  stepUpSeconds: number;
  result: {
    secret: string | undefined;
    /** A PKCS#8 PEM (any PEM given is converted to PKCS#8) or a private JWK as JSON text. */
    privateKey: string | undefined;
    /** JWS algorithm for `privateKey` (ES256, ES384, ES512, RS256 or EdDSA); else undefined. */
    privateKeyAlgorithm: string | undefined;
    issuer: string;
    audience: string | undefined;
  };
  redisUrl: string | undefined;
  /** Take the client IP from X-Forwarded-For. */
  trustProxy: boolean;
  /** The embedded engine creates users on first use; PingOne users must exist. */
  createUnknownUsers: boolean;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export interface ServerConfig {
  port: number;
  host: string;
  dataDir: string;
  engine: {
    environmentId: string | undefined;
    clientId: string | undefined;
    clientSecret: string | undefined;
    relyingPartyId: string;
    allowedOrigins: string[];
    /** Absolute URL at which the engine is reached, used in its HAL links. */
    publicUrl: string;
  };
  logLevel: (typeof LOG_LEVELS)[number];
  upstream: UpstreamConfig;
  relay: RelayConfig;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1']);
const ORIGIN_RULE =
  'scheme://host[:port] with no path; https, or http only for localhost and 127.0.0.1';

/** `value` as a URL when it is https, or http on localhost; else undefined. */
function secureUrlOf(value: string): URL | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  const secure =
    url.protocol === 'https:' || (url.protocol === 'http:' && LOCAL_HOSTS.has(url.hostname));
  return secure ? url : undefined;
}

/** The normalised origin of `value`, or undefined when it is not an acceptable exact origin. */
function exactOrigin(value: string): string | undefined {
  if (!/^[a-z][a-z0-9+.-]*:\/\/[^/?#@*]+\/?$/i.test(value)) return undefined;
  return secureUrlOf(value)?.origin;
}

/** `value` without a trailing slash when it is an https URL (http for localhost only). */
function secureUrl(value: string): string | undefined {
  const url = secureUrlOf(value);
  if (!url || url.username || url.password || url.search || url.hash) return undefined;
  return url.href.replace(/\/+$/, '');
}

const port = z.coerce.number().int().min(1).max(65_535);
const csv = z.string().transform((value) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean),
);
const seconds = (min: number, max: number, fallback: number) => {
  const message = `must be a whole number of seconds from ${min} to ${max}`;
  return z
    .string()
    .regex(/^\d+$/, { message })
    .transform(Number)
    .pipe(z.number().min(min, { message }).max(max, { message }))
    .default(fallback);
};
const secret = z.string().min(32, { message: 'must be at least 32 characters long' });
const uuid = z.uuid({ message: 'must be a UUID' });
const httpsUrl = z.string().transform((value, ctx) => {
  const url = secureUrl(value);
  if (url === undefined) {
    ctx.issues.push({
      code: 'custom',
      input: value,
      message: 'must be an https URL (http only for localhost and 127.0.0.1)',
    });
    return z.NEVER;
  }
  return url;
});

const schema = z.object({
  PORT: port.default(5173),
  HOST: z.string().min(1).default('127.0.0.1'),
  MFA_DATA_DIR: z.string().min(1).default('.mfa-data'),
  MFA_ENGINE_ENVIRONMENT_ID: z.uuid().optional(),
  MFA_ENGINE_CLIENT_ID: z.string().min(8).max(128).optional(),
  MFA_ENGINE_CLIENT_SECRET: z.string().min(16).max(256).optional(),
  MFA_ENGINE_RP_ID: z
    .string()
    .regex(/^[a-z0-9.-]+$/, {
      message: 'must be a lower-case domain such as localhost or example.com',
    })
    .default('localhost'),
  MFA_ENGINE_ORIGINS: csv.pipe(z.array(z.url()).min(1)).optional(),
  MFA_ENGINE_PUBLIC_URL: z.url().optional(),
  MFA_LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),

  PINGONE_ENVIRONMENT_ID: uuid.optional(),
  PINGONE_REGION: z
    .string()
    .transform((value) => value.trim().toLowerCase())
    .pipe(z.enum(REGIONS, { message: `must be one of ${REGIONS.join(', ')}` }))
    .optional(),
  PINGONE_CLIENT_ID: z
    .string()
    .regex(/^\S{1,256}$/, { message: 'must be 1 to 256 characters without spaces' })
    .optional(),
  PINGONE_CLIENT_SECRET: z.string().max(1024).optional(),
  PINGONE_TOKEN_AUTH_METHOD: z
    .enum(['basic', 'post'], { message: 'must be basic or post' })
    .default('basic'),
  PINGONE_MFA_POLICY_ID: uuid.optional(),
  PINGONE_API_URL: httpsUrl.optional(),
  PINGONE_AUTH_URL: httpsUrl.optional(),

  MFA_MOUNT_PATH: z
    .string()
    .regex(/^(\/[a-z0-9_-]+)+$/, {
      message: 'must start with /, have no trailing / and use only a-z 0-9 / _ -',
    })
    .default('/mfa/v1'),
  MFA_PUBLIC_ORIGIN: z
    .string()
    .transform((value, ctx) => {
      const origin = exactOrigin(value);
      if (origin === undefined) {
        ctx.issues.push({
          code: 'custom',
          input: value,
          message: `must be an origin: ${ORIGIN_RULE}`,
        });
        return z.NEVER;
      }
      return origin;
    })
    .optional(),
  MFA_ALLOWED_ORIGINS: csv
    .transform((items, ctx) => {
      const origins: string[] = [];
      for (const item of items) {
        const origin = exactOrigin(item);
        if (origin === undefined) {
          ctx.issues.push({
            code: 'custom',
            input: item,
            message: `"${item}" is not an allowed origin (${ORIGIN_RULE})`,
          });
        } else if (!origins.includes(origin)) {
          origins.push(origin);
        }
      }
      return origins;
    })
    .default([]),
  MFA_TICKET_SECRET: secret.optional(),
  MFA_TICKET_JWKS_URL: httpsUrl.optional(),
  MFA_TICKET_AUDIENCE: z
    .string()
    .regex(/^\S{1,256}$/, { message: 'must be 1 to 256 characters without spaces' })
    .default('mfa-elements'),
  MFA_USERNAME_FORMAT: z
    .string()
    .max(128, { message: 'must be at most 128 characters long' })
    .refine(
      (value) => {
        const stripped = value.replace(/\{\{(sub|email)\}\}/g, '');
        return stripped.length < value.length && !/[{}]/.test(stripped);
      },
      { message: 'may use only the placeholders {{sub}} and {{email}}, and at least one of them' },
    )
    .default('{{sub}}'),
  MFA_SESSION_SECRET: secret.optional(),
  MFA_SESSION_IDLE_SECONDS: seconds(60, 3600, 900),
  MFA_SESSION_ABSOLUTE_SECONDS: seconds(300, 86_400, 43_200),
  MFA_STEP_UP_SECONDS: seconds(30, 3600, 300),
  MFA_RESULT_SECRET: secret.optional(),
  MFA_RESULT_PRIVATE_KEY: z
    .string()
    .transform((value, ctx) => {
      const key = parsePrivateKey(value);
      if (typeof key === 'string') {
        ctx.issues.push({ code: 'custom', input: '[redacted]', message: key });
        return z.NEVER;
      }
      return key;
    })
    .optional(),
  MFA_RESULT_ISSUER: z
    .string()
    .regex(/^\S{1,512}$/, { message: 'must be 1 to 512 characters without spaces' })
    .optional(),
  MFA_RESULT_AUDIENCE: z
    .string()
    .regex(/^\S{1,512}$/, { message: 'must be 1 to 512 characters without spaces' })
    .optional(),
  MFA_REDIS_URL: z
    .string()
    .refine(
      (value) => {
        try {
          const url = new URL(value);
          return (url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname !== '';
        } catch {
          return false;
        }
      },
      // The value may hold a password: never echo it.
      { message: 'must be a redis:// or rediss:// URL' },
    )
    .optional(),
  MFA_TRUST_PROXY: z
    .enum(['true', 'false'], { message: 'must be true or false' })
    .transform((value) => value === 'true')
    .default(false),
});

/** Every variable the process reads; the only keys a `--config` file may hold. */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(schema.shape);

/** Variables that reach the file as JSON values other than strings. */
const LIST_VARIABLES = new Set(['MFA_ALLOWED_ORIGINS', 'MFA_ENGINE_ORIGINS']);

const ALGORITHMS: Record<string, string[]> = {
  prime256v1: ['ES256'],
  secp384r1: ['ES384'],
  secp521r1: ['ES512'],
  rsa: ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'],
  ed25519: ['EdDSA', 'Ed25519'],
};

/** The key in its stored form, or an error message that never quotes the key. */
function parsePrivateKey(raw: string): { text: string; algorithm: string } | string {
  const value = raw.trim();
  const usage =
    'must be a PEM private key or a private JWK as JSON (EC P-256/P-384/P-521, RSA of 2048 bits or more, or Ed25519)';
  let key: KeyObject;
  let jwkAlg: unknown;
  let text: string;
  try {
    if (value.startsWith('{')) {
      const jwk = JSON.parse(value) as Record<string, unknown>;
      jwkAlg = jwk.alg;
      key = createPrivateKey({ key: jwk, format: 'jwk' });
      text = value;
    } else {
      // Env files often carry a PEM on one line with literal \n.
      const pem = value.includes('\n') ? value : value.replace(/\\n/g, '\n');
      key = createPrivateKey(pem);
      text = key.export({ type: 'pkcs8', format: 'pem' }).toString().trim();
    }
  } catch {
    return usage;
  }
  const details = key.asymmetricKeyDetails;
  const kind = key.asymmetricKeyType === 'ec' ? details?.namedCurve : key.asymmetricKeyType;
  const allowed = kind === undefined ? undefined : ALGORITHMS[kind];
  if (allowed === undefined) return usage;
  if (kind === 'rsa' && (details?.modulusLength ?? 0) < 2048) {
    return 'an RSA key must have at least 2048 bits';
  }
  if (jwkAlg !== undefined) {
    if (typeof jwkAlg !== 'string' || !allowed.includes(jwkAlg)) {
      return `the JWK's "alg" does not match its key type (expected ${allowed.join(' or ')})`;
    }
    return { text, algorithm: jwkAlg };
  }
  return { text, algorithm: allowed[0] ?? 'ES256' };
}

function fail(problems: string[]): never {
  throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
}

/** The file named by `--config <file>` or `--config=<file>`, if any. */
function configFileArgument(argv: readonly string[]): string | undefined {
  let file: string | undefined;
  let seen = false;
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index] ?? '';
    let value: string | undefined;
    if (arg === '--config') {
      value = argv[index + 1];
      index += 1;
      if (value === undefined || value.startsWith('--')) {
        fail(['--config: needs the path of a JSON settings file']);
      }
    } else if (arg.startsWith('--config=')) {
      value = arg.slice('--config='.length);
      if (value === '') fail(['--config: needs the path of a JSON settings file']);
    } else {
      continue;
    }
    if (seen) fail(['--config: given more than once']);
    seen = true;
    file = value;
  }
  return file;
}

/** The variables in a `--config` file, as strings. */
function readConfigFile(file: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `Invalid configuration:\n  --config: cannot read ${file} (${(error as Error).message})`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(
      `Invalid configuration:\n  --config: ${file} is not valid JSON (${(error as Error).message})`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    fail([`--config: ${file} must hold a JSON object of variable names and values`]);
  }
  const unknown = Object.keys(parsed).filter((key) => !CONFIG_VARIABLES.includes(key));
  if (unknown.length > 0) {
    fail([`--config: ${file} has unknown keys: ${unknown.join(', ')}`]);
  }
  const values: Record<string, string> = {};
  const problems: string[] = [];
  for (const [key, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof value === 'string') values[key] = value;
    else if (typeof value === 'number' || typeof value === 'boolean') values[key] = String(value);
    else if (
      LIST_VARIABLES.has(key) &&
      Array.isArray(value) &&
      value.every((item) => typeof item === 'string')
    ) {
      values[key] = value.join(',');
    } else if (
      key === 'MFA_RESULT_PRIVATE_KEY' &&
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value)
    ) {
      values[key] = JSON.stringify(value);
    } else {
      problems.push(`${key}: in ${file}, must be a string, a number or a boolean`);
    }
  }
  if (problems.length > 0) fail(problems);
  return values;
}

function regionUrls(region: Region): { api: string; auth: string } {
  return { api: `https://api.pingone.${region}/v1`, auth: `https://auth.pingone.${region}` };
}

/**
 * Reads the configuration from `env` and a `--config` file named in `argv`; `env` wins over the
 * file. `argv` defaults to the process's arguments when `env` is the process environment, and to
 * none otherwise. Empty values count as unset, except that any `PINGONE_*` name selects PingOne.
 */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  argv: readonly string[] = env === process.env ? process.argv.slice(2) : [],
): ServerConfig {
  const file = configFileArgument(argv);
  const merged: Record<string, string> = file === undefined ? {} : readConfigFile(file);
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined) merged[key] = value;
  }

  const pingoneNames = Object.keys(merged).filter((key) => key.startsWith('PINGONE_'));
  const problems: string[] = [];
  const unknownPingOne = pingoneNames.filter((key) => !CONFIG_VARIABLES.includes(key));
  if (unknownPingOne.length > 0) {
    // A misspelt name must not leave a PingOne setup half read.
    problems.push(
      `${unknownPingOne.join(', ')}: unknown PingOne variable (known: ${CONFIG_VARIABLES.filter((key) => key.startsWith('PINGONE_')).join(', ')})`,
    );
  }
  const usePingOne = pingoneNames.length > 0;

  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(merged)) {
    if (value.trim() !== '') values[key] = value;
  }
  const has = (key: string) => values[key] !== undefined;

  if (has('MFA_ENGINE_CLIENT_ID') !== has('MFA_ENGINE_CLIENT_SECRET')) {
    problems.push('MFA_ENGINE_CLIENT_ID and MFA_ENGINE_CLIENT_SECRET must be set together');
  }
  if (has('MFA_TICKET_SECRET') && has('MFA_TICKET_JWKS_URL')) {
    problems.push('MFA_TICKET_SECRET and MFA_TICKET_JWKS_URL: set one of them, not both');
  }
  if (has('MFA_RESULT_SECRET') && has('MFA_RESULT_PRIVATE_KEY')) {
    problems.push('MFA_RESULT_SECRET and MFA_RESULT_PRIVATE_KEY: set one of them, not both');
  }
  if (has('PINGONE_API_URL') !== has('PINGONE_AUTH_URL')) {
    const [missing, given] = has('PINGONE_API_URL')
      ? ['PINGONE_AUTH_URL', 'PINGONE_API_URL']
      : ['PINGONE_API_URL', 'PINGONE_AUTH_URL'];
    problems.push(`${missing}: required with ${given}; set both or neither`);
  }
  if (usePingOne) {
    for (const key of ['PINGONE_ENVIRONMENT_ID', 'PINGONE_CLIENT_ID', 'PINGONE_CLIENT_SECRET']) {
      if (!has(key)) problems.push(`${key}: required when PingOne is configured`);
    }
    // Several instances must agree on these, so none may come from a local data folder.
    if (!has('MFA_TICKET_SECRET') && !has('MFA_TICKET_JWKS_URL')) {
      problems.push(
        'MFA_TICKET_SECRET or MFA_TICKET_JWKS_URL: required when PingOne is configured',
      );
    }
    if (!has('MFA_SESSION_SECRET')) {
      problems.push('MFA_SESSION_SECRET: required when PingOne is configured');
    }
    if (!has('MFA_RESULT_SECRET') && !has('MFA_RESULT_PRIVATE_KEY')) {
      problems.push(
        'MFA_RESULT_SECRET or MFA_RESULT_PRIVATE_KEY: required when PingOne is configured',
      );
    }
    if (problems.some((problem) => problem.includes('required when PingOne is configured'))) {
      problems.push(`(PingOne is configured because these are set: ${pingoneNames.join(', ')})`);
    }
  }
  // Distinct keys: the host knows the ticket secret and must not be able to mint the others.
  const sharedSecrets = [
    ['MFA_SESSION_SECRET', 'MFA_TICKET_SECRET'],
    ['MFA_RESULT_SECRET', 'MFA_TICKET_SECRET'],
    ['MFA_SESSION_SECRET', 'MFA_RESULT_SECRET'],
  ] as const;
  for (const [a, b] of sharedSecrets) {
    if (has(a) && values[a] === values[b]) problems.push(`${a}: must differ from ${b}`);
  }

  const parsed = schema.safeParse(values);
  if (!parsed.success) {
    problems.unshift(
      ...parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`),
    );
  }
  if (problems.length > 0 || !parsed.success) fail(problems);
  const v = parsed.data;
  if (v.MFA_SESSION_ABSOLUTE_SECONDS < v.MFA_SESSION_IDLE_SECONDS) {
    fail([
      `MFA_SESSION_ABSOLUTE_SECONDS: must be at least MFA_SESSION_IDLE_SECONDS (${v.MFA_SESSION_IDLE_SECONDS})`,
    ]);
  }

  const browserHost = v.HOST === '0.0.0.0' || v.HOST === '::' ? 'localhost' : v.HOST;
  const local = `http://${browserHost === '127.0.0.1' ? 'localhost' : browserHost}:${v.PORT}`;

  let upstream: UpstreamConfig = { kind: 'engine' };
  if (usePingOne) {
    const explicit =
      v.PINGONE_API_URL !== undefined && v.PINGONE_AUTH_URL !== undefined
        ? { api: v.PINGONE_API_URL, auth: v.PINGONE_AUTH_URL }
        : undefined;
    const region = v.PINGONE_REGION ?? (explicit ? undefined : 'com');
    const urls = explicit ?? regionUrls(region ?? 'com');
    upstream = {
      kind: 'pingone',
      // Presence was checked above.
      environmentId: v.PINGONE_ENVIRONMENT_ID ?? '',
      region,
      apiBaseUrl: urls.api,
      authBaseUrl: urls.auth,
      clientId: v.PINGONE_CLIENT_ID ?? '',
      clientSecret: v.PINGONE_CLIENT_SECRET ?? '',
      tokenAuthMethod: v.PINGONE_TOKEN_AUTH_METHOD,
    };
  }

  const publicOrigin = v.MFA_PUBLIC_ORIGIN ?? local;
  return {
    port: v.PORT,
    host: v.HOST,
    dataDir: v.MFA_DATA_DIR,
    engine: {
      environmentId: v.MFA_ENGINE_ENVIRONMENT_ID,
      clientId: v.MFA_ENGINE_CLIENT_ID,
      clientSecret: v.MFA_ENGINE_CLIENT_SECRET,
      relyingPartyId: v.MFA_ENGINE_RP_ID,
      allowedOrigins: v.MFA_ENGINE_ORIGINS ?? [local],
      publicUrl: (v.MFA_ENGINE_PUBLIC_URL ?? `${local}/engine`).replace(/\/+$/, ''),
    },
    logLevel: v.MFA_LOG_LEVEL,
    upstream,
    relay: {
      mountPath: v.MFA_MOUNT_PATH,
      publicOrigin,
      allowedOrigins: v.MFA_ALLOWED_ORIGINS,
      ticket: {
        secret: v.MFA_TICKET_SECRET,
        jwksUrl: v.MFA_TICKET_JWKS_URL,
        audience: v.MFA_TICKET_AUDIENCE,
      },
      usernameFormat: v.MFA_USERNAME_FORMAT,
      mfaPolicyId: v.PINGONE_MFA_POLICY_ID,
      sessionSecret: v.MFA_SESSION_SECRET,
      sessionIdleSeconds: v.MFA_SESSION_IDLE_SECONDS,
      sessionAbsoluteSeconds: v.MFA_SESSION_ABSOLUTE_SECONDS,
      stepUpSeconds: v.MFA_STEP_UP_SECONDS,
      result: {
        secret: v.MFA_RESULT_SECRET,
        privateKey: v.MFA_RESULT_PRIVATE_KEY?.text,
        privateKeyAlgorithm: v.MFA_RESULT_PRIVATE_KEY?.algorithm,
        issuer: v.MFA_RESULT_ISSUER ?? `${publicOrigin}${v.MFA_MOUNT_PATH}`,
        audience: v.MFA_RESULT_AUDIENCE,
      },
      redisUrl: v.MFA_REDIS_URL,
      trustProxy: v.MFA_TRUST_PROXY,
      createUnknownUsers: upstream.kind === 'engine',
    },
  };
}

const REDACTED = '[redacted]';
const SECRET_KEY = /secret|privatekey|password/i;

/** A URL's user information (which may hold a password) replaced; other strings unchanged. */
function redactUrlCredentials(value: string): string {
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, `$1${REDACTED}@`);
}

function redactValue(key: string, value: unknown): unknown {
  if (value === undefined || value === null) return null;
  if (SECRET_KEY.test(key) && !/algorithm/i.test(key)) return REDACTED;
  if (typeof value === 'string') return redactUrlCredentials(value);
  if (Array.isArray(value)) return value.map((item) => redactValue('', item));
  if (typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([name, item]) => [name, redactValue(name, item)]),
    );
  }
  return value;
}

/** What config:check prints: the effective config with every secret replaced by '[redacted]'. */
export function redactConfig(config: ServerConfig): Record<string, unknown> {
  return redactValue('', config) as Record<string, unknown>;
}
