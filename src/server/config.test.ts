import assert from 'node:assert/strict';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  CONFIG_VARIABLES,
  ConfigError,
  loadConfig,
  redactConfig,
  REGIONS,
  type ServerConfig,
} from './config.ts';

type Env = Record<string, string | undefined>;

const TICKET = 't'.repeat(32);
const SESSION = 's'.repeat(32);
const RESULT = 'r'.repeat(32);
const CLIENT_SECRET = 'pingone-client-secret-value';

/** A complete PingOne setup. */
function pingone(extra: Env = {}): Env {
  return {
    PINGONE_ENVIRONMENT_ID: randomUUID(),
    PINGONE_CLIENT_ID: randomUUID(),
    PINGONE_CLIENT_SECRET: CLIENT_SECRET,
    MFA_TICKET_SECRET: TICKET,
    MFA_SESSION_SECRET: SESSION,
    MFA_RESULT_SECRET: RESULT,
    ...extra,
  };
}

function problem(env: Env, argv: readonly string[] = []): string {
  try {
    loadConfig(env, argv);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    assert.match(error.message, /^Invalid configuration:\n/);
    return error.message;
  }
  assert.fail('expected the configuration to be refused');
}

function refuses(env: Env, ...mentions: (string | RegExp)[]): string {
  const message = problem(env);
  for (const mention of mentions) {
    if (typeof mention === 'string') {
      assert.ok(message.includes(mention), `expected "${mention}" in:\n${message}`);
    } else {
      assert.match(message, mention);
    }
  }
  return message;
}

function pingoneUpstream(config: ServerConfig) {
  if (config.upstream.kind !== 'pingone') assert.fail('expected the PingOne upstream');
  return config.upstream;
}

const tmp = mkdtempSync(join(tmpdir(), 'config-test-'));
after(() => {
  rmSync(tmp, { recursive: true, force: true });
});
let fileCount = 0;
function settingsFile(content: unknown): string {
  fileCount += 1;
  const file = join(tmp, `settings-${fileCount}.json`);
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

describe('defaults', () => {
  it('uses the embedded engine with the documented defaults', () => {
    const config = loadConfig({});
    assert.deepEqual(config.upstream, { kind: 'engine' });
    assert.deepEqual(config.relay, {
      mountPath: '/mfa/v1',
      publicOrigin: 'http://localhost:5173',
      allowedOrigins: [],
      ticket: { secret: undefined, jwksUrl: undefined, audience: 'mfa-elements' },
      usernameFormat: '{{sub}}',
      mfaPolicyId: undefined,
      sessionSecret: undefined,
      sessionIdleSeconds: 900,
      sessionAbsoluteSeconds: 43_200,
      stepUpSeconds: 300,
      result: {
        secret: undefined,
        privateKey: undefined,
        privateKeyAlgorithm: undefined,
        issuer: 'http://localhost:5173/mfa/v1',
        audience: undefined,
      },
      redisUrl: undefined,
      trustProxy: false,
      createUnknownUsers: true,
    });
    assert.equal(config.port, 5173);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.dataDir, '.mfa-data');
    assert.equal(config.logLevel, 'info');
    assert.deepEqual(config.engine.allowedOrigins, ['http://localhost:5173']);
  });

  it('derives the public origin from HOST and PORT like the engine URL', () => {
    assert.equal(loadConfig({ PORT: '8080' }).relay.publicOrigin, 'http://localhost:8080');
    assert.equal(
      loadConfig({ HOST: '0.0.0.0', PORT: '9000' }).relay.publicOrigin,
      'http://localhost:9000',
    );
    assert.equal(
      loadConfig({ HOST: 'box.internal', PORT: '9000' }).relay.publicOrigin,
      'http://box.internal:9000',
    );
  });

  it('treats empty values as unset', () => {
    const config = loadConfig({
      MFA_MOUNT_PATH: '',
      MFA_USERNAME_FORMAT: ' ',
      MFA_TRUST_PROXY: '',
    });
    assert.equal(config.relay.mountPath, '/mfa/v1');
    assert.equal(config.relay.usernameFormat, '{{sub}}');
    assert.equal(config.relay.trustProxy, false);
  });

  it('does not need the relay keys with the engine (they come from the data folder)', () => {
    const config = loadConfig({ MFA_DATA_DIR: '/var/lib/mfa' });
    assert.equal(config.relay.ticket.secret, undefined);
    assert.equal(config.relay.sessionSecret, undefined);
    assert.equal(config.relay.result.secret, undefined);
    assert.equal(config.dataDir, '/var/lib/mfa');
  });

  it('lists every variable it reads', () => {
    for (const name of ['PORT', 'PINGONE_REGION', 'MFA_TRUST_PROXY', 'MFA_ENGINE_RP_ID']) {
      assert.ok(CONFIG_VARIABLES.includes(name), `${name} listed`);
    }
  });
});

