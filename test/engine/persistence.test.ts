/**
 * Persistence of the engine's libSQL file (security-bar.md §4 case 47, R-OTP-4, R-OTP-6):
 * data and the last accepted TOTP step survive a restart; other keys are refused; a process
 * killed in the middle of its writes leaves no half-written device; migrations run once.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'libsql';
import { Secret } from 'otpauth';
import { unseal } from '../../src/engine/crypto.ts';
import { createEngine, generateKeys, type EngineKeys } from '../../src/engine/index.ts';
import { migrate } from '../../src/engine/store/db.ts';
import { MIGRATIONS } from '../../src/engine/store/migrations.ts';
import {
  assertError,
  Harness,
  MEDIA,
  TestClock,
  totpCode,
  type Reply,
} from '../helpers/engine-harness.ts';

const WRITER = fileURLToPath(new URL('./fixtures/device-writer.ts', import.meta.url));

async function signIn(h: Harness, userId: string, otp: string): Promise<Reply> {
  const started = await h.post(h.auth('/deviceAuthentications'), {
    body: { user: { id: userId } },
  });
  assert.equal(started.status, 201, started.text);
  assert.equal(started.body.status, 'OTP_REQUIRED', started.text);
  return h.post(h.auth(`/deviceAuthentications/${started.body.id as string}`), {
    type: MEDIA.otpCheck,
    body: { otp },
  });
}

/** Rows of a query, without libSQL's `_metadata` member, for comparisons. */
function rows(db: InstanceType<typeof Database>, sql: string): Record<string, unknown>[] {
  return (db.prepare(sql).all() as Record<string, unknown>[]).map((entry) => {
    const copy = { ...entry };
    delete copy._metadata;
    return copy;
  });
}

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'mfa-persistence-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('a restart on the same file', () => {
  it('keeps users, devices and the last accepted TOTP step', async () => {
    const database = join(dir, 'restart.db');
    const keys = generateKeys();
    const clock = new TestClock();
    const earlier = await Harness.start({ database, keys, clock, seedDemoToken: false });
    let userId: string;
    let secret: string;
    let totpId: string;
    let usedCode: string;
    const environmentId = earlier.env;
    try {
      userId = await earlier.createUser('restart-user', { mobilePhone: '+15125550100' });
      for (const body of [
        { type: 'SMS', phone: '+15125550100', status: 'ACTIVE' },
        { type: 'EMAIL', email: 'restart-user@example.com', status: 'ACTIVATION_REQUIRED' },
      ]) {
        assert.equal(
          (await earlier.post(earlier.api(`/users/${userId}/devices`), { body })).status,
          201,
        );
      }
      const created = await earlier.post(earlier.api(`/users/${userId}/devices`), {
        body: { type: 'TOTP' },
      });
      assert.equal(created.status, 201, created.text);
      secret = created.body.secret as string;
      totpId = created.body.id as string;
      const activated = await earlier.post(earlier.api(`/users/${userId}/devices/${totpId}`), {
        type: MEDIA.activate,
        body: { otp: totpCode(secret, clock.ms) },
      });
      assert.equal(activated.status, 200, activated.text);
      // TOTP first in the order, so a sign-in selects it on its own.
      const reordered = await earlier.post(earlier.api(`/users/${userId}/devices`), {
        type: MEDIA.reorder,
        body: { order: [{ id: totpId }] },
      });
      assert.equal(reordered.status, 200, reordered.text);

      clock.advance(30_000);
      usedCode = totpCode(secret, clock.ms);
      const signedIn = await signIn(earlier, userId, usedCode);
      assert.equal(signedIn.body.status, 'COMPLETED', signedIn.text);

      // The seed is sealed at rest: the file never holds it in the clear (R-OTP-6).
      const stored = earlier.engine.context.db
        .prepare('SELECT secret FROM devices WHERE id = ?')
        .get(totpId) as { secret: string };
      assert.ok(!stored.secret.includes(secret));
    } finally {
      earlier.close();
    }

    // Same file, same keys, new process state (new client credentials, new token).
    const later = await Harness.start({ database, keys, clock, seedDemoToken: false });
    try {
      assert.equal(later.env, environmentId, 'the environment id is kept in the file');
      const devices = await later.get(later.api(`/users/${userId}/devices`));
      assert.equal(devices.status, 200, devices.text);
      const listed = (devices.body._embedded as { devices: { type: string; status: string }[] })
        .devices;
      assert.deepEqual(
        listed.map((device) => `${device.type}:${device.status}`),
        ['TOTP:ACTIVE', 'SMS:ACTIVE', 'EMAIL:ACTIVATION_REQUIRED'],
      );
      const outbox = await later.get('/outbox?to=restart-user%40example.com&limit=10');
      assert.ok((outbox.body.count as number) >= 1, 'the outbox survives');

      // The last accepted step survived: the code used before the restart is a replay now.
      assertError(await signIn(later, userId, usedCode), 400, 'INVALID_DATA', 'OTP_REPLAYED');
      clock.advance(30_000);
      const fresh = await signIn(later, userId, totpCode(secret, clock.ms));
      assert.equal(fresh.status, 200, fresh.text);
      assert.equal(fresh.body.status, 'COMPLETED');
    } finally {
      later.close();
    }
  });

  it('refuses other keys with a clear error, and leaves the file usable with the right ones', async () => {
    const database = join(dir, 'keys.db');
    const keys = generateKeys();
    const first = await Harness.start({ database, keys, seedDemoToken: false });
    const userId = await first.createUser('keys-user');
    first.close();

    const wrong: EngineKeys[] = [
      generateKeys(),
      // Any one key differing is enough.
      { ...keys, pepper: generateKeys().pepper },
      { ...keys, seal: generateKeys().seal },
      { ...keys, token: generateKeys().token },
    ];
    for (const other of wrong) {
      assert.throws(
        () => createEngine({ database, keys: other, seedDemoToken: false }),
        (error: unknown) =>
          error instanceof Error && error.message.includes('keys do not match this database'),
      );
    }
    // Without keys the engine would make new ones: refused the same way.
    assert.throws(() => createEngine({ database, seedDemoToken: false }), /keys do not match/);

    const again = await Harness.start({ database, keys, seedDemoToken: false });
    try {
      const user = await again.get(again.api(`/users/${userId}`));
      assert.equal(user.status, 200, user.text);
      assert.equal(user.body.username, 'keys-user');
    } finally {
      again.close();
    }
  });
});

