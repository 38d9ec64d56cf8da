import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import { memoryStore, type KeyValueStore } from './store.ts';
import {
  createTicketVerifier,
  formatUsername,
  TicketError,
  type TicketErrorCode,
  type TicketVerifier,
} from './tickets.ts';

const SECRET = 'ticket-secret-0123456789abcdef-0123456789';
const AUDIENCE = 'mfa-elements';
const T0 = Date.UTC(2026, 0, 1);
const NOW_S = T0 / 1000;

let counter = 0;
function claims(overrides: JWTPayload = {}): JWTPayload {
  counter += 1;
  return {
    sub: 'alice',
    purpose: 'signin',
    aud: AUDIENCE,
    jti: `ticket-${counter}-abcdef`,
    iat: NOW_S,
    exp: NOW_S + 120,
    ...overrides,
  };
}

async function hs(payload: JWTPayload, secret = SECRET, alg = 'HS256'): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ alg }).sign(new TextEncoder().encode(secret));
}

function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function secretVerifier(clock = { now: T0 }, replay?: KeyValueStore): TicketVerifier {
  return createTicketVerifier({
    secret: SECRET,
    audience: AUDIENCE,
    replay: replay ?? memoryStore({ now: () => clock.now }),
    now: () => clock.now,
  });
}

async function rejectsWith(promise: Promise<unknown>, code: TicketErrorCode): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof TicketError, `expected a TicketError, got ${String(error)}`);
    assert.equal(error.code, code);
    return true;
  });
}

describe('ticket verifier (shared secret)', () => {
  test('happy path returns the claims', async () => {
    const verifier = secretVerifier();
    const token = await hs(claims({ email: 'alice@corp.example', iss: 'host', purpose: 'enroll' }));
    const result = await verifier.verify(token);
    assert.equal(result.sub, 'alice');
    assert.equal(result.email, 'alice@corp.example');
    assert.equal(result.purpose, 'enroll');
    assert.equal(result.iss, 'host');
    assert.equal(result.exp, NOW_S + 120);
    assert.equal(result.iat, NOW_S);
    assert.match(result.jti, /^ticket-/);
  });

  test('a second use is a replay', async () => {
    const verifier = secretVerifier();
    const token = await hs(claims());
    await verifier.verify(token);
    await rejectsWith(verifier.verify(token), 'TICKET_REPLAYED');
  });

  test('expired → TICKET_EXPIRED (beyond the 5 s tolerance)', async () => {
    const clock = { now: T0 };
    const verifier = secretVerifier(clock);
    const token = await hs(claims({ exp: NOW_S + 60 }));
    clock.now = T0 + 64_000;
    const early = await hs(claims({ exp: NOW_S + 60 }));
    assert.equal((await verifier.verify(early)).sub, 'alice');
    clock.now = T0 + 66_000;
    await rejectsWith(verifier.verify(token), 'TICKET_EXPIRED');
  });

  test('invalid tickets never consume their jti', async () => {
    const clock = { now: T0 };
    const verifier = secretVerifier(clock);
    const good = claims({ exp: NOW_S + 600 });
    await rejectsWith(verifier.verify(await hs(good)), 'TICKET_INVALID');
    const fixed = await hs({ ...good, exp: NOW_S + 60 });
    assert.equal((await verifier.verify(fixed)).jti, good.jti);
  });

  const invalidCases: [string, () => Promise<string>][] = [
    ['wrong audience', () => hs(claims({ aud: 'someone-else' }))],
    ['no audience', () => hs(claims({ aud: undefined }))],
    ['wrong secret', () => hs(claims(), 'another-secret-0123456789abcdef-0123')],
    ['HS512', () => hs(claims(), SECRET, 'HS512')],
    ['HS384', () => hs(claims(), SECRET, 'HS384')],
    [
      'RS256',
      async () => {
        const { privateKey } = await generateKeyPair('RS256');
        return new SignJWT(claims()).setProtectedHeader({ alg: 'RS256' }).sign(privateKey);
      },
    ],
    ['alg none', () => Promise.resolve(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims())}.`)],
    [
      'alg none with a signature',
      () => Promise.resolve(`${b64({ alg: 'none' })}.${b64(claims())}.c2ln`),
    ],
    ['exp too far (> 5 min)', () => hs(claims({ iat: undefined, exp: NOW_S + 306 }))],
    ['exp - iat > 5 min', () => hs(claims({ iat: NOW_S - 200, exp: NOW_S + 150 }))],
    ['iat in the future', () => hs(claims({ iat: NOW_S + 60, exp: NOW_S + 120 }))],
    ['missing exp', () => hs(claims({ exp: undefined }))],
    ['missing jti', () => hs(claims({ jti: undefined }))],
    ['short jti', () => hs(claims({ jti: 'short' }))],
    ['missing sub', () => hs(claims({ sub: undefined }))],
    ['sub with a control character', () => hs(claims({ sub: 'ali\nce' }))],
    ['sub too long', () => hs(claims({ sub: 'a'.repeat(257) }))],
    ['unknown purpose', () => hs(claims({ purpose: 'admin' }))],
    ['missing purpose', () => hs(claims({ purpose: undefined }))],
    ['invalid email', () => hs(claims({ email: 'not-an-email' }))],
    ['not yet valid (nbf)', () => hs(claims({ nbf: NOW_S + 60 }))],
    ['garbage', () => Promise.resolve('not.a.jwt')],
    ['empty', () => Promise.resolve('')],
    ['over 8 KB', () => hs(claims({ pad: 'x'.repeat(8200) }))],
  ];
  for (const [name, make] of invalidCases) {
    test(`${name} → TICKET_INVALID`, async () => {
      await rejectsWith(secretVerifier().verify(await make()), 'TICKET_INVALID');
    });
  }

  test('exp exactly at the 5 min limit is accepted (with 5 s tolerance)', async () => {
    const verifier = secretVerifier();
    await verifier.verify(await hs(claims({ iat: undefined, exp: NOW_S + 305 })));
    await verifier.verify(await hs(claims({ iat: NOW_S, exp: NOW_S + 300 })));
  });

  test('a failing replay store fails closed', async () => {
    const failing: KeyValueStore = {
      claim: () => Promise.reject(new Error('down')),
      has: () => Promise.reject(new Error('down')),
      close: () => Promise.resolve(),
    };
    await rejectsWith(
      secretVerifier({ now: T0 }, failing).verify(await hs(claims())),
      'TICKET_INVALID',
    );
  });

  test('configuration is checked', () => {
    const replay = memoryStore();
    assert.throws(() => createTicketVerifier({ audience: AUDIENCE, replay }), TypeError);
    assert.throws(
      () =>
        createTicketVerifier({
          secret: SECRET,
          jwksUrl: 'https://idp.example/jwks',
          audience: AUDIENCE,
          replay,
        }),
      TypeError,
    );
    assert.throws(
      () => createTicketVerifier({ secret: 'short', audience: AUDIENCE, replay }),
      TypeError,
    );
    assert.throws(
      () =>
        createTicketVerifier({ jwksUrl: 'http://idp.example/jwks', audience: AUDIENCE, replay }),
      TypeError,
    );
  });
});

describe('ticket verifier (JWKS)', () => {
  let server: Server;
  let url: string;
  let privateKey: CryptoKey;
  let requests = 0;

  before(async () => {
    const pair = await generateKeyPair('ES256');
    privateKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    server = createServer((_req, res) => {
      requests += 1;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  });
  after(async () => {
    server.close();
    await once(server, 'close');
  });

  const realClaims = (overrides: JWTPayload = {}): JWTPayload => {
    const now = Math.floor(Date.now() / 1000);
    return claims({ iat: now, exp: now + 60, ...overrides });
  };

  test('an ES256 ticket verifies through the JWKS; keys are cached', async () => {
    const verifier = createTicketVerifier({
      jwksUrl: url,
      audience: AUDIENCE,
      replay: memoryStore(),
    });
    const sign = (payload: JWTPayload): Promise<string> =>
      new SignJWT(payload).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).sign(privateKey);
    assert.equal((await verifier.verify(await sign(realClaims()))).sub, 'alice');
    assert.equal((await verifier.verify(await sign(realClaims({ sub: 'bob' })))).sub, 'bob');
    assert.equal(requests, 1);
  });

  test('an unknown key, HS256 and alg none are refused', async () => {
    const verifier = createTicketVerifier({
      jwksUrl: url,
      audience: AUDIENCE,
      replay: memoryStore(),
    });
    const other = await generateKeyPair('ES256');
    await rejectsWith(
      verifier.verify(
        await new SignJWT(realClaims()).setProtectedHeader({ alg: 'ES256' }).sign(other.privateKey),
      ),
      'TICKET_INVALID',
    );
    await rejectsWith(verifier.verify(await hs(realClaims())), 'TICKET_INVALID');
    await rejectsWith(
      verifier.verify(`${b64({ alg: 'none' })}.${b64(realClaims())}.`),
      'TICKET_INVALID',
    );
  });

  test('an unreachable JWKS → TICKET_INVALID', async () => {
    const closed = createServer();
    closed.listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const port = (closed.address() as AddressInfo).port;
    closed.close();
    await once(closed, 'close');
    const verifier = createTicketVerifier({
      jwksUrl: `http://127.0.0.1:${port}/jwks.json`,
      audience: AUDIENCE,
      replay: memoryStore(),
    });
    const token = await new SignJWT(realClaims())
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .sign(privateKey);
    await rejectsWith(verifier.verify(token), 'TICKET_INVALID');
  });
});

