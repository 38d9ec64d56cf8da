/**
 * The relay's HTTP surface, route by route: documents and health, and the guards every
 * state-changing route must pass (security bar §4: 29 CSRF header, 30 content type, 31 origin and
 * CORS, 34 body size, 35 strict JSON, 36 strict schemas), plus 404/405 answers and error hygiene.
 * Every refusal is checked for its status and code, for silence upstream and for unchanged state.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { Hono } from 'hono';
import { ROUTES } from '../../src/bff/app.ts';
import { ERROR_MESSAGES, type ErrorCode } from '../../src/protocol/index.ts';
import {
  assertRelayError,
  nothingUpstream,
  MOUNT,
  ORIGIN,
  RelayHarness,
  relaxedLimits,
  type Reply,
  type SendOptions,
} from '../helpers/relay-harness.ts';

const addFormats = addFormatsModule.default;

const UNSAFE_METHODS = ['POST', 'PUT', 'PATCH', 'DELETE'];
const UNSAFE = ROUTES.filter(([method]) => UNSAFE_METHODS.includes(method));
const WITH_BODY = UNSAFE.filter(([method]) => method !== 'DELETE');

interface Fixture {
  deviceId: string;
  /** An authentication this session started (OTP_REQUIRED on the TOTP device). */
  handle: string;
  secret: string;
}

/** A manage session for `sub` with an active TOTP device and a started sign-in. */
async function enrolled(harness: RelayHarness, sub: string): Promise<Fixture> {
  harness.jar.clear();
  await harness.session(sub, 'manage');
  const { deviceId, secret } = await harness.enrollTotp();
  const auth = await harness.send('POST', '/authentications', { body: {} });
  assert.equal(auth.status, 201, auth.text);
  assert.equal(auth.body.status, 'OTP_REQUIRED', auth.text);
  return { deviceId, handle: auth.body.id as string, secret };
}

function concrete(path: string, fixture: Fixture): string {
  return path
    .replace('/authentications/:id', `/authentications/${fixture.handle}`)
    .replace('/devices/:id', `/devices/${fixture.deviceId}`);
}

const DUMMY_ASSERTION = {
  id: 'AAAA',
  rawId: 'AAAA',
  type: 'public-key',
  response: { clientDataJSON: 'AAAA', authenticatorData: 'AAAA', signature: 'AAAA' },
  clientExtensionResults: {},
};

/** A well-formed body for every state-changing route (undefined: the route takes none). */
const BODIES = new Map<string, (harness: RelayHarness, fixture: Fixture) => Promise<unknown>>([
  ['POST /session', async (harness) => ({ ticket: await harness.ticket('mallory', 'manage') })],
  ['DELETE /session', () => Promise.resolve(undefined)],
  ['POST /authentications', () => Promise.resolve({})],
  ['DELETE /authentications/:id', () => Promise.resolve(undefined)],
  ['POST /authentications/:id/device', (_h, f) => Promise.resolve({ deviceId: f.deviceId })],
  ['POST /authentications/:id/otp', () => Promise.resolve({ otp: '123456' })],
  ['POST /authentications/:id/assertion', () => Promise.resolve({ credential: DUMMY_ASSERTION })],
  ['POST /authentications/:id/resend', () => Promise.resolve({})],
  ['POST /devices', () => Promise.resolve({ type: 'TOTP', nickname: 'Second' })],
  ['PUT /devices/order', (_h, f) => Promise.resolve({ order: [f.deviceId] })],
  ['PATCH /devices/:id', () => Promise.resolve({ nickname: 'Renamed' })],
  ['DELETE /devices/:id', () => Promise.resolve(undefined)],
  ['POST /devices/:id/activation', () => Promise.resolve({ otp: '123456' })],
  ['POST /devices/:id/activation-code', () => Promise.resolve({})],
]);

async function bodyFor(
  harness: RelayHarness,
  fixture: Fixture,
  method: string,
  path: string,
): Promise<unknown> {
  const make = BODIES.get(`${method} ${path}`);
  assert.ok(make, `a body for ${method} ${path}`);
  return make(harness, fixture);
}

/** Sends a well-formed request for the route, with `options` layered over it. */
async function sendRoute(
  harness: RelayHarness,
  fixture: Fixture,
  [method, path]: readonly [string, string],
  options: SendOptions = {},
): Promise<Reply> {
  const body = await bodyFor(harness, fixture, method, path);
  return harness.send(method, concrete(path, fixture), {
    ...(body !== undefined ? { body } : {}),
    ...options,
  });
}