describe('a process killed in the middle of its writes', () => {
  interface Killed {
    /** Devices in the file after this kill. */
    devices: number;
  }

  async function runAndKill(
    database: string,
    keys: EngineKeys,
    environmentId: string,
    delayMs: number,
  ): Promise<void> {
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, database], {
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      env: {
        ...process.env,
        MFA_TEST_KEYS: [keys.pepper, keys.seal, keys.token]
          .map((key) => key.toString('hex'))
          .join(':'),
        MFA_TEST_ENV: environmentId,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => {
        resolve({ code, signal });
      }),
    );
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new Error(`writer never got ready: ${output}`));
        }, 20_000);
        child.stdout.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('ready')) {
            clearTimeout(timer);
            resolve();
          }
        });
        void exited.then(({ code }) => {
          clearTimeout(timer);
          reject(new Error(`writer exited with ${String(code)} before it was ready: ${output}`));
        });
      });
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    } finally {
      child.kill('SIGKILL');
    }
    const { signal } = await exited;
    assert.equal(signal, 'SIGKILL', `the writer was killed, not finished: ${output}`);
  }

  function assertInvariants(database: string, keys: EngineKeys): Killed {
    const db = new Database(database);
    try {
      assert.deepEqual(rows(db, 'PRAGMA integrity_check'), [{ integrity_check: 'ok' }]);
      assert.deepEqual(rows(db, 'PRAGMA foreign_key_check'), []);
      const orphans = rows(
        db,
        'SELECT d.id FROM devices d LEFT JOIN users u ON u.id = d.user_id WHERE u.id IS NULL',
      );
      assert.deepEqual(orphans, [], 'no device without its user');

      // Every pending SMS device has exactly its pairing message, and every message its device.
      const mismatched = rows(
        db,
        `WITH d AS (SELECT phone AS recipient, COUNT(*) AS n FROM devices
                      WHERE type = 'SMS' AND status = 'ACTIVATION_REQUIRED' GROUP BY phone),
              o AS (SELECT recipient, COUNT(*) AS n FROM outbox WHERE channel = 'SMS' GROUP BY recipient)
         SELECT d.recipient, d.n AS devices, o.n AS messages FROM d LEFT JOIN o USING (recipient) WHERE o.n IS NOT d.n
         UNION ALL
         SELECT o.recipient, d.n, o.n FROM o LEFT JOIN d USING (recipient) WHERE d.n IS NULL`,
      );
      assert.deepEqual(mismatched, []);
      assert.deepEqual(
        rows(db, "SELECT id FROM outbox WHERE channel <> 'SMS'"),
        [],
        'no other message was written',
      );
      const pendingWithoutCode = rows(
        db,
        "SELECT id FROM devices WHERE type = 'SMS' AND (activation_hash IS NULL OR activation_expires_at IS NULL)",
      );
      assert.deepEqual(pendingWithoutCode, [], 'every SMS device has its pairing-code hash');

      // Every TOTP seed unseals with the keys, bound to its own device id.
      const totp = db.prepare("SELECT id, secret FROM devices WHERE type = 'TOTP'").all() as {
        id: string;
        secret: string | null;
      }[];
      for (const device of totp) {
        assert.ok(device.secret, `TOTP device ${device.id} has a sealed seed`);
        const seed = unseal(keys, device.secret, `device:${device.id}`);
        assert.equal(Secret.fromBase32(seed).bytes.length, 20);
      }
      const { n } = db.prepare('SELECT COUNT(*) AS n FROM devices').get() as { n: number };
      return { devices: n };
    } finally {
      db.close();
    }
  }

  it('leaves the file consistent after each of several SIGKILLs at random moments', async (t: TestContext) => {
    const database = join(dir, 'killed.db');
    const keys = generateKeys();
    const environmentId = 'env-killed';
    let previous = 0;
    const kills = 8;
    for (let kill = 0; kill < kills; kill++) {
      await runAndKill(database, keys, environmentId, 20 + Math.floor(Math.random() * 250));
      const { devices } = assertInvariants(database, keys);
      assert.ok(
        devices > previous,
        `kill ${kill}: the writer was writing (${previous} → ${devices} devices)`,
      );
      previous = devices;
    }
    t.diagnostic(`${kills} kills, ${previous} devices committed in all`);

    // The engine opens the file again, and what was committed is served as usual.
    const h = await Harness.start({ database, keys, environmentId, seedDemoToken: false });
    try {
      const users = await h.get(h.api('/users?limit=1000'));
      assert.equal(users.status, 200, users.text);
      assert.ok((users.body.count as number) > 0);
      const pending = h.engine.context.db
        .prepare(
          "SELECT id, user_id FROM devices WHERE type = 'SMS' AND status = 'ACTIVATION_REQUIRED' LIMIT 1",
        )
        .get() as { id: string; user_id: string } | undefined;
      assert.ok(pending);
      const device = await h.get(h.api(`/users/${pending.user_id}/devices/${pending.id}`));
      assert.equal(device.status, 200, device.text);
      assert.equal(device.body.status, 'ACTIVATION_REQUIRED');
    } finally {
      h.close();
    }
  });
});

