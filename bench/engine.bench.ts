/**
 * Benchmark of the embedded engine's OTP check (`otp.check` through `engine.fetch`), in
 * process, on a temp database file and on `:memory:`. Not a test: `npm run bench:engine`.
 *
 * Setup (not timed): N users, each with one ACTIVE SMS or email device, and one device
 * authentication per timed call, its code read from the outbox. Timed: the `engine.fetch`
 * call of the check and reading its response body, one call at a time.
 *
 * - correct: the right code; every call must answer 200 COMPLETED.
 * - wrong: a wrong code; every call must answer 400 INVALID_OTP. Each authentication takes four
 *   wrong codes (below the lock threshold of five), then an untimed right code resets the
 *   failure counters, as a user who mistypes and then succeeds.
 *
 * Environment: BENCH_DEVICES (default 100), BENCH_ITERATIONS (default 2000), BENCH_WARMUP
 * (default 200).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createEngine, generateKeys, type Engine } from '../src/engine/index.ts';

const DEVICES = positive('BENCH_DEVICES', 100);
const ITERATIONS = positive('BENCH_ITERATIONS', 2000);
const WARMUP = positive('BENCH_WARMUP', 200);
const WRONG_PER_AUTHENTICATION = 4;
const BASE = 'http://engine.bench';
const OTP_CHECK = 'application/vnd.pingidentity.otp.check+json';

function positive(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer`);
  return value;
}

interface Device {
  userId: string;
  recipient: string;
}

interface Pending {
  authId: string;
  code: string;
}

interface Result {
  store: string;
  check: string;
  calls: number;
  samples: number[];
  setupSeconds: number;
}

class Client {
  private bearer = '';
  constructor(readonly engine: Engine) {}

  async start(): Promise<void> {
    const res = await this.engine.fetch(
      new Request(`${BASE}/${this.engine.environmentId}/as/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${this.engine.clientId}:${this.engine.clientSecret}`).toString('base64')}`,
        },
        body: 'grant_type=client_credentials',
      }),
    );
    if (res.status !== 200) throw new Error(`token: ${res.status}`);
    this.bearer = ((await res.json()) as { access_token: string }).access_token;
  }

  request(path: string, body: unknown, type = 'application/json'): Request {
    return new Request(`${BASE}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.bearer}`, 'content-type': type },
      body: JSON.stringify(body),
    });
  }

  async post(
    path: string,
    body: unknown,
    expected: number,
    type?: string,
  ): Promise<Record<string, unknown>> {
    const res = await this.engine.fetch(this.request(path, body, type));
    const json = (await res.json()) as Record<string, unknown>;
    if (res.status !== expected)
      throw new Error(`POST ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  }
}

async function createDevices(client: Client): Promise<Device[]> {
  const env = client.engine.environmentId;
  const devices: Device[] = [];
  for (let i = 0; i < DEVICES; i++) {
    const user = await client.post(
      `/v1/environments/${env}/users`,
      { username: `bench-${i}` },
      201,
    );
    const userId = user.id as string;
    const sms = i % 2 === 0;
    const recipient = sms ? `+1555${String(1_000_000 + i)}` : `bench-${i}@example.com`;
    await client.post(
      `/v1/environments/${env}/users/${userId}/devices`,
      sms
        ? { type: 'SMS', phone: recipient, status: 'ACTIVE' }
        : { type: 'EMAIL', email: recipient, status: 'ACTIVE' },
      201,
    );
    devices.push({ userId, recipient });
  }
  return devices;
}

/** Starts a sign-in on the device's user and reads the code it sent from the outbox table. */
async function prepare(client: Client, device: Device): Promise<Pending> {
  const env = client.engine.environmentId;
  const started = await client.post(
    `/${env}/deviceAuthentications`,
    { user: { id: device.userId } },
    201,
  );
  if (started.status !== 'OTP_REQUIRED')
    throw new Error(`unexpected status ${String(started.status)}`);
  const message = client.engine.context.db
    .prepare('SELECT text FROM outbox WHERE recipient = ? ORDER BY id DESC LIMIT 1')
    .get(device.recipient) as { text: string } | undefined;
  const code = /is ([0-9 ]+)\./.exec(message?.text ?? '')?.[1]?.replace(/ /g, '');
  if (!code) throw new Error(`no code for ${device.recipient}`);
  return { authId: started.id as string, code };
}

/** The i-th device, round robin. */
function pick(devices: Device[], i: number): Device {
  const device = devices[i % devices.length];
  if (!device) throw new Error('no devices');
  return device;
}

const wrongOf = (code: string): string =>
  code.replace(/[0-9]/g, (digit) => String((Number(digit) + 5) % 10));