/** A guard refusal on every state-changing route: status, code, silence, state and session kept. */
async function refusedEverywhere(
  harness: RelayHarness,
  fixture: Fixture,
  routes: readonly (readonly [string, string])[],
  options: SendOptions,
  status: number,
  code: ErrorCode,
): Promise<void> {
  const jar = new Map(harness.jar);
  for (const route of routes) {
    const reply = await nothingUpstream(harness, () => sendRoute(harness, fixture, route, options));
    try {
      assertRelayError(reply, status, code);
    } catch (error) {
      assert.fail(`${route.join(' ')} ${JSON.stringify(options)}: ${String(error)}`);
    }
    assert.deepEqual(reply.setCookies, [], 'a refused request leaves the cookie alone');
    assert.deepEqual(new Map(harness.jar), jar, 'the browser keeps its session');
  }
}

/** The session, its device and its sign-in all survived. */
async function stillIntact(harness: RelayHarness, fixture: Fixture): Promise<void> {
  const session = await harness.send('GET', '/session');
  assert.equal(session.status, 200, session.text);
  const devices = await harness.send('GET', '/devices');
  assert.equal(devices.status, 200, devices.text);
  const listed = devices.body.devices as { id: string; nickname?: string }[];
  assert.deepEqual(
    listed.map((device) => device.id),
    [fixture.deviceId],
    'no device added or removed',
  );
  const auth = await harness.send('GET', `/authentications/${fixture.handle}`);
  assert.equal(auth.status, 200, auth.text);
  assert.equal(auth.body.status, 'OTP_REQUIRED', auth.text);
}

