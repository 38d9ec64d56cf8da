/**
 * The platform transport against a loopback HTTP server: requests go out whole, cookies come
 * back, and a hanging upstream is cut off with its socket released.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createPingOneClient, PingOneUnavailableError, platformTransport } from './index.ts';

const ENV = '11111111-2222-4333-8444-555555555555';

let server: Server;
let base = '';
let received: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[];
let closedSockets = 0;

function handle(req: IncomingMessage, res: ServerResponse, body: string): void {
  received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
  if (req.url?.endsWith('/as/token')) {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ access_token: 'tok', token_type: 'Bearer', expires_in: 3600 }));
    return;
  }
  if (req.url?.includes('/hang')) {
    req.socket.on('close', () => {
      closedSockets++;
    });
    return; // never answers
  }
  if (req.url?.endsWith('/devices')) {
    res.writeHead(201, [
      ['Content-Type', 'application/hal+json;charset=UTF-8'],
      ['Set-Cookie', 'ST-MFA-REMEMBER=abc123; Path=/; HttpOnly; Secure'],
      ['Set-Cookie', 'other=1; Path=/'],
    ]);
    res.end(JSON.stringify({ id: 'r-1', type: 'REMEMBER_ME', status: 'ACTIVE' }));
    return;
  }
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ id: 'a-1', status: 'COMPLETED' }));
}

before(async () => {
  received = [];
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks).toString('utf8'));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('platformTransport', () => {
  it('sends method, headers and body, and returns status, body and every Set-Cookie', async () => {
    const transport = platformTransport(1000);
    const response = await transport(
      new Request(`${base}/x/devices`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Test': '1' },
        body: JSON.stringify({ a: 1 }),
      }),
    );
    assert.equal(response.status, 201);
    assert.deepEqual(response.headers.getSetCookie(), [
      'ST-MFA-REMEMBER=abc123; Path=/; HttpOnly; Secure',
      'other=1; Path=/',
    ]);
    assert.deepEqual(await response.json(), { id: 'r-1', type: 'REMEMBER_ME', status: 'ACTIVE' });
    const last = received.at(-1);
    assert.equal(last?.method, 'POST');
    assert.equal(last.headers['x-test'], '1');
    assert.equal(last.body, '{"a":1}');
  });

  it('through the client: a remembered device cookie and an OTP check', async () => {
    const client = createPingOneClient({
      environmentId: ENV,
      clientId: 'id',
      clientSecret: 'secret',
      apiBaseUrl: `${base}/v1`,
      authBaseUrl: base,
    });
    const created = await client.createRememberedDevice('u-1', {
      payloadValue: 'x'.repeat(22),
      policyId: 'p-1',
    });
    assert.equal(created.cookie, 'ST-MFA-REMEMBER=abc123');
    assert.equal((await client.checkOtp('a-1', '123456')).status, 'COMPLETED');
    const check = received.at(-1);
    assert.equal(check?.headers['content-type'], 'application/vnd.pingidentity.otp.check+json');
    assert.equal(check.headers.authorization, 'Bearer tok');
  });

  it('a hanging upstream → timeout, and the socket is released', async () => {
    const before = closedSockets;
    const client = createPingOneClient({
      environmentId: ENV,
      clientId: 'id',
      clientSecret: 'secret',
      // Every management call goes to the hanging path.
      apiBaseUrl: `${base}/hang/v1`,
      authBaseUrl: base,
      timeoutMs: 200,
    });
    const started = performance.now();
    await assert.rejects(client.deleteDevice('u-1', 'd-1'), (error: unknown) => {
      assert.ok(error instanceof PingOneUnavailableError, 'PingOneUnavailableError');
      assert.equal(error.kind, 'timeout');
      return true;
    });
    assert.ok(performance.now() - started < 2000, 'bounded');
    for (let i = 0; i < 50 && closedSockets === before; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(closedSockets, before + 1, 'the socket was closed');
  });
});
