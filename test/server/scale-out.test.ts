/**
 * Two relay instances sharing their keys and a Redis server behave as one (ARCHITECTURE.md,
 * "Scaling out"): a ticket spent at one is spent at both, a session opened at one works at the
 * other, a session ended at one is ended at both, and rate limits count across both.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { loadConfig, type ServerConfig } from '../../src/server/config.ts';
import { openRelayKeys } from '../../src/server/data-dir.ts';
import { signTicket } from '../../src/server/host-ticket.ts';
import { createServer, type MfaServer } from '../../src/server/server.ts';
import { startRedisServer, type RedisServer } from '../helpers/redis-server.ts';

const ORIGIN = 'http://localhost:5173';

describe('two relay instances behind one load balancer', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mfa-scale-'));
  let redis: RedisServer;
  let config: ServerConfig;
  let first: MfaServer;
  let second: MfaServer;

  before(async () => {
    redis = await startRedisServer();
    config = loadConfig({ MFA_DATA_DIR: dataDir, MFA_REDIS_URL: redis.url });
    first = await createServer(config, pino({ level: 'silent' }));
    second = await createServer(config, pino({ level: 'silent' }));
  });
  after(async () => {
    await first.close();
    await second.close();
    await redis.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const ticket = (sub: string) =>
    signTicket({
      secret: openRelayKeys(dataDir).ticketSecret,
      sub,
      purpose: 'signin',
      audience: config.relay.ticket.audience,
    });

  async function post(server: MfaServer, path: string, body: unknown, cookie?: string) {
    return server.app.request(`/mfa/v1${path}`, {
      method: 'POST',
      headers: {
        origin: ORIGIN,
        'x-mfa-csrf': '1',
        'content-type': 'application/json',
        ...(cookie !== undefined ? { cookie } : {}),
      },
      body: JSON.stringify(body),
    });
  }

  const cookieOf = (response: Response): string =>
    (response.headers.getSetCookie().find((c) => c.startsWith('__Host-mfa=')) ?? '').split(
      ';',
    )[0] ?? '';

  it('shares spent tickets, sessions and ended sessions', async () => {
    const minted = await ticket('zoe');
    const opened = await post(first, '/session', { ticket: minted });
    assert.equal(opened.status, 201, await opened.text());
    const cookie = cookieOf(opened);
    assert.match(cookie, /^__Host-mfa=v1\./);

    const replayed = await post(second, '/session', { ticket: minted });
    assert.equal(replayed.status, 401);
    assert.equal(
      ((await replayed.json()) as { error: { code: string } }).error.code,
      'TICKET_REPLAYED',
    );

    const read = await second.app.request('/mfa/v1/session', { headers: { cookie } });
    assert.equal(read.status, 200, 'a session sealed by one instance opens at the other');

    const ended = await first.app.request('/mfa/v1/session', {
      method: 'DELETE',
      headers: { origin: ORIGIN, 'x-mfa-csrf': '1', cookie },
    });
    assert.equal(ended.status, 204);
    const stale = await second.app.request('/mfa/v1/session', { headers: { cookie } });
    assert.equal(stale.status, 401, 'ended at one instance, ended at both');
  });

  it('counts rate limits across instances', async () => {
    // 30 session requests a minute per client address (both instances see the same in-process
    // address); the previous test made two of them, one at each instance.
    let opened = 0;
    let refused: Response | undefined;
    for (let index = 0; index < 40 && !refused; index++) {
      const server = index % 2 === 0 ? first : second;
      const response = await post(server, '/session', { ticket: await ticket(`user-${index}`) });
      if (response.status === 201) opened++;
      else refused = response;
    }
    assert.ok(refused, 'a session was refused');
    assert.equal(refused.status, 429);
    assert.equal(opened, 28, 'exactly 30 session requests across both instances');
    assert.ok(Number(refused.headers.get('retry-after')) >= 1, 'Retry-After');
  });
});
