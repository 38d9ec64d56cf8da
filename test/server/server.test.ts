/**
 * The process as a person starts it: `demo/server.ts` on a free port with its own data folder.
 * Runs the README's curl walk-through verbatim, restarts, and checks what must survive.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { spawn } from 'node:child_process';
import { ConfigError, loadConfig } from '../../src/server/config.ts';
import {
  freePort,
  readmeBlock,
  root,
  runBash,
  startServer,
  stop,
  type Running,
} from '../helpers/server-process.ts';

describe('npm start (demo/server.ts)', { timeout: 300_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mfa-server-'));
  let port = 0;
  let server: Running;

  before(async () => {
    port = await freePort();
    server = await startServer({ PORT: String(port), MFA_DATA_DIR: dataDir });
  });
  after(async () => {
    await stop(server);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints the environment id and worker credentials it stored, owner-only', () => {
    const stored = JSON.parse(readFileSync(join(dataDir, 'engine.json'), 'utf8')) as Record<
      string,
      string
    >;
    assert.match(server.output(), new RegExp(`Environment id\\s+${stored.environmentId}`));
    assert.match(server.output(), new RegExp(`Client id\\s+${stored.clientId}`));
    for (const file of ['engine.json', 'engine-keys.json']) {
      assert.equal(
        statSync(join(dataDir, file)).mode & 0o077,
        0,
        `${file} must not be readable by others`,
      );
    }
  });

  it('serves the landing page under a strict CSP', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/`);
    assert.equal(res.status, 200);
    const csp = res.headers.get('content-security-policy') ?? '';
    for (const directive of [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self'",
      "require-trusted-types-for 'script'",
    ]) {
      assert.ok(csp.includes(directive), `CSP lacks ${directive}: ${csp}`);
    }
    assert.match(await res.text(), /<h1>mfa-elements<\/h1>/);
  });

  it('binds to 127.0.0.1 by default', () => {
    const config = loadConfig({});
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.port, 5173);
    assert.equal(config.engine.publicUrl, 'http://localhost:5173/engine');
  });

  it("runs the README's curl walk-through to COMPLETED", { timeout: 90_000 }, async () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const block = readmeBlock(readme, 'walkthrough');
    assert.ok(block, 'README has a walk-through block');
    const result = await runBash(block, { PORT: String(port), MFA_DATA_DIR: dataDir });
    assert.equal(result.code, 0, `walk-through failed: ${result.stderr}\n${result.stdout}`);
    const lines = result.stdout.trim().split('\n');
    assert.match(
      lines[0] ?? '',
      /^otpauth:\/\/totp\/mfa-elements:walkthrough-\d+\?secret=[A-Z2-7]{32}&issuer=mfa-elements/,
    );
    assert.deepEqual(lines.slice(1), ['ACTIVE', 'COMPLETED']);
  });

  it('keeps credentials, keys and data across a restart', async () => {
    const before = readFileSync(join(dataDir, 'engine.json'), 'utf8');
    const { environmentId, clientId, clientSecret } = JSON.parse(before) as Record<string, string>;
    const token = async () => {
      const res = await fetch(`http://127.0.0.1:${port}/engine/${environmentId}/as/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: clientId ?? '',
          client_secret: clientSecret ?? '',
        }),
      });
      assert.equal(res.status, 200);
      return ((await res.json()) as { access_token: string }).access_token;
    };
    const users = async (bearer: string) => {
      const res = await fetch(
        `http://127.0.0.1:${port}/engine/v1/environments/${environmentId}/users`,
        {
          headers: { authorization: `Bearer ${bearer}` },
        },
      );
      assert.equal(res.status, 200);
      return ((await res.json()) as { count: number }).count;
    };
    const first = await token();
    const count = await users(first);
    assert.ok(count >= 1, 'the walk-through created a user');

    assert.equal(await stop(server), 0, 'SIGTERM shuts down cleanly');
    server = await startServer({ PORT: String(port), MFA_DATA_DIR: dataDir });
    assert.equal(readFileSync(join(dataDir, 'engine.json'), 'utf8'), before);
    // The signing key is kept too: a token from before the restart still works.
    assert.equal(await users(first), count);
    assert.equal(await users(await token()), count);
  });

  it('takes its identity from the environment when given', async () => {
    const otherDir = mkdtempSync(join(tmpdir(), 'mfa-server-env-'));
    const otherPort = await freePort();
    const identity = {
      MFA_ENGINE_ENVIRONMENT_ID: '3f0d2c5e-8a4b-4c1d-9e2f-1a2b3c4d5e6f',
      MFA_ENGINE_CLIENT_ID: 'worker-from-env',
      MFA_ENGINE_CLIENT_SECRET: 'a-secret-from-the-environment',
    };
    const other = await startServer({
      PORT: String(otherPort),
      MFA_DATA_DIR: otherDir,
      ...identity,
    });
    try {
      assert.match(other.output(), /Environment id\s+3f0d2c5e-8a4b-4c1d-9e2f-1a2b3c4d5e6f/);
      const res = await fetch(
        `http://127.0.0.1:${otherPort}/engine/${identity.MFA_ENGINE_ENVIRONMENT_ID}/as/token`,
        {
          method: 'POST',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            authorization: `Basic ${Buffer.from(`${identity.MFA_ENGINE_CLIENT_ID}:${identity.MFA_ENGINE_CLIENT_SECRET}`).toString('base64')}`,
          },
          body: 'grant_type=client_credentials',
        },
      );
      assert.equal(res.status, 200);
    } finally {
      await stop(other);
      rmSync(otherDir, { recursive: true, force: true });
    }
  });
});

describe('configuration', () => {
  it('reads PORT, HOST and the engine settings', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '0.0.0.0',
      MFA_ENGINE_RP_ID: 'example.com',
      MFA_ENGINE_ORIGINS: 'https://a.example.com, https://b.example.com',
    });
    assert.equal(config.port, 8080);
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.engine.relyingPartyId, 'example.com');
    assert.deepEqual(config.engine.allowedOrigins, [
      'https://a.example.com',
      'https://b.example.com',
    ]);
    assert.equal(config.engine.publicUrl, 'http://localhost:8080/engine');
  });

  for (const [name, env, mentions] of [
    ['a port out of range', { PORT: '70000' }, 'PORT'],
    ['a non-numeric port', { PORT: 'http' }, 'PORT'],
    [
      'a client id without its secret',
      { MFA_ENGINE_CLIENT_ID: 'worker-0001' },
      'MFA_ENGINE_CLIENT_SECRET',
    ],
    [
      'an environment id that is not a UUID',
      { MFA_ENGINE_ENVIRONMENT_ID: 'env' },
      'MFA_ENGINE_ENVIRONMENT_ID',
    ],
    ['an origin that is not a URL', { MFA_ENGINE_ORIGINS: 'localhost' }, 'MFA_ENGINE_ORIGINS'],
    ['an upper-case RP id', { MFA_ENGINE_RP_ID: 'Example.COM' }, 'MFA_ENGINE_RP_ID'],
  ] as const) {
    it(`refuses ${name}, naming the variable`, () => {
      assert.throws(
        () => loadConfig(env),
        (error: unknown) => error instanceof ConfigError && error.message.includes(mentions),
      );
    });
  }

  it('exits with a clear message on a bad value', async () => {
    const running = spawn(process.execPath, ['--import', 'tsx', 'demo/server.ts'], {
      cwd: root,
      env: { ...process.env, PORT: 'not-a-port' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    running.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => running.on('exit', resolve));
    assert.equal(code, 2);
    assert.match(stderr, /Invalid configuration:\n\s+PORT:/);
  });
});
