/**
 * Users: create, list/filter, read, and the `mfaEnabled` toggle.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, afterEach, describe, test } from 'node:test';
import { Harness, assertError, type Reply } from '../../test/helpers/engine-harness.ts';

interface UserBody {
  id: string;
  username: string;
  email?: string;
  mobilePhone?: string;
  mfaEnabled: boolean;
  environment: { id: string };
  _links: Record<string, { href: string }>;
  createdAt: string;
  updatedAt: string;
}

const asUser = (reply: Reply): UserBody => reply.body as unknown as UserBody;
const listed = (reply: Reply): UserBody[] => (reply.body._embedded as { users: UserBody[] }).users;

/** Detail targets of a P1 error, for asserting which field was refused. */
const targets = (reply: Reply): (string | undefined)[] =>
  ((reply.body.details ?? []) as { target?: string }[]).map((detail) => detail.target);

describe('POST /users', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await Harness.start();
  });
  afterEach(() => {
    h.close();
  });

  test('creates a user (201) with username, email and an E.164 mobile phone', async () => {
    const reply = await h.post(h.api('/users'), {
      body: { username: 'alice', email: 'alice@example.com', mobilePhone: '+1 (512) 555-1234' },
    });
    assert.equal(reply.status, 201, reply.text);
    const user = asUser(reply);
    assert.equal(user.username, 'alice');
    assert.equal(user.email, 'alice@example.com');
    assert.equal(user.mobilePhone, '+15125551234');
    assert.equal(user.environment.id, h.env);
    assert.match(user.id, /^[0-9a-f-]{36}$/);
    assert.equal(user._links.self?.href, `http://engine.test${h.api(`/users/${user.id}`)}`);
    assert.equal(user.createdAt, new Date(h.clock.ms).toISOString());
    const rows = h.snapshot('users') as {
      id: string;
      username: string;
      mobile_phone: string | null;
    }[];
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.id, user.id);
    assert.equal(rows[0].mobile_phone, '+15125551234');
  });

  test('accepts the phone forms PingOne documents', async () => {
    const forms = [
      '+1.5125551234',
      '+15125551234',
      '+1.512.555.1234',
      '+1 (512) 555-1234',
      '1-512-555-1234',
    ];
    for (const [index, mobilePhone] of forms.entries()) {
      const reply = await h.post(h.api('/users'), { body: { username: `p${index}`, mobilePhone } });
      assert.equal(reply.status, 201, `${mobilePhone}: ${reply.text}`);
      assert.equal(asUser(reply).mobilePhone, '+15125551234', mobilePhone);
    }
  });

  test('email and mobilePhone are optional', async () => {
    const reply = await h.post(h.api('/users'), { body: { username: 'bare' } });
    assert.equal(reply.status, 201, reply.text);
    assert.equal('email' in reply.body, false);
    assert.equal('mobilePhone' in reply.body, false);
  });

  test('a duplicate username (any case) → 400 UNIQUENESS_VIOLATION and no second row', async () => {
    await h.createUser('alice');
    const before = h.snapshot('users');
    for (const username of ['alice', 'ALICE', 'Alice']) {
      const reply = await h.post(h.api('/users'), { body: { username } });
      assertError(reply, 400, 'INVALID_DATA', 'UNIQUENESS_VIOLATION');
      assert.deepEqual(targets(reply), ['username']);
    }
    assert.deepEqual(h.snapshot('users'), before);
    assert.equal(before.length, 1);
  });

  const invalid: [string, Record<string, unknown>, string, string][] = [
    ['a bad email', { username: 'bob', email: 'not-an-email' }, 'email', 'INVALID_VALUE'],
    [
      'an email with a space',
      { username: 'bob', email: 'bob @example.com' },
      'email',
      'INVALID_VALUE',
    ],
    ['a space in the username', { username: 'bob smith' }, 'username', 'INVALID_VALUE'],
    ['a tab in the username', { username: 'bob\tsmith' }, 'username', 'INVALID_VALUE'],
    ['a newline in the username', { username: 'bob\n' }, 'username', 'INVALID_VALUE'],
    ['a NUL in the username', { username: 'bob\u0000' }, 'username', 'INVALID_VALUE'],
    ['a DEL in the username', { username: 'bob\u007f' }, 'username', 'INVALID_VALUE'],
    [
      'a non-breaking space in the username',
      { username: 'bob\u00a0smith' },
      'username',
      'INVALID_VALUE',
    ],
    ['an empty username', { username: '' }, 'username', 'INVALID_VALUE'],
    ['a 129-character username', { username: 'x'.repeat(129) }, 'username', 'SIZE_LIMIT_EXCEEDED'],
    ['no username', { email: 'bob@example.com' }, 'username', 'REQUIRED_VALUE'],
    ['a username that is not a string', { username: 42 }, 'username', 'INVALID_VALUE'],
    ['an unknown field', { username: 'bob', nickname: 'Bobby' }, 'nickname', 'INVALID_VALUE'],
    [
      'a phone without enough digits',
      { username: 'bob', mobilePhone: '+1 555' },
      'mobilePhone',
      'INVALID_VALUE',
    ],
    [
      'a phone with letters',
      { username: 'bob', mobilePhone: '+1 512 CALL ME' },
      'mobilePhone',
      'INVALID_VALUE',
    ],
  ];
  for (const [name, body, target, detail] of invalid) {
    test(`${name} → 400 INVALID_DATA, nothing stored`, async () => {
      const before = h.snapshot('users');
      const reply = await h.post(h.api('/users'), { body });
      assertError(reply, 400, 'INVALID_DATA', detail);
      assert.ok(targets(reply).includes(target), `${reply.text} should name ${target}`);
      assert.deepEqual(h.snapshot('users'), before);
    });
  }

  test('the username pattern is reported as a bare pattern in innerError.allowedPattern', async () => {
    const reply = await h.post(h.api('/users'), { body: { username: 'bob smith' } });
    const [detail] = reply.body.details as { innerError?: { allowedPattern?: string } }[];
    assert.equal(detail?.innerError?.allowedPattern, '^[^\\p{Cc}\\s]+$');
  });

  test('a 128-character username is accepted (the limit is inclusive)', async () => {
    const reply = await h.post(h.api('/users'), { body: { username: 'x'.repeat(128) } });
    assert.equal(reply.status, 201, reply.text);
  });

  test('malformed JSON, a JSON array or no body → 400 INVALID_REQUEST', async () => {
    const before = h.snapshot('users');
    assertError(
      await h.post(h.api('/users'), { raw: '{"username":' }),
      400,
      'INVALID_REQUEST',
      'INVALID_JSON',
    );
    assertError(
      await h.post(h.api('/users'), { raw: '[{"username":"x"}]' }),
      400,
      'INVALID_REQUEST',
      'INVALID_JSON',
    );
    assertError(
      await h.post(h.api('/users'), { type: 'application/json' }),
      400,
      'INVALID_REQUEST',
      'REQUIRED_VALUE',
    );
    assert.deepEqual(h.snapshot('users'), before);
  });

  test('a non-JSON content type → 415', async () => {
    const before = h.snapshot('users');
    const reply = await h.post(h.api('/users'), {
      raw: 'username=x',
      type: 'application/x-www-form-urlencoded',
    });
    assertError(reply, 415, 'UNSUPPORTED_MEDIA_TYPE');
    assert.deepEqual(h.snapshot('users'), before);
  });

  test('new users take mfaEnabled from mfaSettings.users.mfaEnabled', async () => {
    // Seeded settings say true.
    assert.equal(
      asUser(await h.post(h.api('/users'), { body: { username: 'u1' } })).mfaEnabled,
      true,
    );
    const off = await h.put(h.api('/mfaSettings'), {
      body: {
        pairing: { maxAllowedDevices: 5, pairingKeyFormat: 'NUMERIC' },
        users: { mfaEnabled: false },
      },
    });
    assert.equal(off.status, 200, off.text);
    assert.equal(
      asUser(await h.post(h.api('/users'), { body: { username: 'u2' } })).mfaEnabled,
      false,
    );
    // Without a `users` member the PingOne default (false) applies.
    const absent = await h.put(h.api('/mfaSettings'), {
      body: { pairing: { maxAllowedDevices: 5, pairingKeyFormat: 'NUMERIC' } },
    });
    assert.equal(absent.status, 200, absent.text);
    assert.equal(
      asUser(await h.post(h.api('/users'), { body: { username: 'u3' } })).mfaEnabled,
      false,
    );
    const on = await h.put(h.api('/mfaSettings'), {
      body: {
        pairing: { maxAllowedDevices: 5, pairingKeyFormat: 'NUMERIC' },
        users: { mfaEnabled: true },
      },
    });
    assert.equal(on.status, 200, on.text);
    assert.equal(
      asUser(await h.post(h.api('/users'), { body: { username: 'u4' } })).mfaEnabled,
      true,
    );
  });
});

