/**
 * Concurrency (security-bar.md R-BFF-9; §4 cases 43–45 and 44): a code, a challenge and the
 * failure counters are consumed and updated atomically.
 *
 * - In-process: several requests at once on one engine (`Promise.all`).
 * - Across threads: worker threads, each with its own engine and connection on the same
 *   database file, released together by a SharedArrayBuffer barrier. This is the case the
 *   engine's `BEGIN IMMEDIATE` transactions exist for.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { Worker } from 'node:worker_threads';
import { generateKeys, type EngineKeys } from '../../src/engine/index.ts';
import { MIGRATIONS } from '../../src/engine/store/migrations.ts';
import { assertError, Harness, MEDIA, totpCode, type Reply } from '../helpers/engine-harness.ts';
import {
  assertionToPing,
  pingCreationToJson,
  pingRequestToJson,
  registrationToPing,
} from '../../src/pingone/fido2.ts';
import { SoftAuthenticator } from '../helpers/soft-authenticator.ts';
import type {
  FromWorker,
  Outcome,
  Submission,
  ToWorker,
  WorkerSetup,
} from './fixtures/engine-worker.ts';

const ORIGIN = 'http://localhost:5173';
const BOOTSTRAP = new URL('./fixtures/worker-bootstrap.mjs', import.meta.url);
const WORKER_ENTRY = new URL('./fixtures/engine-worker.ts', import.meta.url).href;

/** A reply reduced to what the tests compare: status, body. */
interface Answer {
  status: number;
  body: Record<string, unknown>;
}

// ---------------------------------------------------------------------------------------------
// Scenario helpers (main thread, through the harness)

let phoneCounter = 0;
/** A fresh E.164 number per call, so PingOne's 50-a-day limit per recipient never applies. */
function freshPhone(): string {
  phoneCounter += 1;
  return `+1555${String(process.pid % 1000).padStart(3, '0')}${String(phoneCounter).padStart(4, '0')}`;
}

/** A user with one ACTIVE SMS device (pre-paired by the worker, as PingOne allows). */
async function smsUser(h: Harness): Promise<{ userId: string; deviceId: string; phone: string }> {
  const userId = await h.createUser();
  const phone = freshPhone();
  const device = await h.post(h.api(`/users/${userId}/devices`), {
    body: { type: 'SMS', phone, status: 'ACTIVE' },
  });
  assert.equal(device.status, 201, device.text);
  return { userId, deviceId: device.body.id as string, phone };
}

/** Starts a device authentication; the user's only device is selected on its own. */
async function startAuthentication(h: Harness, userId: string, expected: string): Promise<Reply> {
  const res = await h.post(h.auth('/deviceAuthentications'), { body: { user: { id: userId } } });
  assert.equal(res.status, 201, res.text);
  assert.equal(res.body.status, expected, res.text);
  return res;
}

/** An SMS sign-in waiting for its code: the authentication id and the code from the outbox. */
async function smsChallenge(
  h: Harness,
): Promise<{ userId: string; deviceId: string; authId: string; code: string }> {
  const { userId, deviceId, phone } = await smsUser(h);
  const started = await startAuthentication(h, userId, 'OTP_REQUIRED');
  return { userId, deviceId, authId: started.body.id as string, code: await h.lastCode(phone) };
}

/** The code in the latest message to a recipient, read from the outbox table. */
function lastCodeInDb(h: Harness, recipient: string): string {
  const text = String(
    row(h, 'SELECT text FROM outbox WHERE recipient = ? ORDER BY id DESC LIMIT 1', recipient).text,
  );
  const code = /is ([0-9]{6,10})\./.exec(text)?.[1];
  assert.ok(code, `no code in ${text}`);
  return code;
}

const otpCheck = (h: Harness, authId: string, otp: string): Submission => ({
  path: h.auth(`/deviceAuthentications/${authId}`),
  type: MEDIA.otpCheck,
  body: { otp },
});

async function submitInProcess(h: Harness, submission: Submission): Promise<Answer> {
  const res = await h.post(submission.path, { type: submission.type, body: submission.body });
  return { status: res.status, body: res.body };
}

const detail = (answer: Answer): Record<string, unknown> | undefined =>
  (answer.body.details as Record<string, unknown>[] | undefined)?.[0];