describe('relay HTTP surface', () => {
  let harness: RelayHarness;
  let fixture: Fixture;
  before(async () => {
    harness = await RelayHarness.start({ limits: relaxedLimits() });
    fixture = await enrolled(harness, 'owner');
  });
  after(() => {
    harness.close();
  });

  it('the route table has a well-formed request for every state-changing route', () => {
    assert.ok(UNSAFE.length >= 14, 'state-changing routes found');
    for (const [method, path] of UNSAFE) {
      assert.ok(BODIES.has(`${method} ${path}`), `a body for ${method} ${path}`);
    }
  });

  describe('documents and health', () => {
    it('GET /openapi.json is an OpenAPI 3.1 document covering every API route', async () => {
      const reply = await harness.send('GET', '/openapi.json');
      assert.equal(reply.status, 200, reply.text);
      assert.equal(reply.headers.get('cache-control'), 'no-store');
      const doc = reply.body as {
        openapi: string;
        info: { title: unknown; version: unknown };
        servers: { url: string }[];
        paths: Record<string, Record<string, Record<string, unknown>>>;
        components: { schemas: Record<string, Record<string, unknown>> };
      };
      assert.match(doc.openapi, /^3\.1\.\d+$/);
      assert.equal(typeof doc.info.title, 'string');
      assert.equal(typeof doc.info.version, 'string');
      assert.deepEqual(doc.servers, [{ url: MOUNT }]);

      // Every component schema is valid JSON Schema 2020-12 (the dialect of OpenAPI 3.1).
      const ajv = new Ajv2020({ strict: false, allErrors: true });
      addFormats(ajv);
      for (const [name, schema] of Object.entries(doc.components.schemas)) {
        assert.doesNotThrow(() => ajv.compile(schema), `schema ${name} compiles`);
      }
      const refs = [...reply.text.matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g)];
      assert.ok(refs.length > 0, 'operations refer to components');
      for (const [, name = ''] of refs) {
        assert.ok(name in doc.components.schemas, `$ref ${name} resolves`);
      }

      // The two documents are not API operations; every other route is documented, and only those.
      const documented = new Set<string>();
      for (const [path, operations] of Object.entries(doc.paths)) {
        assert.ok(path.startsWith('/'), `path ${path}`);
        const params = [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
        for (const [method, operation] of Object.entries(operations)) {
          documented.add(`${method.toUpperCase()} ${path}`);
          assert.equal(typeof operation.summary, 'string', `${method} ${path} summary`);
          assert.equal(typeof operation.responses, 'object', `${method} ${path} responses`);
          const declared = (operation.parameters as { name: string; in: string }[])
            .filter((parameter) => parameter.in === 'path')
            .map((parameter) => parameter.name);
          assert.deepEqual(declared, params, `${method} ${path} path parameters`);
          if (UNSAFE_METHODS.includes(method.toUpperCase())) {
            const csrf = (operation.parameters as { name: string; in: string }[]).find(
              (parameter) => parameter.in === 'header',
            );
            assert.equal(csrf?.name, 'X-MFA-CSRF', `${method} ${path} documents the CSRF header`);
          }
        }
      }
      const routes = ROUTES.map(([method, path]) => `${method} ${path.replace(/:(\w+)/g, '{$1}')}`);
      assert.deepEqual([...documented].sort(), [...routes].sort(), 'documented = routed');

      // A live answer validates against its documented schema.
      const session = await harness.send('GET', '/session');
      const validate = ajv.compile(doc.components.schemas.SessionView ?? {});
      assert.ok(validate(session.body), `SessionView: ${ajv.errorsText(validate.errors)}`);
      const missing = await harness.send('GET', '/authentications/nope');
      const validateError = ajv.compile(doc.components.schemas.Error ?? {});
      assert.ok(validateError(missing.body), `Error: ${ajv.errorsText(validateError.errors)}`);
    });

    it('GET /.well-known/jwks.json publishes public keys only, cacheable', async () => {
      const reply = await harness.send('GET', '/.well-known/jwks.json');
      assert.equal(reply.status, 200, reply.text);
      assert.equal(reply.headers.get('cache-control'), 'public, max-age=300');
      const { keys } = reply.body as { keys: Record<string, unknown>[] };
      assert.ok(Array.isArray(keys) && keys.length > 0, 'at least one key');
      for (const key of keys) {
        assert.equal(typeof key.kty, 'string');
        assert.equal(typeof key.kid, 'string');
        for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth']) {
          assert.equal(key[secret], undefined, `no private member ${secret}`);
        }
      }
    });

    it('GET /.well-known/jwks.json is empty for an HS256 result secret', async () => {
      const hs = await RelayHarness.start({
        resultSecret: 'result-secret-0123456789abcdef-0123456',
      });
      try {
        const reply = await hs.send('GET', '/.well-known/jwks.json');
        assert.equal(reply.status, 200, reply.text);
        assert.deepEqual(reply.body, { keys: [] });
        assert.doesNotMatch(reply.text, /result-secret/);
      } finally {
        hs.close();
      }
    });

    it('GET /mfa/healthz and /mfa/readyz answer 200', async () => {
      const health = await harness.send('GET', '/mfa/healthz');
      assert.equal(health.status, 200, health.text);
      assert.deepEqual(health.body, { status: 'ok' });
      const ready = await harness.send('GET', '/mfa/readyz');
      assert.equal(ready.status, 200, ready.text);
      assert.deepEqual(ready.body, { status: 'ready' });
    });

    it('GET /mfa/readyz is 503 while the token endpoint fails, 200 once it works', async () => {
      const fresh = await RelayHarness.start();
      try {
        fresh.fault = (request) =>
          new URL(request.url).pathname.endsWith('/as/token')
            ? Response.json({ error: 'server_error', detail: 'UPSTREAM-SECRET' }, { status: 500 })
            : undefined;
        const calls = await fresh.recording(async () => {
          const down = await fresh.send('GET', '/mfa/readyz');
          assert.equal(down.status, 503, down.text);
          assert.deepEqual(down.body, { status: 'unavailable' });
          assert.doesNotMatch(down.text, /UPSTREAM-SECRET|server_error/);
        });
        assert.ok(calls.length > 0, 'the token endpoint was asked');
        assert.deepEqual(RelayHarness.mutations(calls), [], 'only the token request');

        fresh.fault = (request) =>
          new URL(request.url).pathname.endsWith('/as/token')
            ? Response.json({ error: 'invalid_client' }, { status: 401 })
            : undefined;
        assert.equal((await fresh.send('GET', '/mfa/readyz')).status, 503, 'bad credentials');

        fresh.fault = undefined;
        const up = await fresh.send('GET', '/mfa/readyz');
        assert.equal(up.status, 200, up.text);
      } finally {
        fresh.close();
      }
    });
  });

  describe('29: the anti-forgery header', () => {
    for (const [label, options] of [
      ['missing', { noCsrf: true }],
      ['0', { headers: { 'x-mfa-csrf': '0' } }],
      ['empty', { headers: { 'x-mfa-csrf': '' } }],
      ['true', { headers: { 'x-mfa-csrf': 'true' } }],
    ] as const) {
      it(`${label} → 403 CSRF_REJECTED on every state-changing route, nothing upstream`, async () => {
        await refusedEverywhere(harness, fixture, UNSAFE, options, 403, 'CSRF_REJECTED');
        await stillIntact(harness, fixture);
      });
    }
  });

  describe('30: JSON only', () => {
    const types = [
      'text/plain',
      'text/plain;charset=UTF-8',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=----boundary',
      'application/json; charset=iso-8859-1',
      'application/jsonx',
      'application/problem+json',
    ];
    for (const type of types) {
      it(`${type} carrying valid JSON → 415 on every POST/PUT/PATCH route`, async () => {
        await refusedEverywhere(
          harness,
          fixture,
          WITH_BODY,
          { headers: { 'content-type': type } },
          415,
          'UNSUPPORTED_MEDIA_TYPE',
        );
        await stillIntact(harness, fixture);
      });
    }

    it('a body without Content-Type → 415', async () => {
      await refusedEverywhere(
        harness,
        fixture,
        WITH_BODY,
        { headers: { 'content-type': undefined } },
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      );
    });

    it('DELETE with a text/plain body → 415', async () => {
      const deletes = UNSAFE.filter(([method]) => method === 'DELETE');
      await refusedEverywhere(
        harness,
        fixture,
        deletes,
        { raw: '{}', headers: { 'content-type': 'text/plain' } },
        415,
        'UNSUPPORTED_MEDIA_TYPE',
      );
      await stillIntact(harness, fixture);
    });

    it('application/json with a UTF-8 charset, in any case, is accepted', async () => {
      for (const type of ['application/json; charset=utf-8', 'Application/JSON; Charset=UTF-8']) {
        const reply = await harness.send('GET', '/session');
        assert.equal(reply.status, 200);
        const created = await harness.send('POST', '/session', {
          body: { ticket: await harness.ticket('owner', 'manage') },
          headers: { 'content-type': type },
        });
        assert.equal(created.status, 201, `${type}: ${created.text}`);
      }
      fixture = await enrolled(harness, 'owner-2');
    });
  });

  describe('31: origin checks and CORS', () => {
    const refusals: [string, SendOptions][] = [
      [
        'Sec-Fetch-Site cross-site, no Origin',
        { origin: null, headers: { 'sec-fetch-site': 'cross-site' } },
      ],
      [
        'Sec-Fetch-Site same-site, no Origin',
        { origin: null, headers: { 'sec-fetch-site': 'same-site' } },
      ],
      ['Sec-Fetch-Site none, no Origin', { origin: null, headers: { 'sec-fetch-site': 'none' } }],
      ['neither Origin nor Sec-Fetch-Site', { origin: null }],
      ['Origin https://evil.example', { origin: 'https://evil.example' }],
      [
        'Origin http://localhost:5173.evil.example',
        { origin: 'http://localhost:5173.evil.example' },
      ],
      ['Origin null', { origin: 'null' }],
      ['Origin with a trailing slash', { origin: `${ORIGIN}/` }],
      ['Origin over https instead of http', { origin: 'https://localhost:5173' }],
      ['Origin on another port', { origin: 'http://localhost:5174' }],
      [
        'foreign Origin with Sec-Fetch-Site same-origin',
        { origin: 'https://evil.example', headers: { 'sec-fetch-site': 'same-origin' } },
      ],
    ];
    for (const [label, options] of refusals) {
      it(`${label} → 403 ORIGIN_FORBIDDEN on every state-changing route`, async () => {
        await refusedEverywhere(harness, fixture, UNSAFE, options, 403, 'ORIGIN_FORBIDDEN');
      });
    }

    it('Sec-Fetch-Site same-origin without Origin is accepted', async () => {
      await stillIntact(harness, fixture);
      const reply = await harness.send('POST', '/authentications', {
        body: {},
        origin: null,
        headers: { 'sec-fetch-site': 'same-origin' },
      });
      assert.equal(reply.status, 201, reply.text);
    });

    it('preflights: only allow-listed origins get CORS headers, never *', async () => {
      const cors = await RelayHarness.start({ allowedOrigins: ['https://app.example'] });
      try {
        const preflight = (origin: string, path = '/session') =>
          cors.send('OPTIONS', path, {
            origin,
            headers: {
              'access-control-request-method': 'POST',
              'access-control-request-headers': 'content-type,x-mfa-csrf',
            },
          });
        for (const origin of [
          'https://evil.example',
          'https://app.example.evil.example',
          'http://app.example',
          'null',
          ORIGIN,
        ]) {
          const calls = await cors.recording(async () => {
            const reply = await preflight(origin);
            assert.equal(reply.headers.get('access-control-allow-origin'), null, origin);
            assert.equal(reply.headers.get('access-control-allow-credentials'), null, origin);
            assert.equal(reply.headers.get('access-control-allow-methods'), null, origin);
          });
          assert.deepEqual(calls, [], 'a preflight never goes upstream');
        }
        for (const path of ['/session', '/devices/abc', '/authentications/x/otp']) {
          const allowed = await preflight('https://app.example', path);
          assert.equal(allowed.status, 204);
          assert.equal(allowed.headers.get('access-control-allow-origin'), 'https://app.example');
          assert.equal(allowed.headers.get('access-control-allow-credentials'), 'true');
          assert.match(allowed.headers.get('access-control-allow-headers') ?? '', /x-mfa-csrf/i);
          assert.match(allowed.headers.get('vary') ?? '', /origin/i);
        }

        // The real request from the allowed origin works and is readable by it alone.
        const created = await cors.send('POST', '/session', {
          origin: 'https://app.example',
          body: { ticket: await cors.ticket('dora', 'enroll') },
        });
        assert.equal(created.status, 201, created.text);
        assert.equal(created.headers.get('access-control-allow-origin'), 'https://app.example');
        assert.equal(created.headers.get('access-control-allow-credentials'), 'true');
        const foreign = await cors.send('GET', '/session', { origin: 'https://evil.example' });
        assert.equal(foreign.headers.get('access-control-allow-origin'), null);
        const same = await cors.send('GET', '/session', { origin: ORIGIN });
        assert.equal(same.headers.get('access-control-allow-origin'), null, 'same origin: no CORS');
        for (const reply of [created, foreign, same]) {
          assert.notEqual(reply.headers.get('access-control-allow-origin'), '*');
        }
      } finally {
        cors.close();
      }
    });

    it('an allow-listed origin is refused by a relay that does not list it', async () => {
      await refusedEverywhere(
        harness,
        fixture,
        UNSAFE,
        { origin: 'https://app.example' },
        403,
        'ORIGIN_FORBIDDEN',
      );
    });
  });

  describe('405 and 404', () => {
    const patterns = ROUTES.map(([method, path]) => ({
      method,
      path,
      regex: new RegExp(`^${path.replace(/:\w+/g, '[^/]+').replace(/\./g, '\\.')}$`),
    }));
    const allowedOn = new Map<string, string[]>();
    for (const [method, path] of ROUTES) {
      allowedOn.set(path, [...(allowedOn.get(path) ?? []), method]);
    }

    it('GET on mutating-only routes → 405 with Allow', async () => {
      for (const [path, allow] of [
        ['/devices/order', 'PUT'],
        ['/authentications/x/otp', 'POST'],
        ['/devices/abc/activation', 'POST'],
      ] as const) {
        const reply = await nothingUpstream(harness, () => harness.send('GET', path));
        assertRelayError(reply, 405, 'METHOD_NOT_ALLOWED');
        assert.equal(reply.headers.get('allow'), allow);
      }
    });

    it('every method a path does not route → 405 listing exactly the routed ones', async () => {
      for (const [path, methods] of allowedOn) {
        const target = concrete(path, fixture);
        for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) {
          if (methods.includes(method)) continue;
          // A concrete id can match another pattern (`/devices/abc` for `/devices/:id`); the
          // literal `/devices/order` is answered as its own path.
          const other = patterns.find((p) => p.method === method && p.regex.test(target));
          if (other && path !== '/devices/order') continue;
          const reply = await nothingUpstream(harness, () =>
            harness.send(method, target, ['GET', 'DELETE'].includes(method) ? {} : { body: {} }),
          );
          assertRelayError(reply, 405, 'METHOD_NOT_ALLOWED');
          assert.deepEqual(
            (reply.headers.get('allow') ?? '').split(', ').sort(),
            [...methods].sort(),
            `${method} ${path}`,
          );
        }
      }
    });

    it('an unknown path under the mount → 404 NOT_FOUND JSON', async () => {
      for (const [method, path] of [
        ['GET', '/nope'],
        ['GET', '/devices/a/b/c'],
        ['GET', '/session/extra'],
        ['POST', '/users'],
        ['GET', '/v1/environments/x/users'],
      ] as const) {
        const reply = await nothingUpstream(harness, () =>
          harness.send(method, path, method === 'POST' ? { body: {} } : {}),
        );
        assertRelayError(reply, 404, 'NOT_FOUND');
      }
    });

    it('the 404 survives mounting the relay inside another app', async () => {
      const outer = new Hono();
      outer.route('/', harness.app);
      const response = await outer.request(`${MOUNT}/nope`);
      assert.equal(response.status, 404);
      assert.deepEqual(await response.json(), {
        error: { code: 'NOT_FOUND', message: ERROR_MESSAGES.NOT_FOUND },
      });
      assert.equal(response.headers.get('cache-control'), 'no-store');
    });

    it('successful answers are no-store too', async () => {
      for (const path of [
        '/session',
        '/devices',
        '/openapi.json',
        `/authentications/${fixture.handle}`,
      ]) {
        const reply = await harness.send('GET', path);
        assert.equal(reply.status, 200, reply.text);
        assert.equal(reply.headers.get('cache-control'), 'no-store', path);
      }
      const reply = await harness.send('POST', '/authentications', { body: {} });
      assert.equal(reply.status, 201, reply.text);
      assert.equal(reply.headers.get('cache-control'), 'no-store');
      fixture = { ...fixture, handle: reply.body.id as string };
    });
  });

  describe('34: body size', () => {
    const MAX = 64 * 1024;
    /** A JSON document of exactly `size` bytes. */
    const jsonOf = (size: number, key = 'ticket') => {
      const head = `{"${key}":"`;
      return `${head}${'x'.repeat(size - head.length - 2)}"}`;
    };

    it('64 KB is read; one byte more → 413 BODY_TOO_LARGE, with Content-Length', async () => {
      const exact = await nothingUpstream(harness, () =>
        harness.send('POST', '/session', {
          raw: jsonOf(MAX),
          headers: { 'content-length': String(MAX) },
        }),
      );
      assertRelayError(exact, 400, 'BAD_REQUEST', 'ticket');
      for (const route of WITH_BODY) {
        const reply = await nothingUpstream(harness, () =>
          harness.send(route[0], concrete(route[1], fixture), {
            raw: jsonOf(MAX + 1),
            headers: { 'content-length': String(MAX + 1) },
          }),
        );
        assertRelayError(reply, 413, 'BODY_TOO_LARGE');
      }
    });

    it('over 64 KB without Content-Length → 413', async () => {
      for (const route of WITH_BODY) {
        const bytes = new TextEncoder().encode(jsonOf(MAX + 1));
        const stream = new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(bytes);
            controller.close();
          },
        });
        const reply = await nothingUpstream(harness, () =>
          harness.send(route[0], concrete(route[1], fixture), { raw: stream }),
        );
        assertRelayError(reply, 413, 'BODY_TOO_LARGE');
      }
    });

    it('a Content-Length that understates the body does not get it through', async () => {
      const reply = await nothingUpstream(harness, () =>
        harness.send('POST', '/devices', {
          raw: jsonOf(MAX * 2, 'nickname'),
          headers: { 'content-length': '20' },
        }),
      );
      assertRelayError(reply, 413, 'BODY_TOO_LARGE');
    });

    it('a declared 100 MB body is refused before it is read', async () => {
      let pulled = 0;
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          pulled += 1024;
          controller.enqueue(new Uint8Array(1024).fill(0x20));
        },
      });
      const reply = await nothingUpstream(harness, () =>
        harness.send('POST', '/session', {
          raw: stream,
          headers: { 'content-length': String(100 * 1024 * 1024) },
        }),
      );
      assertRelayError(reply, 413, 'BODY_TOO_LARGE');
      assert.ok(pulled < 64 * 1024, `read ${pulled} bytes`);
    });

    it('a streamed 100 MB body stops early: under 1 MB is pulled', async () => {
      for (const [method, path] of [
        ['POST', '/session'],
        ['POST', `/devices/${fixture.deviceId}/activation`],
        ['PUT', '/devices/order'],
      ] as const) {
        const total = 100 * 1024 * 1024;
        const chunk = new Uint8Array(16 * 1024).fill(0x20);
        let pulled = 0;
        let cancelled = false;
        const stream = new ReadableStream<Uint8Array>(
          {
            pull(controller) {
              if (pulled >= total) {
                controller.close();
                return;
              }
              pulled += chunk.byteLength;
              controller.enqueue(
                pulled === chunk.byteLength ? new TextEncoder().encode('{"a":"') : chunk,
              );
            },
            cancel() {
              cancelled = true;
            },
          },
          { highWaterMark: 0 },
        );
        const reply = await nothingUpstream(harness, () =>
          harness.send(method, path, { raw: stream }),
        );
        assertRelayError(reply, 413, 'BODY_TOO_LARGE');
        assert.ok(pulled < 1024 * 1024, `${path}: pulled ${pulled} bytes`);
        assert.ok(cancelled, `${path}: the stream was cancelled`);
      }
      await stillIntact(harness, fixture);
    });
  });

  describe('35: strict JSON', () => {
    const deep = (open: string, inner: string, close: string) =>
      `${open.repeat(10_000)}${inner}${close.repeat(10_000)}`;
    const bad: [string, string | Uint8Array][] = [
      ['truncated object', '{"ticket":'],
      ['truncated string', '{"ticket":"abc'],
      ['unquoted key', '{ticket:"abc"}'],
      ['single quotes', "{'ticket':'abc'}"],
      ['trailing comma', '{"ticket":"abc",}'],
      ['trailing garbage', '{"ticket":"abc"} x'],
      ['two documents', '{"ticket":"a"}{"ticket":"b"}'],
      ['NaN', 'NaN'],
      ['duplicate key', '{"ticket":"a","ticket":"b"}'],
      ['duplicate key by escape', '{"ticket":"a","\\u0074icket":"b"}'],
      ['nested duplicate key', '{"a":{"b":1,"b":2}}'],
      ['10 000 nested arrays', deep('[', '1', ']')],
      ['10 000 nested objects', deep('{"a":', '1', '}')],
      ['__proto__', '{"__proto__":{"polluted":true}}'],
      ['__proto__ after a field', '{"ticket":"abc","__proto__":{"polluted":true}}'],
      ['nested __proto__', '{"a":[{"__proto__":{"polluted":true}}]}'],
      ['escaped __proto__', '{"\\u005f_proto__":{"polluted":true}}'],
      ['constructor.prototype', '{"constructor":{"prototype":{"polluted":true}}}'],
      ['prototype', '{"prototype":{"polluted":true}}'],
      [
        'invalid UTF-8',
        new Uint8Array([0x7b, 0x22, 0x74, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
      ],
    ];

    for (const [method, route] of [
      ['POST', '/session'],
      ['POST', '/devices'],
      ['PATCH', '/devices/:id'],
      ['POST', '/authentications/:id/otp'],
    ] as const) {
      it(`${method} ${route}: malformed, duplicate, deep and prototype keys → 400 INVALID_JSON`, async () => {
        for (const [label, raw] of bad) {
          const reply = await nothingUpstream(harness, () =>
            harness.send(method, concrete(route, fixture), { raw }),
          );
          try {
            assertRelayError(reply, 400, 'INVALID_JSON');
          } catch (error) {
            assert.fail(`${label}: ${String(error)}`);
          }
        }
        assert.equal(({} as Record<string, unknown>).polluted, undefined, 'no pollution');
        assert.equal(Object.hasOwn(Object.prototype, 'polluted'), false, 'no pollution');
      });
    }

    it('an empty body is an empty object, not a JSON error', async () => {
      const reply = await nothingUpstream(harness, () =>
        harness.send('POST', '/session', { raw: '' }),
      );
      assertRelayError(reply, 400, 'BAD_REQUEST', 'ticket');
    });
  });

  describe('36: strict schemas', () => {
    const cases: [string, string, unknown, ErrorCode, string | undefined][] = [
      ['POST', '/session', { ticket: 123 }, 'BAD_REQUEST', 'ticket'],
      ['POST', '/session', {}, 'BAD_REQUEST', 'ticket'],
      ['POST', '/session', { ticket: 'x', extra: 1 }, 'BAD_REQUEST', 'extra'],
      ['POST', '/session', [], 'BAD_REQUEST', undefined],
      ['POST', '/session', 'ticket', 'BAD_REQUEST', undefined],
      ['POST', '/session', null, 'BAD_REQUEST', undefined],
      ['POST', '/authentications', { compatibility: 'MAYBE' }, 'BAD_REQUEST', 'compatibility'],
      ['POST', '/authentications', { debug: true }, 'BAD_REQUEST', 'debug'],
      ['POST', '/authentications/:id/device', { deviceId: 5 }, 'BAD_REQUEST', 'deviceId'],
      ['POST', '/authentications/:id/device', { deviceId: '../x' }, 'BAD_REQUEST', 'deviceId'],
      ['POST', '/authentications/:id/otp', { otp: 123456 }, 'OTP_FORMAT', 'otp'],
      ['POST', '/authentications/:id/otp', { otp: '١٢٣٤٥٦' }, 'OTP_FORMAT', 'otp'],
      [
        'POST',
        '/authentications/:id/otp',
        { otp: '123456', remember: 'yes' },
        'BAD_REQUEST',
        'remember',
      ],
      ['POST', '/authentications/:id/resend', { again: true }, 'BAD_REQUEST', 'again'],
      ['POST', '/authentications/:id/assertion', { credential: {} }, 'BAD_REQUEST', undefined],
      ['POST', '/devices', { type: 'NOPE' }, 'BAD_REQUEST', 'type'],
      ['POST', '/devices', { type: 'TOTP', nickname: 7 }, 'BAD_REQUEST', 'nickname'],
      ['POST', '/devices', { type: 'TOTP', secret: 'JBSWY3DP' }, 'BAD_REQUEST', 'secret'],
      ['POST', '/devices', { type: 'SMS' }, 'PHONE_INVALID', 'phone'],
      ['POST', '/devices', { type: 'EMAIL', email: 'not-an-email' }, 'EMAIL_INVALID', 'email'],
      ['PUT', '/devices/order', { order: 'abc' }, 'BAD_REQUEST', 'order'],
      ['PUT', '/devices/order', { order: [] }, 'BAD_REQUEST', 'order'],
      ['PUT', '/devices/order', { order: [1] }, 'BAD_REQUEST', 'order.0'],
      ['PATCH', '/devices/:id', { nickname: '' }, 'BAD_REQUEST', 'nickname'],
      ['PATCH', '/devices/:id', { nickname: 'x'.repeat(101) }, 'BAD_REQUEST', 'nickname'],
      ['PATCH', '/devices/:id', { nickname: 'ok', status: 'ACTIVE' }, 'BAD_REQUEST', 'status'],
      ['POST', '/devices/:id/activation', { otp: '123456', extra: 1 }, 'BAD_REQUEST', undefined],
      ['POST', '/devices/:id/activation-code', { to: '+1' }, 'BAD_REQUEST', 'to'],
    ];

    it('unknown fields and wrong types → 400 with the field, nothing upstream', async () => {
      for (const [method, route, body, code, field] of cases) {
        const reply = await nothingUpstream(harness, () =>
          harness.send(method, concrete(route, fixture), { raw: JSON.stringify(body) }),
        );
        try {
          assertRelayError(reply, 400, code, field);
        } catch (error) {
          assert.fail(`${method} ${route} ${JSON.stringify(body)}: ${String(error)}`);
        }
      }
      await stillIntact(harness, fixture);
    });

    it('CR, LF and other controls in a nickname or phone → 400, nothing upstream', async () => {
      const injections = [
        'a\r\nSet-Cookie: x=1',
        'a\nb',
        'a\rb',
        'a\u0000b',
        'a\u2028b',
        'a\u0085b',
      ];
      for (const text of injections) {
        const named = await nothingUpstream(harness, () =>
          harness.send('POST', '/devices', { body: { type: 'TOTP', nickname: text } }),
        );
        assertRelayError(named, 400, 'BAD_REQUEST', 'nickname');
        const renamed = await nothingUpstream(harness, () =>
          harness.send('PATCH', `/devices/${fixture.deviceId}`, { body: { nickname: text } }),
        );
        assertRelayError(renamed, 400, 'BAD_REQUEST', 'nickname');
      }
      for (const phone of ['+1415555\r\n2671', '+14155552671\r\nX: 1', '+1415\n5552671']) {
        for (const type of ['SMS', 'VOICE', 'WHATSAPP']) {
          const reply = await nothingUpstream(harness, () =>
            harness.send('POST', '/devices', { body: { type, phone } }),
          );
          assertRelayError(reply, 400, 'PHONE_INVALID', 'phone');
        }
      }
      assert.equal(await harness.outboxCount('+14155552671'), 0, 'no message sent');
      await stillIntact(harness, fixture);
    });
  });

  it('control: the same requests, with every header right, get past the guards', async () => {
    const guardCodes = new Set(['CSRF_REJECTED', 'ORIGIN_FORBIDDEN', 'UNSUPPORTED_MEDIA_TYPE']);
    for (const [index, route] of UNSAFE.entries()) {
      const own = await enrolled(harness, `control-${index}`);
      const reply = await sendRoute(harness, own, route);
      const code = (reply.body.error as { code?: string } | undefined)?.code;
      assert.ok(
        reply.status < 400 || !guardCodes.has(code ?? ''),
        `${route.join(' ')}: ${reply.status} ${reply.text}`,
      );
      assert.ok(
        !['BAD_REQUEST', 'INVALID_JSON', 'BODY_TOO_LARGE', 'SESSION_REQUIRED'].includes(code ?? ''),
        `${route.join(' ')} is well-formed: ${reply.text}`,
      );
    }
    fixture = await enrolled(harness, 'owner-3');
  });

  describe('errors never carry upstream text', () => {
    it('an upstream 500 with a detailed body → 502 with the protocol message only', async () => {
      harness.fault = (request) =>
        request.method === 'GET' && new URL(request.url).pathname.endsWith('/devices')
          ? Response.json(
              {
                code: 'UNEXPECTED_ERROR',
                message: 'UPSTREAM-SECRET at Object.<anonymous> (/srv/app.js:1:1)',
              },
              { status: 500 },
            )
          : undefined;
      try {
        const reply = await harness.send('GET', '/devices');
        assertRelayError(reply, 502, 'UPSTREAM_UNAVAILABLE');
        assert.doesNotMatch(reply.text, /UPSTREAM-SECRET|UNEXPECTED_ERROR/);
      } finally {
        harness.fault = undefined;
      }
    });

    it('an upstream 400 with messages and targets → a generic relay error', async () => {
      harness.fault = (request) =>
        request.method === 'POST' && new URL(request.url).pathname.endsWith('/devices')
          ? Response.json(
              {
                id: 'e1',
                code: 'INVALID_DATA',
                message: 'UPSTREAM-SECRET request body',
                details: [{ code: 'INVALID_VALUE', target: 'devices', message: 'UPSTREAM-SECRET' }],
              },
              { status: 400 },
            )
          : undefined;
      try {
        const reply = await harness.send('PUT', '/devices/order', {
          body: { order: [fixture.deviceId] },
        });
        assertRelayError(reply, 400, 'BAD_REQUEST');
        assert.doesNotMatch(reply.text, /UPSTREAM-SECRET|INVALID_DATA|INVALID_VALUE/);
      } finally {
        harness.fault = undefined;
      }
      await stillIntact(harness, fixture);
    });
  });
});