describe('formatUsername', () => {
  test('substitutes sub and email', () => {
    assert.equal(formatUsername('{{sub}}@corp.example', { sub: 'alice' }), 'alice@corp.example');
    assert.equal(formatUsername('{{ email }}', { sub: 'a', email: 'a@b.example' }), 'a@b.example');
    assert.equal(formatUsername('{{sub}}', { sub: 'alice' }), 'alice');
  });

  test('values are not expanded twice', () => {
    assert.throws(
      () => formatUsername('{{sub}}-{{email}}', { sub: '{{email}}', email: 'x@y.example' }),
      TicketError,
    );
    assert.equal(formatUsername('{{sub}}', { sub: 'a{b}c' }), 'a{b}c');
  });

  const bad: [string, string, { sub: string; email?: string }][] = [
    ['unknown variable', '{{name}}@x', { sub: 'a' }],
    ['missing email', '{{email}}', { sub: 'a' }],
    ['empty result', '{{sub}}', { sub: '' }],
    ['too long', '{{sub}}@corp.example', { sub: 'a'.repeat(120) }],
    ['quote', '{{sub}}', { sub: 'o"brien' }],
    ['apostrophe', '{{sub}}', { sub: "o'brien" }],
    ['backslash', '{{sub}}', { sub: 'dom\\user' }],
    ['control character', '{{sub}}', { sub: 'a\u0000b' }],
    ['newline', '{{sub}}', { sub: 'a\nb' }],
  ];
  for (const [name, template, input] of bad) {
    test(`${name} → TICKET_INVALID`, () => {
      assert.throws(
        () => formatUsername(template, input),
        (error: unknown) => error instanceof TicketError && error.code === 'TICKET_INVALID',
      );
    });
  }
});
