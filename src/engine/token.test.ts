/**
 * Worker tokens: `POST /{envID}/as/token` (client credentials, basic or post) and the bearer
 * check in front of every other route.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { Harness, MEDIA, assertError, type Reply } from '../../test/helpers/engine-harness.ts';
import { generateKeys } from './crypto.ts';

const FORM = 'application/x-www-form-urlencoded';

const basic = (id: string, secret: string): string =>
  `Basic ${Buffer.from(`${id}:${secret}`, 'utf8').toString('base64')}`;

/** RFC 6749 §2.3.1: client id and secret are form-urlencoded before they are joined and base64'd. */
const formEncode = (value: string): string => new URLSearchParams({ v: value }).toString().slice(2);

interface TokenCall {
  body?: string;
  type?: string | null;
  authorization?: string;
  env?: string;
  headers?: Record<string, string>;
}

async function tokenCall(h: Harness, call: TokenCall = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...call.headers };
  if (call.authorization !== undefined) headers.authorization = call.authorization;
  return h.post(`/${call.env ?? h.env}/as/token`, {
    raw: call.body ?? 'grant_type=client_credentials',
    ...(call.type === null ? {} : { type: call.type ?? FORM }),
    token: null,
    headers,
  });
}

function assertAccessToken(reply: Reply): string {
  assert.equal(reply.status, 200, reply.text);
  assert.equal(reply.body.token_type, 'Bearer');
  assert.equal(reply.body.expires_in, 3600);
  assert.equal(typeof reply.body.access_token, 'string');
  assert.equal(reply.headers.get('cache-control'), 'no-store');
  assert.equal(reply.headers.get('pragma'), 'no-cache');
  return reply.body.access_token as string;
}

/** RFC 6749 §5.2: `{error, error_description}`, not the management API's P1 body. */
function assertOAuthError(reply: Reply, status: number, error: string): void {
  assert.equal(reply.status, status, reply.text);
  assert.equal(reply.body.error, error, reply.text);
  assert.equal(typeof reply.body.error_description, 'string');
  assert.equal(reply.body.code, undefined, 'an OAuth error carries no P1 code');
  assert.equal(reply.body.id, undefined, 'an OAuth error carries no P1 id');
  assert.equal(reply.headers.get('cache-control'), 'no-store');
  if (status === 401 && reply.headers.get('www-authenticate') !== null) {
    assert.match(reply.headers.get('www-authenticate') ?? '', /^Basic /);
  }
}

