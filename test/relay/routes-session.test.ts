/**
 * Sessions through the relay's HTTP API: the session routes, the raw cookie and its life cycle
 * (security bar §4.32), ticket verification and unknown users (§4.13), and identity taken from the
 * session alone (§4.28).
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { SignJWT } from 'jose';
import { sessionView, type ErrorCode } from '../../src/protocol/index.ts';
import { totpCode } from '../helpers/engine-harness.ts';
import {
  assertRelayError,
  nothingUpstream,
  AUDIENCE,
  RelayHarness,
  relaxedLimits,
  TICKET_SECRET,
  type Reply,
} from '../helpers/relay-harness.ts';

const COOKIE = '__Host-mfa';
const IDLE_MS = 900_000;
const ABSOLUTE_MS = 43_200_000;

/** The session cookie a reply set, checked against R-SES-1 on the raw header. */
function sessionCookie(reply: Reply): string {
  const raw = reply.setCookies.find((header) => header.startsWith(`${COOKIE}=`));
  assert.ok(raw, `a ${COOKIE} cookie is set: ${JSON.stringify(reply.setCookies)}`);
  const [pair = '', ...attributes] = raw.split(';').map((part) => part.trim());
  const value = pair.slice(COOKIE.length + 1);
  const names = attributes.map((attribute) => attribute.split('=')[0]?.toLowerCase());
  assert.ok(attributes.includes('Secure'), `Secure: ${raw}`);
  assert.ok(attributes.includes('HttpOnly'), `HttpOnly: ${raw}`);
  assert.ok(attributes.includes('SameSite=Strict'), `SameSite=Strict: ${raw}`);
  assert.ok(attributes.includes('Path=/'), `Path=/: ${raw}`);
  assert.ok(!names.includes('domain'), `no Domain: ${raw}`);
  assert.ok(!names.includes('expires'), `no client-side expiry date: ${raw}`);
  const maxAge = attributes.find((attribute) => attribute.startsWith('Max-Age='));
  assert.ok(maxAge, `Max-Age: ${raw}`);
  assert.ok(Number(maxAge.slice(8)) <= ABSOLUTE_MS / 1000, `Max-Age within 12 h: ${raw}`);
  assert.ok(Buffer.byteLength(pair, 'utf8') <= 4096, `name and value ≤ 4096 bytes: ${pair.length}`);
  return value;
}

/**
 * The cookie value carries nothing readable: not the subject, not the user id. (Short markers
 * would turn up in random base64 by chance: the subjects checked here are long.)
 */
function assertOpaque(value: string, ...secrets: string[]): void {
  const decoded = value
    .split('.')
    .map((part) => Buffer.from(part, 'base64url').toString('latin1'))
    .join(' ');
  for (const secret of secrets) {
    assert.ok(!value.includes(secret), `the cookie does not show ${secret}`);
    assert.ok(!decoded.includes(secret), `the decoded cookie does not show ${secret}`);
  }
}

async function userId(harness: RelayHarness, username: string): Promise<string> {
  const user = await harness.pingone.findUserByUsername(username);
  assert.ok(user, `user ${username} exists`);
  return user.id;
}

/** Enrolls a TOTP device in the current session; returns its id and secret. */
async function enrollTotp(harness: RelayHarness): Promise<{ id: string; secret: string }> {
  const { deviceId, secret } = await harness.enrollTotp();
  return { id: deviceId, secret };
}