describe('GET /users', () => {
  let h: Harness;
  let alice: string;
  let bob: string;
  before(async () => {
    h = await Harness.start();
    alice = await h.createUser('alice', { email: 'Alice@Example.com' });
    h.clock.advance(1000);
    bob = await h.createUser('bob', { email: 'bob@example.com' });
    h.clock.advance(1000);
    await h.createUser('carol');
  });
  after(() => {
    h.close();
  });

  test('lists every user, oldest first', async () => {
    const reply = await h.get(h.api('/users'));
    assert.equal(reply.status, 200);
    assert.deepEqual(
      listed(reply).map((user) => user.username),
      ['alice', 'bob', 'carol'],
    );
    assert.equal(reply.body.count, 3);
    assert.equal(reply.body.size, 3);
  });

  test('filter username eq "…" finds one user, case-insensitively', async () => {
    for (const value of ['alice', 'ALICE']) {
      const reply = await h.get(
        h.api(`/users?filter=${encodeURIComponent(`username eq "${value}"`)}`),
      );
      assert.equal(reply.status, 200, reply.text);
      assert.deepEqual(
        listed(reply).map((user) => user.id),
        [alice],
      );
    }
  });

  test('filter email eq "…" finds one user', async () => {
    const reply = await h.get(
      h.api(`/users?filter=${encodeURIComponent('email eq "bob@example.com"')}`),
    );
    assert.equal(reply.status, 200, reply.text);
    assert.deepEqual(
      listed(reply).map((user) => user.id),
      [bob],
    );
    const mixed = await h.get(
      h.api(`/users?filter=${encodeURIComponent('email eq "alice@example.com"')}`),
    );
    assert.deepEqual(
      listed(mixed).map((user) => user.id),
      [alice],
    );
  });

  test('a filter that matches nobody → 200 with an empty list', async () => {
    const reply = await h.get(h.api(`/users?filter=${encodeURIComponent('username eq "zed"')}`));
    assert.equal(reply.status, 200);
    assert.deepEqual(listed(reply), []);
    assert.equal(reply.body.count, 0);
  });

  test('the filter value is data, never SQL', async () => {
    const reply = await h.get(
      h.api(`/users?filter=${encodeURIComponent(`username eq "x' OR '1'='1"`)}`),
    );
    assert.equal(reply.status, 200, reply.text);
    assert.deepEqual(listed(reply), []);
  });

  test('an unsupported filter → 400 INVALID_DATA (target filter)', async () => {
    for (const filter of [
      'username sw "a"',
      'nickname eq "alice"',
      'username eq alice',
      'username eq "alice" or email eq "bob@example.com"',
      '',
    ]) {
      const reply = await h.get(h.api(`/users?filter=${encodeURIComponent(filter)}`));
      assertError(reply, 400, 'INVALID_DATA', 'INVALID_VALUE');
      assert.deepEqual(targets(reply), ['filter'], filter);
    }
  });

  test('limit caps the list', async () => {
    const reply = await h.get(h.api('/users?limit=2'));
    assert.equal(reply.status, 200);
    assert.deepEqual(
      listed(reply).map((user) => user.username),
      ['alice', 'bob'],
    );
  });

  test('a bad limit → 400 INVALID_DATA (target limit)', async () => {
    for (const limit of ['0', '-1', '1001', '1.5', 'ten', '']) {
      const reply = await h.get(h.api(`/users?limit=${encodeURIComponent(limit)}`));
      assertError(reply, 400, 'INVALID_DATA', 'INVALID_VALUE');
      assert.deepEqual(targets(reply), ['limit'], `limit=${limit}`);
    }
  });

  test('reads one user', async () => {
    const reply = await h.get(h.api(`/users/${alice}`));
    assert.equal(reply.status, 200);
    assert.equal(asUser(reply).username, 'alice');
    assert.equal(asUser(reply).email, 'Alice@Example.com');
  });

  test('an unknown user id → 404 NOT_FOUND', async () => {
    assertError(
      await h.get(h.api('/users/00000000-0000-4000-8000-000000000000')),
      404,
      'NOT_FOUND',
    );
    assertError(await h.get(h.api('/users/not-a-uuid')), 404, 'NOT_FOUND');
  });
});