describe('POST /{env}/as/token', () => {
  let h: Harness;
  before(async () => {
    h = await Harness.start();
  });
  after(() => {
    h.close();
  });

  test('client_secret_basic issues a one-hour bearer token', async () => {
    const token = assertAccessToken(
      await tokenCall(h, { authorization: basic(h.engine.clientId, h.engine.clientSecret) }),
    );
    const claims = decodeJwt(token);
    assert.equal(claims.env, h.env);
    assert.equal(claims.sub, h.engine.clientId);
    assert.equal(claims.exp! - claims.iat!, 3600);
    assert.equal(claims.iat, Math.floor(h.clock.ms / 1000));
    assert.equal(decodeProtectedHeader(token).alg, 'HS256');
    const reply = await h.get(h.api('/mfaSettings'), { token });
    assert.equal(reply.status, 200);
  });

  test('client_secret_post issues a token', async () => {
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: h.engine.clientId,
      client_secret: h.engine.clientSecret,
    }).toString();
    const token = assertAccessToken(await tokenCall(h, { body }));
    assert.equal((await h.get(h.api('/users'), { token })).status, 200);
  });

  test('each token is distinct (jti)', async () => {
    const auth = basic(h.engine.clientId, h.engine.clientSecret);
    const first = assertAccessToken(await tokenCall(h, { authorization: auth }));
    const second = assertAccessToken(await tokenCall(h, { authorization: auth }));
    assert.notEqual(first, second);
    assert.notEqual(decodeJwt(first).jti, decodeJwt(second).jti);
  });

  test('a media type parameter on the form content type is accepted', async () => {
    assertAccessToken(
      await tokenCall(h, {
        type: `${FORM}; charset=UTF-8`,
        authorization: basic(h.engine.clientId, h.engine.clientSecret),
      }),
    );
  });

  test('wrong secret → 401 invalid_client (basic and post)', async () => {
    const wrong = `${h.engine.clientSecret}x`;
    assertOAuthError(
      await tokenCall(h, { authorization: basic(h.engine.clientId, wrong) }),
      401,
      'invalid_client',
    );
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: h.engine.clientId,
      client_secret: wrong,
    }).toString();
    assertOAuthError(await tokenCall(h, { body }), 401, 'invalid_client');
    assert.ok(h.events.some((event) => event.event === 'token.rejected'));
  });

  test('unknown client → 401 invalid_client', async () => {
    assertOAuthError(
      await tokenCall(h, { authorization: basic('someone-else', h.engine.clientSecret) }),
      401,
      'invalid_client',
    );
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: 'someone-else',
      client_secret: h.engine.clientSecret,
    }).toString();
    assertOAuthError(await tokenCall(h, { body }), 401, 'invalid_client');
  });

  test('a client id alone (no secret) → 401 invalid_client', async () => {
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: h.engine.clientId,
    }).toString();
    assertOAuthError(await tokenCall(h, { body }), 401, 'invalid_client');
  });

  test('no credentials → 401 invalid_client with a WWW-Authenticate challenge', async () => {
    const reply = await tokenCall(h);
    assertOAuthError(reply, 401, 'invalid_client');
    assert.match(reply.headers.get('www-authenticate') ?? '', /^Basic realm=/);
  });

  test('a malformed Basic header (no colon, not base64 of id:secret) → 401', async () => {
    const noColon = `Basic ${Buffer.from(h.engine.clientId).toString('base64')}`;
    assertOAuthError(await tokenCall(h, { authorization: noColon }), 401, 'invalid_client');
    assertOAuthError(await tokenCall(h, { authorization: 'Basic %%%' }), 401, 'invalid_client');
    // A bad percent escape in the form-encoded id is refused, not thrown.
    assertOAuthError(
      await tokenCall(h, { authorization: basic('%E0%A4%A', h.engine.clientSecret) }),
      401,
      'invalid_client',
    );
  });

  test('both methods at once → 400 invalid_request (RFC 6749 §2.3: one method per request)', async () => {
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: h.engine.clientId,
      client_secret: h.engine.clientSecret,
    }).toString();
    assertOAuthError(
      await tokenCall(h, { body, authorization: basic(h.engine.clientId, h.engine.clientSecret) }),
      400,
      'invalid_request',
    );
  });

  test('wrong or missing grant type → 400 unsupported_grant_type', async () => {
    const auth = basic(h.engine.clientId, h.engine.clientSecret);
    for (const body of ['grant_type=authorization_code', 'grant_type=password', '']) {
      assertOAuthError(
        await tokenCall(h, { body, authorization: auth }),
        400,
        'unsupported_grant_type',
      );
    }
  });

  test('a JSON body (or none at all) → 400 invalid_request', async () => {
    const auth = basic(h.engine.clientId, h.engine.clientSecret);
    assertOAuthError(
      await tokenCall(h, {
        type: 'application/json',
        body: JSON.stringify({ grant_type: 'client_credentials' }),
        authorization: auth,
      }),
      400,
      'invalid_request',
    );
    assertOAuthError(
      await tokenCall(h, { type: null, body: '', authorization: auth }),
      400,
      'invalid_request',
    );
  });

  test('unknown environment in the path → 401 invalid_client', async () => {
    const reply = await tokenCall(h, {
      env: '00000000-0000-4000-8000-000000000000',
      authorization: basic(h.engine.clientId, h.engine.clientSecret),
    });
    assertOAuthError(reply, 401, 'invalid_client');
  });

  test('a failed token request changes nothing', async () => {
    const before = h.snapshotAll();
    await tokenCall(h, { authorization: basic(h.engine.clientId, 'nope') });
    await tokenCall(h, {
      body: 'grant_type=password',
      authorization: basic(h.engine.clientId, h.engine.clientSecret),
    });
    assert.deepEqual(h.snapshotAll(), before);
  });
});