describe('relay sessions', () => {
  let harness: RelayHarness;
  before(async () => {
    harness = await RelayHarness.start({ limits: relaxedLimits() });
  });
  after(() => {
    harness.close();
  });

  describe('session routes', () => {
    it('POST, GET and DELETE /session', async () => {
      harness.jar.clear();
      const started = harness.clock.now();
      const created = await harness.send('POST', '/session', {
        body: { ticket: await harness.ticket('alice', 'enroll') },
      });
      assert.equal(created.status, 201, created.text);
      assert.ok(sessionView.safeParse(created.body).success, `SessionView: ${created.text}`);
      assert.deepEqual(created.body, {
        purpose: 'enroll',
        enrolled: false,
        expiresAt: new Date(started + ABSOLUTE_MS).toISOString(),
      });
      assert.equal(created.headers.get('cache-control'), 'no-store');
      const value = sessionCookie(created);
      assertOpaque(value, 'alice', await userId(harness, 'alice'));
      assert.equal(harness.audits('relay.session_started').length, 1, 'audited');

      harness.clock.advance(1000);
      const read = await harness.send('GET', '/session');
      assert.equal(read.status, 200, read.text);
      assert.deepEqual(read.body, created.body, 'the same session, the same absolute expiry');
      assert.deepEqual(
        read.setCookies,
        [],
        'an unchanged session is not re-sealed within a minute',
      );
      harness.clock.advance(60_000);
      const later = await harness.send('GET', '/session');
      assert.equal(later.status, 200, later.text);
      assertOpaque(sessionCookie(later), 'alice', await userId(harness, 'alice'));

      const ended = await harness.send('DELETE', '/session');
      assert.equal(ended.status, 204, ended.text);
      assert.equal(ended.text, '');
      const cleared = ended.setCookies.find((header) => header.startsWith(`${COOKIE}=`));
      assert.ok(cleared, 'the cookie is cleared');
      assert.match(cleared, /^__Host-mfa=;/);
      assert.match(cleared, /Max-Age=0/);
      assert.match(cleared, /Path=\//);
      assert.match(cleared, /Secure/);
      assert.match(cleared, /HttpOnly/);
      assert.match(cleared, /SameSite=Strict/);
      assert.equal(harness.jar.has(COOKIE), false);
      assertRelayError(
        await nothingUpstream(harness, () => harness.send('GET', '/session')),
        401,
        'SESSION_REQUIRED',
      );

      // Logout is server-side: the old cookie, sent again, is dead.
      harness.jar.set(COOKIE, value);
      const replayed = await nothingUpstream(harness, () => harness.send('GET', '/session'));
      assertRelayError(replayed, 401, 'SESSION_REQUIRED');
      assert.deepEqual(replayed.setCookies, [], 'a dead cookie is not renewed');
      assert.ok(
        harness.audits('relay.session_rejected').some((line) => line.problem === 'revoked'),
        'the revoked session is audited',
      );
      assertRelayError(
        await nothingUpstream(harness, () => harness.send('DELETE', '/session')),
        401,
        'SESSION_REQUIRED',
      );
    });

    it('every route but POST /session needs a session', async () => {
      harness.jar.clear();
      for (const [method, path] of [
        ['GET', '/session'],
        ['DELETE', '/session'],
        ['POST', '/authentications'],
        ['GET', '/authentications/AAAAAAAAAAAAAAAAAAAAAA'],
        ['GET', '/devices'],
        ['POST', '/devices'],
        ['PUT', '/devices/order'],
        ['PATCH', '/devices/abc'],
        ['DELETE', '/devices/abc'],
        ['POST', '/devices/abc/activation'],
      ] as const) {
        const reply = await nothingUpstream(harness, () => harness.send(method, path));
        assertRelayError(reply, 401, 'SESSION_REQUIRED');
      }
    });
  });

  describe('32: the session cookie', () => {
    it('keeps its attributes and stays under 4096 bytes on a full session', async () => {
      harness.jar.clear();
      await harness.session('bob-full-session', 'manage');
      const first = await enrollTotp(harness);
      const replies: Reply[] = [];
      for (let index = 0; index < 4; index++) {
        replies.push(
          await harness.send('POST', '/devices', {
            body: { type: 'TOTP', nickname: `Spare token ${index} ${'n'.repeat(80)}` },
          }),
        );
      }
      for (let index = 0; index < 6; index++) {
        replies.push(await harness.send('POST', '/authentications', { body: {} }));
      }
      replies.push(await harness.send('GET', '/devices'));
      for (const reply of replies) {
        assert.ok(reply.status < 300, reply.text);
        // Every one of these changes the session (its devices or authentications), so each
        // answer re-seals it — except the final list, which finds nothing new.
        if (reply === replies.at(-1)) continue;
        assertOpaque(
          sessionCookie(reply),
          'bob-full-session',
          await userId(harness, 'bob-full-session'),
          first.id,
        );
      }
    });

    it('a new session id at MFA completion (device activation): the old cookie is dead', async () => {
      harness.jar.clear();
      await harness.session('carol', 'enroll');
      const created = await harness.send('POST', '/devices', { body: { type: 'TOTP' } });
      assert.equal(created.status, 201, created.text);
      const before = sessionCookie(created);
      const id = (created.body.device as { id: string }).id;
      const activated = await harness.send('POST', `/devices/${id}/activation`, {
        body: { otp: totpCode(created.body.secret as string, harness.clock.now()) },
      });
      assert.equal(activated.status, 200, activated.text);
      const afterMfa = sessionCookie(activated);
      assert.notEqual(afterMfa, before);
      const current = await harness.send('GET', '/session');
      assert.equal(current.status, 200, current.text);
      assert.equal(typeof current.body.mfaCompletedAt, 'string', 'MFA recorded');
      const fresh = harness.jar.get(COOKIE);

      harness.jar.set(COOKIE, before);
      assertRelayError(
        await nothingUpstream(harness, () => harness.send('GET', '/session')),
        401,
        'SESSION_REQUIRED',
      );
      assertRelayError(
        await nothingUpstream(harness, () => harness.send('DELETE', `/devices/${id}`)),
        401,
        'SESSION_REQUIRED',
      );
      assert.ok(fresh, 'the rotated cookie');
      harness.jar.set(COOKIE, fresh);
      assert.equal((await harness.send('GET', '/session')).status, 200, 'the new one works');
    });

    it('a new session id at MFA completion (sign-in with a code): the old cookie is dead', async () => {
      harness.jar.clear();
      await harness.session('dave', 'enroll');
      const { secret } = await enrollTotp(harness);
      harness.clock.advance(60_000);
      harness.jar.clear();
      await harness.session('dave', 'signin');
      const auth = await harness.send('POST', '/authentications', { body: {} });
      assert.equal(auth.status, 201, auth.text);
      const before = sessionCookie(auth);
      const checked = await harness.send('POST', `/authentications/${auth.body.id as string}/otp`, {
        body: { otp: totpCode(secret, harness.clock.now()) },
      });
      assert.equal(checked.status, 200, checked.text);
      assert.equal(checked.body.status, 'COMPLETED', checked.text);
      assert.notEqual(sessionCookie(checked), before);
      const fresh = harness.jar.get(COOKIE);
      harness.jar.set(COOKIE, before);
      assertRelayError(
        await nothingUpstream(harness, () => harness.send('GET', '/session')),
        401,
        'SESSION_REQUIRED',
      );
      assert.ok(fresh, 'the rotated cookie');
      harness.jar.set(COOKIE, fresh);
      assert.equal((await harness.send('GET', '/session')).status, 200, 'the new one works');
    });

    it('a new ticket starts a new session and ends the one the browser had', async () => {
      harness.jar.clear();
      const first = sessionCookie(await harness.session('erin', 'signin'));
      const second = sessionCookie(await harness.session('erin', 'manage'));
      assert.notEqual(second, first);
      const current = await harness.send('GET', '/session');
      assert.equal(current.body.purpose, 'manage', current.text);
      harness.jar.set(COOKIE, first);
      assertRelayError(
        await nothingUpstream(harness, () => harness.send('GET', '/session')),
        401,
        'SESSION_REQUIRED',
      );
    });

    it('idle timeout: 15 minutes without a request → 401, any request slides it', async () => {
      harness.jar.clear();
      await harness.session('frank', 'signin');
      for (let step = 0; step < 3; step++) {
        harness.clock.advance(IDLE_MS - 1000);
        const reply = await harness.send('GET', '/session');
        assert.equal(reply.status, 200, `step ${step}: ${reply.text}`);
      }
      harness.clock.advance(IDLE_MS + 1000);
      const idle = await nothingUpstream(harness, () => harness.send('GET', '/session'));
      assertRelayError(idle, 401, 'SESSION_REQUIRED');
      assert.deepEqual(idle.setCookies, []);
      assert.ok(
        harness.audits('relay.session_rejected').some((line) => line.problem === 'idle'),
        'the idle session is audited',
      );
    });

    it('absolute timeout: touched every 10 minutes, the session still ends at 12 h', async () => {
      harness.jar.clear();
      const started = harness.clock.now();
      const created = await harness.session('grace', 'signin');
      const expiresAt = created.body.expiresAt;
      assert.equal(expiresAt, new Date(started + ABSOLUTE_MS).toISOString());
      const step = 10 * 60_000;
      let touches = 0;
      while (harness.clock.now() + step < started + ABSOLUTE_MS) {
        harness.clock.advance(step);
        const reply = await harness.send('GET', '/session');
        assert.equal(reply.status, 200, `at ${harness.clock.now() - started} ms: ${reply.text}`);
        assert.equal(reply.body.expiresAt, expiresAt, 'the absolute expiry does not slide');
        touches++;
      }
      assert.ok(touches >= 71, `touched ${touches} times`);
      harness.clock.advance(step);
      assert.ok(harness.clock.now() - started >= ABSOLUTE_MS, 'past 12 h');
      const expired = await nothingUpstream(harness, () => harness.send('GET', '/session'));
      assertRelayError(expired, 401, 'SESSION_REQUIRED');
      assert.ok(
        harness.audits('relay.session_rejected').some((line) => line.problem === 'expired'),
        'the expired session is audited',
      );
    });

    it('a tampered, truncated, foreign or oversized cookie → 401', async () => {
      harness.jar.clear();
      const value = sessionCookie(await harness.session('heidi', 'manage'));
      // Flips the high bit of one base64url digit (the low bits of a final digit may be padding).
      const digits = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const flip = (text: string, at: number) =>
        text.slice(0, at) +
        (digits[digits.indexOf(text[at] ?? 'A') ^ 32] ?? 'A') +
        text.slice(at + 1);
      const parts = value.split('.');
      const other = await RelayHarness.start();
      let foreign: string;
      try {
        foreign = sessionCookie(await other.session('heidi', 'manage'));
      } finally {
        other.close();
      }
      const variants = [
        flip(value, Math.floor(value.length / 2)),
        flip(value, value.length - 2),
        flip(value, 5),
        flip(value, value.length - 1),
        value.slice(0, -10),
        `${value}AAAA`,
        [parts[0], parts[1], parts[2], parts[3], ''].join('.'),
        [parts[0], '', 'A'.repeat(16), parts[3], parts[4]].join('.'),
        foreign,
        'A'.repeat(5000),
        'garbage',
      ];
      for (const variant of variants) {
        harness.jar.set(COOKIE, variant);
        const reply = await nothingUpstream(harness, () => harness.send('GET', '/devices'));
        assertRelayError(reply, 401, 'SESSION_REQUIRED');
        assert.deepEqual(reply.setCookies, [], 'nothing is set for a bad cookie');
      }
      harness.jar.set(COOKIE, value);
      assert.equal((await harness.send('GET', '/session')).status, 200, 'the real one still works');
    });
  });

  describe('tickets', () => {
    const key = new TextEncoder().encode(TICKET_SECRET);
    interface TicketInput {
      claims?: Record<string, unknown>;
      secret?: Uint8Array;
      alg?: string;
      audience?: string | undefined;
      lifetime?: number;
      iat?: number | undefined;
      omit?: string[];
    }
    /** A ticket like the host's, with one thing changed. */
    const forge = async (harness: RelayHarness, input: TicketInput = {}): Promise<string> => {
      const now = Math.floor(harness.clock.now() / 1000);
      const payload: Record<string, unknown> = {
        sub: 'ivan',
        purpose: 'signin',
        aud: 'audience' in input ? input.audience : AUDIENCE,
        iss: 'https://host.example',
        iat: 'iat' in input ? input.iat : now,
        exp: now + (input.lifetime ?? 120),
        jti: randomUUID(),
        ...input.claims,
      };
      for (const name of input.omit ?? []) Reflect.deleteProperty(payload, name);
      return new SignJWT(payload)
        .setProtectedHeader({ alg: input.alg ?? 'HS256' })
        .sign(input.secret ?? key);
    };
    const unsigned = (harness: RelayHarness): string => {
      const now = Math.floor(harness.clock.now() / 1000);
      const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
      const payload = { sub: 'ivan', purpose: 'signin', aud: AUDIENCE, iat: now, exp: now + 60 };
      return `${encode({ alg: 'none', typ: 'JWT' })}.${encode({ ...payload, jti: randomUUID() })}.`;
    };

    const tryTicket = async (harness: RelayHarness, ticket: string): Promise<Reply> =>
      nothingUpstream(harness, () => harness.send('POST', '/session', { body: { ticket } }));

    it('bad tickets → 401 TICKET_*, nothing upstream, no cookie', async () => {
      harness.jar.clear();
      const now = Math.floor(harness.clock.now() / 1000);
      const cases: [string, () => Promise<string>, ErrorCode][] = [
        [
          'wrong secret',
          () => forge(harness, { secret: new TextEncoder().encode('x'.repeat(40)) }),
          'TICKET_INVALID',
        ],
        ['wrong aud', () => forge(harness, { audience: 'someone-else' }), 'TICKET_INVALID'],
        ['no aud', () => forge(harness, { audience: undefined }), 'TICKET_INVALID'],
        ['expired', () => forge(harness, { iat: now - 300, lifetime: -60 }), 'TICKET_EXPIRED'],
        ['exp > 5 min', () => forge(harness, { lifetime: 600 }), 'TICKET_INVALID'],
        [
          'exp > 5 min, no iat',
          () => forge(harness, { lifetime: 600, iat: undefined }),
          'TICKET_INVALID',
        ],
        [
          'exp − iat > 5 min',
          () => forge(harness, { iat: now - 250, lifetime: 100 }),
          'TICKET_INVALID',
        ],
        [
          'issued in the future',
          () => forge(harness, { iat: now + 60, lifetime: 120 }),
          'TICKET_INVALID',
        ],
        ['not yet valid', () => forge(harness, { claims: { nbf: now + 60 } }), 'TICKET_INVALID'],
        ['alg none', () => Promise.resolve(unsigned(harness)), 'TICKET_INVALID'],
        ['HS512 with the right secret', () => forge(harness, { alg: 'HS512' }), 'TICKET_INVALID'],
        [
          'unknown purpose',
          () => forge(harness, { claims: { purpose: 'admin' } }),
          'TICKET_INVALID',
        ],
        ['no purpose', () => forge(harness, { omit: ['purpose'] }), 'TICKET_INVALID'],
        ['no sub', () => forge(harness, { omit: ['sub'] }), 'TICKET_INVALID'],
        ['no jti', () => forge(harness, { omit: ['jti'] }), 'TICKET_INVALID'],
        ['no exp', () => forge(harness, { omit: ['exp'] }), 'TICKET_INVALID'],
        [
          'sub with a line break',
          () => forge(harness, { claims: { sub: 'ivan\nadmin' } }),
          'TICKET_INVALID',
        ],
        ['sub with a quote', () => forge(harness, { claims: { sub: 'ivan"' } }), 'TICKET_INVALID'],
        ['not a JWT', () => Promise.resolve('not.a.jwt'), 'TICKET_INVALID'],
        ['garbage', () => Promise.resolve('garbage'), 'TICKET_INVALID'],
      ];
      for (const [label, make, code] of cases) {
        const reply = await tryTicket(harness, await make());
        try {
          assertRelayError(reply, 401, code);
        } catch (error) {
          assert.fail(`${label}: ${String(error)}`);
        }
        assert.deepEqual(Object.keys(reply.body.error as object).sort(), ['code', 'message']);
        assert.deepEqual(reply.setCookies, [], `${label}: no cookie`);
      }
      assert.equal(harness.jar.size, 0, 'no session was opened');
      assert.ok(harness.audits('relay.ticket_rejected').length >= cases.length, 'audited');
      assert.equal(await harness.pingone.findUserByUsername('ivan'), undefined, 'no user made');
    });

    it('a replayed ticket → 401 TICKET_REPLAYED; a rejected one does not spend its jti', async () => {
      harness.jar.clear();
      const jti = randomUUID();
      const wrongAud = await forge(harness, { audience: 'other', claims: { jti } });
      assertRelayError(await tryTicket(harness, wrongAud), 401, 'TICKET_INVALID');
      const ticket = await forge(harness, { claims: { jti, sub: 'judy' } });
      const first = await harness.send('POST', '/session', { body: { ticket } });
      assert.equal(first.status, 201, first.text);
      const again = await tryTicket(harness, ticket);
      assertRelayError(again, 401, 'TICKET_REPLAYED');
      const sameJti = await forge(harness, { claims: { jti, sub: 'judy' } });
      assertRelayError(await tryTicket(harness, sameJti), 401, 'TICKET_REPLAYED');
      // The session the browser already had is left alone.
      assert.equal((await harness.send('GET', '/session')).status, 200);
    });

    it('a ticket over 8 KB is refused by the schema', async () => {
      const reply = await nothingUpstream(harness, () =>
        harness.send('POST', '/session', { body: { ticket: 'a'.repeat(8193) } }),
      );
      assertRelayError(reply, 400, 'BAD_REQUEST', 'ticket');
    });

    it('13: without createUnknownUsers an unknown user looks exactly like a bad ticket', async () => {
      const strict = await RelayHarness.start({
        relay: { createUnknownUsers: false },
        limits: relaxedLimits(),
      });
      try {
        await strict.pingone.createUser({ username: 'known' });
        const forged = await forge(strict, { secret: new TextEncoder().encode('y'.repeat(40)) });
        const badTicket = await nothingUpstream(strict, () =>
          strict.send('POST', '/session', { body: { ticket: forged } }),
        );
        const snapshot = strict.snapshotAll();
        let unknown: Reply | undefined;
        const calls = await strict.recording(async () => {
          unknown = await strict.send('POST', '/session', {
            body: { ticket: await strict.ticket('nobody', 'enroll') },
          });
        });
        assert.ok(unknown, 'a reply');
        assert.deepEqual(RelayHarness.mutations(calls), [], 'nothing created upstream');
        assert.deepEqual(strict.snapshotAll(), snapshot, 'engine state unchanged');
        assert.equal(await strict.pingone.findUserByUsername('nobody'), undefined);
        assertRelayError(unknown, 401, 'TICKET_INVALID');
        assert.equal(unknown.status, badTicket.status);
        assert.deepEqual(unknown.body, badTicket.body, 'the same body');
        assert.deepEqual(unknown.setCookies, badTicket.setCookies);
        assert.equal(unknown.headers.get('content-type'), badTicket.headers.get('content-type'));
        assert.equal(strict.jar.size, 0);
        assert.ok(
          strict.audits('relay.ticket_rejected').some((line) => line.reason === 'unknown_user'),
          'the operator still sees why',
        );

        const known = await strict.send('POST', '/session', {
          body: { ticket: await strict.ticket('known', 'enroll') },
        });
        assert.equal(known.status, 201, known.text);
      } finally {
        strict.close();
      }
    });

    it('with createUnknownUsers an unknown user is created once', async () => {
      harness.jar.clear();
      assert.equal(await harness.pingone.findUserByUsername('kate'), undefined);
      await harness.session('kate', 'enroll');
      const id = await userId(harness, 'kate');
      assert.ok(
        harness.audits('relay.user_created').some((line) => line.user === id),
        'creation audited',
      );
      harness.jar.clear();
      await harness.session('kate', 'enroll');
      assert.equal(await userId(harness, 'kate'), id, 'the same user the second time');
    });
  });

  describe('28: identity comes from the session only', () => {
    let ownId: string;
    let otherId: string;
    let deviceId: string;
    before(async () => {
      harness.jar.clear();
      await harness.session('mallory', 'manage');
      otherId = await userId(harness, 'mallory');
      harness.jar.clear();
      await harness.session('liam', 'manage');
      ownId = await userId(harness, 'liam');
      deviceId = (await enrollTotp(harness)).id;
    });

    it('userId or environmentId in a body → 400 BAD_REQUEST, nothing upstream', async () => {
      const cases: [string, string, Record<string, unknown>, string][] = [
        ['POST', '/session', { ticket: 'x', userId: otherId }, 'userId'],
        ['POST', '/session', { ticket: 'x', environmentId: 'other-env' }, 'environmentId'],
        ['POST', '/authentications', { userId: otherId }, 'userId'],
        ['POST', '/devices', { type: 'TOTP', userId: otherId }, 'userId'],
        ['POST', '/devices', { type: 'TOTP', environmentId: 'other-env' }, 'environmentId'],
        ['PUT', '/devices/order', { order: ['abc'], userId: otherId }, 'userId'],
        ['PATCH', `/devices/${deviceId}`, { nickname: 'x', userId: otherId }, 'userId'],
      ];
      for (const [method, path, body, field] of cases) {
        const reply = await nothingUpstream(harness, () => harness.send(method, path, { body }));
        try {
          assertRelayError(reply, 400, 'BAD_REQUEST', field);
        } catch (error) {
          assert.fail(`${method} ${path}: ${String(error)}`);
        }
      }
    });

    it('userId or environmentId in the query → ignored: the session user is used', async () => {
      const query = `?userId=${otherId}&environmentId=other-env&user.id=${otherId}`;
      const environment = harness.engine.environmentId;
      const calls = await harness.recording(async () => {
        const session = await harness.send('GET', `/session${query}`);
        assert.equal(session.status, 200, session.text);
        const listed = await harness.send('GET', `/devices${query}`);
        assert.equal(listed.status, 200, listed.text);
        const created = await harness.send('POST', `/devices${query}`, { body: { type: 'TOTP' } });
        assert.equal(created.status, 201, created.text);
        const auth = await harness.send('POST', `/authentications${query}`, { body: {} });
        assert.ok(auth.status < 300 || auth.status === 400, auth.text);
      });
      const userCalls = calls.filter((call) => call.path.includes('/users'));
      assert.ok(userCalls.length >= 3, `user calls: ${JSON.stringify(calls)}`);
      for (const call of calls) {
        assert.ok(!call.path.includes(otherId), `never the other user: ${call.path}`);
        assert.ok(!call.path.includes('other-env'), `never the other environment: ${call.path}`);
        if (call.path.includes('/environments/')) {
          assert.ok(call.path.includes(`/environments/${environment}/`), call.path);
        }
      }
      for (const call of userCalls) {
        assert.ok(call.path.includes(`/users/${ownId}`), `the session user: ${call.path}`);
      }

      // The other user gained nothing.
      harness.jar.clear();
      await harness.session('mallory', 'manage');
      const theirs = await harness.send('GET', '/devices');
      assert.deepEqual(theirs.body.devices, [], 'no device was created for the other user');
    });
  });
});