describe('/users/{id}/mfaEnabled', () => {
  let h: Harness;
  let userId: string;
  beforeEach(async () => {
    h = await Harness.start();
    userId = await h.createUser('alice');
  });
  afterEach(() => {
    h.close();
  });

  test('GET reads it', async () => {
    const reply = await h.get(h.api(`/users/${userId}/mfaEnabled`));
    assert.equal(reply.status, 200);
    assert.equal(reply.body.mfaEnabled, true);
    const links = reply.body._links as Record<string, { href: string }>;
    assert.equal(links.user?.href, `http://engine.test${h.api(`/users/${userId}`)}`);
  });

  test('PUT {mfaEnabled} sets it, and the user shows it', async () => {
    h.clock.advance(5000);
    const off = await h.put(h.api(`/users/${userId}/mfaEnabled`), { body: { mfaEnabled: false } });
    assert.equal(off.status, 200, off.text);
    assert.equal(off.body.mfaEnabled, false);
    assert.equal((await h.get(h.api(`/users/${userId}/mfaEnabled`))).body.mfaEnabled, false);
    const user = asUser(await h.get(h.api(`/users/${userId}`)));
    assert.equal(user.mfaEnabled, false);
    assert.equal(user.updatedAt, new Date(h.clock.ms).toISOString());
    const on = await h.put(h.api(`/users/${userId}/mfaEnabled`), { body: { mfaEnabled: true } });
    assert.equal(on.body.mfaEnabled, true);
    assert.equal(asUser(await h.get(h.api(`/users/${userId}`))).mfaEnabled, true);
  });

  const badBodies: [string, unknown, string][] = [
    ['a string', { mfaEnabled: 'false' }, 'INVALID_VALUE'],
    ['a number', { mfaEnabled: 0 }, 'INVALID_VALUE'],
    ['null', { mfaEnabled: null }, 'INVALID_VALUE'],
    ['missing', {}, 'REQUIRED_VALUE'],
    ['an extra field', { mfaEnabled: false, reason: 'x' }, 'INVALID_VALUE'],
  ];
  for (const [name, body, detail] of badBodies) {
    test(`PUT with ${name} → 400, unchanged`, async () => {
      const before = h.snapshot('users');
      assertError(
        await h.put(h.api(`/users/${userId}/mfaEnabled`), { body }),
        400,
        'INVALID_DATA',
        detail,
      );
      assert.deepEqual(h.snapshot('users'), before);
    });
  }

  test('PUT with malformed JSON → 400 INVALID_REQUEST, unchanged', async () => {
    const before = h.snapshot('users');
    assertError(
      await h.put(h.api(`/users/${userId}/mfaEnabled`), { raw: 'true' }),
      400,
      'INVALID_REQUEST',
    );
    assert.deepEqual(h.snapshot('users'), before);
  });

  test('an unknown user → 404 on GET and PUT', async () => {
    const unknown = '00000000-0000-4000-8000-000000000000';
    const before = h.snapshot('users');
    assertError(await h.get(h.api(`/users/${unknown}/mfaEnabled`)), 404, 'NOT_FOUND');
    assertError(
      await h.put(h.api(`/users/${unknown}/mfaEnabled`), { body: { mfaEnabled: false } }),
      404,
      'NOT_FOUND',
    );
    assert.deepEqual(h.snapshot('users'), before);
  });
});