describe('client credentials with reserved characters', () => {
  const clientSecret = 'p@ss: w+rd/é%';
  let h: Harness;
  before(() => {
    // Not Harness.start: its token helper sends the id and secret without form-encoding them.
    h = new Harness({ clientId: 'my client', clientSecret });
  });
  after(() => {
    h.close();
  });

  test('basic: id and secret are form-urlencoded before base64 (RFC 6749 §2.3.1)', async () => {
    assertAccessToken(
      await tokenCall(h, {
        authorization: basic(formEncode('my client'), formEncode(clientSecret)),
      }),
    );
  });

  test('post: the form body carries them', async () => {
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: 'my client',
      client_secret: clientSecret,
    }).toString();
    assertAccessToken(await tokenCall(h, { body }));
  });
});

describe('bearer check', () => {
  let h: Harness;
  before(async () => {
    h = await Harness.start();
  });
  after(() => {
    h.close();
  });

  test('the scheme is case-insensitive (RFC 7235)', async () => {
    const reply = await h.get(h.api('/mfaSettings'), {
      token: null,
      headers: { authorization: `bearer ${h.token}` },
    });
    assert.equal(reply.status, 200);
  });

  test('Bearer missing, another scheme or an empty token → 401 INVALID_TOKEN', async () => {
    for (const authorization of [
      h.token,
      `Basic ${h.token}`,
      `Token ${h.token}`,
      'Bearer',
      'Bearer ',
      `Bearer ${h.token} extra`,
    ]) {
      const reply = await h.get(h.api('/mfaSettings'), { token: null, headers: { authorization } });
      assertError(reply, 401, 'INVALID_TOKEN');
    }
    assertError(await h.get(h.api('/mfaSettings'), { token: null }), 401, 'INVALID_TOKEN');
  });

  test('a tampered token → 401', async () => {
    const [header, payload, signature] = h.token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >;
    const longer = Buffer.from(
      JSON.stringify({ ...claims, exp: Number(claims.exp) + 86_400 }),
    ).toString('base64url');
    assertError(
      await h.get(h.api('/users'), { token: `${header}.${longer}.${signature}` }),
      401,
      'INVALID_TOKEN',
    );
    // Flip a byte in the middle of the signature.
    const bytes = Buffer.from(signature, 'base64url');
    bytes[10] = (bytes[10] ?? 0) ^ 0xff;
    assertError(
      await h.get(h.api('/users'), {
        token: `${header}.${payload}.${bytes.toString('base64url')}`,
      }),
      401,
      'INVALID_TOKEN',
    );
    assertError(
      await h.get(h.api('/users'), { token: `${header}.${payload}.` }),
      401,
      'INVALID_TOKEN',
    );
    assertError(await h.get(h.api('/users'), { token: 'not-a-jwt' }), 401, 'INVALID_TOKEN');
  });

  test('an unsigned token (alg none) → 401', async () => {
    const [, payload] = h.token.split('.') as [string, string];
    const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    assertError(
      await h.get(h.api('/users'), { token: `${none}.${payload}.` }),
      401,
      'INVALID_TOKEN',
    );
  });

  test('the token expires after 3600 s → 401 INVALID_TOKEN on any API call', async () => {
    const local = await Harness.start();
    try {
      local.clock.advance(3599_000);
      assert.equal((await local.get(local.api('/mfaSettings'))).status, 200);
      local.clock.advance(2_000);
      assertError(await local.get(local.api('/mfaSettings')), 401, 'INVALID_TOKEN');
      assertError(await local.get(local.api('/users')), 401, 'INVALID_TOKEN');
      assertError(await local.get('/outbox'), 401, 'INVALID_TOKEN');
      assertError(
        await local.post(local.auth('/deviceAuthentications'), { body: {} }),
        401,
        'INVALID_TOKEN',
      );
      // A fresh token works again.
      local.token = await local.fetchToken();
      assert.equal((await local.get(local.api('/mfaSettings'))).status, 200);
    } finally {
      local.close();
    }
  });

  test('a token signed by another engine → 401', async () => {
    const other = await Harness.start({ environmentId: h.env });
    try {
      assertError(await h.get(h.api('/users'), { token: other.token }), 401, 'INVALID_TOKEN');
    } finally {
      other.close();
    }
  });

  test('a token of another environment, even under the same keys → 401', async () => {
    const keys = generateKeys();
    const a = await Harness.start({ keys });
    const b = await Harness.start({ keys });
    try {
      assert.notEqual(a.env, b.env);
      assertError(await a.get(a.api('/users'), { token: b.token }), 401, 'INVALID_TOKEN');
      assertError(await a.get(b.api('/users'), { token: b.token }), 401, 'INVALID_TOKEN');
    } finally {
      a.close();
      b.close();
    }
  });

  test('a token of the same environment and keys from another instance is accepted', async () => {
    const keys = generateKeys();
    const a = await Harness.start({ keys });
    const b = await Harness.start({ keys, environmentId: a.env });
    try {
      assert.equal((await a.get(a.api('/mfaSettings'), { token: b.token })).status, 200);
    } finally {
      a.close();
      b.close();
    }
  });

  test('a valid token with another environment id in the path → 403 ACCESS_FAILED', async () => {
    const otherEnv = '00000000-0000-4000-8000-000000000000';
    const before = h.snapshotAll();
    assertError(await h.get(`/v1/environments/${otherEnv}/users`), 403, 'ACCESS_FAILED');
    assertError(await h.get(`/v1/environments/${otherEnv}/mfaSettings`), 403, 'ACCESS_FAILED');
    assertError(await h.delete(`/v1/environments/${otherEnv}/mfaSettings`), 403, 'ACCESS_FAILED');
    assertError(
      await h.post(`/v1/environments/${otherEnv}/users`, { body: { username: 'eve' } }),
      403,
      'ACCESS_FAILED',
    );
    assertError(
      await h.post(`/${otherEnv}/deviceAuthentications`, { body: {} }),
      403,
      'ACCESS_FAILED',
    );
    assert.deepEqual(h.snapshotAll(), before);
  });
});