/** One timed check; returns the elapsed ms and verifies the answer. */
async function timedCheck(
  client: Client,
  pending: Pending,
  otp: string,
  expectStatus: number,
): Promise<number> {
  const request = client.request(
    `/${client.engine.environmentId}/deviceAuthentications/${pending.authId}`,
    { otp },
    OTP_CHECK,
  );
  const started = performance.now();
  const res = await client.engine.fetch(request);
  const text = await res.text();
  const elapsed = performance.now() - started;
  if (res.status !== expectStatus) throw new Error(`otp.check: ${res.status} ${text}`);
  return elapsed;
}

async function benchCorrect(client: Client, devices: Device[]): Promise<Omit<Result, 'store'>> {
  const setupStart = performance.now();
  const pending: Pending[] = [];
  for (let i = 0; i < WARMUP + ITERATIONS; i++)
    pending.push(await prepare(client, pick(devices, i)));
  const setupSeconds = (performance.now() - setupStart) / 1000;

  for (const entry of pending.slice(0, WARMUP)) await timedCheck(client, entry, entry.code, 200);
  const samples: number[] = [];
  for (const entry of pending.slice(WARMUP))
    samples.push(await timedCheck(client, entry, entry.code, 200));
  return { check: 'correct', calls: samples.length, samples, setupSeconds };
}

async function benchWrong(client: Client, devices: Device[]): Promise<Omit<Result, 'store'>> {
  const env = client.engine.environmentId;
  const authentications = Math.ceil((WARMUP + ITERATIONS) / WRONG_PER_AUTHENTICATION);
  const setupStart = performance.now();
  const pending: Pending[] = [];
  for (let i = 0; i < authentications; i++) pending.push(await prepare(client, pick(devices, i)));
  let setupSeconds = (performance.now() - setupStart) / 1000;

  const samples: number[] = [];
  let warm = 0;
  for (const entry of pending) {
    for (let attempt = 0; attempt < WRONG_PER_AUTHENTICATION; attempt++) {
      const elapsed = await timedCheck(client, entry, wrongOf(entry.code), 400);
      if (warm < WARMUP) warm += 1;
      else if (samples.length < ITERATIONS) samples.push(elapsed);
    }
    // Untimed: the right code ends the authentication and resets the failure counters.
    const resetStart = performance.now();
    await client.post(
      `/${env}/deviceAuthentications/${entry.authId}`,
      { otp: entry.code },
      200,
      OTP_CHECK,
    );
    setupSeconds += (performance.now() - resetStart) / 1000;
  }
  return { check: 'wrong', calls: samples.length, samples, setupSeconds };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

async function run(store: 'file' | ':memory:'): Promise<Result[]> {
  const dir = store === 'file' ? mkdtempSync(join(tmpdir(), 'mfa-bench-')) : undefined;
  const engine = createEngine({
    database: dir ? join(dir, 'bench.db') : ':memory:',
    keys: generateKeys(),
    baseUrl: BASE,
    seedDemoToken: false,
  });
  try {
    const client = new Client(engine);
    await client.start();
    const devices = await createDevices(client);
    const correct = await benchCorrect(client, devices);
    const wrong = await benchWrong(client, devices);
    return [
      { store, ...correct },
      { store, ...wrong },
    ];
  } finally {
    engine.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

function table(results: Result[]): string {
  const header = [
    'store',
    'check',
    'calls',
    'checks/s',
    'mean ms',
    'p50 ms',
    'p99 ms',
    'max ms',
    'setup s',
  ];
  const lines = results.map((result) => {
    const sorted = [...result.samples].sort((a, b) => a - b);
    const mean = sorted.reduce((sum, value) => sum + value, 0) / Math.max(1, sorted.length);
    return [
      result.store,
      result.check,
      String(result.calls),
      (1000 / mean).toFixed(0),
      mean.toFixed(3),
      percentile(sorted, 50).toFixed(3),
      percentile(sorted, 99).toFixed(3),
      (sorted.at(-1) ?? Number.NaN).toFixed(3),
      result.setupSeconds.toFixed(1),
    ];
  });
  const widths = header.map((title, column) =>
    Math.max(title.length, ...lines.map((line) => (line[column] ?? '').length)),
  );
  const format = (cells: string[]): string =>
    cells
      .map((cell, column) =>
        column < 2 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0),
      )
      .join('  ');
  return [
    format(header),
    widths.map((width) => '-'.repeat(width)).join('  '),
    ...lines.map(format),
  ].join('\n');
}

const started = performance.now();
const results = [...(await run('file')), ...(await run(':memory:'))];
console.log(
  `engine otp.check: ${DEVICES} devices (${Math.ceil(DEVICES / 2)} SMS, ${Math.floor(DEVICES / 2)} email), ` +
    `${WARMUP} warm-up + ${ITERATIONS} timed calls per row, one at a time; checks/s = 1000 / mean`,
);
console.log(
  `node ${process.version}, ${availableParallelism()} CPU (${cpus()[0]?.model ?? 'unknown'}), file store: WAL, synchronous=FULL`,
);
console.log('');
console.log(table(results));
console.log('');
console.log(`total ${((performance.now() - started) / 1000).toFixed(1)} s`);
