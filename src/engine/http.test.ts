/**
 * Request parsing (media types, JSON bodies, zod issues → PingOne details) and the error basics
 * every response shares: P1 bodies, the correlation header, `Cache-Control: no-store`, 404 for
 * unknown paths, 413, and a 500 that reveals nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Hono } from 'hono';
import { z } from 'zod';
import { Harness, assertError, type Reply } from '../../test/helpers/engine-harness.ts';
import { EngineError, type ErrorDetail } from './errors.ts';
import {
  MEDIA,
  links,
  mediaTypeOf,
  parseWith,
  readJsonObject,
  requestLimited,
  requireMediaType,
} from './http.ts';

const CORRELATION = 'x-ping-external-transaction-id';

/** The details parseWith throws for `input`. */
function detailsOf(schema: z.ZodType, input: unknown): ErrorDetail[] {
  try {
    parseWith(schema, input);
  } catch (error) {
    assert.ok(error instanceof EngineError);
    assert.equal(error.status, 400);
    assert.equal(error.code, 'INVALID_DATA');
    return error.details ?? [];
  }
  assert.fail(`expected ${JSON.stringify(input)} to be refused`);
}

describe('parseWith: zod issues become PingOne details', () => {
  test('valid input is returned parsed (with defaults and transforms)', () => {
    const schema = z.strictObject({ a: z.string().trim(), b: z.number().default(3) });
    assert.deepEqual(parseWith(schema, { a: ' x ' }), { a: 'x', b: 3 });
  });

  test('missing member → REQUIRED_VALUE with its dotted path', () => {
    const schema = z.strictObject({ outer: z.strictObject({ inner: z.string() }) });
    assert.deepEqual(detailsOf(schema, { outer: {} }), [
      { code: 'REQUIRED_VALUE', target: 'outer.inner', message: 'outer.inner is required' },
    ]);
  });

  test('wrong type → INVALID_VALUE "Expected …"', () => {
    const [detail] = detailsOf(z.strictObject({ n: z.number() }), { n: '1' });
    assert.deepEqual(detail, { code: 'INVALID_VALUE', target: 'n', message: 'Expected number' });
  });

  test('null where a value is required counts as a wrong type, not as missing', () => {
    const [detail] = detailsOf(z.strictObject({ n: z.number() }), { n: null });
    assert.equal(detail?.code, 'INVALID_VALUE');
  });

  test('unknown members → INVALID_VALUE targeting each path', () => {
    const schema = z.strictObject({ a: z.strictObject({ b: z.number() }) });
    assert.deepEqual(detailsOf(schema, { a: { b: 1, c: 2 } }), [
      { code: 'INVALID_VALUE', target: 'a.c', message: 'Unknown property: c' },
    ]);
    const [several] = detailsOf(z.strictObject({}), { x: 1, y: 2 });
    assert.equal(several?.message, 'Unknown properties: x, y');
  });

  test('enum → INVALID_VALUE with allowedValues', () => {
    const [detail] = detailsOf(z.strictObject({ kind: z.enum(['A', 'B']) }), { kind: 'C' });
    assert.equal(detail?.code, 'INVALID_VALUE');
    assert.equal(detail.target, 'kind');
    assert.deepEqual(detail.innerError, { allowedValues: ['A', 'B'] });
  });

  test('number over the maximum → OUT_OF_RANGE with maximumValue', () => {
    const [detail] = detailsOf(z.strictObject({ n: z.number().max(15) }), { n: 16 });
    assert.equal(detail?.code, 'OUT_OF_RANGE');
    assert.deepEqual(detail.innerError, { maximumValue: 15 });
  });

  test('number under the minimum → OUT_OF_RANGE with rangeMinimumValue', () => {
    const [detail] = detailsOf(z.strictObject({ n: z.number().min(1) }), { n: 0 });
    assert.equal(detail?.code, 'OUT_OF_RANGE');
    assert.deepEqual(detail.innerError, { rangeMinimumValue: 1 });
  });

  test('string or array too long → SIZE_LIMIT_EXCEEDED; too short → INVALID_VALUE', () => {
    const [long] = detailsOf(z.strictObject({ s: z.string().max(3) }), { s: 'abcd' });
    assert.equal(long?.code, 'SIZE_LIMIT_EXCEEDED');
    assert.deepEqual(long.innerError, { maximumValue: 3 });
    const [many] = detailsOf(z.strictObject({ a: z.array(z.number()).max(1) }), { a: [1, 2] });
    assert.equal(many?.code, 'SIZE_LIMIT_EXCEEDED');
    const [short] = detailsOf(z.strictObject({ s: z.string().min(2) }), { s: 'a' });
    assert.equal(short?.code, 'INVALID_VALUE');
    assert.deepEqual(short.innerError, { rangeMinimumValue: 2 });
  });

  test('regex → INVALID_VALUE with allowedPattern', () => {
    const [detail] = detailsOf(z.strictObject({ otp: z.string().regex(/^[0-9]{6}$/) }), {
      otp: 'abc',
    });
    assert.equal(detail?.code, 'INVALID_VALUE');
    assert.equal(detail.target, 'otp');
    assert.deepEqual(detail.innerError, { allowedPattern: '^[0-9]{6}$' });
  });

  test('other formats (email) → INVALID_VALUE without innerError', () => {
    const [detail] = detailsOf(z.strictObject({ email: z.email() }), { email: 'x' });
    assert.equal(detail?.code, 'INVALID_VALUE');
    assert.equal(detail.innerError, undefined);
  });

  test('custom refinements → INVALID_VALUE with their message', () => {
    const schema = z.strictObject({
      n: z.number().refine((n) => n % 2 === 0, { message: 'n must be even' }),
    });
    assert.deepEqual(detailsOf(schema, { n: 3 }), [
      { code: 'INVALID_VALUE', target: 'n', message: 'n must be even' },
    ]);
  });

  test('discriminated unions: a missing discriminator is REQUIRED_VALUE, an unknown one INVALID_VALUE', () => {
    const schema = z.strictObject({
      device: z.discriminatedUnion('type', [
        z.strictObject({ type: z.literal('SMS'), phone: z.string() }),
        z.strictObject({ type: z.literal('EMAIL'), email: z.string() }),
      ]),
    });
    assert.deepEqual(detailsOf(schema, { device: {} }), [
      { code: 'REQUIRED_VALUE', target: 'device.type', message: 'device.type is required' },
    ]);
    const [unknown] = detailsOf(schema, { device: { type: 'PIGEON' } });
    assert.equal(unknown?.code, 'INVALID_VALUE');
    assert.equal(unknown.target, 'device.type');
    // With a known discriminator, the member's own issues are reported.
    assert.deepEqual(detailsOf(schema, { device: { type: 'SMS' } }), [
      { code: 'REQUIRED_VALUE', target: 'device.phone', message: 'device.phone is required' },
    ]);
  });

  test('an issue on the root has no target', () => {
    const [detail] = detailsOf(z.string(), 5);
    assert.equal(detail?.target, undefined);
    assert.equal('target' in (detail ?? {}), false);
  });

  test('several problems → several details', () => {
    const schema = z.strictObject({ a: z.string(), b: z.number() });
    const details = detailsOf(schema, { b: 'x', c: 1 });
    assert.deepEqual(details.map((detail) => [detail.code, detail.target]).sort(), [
      ['INVALID_VALUE', 'b'],
      ['INVALID_VALUE', 'c'],
      ['REQUIRED_VALUE', 'a'],
    ]);
  });
});