describe('MFA_MOUNT_PATH', () => {
  it('accepts a lower-case path', () => {
    assert.equal(loadConfig({ MFA_MOUNT_PATH: '/api/mfa_2-x' }).relay.mountPath, '/api/mfa_2-x');
  });
  for (const value of ['mfa', '/mfa/', '/', '/MFA', '/mfa//v1', '/mfa v1', '/mfa.v1']) {
    it(`refuses ${JSON.stringify(value)}`, () => {
      refuses({ MFA_MOUNT_PATH: value }, 'MFA_MOUNT_PATH:');
    });
  }
});

describe('MFA_PUBLIC_ORIGIN and MFA_ALLOWED_ORIGINS', () => {
  it('accepts and normalises exact origins', () => {
    const config = loadConfig({
      MFA_PUBLIC_ORIGIN: 'https://App.Example.com:443/',
      MFA_ALLOWED_ORIGINS:
        'https://a.example.com, http://localhost:3000,https://a.example.com,http://127.0.0.1:8080',
    });
    assert.equal(config.relay.publicOrigin, 'https://app.example.com');
    assert.deepEqual(config.relay.allowedOrigins, [
      'https://a.example.com',
      'http://localhost:3000',
      'http://127.0.0.1:8080',
    ]);
    assert.equal(config.relay.result.issuer, 'https://app.example.com/mfa/v1');
  });

  for (const value of [
    'http://example.com',
    'https://example.com/app',
    'https://example.com?x=1',
    'https://example.com#top',
    'https://*.example.com',
    'https://user:pw@example.com',
    'example.com',
    'ftp://example.com',
    'http://192.168.1.10',
  ]) {
    it(`refuses ${value} in either variable`, () => {
      refuses({ MFA_PUBLIC_ORIGIN: value }, 'MFA_PUBLIC_ORIGIN:');
      refuses({ MFA_ALLOWED_ORIGINS: `https://ok.example.com,${value}` }, 'MFA_ALLOWED_ORIGINS:');
    });
  }
});

describe('tickets', () => {
  it('reads a shared secret or a JWKS URL and the audience', () => {
    const secret = loadConfig({ MFA_TICKET_SECRET: TICKET, MFA_TICKET_AUDIENCE: 'my-app' });
    assert.deepEqual(secret.relay.ticket, {
      secret: TICKET,
      jwksUrl: undefined,
      audience: 'my-app',
    });
    const jwks = loadConfig({
      MFA_TICKET_JWKS_URL: 'https://idp.example.com/.well-known/jwks.json',
    });
    assert.equal(jwks.relay.ticket.jwksUrl, 'https://idp.example.com/.well-known/jwks.json');
    assert.equal(
      loadConfig({ MFA_TICKET_JWKS_URL: 'http://localhost:4000/jwks' }).relay.ticket.jwksUrl,
      'http://localhost:4000/jwks',
    );
  });

  it('refuses a short secret without quoting it', () => {
    const message = refuses(
      { MFA_TICKET_SECRET: 'short-ticket-secret' },
      'MFA_TICKET_SECRET:',
      '32',
    );
    assert.ok(!message.includes('short-ticket-secret'), 'secret not echoed');
  });

  it('refuses a JWKS URL over plain http to another host', () => {
    refuses({ MFA_TICKET_JWKS_URL: 'http://idp.example.com/jwks' }, 'MFA_TICKET_JWKS_URL:');
    refuses({ MFA_TICKET_JWKS_URL: 'not a url' }, 'MFA_TICKET_JWKS_URL:');
  });

  it('refuses both a secret and a JWKS URL', () => {
    refuses(
      { MFA_TICKET_SECRET: TICKET, MFA_TICKET_JWKS_URL: 'https://idp.example.com/jwks' },
      'MFA_TICKET_SECRET and MFA_TICKET_JWKS_URL',
    );
  });

  it('refuses an audience with spaces', () => {
    refuses({ MFA_TICKET_AUDIENCE: 'two words' }, 'MFA_TICKET_AUDIENCE:');
  });
});