/** Exactly one COMPLETED; every other answer a 400 of the expected kind, never a 5xx. */
function assertExactlyOneSuccess(
  answers: Answer[],
  loserCodes: readonly string[],
  what: string,
): void {
  const winners = answers.filter((answer) => answer.status === 200);
  assert.equal(winners.length, 1, `${what}: ${JSON.stringify(answers)}`);
  assert.equal(winners[0]?.body.status, 'COMPLETED', what);
  for (const loser of answers.filter((answer) => answer.status !== 200)) {
    assert.equal(loser.status, 400, `${what}: ${JSON.stringify(loser.body)}`);
    assert.ok(
      loserCodes.includes(String(detail(loser)?.code)),
      `${what}: unexpected loser ${JSON.stringify(loser.body)}`,
    );
  }
}

/** The one row a query must find. */
function row(h: Harness, sql: string, ...params: (string | number)[]): Record<string, unknown> {
  const found = h.engine.context.db.prepare(sql).get(...params) as
    Record<string, unknown> | undefined;
  assert.ok(found, `no row for ${sql}`);
  return found;
}

/** A user with an ACTIVE TOTP device, activated at the harness clock; returns the seed. */
async function totpUser(h: Harness): Promise<{ userId: string; deviceId: string; secret: string }> {
  const userId = await h.createUser();
  const created = await h.post(h.api(`/users/${userId}/devices`), { body: { type: 'TOTP' } });
  assert.equal(created.status, 201, created.text);
  const secret = created.body.secret as string;
  const deviceId = created.body.id as string;
  const activated = await h.post(h.api(`/users/${userId}/devices/${deviceId}`), {
    type: MEDIA.activate,
    body: { otp: totpCode(secret, h.clock.ms) },
  });
  assert.equal(activated.status, 200, activated.text);
  return { userId, deviceId, secret };
}

/** A user with an ACTIVE FIDO2 device registered by a software authenticator. */
async function fido2User(
  h: Harness,
): Promise<{ userId: string; deviceId: string; authenticator: SoftAuthenticator }> {
  const userId = await h.createUser();
  const created = await h.post(h.api(`/users/${userId}/devices`), { body: { type: 'FIDO2' } });
  assert.equal(created.status, 201, created.text);
  const deviceId = created.body.id as string;
  const authenticator = new SoftAuthenticator();
  const attestation = authenticator.create(
    pingCreationToJson(created.body.publicKeyCredentialCreationOptions as string),
    ORIGIN,
  );
  const activated = await h.post(h.api(`/users/${userId}/devices/${deviceId}`), {
    type: MEDIA.activate,
    body: { origin: ORIGIN, attestation: registrationToPing(attestation) },
  });
  assert.equal(activated.status, 200, activated.text);
  assert.equal(activated.body.status, 'ACTIVE');
  return { userId, deviceId, authenticator };
}

/** A FIDO2 sign-in waiting for its assertion, and a valid assertion for it. */
async function fido2Challenge(
  h: Harness,
  userId: string,
  authenticator: SoftAuthenticator,
): Promise<Submission> {
  const started = await startAuthentication(h, userId, 'ASSERTION_REQUIRED');
  const options = pingRequestToJson(started.body.publicKeyCredentialRequestOptions as string);
  const assertion = assertionToPing(authenticator.get(options, ORIGIN));
  return {
    path: h.auth(`/deviceAuthentications/${started.body.id as string}`),
    type: MEDIA.assertionCheck,
    body: { origin: ORIGIN, assertion },
  };
}

/** What a wrong-code answer says, in a form that does not depend on order or timing. */
function shape(answer: Answer): string {
  const first = detail(answer);
  const inner = first?.innerError as Record<string, unknown> | undefined;
  return [
    answer.status,
    answer.body.code,
    first?.code,
    `remaining=${String(inner?.attemptsRemaining)}`,
    inner?.lockExpiresAt === undefined ? 'no-lock-time' : 'lock-time',
  ].join(' ');
}

interface CounterState {
  failures: number;
  total_failures: number;
  locked: boolean;
  user_failures: number;
  otp_hash_cleared: boolean;
}

function counters(h: Harness, deviceId: string, authId: string): CounterState {
  const device = row(
    h,
    'SELECT failures, total_failures, locked_until, user_id FROM devices WHERE id = ?',
    deviceId,
  );
  const user = row(h, 'SELECT failures FROM users WHERE id = ?', String(device.user_id));
  const auth = row(h, 'SELECT otp_hash FROM device_authentications WHERE id = ?', authId);
  return {
    failures: Number(device.failures),
    total_failures: Number(device.total_failures),
    locked: typeof device.locked_until === 'number' && device.locked_until > h.clock.ms,
    user_failures: Number(user.failures),
    otp_hash_cleared: auth.otp_hash === null,
  };
}

