/**
 * A configured PingOne is the only upstream: when it cannot be reached the relay reports itself
 * unready and fails closed; the embedded engine is never started in its place.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import { loadConfig } from '../../src/server/config.ts';
import { createServer } from '../../src/server/server.ts';
import { signTicket } from '../../src/server/host-ticket.ts';

describe('PingOne configured but unreachable', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mfa-pingone-'));
  after(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });
  const ticketSecret = randomBytes(32).toString('base64url');
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const config = loadConfig({
    MFA_DATA_DIR: dataDir,
    // Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    PINGONE_ENVIRONMENT_ID: '6a1f1c9e-8a55-4a2b-9d3e-0c4a1b2c3d4e',
    PINGONE_API_URL: 'http://127.0.0.1:9/v1',
    PINGONE_AUTH_URL: 'http://127.0.0.1:9',
    PINGONE_CLIENT_ID: 'relay-worker',
    PINGONE_CLIENT_SECRET: randomBytes(24).toString('base64url'),
    MFA_TICKET_SECRET: ticketSecret,
    MFA_SESSION_SECRET: randomBytes(32).toString('base64url'),
    MFA_RESULT_PRIVATE_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  });

  it('reports unready, never serves the engine, and answers 502 instead of falling back', async () => {
    assert.equal(config.upstream.kind, 'pingone');
    const server = await createServer(config, pino({ level: 'silent' }));
    try {
      assert.equal(server.engine, undefined, 'no engine is started');
      assert.deepEqual(readdirSync(dataDir), [], 'nothing of the engine is written');

      const ready = await server.app.request('/mfa/readyz');
      assert.equal(ready.status, 503);
      assert.deepEqual(await ready.json(), { status: 'unavailable' });
      const live = await server.app.request('/mfa/healthz');
      assert.equal(live.status, 200, 'the process itself is alive');

      const engineRoute = await server.app.request('/engine/outbox');
      assert.equal(engineRoute.status, 404, 'no engine under /engine');

      const ticket = await signTicket({ secret: ticketSecret, sub: 'ada', purpose: 'signin' });
      const session = await server.app.request('/mfa/v1/session', {
        method: 'POST',
        headers: {
          origin: 'http://localhost:5173',
          'x-mfa-csrf': '1',
          'content-type': 'application/json',
        },
        body: JSON.stringify({ ticket }),
      });
      assert.equal(session.status, 502);
      const body = (await session.json()) as { error: { code: string } };
      assert.equal(body.error.code, 'UPSTREAM_UNAVAILABLE');
      assert.equal(session.headers.get('set-cookie'), null, 'no session without the upstream');
    } finally {
      await server.close();
    }
  });
});
