/**
 * Relay overhead on loopback: the product server (relay at `/mfa/v1`, embedded engine at
 * `/engine`, the relay reaching the engine in-process) served over HTTP on 127.0.0.1, and the
 * same operation sent through the relay and straight to the engine. Not a test:
 * `npm run bench:relay`.
 *
 * - otp check: per iteration an untimed start (relay `POST /authentications`, engine
 *   `POST /{env}/deviceAuthentications`) then the TIMED check of the next HOTP code, which must
 *   answer 200 COMPLETED. HOTP tokens, one per virtual user, because TOTP replay protection
 *   allows one successful check per time step.
 * - device list: the TIMED `GET /mfa/v1/devices` (session cookie) and
 *   `GET /engine/v1/environments/{env}/users/{id}/devices` (worker token).
 *
 * Virtual users run sequential loops side by side; each phase runs a warm-up, then a measured
 * window. req/s counts timed requests per second of the measured window (for the OTP check, the
 * untimed start shares the window). The server runs in its own process, as in production, so the
 * load generator does not compete with it for its event loop. With one user the p50 is the
 * unloaded latency; with more, it includes queueing in the server. Exits non-zero only when a
 * request fails.
 *
 * Environment: BENCH_CONCURRENCY (virtual users, a comma-separated list run in turn, default
 * `1,8`), BENCH_SECONDS (default 5), BENCH_WARMUP_SECONDS (default 1), BENCH_SERVER_NODE_ARGS
 * (extra Node flags for the server process, such as `--cpu-prof`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { SignJWT } from 'jose';
import { HOTP, Secret } from 'otpauth';
import { pino } from 'pino';
import { Pool } from 'undici';
import type { RateLimitOptions } from '../src/bff/rate-limits.ts';
import { loadConfig } from '../src/server/config.ts';
import { openRelayKeys } from '../src/server/data-dir.ts';
import { createServer } from '../src/server/server.ts';
import { freePort } from '../test/helpers/free-port.mjs';

const CONCURRENCY = levels('BENCH_CONCURRENCY', '1,8');
const SECONDS = positive('BENCH_SECONDS', 5);
const WARMUP_SECONDS = positive('BENCH_WARMUP_SECONDS', 1);
const TARGET_MS = 1;
const OTP_CHECK = 'application/vnd.pingidentity.otp.check+json';

/** A comma-separated list of virtual-user counts, each run in turn. */
function levels(name: string, fallback: string): number[] {
  const values = (process.env[name] ?? fallback).split(',').map((item) => Number(item.trim()));
  if (values.length === 0 || values.some((value) => !Number.isInteger(value) || value < 1)) {
    throw new Error(`${name} must be a comma-separated list of positive integers`);
  }
  return values;
}

function positive(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
}

// Wide enough that no rule refuses during the run; the rules themselves are still evaluated.
const WIDE = { points: 1_000_000_000, durationSeconds: 3600 };
const BENCH_LIMITS: RateLimitOptions = {
  rules: Object.fromEntries(
    ['send', 'check', 'create', 'session'].flatMap((kind) =>
      ['ip', 'user', 'session', 'device'].map((dimension) => [`${kind}.${dimension}`, WIDE]),
    ),
  ),
};

interface Reply {
  status: number;
  body: Record<string, unknown>;
  text: string;
  setCookies: string[];
}

class BenchFailure extends Error {
  override name = 'BenchFailure';
}

/** A keep-alive connection pool to the server, one connection per virtual user. */
class Http {
  readonly pool: Pool;
  constructor(readonly origin: string) {
    this.pool = new Pool(origin, { connections: Math.max(...CONCURRENCY) + 1, pipelining: 1 });
  }

  async send(
    method: 'GET' | 'POST',
    path: string,
    headers: Record<string, string>,
    body?: string,
  ): Promise<Reply> {
    const response = await this.pool.request({
      method,
      path,
      headers,
      ...(body !== undefined ? { body } : {}),
    });
    const text = await response.body.text();
    const raw = response.headers['set-cookie'];
    const setCookies = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
    let parsed: Record<string, unknown> = {};
    if (text) {
      try {
        parsed = JSON.parse(text) as Record<string, unknown>;
      } catch {
        parsed = {};
      }
    }
    return { status: response.statusCode, body: parsed, text, setCookies };
  }
}

function expect(reply: Reply, status: number, what: string): Reply {
  if (reply.status !== status) {
    throw new BenchFailure(`${what}: expected ${status}, got ${reply.status} ${reply.text}`);
  }
  return reply;
}

function str(body: Record<string, unknown>, key: string): string {
  const value = body[key];
  if (typeof value !== 'string') throw new BenchFailure(`no ${key} in ${JSON.stringify(body)}`);
  return value;
}