describe('every route without a token → 401 with a P1 body', () => {
  let h: Harness;
  const ids: Record<string, string> = {};
  before(async () => {
    h = await Harness.start();
    ids.envId = h.env;
    ids.userId = await h.createUser('victim', { mobilePhone: '+15125550100' });
    const device = await h.post(h.api(`/users/${ids.userId}/devices`), {
      body: { type: 'SMS', phone: '+15125550100' },
    });
    assert.equal(device.status, 201, device.text);
    ids.deviceId = device.body.id as string;
    const policies = await h.get(h.api('/deviceAuthenticationPolicies'));
    const [policy] = (
      policies.body._embedded as { deviceAuthenticationPolicies: Record<string, unknown>[] }
    ).deviceAuthenticationPolicies;
    const copy = await h.post(h.api('/deviceAuthenticationPolicies'), {
      body: { ...policy, name: 'Copy', default: false },
    });
    assert.equal(copy.status, 201, copy.text);
    ids.policyId = copy.body.id as string;
    const fido2 = await h.get(h.api('/fido2Policies'));
    ids.fido2PolicyId = (
      fido2.body._embedded as { fido2Policies: { id: string }[] }
    ).fido2Policies[0]!.id;
    const auth = await h.post(h.auth('/deviceAuthentications'), {
      body: { user: { id: ids.userId } },
    });
    assert.equal(auth.status, 201, auth.text);
    ids.authenticationId = auth.body.id as string;
    // Settings differ from the defaults, so an unauthenticated reset would show.
    const settings = await h.put(h.api('/mfaSettings'), {
      body: { pairing: { maxAllowedDevices: 7, pairingKeyFormat: 'ALPHANUMERIC' } },
    });
    assert.equal(settings.status, 200, settings.text);
  });
  after(() => {
    h.close();
  });

  /** A body that would succeed with a token, so a missing check would show in the tables. */
  const bodies: Record<string, { body?: unknown; type?: string }> = {
    'POST /v1/environments/:envId/users': { body: { username: 'mallory' } },
    'PUT /v1/environments/:envId/users/:userId/mfaEnabled': { body: { mfaEnabled: false } },
    'POST /v1/environments/:envId/users/:userId/devices': {
      body: { type: 'EMAIL', email: 'm@example.com' },
    },
    'DELETE /v1/environments/:envId/users/:userId/devices': { type: MEDIA.orderRemove },
    'POST /v1/environments/:envId/users/:userId/devices/:deviceId': { body: {}, type: MEDIA.block },
    'PUT /v1/environments/:envId/users/:userId/devices/:deviceId/nickname': {
      body: { nickname: 'pwned' },
    },
    'PUT /v1/environments/:envId/mfaSettings': {
      body: { pairing: { maxAllowedDevices: 1, pairingKeyFormat: 'NUMERIC' } },
    },
    'POST /v1/environments/:envId/deviceAuthenticationPolicies': { body: {} },
    'PUT /v1/environments/:envId/deviceAuthenticationPolicies/:policyId': { body: {} },
    'POST /:envId/deviceAuthentications': { body: { user: { id: 'x' } } },
    'POST /:envId/deviceAuthentications/:authenticationId': {
      body: { otp: '123456' },
      type: MEDIA.otpCheck,
    },
    'POST /admin/oathTokens': {
      body: {
        tokens: [
          { serialNumber: 'EVIL-1', secret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', type: 'TOTP' },
        ],
      },
    },
  };

  /** Every route the engine registers: users, devices, device authentications, mfaSettings, policies, fido2Policies, outbox, admin. */
  const EXPECTED_ROUTES = [
    'GET /v1/environments/:envId/users',
    'POST /v1/environments/:envId/users',
    'GET /v1/environments/:envId/users/:userId',
    'GET /v1/environments/:envId/users/:userId/mfaEnabled',
    'PUT /v1/environments/:envId/users/:userId/mfaEnabled',
    'GET /v1/environments/:envId/users/:userId/devices',
    'POST /v1/environments/:envId/users/:userId/devices',
    'DELETE /v1/environments/:envId/users/:userId/devices',
    'GET /v1/environments/:envId/users/:userId/devices/:deviceId',
    'POST /v1/environments/:envId/users/:userId/devices/:deviceId',
    'DELETE /v1/environments/:envId/users/:userId/devices/:deviceId',
    'PUT /v1/environments/:envId/users/:userId/devices/:deviceId/nickname',
    'GET /v1/environments/:envId/mfaSettings',
    'PUT /v1/environments/:envId/mfaSettings',
    'DELETE /v1/environments/:envId/mfaSettings',
    'GET /v1/environments/:envId/deviceAuthenticationPolicies',
    'POST /v1/environments/:envId/deviceAuthenticationPolicies',
    'GET /v1/environments/:envId/deviceAuthenticationPolicies/:policyId',
    'PUT /v1/environments/:envId/deviceAuthenticationPolicies/:policyId',
    'DELETE /v1/environments/:envId/deviceAuthenticationPolicies/:policyId',
    'GET /v1/environments/:envId/fido2Policies',
    'GET /v1/environments/:envId/fido2Policies/:policyId',
    'POST /:envId/deviceAuthentications',
    'GET /:envId/deviceAuthentications/:authenticationId',
    'POST /:envId/deviceAuthentications/:authenticationId',
    'GET /outbox',
    'GET /admin/oathTokens',
    'POST /admin/oathTokens',
  ];

  function registeredRoutes(): string[] {
    return h.engine.app.routes
      .filter((route) => route.method !== 'ALL' && route.path !== '/:envId/as/token')
      .map((route) => `${route.method} ${route.path}`);
  }

  test('the route list covers every registered route', () => {
    assert.deepEqual([...registeredRoutes()].sort(), [...EXPECTED_ROUTES].sort());
  });

  test('no token → 401 INVALID_TOKEN, and nothing changes', async () => {
    const before = h.snapshotAll();
    for (const route of registeredRoutes()) {
      const [method, template] = route.split(' ') as [string, string];
      const path = template.replace(/:(\w+)/g, (_, name: string) => {
        const id =
          name === 'policyId' && template.includes('fido2Policies') ? ids.fido2PolicyId : ids[name];
        assert.ok(id, `no id for :${name}`);
        return id;
      });
      const extra = bodies[route] ?? {};
      const reply = await h.request(method, path, { ...extra, token: null });
      assert.equal(reply.status, 401, `${route}: ${reply.text}`);
      assertError(reply, 401, 'INVALID_TOKEN');
      assert.equal(reply.headers.get('cache-control'), 'no-store', route);
      assert.ok(reply.headers.get('x-ping-external-transaction-id'), route);
    }
    assert.deepEqual(h.snapshotAll(), before);
  });
});