describe('MFA_USERNAME_FORMAT', () => {
  for (const value of ['{{sub}}', '{{email}}', '{{sub}}@example.com', 'p1-{{sub}}-{{email}}']) {
    it(`accepts ${value}`, () => {
      assert.equal(loadConfig({ MFA_USERNAME_FORMAT: value }).relay.usernameFormat, value);
    });
  }
  for (const value of ['plain', '{{name}}', '{{sub}}-{{name}}', '{{sub}', '{sub}', '{{ sub }}']) {
    it(`refuses ${value}`, () => {
      refuses({ MFA_USERNAME_FORMAT: value }, 'MFA_USERNAME_FORMAT:', '{{sub}}', '{{email}}');
    });
  }
  it('refuses a template longer than 128 characters', () => {
    refuses({ MFA_USERNAME_FORMAT: `{{sub}}${'x'.repeat(130)}` }, 'MFA_USERNAME_FORMAT:');
  });
});

describe('sessions and step-up', () => {
  it('reads the durations', () => {
    const config = loadConfig({
      MFA_SESSION_SECRET: SESSION,
      MFA_SESSION_IDLE_SECONDS: '60',
      MFA_SESSION_ABSOLUTE_SECONDS: '86400',
      MFA_STEP_UP_SECONDS: '3600',
    });
    assert.equal(config.relay.sessionSecret, SESSION);
    assert.equal(config.relay.sessionIdleSeconds, 60);
    assert.equal(config.relay.sessionAbsoluteSeconds, 86_400);
    assert.equal(config.relay.stepUpSeconds, 3600);
  });

  for (const [name, value] of [
    ['MFA_SESSION_IDLE_SECONDS', '59'],
    ['MFA_SESSION_IDLE_SECONDS', '3601'],
    ['MFA_SESSION_IDLE_SECONDS', '90.5'],
    ['MFA_SESSION_ABSOLUTE_SECONDS', '299'],
    ['MFA_SESSION_ABSOLUTE_SECONDS', '86401'],
    ['MFA_SESSION_ABSOLUTE_SECONDS', 'one day'],
    ['MFA_STEP_UP_SECONDS', '29'],
    ['MFA_STEP_UP_SECONDS', '3601'],
    ['MFA_STEP_UP_SECONDS', '-5'],
  ] as const) {
    it(`refuses ${name}=${value}`, () => {
      refuses({ [name]: value }, `${name}: must be a whole number of seconds`);
    });
  }

  it('refuses an absolute lifetime shorter than the idle one', () => {
    refuses(
      { MFA_SESSION_IDLE_SECONDS: '3600', MFA_SESSION_ABSOLUTE_SECONDS: '1800' },
      'MFA_SESSION_ABSOLUTE_SECONDS: must be at least MFA_SESSION_IDLE_SECONDS',
    );
    const equal = loadConfig({
      MFA_SESSION_IDLE_SECONDS: '600',
      MFA_SESSION_ABSOLUTE_SECONDS: '600',
    });
    assert.equal(equal.relay.sessionAbsoluteSeconds, 600);
  });

  it('refuses a short session secret', () => {
    refuses({ MFA_SESSION_SECRET: 'x'.repeat(31) }, 'MFA_SESSION_SECRET:');
  });

  it('refuses one secret used for two purposes', () => {
    refuses(
      { MFA_SESSION_SECRET: TICKET, MFA_TICKET_SECRET: TICKET },
      'MFA_SESSION_SECRET: must differ from MFA_TICKET_SECRET',
    );
    refuses(
      { MFA_RESULT_SECRET: TICKET, MFA_TICKET_SECRET: TICKET },
      'MFA_RESULT_SECRET: must differ from MFA_TICKET_SECRET',
    );
    refuses(
      { MFA_SESSION_SECRET: RESULT, MFA_RESULT_SECRET: RESULT },
      'MFA_SESSION_SECRET: must differ from MFA_RESULT_SECRET',
    );
  });
});