/** One virtual user: a HOTP token, an engine user, a relay session cookie. */
interface VirtualUser {
  index: number;
  userId: string;
  serialNumber: string;
  secret: Secret;
  /** The next HOTP counter the engine expects. */
  counter: number;
  cookie: string;
}

function nextCode(user: VirtualUser): string {
  const otp = HOTP.generate({ secret: user.secret, counter: user.counter, digits: 6 });
  user.counter += 1;
  return otp;
}

/** Talks to the relay as a same-origin browser page does. */
class RelayClient {
  constructor(
    readonly http: Http,
    readonly publicOrigin: string,
  ) {}

  async send(user: VirtualUser, method: 'GET' | 'POST', path: string, body?: unknown) {
    const headers: Record<string, string> = { cookie: `__Host-mfa=${user.cookie}` };
    if (method === 'POST') {
      headers.origin = this.publicOrigin;
      headers['x-mfa-csrf'] = '1';
      headers['content-type'] = 'application/json';
    }
    const reply = await this.http.send(
      method,
      `/mfa/v1${path}`,
      headers,
      body === undefined ? undefined : JSON.stringify(body),
    );
    // The cookie is re-sealed on every answer and rotates when MFA completes: keep the newest.
    for (const line of reply.setCookies) {
      const match = /^__Host-mfa=([^;]+)/.exec(line);
      if (match?.[1]) user.cookie = match[1];
    }
    return reply;
  }
}

/** Talks to the engine's PingOne API over HTTP with a worker token. */
class EngineClient {
  private bearer = '';
  constructor(
    readonly http: Http,
    readonly environmentId: string,
  ) {}

  async authorize(clientId: string, clientSecret: string): Promise<void> {
    const reply = expect(
      await this.http.send(
        'POST',
        `/engine/${this.environmentId}/as/token`,
        {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
        },
        'grant_type=client_credentials',
      ),
      200,
      'worker token',
    );
    this.bearer = str(reply.body, 'access_token');
  }

  send(method: 'GET' | 'POST', path: string, body?: unknown, type = 'application/json') {
    const headers: Record<string, string> = { authorization: `Bearer ${this.bearer}` };
    if (body !== undefined) headers['content-type'] = type;
    return this.http.send(
      method,
      `/engine${path}`,
      headers,
      body === undefined ? undefined : JSON.stringify(body),
    );
  }
}

interface Phase {
  samples: number[];
  failures: number;
  firstFailure: string | undefined;
  seconds: number;
}

/**
 * Runs `iteration` in every virtual user's loop: a warm-up, then a measured window. An iteration
 * returns the duration of its timed request in ms; a thrown error counts as a failure and stops
 * that user (its HOTP counter may no longer match).
 */
async function runPhase(
  users: VirtualUser[],
  iteration: (user: VirtualUser) => Promise<number>,
): Promise<Phase> {
  const phase: Phase = { samples: [], failures: 0, firstFailure: undefined, seconds: 0 };
  let measureStart = 0;
  let measureEnd = Number.POSITIVE_INFINITY;
  const loop = async (user: VirtualUser) => {
    for (;;) {
      const began = performance.now();
      if (began >= measureEnd) return;
      try {
        const ms = await iteration(user);
        // Only requests that started and ended inside the window count.
        if (measureStart > 0 && began >= measureStart && performance.now() <= measureEnd) {
          phase.samples.push(ms);
        }
      } catch (error) {
        phase.failures += 1;
        phase.firstFailure ??= error instanceof Error ? error.message : String(error);
        return;
      }
    }
  };
  const running = Promise.all(users.map(loop));
  await new Promise((resolve) => setTimeout(resolve, WARMUP_SECONDS * 1000));
  measureStart = performance.now();
  measureEnd = measureStart + SECONDS * 1000;
  await running;
  phase.seconds = (measureEnd - measureStart) / 1000;
  return phase;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))] ?? Number.NaN;
}

interface Figures {
  perSecond: number;
  p50: number;
  p99: number;
  count: number;
}

function figures(phase: Phase): Figures {
  const sorted = [...phase.samples].sort((a, b) => a - b);
  return {
    perSecond: sorted.length / phase.seconds,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    count: sorted.length,
  };
}

function benchConfig(port: number, dataDir: string) {
  return loadConfig(
    {
      PORT: String(port),
      HOST: '127.0.0.1',
      MFA_DATA_DIR: dataDir,
      MFA_PUBLIC_ORIGIN: `http://localhost:${port}`,
      MFA_LOG_LEVEL: 'silent',
    },
    [],
  );
}

