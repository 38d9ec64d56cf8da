/**
 * Process configuration from the environment, validated once at start. A bad value stops the
 * process with a message that names the variable.
 * @module
 */
import { z } from 'zod';

const port = z.coerce.number().int().min(1).max(65_535);
const csv = z.string().transform((value) =>
  value
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean),
);

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
  MFA_LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info'),
});

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
  logLevel: z.infer<typeof schema>['MFA_LOG_LEVEL'];
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: Record<string, string | undefined> = process.env): ServerConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.')}: ${issue.message}`,
    );
    throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const values = parsed.data;
  const idSet = values.MFA_ENGINE_CLIENT_ID !== undefined;
  const secretSet = values.MFA_ENGINE_CLIENT_SECRET !== undefined;
  if (idSet !== secretSet) {
    throw new ConfigError(
      'Invalid configuration:\n  MFA_ENGINE_CLIENT_ID and MFA_ENGINE_CLIENT_SECRET must be set together',
    );
  }
  const browserHost = values.HOST === '0.0.0.0' || values.HOST === '::' ? 'localhost' : values.HOST;
  const local = `http://${browserHost === '127.0.0.1' ? 'localhost' : browserHost}:${values.PORT}`;
  return {
    port: values.PORT,
    host: values.HOST,
    dataDir: values.MFA_DATA_DIR,
    engine: {
      environmentId: values.MFA_ENGINE_ENVIRONMENT_ID,
      clientId: values.MFA_ENGINE_CLIENT_ID,
      clientSecret: values.MFA_ENGINE_CLIENT_SECRET,
      relyingPartyId: values.MFA_ENGINE_RP_ID,
      allowedOrigins: values.MFA_ENGINE_ORIGINS ?? [local],
      publicUrl: (values.MFA_ENGINE_PUBLIC_URL ?? `${local}/engine`).replace(/\/+$/, ''),
    },
    logLevel: values.MFA_LOG_LEVEL,
  };
}