describe('result tokens', () => {
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pkcs8 = ec.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const sec1 = ec.privateKey.export({ type: 'sec1', format: 'pem' }).toString();
  const jwk = ec.privateKey.export({ format: 'jwk' });

  it('reads a shared secret, issuer and audience', () => {
    const config = loadConfig({
      MFA_RESULT_SECRET: RESULT,
      MFA_RESULT_ISSUER: 'https://mfa.example.com',
      MFA_RESULT_AUDIENCE: 'shop',
    });
    assert.equal(config.relay.result.secret, RESULT);
    assert.equal(config.relay.result.issuer, 'https://mfa.example.com');
    assert.equal(config.relay.result.audience, 'shop');
  });

  it('derives the issuer from the public origin and mount path', () => {
    const config = loadConfig({
      MFA_PUBLIC_ORIGIN: 'https://shop.example.com',
      MFA_MOUNT_PATH: '/relay',
    });
    assert.equal(config.relay.result.issuer, 'https://shop.example.com/relay');
  });

  it('accepts a PKCS#8 PEM, also written on one line with \\n', () => {
    const config = loadConfig({ MFA_RESULT_PRIVATE_KEY: pkcs8 });
    assert.equal(config.relay.result.privateKey, pkcs8.trim());
    assert.equal(config.relay.result.privateKeyAlgorithm, 'ES256');
    const oneLine = loadConfig({ MFA_RESULT_PRIVATE_KEY: pkcs8.trim().replace(/\n/g, '\\n') });
    assert.equal(oneLine.relay.result.privateKey, pkcs8.trim());
  });

  it('converts a SEC1 PEM to PKCS#8', () => {
    const config = loadConfig({ MFA_RESULT_PRIVATE_KEY: sec1 });
    assert.equal(config.relay.result.privateKey, pkcs8.trim());
  });

  it('accepts a private JWK and honours a matching alg', () => {
    const text = JSON.stringify(jwk);
    const config = loadConfig({ MFA_RESULT_PRIVATE_KEY: text });
    assert.equal(config.relay.result.privateKey, text);
    assert.equal(config.relay.result.privateKeyAlgorithm, 'ES256');
    const ed = generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' });
    const edConfig = loadConfig({
      MFA_RESULT_PRIVATE_KEY: JSON.stringify({ ...ed, alg: 'EdDSA' }),
    });
    assert.equal(edConfig.relay.result.privateKeyAlgorithm, 'EdDSA');
  });

  it('refuses a JWK whose alg does not fit its key', () => {
    refuses(
      { MFA_RESULT_PRIVATE_KEY: JSON.stringify({ ...jwk, alg: 'RS256' }) },
      'MFA_RESULT_PRIVATE_KEY:',
      'alg',
    );
  });

  it('refuses a public key, garbage and a weak RSA key without quoting them', () => {
    const publicJwk = { ...jwk };
    delete publicJwk.d;
    const publicPem = ec.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const weak = generateKeyPairSync('rsa', { modulusLength: 1024 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    for (const value of [JSON.stringify(publicJwk), publicPem, '{not json', 'garbage', weak]) {
      const message = refuses({ MFA_RESULT_PRIVATE_KEY: value }, 'MFA_RESULT_PRIVATE_KEY:');
      assert.ok(!message.includes(value.slice(0, 40)), 'the key is not echoed');
    }
  });

  it('refuses both a secret and a private key', () => {
    refuses(
      { MFA_RESULT_SECRET: RESULT, MFA_RESULT_PRIVATE_KEY: pkcs8 },
      'MFA_RESULT_SECRET and MFA_RESULT_PRIVATE_KEY',
    );
  });

  it('refuses a short secret and an issuer with spaces', () => {
    refuses({ MFA_RESULT_SECRET: 'short' }, 'MFA_RESULT_SECRET:');
    refuses({ MFA_RESULT_ISSUER: 'my issuer' }, 'MFA_RESULT_ISSUER:');
    refuses({ MFA_RESULT_AUDIENCE: 'my audience' }, 'MFA_RESULT_AUDIENCE:');
  });
});

describe('MFA_REDIS_URL and MFA_TRUST_PROXY', () => {
  it('reads a Redis URL', () => {
    assert.equal(
      loadConfig({ MFA_REDIS_URL: 'rediss://:pw@cache:6380/1' }).relay.redisUrl,
      'rediss://:pw@cache:6380/1',
    );
    assert.equal(loadConfig({ MFA_REDIS_URL: 'redis://cache' }).relay.redisUrl, 'redis://cache');
  });

  it('refuses another scheme without echoing the password', () => {
    const message = refuses(
      { MFA_REDIS_URL: 'https://user:hunter22@cache' },
      'MFA_REDIS_URL: must be a redis:// or rediss:// URL',
    );
    assert.ok(!message.includes('hunter22'), 'password not echoed');
    refuses({ MFA_REDIS_URL: 'cache:6379' }, 'MFA_REDIS_URL:');
  });

  it('reads true and false only', () => {
    assert.equal(loadConfig({ MFA_TRUST_PROXY: 'true' }).relay.trustProxy, true);
    assert.equal(loadConfig({ MFA_TRUST_PROXY: 'false' }).relay.trustProxy, false);
    refuses({ MFA_TRUST_PROXY: 'yes' }, 'MFA_TRUST_PROXY: must be true or false');
    refuses({ MFA_TRUST_PROXY: '1' }, 'MFA_TRUST_PROXY:');
  });
});

describe('PingOne', () => {
  it('uses PingOne with the region URLs, defaulting to com', () => {
    const env = pingone();
    const config = loadConfig(env);
    assert.deepEqual(config.upstream, {
      kind: 'pingone',
      environmentId: env.PINGONE_ENVIRONMENT_ID,
      region: 'com',
      apiBaseUrl: 'https://api.pingone.com/v1',
      authBaseUrl: 'https://auth.pingone.com',
      clientId: env.PINGONE_CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      tokenAuthMethod: 'basic',
    });
    assert.equal(config.relay.createUnknownUsers, false);
    assert.equal(config.relay.ticket.secret, TICKET);
    assert.equal(config.relay.sessionSecret, SESSION);
    assert.equal(config.relay.result.secret, RESULT);
  });

  for (const region of REGIONS) {
    it(`maps region ${region}`, () => {
      const upstream = pingoneUpstream(loadConfig(pingone({ PINGONE_REGION: region })));
      assert.equal(upstream.region, region);
      assert.equal(upstream.apiBaseUrl, `https://api.pingone.${region}/v1`);
      assert.equal(upstream.authBaseUrl, `https://auth.pingone.${region}`);
    });
  }

  it('accepts a region in capitals', () => {
    assert.equal(pingoneUpstream(loadConfig(pingone({ PINGONE_REGION: 'EU' }))).region, 'eu');
  });

  it('refuses an unknown region, listing the six', () => {
    refuses(
      pingone({ PINGONE_REGION: 'us' }),
      'PINGONE_REGION: must be one of com, ca, eu, com.au, sg, asia',
    );
  });

  it('reads the token auth method and the MFA policy', () => {
    const policy = randomUUID();
    const config = loadConfig(
      pingone({ PINGONE_TOKEN_AUTH_METHOD: 'post', PINGONE_MFA_POLICY_ID: policy }),
    );
    assert.equal(pingoneUpstream(config).tokenAuthMethod, 'post');
    assert.equal(config.relay.mfaPolicyId, policy);
    refuses(pingone({ PINGONE_TOKEN_AUTH_METHOD: 'jwt' }), 'PINGONE_TOKEN_AUTH_METHOD:');
    refuses(pingone({ PINGONE_MFA_POLICY_ID: 'default' }), 'PINGONE_MFA_POLICY_ID: must be a UUID');
    refuses(pingone({ PINGONE_ENVIRONMENT_ID: 'env' }), 'PINGONE_ENVIRONMENT_ID: must be a UUID');
  });

  it('lets explicit base URLs override the region', () => {
    const custom = pingoneUpstream(
      loadConfig(
        pingone({
          PINGONE_API_URL: 'http://localhost:5173/engine/v1/',
          PINGONE_AUTH_URL: 'https://auth.example.com',
        }),
      ),
    );
    assert.equal(custom.region, undefined);
    assert.equal(custom.apiBaseUrl, 'http://localhost:5173/engine/v1');
    assert.equal(custom.authBaseUrl, 'https://auth.example.com');
    const both = pingoneUpstream(
      loadConfig(
        pingone({
          PINGONE_REGION: 'ca',
          PINGONE_API_URL: 'https://api.example.ca/v1',
          PINGONE_AUTH_URL: 'https://auth.example.ca',
        }),
      ),
    );
    assert.equal(both.region, 'ca');
    assert.equal(both.apiBaseUrl, 'https://api.example.ca/v1');
  });

  it('needs both base URLs or neither', () => {
    refuses(
      pingone({ PINGONE_API_URL: 'https://api.example.com/v1' }),
      'PINGONE_AUTH_URL: required with PINGONE_API_URL',
    );
    refuses(
      pingone({ PINGONE_AUTH_URL: 'https://auth.example.com' }),
      'PINGONE_API_URL: required with PINGONE_AUTH_URL',
    );
  });

  it('refuses plain-http base URLs to other hosts', () => {
    refuses(
      pingone({ PINGONE_API_URL: 'http://api.example.com/v1', PINGONE_AUTH_URL: 'https://a.b' }),
      'PINGONE_API_URL:',
    );
    refuses(
      pingone({ PINGONE_API_URL: 'https://api.example.com/v1', PINGONE_AUTH_URL: 'http://a.b' }),
      'PINGONE_AUTH_URL:',
    );
  });

  for (const name of [
    'PINGONE_ENVIRONMENT_ID',
    'PINGONE_REGION',
    'PINGONE_CLIENT_ID',
    'PINGONE_CLIENT_SECRET',
    'PINGONE_TOKEN_AUTH_METHOD',
    'PINGONE_MFA_POLICY_ID',
    'PINGONE_API_URL',
  ]) {
    it(`never falls back to the engine when only ${name} is set`, () => {
      const message = refuses(
        { [name]: name === 'PINGONE_REGION' ? 'eu' : 'x' },
        'required when PingOne is configured',
        `because these are set: ${name}`,
      );
      for (const required of [
        'PINGONE_ENVIRONMENT_ID',
        'PINGONE_CLIENT_ID',
        'PINGONE_CLIENT_SECRET',
      ]) {
        if (required !== name) assert.ok(message.includes(`${required}: required`), required);
      }
    });
  }

  for (const name of ['PINGONE_ENVIRONMENT_ID', 'PINGONE_CLIENT_ID', 'PINGONE_CLIENT_SECRET']) {
    it(`names a missing ${name}, also when it is empty`, () => {
      const message = refuses(pingone({ [name]: undefined }), `${name}: required`);
      assert.equal(message.split('\n').length, 3, message);
      refuses(pingone({ [name]: '' }), `${name}: required`);
    });
  }

  it('needs a ticket key, a session secret and a result key', () => {
    refuses(
      pingone({ MFA_TICKET_SECRET: undefined }),
      'MFA_TICKET_SECRET or MFA_TICKET_JWKS_URL: required when PingOne is configured',
    );
    refuses(
      pingone({ MFA_SESSION_SECRET: undefined }),
      'MFA_SESSION_SECRET: required when PingOne is configured',
    );
    refuses(
      pingone({ MFA_RESULT_SECRET: undefined }),
      'MFA_RESULT_SECRET or MFA_RESULT_PRIVATE_KEY: required when PingOne is configured',
    );
    const jwks = loadConfig(
      pingone({ MFA_TICKET_SECRET: undefined, MFA_TICKET_JWKS_URL: 'https://idp.example/jwks' }),
    );
    assert.equal(jwks.relay.ticket.jwksUrl, 'https://idp.example/jwks');
  });

  it('refuses an unknown PINGONE_ variable, naming it', () => {
    refuses(pingone({ PINGONE_ENV_ID: 'x' }), 'PINGONE_ENV_ID: unknown PingOne variable');
  });

  it('treats an empty PINGONE_ variable as a PingOne setup', () => {
    refuses({ PINGONE_REGION: '' }, 'PINGONE_ENVIRONMENT_ID: required');
  });

  it('reports several problems at once', () => {
    const message = refuses(
      { PINGONE_REGION: 'mars', MFA_MOUNT_PATH: 'x' },
      'PINGONE_REGION:',
      'MFA_MOUNT_PATH:',
      'PINGONE_CLIENT_SECRET: required',
    );
    assert.ok(message.split('\n').length > 4, message);
  });
});

describe('--config file', () => {
  it('reads a JSON object of variables, numbers and booleans included', () => {
    const file = settingsFile({
      PORT: 8080,
      MFA_TRUST_PROXY: true,
      MFA_SESSION_IDLE_SECONDS: 120,
      PINGONE_REGION: 'eu',
      PINGONE_ENVIRONMENT_ID: randomUUID(),
      PINGONE_CLIENT_ID: 'client',
      PINGONE_CLIENT_SECRET: CLIENT_SECRET,
      MFA_TICKET_SECRET: TICKET,
      MFA_SESSION_SECRET: SESSION,
      MFA_RESULT_SECRET: RESULT,
    });
    for (const argv of [['--config', file], [`--config=${file}`], ['--other', '--config', file]]) {
      const config = loadConfig({}, argv);
      assert.equal(config.port, 8080);
      assert.equal(config.relay.trustProxy, true);
      assert.equal(config.relay.sessionIdleSeconds, 120);
      assert.equal(pingoneUpstream(config).region, 'eu');
    }
  });

  it('lets the environment win over the file', () => {
    const file = settingsFile({ PORT: 8080, MFA_MOUNT_PATH: '/from-file', HOST: '0.0.0.0' });
    const config = loadConfig({ PORT: '9090', MFA_MOUNT_PATH: '/from-env' }, ['--config', file]);
    assert.equal(config.port, 9090);
    assert.equal(config.relay.mountPath, '/from-env');
    assert.equal(config.host, '0.0.0.0');
  });

  it('takes origin lists as arrays and a JWK as an object', () => {
    const jwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
      format: 'jwk',
    });
    const file = settingsFile({
      MFA_ALLOWED_ORIGINS: ['https://a.example.com', 'https://b.example.com'],
      MFA_RESULT_PRIVATE_KEY: jwk,
    });
    const config = loadConfig({}, ['--config', file]);
    assert.deepEqual(config.relay.allowedOrigins, [
      'https://a.example.com',
      'https://b.example.com',
    ]);
    assert.deepEqual(JSON.parse(config.relay.result.privateKey ?? '{}'), jwk);
  });

  it('counts PINGONE_ keys in the file as a PingOne setup', () => {
    const file = settingsFile({ PINGONE_REGION: 'eu' });
    const message = problem({}, ['--config', file]);
    assert.ok(message.includes('PINGONE_CLIENT_SECRET: required'), message);
  });

  it('refuses unknown keys, naming them', () => {
    const file = settingsFile({ PORT: 1, MFA_COLOUR: 'blue', pingone_region: 'eu' });
    const message = problem({}, ['--config', file]);
    assert.ok(message.includes(file), message);
    assert.ok(message.includes('unknown keys: MFA_COLOUR, pingone_region'), message);
  });

  it('refuses values that are not strings, numbers or booleans', () => {
    const file = settingsFile({ PORT: null, HOST: { name: 'x' } });
    const message = problem({}, ['--config', file]);
    assert.ok(message.includes('PORT: in'), message);
    assert.ok(message.includes('HOST: in'), message);
  });

  it('validates values from the file like the environment', () => {
    const file = settingsFile({ PORT: 70_000 });
    assert.match(problem({}, ['--config', file]), /PORT:/);
  });

  for (const [name, content] of [
    ['invalid JSON', '{"PORT": '],
    ['an array', '[1, 2]'],
    ['a string', '"PORT=1"'],
  ] as const) {
    it(`refuses ${name}, naming the file`, () => {
      const file = settingsFile(content);
      const message = problem({}, ['--config', file]);
      assert.ok(message.includes(`--config: ${file}`), message);
    });
  }

  it('refuses a file it cannot read, naming it', () => {
    const file = join(tmp, 'missing.json');
    const message = problem({}, ['--config', file]);
    assert.ok(message.includes(`--config: cannot read ${file}`), message);
  });

  it('refuses --config without a path or given twice', () => {
    assert.match(problem({}, ['--config']), /--config: needs the path/);
    assert.match(problem({}, ['--config=']), /--config: needs the path/);
    assert.match(problem({}, ['--config', '--port']), /--config: needs the path/);
    const file = settingsFile({});
    assert.match(problem({}, ['--config', file, `--config=${file}`]), /more than once/);
  });

  it('ignores argv unless asked when the environment is given explicitly', () => {
    assert.equal(loadConfig({}).port, 5173);
  });
});