/** The server side (`--serve`): the product server with wide rate limits, until SIGTERM. */
async function serveOnly(): Promise<void> {
  const port = Number(process.env.BENCH_PORT);
  const dataDir = process.env.BENCH_DATA_DIR ?? '';
  const server = await createServer(benchConfig(port, dataDir), pino({ level: 'silent' }), {
    limits: BENCH_LIMITS,
  });
  const listening = serve({ fetch: server.app.fetch, port, hostname: '127.0.0.1' }, () => {
    process.stdout.write('READY\n');
  });
  process.once('SIGTERM', () => {
    listening.close();
    void server.close().finally(() => process.exit(0));
  });
}

/** Extra Node flags for the server process, e.g. `--cpu-prof` to profile it. */
const serverNodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);

/** Starts the server process and resolves once it listens. */
async function startServerProcess(port: number, dataDir: string): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [...serverNodeArgs, '--import', 'tsx', fileURLToPath(import.meta.url), '--serve'],
    {
      env: { ...process.env, BENCH_PORT: String(port), BENCH_DATA_DIR: dataDir },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  process.once('exit', () => child.kill('SIGKILL'));
  await new Promise<void>((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('READY')) resolve();
    });
    child.once('exit', (code) => {
      reject(new Error(`the bench server exited (${String(code)})`));
    });
  });
  return child;
}