describe('media types and JSON bodies (on a bare Hono app)', () => {
  const app = new Hono();
  app.post('/media', (c) =>
    c.json({ type: mediaTypeOf(c), matched: requireMediaType(c, [MEDIA.json, MEDIA.activate]) }),
  );
  app.post('/body', async (c) => c.json(await readJsonObject(c)));
  app.post('/optional', async (c) => c.json(await readJsonObject(c, { optional: true })));
  app.onError((error, c) => {
    assert.ok(error instanceof EngineError, String(error));
    return c.json(error.toBody(), error.status as 400);
  });

  async function send(
    path: string,
    body: string,
    type?: string,
  ): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await app.request(path, {
      method: 'POST',
      body,
      ...(type !== undefined ? { headers: { 'content-type': type } } : {}),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  test('the media type is matched without parameters and case-insensitively', async () => {
    assert.deepEqual((await send('/media', '', 'application/json; charset=utf-8')).body, {
      type: 'application/json',
      matched: MEDIA.json,
    });
    assert.deepEqual(
      (await send('/media', '', 'Application/VND.pingidentity.device.activate+JSON')).body,
      {
        type: MEDIA.activate,
        matched: MEDIA.activate,
      },
    );
  });

  test('another or no media type → 415 listing the allowed ones', async () => {
    for (const type of [
      'text/plain',
      'application/vnd.pingidentity.device.block+json',
      undefined,
    ]) {
      const reply = await send('/media', '{}', type);
      assert.equal(reply.status, 415, String(type));
      assert.equal(reply.body.code, 'UNSUPPORTED_MEDIA_TYPE');
      const [detail] = reply.body.details as ErrorDetail[];
      assert.deepEqual(detail?.innerError, { allowedValues: [MEDIA.json, MEDIA.activate] });
      assert.equal(detail.target, 'Content-Type');
    }
  });

  test('a JSON object is returned as is', async () => {
    const reply = await send('/body', '{"a":{"b":[1,2]}}', 'application/json');
    assert.deepEqual(reply.body, { a: { b: [1, 2] } });
  });

  test('bad bodies → 400 INVALID_REQUEST with INVALID_JSON or REQUIRED_VALUE', async () => {
    const cases: [string, string][] = [
      ['{', 'INVALID_JSON'],
      ['[1]', 'INVALID_JSON'],
      ['"text"', 'INVALID_JSON'],
      ['null', 'INVALID_JSON'],
      ['42', 'INVALID_JSON'],
      ['', 'REQUIRED_VALUE'],
      ['  \n ', 'REQUIRED_VALUE'],
    ];
    for (const [body, detail] of cases) {
      const reply = await send('/body', body, 'application/json');
      assert.equal(reply.status, 400, JSON.stringify(body));
      assert.equal(reply.body.code, 'INVALID_REQUEST');
      assert.equal((reply.body.details as ErrorDetail[])[0]?.code, detail, JSON.stringify(body));
    }
  });

  test('optional bodies may be empty, but not malformed', async () => {
    assert.deepEqual((await send('/optional', '', MEDIA.activate)).body, {});
    assert.equal((await send('/optional', '{', MEDIA.activate)).status, 400);
  });
});

describe('helpers', () => {
  test('links builds HAL links', () => {
    assert.deepEqual(links({ self: 'http://x/a', user: 'http://x/u' }), {
      self: { href: 'http://x/a' },
      user: { href: 'http://x/u' },
    });
  });

  test('requestLimited: 429 REQUEST_LIMITED with a whole-second Retry-After of at least 1', () => {
    const detail = { code: 'TOO_MANY', message: 'slow down' };
    const error = requestLimited(12.2, detail);
    assert.equal(error.status, 429);
    assert.equal(error.code, 'REQUEST_LIMITED');
    assert.deepEqual(error.headers, { 'Retry-After': '13' });
    assert.deepEqual(error.details, [detail]);
    assert.deepEqual(requestLimited(0, detail).headers, { 'Retry-After': '1' });
    assert.deepEqual(requestLimited(-5, detail).headers, { 'Retry-After': '1' });
  });

  test('EngineError bodies: a fresh id, code, message, details only when there are some', () => {
    const plain = new EngineError(404, 'NOT_FOUND').toBody();
    assert.deepEqual(Object.keys(plain).sort(), ['code', 'id', 'message']);
    assert.match(plain.id, /^[0-9a-f-]{36}$/);
    assert.notEqual(new EngineError(404, 'NOT_FOUND').toBody().id, plain.id);
    assert.match(plain.message, /^The request could not be completed\./);
    assert.equal('details' in new EngineError(400, 'INVALID_DATA', []).toBody(), false);
    assert.equal(
      new EngineError(400, 'SOMETHING_NEW').message,
      'The request could not be completed.',
    );
  });
});

describe('error basics through the engine', () => {
  let h: Harness;
  before(async () => {
    h = await Harness.start();
  });
  after(() => {
    h.close();
  });

  function assertErrorHeaders(reply: Reply): void {
    assert.equal(reply.headers.get('cache-control'), 'no-store', reply.text);
    assert.ok(reply.headers.get(CORRELATION), `no ${CORRELATION}`);
    assert.match(reply.headers.get('content-type') ?? '', /^application\/json/);
  }

  test('unknown paths → 404 NOT_FOUND with a P1 body', async () => {
    for (const path of ['/nope', '/v1', h.api('/nope'), h.api('/users/x/devices/y/z'), h.api('')]) {
      const reply = await h.get(path);
      assertError(reply, 404, 'NOT_FOUND');
      assertErrorHeaders(reply);
    }
  });

  test('an unsupported method on a known path → 405 METHOD_NOT_ALLOWED', async () => {
    const reply = await h.request('PATCH', h.api('/mfaSettings'), { body: {} });
    assertError(reply, 405, 'METHOD_NOT_ALLOWED');
  });

  test('every kind of error carries the correlation header and no-store', async () => {
    const replies: [string, Reply][] = [
      ['400', await h.post(h.api('/users'), { body: { username: 'a b' } })],
      ['401', await h.get(h.api('/users'), { token: null })],
      ['403', await h.get('/v1/environments/00000000-0000-4000-8000-000000000000/users')],
      ['404', await h.get(h.api('/users/00000000-0000-4000-8000-000000000000'))],
      [
        '413',
        await h.post(h.api('/users'), { raw: JSON.stringify({ username: 'x'.repeat(70_000) }) }),
      ],
      ['415', await h.post(h.api('/users'), { raw: 'x', type: 'text/plain' })],
      [
        'oauth 401',
        await h.post(`/${h.env}/as/token`, {
          raw: 'grant_type=client_credentials',
          type: 'application/x-www-form-urlencoded',
          token: null,
        }),
      ],
    ];
    for (const [name, reply] of replies) {
      assert.ok(reply.status >= 400, name);
      assert.equal(reply.headers.get('cache-control'), 'no-store', name);
      assert.ok(reply.headers.get(CORRELATION), name);
    }
  });

  test('a body over 64 KiB → 413 REQUEST_TOO_LARGE, nothing stored', async () => {
    const before = h.snapshot('users');
    const reply = await h.post(h.api('/users'), {
      raw: JSON.stringify({ username: 'big', pad: 'x'.repeat(70_000) }),
    });
    assertError(reply, 413, 'REQUEST_TOO_LARGE');
    assert.deepEqual(h.snapshot('users'), before);
  });

  test('successful responses are no-store too', async () => {
    const reply = await h.get(h.api('/mfaSettings'));
    assert.equal(reply.status, 200);
    assert.equal(reply.headers.get('cache-control'), 'no-store');
  });

  test('a given correlation id is echoed', async () => {
    const id = 'Tx-123.abc_def/ghi@example=#+Ünï';
    for (const reply of [
      await h.get(h.api('/mfaSettings'), { headers: { 'X-Ping-External-Transaction-ID': id } }),
      await h.get(h.api('/nope'), { headers: { 'X-Ping-External-Transaction-ID': id } }),
    ]) {
      // Letters outside ASCII (here Latin-1, which a header value can carry) are allowed too.
      assert.equal(reply.headers.get(CORRELATION), id);
    }
    const ascii = 'abc-123_DEF.xyz/@=#+';
    const reply = await h.get(h.api('/nope'), {
      headers: { 'X-Ping-External-Transaction-ID': ascii },
    });
    assert.equal(reply.headers.get(CORRELATION), ascii);
  });

  test('disallowed characters become _ and the id is capped at 100 characters', async () => {
    const reply = await h.get(h.api('/nope'), {
      headers: { 'X-Ping-External-Transaction-ID': 'a b;c<d>e"f\'g,h:i?j&k%l' },
    });
    assert.equal(reply.headers.get(CORRELATION), 'a_b_c_d_e_f_g_h_i_j_k_l');
    const long = `${'x'.repeat(99)}yz${'w'.repeat(50)}`;
    const capped = await h.get(h.api('/nope'), {
      headers: { 'X-Ping-External-Transaction-ID': long },
    });
    assert.equal(capped.headers.get(CORRELATION), `${'x'.repeat(99)}y`);
  });

  test('without one, a fresh id is generated for every response', async () => {
    const first = (await h.get(h.api('/nope'))).headers.get(CORRELATION);
    const second = (await h.get(h.api('/nope'))).headers.get(CORRELATION);
    assert.match(first ?? '', /^[0-9a-f-]{36}$/);
    assert.notEqual(first, second);
  });

  test('an internal error → 500 UNEXPECTED_ERROR with no stack trace or cause', async () => {
    // Closing the database under a running engine is the one clean way to make a handler throw.
    const broken = await Harness.start();
    try {
      broken.engine.close();
      const reply = await broken.get(broken.api('/mfaSettings'), {
        headers: { 'X-Ping-External-Transaction-ID': 'trace-500' },
      });
      assertError(reply, 500, 'UNEXPECTED_ERROR');
      assert.deepEqual(Object.keys(reply.body).sort(), ['code', 'id', 'message']);
      assert.equal(reply.body.message, 'An unexpected error occurred.');
      assert.doesNotMatch(reply.text, /database|TypeError|at |\.ts|stack/i);
      assert.equal(reply.headers.get(CORRELATION), 'trace-500');
      assert.equal(reply.headers.get('cache-control'), 'no-store');
      const logged = broken.events.find((event) => event.event === 'engine.error');
      assert.ok(logged, 'the cause is logged for operators');
      assert.equal(logged.stack, undefined);
    } finally {
      broken.close();
    }
  });
});