const WRONG_CODES = 20;

/** The reference: 20 wrong codes one after the other, on a fresh SMS sign-in. */
async function sequentialWrongCodes(
  h: Harness,
): Promise<{ shapes: string[]; state: CounterState }> {
  const { deviceId, authId, code } = await smsChallenge(h);
  const wrong = code === '000000' ? '111111' : '000000';
  const answers: Answer[] = [];
  for (let i = 0; i < WRONG_CODES; i++)
    answers.push(await submitInProcess(h, otpCheck(h, authId, wrong)));
  return { shapes: answers.map(shape).sort(), state: counters(h, deviceId, authId) };
}

function assertLockedOnce(shapes: string[], state: CounterState): void {
  // Four misses count down, the fifth engages the cool-down, the other fifteen meet the lock.
  assert.deepEqual(
    shapes.filter((entry) => entry.startsWith('400')),
    [
      '400 INVALID_DATA INVALID_OTP remaining=0 lock-time',
      '400 INVALID_DATA INVALID_OTP remaining=1 no-lock-time',
      '400 INVALID_DATA INVALID_OTP remaining=2 no-lock-time',
      '400 INVALID_DATA INVALID_OTP remaining=3 no-lock-time',
      '400 INVALID_DATA INVALID_OTP remaining=4 no-lock-time',
    ],
  );
  assert.equal(
    shapes.filter((entry) => entry === '429 REQUEST_LIMITED DEVICE_LOCKED remaining=0 lock-time')
      .length,
    15,
  );
  assert.deepEqual(state, {
    failures: 0,
    total_failures: 5,
    locked: true,
    user_failures: 5,
    otp_hash_cleared: true,
  });
}

// ---------------------------------------------------------------------------------------------
// In-process

