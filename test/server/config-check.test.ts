/**
 * `npm run config:check` as a person runs it: a separate process reading the environment and an
 * optional `--config` file.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The process environment without any of this project's variables, plus `env`. */
function cleanEnv(env: Record<string, string>): Record<string, string> {
  const base: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !/^(PINGONE_|MFA_)/.test(key) && key !== 'PORT' && key !== 'HOST') {
      base[key] = value;
    }
  }
  return { ...base, ...env };
}

function check(env: Record<string, string>, args: string[] = []): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/config-check.ts', ...args], {
      cwd: root,
      env: cleanEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      resolve({ code, stdout, stderr });
    });
  });
}

const secrets = {
  PINGONE_CLIENT_SECRET: 'client-secret-never-printed-0001',
  MFA_TICKET_SECRET: 'ticket-secret-never-printed-0000000002',
  MFA_SESSION_SECRET: 'session-secret-never-printed-000000003',
  MFA_RESULT_SECRET: 'result-secret-never-printed-0000000004',
};
const environmentId = randomUUID();
const good = {
  PINGONE_ENVIRONMENT_ID: environmentId,
  PINGONE_REGION: 'eu',
  PINGONE_CLIENT_ID: 'client-id-0001',
  MFA_REDIS_URL: 'rediss://default:redis-password-never-printed@cache.example.com:6380',
  ...secrets,
};

const tmp = mkdtempSync(join(tmpdir(), 'config-check-'));
after(() => {
  rmSync(tmp, { recursive: true, force: true });
});

describe('config:check', () => {
  it('prints the effective PingOne configuration without its secrets', async () => {
    const run = await check(good);
    assert.equal(run.code, 0, run.stderr);
    for (const value of [...Object.values(secrets), 'redis-password-never-printed']) {
      assert.ok(!run.stdout.includes(value), `${value} must not be printed`);
      assert.ok(!run.stderr.includes(value), `${value} must not be printed`);
    }
    const lines = run.stdout.trimEnd().split('\n');
    assert.equal(lines.at(-1), `upstream: PingOne region eu, environment ${environmentId}`);
    const printed = JSON.parse(lines.slice(0, -1).join('\n')) as {
      upstream: Record<string, unknown>;
      relay: Record<string, unknown>;
    };
    assert.equal(printed.upstream.clientSecret, '[redacted]');
    assert.equal(printed.upstream.apiBaseUrl, 'https://api.pingone.eu/v1');
    assert.equal(printed.relay.sessionSecret, '[redacted]');
    assert.equal(printed.relay.createUnknownUsers, false);
  });

  it('names explicit base URLs', async () => {
    const run = await check({
      ...good,
      PINGONE_API_URL: 'http://localhost:5173/engine/v1',
      PINGONE_AUTH_URL: 'http://localhost:5173/engine',
    });
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stdout,
      new RegExp(
        `upstream: PingOne http://localhost:5173/engine/v1 http://localhost:5173/engine, environment ${environmentId}\n$`,
      ),
    );
  });

  it('says when the embedded engine is used', async () => {
    const run = await check({});
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /upstream: embedded engine \(no PingOne configured\)\n$/);
    assert.match(run.stdout, /"mountPath": "\/mfa\/v1"/);
  });

  it('reads a --config file, the environment winning', async () => {
    const file = join(tmp, 'settings.json');
    writeFileSync(file, JSON.stringify({ ...good, PINGONE_REGION: 'ca', PORT: 8080 }));
    const run = await check({ PINGONE_REGION: 'sg' }, ['--config', file]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /"port": 8080/);
    assert.match(run.stdout, /upstream: PingOne region sg,/);
    for (const value of Object.values(secrets)) {
      assert.ok(!run.stdout.includes(value), `${value} must not be printed`);
    }
  });

  for (const [name, env, message] of [
    [
      'an unknown region',
      { ...good, PINGONE_REGION: 'us' },
      'PINGONE_REGION: must be one of com, ca, eu, com.au, sg, asia',
    ],
    [
      'a missing PINGONE_CLIENT_SECRET',
      { ...good, PINGONE_CLIENT_SECRET: '' },
      'PINGONE_CLIENT_SECRET: required when PingOne is configured',
    ],
  ] as const) {
    it(`exits 2 on ${name}, explaining on stderr`, async () => {
      const run = await check(env);
      assert.equal(run.code, 2, run.stdout);
      assert.equal(run.stdout, '');
      assert.ok(run.stderr.includes(message), run.stderr);
      for (const value of Object.values(secrets)) {
        assert.ok(!run.stderr.includes(value), `${value} must not be printed`);
      }
    });
  }

  it('exits 2 on an unknown key in the --config file', async () => {
    const file = join(tmp, 'typo.json');
    writeFileSync(file, JSON.stringify({ PINGONE_REGOIN: 'eu' }));
    const run = await check({}, [`--config=${file}`]);
    assert.equal(run.code, 2, run.stdout);
    assert.ok(run.stderr.includes('unknown keys: PINGONE_REGOIN'), run.stderr);
  });
});