describe('redactConfig', () => {
  it('replaces every secret and keeps the rest', () => {
    const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const config = loadConfig(
      pingone({
        MFA_RESULT_SECRET: undefined,
        MFA_RESULT_PRIVATE_KEY: pem,
        MFA_REDIS_URL: 'rediss://default:redis-password-1@cache.example.com:6380/0',
        MFA_ENGINE_CLIENT_ID: 'engine-client',
        MFA_ENGINE_CLIENT_SECRET: 'engine-client-secret-1234',
        PINGONE_TOKEN_AUTH_METHOD: 'post',
      }),
    );
    const redacted = redactConfig(config);
    const text = JSON.stringify(redacted);
    for (const secret of [
      CLIENT_SECRET,
      TICKET,
      SESSION,
      'redis-password-1',
      'engine-client-secret-1234',
      pem.split('\n')[1] ?? 'missing',
    ]) {
      assert.ok(!text.includes(secret), `${secret} must not appear`);
    }
    const upstream = redacted.upstream as Record<string, unknown>;
    assert.equal(upstream.clientSecret, '[redacted]');
    assert.equal(upstream.tokenAuthMethod, 'post');
    assert.equal(upstream.clientId, config.upstream.kind === 'pingone' && config.upstream.clientId);
    const relay = redacted.relay as {
      ticket: Record<string, unknown>;
      result: Record<string, unknown>;
      redisUrl: unknown;
      sessionSecret: unknown;
    };
    assert.equal(relay.ticket.secret, '[redacted]');
    assert.equal(relay.ticket.audience, 'mfa-elements');
    assert.equal(relay.result.privateKey, '[redacted]');
    assert.equal(relay.result.privateKeyAlgorithm, 'ES256');
    assert.equal(relay.result.secret, null);
    assert.equal(relay.redisUrl, 'rediss://[redacted]@cache.example.com:6380/0');
    assert.equal(relay.sessionSecret, '[redacted]');
    assert.equal((redacted.engine as Record<string, unknown>).clientSecret, '[redacted]');
    assert.equal((redacted.engine as Record<string, unknown>).clientId, 'engine-client');
  });

  it('does not change the config it is given', () => {
    const config = loadConfig(pingone());
    redactConfig(config);
    assert.equal(pingoneUpstream(config).clientSecret, CLIENT_SECRET);
  });
});