async function main(): Promise<number> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'mfa-relay-bench-'));
  const publicOrigin = `http://localhost:${port}`;
  const config = benchConfig(port, dataDir);
  const child = await startServerProcess(port, dataDir);
  const identity = JSON.parse(readFileSync(join(dataDir, 'engine.json'), 'utf8')) as {
    environmentId: string;
    clientId: string;
    clientSecret: string;
  };
  const http = new Http(`http://127.0.0.1:${port}`);

  try {
    const env = identity.environmentId;
    const engine = new EngineClient(http, env);
    const relay = new RelayClient(http, publicOrigin);
    await engine.authorize(identity.clientId, identity.clientSecret);
    const ticketKey = new TextEncoder().encode(openRelayKeys(dataDir).ticketSecret);
    const ticket = (sub: string, purpose: 'signin' | 'enroll') => {
      const iat = Math.floor(Date.now() / 1000);
      return new SignJWT({ purpose })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(sub)
        .setAudience(config.relay.ticket.audience)
        .setIssuedAt(iat)
        .setExpirationTime(iat + 120)
        .setJti(crypto.randomUUID())
        .sign(ticketKey);
    };

    // ---- setup (not timed): users, HOTP tokens, enrollment through the relay, sign-in sessions
    const users: VirtualUser[] = [];
    for (let index = 0; index < Math.max(...CONCURRENCY); index++) {
      const created = expect(
        await engine.send('POST', `/v1/environments/${env}/users`, {
          username: `bench-${index}`,
        }),
        201,
        'create user',
      );
      users.push({
        index,
        userId: str(created.body, 'id'),
        serialNumber: `BENCH-${index}`,
        secret: new Secret({ size: 20 }),
        counter: 0,
        cookie: '',
      });
    }
    expect(
      await engine.send('POST', '/admin/oathTokens', {
        tokens: users.map((user) => ({
          serialNumber: user.serialNumber,
          secret: user.secret.base32,
          type: 'HOTP',
          algorithm: 'SHA1',
          digits: 6,
          counter: 0,
        })),
      }),
      201,
      'import HOTP tokens',
    );
    for (const user of users) {
      expect(
        await relay.send(user, 'POST', '/session', {
          ticket: await ticket(`bench-${user.index}`, 'enroll'),
        }),
        201,
        'enroll session',
      );
      const device = expect(
        await relay.send(user, 'POST', '/devices', {
          type: 'OATH_TOKEN',
          serialNumber: user.serialNumber,
        }),
        201,
        'create OATH_TOKEN device',
      ).body.device as { id: string };
      expect(
        await relay.send(user, 'POST', `/devices/${device.id}/activation`, {
          otp: nextCode(user),
        }),
        200,
        'activate OATH_TOKEN device',
      );
      expect(
        await relay.send(user, 'POST', '/session', {
          ticket: await ticket(`bench-${user.index}`, 'signin'),
        }),
        201,
        'sign-in session',
      );
    }

    // ---- scenarios
    const relayOtp = async (user: VirtualUser): Promise<number> => {
      const started = expect(
        await relay.send(user, 'POST', '/authentications', {}),
        201,
        'relay start',
      );
      if (started.body.status !== 'OTP_REQUIRED') {
        throw new BenchFailure(`relay start: ${started.text}`);
      }
      const handle = str(started.body, 'id');
      const otp = nextCode(user);
      const t0 = performance.now();
      const checked = await relay.send(user, 'POST', `/authentications/${handle}/otp`, { otp });
      const ms = performance.now() - t0;
      expect(checked, 200, 'relay otp check');
      if (checked.body.status !== 'COMPLETED') {
        throw new BenchFailure(`relay otp check: ${checked.text}`);
      }
      return ms;
    };
    const engineOtp = async (user: VirtualUser): Promise<number> => {
      const started = expect(
        await engine.send('POST', `/${env}/deviceAuthentications`, { user: { id: user.userId } }),
        201,
        'engine start',
      );
      if (started.body.status !== 'OTP_REQUIRED') {
        throw new BenchFailure(`engine start: ${started.text}`);
      }
      const id = str(started.body, 'id');
      const otp = nextCode(user);
      const t0 = performance.now();
      const checked = await engine.send(
        'POST',
        `/${env}/deviceAuthentications/${id}`,
        { otp },
        OTP_CHECK,
      );
      const ms = performance.now() - t0;
      expect(checked, 200, 'engine otp check');
      if (checked.body.status !== 'COMPLETED') {
        throw new BenchFailure(`engine otp check: ${checked.text}`);
      }
      return ms;
    };
    const relayDevices = async (user: VirtualUser): Promise<number> => {
      const t0 = performance.now();
      const reply = await relay.send(user, 'GET', '/devices');
      const ms = performance.now() - t0;
      expect(reply, 200, 'relay device list');
      return ms;
    };
    const engineDevices = async (user: VirtualUser): Promise<number> => {
      const t0 = performance.now();
      const reply = await engine.send(
        'GET',
        `/v1/environments/${env}/users/${user.userId}/devices`,
      );
      const ms = performance.now() - t0;
      expect(reply, 200, 'engine device list');
      return ms;
    };

    type Iteration = (user: VirtualUser) => Promise<number>;
    const scenarios: [name: string, viaRelay: Iteration, direct: Iteration][] = [
      ['otp check', relayOtp, engineOtp],
      ['device list', relayDevices, engineDevices],
    ];

    const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
    process.stdout.write(
      `relay bench: ${WARMUP_SECONDS} s warm-up + ${SECONDS} s per phase, ` +
        `Node ${process.version}, ${availableParallelism()} × ${cpu}\n`,
    );
    const cell = (value: string, width: number) => value.padEnd(width);
    const num = (value: number, digits: number) => value.toFixed(digits);
    const signed = (value: number) => `${value >= 0 ? '+' : ''}${num(value, 2)}`;

    let failures = 0;
    const verdicts: string[] = [];
    for (const concurrency of CONCURRENCY) {
      const active = users.slice(0, concurrency);
      process.stdout.write(
        `\n${concurrency} virtual user(s)\n` +
          `${cell('scenario', 16)}${cell('path', 9)}${cell('req/s', 10)}${cell('p50 ms', 10)}${cell('p99 ms', 10)}timed\n`,
      );
      for (const [name, viaRelay, direct] of scenarios) {
        const relayPhase = await runPhase(active, viaRelay);
        const enginePhase = await runPhase(active, direct);
        for (const [path, phase] of [
          ['relay', relayPhase],
          ['engine', enginePhase],
        ] as const) {
          const f = figures(phase);
          process.stdout.write(
            `${cell(name, 16)}${cell(path, 9)}${cell(num(f.perSecond, 0), 10)}${cell(num(f.p50, 2), 10)}${cell(num(f.p99, 2), 10)}${f.count}\n`,
          );
          if (phase.failures > 0) {
            failures += phase.failures;
            process.stdout.write(
              `  ${phase.failures} failed request(s); first: ${phase.firstFailure ?? '?'}\n`,
            );
          }
        }
        const r = figures(relayPhase);
        const e = figures(enginePhase);
        const overhead = r.p50 - e.p50;
        process.stdout.write(
          `${cell(name, 16)}${cell('ratio', 9)}${cell(num(r.perSecond / e.perSecond, 2), 10)}` +
            `${signed(overhead)} ms (p50 overhead), ${signed(r.p99 - e.p99)} ms (p99)\n`,
        );
        verdicts.push(
          `${name}, ${concurrency} user(s): p50 overhead ${signed(overhead)} ms — ` +
            `${overhead <= TARGET_MS ? 'within' : 'OVER'} the ≤ ${TARGET_MS} ms target`,
        );
      }
    }
    process.stdout.write(`\n${verdicts.join('\n')}\n`);
    if (failures > 0) {
      process.stdout.write(`${failures} request(s) failed in the timed part.\n`);
      return 1;
    }
    return 0;
  } finally {
    await http.pool.close();
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (process.argv.includes('--serve')) await serveOnly();
else process.exitCode = await main();