describe('in-process: simultaneous requests on one engine', () => {
  it('the same correct SMS code twice at once → exactly one COMPLETED (1,000 runs)', async () => {
    const h = await Harness.start({ seedDemoToken: false });
    try {
      const { userId, phone } = await smsUser(h);
      for (let run = 0; run < 1000; run++) {
        if (run % 40 === 0 && run > 0) {
          // Past PingOne's 50 messages a day to one recipient: the next day starts.
          h.clock.advance(25 * 3_600_000);
          h.token = await h.fetchToken();
        }
        const started = await startAuthentication(h, userId, 'OTP_REQUIRED');
        const authId = started.body.id as string;
        const submission = otpCheck(h, authId, lastCodeInDb(h, phone));
        const answers = await Promise.all([
          submitInProcess(h, submission),
          submitInProcess(h, submission),
        ]);
        assertExactlyOneSuccess(answers, ['INVALID_STATE'], `run ${run}`);
        assert.equal(
          row(h, 'SELECT status FROM device_authentications WHERE id = ?', authId).status,
          'COMPLETED',
        );
      }
    } finally {
      h.close();
    }
  });

  it('the same TOTP code on two sign-ins at once → exactly one COMPLETED, the other OTP_REPLAYED (300 runs)', async () => {
    const h = await Harness.start({ seedDemoToken: false });
    try {
      const { userId, deviceId, secret } = await totpUser(h);
      for (let run = 0; run < 300; run++) {
        h.clock.advance(30_000);
        if (run % 100 === 0) h.token = await h.fetchToken();
        const first = await startAuthentication(h, userId, 'OTP_REQUIRED');
        const second = await startAuthentication(h, userId, 'OTP_REQUIRED');
        const code = totpCode(secret, h.clock.ms);
        const answers = await Promise.all([
          submitInProcess(h, otpCheck(h, first.body.id as string, code)),
          submitInProcess(h, otpCheck(h, second.body.id as string, code)),
        ]);
        assertExactlyOneSuccess(answers, ['OTP_REPLAYED'], `run ${run}`);
        assert.equal(
          row(h, 'SELECT last_step FROM devices WHERE id = ?', deviceId).last_step,
          Math.floor(h.clock.ms / 30_000),
        );
      }
    } finally {
      h.close();
    }
  });

  it('20 wrong codes at once → the counters move exactly as if sequential, and the lock engages once', async () => {
    const h = await Harness.start({ seedDemoToken: false });
    try {
      const reference = await sequentialWrongCodes(h);
      assertLockedOnce(reference.shapes, reference.state);

      const { deviceId, authId, code } = await smsChallenge(h);
      const wrong = code === '000000' ? '111111' : '000000';
      const locksBefore = h.events.filter((event) => event.event === 'device.locked').length;
      const answers = await Promise.all(
        Array.from({ length: WRONG_CODES }, () => submitInProcess(h, otpCheck(h, authId, wrong))),
      );
      const shapes = answers.map(shape).sort();
      assert.deepEqual(shapes, reference.shapes);
      assert.deepEqual(counters(h, deviceId, authId), reference.state);
      assert.equal(
        h.events.filter((event) => event.event === 'device.locked').length - locksBefore,
        1,
      );
      // Even the right code is refused now.
      assertError(
        await h.post(h.auth(`/deviceAuthentications/${authId}`), {
          type: MEDIA.otpCheck,
          body: { otp: code },
        }),
        429,
        'REQUEST_LIMITED',
        'DEVICE_LOCKED',
      );
    } finally {
      h.close();
    }
  });

  it('the same FIDO2 assertion twice at once → exactly one success (50 runs)', async () => {
    const h = await Harness.start({ seedDemoToken: false });
    try {
      const { userId, deviceId, authenticator } = await fido2User(h);
      for (let run = 0; run < 50; run++) {
        const submission = await fido2Challenge(h, userId, authenticator);
        const answers = await Promise.all([
          submitInProcess(h, submission),
          submitInProcess(h, submission),
        ]);
        assertExactlyOneSuccess(answers, ['INVALID_STATE'], `run ${run}`);
      }
      // The signature counter moved once per success, never twice for one assertion.
      assert.equal(row(h, 'SELECT sign_count FROM devices WHERE id = ?', deviceId).sign_count, 50);
    } finally {
      h.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Across worker threads

/** Waits for the next message from a worker; an error or exit rejects. */
function nextMessage(worker: Worker, timeoutMs = 30_000): Promise<FromWorker> {
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      clearTimeout(timer);
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    const onMessage = (message: FromWorker): void => {
      cleanup();
      resolve(message);
    };
    const onError = (error: Error): void => {
      cleanup();
      reject(error);
    };
    const onExit = (code: number): void => {
      cleanup();
      reject(new Error(`worker exited with code ${code}`));
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error('worker did not answer in time'));
    }, timeoutMs);
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
  });
}

function spawnWorker(setup: WorkerSetup): Worker {
  return new Worker(BOOTSTRAP, { workerData: setup });
}

/** Threads started together; each with its own engine on one file when `engine` is given. */
class WorkerPool {
  private round = 0;
  private constructor(private readonly workers: Worker[]) {}

  static async start(count: number, engine?: WorkerSetup['engine']): Promise<WorkerPool> {
    const barrier = new SharedArrayBuffer(8);
    const workers = Array.from({ length: count }, () =>
      spawnWorker({ entry: WORKER_ENTRY, barrier, parties: count, ...(engine ? { engine } : {}) }),
    );
    const ready = await Promise.all(workers.map((worker) => nextMessage(worker, 60_000)));
    for (const message of ready) assert.equal(message.kind, 'ready', JSON.stringify(message));
    return new WorkerPool(workers);
  }

  /** Gives worker i the requests `perWorker[i]`; all workers send theirs at the same moment. */
  async run(now: number, perWorker: Submission[][]): Promise<Outcome[][]> {
    assert.equal(perWorker.length, this.workers.length);
    const round = this.round++;
    const messages = await this.exchange((index) => ({
      kind: 'round',
      round,
      now,
      requests: perWorker[index] ?? [],
    }));
    return messages.map((message) => {
      if (message.kind !== 'results') throw new Error(`worker: ${JSON.stringify(message)}`);
      assert.equal(message.round, round);
      return message.outcomes;
    });
  }

  /** Every worker opens an engine on `database` at the same moment; worker i with `keys[i]`. */
  async open(
    database: string,
    keys: readonly EngineKeys[],
    environmentId?: string,
  ): Promise<FromWorker[]> {
    const barrier = new SharedArrayBuffer(8);
    return this.exchange((index) => {
      const own = keys[index % keys.length];
      assert.ok(own);
      return {
        kind: 'open',
        database,
        keys: { pepper: own.pepper, seal: own.seal, token: own.token },
        ...(environmentId !== undefined ? { environmentId } : {}),
        barrier,
      };
    });
  }

  private async exchange(message: (index: number) => ToWorker): Promise<FromWorker[]> {
    const replies = this.workers.map((worker) => nextMessage(worker));
    this.workers.forEach((worker, index) => {
      worker.postMessage(message(index));
    });
    return Promise.all(replies);
  }

  async close(): Promise<void> {
    await Promise.all(
      this.workers.map(
        (worker) =>
          new Promise<void>((resolve) => {
            worker.once('exit', () => {
              resolve();
            });
            worker.postMessage({ kind: 'close' } satisfies ToWorker);
            setTimeout(() => void worker.terminate(), 5_000).unref();
          }),
      ),
    );
  }
}

/** Whether the engine calls of one round overlapped in time (so the race really happened). */
function overlapped(outcomes: Outcome[]): boolean {
  const latestStart = Math.max(...outcomes.map((outcome) => outcome.started));
  const earliestEnd = Math.min(...outcomes.map((outcome) => outcome.ended));
  return latestStart < earliestEnd;
}

describe('across worker threads: one database file, one engine per thread', () => {
  let dir = '';
  let h: Harness;
  let pool: WorkerPool;
  let keys: EngineKeys;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mfa-concurrency-'));
    keys = generateKeys();
    const identity = {
      environmentId: randomUUID(),
      clientId: randomUUID(),
      clientSecret: 'worker-secret-for-tests',
    };
    h = await Harness.start({
      database: join(dir, 'engine.db'),
      keys,
      seedDemoToken: false,
      ...identity,
    });
    pool = await WorkerPool.start(2, {
      database: join(dir, 'engine.db'),
      keys: { pepper: keys.pepper, seal: keys.seal, token: keys.token },
      baseUrl: 'http://engine.test',
      now: h.clock.ms,
      ...identity,
    });
  });

  after(async () => {
    await pool.close();
    h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the same correct code for one authentication from two threads → exactly one 200 (60 rounds)', async (t: TestContext) => {
    let overlaps = 0;
    for (let round = 0; round < 60; round++) {
      const { authId, code } = await smsChallenge(h);
      const submission = otpCheck(h, authId, code);
      const outcomes = (await pool.run(h.clock.ms, [[submission], [submission]])).flat();
      if (overlapped(outcomes)) overlaps += 1;
      assertExactlyOneSuccess(outcomes, ['INVALID_STATE'], `round ${round}`);
      assert.equal(
        row(h, 'SELECT status FROM device_authentications WHERE id = ?', authId).status,
        'COMPLETED',
      );
    }
    t.diagnostic(`engine calls overlapped in ${overlaps} of 60 rounds`);
    assert.ok(overlaps > 0, 'the two threads never raced');
  });

  it('the same TOTP code on two authentications from two threads → exactly one 200 (50 rounds)', async (t: TestContext) => {
    const { userId, deviceId, secret } = await totpUser(h);
    let overlaps = 0;
    for (let round = 0; round < 50; round++) {
      h.clock.advance(30_000);
      h.token = await h.fetchToken();
      const first = await startAuthentication(h, userId, 'OTP_REQUIRED');
      const second = await startAuthentication(h, userId, 'OTP_REQUIRED');
      const code = totpCode(secret, h.clock.ms);
      const outcomes = (
        await pool.run(h.clock.ms, [
          [otpCheck(h, first.body.id as string, code)],
          [otpCheck(h, second.body.id as string, code)],
        ])
      ).flat();
      if (overlapped(outcomes)) overlaps += 1;
      assertExactlyOneSuccess(outcomes, ['OTP_REPLAYED'], `round ${round}`);
      assert.equal(
        row(h, 'SELECT last_step FROM devices WHERE id = ?', deviceId).last_step,
        Math.floor(h.clock.ms / 30_000),
      );
    }
    t.diagnostic(`engine calls overlapped in ${overlaps} of 50 rounds`);
    assert.ok(overlaps > 0, 'the two threads never raced');
  });

  it('20 wrong codes from two threads at once → the counters move exactly as if sequential', async () => {
    const reference = await sequentialWrongCodes(h);
    assertLockedOnce(reference.shapes, reference.state);

    const { deviceId, authId, code } = await smsChallenge(h);
    const wrong = code === '000000' ? '111111' : '000000';
    const half = Array.from({ length: WRONG_CODES / 2 }, () => otpCheck(h, authId, wrong));
    const outcomes = (await pool.run(h.clock.ms, [half, half])).flat();
    assert.equal(outcomes.length, WRONG_CODES);
    const shapes = outcomes.map(shape).sort();
    assert.deepEqual(shapes, reference.shapes);
    assert.deepEqual(counters(h, deviceId, authId), reference.state);
  });

  it('the same FIDO2 assertion from two threads → exactly one success (25 rounds)', async (t: TestContext) => {
    const { userId, deviceId, authenticator } = await fido2User(h);
    let overlaps = 0;
    for (let round = 0; round < 25; round++) {
      const submission = await fido2Challenge(h, userId, authenticator);
      const outcomes = (await pool.run(h.clock.ms, [[submission], [submission]])).flat();
      if (overlapped(outcomes)) overlaps += 1;
      assertExactlyOneSuccess(outcomes, ['INVALID_STATE'], `round ${round}`);
    }
    t.diagnostic(`engine calls overlapped in ${overlaps} of 25 rounds`);
    assert.equal(row(h, 'SELECT sign_count FROM devices WHERE id = ?', deviceId).sign_count, 25);
  });
});