describe('migrations', () => {
  function schemaOf(database: string): {
    version: unknown;
    objects: Record<string, unknown>[];
    meta: Record<string, unknown>[];
    policies: Record<string, unknown>[];
  } {
    const db = new Database(database);
    try {
      return {
        version: (
          db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as {
            value: string;
          }
        ).value,
        objects: rows(
          db,
          "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name",
        ),
        meta: rows(db, 'SELECT key, value FROM meta ORDER BY key'),
        policies: rows(
          db,
          'SELECT id, kind, body, is_default, created_at, updated_at FROM policies ORDER BY id',
        ),
      };
    } finally {
      db.close();
    }
  }

  it('opening a file of the current schema again changes nothing', async () => {
    const database = join(dir, 'migrations.db');
    const keys = generateKeys();
    const clock = new TestClock();
    (await Harness.start({ database, keys, clock })).close();
    const first = schemaOf(database);
    assert.equal(first.version, String(MIGRATIONS.length));
    assert.ok(first.objects.some((object) => object.name === 'devices'));

    // A later start: no migration runs again, nothing is re-seeded.
    clock.advance(86_400_000);
    (await Harness.start({ database, keys, clock })).close();
    assert.deepEqual(schemaOf(database), first);

    // And migrate() on an open, current database is a no-op as well.
    const db = new Database(database);
    try {
      migrate(db);
      migrate(db);
    } finally {
      db.close();
    }
    assert.deepEqual(schemaOf(database), first);
  });
});