describe('across worker threads: first start on a new file', () => {
  const THREADS = 4;
  let dir = '';
  let openers: WorkerPool;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'mfa-first-open-'));
    openers = await WorkerPool.start(THREADS);
  });

  after(async () => {
    await openers.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('four threads opening one new file at once all start; it is migrated and seeded once, with one environment id', async () => {
    const keys = generateKeys();
    for (let attempt = 0; attempt < 60; attempt++) {
      const database = join(dir, `fresh-${attempt}.db`);
      const replies = await openers.open(database, [keys]);
      const failures = replies.flatMap((reply) =>
        reply.kind === 'opened' ? [] : [JSON.stringify(reply)],
      );
      assert.deepEqual(failures, [], `attempt ${attempt}`);
      const environments = new Set(
        replies.map((reply) => (reply.kind === 'opened' ? reply.environmentId : '')),
      );
      assert.equal(
        environments.size,
        1,
        `attempt ${attempt}: environment ids ${[...environments].join(', ')}`,
      );

      // Reopen in this thread: one schema version, one set of seeded rows, the same environment.
      const check = new Harness({ database, keys, seedDemoToken: false });
      try {
        const db = check.engine.context.db;
        const count = (sql: string): number => (db.prepare(sql).get() as { n: number }).n;
        assert.equal(
          count("SELECT CAST(value AS INTEGER) AS n FROM meta WHERE key = 'schema_version'"),
          MIGRATIONS.length,
        );
        assert.equal(count("SELECT COUNT(*) AS n FROM policies WHERE kind = 'mfa'"), 1);
        assert.equal(count("SELECT COUNT(*) AS n FROM policies WHERE kind = 'fido2'"), 2);
        assert.equal(count('SELECT COUNT(*) AS n FROM settings'), 1);
        assert.equal(check.engine.environmentId, [...environments][0]);
      } finally {
        check.close();
      }
    }
  });

  it('threads racing on a new file with different keys: exactly one set of keys is taken', async () => {
    for (let attempt = 0; attempt < 30; attempt++) {
      const database = join(dir, `keys-${attempt}.db`);
      const keySets = Array.from({ length: THREADS }, () => generateKeys());
      const replies = await openers.open(database, keySets, 'env-first-keys');
      const winners = replies.flatMap((reply, index) => (reply.kind === 'opened' ? [index] : []));
      const refusals = replies.flatMap((reply) => (reply.kind === 'failed' ? [reply.message] : []));
      assert.equal(winners.length, 1, `attempt ${attempt}: ${refusals.join(' | ')}`);
      for (const refusal of refusals) assert.match(refusal, /keys do not match/);
      // The keys that won are the database's keys from now on; the others are still refused.
      const winner = keySets[winners[0] ?? -1];
      assert.ok(winner);
      new Harness({ database, keys: winner, seedDemoToken: false }).close();
      const loser = keySets.find((candidate) => candidate !== winner);
      assert.ok(loser);
      assert.throws(
        () => new Harness({ database, keys: loser, seedDemoToken: false }),
        /keys do not match/,
      );
    }
  });
});
